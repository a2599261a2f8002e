"""Events from a parsed article: what happened (type), when, where, who took part, which sentence."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from geo.dates import best_date, find_dates
from geo.gazetteer import haversine_km
from geo.model import Article, Event, EventPlace, Place, Source, Toponym
from geo.sentences import dateline_end

NAMED_YEAR = r"^[A-Z][a-z]+-(?:19|20)\d\d$"
SERIES = r"^(Vostok|Tsentr|Center|Zapad|Kavkaz|Sever|Selenga|Ocean|Okean|Interaction|Cooperation)"
# Trigger patterns per type, over lemmas and parts of speech, most telling type first:
# a sentence about "joint drills during the visit" reports the drills.
TRIGGERS: dict[str, list[list[dict]]] = {
    "exercise": [
        [
            {
                "LEMMA": {
                    "IN": [
                        "drill",
                        "exercise",
                        "manoeuvre",
                        "maneuver",
                        "maneuvre",
                        "wargame",
                        "war-game",
                    ]
                },
                "POS": {"IN": ["NOUN", "PROPN"]},
            }
        ],
        [{"LOWER": {"IN": ["war", "military"]}}, {"LEMMA": "game"}],
        [{"LOWER": {"IN": ["manoeuvres", "maneuvers", "drills", "exercises"]}}],
        # Named exercise series: "Peace Mission", "Joint Sea", "Vostok-2018", ...
        [{"LOWER": "peace"}, {"LOWER": "mission"}],
        [{"LOWER": "joint"}, {"LOWER": "sea"}, {"IS_PUNCT": True, "OP": "?"}, {"LIKE_NUM": True}],
        [{"LOWER": {"IN": ["northern", "maritime", "naval"]}}, {"LOWER": "interaction"}],
        # Series names count with their year ("Vostok-2018"): a bare "Ocean" is no exercise.
        [{"TEXT": {"REGEX": SERIES + r"-\d{4}$"}}],
        # Any two-word title with a year: "Joint Sea-2015", "Northern Interaction-2023".
        [{"IS_TITLE": True}, {"TEXT": {"REGEX": NAMED_YEAR}}],
        [
            {"TEXT": {"REGEX": SERIES + "$"}},
            {"TEXT": "-", "OP": "?"},
            {"TEXT": {"REGEX": r"^\d{4}$"}},
        ],
    ],
    "patrol": [
        [{"LEMMA": "patrol"}],
    ],
    "arms_deal": [
        [
            {
                "LEMMA": {
                    "IN": [
                        "buy",
                        "purchase",
                        "acquire",
                        "procure",
                        "sell",
                        "sale",
                        "deliver",
                        "delivery",
                        "supply",
                        "contract",
                        "deal",
                        "export",
                        "order",
                    ]
                }
            }
        ],
    ],
    "meeting": [
        [
            {
                "LEMMA": {
                    "IN": [
                        "meeting",
                        "meet",
                        "visit",
                        "consultation",
                        "summit",
                        "negotiation",
                        "negotiate",
                        "conference",
                    ]
                }
            }
        ],
        [{"LOWER": "talks"}],
    ],
    "other": [
        [{"LEMMA": {"IN": ["agreement", "memorandum", "treaty", "accord", "roadmap"]}}],
        [{"LOWER": "road"}, {"LOWER": "map"}],
        [{"LEMMA": {"IN": ["study", "train", "training", "education"]}}],
    ],
}
TYPE_ORDER = ("exercise", "patrol", "arms_deal", "meeting", "other")

# An arms deal names arms; "buy time" or "a trade deal" does not.
WEAPON_WORDS = {
    "weapon",
    "arm",
    "missile",
    "fighter",
    "jet",
    "aircraft",
    "helicopter",
    "tank",
    "submarine",
    "frigate",
    "warship",
    "destroyer",
    "corvette",
    "drone",
    "ammunition",
    "engine",
    "bomber",
    "radar",
    "launcher",
    "rifle",
    "military",
}
# Weapon designations: "S-400", "Su-35", "Mi-8", "J-20", "Tu-95MS".
DESIGNATION = re.compile(r"\b[A-Z][A-Za-z]{0,2}-\d{2,3}[A-Z]{0,3}\b")
QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?")
# An agreement is an event when it is signed or reached, not when it is discussed.
AGREEMENT_WORDS = {"agreement", "memorandum", "treaty", "accord", "roadmap", "road", "map"}
AGREE_VERBS = {
    "sign",
    "signed",
    "conclude",
    "concluded",
    "ink",
    "inked",
    "agree",
    "agreed",
    "adopt",
    "adopted",
    "approve",
    "approved",
    "reach",
    "reached",
    "ratify",
}
# "Studied at an academy" is cooperation in training; "a study found" is not.
TRAINING_WORDS = {
    "academy",
    "school",
    "college",
    "university",
    "institute",
    "cadet",
    "officer",
    "military",
    "personnel",
    "troops",
    "joint",
}
# Prepositions that put the thing they govern at a place.
LOCATIVE_PREPS = {
    "in",
    "at",
    "near",
    "off",
    "on",
    "over",
    "across",
    "around",
    "inside",
    "outside",
    "within",
    "throughout",
    "into",
    "along",
}
# "in the port city of X", "off the coast of X": nouns through which "of X" still locates.
PLACE_NOUNS = {
    "city",
    "town",
    "port",
    "village",
    "region",
    "province",
    "area",
    "island",
    "islands",
    "coast",
    "waters",
    "territory",
    "outskirts",
    "capital",
    "shore",
    "shores",
    "base",
    "district",
    "county",
    "state",
    "republic",
    "peninsula",
    "suburb",
    "vicinity",
    "border",
    "sea",
    "gulf",
    "bay",
    "mountains",
    "range",
    "airspace",
    "zone",
    "part",
    "north",
    "south",
    "east",
    "west",
    "centre",
    "center",
}
TERRITORY_WORDS = {"territory", "soil", "waters", "airspace", "land"}
# "told reporters on Tuesday": the date of the report, not of the event.
REPORTED = re.compile(
    r"\b(?:said|says|told(?: \w+){0,2}|announced|reported|stated|added|noted|"
    r"confirmed|quoted as saying)\s*(?:,\s*)?$",
    re.IGNORECASE,
)
# Words that make a sentence habitual or generic rather than a report of one occurrence.
HABITUAL = {"regularly", "routinely", "annually", "usually", "traditionally", "periodically"}
FUTURE_MARKERS = {"will", "shall", "'ll"}
PLAN_LEMMAS = {"plan", "schedule", "intend", "expect", "prepare", "propose"}
# A broad place yields to a more specific one inside it: a town over its province, a range
# or region over its province, anything over its country. Radii stand in for containment.
BROAD_RADIUS_KM = {
    "admin2": 150,
    "admin1": 800,
    "region": 1500,
    "mountains": 1500,
    "desert": 1500,
    "country": 20000,
}
SPECIFIC = {
    "city",
    "island",
    "strait",
    "bay",
    "gulf",
    "lake",
    "peninsula",
    "sea",
    "admin2",
    "admin1",
    "river",
}


class EventExtractor:
    """Turns a parsed article and its toponyms into events; built once per vocabulary."""

    def __init__(
        self, vocab: Vocab, *, country: Callable[[str], Place | None] | None = None
    ) -> None:
        self.country = country  # ISO code -> the country's gazetteer entry
        self.matcher = Matcher(vocab)
        for event_type, patterns in TRIGGERS.items():
            self.matcher.add(event_type, patterns)

    def __call__(self, article: Article, doc: Doc, toponyms: Sequence[Toponym]) -> list[Event]:
        """The events an article reports, merged where several sentences report one."""
        context = Counter(
            t.place.name
            for t in toponyms
            if t.place and (t.kind == "demonym" or t.place.feature == "country")
        )
        sents = list(doc.sents)
        inside = [
            [
                t
                for t in toponyms
                if s.start_char <= t.start and t.end <= s.end_char and t.place is not None
            ]
            for s in sents
        ]
        drafts = [
            self._sentence_event(article, doc, s, found, context) for s, found in zip(sents, inside)
        ]
        events: list[Event] = []
        placed_at: dict[int, int] = {}  # sentence index -> index in events
        for i, found in enumerate(drafts):
            if found is None:
                continue
            draft, stated, anaphoric = found
            # "The first stage of the drills was held in X": the drills just reported.
            earlier = (
                next(
                    (k for k in range(len(events) - 1, -1, -1) if events[k].type == draft.type),
                    None,
                )
                if anaphoric
                else None
            )
            if earlier is not None:
                # It adds its places and evidence; who it names may be onlookers. When its
                # date disagrees, the date and places belong to something else in the sentence
                # ("the exercise comes after a tribunal in The Hague ruled in July").
                if compatible_dates(events[earlier], draft):
                    events[earlier] = merge(events[earlier], replace(draft, participants=()))
                continue
            if draft.places:
                placed_at[i] = len(events)
                events.append(draft)
                continue
            # The place is often in the next sentence: "Drills began on Monday. Ships
            # practised off the coast of X." Only a dated report borrows a place this way.
            if stated and i + 1 < len(sents) and drafts[i + 1] is None:
                places = _event_places(doc, inside[i + 1])
                if places:
                    events.append(
                        replace(
                            draft,
                            places=tuple(places),
                            sources=draft.sources + (_source(article, sents[i + 1]),),
                        )
                    )
                    continue
            # Or a neighbouring sentence reports the same event with its place: the
            # placeless one adds its evidence and, if more precise, its date. A date far
            # from the publication is a historical mention, not this report's event.
            recent = (
                not draft.year
                or not article.published
                or abs(draft.year - article.published.year) <= 1
            )
            for j in (i - 1, i + 1):
                other = drafts[j][0] if 0 <= j < len(drafts) and drafts[j] else None
                if (
                    other is None
                    or not other.places
                    or other.type != draft.type
                    or not compatible_dates(other, draft, assumed_yield=recent)
                ):
                    continue
                merged = merge(other, replace(draft, places=other.places))
                if j < i and j in placed_at:
                    events[placed_at[j]] = merged
                else:
                    drafts[j] = (merged, *drafts[j][1:])
                break
        return merge_events(events)

    def _triggers(self, doc: Doc, sent: Span) -> list[tuple[str, Span]]:
        found = []
        for match_id, start, end in self.matcher(doc[sent.start : sent.end]):
            found.append((doc.vocab.strings[match_id], sent[start:end]))
        words = {t.lower_ for t in sent} | {t.lemma_.lower() for t in sent}
        quoted = [
            (m.start() + sent.start_char, m.end() + sent.start_char)
            for m in QUOTED.finditer(sent.text)
        ]
        kept = []
        for event_type, span in found:
            # Words inside quotation marks are somebody's view, not the report of an event.
            if any(a <= span.start_char < b for a, b in quoted):
                continue
            if (
                event_type == "other"
                and span.root.lemma_ in AGREEMENT_WORDS
                and not words & AGREE_VERBS
            ):
                continue
            if event_type == "arms_deal" and not (
                words & WEAPON_WORDS or DESIGNATION.search(sent.text)
            ):
                continue
            if (
                event_type == "other"
                and span.root.lemma_ in ("study", "train", "training", "education")
                and (not words & TRAINING_WORDS or span.root.dep_ in ("compound", "amod"))
            ):
                continue  # "the Matybulak training ground" is a place, not a course
            kept.append((event_type, span))
        return sorted(kept, key=lambda f: TYPE_ORDER.index(f[0]))

    def _sentence_event(
        self, article: Article, doc: Doc, sent: Span, inside: Sequence[Toponym], context: Counter
    ) -> tuple[Event, bool, bool] | None:
        """The event a sentence reports (perhaps without a place yet), whether the sentence
        states its date, and whether it refers back ("the drills"); None when it reports none."""
        triggers = self._triggers(doc, sent)
        if not triggers or any(t.lower_ in HABITUAL for t in sent):
            return None
        places = _event_places(doc, inside)
        event_type, trigger = _nearest_trigger(sent, triggers, places)
        future = any(t.lower_ in FUTURE_MARKERS for t in sent)
        planned = future or _is_planned(sent)
        # "BEIJING, March 3 (Reuters) --" dates the filing, not the event.
        filed = dateline_end(sent.text)
        mentions = [
            d
            for d in find_dates(sent.text, article.published, future=future)
            if d.start >= filed and not REPORTED.search(sent.text[max(0, d.start - 40) : d.start])
        ]
        when = best_date(mentions, anchor=trigger.start_char - sent.start_char)
        date_source = "text"
        if when is None and article.published is not None:
            # Nothing stated: news reports what just happened, so assume the publication month.
            year, month, day, precision = (
                article.published.year,
                article.published.month,
                None,
                "month",
            )
            date_source = "publication"
        elif when is None:
            year, month, day, precision = None, None, None, "unknown"
            date_source = "none"
        else:
            year, month, day, precision = when.year, when.month, when.day, when.precision
        if (
            article.published
            and year
            and (year, month or 0) > (article.published.year, article.published.month)
        ):
            planned = True
        event = Event(
            event_type,
            year,
            month,
            day,
            precision,
            "planned" if planned else "past",
            tuple(places),
            _participants(doc, sent, inside, context, self.country, places),
            (_source(article, sent),),
            trigger.text,
            date_source,
        )
        children = list(trigger.root.children)
        anaphoric = (
            any(c.dep_ == "det" and c.lower_ in ("the", "these", "this", "those") for c in children)
            and not any(c.pos_ == "PROPN" or c.is_title for c in children if c.dep_ != "det")
            and not any(t.text[:1].isupper() for _, t in triggers)
        )
        return event, when is not None, anaphoric


def _tree_distance(a: Token, b: Token) -> int:
    """Edges between two tokens in the dependency tree."""
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    common = next((t for t in up_a if t in up_b), None)
    if common is None:
        return len(up_a) + len(up_b)
    return up_a.index(common) + up_b.index(common)


def _nearest_trigger(
    sent: Span, triggers: list[tuple[str, Span]], places: Sequence[EventPlace]
) -> tuple[str, Span]:
    """The trigger that governs the place: "travel to X for talks on the delivery of arms" is
    a meeting. Without a place, or on a tie, the most telling type wins."""
    if not places:
        return triggers[0]
    anchors = []
    for p in places:
        start = sent.text.find(p.name)
        span = (
            sent.char_span(start, start + len(p.name), alignment_mode="expand")
            if start >= 0
            else None
        )
        if span is not None:
            anchors.append(span.root)
    if not anchors:
        return triggers[0]
    return min(
        triggers,
        key=lambda t: (min(_tree_distance(t[1].root, a) for a in anchors), TYPE_ORDER.index(t[0])),
    )


def _source(article: Article, sent: Span) -> Source:
    """The sentence as evidence, stripped, with its offsets in the article text."""
    doc = sent.doc
    if sent.start > 0 and sent.text.lstrip()[:1] in (",", "(", "/", "-", "—", "–"):
        # The parser cut a dateline off ("ALMATY | , Sept 9 (RIA Novosti) - Some ..."): the
        # city belongs to this sentence.
        before = doc[sent.start - 1].sent
        if len(before) <= 4 and before.text.strip().isupper():
            sent = doc[before.start : sent.end]
    text = sent.text.strip()
    start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
    return Source(
        article.id,
        text,
        start,
        start + len(text),
        article.key,
        article.title,
        article.source,
        article.published,
    )


def _is_planned(sent: Span) -> bool:
    """Plans and announcements: "plan to hold", "scheduled", "is set to", "going to"."""
    for token in sent[:-1]:
        if token.lemma_ in PLAN_LEMMAS and token.pos_ == "VERB":
            return True
        if token.lower_ in ("going", "set", "due") and token.nbor(1).lower_ == "to":
            return True
    return False


def _locative(token: Token) -> bool:
    """Whether the name at this token says where something happens: "in X", "off the coast of X",
    "in Russia's port city of X", "in X, Y" — following conjunctions, appositions and "of"."""
    for _ in range(5):
        if token.dep_ in ("conj", "appos", "compound", "npadvmod") and token.head is not token:
            token = token.head
            continue
        if token.dep_ == "dobj" and token.head.lemma_ in ("visit", "tour", "enter", "reach"):
            return True
        if token.dep_ == "pobj":
            prep = token.head
            if prep.lower_ in LOCATIVE_PREPS:
                return True
            if prep.lower_ == "of" and prep.head.lemma_.lower() in PLACE_NOUNS:
                token = prep.head
                continue
            if prep.lower_ in ("to", "into") and prep.head.lemma_ in (
                "visit",
                "trip",
                "travel",
                "arrive",
                "come",
                "return",
                "deploy",
            ):
                return True
        return False
    return False


def _descriptor(token: Token) -> bool:
    """A name that only qualifies another noun: "China's Shandong peninsula", "the Urals city of"."""
    return token.dep_ in ("poss", "compound", "amod", "nmod") and token.head.pos_ in (
        "NOUN",
        "PROPN",
    )


def _event_places(doc: Doc, toponyms: Sequence[Toponym]) -> list[EventPlace]:
    """Where the event happened: names in a locative role, the most specific of them."""
    located = []
    for t in toponyms:
        span = doc.char_span(t.start, t.end, alignment_mode="expand")
        if span is None:
            continue
        if t.kind == "demonym":
            # "on Russian territory", "in Chinese waters": the country is the place.
            after = span.end < len(doc) and doc[span.end]
            if after and after.lemma_.lower() in TERRITORY_WORDS and _locative(after):
                located.append(
                    (
                        replace(t, end=after.idx + len(after.text), text=f"{t.text} {after.text}"),
                        False,
                    )
                )
            continue
        if _locative(span.root):
            located.append((t, _descriptor(span.root)))
    # A descriptor ("China's", "the Ural Mountains city") yields to the name it describes.
    if any(not d for _, d in located):
        located = [(t, d) for t, d in located if not d]
    places: list[EventPlace] = []
    for t, _ in located:
        same = next((i for i, p in enumerate(places) if p.place.id == t.place.id), None)
        if same is None:
            places.append(EventPlace(t.text, t.place))
        elif t.text.casefold() == t.place.name.casefold():
            # "the X Academy in Moscow": both mean Moscow; show the name that says so.
            places[same] = EventPlace(t.text, t.place)
    return most_specific(places)


def _inside(broad: Place, inner: Place) -> bool:
    """Whether a place plausibly lies within a broader one (same country, within its radius)."""
    if inner.id == broad.id or inner.feature not in SPECIFIC and broad.feature != "country":
        return False
    if broad.feature == "admin1" and inner.feature in ("admin1", "sea"):
        return False
    if broad.feature == "country":
        return inner.country == broad.country and inner.feature != "country"
    if broad.country and inner.country and broad.country != inner.country:
        return False
    return (
        haversine_km(broad.lat, broad.lon, inner.lat, inner.lon) <= BROAD_RADIUS_KM[broad.feature]
    )


def most_specific(places: Sequence[EventPlace]) -> list[EventPlace]:
    """Drop the places that only contain another place of the event."""
    return [
        p
        for p in places
        if not (
            p.place.feature in BROAD_RADIUS_KM and any(_inside(p.place, q.place) for q in places)
        )
    ]


def _participants(
    doc: Doc,
    sent: Span,
    toponyms: Sequence[Toponym],
    context: Counter,
    country: Callable[[str], Place | None] | None = None,
    places: Sequence[EventPlace] = (),
) -> tuple[str, ...]:
    """The countries taking part: named, as demonyms, or as capitals acting for them."""
    named: list[str] = []
    for t in toponyms:
        place = t.place
        if t.kind == "demonym" or place.feature == "country":
            named.append(place.name)
        elif place.feature == "city" and place.population > 500_000 and place.country:
            span = doc.char_span(t.start, t.end, alignment_mode="expand")
            # "Moscow and Beijing conducted drills": capitals as subjects stand for states.
            if span is not None and span.root.dep_ in ("nsubj", "nsubjpass", "conj"):
                state = _country_name(toponyms, place) or (
                    country(place.country).name if country and country(place.country) else None
                )
                if state:
                    named.append(state)
    ordered = list(dict.fromkeys(named))
    if len(ordered) < 2 and country:
        # The host takes part: "Russia's minister will visit Beijing" is with China.
        for host in dict.fromkeys(p.place.country for p in places if p.place.country):
            entry = country(host)
            if entry and entry.name not in ordered and len(ordered) < 2:
                ordered.append(entry.name)
    if len(ordered) < 2:
        # Cooperation takes two: a side left unnamed is one of the article's main countries.
        for name, _ in context.most_common(3):
            if name not in ordered and len(ordered) < 2:
                ordered.append(name)
    return tuple(ordered)


def _country_name(toponyms: Sequence[Toponym], place: Place) -> str | None:
    for t in toponyms:
        if t.place and t.place.feature == "country" and t.place.country == place.country:
            return t.place.name
    return None


def compatible_dates(a: Event, b: Event, *, assumed_yield: bool = False) -> bool:
    """Whether two dates can be the same occurrence's: no year or month contradicts. With
    assumed_yield, a date assumed from the publication contradicts nothing."""
    if assumed_yield and "publication" in (a.date_source, b.date_source):
        return True
    return not (
        a.year and b.year and a.year != b.year or a.month and b.month and a.month != b.month
    )


def compatible(a: Event, b: Event) -> bool:
    """Whether two reports can be one event: same type, compatible dates, agreeing places
    (or the same named exercise in the same year)."""
    if a.type != b.type or not compatible_dates(a, b):
        return False
    if a.trigger == b.trigger and a.trigger[:1].isupper() and a.year == b.year:
        return True  # the same named exercise ("Vostok-2018", "Peace Mission") that year
    ids_a = {p.place.id for p in a.places}
    ids_b = {p.place.id for p in b.places}
    if ids_a & ids_b:
        return True
    # A country and a place inside it: "a visit to China" and "arrived in Beijing".
    countries_a = {p.place.country for p in a.places if p.place.feature == "country"}
    countries_b = {p.place.country for p in b.places if p.place.feature == "country"}
    return bool(
        countries_a & {p.place.country for p in b.places}
        or countries_b & {p.place.country for p in a.places}
    )


def merge(a: Event, b: Event) -> Event:
    """One event from two reports of it: the more precise date, every place and source."""
    rank = ("unknown", "year", "month", "day").index
    # The first report's date stands unless it is vaguer than a month: a later sentence
    # often gives an end date ("the drills will last until May 4").
    if a.date_source != b.date_source and "text" in (a.date_source, b.date_source):
        dated = a if a.date_source == "text" else b  # a stated date beats an assumed one
    else:
        dated = a if rank(a.precision) >= min(rank(b.precision), rank("month")) else b
    places = most_specific(
        list(a.places) + [p for p in b.places if p.place.id not in {q.place.id for q in a.places}]
    )
    return replace(
        a,
        year=dated.year,
        month=dated.month,
        day=dated.day,
        precision=dated.precision,
        date_source=dated.date_source,
        places=tuple(places),
        participants=tuple(dict.fromkeys(a.participants + b.participants)),
        sources=_in_reading_order(a.sources + tuple(s for s in b.sources if s not in a.sources)),
    )


def _in_reading_order(sources: tuple[Source, ...]) -> tuple[Source, ...]:
    """Sources article by article (in the order the articles came), each in text order."""
    first = {}
    for s in sources:
        first.setdefault(s.article_key, len(first))
    return tuple(sorted(sources, key=lambda s: (first[s.article_key], s.start)))


def merge_events(events: Sequence[Event]) -> list[Event]:
    """Merge events that several sentences report: same type, compatible dates, agreeing places."""
    merged: list[Event] = []
    for event in events:
        for i, kept in enumerate(merged):
            if compatible(kept, event):
                merged[i] = merge(kept, event)
                break
        else:
            merged.append(event)
    return merged
