"""The dateline grammar: the city a story was filed from, and often the day, opening a paragraph.

    MOSCOW, June 13. /TASS/.          QINGDAO, April 29 (Xinhua) --      BEIJING (Reuters) -
    LONDON, Ky., June 13, 2019 --     NEW DELHI, Sept. 7 (AP) --         WINNIPEG —
    Moscow, June 13 (Reuters) -       (a mixed-case city needs the day and an agency or dash)

One grammar for every reader of datelines: the sentence splitter keeps a dateline with its
sentence (`geo.sentences`), the article reader takes the publication day from it
(`geo.articles`), the geoparser takes its city as a place (`geo.toponyms`), and the event
extractor skips the filing date (`dateline_end`). Month names come from the one month table,
`geo.dates.MONTHS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from geo.dates import MONTHS

# Month names as datelines and headers write them: capitalised or in capitals ("may" and
# "march" in prose are verbs). An alternation for regular expressions.
MONTH_NAMES = "|".join(
    form
    for name in sorted(MONTHS, key=len, reverse=True)
    for form in (name.capitalize(), name.upper())
)
_MONTH = rf"(?P<month>{MONTH_NAMES})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DATE = rf"{_MONTH}\s+{_DAY}\.?(?:,?\s+{_YEAR})?"
# The city in capitals ("NEW DELHI", "ST. LOUIS", "U.S."), or in title case.
_CAPITALS = r"[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+)*"
_TITLE = r"[A-Z][a-z]+(?: [A-Z][a-z]+)*"
# A state, province or prefecture after the city, only before a date: "LONDON, Ky., June 13".
_REGION = (
    rf"(?:,\s*(?P<region>[A-Z][A-Za-z.'’]*(?: [A-Z][A-Za-z.'’]*)*)(?=\s*,\s*(?:{MONTH_NAMES})\b))?"
)
_AGENCY = r"(?P<agency>\([A-Z][A-Za-z -]*\)|/[A-Z][A-Za-z -]*/)"
_DASH = r"(?P<dash>--|—|–|-|:)"
_TITLE_DASH = r"(?P<dash>--|—|–)"  # a lone hyphen after a title-case date is prose

GRAMMAR = re.compile(
    rf"(?P<place>{_CAPITALS}){_REGION}(?P<comma>\s*,)?(?:\s*{_DATE})?"
    rf"(?:\s*\.?\s*{_AGENCY})?\.?(?:\s*{_DASH})?(?=\s)"
)
GRAMMAR_TITLE = re.compile(
    rf"(?P<place>{_TITLE}){_REGION}\s*,\s*{_DATE}\s*(?:\.\s*)?{_AGENCY}?(?:\s*{_TITLE_DASH})?(?=\s)"
)
# The old name of the grammar, for callers that match it directly.
DATELINE = GRAMMAR


@dataclass(frozen=True)
class Dateline:
    """A dateline in a text: character offsets of the whole and of its city, and its day."""

    start: int
    end: int
    place_start: int
    place_end: int
    month: int | None = None
    day: int | None = None
    year: int | None = None
    agency: str | None = None

    @property
    def dated(self) -> bool:
        """Whether the dateline states a month and day."""
        return self.month is not None and self.day is not None


def match_dateline(text: str, start: int = 0) -> Dateline | None:
    """The dateline opening text at start: a city in capitals followed by a comma, a date, an
    agency or a dash, or a city in title case followed by a date and an agency or dash."""
    m = GRAMMAR.match(text, start)
    if m and (m.group("comma") or m.group("agency") or m.group("dash") or m.group("month")):
        return _dateline(m)
    m = GRAMMAR_TITLE.match(text, start)
    return _dateline(m) if m and (m.group("agency") or m.group("dash")) else None


def _dateline(m: re.Match) -> Dateline:
    month = m.group("month")
    return Dateline(
        m.start(),
        m.end(),
        m.start("place"),
        m.end("place"),
        MONTHS[month.lower()] if month else None,
        int(m.group("day")) if m.group("day") else None,
        int(m.group("year")) if m.group("year") else None,
        m.group("agency"),
    )


def line_starts(text: str) -> Iterator[int]:
    """The offset of the first character of each non-blank line (leading blanks skipped)."""
    for m in re.finditer(r"(?m)^[ \t]*(?=\S)", text):
        yield m.end()


def find_datelines(text: str) -> Iterator[Dateline]:
    """Every dateline opening a line of text, in order."""
    for start in line_starts(text):
        found = match_dateline(text, start)
        if found is not None:
            yield found


def dateline_end(text: str, start: int = 0) -> int:
    """Where a dateline opening text at start ends, or start when there is none."""
    found = match_dateline(text, start)
    return found.end if found is not None else start
