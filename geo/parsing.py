"""The dependency parse, only where events need it.

Recognising and resolving place names needs the entities and the sentence boundaries; only
event extraction reads the tags, the parse and the lemmas, and only in sentences that can
report an event (`EventExtractor` chooses them). `SentenceParser` runs the model's tagger,
parser, attribute ruler and lemmatizer over the sentences chosen, each as its own small doc
that the parser makes one tree of, and writes their annotations back into the document; every
other sentence keeps the sentence splitter's boundaries and no parse (empty `dep_`, `lemma_`,
`pos_`, each token its own head).

Choosing before the lemmas are known: `WordForms` lists every word form the lemmatizer could
reduce to a lemma ("held" for "hold", "drills" for "drill"), worked out once from the model's
own lemmatizer tables, so that a test of a lemma can be made on the words themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any

import numpy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, SENT_START, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span

# The components that make the parse, in the order the model runs them.
PARSE_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
PARSE_ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD]


class SentenceParser:
    """Tags, parses and lemmatises chosen sentences of a doc, with the model's own (disabled)
    components; loaded with the pipeline, so it costs nothing until a sentence is parsed."""

    def __init__(self, nlp: Language, pipes: Sequence[str] = PARSE_PIPES) -> None:
        self.nlp = nlp
        self.pipe_names = tuple(pipes)

    @cached_property
    def pipes(self) -> list:
        return [self.nlp.get_pipe(name) for name in self.pipe_names]

    @cached_property
    def word_forms(self) -> WordForms:
        return WordForms(self.nlp)

    def forms(self, lemmas: Iterable[str]) -> set[str]:
        """Every lower-case word form the lemmatizer can reduce to one of lemmas."""
        return self.word_forms.of(lemmas)

    def __call__(self, doc: Doc, sents: Sequence[Span]) -> Doc:
        """doc with sents parsed (each as its own small doc, one tree to a sentence); the other
        sentences keep their boundaries and no parse."""
        self.parse_many([(doc, sents)])
        return doc

    def parse_many(self, chosen: Sequence[tuple[Doc, Sequence[Span]]]) -> None:
        """Parse the chosen sentences of several docs, all in one batch (the model runs
        faster on many sentences at once than on a few at a time)."""
        spans = [(doc, sent) for doc, sents in chosen for sent in sents]
        if not spans:
            return
        subs: Iterable[Doc] = [_one_sentence(sent) for _, sent in spans]
        for proc in self.pipes:
            subs = list(proc.pipe(subs))
        by_doc: dict[int, list[tuple[Span, Doc]]] = {}
        for (doc, sent), sub in zip(spans, subs, strict=True):
            by_doc.setdefault(id(doc), []).append((sent, sub))
        for doc, _ in chosen:
            if id(doc) in by_doc:
                _write_back(doc, by_doc.pop(id(doc)))


def _one_sentence(sent: Span) -> Doc:
    """The sentence as a doc of its own, which the parser must make one tree of."""
    sub = sent.as_doc()
    starts: Any = numpy.full((len(sub), 1), -1, dtype="int64").astype("uint64")
    starts[0, 0] = 1
    sub.from_array([SENT_START], starts)
    return sub


def _write_back(doc: Doc, parsed: list[tuple[Span, Doc]]) -> None:
    """Copy the sentences' tags, lemmas and trees into doc, keeping its sentence boundaries
    (setting heads recomputes them from the trees, and unparsed tokens have none)."""
    boundaries: Any = doc.to_array([SENT_START])
    values: Any = doc.to_array(PARSE_ATTRS)  # sentences parsed before keep their parse
    for sent, sub in parsed:
        values[sent.start : sent.end] = sub.to_array(PARSE_ATTRS)
    doc.from_array(PARSE_ATTRS, values)
    doc.from_array([SENT_START], boundaries)


class WordForms:
    """The lower-case word forms the model's lemmatizer (and attribute ruler) can give a lemma:
    the lemma itself, its listed exceptions ("held" for "hold") and what its suffix rules undo
    ("drills", "drilled" for "drill"), for nouns, verbs and adjectives."""

    def __init__(self, nlp: Language) -> None:
        lemmatizer: Any = nlp.get_pipe("lemmatizer")
        lookups = lemmatizer.lookups
        self.rules: dict = lookups.get_table("lemma_rules", {})
        # lemma -> the forms listed as exceptions for it ("hold" -> "held"), any part of speech
        self.ruled: dict[str, set[str]] = {}
        for table in lookups.get_table("lemma_exc", {}).values():
            for form, targets in table.items():
                for target in targets:
                    self.ruled.setdefault(target.lower(), set()).add(form.lower())
        if "attribute_ruler" in nlp.component_names:
            ruler: Any = nlp.get_pipe("attribute_ruler")
            for entry in ruler.patterns:
                lemma = entry["attrs"].get("LEMMA")
                for pattern in entry["patterns"] if lemma else ():
                    for tok in pattern:
                        lower = tok.get("LOWER") or tok.get("ORTH")
                        if isinstance(lower, str):
                            self.ruled.setdefault(lemma.lower(), set()).add(lower.lower())

    def of(self, lemmas: Iterable[str]) -> set[str]:
        """Every form of each lemma."""
        found: set[str] = set()
        for lemma in lemmas:
            lemma = lemma.lower()
            found.add(lemma)
            found |= self.ruled.get(lemma, set())
            for rules in self.rules.values():
                for old, new in rules:
                    if lemma.endswith(new):
                        found.add(lemma[: len(lemma) - len(new)] + old)
        return found
