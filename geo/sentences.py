"""Sentence boundaries the statistical parser gets wrong in news: datelines."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

# "QINGDAO, April 29 (Xinhua) --", "MOSCOW, June 13. /TASS/.", "BEIJING (Reuters) -"
DATELINE = re.compile(
    r"[A-Z][A-Z.'-]+(?: [A-Z][A-Z.'-]+)*,?(?: [A-Z][a-z]{2,}\.? \d{1,2}\.?)?"
    r"(?: ?\(?/?[A-Z][A-Za-z-]*/?\)?\.?)?(?: ?(?:--|—|–|-))?(?= )"
)


def dateline_end(text: str, start: int = 0) -> int:
    """Where a dateline opening text at start ends, or start when there is none."""
    match = DATELINE.match(text, start)
    if not match or not re.search(r",|\(|/|--|—", match.group(0)):
        return start
    return match.end()


@Language.component("datelines")
def datelines(doc: Doc) -> Doc:
    """A dateline opening a paragraph belongs to the paragraph's first sentence."""
    for token in doc:
        line_start = token.i == 0 or doc[token.i - 1].is_space and "\n" in doc[token.i - 1].text
        if not line_start or not token.is_upper or len(token.text) < 3:
            continue
        end = dateline_end(doc.text, token.idx)
        if end == token.idx:
            continue
        span = doc.char_span(token.idx, end, alignment_mode="expand")
        if span is None:
            continue
        for inner in doc[span.start + 1 : min(span.end + 1, len(doc))]:
            inner.is_sent_start = False
    return doc
