"""Date expressions in a sentence, absolute and relative, resolved against the publication date."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
SEASONS = {"spring": 4, "summer": 7, "autumn": 10, "fall": 10, "winter": 1}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

# Most specific first; a later pattern never claims text an earlier one matched.
PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (kind, re.compile(rx, re.IGNORECASE))
    for kind, rx in (
        ("iso", r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b"),
        ("mdy", rf"\b{_MONTH}\s+{_DAY}(?:\s*[-–]\s*[0-3]?\d)?,?\s+{_YEAR}\b"),
        ("dmy", rf"\b{_DAY}(?:\s*[-–]\s*[0-3]?\d)?\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),
        ("my", rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b"),
        ("md", rf"\b{_MONTH}\s+{_DAY}(?:\s*[-–]\s*[0-3]?\d)?\b(?!\s*(?:%|percent))"),
        ("dm", rf"\b{_DAY}(?:\s*[-–]\s*[0-3]?\d)?\s+(?:of\s+)?{_MONTH}\b"),
        ("month_rel", rf"\b(?:in\s+|since\s+|by\s+)?{_MONTH}\s+(?P<rel>this|last|next)\s+year\b"),
        ("month_deictic", rf"\b(?P<rel>last|this|next|past)\s+{_MONTH}(?![\w.])"),
        (
            "month",
            rf"\b(?:in|since|by|early|late|mid|until|from|during|of|for)[\s-]+(?:early\s+|late\s+|mid-?)?{_MONTH}(?![\w.])",
        ),
        ("year", rf"(?<![\d,.$£€-])(?<!\d-){_YEAR}(?!\s*[-–]\s*(?:19|20)?\d\d\b)(?![\d,.]\d)"),
        ("named_year", rf"(?<=[A-Za-z]-){_YEAR}\b"),
        (
            "rel_unit",
            r"\b(?P<rel>last|this|next|past|previous|coming)\s+(?P<unit>week|month|year|weekend)\b",
        ),
        ("season", r"\b(?P<rel>last|this|next)\s+(?P<season>spring|summer|autumn|fall|winter)\b"),
        (
            "ago",
            r"\b(?P<n>\d+|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?P<unit>day|week|month|year)s?\s+ago\b",
        ),
        ("deictic", r"\b(?P<word>yesterday|today|tomorrow|tonight)\b"),
        (
            "weekday",
            r"\b(?:on\s+|last\s+|next\s+|this\s+)?(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
        ),
    )
)
# "over the past year", "during the last month": a span of time ending now, not a date.
DURATION = re.compile(r"\b(?:over|during|in|within|throughout|for)\s+(?:the\s+)?$", re.IGNORECASE)
# The second date of a range, or a date that only ends one: "from May 2 to 9", "until May 9".
RANGE_LINK = re.compile(r"\s*(?:to|until|till|through|thru|and|[-–—])\s*", re.IGNORECASE)
RANGE_END = re.compile(r"\b(?:until|till|through|to|ending|ends?)\s+(?:on\s+)?$", re.IGNORECASE)
NUMBERS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


@dataclass(frozen=True)
class DateMention:
    """A date expression in a text, resolved as far as the text and publication date allow."""

    start: int
    end: int
    text: str
    year: int | None
    month: int | None = None
    day: int | None = None
    relative: bool = False  # resolved against the publication date
    named: bool = False  # a year inside a name ("Vostok-2018"): says the year, not the day
    ends: bool = False  # the end of a range ("from May 2 to May 9", "until May 9")

    @property
    def precision(self) -> str:
        """'day', 'month', 'year' or 'unknown'."""
        if self.year is None:
            return "unknown"
        return "day" if self.day else "month" if self.month else "year"


def _month_number(text: str) -> int:
    return MONTHS[text.lower().rstrip(".")]


def _shift_month(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _valid_day(year: int, month: int, day: int) -> int | None:
    return day if 1 <= day <= calendar.monthrange(year, month)[1] else None


def _resolve(kind: str, m: re.Match, published: date | None, future: bool) -> tuple | None:
    """(year, month, day, relative) for one match, or None when it cannot be placed in time."""
    g = m.groupdict()
    if kind in ("iso", "mdy", "dmy"):
        year, month = (
            int(g["year"]),
            (int(g["month"]) if kind == "iso" else _month_number(g["month"])),
        )
        if not 1 <= month <= 12:
            return None
        return year, month, _valid_day(year, month, int(g["day"])), False
    if kind == "my":
        return int(g["year"]), _month_number(g["month"]), None, False
    if kind in ("year", "named_year"):
        return int(g["year"]), None, None, False
    if published is None:
        return None
    if kind in ("md", "dm", "month"):
        month = _month_number(g["month"])
        year = published.year
        # "In February" in a June article is this February; "in September" said of a
        # past event in a June article is last September; of a plan, the next one.
        if not future and month > published.month + 1:
            year -= 1
        elif future and month < published.month - 1:
            year += 1
        day = _valid_day(year, month, int(g["day"])) if g.get("day") else None
        return year, month, day, True
    if kind == "month_deictic":
        month, rel = _month_number(g["month"]), g["rel"].lower()
        if rel == "this":
            return published.year, month, None, True
        if rel == "next":
            return published.year + (month <= published.month), month, None, True
        return published.year - (month >= published.month), month, None, True
    if kind == "month_rel":
        offset = {"this": 0, "last": -1, "next": 1}[g["rel"].lower()]
        return published.year + offset, _month_number(g["month"]), None, True
    if kind == "rel_unit":
        rel, unit = g["rel"].lower(), g["unit"].lower()
        sign = -1 if rel in ("last", "past", "previous") else 1 if rel in ("next", "coming") else 0
        if unit in ("week", "weekend"):
            d = published + timedelta(weeks=sign)
            return d.year, d.month, None, True
        if unit == "month":
            year, month = _shift_month(published, sign)
            return year, month, None, True
        return published.year + sign, None, None, True
    if kind == "season":
        offset = {"this": 0, "last": -1, "next": 1}[g["rel"].lower()]
        return published.year + offset, SEASONS[g["season"].lower()], None, True
    if kind == "ago":
        n = NUMBERS.get(g["n"].lower()) or int(g["n"])
        unit = g["unit"].lower()
        if unit == "year":
            return published.year - n, None, None, True
        if unit == "month":
            year, month = _shift_month(published, -n)
            return year, month, None, True
        d = published - timedelta(days=n * (7 if unit == "week" else 1))
        return d.year, d.month, d.day, True
    if kind == "deictic":
        d = published + timedelta(days={"yesterday": -1, "tomorrow": 1}.get(g["word"].lower(), 0))
        return d.year, d.month, d.day, True
    if kind == "weekday":
        target = WEEKDAYS[g["weekday"].lower()]
        if future:
            d = published + timedelta(days=(target - published.weekday()) % 7)
        else:
            d = published - timedelta(days=(published.weekday() - target) % 7)
        return d.year, d.month, d.day, True
    return None


def find_dates(
    text: str, published: date | None = None, *, future: bool = False
) -> list[DateMention]:
    """Every date expression in text, resolved against the publication date where relative."""
    found: list[DateMention] = []
    claimed: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in claimed):
                continue
            if kind == "rel_unit" and DURATION.search(text, 0, m.start()):
                continue  # "over the past year" is how long, not when
            resolved = _resolve(kind, m, published, future)
            if resolved is None:
                continue
            year, month, day, relative = resolved
            claimed.append((m.start(), m.end()))
            found.append(
                DateMention(
                    m.start(), m.end(), m.group(0), year, month, day, relative, kind == "named_year"
                )
            )
    found.sort(key=lambda d: d.start)
    return [
        replace(d, ends=True)
        if RANGE_END.search(text, 0, d.start)
        or i
        and RANGE_LINK.fullmatch(text, found[i - 1].end, d.start)
        else d
        for i, d in enumerate(found)
    ]


def best_date(mentions: list[DateMention], *, anchor: int | None = None) -> DateMention | None:
    """The one date an event sentence gives. A date of at least month precision nearest the
    anchor (the trigger word) wins, a stated one over a relative one at the same distance;
    else the most precise year. A stated year overrides the year a relative month guessed
    ("Peace Mission-2018 ... in September" is September 2018)."""
    if any(not d.ends for d in mentions):
        mentions = [d for d in mentions if not d.ends]
    if not mentions:
        return None
    rank = ("unknown", "year", "month", "day").index
    distance = (lambda d: abs(d.start - anchor)) if anchor is not None else (lambda d: d.start)
    precise = [d for d in mentions if rank(d.precision) >= rank("month")]
    if precise:
        best = min(precise, key=lambda d: (distance(d), d.relative))
    else:
        best = min(mentions, key=lambda d: (d.named, d.relative, distance(d)))
    years = {d.year for d in mentions if not d.relative and d.precision == "year"}
    if best.relative and len(years) == 1 and best.year not in years:
        year = years.pop()
        assert year is not None  # a precision of "year" means a year
        day = _valid_day(year, best.month, best.day) if best.month and best.day else None
        return DateMention(best.start, best.end, best.text, year, best.month, day, True)
    return best
