"""Events from a parsed article: what happened (type), when, where, who took part, and why."""

from __future__ import annotations

import json
import re
import tomllib
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from spacy.attrs import LEMMA, LOWER
from spacy.matcher import Matcher
from spacy.strings import StringStore, get_string_id
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from geo.dates import DateMention, best_date, find_dates
from geo.gazetteer import Cover, haversine_km, within
from geo.model import Article, Event, EventPlace, Place, Source, Toponym
from geo.sentences import dateline_end

if TYPE_CHECKING:
    from geo.parsing import SentenceParser

LEXICON_PATH = Path(__file__).with_name("data") / "events.toml"


def _load_lexicon(path: Path = LEXICON_PATH) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


LEXICON = _load_lexicon()
TRIGGERS: dict[str, list[list[dict]]] = LEXICON["triggers"]
WORDS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in LEXICON["words"].items()}
TYPE_ORDER = ("exercise", "patrol", "arms_deal", "meeting", "other", "stage")
# Weapon designations: "S-400", "Su-35", "Mi-8", "J-20", "Tu-95MS".
DESIGNATION = re.compile(r"\b(?P<prefix>[A-Z][A-Za-z]{0,2})-\d{1,3}[A-Z]{0,3}\b")
MAKERS = {prefix: code for code, prefixes in LEXICON["makers"].items() for prefix in prefixes}
QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?")
# A quotation this short is a name or a scare quote; a longer one is reported speech, which
# reports events like any other sentence.
SHORT_QUOTE_WORDS = 4
# "told reporters on Tuesday": the date of the report, not of the event.
REPORTED = re.compile(
    r"\b(?:said|says|told(?: \w+){0,2}|announced|reported|stated|added|noted|"
    r"confirmed|quoted as saying)\s*(?:,\s*)?$",
    re.IGNORECASE,
)
WATER = {"sea", "ocean", "strait", "gulf", "bay"}
# A dateline: the city the story was filed from, then a comma, colon, bracket, dash or period.
DATELINE_TAIL = re.compile(r"\s*(?:[,:(/.]|--|—|–|-\s)")


@dataclass
class _Draft:
    """An event as one sentence reports it, before linking across sentences."""

    event: Event
    index: int  # the sentence
    stated: bool  # the sentence states the date
    anaphoric: bool  # "the drills": refers back to an event already reported
    codes: dict[str, str] = field(default_factory=dict)  # participant name -> ISO code


class EventExtractor:
    """Turns a parsed article and its toponyms into events; built once per vocabulary.

    Frames, the way event coders build them: a trigger with its type in each sentence, its
    arguments (place, date, participants) found through the dependency parse, then linking
    across sentences (stages and "the drills" join the event they refer to, a report without
    a place joins a neighbouring report of the same event, or takes the dateline city), then
    merging. Each event records the names of the rules that produced it (`Event.why`)."""

    def __init__(
        self,
        vocab: Vocab,
        *,
        country: Callable[[str], Place | None] | None = None,
        parser: SentenceParser | None = None,
        parse_all: bool = False,
    ) -> None:
        self.country = country  # ISO code -> the country's gazetteer entry
        self.vocab = vocab
        self.matcher = Matcher(vocab)
        for event_type, patterns in TRIGGERS.items():
            self.matcher.add(event_type, patterns)
        # Parses the sentences that can report an event, when a doc comes without a parse;
        # parse_all: every sentence (the same events, slower: for checking the choice).
        self.parser = parser
        self.parse_all = parse_all
        self._arriving: dict[int, bool] = {}  # lemma id -> whether it is a word for arriving

    @cached_property
    def candidates(self) -> tuple[dict[str, frozenset[str]], list[tuple[re.Pattern, Matcher]]]:
        """The trigger patterns with each lemma test made a test of the word forms it covers
        and the part-of-speech tests dropped, so that every match of the triggers is one of
        these: the one-word patterns as a table (word -> event types, "arrive" among them),
        each other pattern in a Matcher of its own behind a gate, a regular expression that
        the text must contain for the pattern to match (see `_gate`)."""
        assert self.parser is not None
        forms = self.parser.forms
        words: dict[str, set[str]] = {}
        gated: list[tuple[re.Pattern, Matcher]] = []
        widened = {
            kind: [[_widened(t, forms) for t in p] for p in ps] for kind, ps in TRIGGERS.items()
        }
        widened["arrive"] = [[{"LOWER": {"IN": sorted(forms(WORDS["arrive"]))}}]]
        for kind, patterns in widened.items():
            for pattern in patterns:
                test = (
                    pattern[0].get("LOWER") if len(pattern) == 1 and len(pattern[0]) == 1 else None
                )
                if test is None:
                    matcher = Matcher(self.vocab)
                    matcher.add(kind, [pattern])
                    gated.append((_gate(pattern), matcher))
                    continue
                for word in test["IN"] if isinstance(test, dict) else [test]:
                    words.setdefault(word, set()).add(kind)
        return {w: frozenset(k) for w, k in words.items()}, gated

    @cached_property
    def word_ids(self) -> dict[int, frozenset[str]]:
        """The table of one-word triggers of `candidates` by the id of each word."""
        return {get_string_id(w): kinds for w, kinds in self.candidates[0].items()}

    def _arrives(self, strings: StringStore, lemma: int) -> bool:
        """Whether the lemma (its id) is a word for arriving, remembered for each lemma."""
        if lemma not in self._arriving:
            self._arriving[lemma] = strings[lemma].lower() in WORDS["arrive"]
        return self._arriving[lemma]

    def prepare(self) -> None:
        """Build now the tables otherwise built at the first article (before forking workers,
        which then share them)."""
        if self.parser is not None:
            _ = self.word_ids, self.weapon_forms, self.parser.pipes

    @cached_property
    def weapon_forms(self) -> frozenset[str]:
        assert self.parser is not None
        return frozenset(self.parser.forms(WORDS["weapons"]))

    def _to_parse(self, doc: Doc, sents: Sequence[Span], near: Sequence[bool]) -> list[int]:
        """The sentences (indices) whose parse the extraction reads: each with a word that may
        be a trigger that could hold there (see `_trigger_holds`: an arms deal names weapons,
        the other types are near a sentence about the military or named), and sentences with a
        word for arriving (where visitors arrive is where their talks are). The sentence after
        an event that lacks a place is parsed later, when it is read."""
        if self.parse_all:
            return list(range(len(sents)))
        words, gated = self.word_ids, self.candidates[1]
        # The tokens' lower-case forms as the vocabulary's ids: no Token made for each word.
        lowers = doc.to_array(LOWER).tolist()
        found = [(kinds, i) for i, w in enumerate(lowers) if (kinds := words.get(w)) is not None]
        text = doc.text  # joined from the tokens by spaCy at each access: once here
        for gate, matcher in gated:
            if gate.search(text):
                found += [(frozenset([doc.vocab.strings[m]]), b) for m, b, _ in matcher(doc)]

        starts = [s.start for s in sents]
        hits: set[int] = set()
        arrivals: set[int] = set()
        for kinds, start in found:
            i = bisect_right(starts, start) - 1
            if "arrive" in kinds:
                arrivals.add(i)
            if "arms_deal" in kinds and i not in hits:
                sent = sents[i]
                if DESIGNATION.search(sent.text) or any(
                    t.lower_ in self.weapon_forms for t in sent
                ):
                    hits.add(i)
            if kinds - {"arrive", "arms_deal"} and (near[i] or doc[start].text[:1].isupper()):
                hits.add(i)
        if not hits:
            return []  # no event: where anybody arrived does not matter
        return sorted(hits | arrivals)

    def to_parse(self, article: Article, doc: Doc) -> list[int]:
        """The sentences (indices) of an unparsed doc that the extraction will read parsed:
        parse them (several docs' at once, in one batch) and pass them to the call."""
        sents = list(doc.sents)
        if self.parser is None:
            return list(range(len(sents)))  # the doc comes parsed
        return self._to_parse(doc, sents, _near_military(article, sents))

    def __call__(
        self,
        article: Article,
        doc: Doc,
        toponyms: Sequence[Toponym],
        *,
        parsed: Sequence[int] | None = None,
    ) -> list[Event]:
        """The events an article reports, merged where several sentences report one. `parsed`:
        the sentences `to_parse` chose, parsed already; else the extractor parses them."""
        context = Counter(
            (t.place.name, t.place.country)
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
        near = _near_military(article, sents)
        if parsed is None:
            parsed = range(len(sents))
            if self.parser is not None and not doc.has_annotation("DEP"):
                parsed = self._to_parse(doc, sents, near)
                self.parser(doc, [sents[i] for i in parsed])
        dateline = _dateline_place(article.text, toponyms)
        # A name once given to an exercise ("Exercise Malabar") names it everywhere in the
        # article: "took part in the Malabar exercises" is no place. A sentence left unparsed
        # has no trigger that holds (see _to_parse).
        chosen = set(parsed)
        triggers = [
            self._triggers(doc, sent, near[i]) if i in chosen else []
            for i, sent in enumerate(sents)
        ]
        known = {
            name.casefold()
            for sent, found in zip(sents, triggers, strict=True)
            for _, _, name in _cued_names(sent, found)
        }
        if known:
            inside = [[t for t in found if t.text.casefold() not in known] for found in inside]
        drafts: list[_Draft] = []
        for i, (sent, found) in enumerate(zip(sents, inside, strict=True)):
            for draft in self._sentence_event(
                article, doc, sent, found, context, triggers[i], dateline
            ):
                draft.index = i
                drafts.append(draft)
        for draft in drafts:
            i = draft.index
            if draft.event.places or not draft.stated or i + 1 >= len(sents):
                continue
            if any(d.index == i + 1 for d in drafts):
                continue
            if i + 1 not in chosen and self.parser is not None:
                self.parser(doc, [sents[i + 1]])  # parsed only now that it is read
                chosen.add(i + 1)
            if not _refers_back(sents[i + 1]):
                continue
            # "Drills began on Monday. The ships practised off the coast of X."
            places = _event_places(doc, inside[i + 1], dateline)
            if places:
                draft.event = replace(
                    draft.event,
                    places=tuple(places),
                    sources=draft.event.sources + (_source(article, sents[i + 1]),),
                    why=draft.event.why + ("place:next_sentence_refers_back",),
                )
        codes = {name: code for (name, code) in context if code}
        for draft in drafts:
            codes.update(draft.codes)
        # "X arrived in the capital on Tuesday ... later held talks with Y": where visitors
        # arrive is where their talks are.
        lemmas = doc.to_array(LEMMA).tolist()  # ids: no Token made for each word
        arrives, strings = self._arrives, doc.vocab.strings
        arrivals = {
            i: places
            for i, sent in enumerate(sents)
            if any(arrives(strings, lemma) for lemma in lemmas[sent.start : sent.end])
            and (places := _event_places(doc, inside[i], dateline))
        }
        return _link(drafts, dateline, self.country, codes, article.published, arrivals)

    def _triggers(self, doc: Doc, sent: Span, near_military: bool) -> list[tuple[str, Span]]:
        found: list[tuple[str, Span]] = []
        if not doc.has_annotation("POS"):
            return found  # geo.parsing tagged no sentence: none of them has a trigger word
        for match_id, start, end in self.matcher(doc[sent.start : sent.end]):
            found.append((doc.vocab.strings[match_id], sent[start:end]))
        words = {t.lower_ for t in sent} | {t.lemma_.lower() for t in sent}
        quoted = [
            (m.start() + sent.start_char, m.end() + sent.start_char)
            for m in QUOTED.finditer(sent.text)
            if len(m.group(0).split()) <= SHORT_QUOTE_WORDS
        ]
        kept = []
        for event_type, span in found:
            if any(a <= span.start_char < b for a, b in quoted) and not span.text[:1].isupper():
                continue  # a scare-quoted word is somebody's label, not the report of an event
            if not _trigger_holds(event_type, span, sent, words, near_military):
                continue
            kept.append((event_type, span))
        return sorted(kept, key=lambda f: TYPE_ORDER.index(f[0]))

    def _sentence_event(
        self,
        article: Article,
        doc: Doc,
        sent: Span,
        inside: Sequence[Toponym],
        context: Counter,
        triggers: list[tuple[str, Span]],
        dateline: Toponym | None,
    ) -> list[_Draft]:
        """The events a sentence reports (perhaps without a place yet), given its triggers:
        usually one, one per round when it enumerates rounds with their years and places;
        none when it reports none."""
        if not triggers or any(t.lower_ in WORDS["habitual"] for t in sent):
            return []
        why: list[str] = []
        # "took part in Selenga-2019": a series named after a river, coast or region names
        # the exercise, not where it is.
        names = [
            (span.start_char, span.end_char)
            for kind, span in triggers
            if kind == "exercise" and span.text[:1].isupper()
        ]
        cued = _cued_names(sent, triggers)
        names += [(a, b) for a, b, _ in cued]
        inside = [t for t in inside if not any(a < t.end and t.start < b for a, b in names)]
        places = _event_places(doc, inside, dateline)
        event_type, trigger = _nearest_trigger(sent, triggers, places)
        why.append(f"trigger:{event_type}:{trigger.root.lemma_.lower()}")
        if _hypothetical(trigger):
            return []
        future = any(t.lower_ in WORDS["future"] for t in sent)
        planned = future or _is_planned(sent)
        # "BEIJING, March 3 (Reuters) --" dates the filing, not the event.
        filed = dateline_end(sent.text)
        dates = find_dates(sent.text, article.published, future=future)
        if any(_since(sent, d) and _perfect(trigger) for d in dates):
            return []  # "has supplied arms since the 1990s": a trend, not an occurrence
        if dates and all(
            _decided(sent, trigger, d) for d in dates if d.start >= dateline_end(sent.text)
        ):
            return []  # "agreed in May to hold drills": the decision is dated, not the drills
        mentions = [
            d
            for d in dates
            if d.start >= filed
            and not _since(sent, d)
            and not REPORTED.search(sent.text[max(0, d.start - 40) : d.start])
            and not _foreign_date(sent, trigger, d)
        ]
        name = _exercise_name(sent, triggers) or (cued[0][2] if cued else "")
        named_spans = [
            (span.start_char - sent.start_char, span.end_char - sent.start_char)
            for kind, span in triggers
            if kind == "exercise" and span.text[:1].isupper()
        ]
        mentions = [
            replace(d, named=True) if any(a <= d.start < b for a, b in named_spans) else d
            for d in mentions
        ]
        when = best_date(mentions, anchor=trigger.start_char - sent.start_char)
        if when is not None and when.named and article.published:
            if when.year == article.published.year:
                when = None  # "Vostok-2018" in a 2018 report: the name says only the year
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
            why.append("date:publication_month")
        elif when is None:
            year, month, day, precision = None, None, None, "unknown"
            date_source = "none"
        else:
            year, month, day, precision = when.year, when.month, when.day, when.precision
            why.append("date:stated_near_trigger")
        end_mention = next((d for d in mentions if d.ends and when and d.start > when.start), None)
        end = _iso(end_mention) if end_mention else None
        if (
            article.published
            and year
            and (year, month or 0) > (article.published.year, article.published.month)
        ):
            planned = True
        participants, codes = _participants(
            doc, sent, inside, context, self.country, places, why, trigger
        )
        roles: tuple[tuple[str, str], ...] = ()
        if event_type == "arms_deal":
            roles = _deal_roles(sent, inside, frozenset(codes.values()), trigger)
        if places:
            why.append("place:locative")
        event = Event(
            event_type,
            year,
            month,
            day,
            precision,
            "planned" if planned else "past",
            tuple(places),
            participants,
            (_source(article, sent),),
            trigger.text,
            date_source,
            name=name,
            end=end,
            roles=roles,
            why=tuple(why),
        )
        children = list(trigger.root.children)
        anaphoric = event_type == "stage" or (
            any(c.dep_ == "det" and c.lower_ in ("the", "these", "this", "those") for c in children)
            and not any(c.pos_ == "PROPN" or c.is_title for c in children if c.dep_ != "det")
            and not any(t.text[:1].isupper() for _, t in triggers)
        )
        draft = _Draft(event, 0, when is not None, anaphoric, codes)
        also = _also_signed(event_type, triggers, sent)
        if also is not None:
            # "During the visit the two sides signed a contract for S-400s": both a meeting
            # and an arms deal.
            other_type, other_trigger = also
            twin = replace(
                event,
                type=other_type,
                trigger=other_trigger.text,
                # a deal signed during a visit is placed like any deal: in the buyer's country
                places=() if other_type == "arms_deal" else event.places,
                roles=_deal_roles(sent, inside, frozenset(codes.values()), other_trigger)
                if other_type == "arms_deal"
                else (),
                why=(f"trigger:{other_type}:{other_trigger.root.lemma_.lower()}",)
                + event.why[1:]
                + ("split:signed_during_visit",),
            )
            return [draft, _Draft(twin, 0, when is not None, False, codes)]
        rounds = _rounds(sent, places, mentions)
        if len(rounds) < 2:
            return [draft]
        # "Earlier rounds were held in the Yellow Sea in 2012 and off Vladivostok in 2013":
        # one event per round, each with its year and its places.
        return [
            replace(
                draft,
                event=replace(
                    event,
                    year=m.year,
                    month=m.month,
                    day=m.day,
                    precision=m.precision,
                    date_source="text",
                    status="planned"
                    if m.year and article.published and m.year > article.published.year
                    else event.status,
                    places=tuple(group),
                    end=None,
                    why=event.why + ("split:enumerated_rounds",),
                ),
                anaphoric=False,
            )
            for m, group in rounds
        ]


def _also_signed(
    event_type: str, triggers: list[tuple[str, Span]], sent: Span
) -> tuple[str, Span] | None:
    """The second event of a sentence that reports a visit or talks and an arms contract
    signed during them: (its type, its trigger), or None."""
    kinds = {kind for kind, _ in triggers}
    if not {"meeting", "arms_deal"} <= kinds or event_type not in ("meeting", "arms_deal"):
        return None
    deal = next(
        (
            span
            for kind, span in triggers
            if kind == "arms_deal"
            and span.root.lemma_.lower() in WORDS["deal_nouns"]
            and _governing_verb(span.root).lemma_.lower() in WORDS["agree_verbs"]
        ),
        None,
    )
    meeting = next(
        (
            span
            for kind, span in triggers
            if kind == "meeting"
            and span.root.lemma_.lower() in ("visit", "summit", "talk", "talks")
        ),
        None,
    )
    if deal is None or meeting is None:
        return None
    return ("meeting", meeting) if event_type == "arms_deal" else ("arms_deal", deal)


def _rounds(
    sent: Span, places: Sequence[EventPlace], mentions: Sequence[DateMention]
) -> list[tuple[DateMention, list[EventPlace]]]:
    """The rounds a sentence enumerates: each stated year with the places nearest it, when
    there are at least two years and every year has a place."""
    dated = [m for m in mentions if m.year and not m.ends]
    if len({m.year for m in dated}) < 2 or len(places) < 2:
        return []
    at = {p.place.id: sent.text.find(p.name) for p in places}
    if any(v < 0 for v in at.values()):
        return []
    ordered = sorted(places, key=lambda p: at[p.place.id])
    groups: dict[int, list[EventPlace]] = {}
    if len(ordered) == len(dated):
        # As many places as years: "in X in 2012, in Y in 2015": pair them in order.
        for k, p in enumerate(ordered):
            groups[k] = [p]
    else:
        for p in ordered:
            # The year a place is told with: the nearest, one that follows it first.
            nearest = min(
                range(len(dated)),
                key=lambda k: (
                    dated[k].start < at[p.place.id],
                    abs(dated[k].start - at[p.place.id]),
                ),
            )
            groups.setdefault(nearest, []).append(p)
    if len(groups) < 2 or len(groups) < len({m.year for m in dated}):
        return []
    return [(dated[k], groups[k]) for k in sorted(groups)]


def _refers_back(sent: Span) -> bool:
    """Whether a sentence's subject refers back to what was just said: "The ships ...",
    "They ...", "These units ..."."""
    subjects = [t for t in sent if t.dep_ in ("nsubj", "nsubjpass") and t.head.dep_ == "ROOT"]
    for subject in subjects:
        if subject.lower_ in ("they", "it", "both"):
            return True
        if any(
            c.dep_ == "det" and c.lower_ in ("the", "these", "those", "both")
            for c in subject.children
        ):
            return not any(c.pos_ == "PROPN" for c in subject.subtree)
    return False


def _trigger_holds(
    event_type: str, span: Span, sent: Span, words: set[str], near_military: bool
) -> bool:
    """Whether a trigger word reports an event of its type here: each test states a reason a
    word that can name an event does not name one in this sentence."""
    root = span.root
    lemma = root.lemma_.lower()
    named = span.text[:1].isupper() and any(c.isdigit() for c in span.text)
    following = sent.doc[span.end] if span.end < sent.end else None
    # "Exercise Cope Thunder": a capitalised trigger before a name is a named exercise.
    named = named or bool(
        span.text.istitle()
        and lemma in ("exercise", "operation")
        and following is not None
        and following.is_title
        and following.pos_ == "PROPN"
    )
    if event_type == "other" and lemma in WORDS["agreements"] and not words & WORDS["agree_verbs"]:
        return False  # an agreement discussed is not an agreement reached
    if event_type == "arms_deal":
        designation = DESIGNATION.search(sent.text)
        if not (words & WORDS["weapons"] or designation):
            return False  # "a trade deal", "buy time"
        if lemma in WORDS["transfer_only_with_designation"] and not designation:
            # "sent troops", "received a delegation"; "will receive ten aircraft" is arms
            if not any(t.lemma_.lower() in WORDS["weapons"] - {"military"} for t in root.subtree):
                return False
        if lemma in ("send", "ship", "transfer") and not words & WORDS["sale_words"]:
            return False  # "sent tanks to the drills": arms moved, none sold
        if root.dep_ in ("compound", "amod") and root.pos_ == "NOUN":
            return False  # "a supply ship", "delivery vehicles"
    if event_type == "other" and lemma in WORDS["training_triggers"]:
        if not words & WORDS["training"] or root.dep_ in ("compound", "amod"):
            return False  # "the Matybulak training ground" is a place, not a course
    if event_type == "meeting" and (
        lemma in ("conference", "briefing")
        and any(c.lower_ in WORDS["press"] for c in root.children)
    ):
        return False  # a press conference announces events; it is not one
    if event_type == "patrol" and lemma in ("fly", "flight", "sortie"):
        # "Bombers flew over the sea" is a patrol; "the minister flew to Beijing" is not.
        flyers = (
            root.subtree
            if lemma != "fly"
            else (t for c in root.children if c.dep_ in ("nsubj", "nsubjpass") for t in c.subtree)
        )
        if not any(t.lemma_.lower() in WORDS["aircraft"] for t in flyers) and not (
            lemma != "fly" and sent.text.lower().count("joint")
        ):
            return False
    if event_type == "stage" and not (
        root.head.lemma_.lower() in WORDS["happen"] or root.dep_ in ("nsubj", "nsubjpass")
    ):
        return False  # "at this stage of talks"
    if not named and event_type in ("meeting", "patrol", "exercise", "stage", "other"):
        # "Presidents visited a zoo", "police patrol the streets", "a fire drill": without
        # the military in or around the sentence, no military cooperation.
        if not near_military:
            return False
    return True


def _gate(pattern: list[dict]) -> re.Pattern:
    """A regular expression that a text contains wherever a token pattern matches in it: its
    first required word ("LOWER", anywhere in any case) or regular expression ("TEXT",
    unanchored); else anything."""
    for token in pattern:
        if token.get("OP", "1") not in ("1", "+"):
            continue  # optional or negated: nothing the text must contain
        lower, text = token.get("LOWER"), token.get("TEXT")
        if isinstance(lower, str | dict):
            options = lower["IN"] if isinstance(lower, dict) else [lower]
            return re.compile("|".join(map(re.escape, options)), re.I)
        if isinstance(text, dict) and "REGEX" in text:
            return re.compile(text["REGEX"].removeprefix("^").removesuffix("$"))
    return re.compile("")


def _widened(token: dict, forms: Callable[[Iterable[str]], set[str]]) -> dict:
    """A token pattern without its POS test, its LEMMA test made a test of the word forms."""
    out = {k: v for k, v in token.items() if k not in ("POS", "LEMMA")}
    if "LEMMA" in token:
        lemma = token["LEMMA"]
        out["LOWER"] = {"IN": sorted(forms(lemma["IN"] if isinstance(lemma, dict) else [lemma]))}
    return out


def _military_text(text: str) -> bool:
    lowered = text.lower()
    return bool(
        set(re.findall(r"[\w.-]+", lowered)) & WORDS["military"]
        or any(p in lowered for p in WORDS["military_phrases"])
    )


def _near_military(article: Article, sents: Sequence[Span]) -> list[bool]:
    """For each sentence: whether it, a neighbour or the title is about the military."""
    # Each sentence's text sliced from the doc's (spaCy joins a span's text from its tokens).
    text = sents[0].doc.text if sents else ""
    military = [_military(text[s.start_char : s.end_char]) for s in sents]
    title_military = bool(article.title and _military_text(article.title))
    return [title_military or any(military[max(0, i - 1) : i + 2]) for i in range(len(sents))]


def _military(text: str) -> bool:
    """Whether a sentence (its text) is about the military: its words, or a weapon
    designation."""
    return _military_text(text) or bool(DESIGNATION.search(text))


def _hypothetical(trigger: Token | Span) -> bool:
    """'The deal could bring sanctions', 'China may want to buy': possibilities report nothing."""
    root = trigger.root if isinstance(trigger, Span) else trigger
    verb = next((t for t in [root, *root.ancestors] if t.pos_ in ("VERB", "AUX")), None)
    for head in [verb, *(verb.ancestors if verb is not None else ())][:3]:
        if head is None:
            continue
        if any(c.dep_ == "aux" and c.lower_ in WORDS["hypothetical"] for c in head.children):
            return True
    return False


def _since(sent: Span, mention) -> bool:
    """'since 2012', 'since the early 1990s': the start of a span, never the event's date."""
    return bool(
        re.search(
            r"\bsince\s+(?:the\s+)?(?:early\s+|late\s+|mid-?)?$",
            sent.text[max(0, mention.start - 20) : mention.start],
            re.I,
        )
    )


def _perfect(trigger: Span) -> bool:
    """Whether the trigger's clause is in the present perfect ("have held", "has supplied")."""
    verb = _governing_verb(trigger.root)
    return any(c.dep_ == "aux" and c.lower_ in ("has", "have", "'ve") for c in verb.children)


def _governing_verb(token: Token) -> Token:
    """The verb whose clause a token belongs to (the sentence root when there is none)."""
    for t in [token, *token.ancestors]:
        if t.pos_ in ("VERB", "AUX") or t.dep_ == "ROOT":
            return t
    return token.sent.root


def _decided(sent: Span, trigger: Span, mention) -> bool:
    """Whether a date belongs to a decision the trigger is the object of ("agreed in May
    2024 to carry out exercises")."""
    span = sent.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None:
        return False
    verb = _governing_verb(span.root)
    own = _governing_verb(trigger.root)
    return (
        verb is not own
        and verb.lemma_.lower() in WORDS["decisions"]
        and trigger.root in verb.subtree
    )


def _foreign_date(sent: Span, trigger: Span, mention) -> bool:
    """A date that belongs to another clause: 'under a contract signed in 2015', 'drills
    announced in December', 'a source told reporters on Friday'."""
    span = sent.char_span(mention.start, mention.end, alignment_mode="expand")
    if span is None:
        return False
    verb = _governing_verb(span.root)
    own = _governing_verb(trigger.root)
    if verb is own or verb.i == trigger.root.i:
        return False
    if verb.lemma_.lower() in WORDS["reporting"]:
        return True
    if verb.lemma_.lower() in WORDS["decisions"] and trigger.root in verb.subtree:
        return True  # "agreed in May to hold drills": May dates the agreement
    # A relative or participial clause on another noun ("a contract signed in 2015"); on the
    # trigger itself ("manoeuvres carried out in August") it dates the event.
    return (
        verb.dep_ in ("relcl", "acl")
        and verb.head.i != trigger.root.i
        and trigger.root not in verb.subtree
    )


def _exercise_name(sent: Span, triggers: list[tuple[str, Span]]) -> str:
    """The named exercise a sentence reports: a trigger written as a name ("Joint Sea-2015")."""
    for event_type, span in triggers:
        if (
            event_type == "exercise"
            and span.text[:1].isupper()
            and any(c.isdigit() for c in span.text)
        ):
            text = span.text
            # "Joint Sea-2015 (II)": the round belongs to the name.
            after = sent.doc.text[span.end_char : span.end_char + 8]
            m = re.match(r"\s*\((I{1,3}|IV|V|VI{0,3})\)", after)
            return text + (f" ({m.group(1)})" if m else "")
    return ""


QUOTED_NAME = re.compile(r"[“‘\"']([A-Z][\w-]*(?: [A-Z0-9][\w-]*){0,3})[”’\"']")


def _cued_names(sent: Span, triggers: list[tuple[str, Span]]) -> list[tuple[int, int, str]]:
    """Names of exercises without a year: quoted before or after the trigger ("the 'Malabar'
    exercise", "the drills 'Northern Shield'"), or after a cue ("Exercise Malabar",
    "codenamed Northern Shield"). (start, end, name), offsets in the document."""
    found = []
    spans = [span for kind, span in triggers if kind in ("exercise", "patrol")]
    if not spans:
        return []
    base = sent.start_char
    for m in QUOTED_NAME.finditer(sent.text):
        a, b = m.start() + base, m.end() + base
        if any(-12 <= span.start_char - b <= 2 or 0 <= a - span.end_char <= 3 for span in spans):
            found.append((m.start(1) + base, m.end(1) + base, m.group(1)))
    for token in sent[:-1]:
        # "Exercise Malabar", or a cue right after the trigger: "the drills, dubbed X".
        after_trigger = any(0 <= token.i - span.end <= 2 for span in spans)
        capital_cue = token.is_title and token.lower_ in ("exercise", "operation")
        if (
            (after_trigger or capital_cue)
            and token.lower_ in WORDS["name_cues"]
            and token.nbor(1).is_title
        ):
            end = token.nbor(1)
            while end.i + 1 < sent.end and end.nbor(1).is_title and end.nbor(1).pos_ == "PROPN":
                end = end.nbor(1)
            span = sent.doc[token.i + 1 : end.i + 1]
            if span.text.lower() not in WORDS["name_cues"]:
                found.append((span.start_char, span.end_char, span.text))
    return found


def _iso(mention) -> str | None:
    if mention.year is None:
        return None
    if mention.month is None:
        return f"{mention.year:04d}"
    if mention.day is None:
        return f"{mention.year:04d}-{mention.month:02d}"
    return f"{mention.year:04d}-{mention.month:02d}-{mention.day:02d}"


def _dateline_place(text: str, toponyms: Sequence[Toponym]) -> Toponym | None:
    """The city a story is filed from: the first name of the text, before a comma, colon,
    bracket or dash ("MOSCOW, May 26 /TASS/.", "Misawa, Aomori Pref., Sept. 30 (Jiji)")."""
    lead = len(text) - len(text.lstrip())
    for t in toponyms:
        if t.start > lead + 2:
            return None
        if t.place is not None and t.place.feature == "city" and t.kind != "demonym":
            if DATELINE_TAIL.match(text, t.end):
                return t
    return None


def _link(
    drafts: list[_Draft],
    dateline: Toponym | None,
    country: Callable[[str], Place | None] | None,
    codes: Mapping[str, str],
    published: date | None = None,
    arrivals: Mapping[int, list[EventPlace]] | None = None,
) -> list[Event]:
    """Link sentence reports into events: stages and anaphora join the event they refer to,
    placeless reports join a neighbouring report of the same event or take the dateline city,
    and reports of one event merge."""
    events: list[_Draft] = []
    for draft in drafts:
        if draft.anaphoric:
            wanted = ("exercise", "patrol") if draft.event.type == "stage" else (draft.event.type,)
            earlier = next(
                (d for d in reversed(events) if d.event.type in wanted),
                None,
            )
            if earlier is None and draft.event.type in ("exercise", "patrol"):
                # "air patrols by bombers ... before carrying out the joint exercises": the
                # drills referred to are the patrol just reported.
                earlier = next(
                    (d for d in reversed(events) if d.event.type in ("exercise", "patrol")),
                    None,
                )
            if earlier is not None and compatible_dates(
                earlier.event, draft.event, assumed_yield=draft.event.date_source != "text"
            ):
                # It adds its places and evidence; who it names may be onlookers. An anaphor
                # that states no date of its own has the date of what it refers to.
                earlier.event = merge(
                    earlier.event,
                    replace(draft.event, participants=(), why=("link:refers_back",)),
                )
                continue
            if earlier is not None and draft.event.type != "stage":
                # "The exercise comes after a tribunal ruled in July": the date and places
                # belong to something else in the sentence.
                continue
            if draft.event.type == "stage":
                if earlier is None:
                    continue  # a stage of nothing reported
                draft.event = replace(draft.event, type=earlier.event.type)
        events.append(draft)
    placed: list[_Draft] = []
    for draft in events:
        if draft.event.places:
            placed.append(draft)
            continue
        # A neighbouring report of the same type with a place: the same event, told twice.
        neighbours = sorted(
            (d for d in events if d is not draft and d.event.places),
            key=lambda d: abs(d.index - draft.index),
        )
        same_type = [
            d
            for d in neighbours
            if d.event.type == draft.event.type and _roles_agree(d.event, draft.event)
        ]
        # The same date anywhere in the article, or a date assumed from the publication in a
        # sentence nearby telling it the same way (both past, or both planned).
        other = next(
            (d for d in same_type if compatible_dates(d.event, draft.event)),
            None,
        ) or next(
            (
                d
                for d in same_type
                if abs(d.index - draft.index) <= 2
                and d.event.status == draft.event.status
                and not any(
                    e.date_source == "text" and _long_before(e, published)
                    for e in (d.event, draft.event)
                )
                and compatible_dates(d.event, draft.event, assumed_yield=True)
            ),
            None,
        )
        if other is not None:
            other.event = merge(other.event, replace(draft.event, places=other.event.places))
            continue
        if draft.event.type == "arms_deal":
            if _place_deal(draft, events, dateline, country):
                placed.append(draft)
            continue
        arrived = [k for k in (arrivals or {}) if draft.index - 3 <= k <= draft.index + 1]
        if draft.event.type == "meeting" and arrived:
            k = min(arrived, key=lambda k: abs(k - draft.index))
            draft.event = replace(
                draft.event,
                places=tuple((arrivals or {})[k]),
                why=draft.event.why + ("place:where_the_visitor_arrived",),
            )
            placed.append(draft)
            continue
        place = _dateline_fallback(draft, dateline, published)
        if place is not None:
            draft.event = replace(
                draft.event,
                places=(place,),
                why=draft.event.why + ("place:dateline_city",),
            )
            placed.append(draft)
    # Events stay in reading order; merging keeps the first report's position.
    placed.sort(key=lambda d: d.index)
    return [plausible(e, codes) for e in merge_events([d.event for d in placed])]


OUTLINES_PATH = Path(__file__).parent.parent / "static" / "data" / "countries-110m.geojson"
# Waters further than this from every participant's coast are not where they would meet.
NEAR_WATERS_KM = 2500
# Namesakes that land an event on the wrong continent are villages and small towns; a city
# this big in a country not taking part is a real host more often than a misreading.
NAMESAKE_POPULATION = 200_000


@cache
def _outlines() -> dict[str, list[tuple[float, float]]]:
    """Country outlines (Natural Earth 1:110m, lat/lon vertices) by lower-case name."""
    try:
        data = json.loads(OUTLINES_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    outlines: dict[str, list[tuple[float, float]]] = {}
    for feature in data.get("features", []):
        name = str(feature.get("properties", {}).get("name", "")).lower()
        geometry = feature.get("geometry") or {}
        rings = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            rings = [rings]
        points = [(lat, lon) for polygon in rings for ring in polygon for lon, lat in ring]
        outlines[name] = points[::2] or points
    return outlines


def _outline(name: str) -> list[tuple[float, float]] | None:
    outlines = _outlines()
    key = name.lower()
    if key in outlines:
        return outlines[key]
    return next((v for k, v in outlines.items() if k.startswith(key) or key.startswith(k)), None)


def plausible(event: Event, codes: Mapping[str, str]) -> Event:
    """Participants' countries as evidence for the place: a town in a country that takes no
    part yields to the event's other places; when it is the only place (or waters far from
    every participant), the event is marked for review."""
    taking_part = {codes[n] for n in event.participants if n in codes} | {
        code for _, code in event.roles
    }
    if not taking_part:
        return event
    reasons: dict[str, str] = {}
    for p in event.places:
        place = p.place
        if place.feature == "ocean":
            continue  # an ocean's point says nothing of how near its shores are
        if place.feature in WATER:
            outlines = [_outline(n) for n in event.participants]
            known = [o for o in outlines if o]
            if known and all(
                min(haversine_km(place.lat, place.lon, lat, lon) for lat, lon in o) > NEAR_WATERS_KM
                for o in known
            ):
                reasons[place.id] = f"{p.name} is far from every participant"
        elif (
            place.country
            and place.country not in taking_part
            and place.feature != "country"
            and place.population < NAMESAKE_POPULATION
        ):
            reasons[place.id] = f"{p.name} is in {place.country}, which takes no part"
    if not reasons:
        return event
    kept = tuple(p for p in event.places if p.place.id not in reasons)
    if kept:
        return replace(event, places=kept, why=event.why + ("place:dropped_far_from_participants",))
    return replace(event, review="; ".join(reasons.values()))


def _dateline_fallback(
    draft: _Draft, dateline: Toponym | None, published: date | None = None
) -> EventPlace | None:
    """A report that names no place happened where the story was filed, when that city is in
    one of the countries taking part (a signing or talks in the capital the report comes from).
    Patrols range over seas; a dateline says nothing of where."""
    if dateline is None or dateline.place is None or draft.event.type == "patrol":
        return None
    if dateline.place.country not in draft.codes.values():
        return None
    if draft.event.date_source == "text" and draft.stated and _long_before(draft.event, published):
        return None  # a background event years back did not happen where today's story is filed
    return EventPlace(
        dateline.text.title() if dateline.text.isupper() else dateline.text, dateline.place
    )


def _long_before(event: Event, published: date | None) -> bool:
    """Whether an event is dated more than a few months before the publication."""
    if published is None or event.year is None:
        return False
    months = (published.year - event.year) * 12 + published.month - (event.month or 6)
    return months > 3


def _place_deal(
    draft: _Draft,
    drafts: Sequence[_Draft],
    dateline: Toponym | None,
    country: Callable[[str], Place | None] | None,
) -> bool:
    """Place a deal its sentence does not place: in the buyer's country, or in the dateline
    city when that is in the buyer's country (where the contract was signed). The buyer is
    the sentence's, else that of the article's nearest other deal ("the first jets were
    delivered in 2016")."""
    roles = dict(draft.event.roles)
    if "buyer" not in roles:
        earlier = sorted(
            (d for d in drafts if d is not draft and dict(d.event.roles).get("buyer")),
            key=lambda d: abs(d.index - draft.index),
        )
        if not earlier:
            return False
        roles = dict(earlier[0].event.roles)
    buyer = roles["buyer"]
    why = "place:buyer_country"
    if dateline is not None and dateline.place is not None and dateline.place.country == buyer:
        text = dateline.text.title() if dateline.text.isupper() else dateline.text
        places = [EventPlace(text, dateline.place)]
        why = "place:dateline_city_of_buyer"
    else:
        places = _buyer_place(tuple(roles.items()), country)
    if not places:
        return False
    draft.event = replace(
        draft.event,
        places=tuple(places),
        roles=tuple(sorted(roles.items())),
        why=draft.event.why + (why,),
    )
    return True


def _deal_roles(
    sent: Span, toponyms: Sequence[Toponym], codes: frozenset[str], trigger: Span
) -> tuple[tuple[str, str], ...]:
    """Who buys and who sells: the subject of a buying or selling verb, the "to X" of a
    delivery, and else the maker of the weapon named ("Su-35" is Russian)."""
    roles: dict[str, str] = {}
    doc = sent.doc
    for t in toponyms:
        if t.place is None or t.place.country is None:
            continue
        span = doc.char_span(t.start, t.end, alignment_mode="expand")
        if span is None:
            continue
        token = span.root
        while token.dep_ in ("conj", "compound", "poss", "amod") and token.head is not token:
            token = token.head
        head = token.head
        if token.dep_ in ("nsubj", "nsubjpass") and head.lemma_.lower() in WORDS["buy_verbs"]:
            roles.setdefault("buyer", t.place.country)
        elif token.dep_ == "nsubj" and head.lemma_.lower() in WORDS["sell_verbs"]:
            roles.setdefault("seller", t.place.country)
        elif (
            token.dep_ == "pobj"
            and head.lower_ == "to"
            and head.head.lemma_.lower() in WORDS["sell_verbs"] | {"delivery", "sale"}
        ):
            roles.setdefault("buyer", t.place.country)
        elif (
            token.dep_ == "pobj"
            and head.lower_ == "from"
            and t.place.feature == "country"
            and head.head.lemma_.lower() in WORDS["buy_verbs"] | WORDS["deal_nouns"]
        ):
            roles.setdefault("seller", t.place.country)  # "bought jets from Russia"
    maker = next(
        (
            MAKERS[m.group("prefix")]
            for m in DESIGNATION.finditer(sent.text)
            if m.group("prefix") in MAKERS and MAKERS[m.group("prefix")] in codes
        ),
        None,
    )
    if maker and "seller" not in roles and roles.get("buyer") != maker:
        roles["seller"] = maker
    if "buyer" not in roles and "seller" in roles:
        others = [c for c in codes if c != roles["seller"]]
        # "Russia and India signed a contract": the seller's co-signatory buys.
        signers = [c for c in _subject_countries(sent, toponyms, trigger) if c != roles["seller"]]
        if len(set(signers)) == 1:
            roles["buyer"] = signers[0]
        elif len(others) == 1:
            roles["buyer"] = others[0]
    if "seller" not in roles and "buyer" in roles:
        others = [c for c in codes if c != roles["buyer"]]
        if len(others) == 1:
            roles["seller"] = others[0]
    return tuple(sorted(roles.items()))


def _subject_countries(sent: Span, toponyms: Sequence[Toponym], trigger: Span) -> list[str]:
    """The countries that are subjects of the trigger's verb ("Russia and India signed a
    contract")."""
    verb = _governing_verb(trigger.root)
    found = []
    for t in toponyms:
        if t.place is None or not t.place.country:
            continue
        span = sent.doc.char_span(t.start, t.end, alignment_mode="expand")
        if span is None:
            continue
        token = span.root
        while token.dep_ == "conj" and token.head is not token:
            token = token.head
        if token.dep_ == "nsubj" and token.head.i == verb.i:
            found.append(t.place.country)
    return found


def _buyer_place(
    roles: tuple[tuple[str, str], ...], country: Callable[[str], Place | None] | None
) -> list[EventPlace]:
    """A deal placed nowhere in its sentence is placed in the buyer's country."""
    buyer = dict(roles).get("buyer")
    entry = country(buyer) if buyer and country else None
    return [EventPlace(entry.name, entry)] if entry else []


def _tree_distance(a: Token, b: Token) -> int:
    """Edges between two tokens in the dependency tree."""
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    common = next((t for t in up_a if t in up_b), None)
    if common is None:
        return len(up_a) + len(up_b)
    return up_a.index(common) + up_b.index(common)


def _purpose_of(inner: Span, outer: Span) -> bool:
    """Whether a trigger is the purpose or topic of another: "met to plan drills", "talks on
    the delivery of fighters", "arrived for talks"."""
    if inner.root.i == outer.root.i:
        return False
    stop = _governing_verb(outer.root)
    crossed = False
    for token in [inner.root, *inner.root.ancestors]:
        if token.i in (outer.root.i, stop.i):
            return crossed
        if token.dep_ in ("xcomp", "advcl") and any(
            c.dep_ == "aux" and c.lower_ == "to" for c in token.children
        ):
            crossed = True  # "to plan drills"
        if token.dep_ == "pobj" and token.head.lower_ in ("for", "on", "about", "over"):
            crossed = True  # "talks on the delivery"
    return False


def _nearest_trigger(
    sent: Span, triggers: list[tuple[str, Span]], places: Sequence[EventPlace]
) -> tuple[str, Span]:
    """The trigger that governs the place: "travel to X for talks on the delivery of arms" is
    a meeting. Without a place, the trigger highest in the parse: the event is the main
    clause's, what follows is its purpose or circumstance ("chiefs of staff met to plan next
    year's drills" is a meeting). On a tie, the most telling type wins."""
    if not places:
        purposes = [t for t in triggers if any(_purpose_of(t[1], o[1]) for o in triggers)]
        main = [t for t in triggers if t not in purposes] or triggers
        return min(main, key=lambda t: TYPE_ORDER.index(t[0]))
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
    whole = sent.text  # joined from the tokens at each access: once
    text = whole.strip()
    start = sent.start_char + (len(whole) - len(whole.lstrip()))
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
        if token.lemma_ in WORDS["plans"] and token.pos_ == "VERB":
            return True
        if token.lower_ in ("going", "set", "due") and token.nbor(1).lower_ == "to":
            return True
    return False


def _locative(token: Token) -> bool:
    """Whether the name at this token says where something happens: "in X", "off the coast of X",
    "in Russia's port city of X", "in X, Y", "left for X", "delivered to X" — following
    conjunctions, appositions and "of"."""
    for _ in range(6):
        if token.dep_ in ("conj", "appos", "compound", "npadvmod") and token.head is not token:
            token = token.head
            continue
        if token.dep_ == "dobj" and token.head.lemma_ in WORDS["place_objects"]:
            return True
        if token.dep_ == "pobj":
            prep = token.head
            if prep.lower_ in WORDS["locative_preps"]:
                # "the ministry in Beijing announced", "said at an expo in X", "the war in X":
                # where a body sits, a report is made or something else happens.
                head = prep.head.lemma_.lower()
                return (
                    head not in WORDS["organisations"] | WORDS["circumstances"]
                    and _governing_verb(prep).lemma_.lower() not in WORDS["reporting"]
                )
            if prep.lower_ == "of" and prep.head.lemma_.lower() in WORDS["place_nouns"]:
                token = prep.head
                continue
            if prep.dep_ == "conj" and prep.head.lower_ in WORDS["locative_preps"]:
                return True  # "in and above X"
            governor = prep.head.lemma_.lower()
            if prep.lower_ in ("to", "into") and governor in WORDS["to_destination"]:
                return True
            if prep.lower_ == "for" and governor in WORDS["for_destination"]:
                return True
        return False
    return False


def _descriptor(token: Token) -> bool:
    """A name that only qualifies a noun: "China's Shandong peninsula", "the Urals city of"."""
    return token.dep_ in ("poss", "compound", "amod", "nmod") and token.head.pos_ in (
        "NOUN",
        "PROPN",
    )


def _event_places(
    doc: Doc, toponyms: Sequence[Toponym], dateline: Toponym | None = None
) -> list[EventPlace]:
    """Where the event happened: names in a locative role, the most specific of them; "here"
    is the dateline city."""
    located: list[tuple[Toponym, bool]] = []
    for t in toponyms:
        span = doc.char_span(t.start, t.end, alignment_mode="expand")
        if span is None:
            continue
        if t.kind == "demonym":
            # "on Russian territory", "in Chinese waters": the country is the place.
            after = span.end < len(doc) and doc[span.end]
            if after and after.lemma_.lower() in WORDS["territory"] and _locative(after):
                located.append(
                    (
                        replace(t, end=after.idx + len(after.text), text=f"{t.text} {after.text}"),
                        False,
                    )
                )
            continue
        if _locative(span.root):
            located.append((t, _descriptor(span.root)))
    if dateline is not None and toponyms:
        sent = doc.char_span(toponyms[0].start, toponyms[0].end, alignment_mode="expand")
        here = [
            tok
            for tok in (sent.sent if sent is not None else ())
            if tok.lower_ == "here" and tok.dep_ == "advmod" and tok.head.pos_ == "VERB"
        ]
        if here and not located:
            located.append((dateline, False))
    # A descriptor ("China's", "the Ural Mountains city") yields to the name it describes.
    if any(not d for _, d in located):
        located = [(t, d) for t, d in located if not d]
    places: list[EventPlace] = []
    for t, _ in located:
        assert t.place is not None
        same = next((i for i, p in enumerate(places) if p.place.id == t.place.id), None)
        if same is None:
            places.append(EventPlace(t.text, t.place))
        elif t.text.casefold() == t.place.name.casefold():
            # "the X Academy in Moscow": both mean Moscow; show the name that says so.
            places[same] = EventPlace(t.text, t.place)
    return most_specific(places)


def most_specific(
    places: Sequence[EventPlace], *, covers: Mapping[str, Cover] | None = None
) -> list[EventPlace]:
    """Drop the places that only contain another place of the event: a country yields to
    anything in it, a province to its towns and counties, a county to its towns (by their
    codes), a region, sea or ocean to what it covers (`geo.gazetteer.within`)."""
    return [
        p
        for p in places
        if not any(
            within(q.place, p.place, covers=covers) and not within(p.place, q.place, covers=covers)
            for q in places
        )
    ]


def _participants(
    doc: Doc,
    sent: Span,
    toponyms: Sequence[Toponym],
    context: Counter,
    country: Callable[[str], Place | None] | None = None,
    places: Sequence[EventPlace] = (),
    rules: list[str] | None = None,
    trigger: Span | None = None,
) -> tuple[tuple[str, ...], dict[str, str]]:
    """The countries taking part (names, and their ISO codes): named, as demonyms, or as
    capitals acting for them; else the host and the article's main countries (`rules`
    records which)."""
    rules = rules if rules is not None else []
    named: dict[str, str | None] = {}
    onlookers: dict[str, bool] = {}  # name -> whether every mention of it is an onlooker's
    for t in toponyms:
        place = t.place
        assert place is not None
        if _in_circumstance(doc, t):
            continue  # "days after the war in Ukraine": not a side of the event
        onlooker = trigger is not None and _possessive_onlooker(doc, t, trigger)
        onlookers[place.name] = onlookers.get(place.name, True) and onlooker
        if t.kind == "demonym" or place.feature == "country":
            named.setdefault(place.name, place.country)
        elif place.feature == "city" and place.population > 500_000 and place.country:
            span = doc.char_span(t.start, t.end, alignment_mode="expand")
            # "Moscow and Beijing conducted drills": capitals as subjects stand for states.
            if span is not None and span.root.dep_ in ("nsubj", "nsubjpass", "conj"):
                entry = country(place.country) if country else None
                state = _country_name(toponyms, place) or (entry.name if entry else None)
                if state:
                    named.setdefault(state, place.country)
    if trigger is not None and len(named) > 2:
        # "Seoul and Tokyo scrambled jets in response to patrols by Chinese and Russian
        # bombers": when two or more sides are named on the trigger itself, the others
        # are onlookers.
        own = {
            t.place.name
            for t in toponyms
            if t.place is not None
            and t.place.name in named
            and any(t.start <= tok.idx < t.end for tok in trigger.root.subtree)
        }
        if len(own) >= 2:
            named = {n: c for n, c in named.items() if n in own}
            rules.append("participants:named_on_trigger")
    if trigger is not None and len(named) > 2:
        # "Russian and Chinese bombers flew a joint patrol, South Korea's military said": a
        # country named only as the owner of a body that reports or reacts, or of the zone
        # the event is in, is an onlooker when two other sides are named.
        sides = {n: c for n, c in named.items() if not onlookers.get(n, False)}
        if 2 <= len(sides) < len(named):
            named = sides
            rules.append("participants:onlooker_possessive")
    if len(named) < 2 and country:
        # The host takes part: "Russia's minister will visit Beijing" is with China.
        for host in dict.fromkeys(p.place.country for p in places if p.place.country):
            entry = country(host) if host else None
            if entry and entry.name not in named and len(named) < 2:
                named[entry.name] = host
                rules.append("participants:host")
    if len(named) < 2:
        # Cooperation takes two: a side left unnamed is one of the article's main countries.
        for (name, code), _ in context.most_common(3):
            if name not in named and len(named) < 2:
                named[name] = code
                rules.append("participants:article_countries")
    return tuple(named), {n: c for n, c in named.items() if c}


def _possessive_onlooker(doc: Doc, toponym: Toponym, trigger: Span) -> bool:
    """Whether a name owns the place where the event happens ("flew inside South Korea's air
    defence zone") or a body whose clause is not the event's ("South Korea's military said
    ...", "Japan's defence ministry scrambled jets"); not "Russia's bombers flew a patrol",
    "Russia's patrol with China", nor a clause joined to the event's by "and"."""
    span = doc.char_span(toponym.start, toponym.end, alignment_mode="expand")
    if span is None or span.root.dep_ != "poss":
        return False
    owner = span.root.head
    if owner.i in range(trigger.start, trigger.end) or any(
        t.i in range(trigger.start, trigger.end) for t in owner.subtree
    ):
        return False
    if owner.dep_ == "pobj" and owner.head.lower_ in WORDS["locative_preps"]:
        return True  # whose zone or waters it happens in: "flew inside South Korea's zone"
    verb, event_verb = _governing_verb(owner), _governing_verb(trigger.root)
    # "..., and Iran's navy joined them": a clause joined to the event's may tell of a side.
    conjoined = (verb.dep_ == "conj" and verb.head == event_verb) or (
        event_verb.dep_ == "conj" and event_verb.head == verb
    )
    return verb != event_verb and not conjoined


def _in_circumstance(doc: Doc, toponym: Toponym) -> bool:
    """Whether a name is the place of a circumstance ("the war in X", "sanctions on X")."""
    span = doc.char_span(toponym.start, toponym.end, alignment_mode="expand")
    if span is None:
        return False
    token = span.root
    return token.dep_ == "pobj" and token.head.head.lemma_.lower() in WORDS["circumstances"]


def _country_name(toponyms: Sequence[Toponym], place: Place) -> str | None:
    for t in toponyms:
        if t.place and t.place.feature == "country" and t.place.country == place.country:
            return t.place.name
    return None


def _month_index(year: int | None, month: int | None) -> int | None:
    return year * 12 + month - 1 if year and month else None


def _within_range(a: Event, b: Event) -> bool:
    """Whether b's month falls inside the range a states ("from Sept. 20 to Oct. 10")."""
    if not a.end or len(a.end) < 7:
        return False
    first = _month_index(a.year, a.month)
    last = _month_index(int(a.end[:4]), int(a.end[5:7]))
    at = _month_index(b.year, b.month)
    return None not in (first, last, at) and first <= at <= last  # type: ignore[operator]


def compatible_dates(a: Event, b: Event, *, assumed_yield: bool = False) -> bool:
    """Whether two dates can be the same occurrence's: no year or month contradicts, or one
    falls in the range the other states. With assumed_yield, a date assumed from the
    publication contradicts nothing."""
    if assumed_yield and "publication" in (a.date_source, b.date_source):
        return True
    if _within_range(a, b) or _within_range(b, a):
        return True
    return not (
        a.year and b.year and a.year != b.year or a.month and b.month and a.month != b.month
    )


def _roles_agree(a: Event, b: Event) -> bool:
    """Two deals with different buyers (or sellers) are two deals."""
    ra, rb = dict(a.roles), dict(b.roles)
    return all(ra[k] == rb[k] for k in ra.keys() & rb.keys())


def _names_agree(a: Event, b: Event) -> bool | None:
    """True for the same named exercise, False for two different names, None when unnamed."""
    if a.name and b.name:
        return a.name.casefold() == b.name.casefold()
    if a.trigger == b.trigger and a.trigger[:1].isupper():
        return True  # the same named series ("Peace Mission") in the same year
    return None


def compatible(a: Event, b: Event, *, same_article: bool = False) -> bool:
    """Whether two reports can be one event: same type, compatible dates, no two names,
    agreeing places (or the same named exercise in the same year). Within one article, two
    reports over waters (a patrol "in the Pacific", then "in the Sea of Japan") agree too."""
    if a.type != b.type or not compatible_dates(a, b):
        return False
    names = _names_agree(a, b)
    if names is False or not _roles_agree(a, b):
        return False
    if names and a.year == b.year:
        return True
    ids_a = {p.place.id for p in a.places}
    ids_b = {p.place.id for p in b.places}
    if ids_a & ids_b:
        return True
    if same_article and all(p.place.feature in WATER for p in (*a.places, *b.places)):
        return True
    # A place and a place inside it: "a visit to China" and "arrived in Beijing".
    return any(
        within(p.place, q.place) or within(q.place, p.place) for p in a.places for q in b.places
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
    cited = set(a.sources)  # an event many articles report has many sources: no list scan
    return replace(
        a,
        year=dated.year,
        month=dated.month,
        day=dated.day,
        precision=dated.precision,
        date_source=dated.date_source,
        places=tuple(places),
        participants=tuple(dict.fromkeys(a.participants + b.participants)),
        sources=_in_reading_order(a.sources + tuple(s for s in b.sources if s not in cited)),
        name=a.name or b.name,
        end=dated.end or a.end or b.end,
        roles=tuple(sorted((dict(b.roles) | dict(a.roles)).items())),
        why=tuple(dict.fromkeys(a.why + b.why)),
    )


def _in_reading_order(sources: tuple[Source, ...]) -> tuple[Source, ...]:
    """Sources article by article (in the order the articles came), each in text order."""
    first: dict[str, int] = {}
    for s in sources:
        first.setdefault(s.article_key, len(first))
    return tuple(sorted(sources, key=lambda s: (first[s.article_key], s.start)))


def merge_events(events: Sequence[Event]) -> list[Event]:
    """Merge the events of one article that several sentences report: same type, compatible
    dates, agreeing places."""
    merged: list[Event] = []
    for event in events:
        for i, kept in enumerate(merged):
            if compatible(kept, event, same_article=True):
                merged[i] = merge(kept, event)
                break
        else:
            merged.append(event)
    return merged
