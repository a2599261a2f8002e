"""The dependency parse, only where events need it.

Recognising and resolving place names needs the entities and the sentence boundaries; only
event extraction reads the tagger, the parser and the lemmas, and only in sentences that can
report an event. The "event_parse" component runs the model's tagger, parser, attribute ruler
and lemmatizer over those sentences (each sentence as its own small doc, one sentence to a
tree) and writes their annotations back into the document; every other sentence keeps the
statistical sentence splitter's boundaries and no parse (empty `dep_`, `lemma_`, `pos_`).

Which sentences: one where a trigger pattern of `geo/data/events.toml` could match once the
lemmas are known, or a word for arriving occurs, and the sentence after each of them (events
look there for a place when it refers back). A trigger lemma matches every word form the
lemmatizer could reduce to it: the forms are worked out once from the model's own lemmatizer
tables, so the filter never drops a sentence the full parse would have found a trigger in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property

import numpy
from spacy.attrs import DEP, HEAD, LEMMA, MORPH, POS, SENT_START, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span

from geo.events import TRIGGERS, WORDS

# The components that make the parse, in the order the model runs them.
PARSE_PIPES = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")
PARSE_ATTRS = [TAG, POS, MORPH, LEMMA, DEP, HEAD]
# Words whose lemma the extractor reads in sentences without a trigger: arrivals.
EXTRA_LEMMAS = ("arrive",)


class EventParse:
    """Parses the sentences of a doc that can carry an event (see the module docstring)."""

    def __init__(
        self, nlp: Language, pipes: Sequence[str] = PARSE_PIPES, *, everything: bool = False
    ) -> None:
        self.nlp = nlp
        self.pipe_names = tuple(pipes)
        self.everything = everything  # parse every sentence (to compare against)

    @cached_property
    def pipes(self) -> list:
        return [self.nlp.get_pipe(name) for name in self.pipe_names]

    @cached_property
    def matcher(self) -> Matcher:
        """The trigger patterns with each lemma test widened to the word forms it covers and
        the part-of-speech tests dropped: a superset of the extractor's matches."""
        forms = WordForms(self.nlp)
        matcher = Matcher(self.nlp.vocab)
        for event_type, patterns in TRIGGERS.items():
            matcher.add(event_type, [[_widened(t, forms) for t in p] for p in patterns])
        extra = set(WORDS["arrive"]) | set(EXTRA_LEMMAS)
        matcher.add("extra", [[{"LOWER": {"IN": sorted(forms.of(extra))}}]])
        return matcher

    def wanted(self, doc: Doc) -> list[Span]:
        """The sentences of doc to parse."""
        sents = list(doc.sents)
        if self.everything:
            return sents
        starts = [s.start for s in sents]
        hit: set[int] = set()
        for _, start, _ in self.matcher(doc):
            hit.add(int(numpy.searchsorted(starts, start, side="right")) - 1)
        chosen = hit | {i + 1 for i in hit if i + 1 < len(sents)}
        return [sents[i] for i in sorted(chosen)]

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """Each doc with its wanted sentences parsed; the sentences of a batch of docs are
        parsed together."""
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._parse(batch)
                batch = []
        yield from self._parse(batch)

    def _parse(self, docs: list[Doc]) -> list[Doc]:
        spans = [(doc, sent) for doc in docs for sent in self.wanted(doc)]
        subs = [_one_sentence(sent) for _, sent in spans]
        for proc in self.pipes:
            subs = list(proc.pipe(subs))
        by_doc: dict[int, list[tuple[Span, Doc]]] = {}
        for (doc, sent), sub in zip(spans, subs, strict=True):
            by_doc.setdefault(id(doc), []).append((sent, sub))
        for doc in docs:
            parsed = by_doc.get(id(doc))
            if parsed:
                _write_back(doc, parsed)
        return docs


def _one_sentence(sent: Span) -> Doc:
    """The sentence as a doc of its own, which the parser must make one tree of."""
    sub = sent.as_doc()
    for token in sub[1:]:
        token.is_sent_start = False
    return sub


def _write_back(doc: Doc, parsed: list[tuple[Span, Doc]]) -> None:
    """Copy the sentences' tags, lemmas and trees into doc, keeping its sentence boundaries
    (setting heads recomputes them from the trees, and unparsed tokens have none)."""
    boundaries = doc.to_array([SENT_START])
    values = numpy.zeros((len(doc), len(PARSE_ATTRS)), dtype="uint64")
    for sent, sub in parsed:
        values[sent.start : sent.end] = sub.to_array(PARSE_ATTRS)
    doc.from_array(PARSE_ATTRS, values)
    doc.from_array([SENT_START], boundaries)


def _widened(token: dict, forms: WordForms) -> dict:
    """A token pattern without POS, its LEMMA test turned into a test of the word forms."""
    out = {k: v for k, v in token.items() if k not in ("POS", "LEMMA")}
    if "LEMMA" in token:
        lemma = token["LEMMA"]
        lemmas = lemma["IN"] if isinstance(lemma, dict) else [lemma]
        out["LOWER"] = {"IN": sorted(forms.of(lemmas))}
    return out


class WordForms:
    """The lower-case word forms the model's lemmatizer (and attribute ruler) can give a lemma:
    the lemma itself, its listed exceptions ("held" for "hold") and what its suffix rules undo
    ("drills", "drilled" for "drill"), for nouns, verbs and adjectives."""

    def __init__(self, nlp: Language) -> None:
        lookups = nlp.get_pipe("lemmatizer").lookups
        self.rules: dict = lookups.get_table("lemma_rules", {})
        # lemma -> the forms listed as exceptions for it ("hold" -> "held"), any part of speech
        self.ruled: dict[str, set[str]] = {}
        for table in lookups.get_table("lemma_exc", {}).values():
            for form, targets in table.items():
                for target in targets:
                    self.ruled.setdefault(target.lower(), set()).add(form.lower())
        if "attribute_ruler" in nlp.component_names:
            for entry in nlp.get_pipe("attribute_ruler").patterns:
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


@Language.factory("event_parse", default_config={"pipes": list(PARSE_PIPES)})
def make_event_parse(nlp: Language, name: str, pipes: list[str]) -> EventParse:
    """The selective parse as a pipeline component (the parse components stay disabled)."""
    return EventParse(nlp, pipes)
