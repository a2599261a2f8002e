"""Sentence boundaries the statistical parser gets wrong in news: datelines."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from geo.datelines import DATELINE, dateline_end, match_dateline

__all__ = ["DATELINE", "dateline_end", "datelines"]


@Language.component("datelines")
def datelines(doc: Doc) -> Doc:
    """A dateline opening a paragraph belongs to the paragraph's first sentence."""
    text = None  # the doc's text, joined from its tokens on first need (not at every line)
    for token in doc:
        line_start = token.i == 0 or doc[token.i - 1].is_space and "\n" in doc[token.i - 1].text
        if not line_start or not token.is_upper or len(token.text) < 3:
            continue
        if text is None:
            text = doc.text
        found = match_dateline(text, token.idx)
        if found is None:
            continue
        span = doc.char_span(token.idx, found.end, alignment_mode="expand")
        if span is None:
            continue
        for inner in doc[span.start + 1 : min(span.end + 1, len(doc))]:
            inner.is_sent_start = False
    return doc
