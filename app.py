"""The dashboard: news articles in, military-cooperation events on a map out.

    streamlit run app.py          # GEO_DB=path/to/events.db to use another database

Page layout only: extraction lives in geo.pipeline, queries in geo.store, the map in
geo.mapview, the filters and their URL form in geo.filters, the timeline in geo.timeline,
exports in geo.export. Article text is shown escaped, never as HTML.

The view (every filter and the selected event) lives in the URL: the first run of a
session reads it from st.query_params into the widgets, and every run writes it back.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import GeoError, config, filters
from geo import store as stores
from geo.corrections import (
    Correction,
    current_value,
    describe,
    in_force,
    is_rejected,
    merge_value,
    merged_into,
    place_value,
    split_value,
)
from geo.corrections import corrected as corrected_events
from geo.export import to_csv, to_geojson, to_jsonl
from geo.filters import ANY, Month, View
from geo.mapdata import map_data
from geo.mapview import FULL_MONTHS as FULL_MONTH_NAMES
from geo.mapview import (
    base_map,
    clicked_event_key,
    country_name,
    date_phrase,
    event_layer,
    format_date,
    format_published,
    map_basis,
    place_kind,
    place_phrase,
    reported_by,
    type_label,
)
from geo.model import EVENT_TYPES, Article, Event, EventPlace, IngestReport
from geo.query import Box
from geo.store import EventStore as Store
from geo.timeline import BRUSH, brushed_months, timeline_chart, timeline_counts, timeline_unit

# What geo.articles reads; .json for the NAME.meta.json sidecars of text files.
UPLOAD_TYPES = ["txt", "md", "html", "htm", "jsonl", "csv", "tsv", "json"]
EXPORTS = {  # label -> (file name, MIME type)
    "CSV": ("events.csv", "text/csv"),
    "GeoJSON": ("events.geojson", "application/geo+json"),
    "JSON Lines": ("events.jsonl", "application/jsonl"),
}
# Sized so that on a 1440x900 screen the map, the timeline and the panel fit without scrolling.
MAP_HEIGHT = 540
TIMELINE_HEIGHT = 120
PANEL_HEIGHT = MAP_HEIGHT + TIMELINE_HEIGHT + 90
LIST_LIMIT = 200  # rows in the panel's list of events in view (each row costs the browser)
TABLE_LIMIT = 500  # rows in the table under the map (the downloads have every shown event)
REVIEW_LIMIT = 50
MERGE_CHOICES = 50  # events offered in the merge picker; a search narrows them
# The nearest of Streamlit's named markdown colours to each marker colour.
BADGE_COLOURS = {
    "exercise": "orange",
    "patrol": "blue",
    "meeting": "green",
    "arms_deal": "violet",
    "other": "gray",
}
PAGE_CSS = """<style>
.block-container { padding-top: 1.6rem; padding-bottom: 1rem; }
[data-testid="stMetricValue"] { font-size: 1.35rem; }
[data-testid="stMetric"] { padding: 0; }
</style>"""
NONE = ""  # the partner selectbox's "no partner filter"
DEFAULT_ZOOM = 3.0  # the map's zoom until it reports its own
# What the map reports: clicks (to select an event), and the part in sight and its zoom.
MAP_RETURNS = ["last_object_clicked_popup", "last_object_clicked_count", "bounds", "zoom"]


# ---------------------------------------------------------------------------- resources


@st.cache_resource(show_spinner=False)
def open_store(path: str) -> Store:
    """One store per database (a SQLite file or a postgresql:// URL), shared by every
    session."""
    return stores.open_store(path)


def database_name(target: str) -> str:
    """What the sidebar calls the database: the file's name, or a URL's database name (never
    its password)."""
    if stores.is_url(target):
        return target.rsplit("/", 1)[-1].split("?", 1)[0] or "postgresql"
    return Path(target).name


class Stored:
    """What the page reads once per change of the database: every event (corrections
    applied), where each stands in the store's order, those analysts corrected, the filters'
    choices, and the map without its events."""

    def __init__(self, events: Sequence[Event], corrected_keys: set[str]) -> None:
        self.events = events
        self.by_key = {e.key: e for e in events}
        self.order = {e.key: i for i, e in enumerate(events)}
        self.corrected = [e for e in events if e.key in corrected_keys]
        self.corrected_keys = corrected_keys
        live = [e for e in events if not is_rejected(e)]
        self.options = Options(live)
        self.live = live
        self.rejected = [e for e in events if is_rejected(e)]
        self.basis = map_basis(live)
        self.newest = {e.key: i for i, e in enumerate(newest_first(live))}
        self.points = {e.key: sum(p.precision == "point" for p in e.places) for e in live}
        self.timelines: dict[tuple, tuple] = {}  # (view without dates, unit) -> counts

    def lookup(self, keys: Sequence[str]) -> list[Event]:
        """The events of these keys (those the store knows and this read has)."""
        return [self.by_key[k] for k in keys if k in self.by_key]

    def passing(self, store: Store, view: View, *, dates: bool = True) -> list[Event]:
        """The events that pass the view, in the store's order: the store's SQL judges the
        events as stored, Python those analysts corrected (as they are now)."""
        if replace(view if dates else view.without_dates(), event=None) == View():
            return list(self.live)  # no filter: every event, no query
        keys = store.event_keys(view, exclude=self.corrected_keys, dates=dates, ordered=False)
        found = self.lookup(keys) + [
            e for e in self.corrected if not is_rejected(e) and filters.passes(e, view, dates=dates)
        ]
        found.sort(key=lambda e: self.order[e.key])  # Python sorts faster than the SQL
        return found

    def timeline_counts(self, events: Sequence[Event], view: View, unit: str) -> tuple:
        """geo.timeline's counts of the events the view shows but for its dates: the same
        until another filter changes (a date change or a pan keeps them)."""
        key = (replace(view.without_dates(), event=None), unit)
        found = self.timelines.get(key)  # shared by every session's thread: one read
        if found is None:
            if len(self.timelines) > 16:
                self.timelines.clear()
            found = self.timelines[key] = timeline_counts(events, unit)
        return found


@st.cache_resource(show_spinner=False, max_entries=2)
def stored(path: str, revision: tuple[int, ...]) -> Stored:
    """The page's reading of the database, once per change of it."""
    store = open_store(path)
    corrections = store.corrections()
    extracted = store.events()
    events = tuple(corrected_events(extracted, corrections))
    return Stored(events, touched_keys(extracted, events, corrections))


def touched_keys(
    extracted: Sequence[Event], events: Sequence[Event], corrections: Sequence[Correction]
) -> set[str]:
    """The keys the store's SQL must not judge, because what it holds under them is not what
    the page shows: events analysts corrected, events merged into another (gone from the
    page) and events split off one (not stored at all)."""
    stored_keys = {e.key for e in extracted}
    keys = {c.event_key for c in corrections}
    keys |= {c.after["with"] for c in corrections if c.field == "merge" and "with" in c.after}
    return keys | {e.key for e in events if e.key not in stored_keys}


@st.cache_resource(show_spinner=False)
def get_gazetteer():
    """The offline gazetteer, for choosing a corrected place (loaded on first use)."""
    from geo.gazetteer import Gazetteer

    return Gazetteer.load()


@st.cache_resource(show_spinner=False)
def get_geoparser():
    """The spaCy pipeline and gazetteer, loaded once per server process."""
    from geo.pipeline import load_geoparser

    return load_geoparser()


@st.cache_resource(show_spinner=False)
def ingest_lock(path: str) -> threading.Lock:
    """Serialises ingests into one database across sessions."""
    return threading.Lock()


def run_ingest(paths: Sequence[Path], store: Store, *, label: str) -> IngestReport:
    """Ingest paths into the store with a visible progress bar."""
    from geo.pipeline import ingest

    with st.status(label, expanded=True) as status:
        st.write(
            "Loading the language model and gazetteer "
            "(the first run also builds the gazetteer index, about 15 s)…"
        )
        geoparser = get_geoparser()
        bar = st.progress(0.0, text="Reading articles…")

        def progress(done: int, total: int, name: str) -> None:
            text = f"{done} of {total} articles" + (f" · {name}" if name else "")
            bar.progress(done / total if total else 1.0, text=text)

        with ingest_lock(store.path):
            report = ingest(list(paths), store=store, geoparser=geoparser, progress=progress)
        bar.progress(1.0, text="Done")
        status.update(
            label=f"{label.rstrip('…')}: {len(report.added)} added, "
            f"{len(report.unchanged)} unchanged, {len(report.rejected)} rejected, "
            f"{plural(report.events, 'event')}",
            state="error" if report.rejected and not report.added else "complete",
            expanded=False,
        )
    return report


# ---------------------------------------------------------------------------- text

_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


def plural(n: int, noun: str) -> str:
    """'1 event', '2 events'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def md(text: object) -> str:
    """Text from an article, made literal for st.markdown (no links, images, HTML or LaTeX)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def paragraphs(text: str) -> str:
    """Article text made literal for st.markdown, keeping its line and paragraph breaks."""
    return "\n\n".join(md(p) for p in re.split(r"\s*\n\s*", text))


def highlighted(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The whole article, escaped, with the evidence sentences marked."""
    merged: list[list[int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        out.append(paragraphs(text[at:start]))
        out.append(" :orange-background[" + md(text[start:end]) + "] ")
        at = end
    out.append(paragraphs(text[at:]))
    return "".join(out)


def month_label(key: str) -> str:
    """'2024-09' as 'Sept 2024'."""
    month = filters.parse_month(key)
    return format_date(Event("other", month[0], month[1], None, "month")) if month else key


def newest_first(events: Sequence[Event], rank: dict[str, int] | None = None) -> list[Event]:
    """The events by date, newest first, undated last (`rank`: each key's place in that
    order, computed already)."""
    if rank is not None:
        return sorted(events, key=lambda e: rank[e.key])
    dated = [(filters.event_months(e), e) for e in events]
    return [e for m, e in sorted(dated, key=lambda d: d[0] or ((0, 0), (0, 0)), reverse=True)]


# ---------------------------------------------------------------------------- page


def static_url() -> str:
    """Where Streamlit serves ./static, honouring server.baseUrlPath."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static" if base else "/app/static"


class Options:
    """What the filters can choose from: the stored events' types, countries, series, span."""

    def __init__(self, events: Sequence[Event]) -> None:
        kinds = {e.type for e in events}
        self.types = [t for t in EVENT_TYPES if t in kinds] + sorted(kinds - set(EVENT_TYPES))
        self.countries = sorted({c for e in events for c in e.participants})
        self.series = dict(filters.series_counts(events))
        self.span = filters.month_span(events)
        self.unit = timeline_unit(self.span)
        self.months = (
            [filters.month_key(m) for m in filters.months_between(*self.span)] if self.span else []
        )

    def bounds(self) -> tuple[int, int] | tuple[str, str] | None:
        """The widest value of the date widget."""
        if self.span is None:
            return None
        if self.unit == "month":
            return self.months[0], self.months[-1]
        return self.span[0][0], self.span[1][0]


DATE_KEYS = {"year": "years", "month": "months"}


def clamp_period(value: tuple, options: Options) -> tuple:
    """A (low, high) date widget value kept within what the data spans."""
    bounds = options.bounds()
    assert bounds is not None
    low, high = sorted(value)
    low = min(max(low, bounds[0]), bounds[1])
    high = min(max(high, bounds[0]), bounds[1])
    return (low, high)


def period_value(start: Month | None, end: Month | None, options: Options) -> tuple:
    """The date widget value of a span of months (None ends: as far as the data goes)."""
    bounds = options.bounds()
    assert bounds is not None
    if options.unit == "month":
        low = filters.month_key(start) if start else bounds[0]
        high = filters.month_key(end) if end else bounds[1]
    else:
        low = start[0] if start else bounds[0]
        high = end[0] if end else bounds[1]
    return clamp_period((low, high), options)


def seed_widgets(view: View, options: Options) -> None:
    """Put a view (read from the URL) into the widgets' state, dropping what no longer fits."""
    state = st.session_state
    if options.span is not None:
        state[DATE_KEYS[options.unit]] = period_value(view.start, view.end, options)
    state["types"] = (
        list(options.types) if view.types is None else [t for t in view.types if t in options.types]
    )
    state["countries"] = [c for c in view.countries if c in options.countries]
    pair = view.pair if view.pair and view.pair[0] in options.countries else None
    state["pair_a"] = pair[0] if pair else NONE
    state["pair_b"] = pair[1] if pair and pair[1] in [ANY, *options.countries] else ANY
    state["series"] = [s for s in view.series if s in options.series]
    state["q"] = view.text
    state["undated"] = view.include_undated
    state["hide_country"] = view.hide_country_level
    # A first run keeps a selection made before it (tests do that); later, the URL decides.
    state["selected"] = (
        view.event if "_url_written" in state else view.event or state.get("selected")
    )


def keep_widgets_in_bounds(options: Options) -> None:
    """New data can widen the span or add a type: a widget showing all keeps showing all."""
    state = st.session_state
    bounds = options.bounds()
    before_bounds, before_types = state.get("_options", (None, None))
    state["_options"] = (bounds, list(options.types))
    if bounds is not None:
        key = DATE_KEYS[options.unit]
        value = state.get(key)
        if value is None or (before_bounds is not None and tuple(value) == tuple(before_bounds)):
            state[key] = bounds
        else:
            try:
                state[key] = clamp_period(tuple(value), options)
            except (TypeError, ValueError):  # the widget changed kind (years <-> months)
                state[key] = bounds
    types = state.get("types")
    if types is None or (before_types is not None and set(types) == set(before_types)):
        state["types"] = list(options.types)
    else:
        state["types"] = [t for t in types if t in options.types]


def view_from_widgets(options: Options) -> View:
    """The view the widgets show."""
    state = st.session_state
    start = end = None
    bounds = options.bounds()
    if bounds is not None:
        low, high = state[DATE_KEYS[options.unit]]
        if options.unit == "month":
            start = filters.parse_month(low) if low != bounds[0] else None
            end = filters.parse_month(high, last=True) if high != bounds[1] else None
        else:
            start = (low, 1) if low != bounds[0] else None
            end = (high, 12) if high != bounds[1] else None
    types = tuple(state["types"])
    pair_a = state.get("pair_a") or NONE
    return View(
        start=start,
        end=end,
        types=None if set(types) == set(options.types) else types,
        countries=tuple(state.get("countries") or ()),
        include_undated=bool(state.get("undated", True)),
        hide_country_level=bool(state.get("hide_country", False)),
        text=" ".join(str(state.get("q") or "").split()),
        series=tuple(state.get("series") or ()),
        pair=(pair_a, state.get("pair_b") or ANY) if pair_a else None,
        event=state.get("selected"),
    )


def reset_filters(options: Options) -> None:
    """Back to everything (keeps the selected event)."""
    selected = st.session_state.get("selected")
    seed_widgets(View(event=selected), options)


def sidebar_filters(options: Options) -> None:
    """The filter widgets; their values live in st.session_state under their keys."""
    st.sidebar.header("Filters")
    bounds = options.bounds()
    if bounds is None:
        st.sidebar.caption("No event is dated.")
    elif bounds[0] == bounds[1]:
        st.sidebar.caption(f"All dated events are from {md(month_label(str(bounds[0])))}.")
    elif options.unit == "month":
        st.sidebar.select_slider(
            "Months",
            options=options.months,
            format_func=month_label,
            key="months",
            help="Events that may have happened in these months (a year-only date counts "
            "for every month of its year). Brush the timeline to set it.",
        )
    else:
        st.sidebar.slider(
            "Years",
            min_value=int(bounds[0]),
            max_value=int(bounds[1]),
            key="years",
            help="Brush the timeline under the map to set it.",
        )
    st.sidebar.multiselect(
        "Event types", options.types, format_func=type_label, key="types", placeholder="No type"
    )
    st.sidebar.text_input(
        "Search",
        key="q",
        placeholder="Words in excerpts, titles, places",
        help="Events whose sentences, article titles, place names or exercise name contain "
        "every word.",
    )
    st.sidebar.multiselect(
        "Participant countries",
        options.countries,
        placeholder="All countries",
        key="countries",
        help="Events with at least one of these participants.",
    )
    left, right = st.sidebar.columns(2)
    left.selectbox(
        "Partners",
        [NONE, *options.countries],
        format_func=lambda c: c or "Any",
        key="pair_a",
        help="Events in which this country takes part together with the other.",
    )
    right.selectbox(
        "with",
        [ANY, *options.countries],
        format_func=lambda c: "any other" if c == ANY else c,
        key="pair_b",
        disabled=not st.session_state.get("pair_a"),
    )
    if options.series:
        st.sidebar.multiselect(
            "Named exercise",
            list(options.series),
            format_func=lambda s: f"{s} ({options.series.get(s, 0)})",
            key="series",
            placeholder="Any",
            help="Events of a named exercise series, whatever the year.",
        )
    st.sidebar.checkbox(
        "Include undated events",
        key="undated",
        help="Events whose year the article does not give.",
    )
    st.sidebar.checkbox(
        "Hide events placed only at country level",
        key="hide_country",
        help="Events whose text names no place closer than a whole country "
        "(drawn as the country's shape).",
    )
    st.sidebar.button(
        "Show everything",
        on_click=reset_filters,
        args=(options,),
        icon=":material/filter_alt_off:",
        key="reset",
        width="stretch",
    )


def url_query() -> dict[str, list[str]]:
    """The address bar's query parameters, every value a list."""
    return {k: st.query_params.get_all(k) for k in st.query_params}


def sync_url(view: View) -> None:
    """Write the view into the address bar, only when it changed (each change is a history
    entry)."""
    wanted = filters.to_query(view)
    normal = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    if url_query() != normal:
        st.query_params.from_dict(wanted)
    st.session_state["_url_written"] = normal


# ---------------------------------------------------------------------------- panels


def event_table(events: Sequence[Event]) -> pd.DataFrame:
    """One row per event, plain strings only."""
    return pd.DataFrame(
        {
            "Type": [type_label(e.type) for e in events],
            "Date": [format_date(e) for e in events],
            "Name": [e.name for e in events],
            "Status": [e.status for e in events],
            "Places": ["; ".join(p.name for p in e.places) for e in events],
            "Participants": [", ".join(e.participants) for e in events],
            "Excerpt": [e.excerpt for e in events],
            "Sources": [len(e.sources) for e in events],
            "Review": [e.review for e in events],
        }
    )


def select(ref: str | None) -> None:
    """Select an event (a callback: runs before the page is drawn)."""
    st.session_state["selected"] = ref


def on_map_click() -> None:
    """A click on a marker or an area selects its event (the popup names it)."""
    value = st.session_state.get("event_map") or {}
    ref = clicked_event_key(value.get("last_object_clicked_popup"))
    if ref:
        st.session_state["selected"] = ref


def on_row_selected(key: str) -> None:
    """A row picked in a table selects its event."""
    rows = list(getattr(getattr(st.session_state.get(key), "selection", None), "rows", []) or [])
    refs = st.session_state.get(f"_{key}_refs") or []
    if rows and rows[0] < len(refs):
        st.session_state["selected"] = refs[rows[0]]


def on_brush(options: Options) -> None:
    """A span brushed on the timeline becomes the date filter; clearing it shows all time."""
    if options.span is None:
        return
    months = brushed_months((st.session_state.get("timeline") or {}).get("selection"), options.unit)
    key = DATE_KEYS[options.unit]
    if months is None:
        st.session_state[key] = options.bounds()
    else:
        st.session_state[key] = period_value(months[0], months[1], options)


def review_list(events: Sequence[Event]) -> None:
    """The events whose place looks implausible, for an analyst to check."""
    flagged = [e for e in events if e.review]
    with st.expander(f"For review ({len(flagged)})", icon=":material/flag:", expanded=False):
        if not flagged:
            st.caption("No event is marked for review.")
        for event in flagged[:REVIEW_LIMIT]:
            where = "; ".join(p.place.name or p.name for p in event.places) or "no place"
            st.button(
                f"{md(type_label(event.type))} · {md(format_date(event))} · {md(where)}: "
                f"{md(event.review)}",
                key=f"review_{event.key}",
                on_click=select,
                args=(event.key,),
                type="tertiary",
            )
        if len(flagged) > REVIEW_LIMIT:
            st.caption(f"and {len(flagged) - REVIEW_LIMIT} more (see the table)")


def rejected_list(events: Sequence[Event]) -> None:
    """The events analysts rejected: hidden everywhere else, listed here to look at or undo."""
    if not events:
        return
    with st.expander(f"Rejected ({len(events)})", icon=":material/block:", expanded=False):
        for event in events[:REVIEW_LIMIT]:
            where = "; ".join(p.place.name or p.name for p in event.places) or "no place"
            st.button(
                f"{md(type_label(event.type))} · {md(format_date(event))} · {md(where)}",
                key=f"rejected_{event.key}",
                on_click=select,
                args=(event.key,),
                type="tertiary",
            )


def events_list(events: Sequence[Event], rank: dict[str, int] | None = None) -> None:
    """The events in view, newest first, one line each; picking one opens its details."""
    ordered = (
        heapq.nsmallest(LIST_LIMIT, events, key=lambda e: rank[e.key])
        if rank is not None
        else newest_first(events)[:LIST_LIMIT]
    )
    st.markdown(f"**Events in view** · {len(events)}, newest first")
    st.caption(
        "Pick a row, or click a marker or an area on the map, to see the event. "
        "\\* date assumed from the publication date."
    )
    st.session_state["_list_refs"] = [e.key for e in ordered]
    st.dataframe(
        pd.DataFrame(
            {
                "Type": [type_label(e.type) for e in ordered],
                "Date": [format_date(e, assumed="*") for e in ordered],
                "Place": [
                    "; ".join(p.place.name or p.name for p in e.places) or "—" for e in ordered
                ],
                "Outlet": [
                    ", ".join(dict.fromkeys(s.source for s in e.sources if s.source)) or "—"
                    for e in ordered
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        height=PANEL_HEIGHT - 170,
        column_config={
            "Type": st.column_config.TextColumn(width=80),
            "Date": st.column_config.TextColumn(width=95),
            "Place": st.column_config.TextColumn(width=110),
            "Outlet": st.column_config.TextColumn(width=80),
        },
        on_select=partial(on_row_selected, "list"),
        selection_mode="single-row",
        key="list",
    )
    if len(events) > LIST_LIMIT:
        st.caption(f"The newest {LIST_LIMIT} are listed; narrow the filters to see others.")


def details_panel(event: Event, store: Store, *, shown: bool, events: Sequence[Event]) -> None:
    """Everything known about the selected event, article text escaped."""
    st.button(
        "Back to the list", on_click=select, args=(None,), icon=":material/arrow_back:", key="back"
    )
    colour = BADGE_COLOURS.get(event.type, "gray")
    st.markdown(f"### :{colour}[●] {md(type_label(event.type))} · {md(format_date(event))}")
    if is_rejected(event):
        st.error("Rejected by an analyst: hidden from the map, the list and the exports.")
    elif not shown:
        st.caption("Hidden by the current filters.")
    fixed = getattr(event, "corrected", ())
    if fixed:
        st.caption(f"Corrected: {md(', '.join(fixed))} (see the history below).")
    if event.name:
        st.markdown(f"**{md(event.name)}**")
    if event.review:
        st.warning(f"For review: {md(event.review)}", icon=":material/flag:")
    facts = [f"**When:** {md(date_phrase(event))}", f"**Status:** {md(event.status)}"]
    if event.trigger:
        facts.append(f"**Trigger:** {md(event.trigger)}")
    st.markdown("  \n".join(facts))
    lines = []
    for p in event.places:
        named = f" :gray[(“{md(p.name)}”)]" if p.name != p.place.name else ""
        lines.append(
            f"- **{md(place_phrase(p))}**{named} :gray[{md(place_kind(p))} · "
            f"{p.place.lat:.4f}, {p.place.lon:.4f} · {md(p.place.id)}]"
        )
    st.markdown(f"**Places ({len(event.places)})**  \n" + "\n".join(lines))
    st.markdown(f"**Participants:** {md(', '.join(event.participants)) or '—'}")
    if event.roles:
        roles = " · ".join(f"{md(role)} {md(country_name(code))}" for role, code in event.roles)
        st.markdown(f"**Roles:** {roles}")
    if event.why:
        st.markdown(
            "**Rules that fired:** " + ", ".join(f":gray-background[{md(r)}]" for r in event.why)
        )
    st.markdown(f"**{md(reported_by(event))}**")
    by_article: dict[str, list] = {}
    for source in event.sources:
        by_article.setdefault(source.article_key or source.article, []).append(source)
    for sources in by_article.values():
        first = sources[0]
        with st.container(border=True):
            meta = [first.source, format_published(first.published)]
            st.markdown(
                f"**{md(first.title or first.article)}**  \n"
                + md(" · ".join(m for m in meta if m))
                + f"  \n:gray[{md(first.article)}]"
                + (f" :gray[· {len(sources)} sentences]" if len(sources) > 1 else "")
            )
            for source in sources:
                st.markdown(f"> {md(source.excerpt)}")
    reader(event, store)
    corrections_panel(event, store, events)
    st.caption(f"Event ref {event.key}")


def corrections_panel(event: Event, store: Store, events: Sequence[Event]) -> None:
    """Correct the event (reject it, change its type, date or place, merge another event into
    it, split an article off it) and see its history."""
    every = store.corrections()
    history = [c for c in every if c.event_key == event.key or split_from(c) == event.key]
    count = f" · {plural(len(history), 'correction')}" if history else ""
    with st.expander(f"Correct this event{count}", icon=":material/edit:"):
        who = st.text_input(
            "Your name",
            value=st.session_state.get("_who", ""),
            key=f"who_{event.key}",
            help="Stored with each correction; remembered for this session.",
        ).strip()
        if who:
            st.session_state["_who"] = who
        actions = ["Reject", "Type", "Date", "Place", "Merge"]
        if len({s.article_key for s in event.sources}) > 1:
            actions.append("Split")
        action = st.radio(
            "Change",
            actions,
            horizontal=True,
            key=f"fix_{event.key}",
            label_visibility="collapsed",
        )
        after: object = None
        before: object = None
        field = action.lower()
        if action == "Reject":
            field, after = "rejected", not is_rejected(event)
        elif action == "Type":
            types = list(EVENT_TYPES) + ([event.type] if event.type not in EVENT_TYPES else [])
            after = st.selectbox(
                "Type",
                types,
                index=types.index(event.type),
                format_func=type_label,
                key=f"fix_type_{event.key}",
            )
        elif action == "Date":
            after = date_inputs(event)
        elif action == "Place":
            after = place_inputs(event)
        elif action == "Merge":
            after = merge_inputs(event, events)
            before = None if after is None else {**after, "merged": False}
        else:
            after = split_inputs(event)
            before = None if after is None else {"article_key": after, "split": False}
        note = st.text_input("Note (optional)", key=f"fix_note_{event.key}")
        label = {
            "Reject": "Undo the rejection" if is_rejected(event) else "Reject this event",
            "Merge": "Merge the chosen event into this one",
            "Split": "Split the chosen article off",
        }.get(action, "Save the correction")
        if field not in ("merge", "split"):
            before = current_value(event, field)
        unchanged = after is None or after == before
        if st.button(
            label,
            key=f"fix_save_{event.key}",
            type="primary",
            disabled=not who or unchanged,
            help=None if who else "Give your name first.",
        ):
            try:
                if field == "split":
                    with st.spinner("Reading the article again…"):
                        after = split_value(
                            event, str(after), extracted=reread(event, str(after), store)
                        )
                store.add_correction(Correction(event.key, field, before, after, who, "", note))
            except GeoError as exc:  # a correction refused, or the article could not be read
                st.error(md(str(exc)))
            else:
                done = {
                    "rejected": "Rejected" if after else "Rejection undone",
                    "merge": "Merged",
                    "split": "Article split off into an event of its own",
                }
                st.toast(md(done.get(field, f"{field.capitalize()} corrected")))
                st.rerun()
        undo_controls(event, every, store, who=who)
        if history:
            st.markdown("**History**")
            for c in reversed(history):
                line = (
                    f"{md(c.at.replace('T', ' ').removesuffix('+00:00'))} UTC · **{md(c.who)}** · "
                )
                line += md(describe(c)) + (f" · :gray[{md(c.note)}]" if c.note else "")
                st.markdown(line)


def split_from(correction: Correction) -> str | None:
    """The key of the event a split made, when the correction is a split."""
    after = correction.after if isinstance(correction.after, dict) else {}
    return after.get("key") if correction.field == "split" and after.get("split") else None


def event_line(event: Event, *, ref: bool = True) -> str:
    """One line naming an event: type, date, places, outlets and its ref (plain text)."""
    where = "; ".join(p.place.name or p.name for p in event.places) or "no place"
    outlets = ", ".join(dict.fromkeys(s.source for s in event.sources if s.source)) or "—"
    line = f"{type_label(event.type)} · {format_date(event)} · {where} · {outlets}"
    return line + (f" · ref {event.key}" if ref else "")


def merge_inputs(event: Event, events: Sequence[Event]) -> dict | None:
    """The widgets of a merge: a search by ref or words, and the other event to merge in
    (among `events`, the page's corrected events, read once per change of the database)."""
    query = st.text_input(
        "Find the other event",
        key=f"fix_merge_q_{event.key}",
        placeholder="its ref, or words from its sentences, titles or places",
    ).strip()
    others = [e for e in events if e.key != event.key and not is_rejected(e)]
    words = query.casefold().split()
    if words:
        others = [
            e
            for e in others
            if e.key.startswith(query.casefold()) or all(w in filters.search_text(e) for w in words)
        ]
    # Like this one first: the same type, then the nearest year.
    others.sort(key=lambda e: (e.type != event.type, abs((e.year or 0) - (event.year or 0))))
    if not others:
        st.caption("No other event matches." if words else "There is no other event.")
        return None
    shown = others[:MERGE_CHOICES]
    chosen = st.selectbox(
        f"Event to merge in ({len(others)} found"
        + (f", the first {MERGE_CHOICES} listed)" if len(others) > MERGE_CHOICES else ")"),
        shown,
        format_func=event_line,
        key=f"fix_merge_{event.key}_{query}",
    )
    st.caption(
        md(f"“{chosen.excerpt}”")
        + " The chosen event's sources, places and participants join this one, "
        "and it leaves the map, the list and the exports."
    )
    return merge_value(chosen.key, label=event_line(chosen, ref=False))


def split_inputs(event: Event) -> str | None:
    """The widgets of a split: the article to make an event of its own. Its key."""
    articles: dict[str, list] = {}
    for source in event.sources:
        articles.setdefault(source.article_key, []).append(source)
    chosen = st.selectbox(
        "Article to split off",
        list(articles),
        format_func=lambda k: (
            f"{articles[k][0].title or articles[k][0].article}"
            + (f" · {articles[k][0].source}" if articles[k][0].source else "")
            + f" · {plural(len(articles[k]), 'sentence')}"
        ),
        key=f"fix_split_{event.key}",
    )
    st.caption(
        "The article's sentences leave this event and become an event of their own, with "
        "the places and date the article gives."
    )
    return chosen


def reread(event: Event, article_key: str, store: Store) -> list[Event]:
    """article_events, with a failure to read the article again said as a GeoError."""
    try:
        return article_events(event, article_key, store)
    except GeoError:
        raise
    except Exception as exc:  # noqa: BLE001 - spaCy or the gazetteer failed on this text
        raise GeoError(
            f"The article could not be read again ({type(exc).__name__}: {exc}); "
            "nothing was changed."
        ) from exc


def article_events(event: Event, article_key: str, store: Store) -> list[Event]:
    """The events a fresh extraction finds in one article of the event (none when its text
    is not stored, as for an imported article)."""
    from geo.pipeline import Pipeline  # loads spaCy: only when an article is split off

    text = store.article_text(article_key)
    first = next(s for s in event.sources if s.article_key == article_key)
    if not text:
        return []
    article = Article(
        first.article,
        text,
        first.title,
        first.source,
        published=first.published,
        published_how="metadata" if first.published else "unknown",
    )
    return Pipeline(get_geoparser()).process(article)


def undo_controls(event: Event, every: Sequence[Correction], store: Store, *, who: str) -> None:
    """A button per merge and split in force on this event, to undo it."""
    for c in in_force(every):
        after = dict(c.after)
        if c.event_key == event.key and c.field == "merge":
            text = f"Undo the merge with {after.get('label') or after['with']}"
            after["merged"] = False
        elif c.field == "split" and event.key in (c.event_key, after.get("key")):
            text = f"Undo the split of {after.get('label') or after['article_key']}"
            after = {k: v for k, v in after.items() if k != "event"} | {"split": False}
        else:
            continue
        if st.button(
            md(text),
            key=f"undo_{c.id}",
            icon=":material/undo:",
            disabled=not who,
            help=None if who else "Give your name first.",
        ):
            store.add_correction(Correction(c.event_key, c.field, c.after, after, who, ""))
            if c.field == "split" and event.key != c.event_key:
                select(c.event_key)  # the split-off event is gone: show the one it came from
            st.toast("Undone")
            st.rerun()


def date_inputs(event: Event) -> dict | None:
    """The widgets of a date correction; the new date, or None while it is not valid."""
    left, middle, right = st.columns(3)
    year = left.number_input(
        "Year",
        min_value=1900,
        max_value=2100,
        value=event.year or 2000,
        step=1,
        key=f"fix_year_{event.key}",
    )
    months = [0, *range(1, 13)]
    month = middle.selectbox(
        "Month",
        months,
        index=months.index(event.month or 0) if (event.month or 0) in months else 0,
        format_func=lambda m: "—" if not m else FULL_MONTH_NAMES[m - 1],
        key=f"fix_month_{event.key}",
    )
    day = right.number_input(
        "Day (0: not known)",
        min_value=0,
        max_value=31,
        value=(event.day or 0) if event.precision == "day" else 0,
        step=1,
        key=f"fix_day_{event.key}",
    )
    end = st.text_input(
        "Until (optional: YYYY, YYYY-MM or YYYY-MM-DD)",
        value=event.end or "",
        key=f"fix_end_{event.key}",
    ).strip()
    if day and not month:
        st.caption(":red[A day needs a month.]")
        return None
    if end and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", end):
        st.caption(":red[Write the end as 2024, 2024-08 or 2024-08-17.]")
        return None
    precision = "day" if day else "month" if month else "year"
    return {
        "year": int(year),
        "month": int(month) or None,
        "day": int(day) or None,
        "precision": precision,
        "end": end or None,
    }


def place_inputs(event: Event) -> list | None:
    """The widgets of a place correction: a name, and the gazetteer's places of that name."""
    first = event.places[0].name if event.places else ""
    name = st.text_input(
        "Place name",
        value=first,
        key=f"fix_place_{event.key}",
        help="The gazetteer's places of this name, best first; type another name to search.",
    ).strip()
    if not name:
        return None
    candidates = get_gazetteer().candidates(name, limit=8)
    if not candidates:
        st.caption(f":red[The gazetteer knows no place called {md(name)}.]")
        return None
    chosen = st.selectbox(
        "Place",
        candidates,
        format_func=lambda p: (
            f"{p.name} · {p.feature}{f', {p.country}' if p.country else ''} "
            f"({p.lat:.2f}, {p.lon:.2f})"
        ),
        key=f"fix_candidate_{event.key}_{name}",
    )
    return [place_value(EventPlace(name, chosen))]


def reader(event: Event, store: Store) -> None:
    """The article text of one source at a time, every sentence the event cites marked."""
    articles: dict[str, list] = {}
    for source in event.sources:
        articles.setdefault(source.article_key, []).append(source)
    if not articles:
        return
    with st.expander("Read the article, sentences marked", icon=":material/article:"):
        keys = list(articles)
        key = keys[0]
        if len(keys) > 1:
            key = st.selectbox(
                "Article",
                keys,
                format_func=lambda k: (
                    f"{articles[k][0].title or articles[k][0].article}"
                    + (f" · {articles[k][0].source}" if articles[k][0].source else "")
                ),
                key=f"reader_{event.key}",
            )
        text = store.article_text(key)
        if text:
            st.markdown(highlighted(text, [(s.start, s.end) for s in articles[key]]))


def add_articles(store: Store) -> None:
    """The upload form: saves the files to a temporary folder and ingests them."""
    with st.sidebar.expander("Add articles", icon=":material/upload_file:"):
        generation = st.session_state.setdefault("upload_generation", 0)
        files = st.file_uploader(
            "Article files",
            type=UPLOAD_TYPES,
            accept_multiple_files=True,
            key=f"uploads_{generation}",
            help="Plain text, Markdown or HTML articles (a .meta.json "
            "beside a text file gives its title, source and date), "
            "or JSON Lines / CSV with one article per record.",
        )
        if st.button("Ingest", disabled=not files, type="primary", key="ingest"):
            with tempfile.TemporaryDirectory(prefix="geo-upload-") as folder:
                paths = []
                for upload in files:
                    path = Path(folder) / Path(upload.name).name
                    path.write_bytes(upload.getvalue())
                    paths.append(path)
                ingested = run_ingest(paths, store, label="Adding articles…")
            st.session_state["last_report"] = ingested
            st.session_state["upload_generation"] = generation + 1
            st.rerun()
    with st.sidebar.expander("Paste an article", icon=":material/content_paste:"):
        with st.form("paste", clear_on_submit=True, border=False):
            text = st.text_area("Article text", height=160, key="paste_text")
            title = st.text_input("Title", key="paste_title")
            outlet = st.text_input("Source (outlet)", key="paste_source")
            url = st.text_input("URL", key="paste_url")
            published = st.date_input("Published", value=None, key="paste_published")
            submitted = st.form_submit_button("Ingest the text", type="primary")
        if submitted and text.strip():
            name = f"pasted-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:10]}.txt"
            meta = {"title": title, "source": outlet, "url": url}
            if published:
                meta["published"] = published.isoformat()
            with tempfile.TemporaryDirectory(prefix="geo-paste-") as folder:
                path = Path(folder) / name
                path.write_text(text, encoding="utf-8")
                path.with_suffix(".meta.json").write_text(
                    json.dumps({k: v for k, v in meta.items() if v}), encoding="utf-8"
                )
                ingested = run_ingest([path], store, label="Adding the pasted article…")
            st.session_state["last_report"] = ingested
            # Select the newest event the article reports, so that it shows at once.
            found = [
                e for e in store.events() if any(source.article == name for source in e.sources)
            ]
            if found:
                st.session_state["selected"] = newest_first(found)[0].key
            st.rerun()
        elif submitted:
            st.caption(":red[Paste the article's text first.]")
    report: IngestReport | None = st.session_state.get("last_report")
    if report is not None:
        with st.sidebar.expander("Last upload", expanded=True, icon=":material/fact_check:"):
            st.markdown(
                f"**{len(report.added)} added** · {len(report.unchanged)} unchanged · "
                f"{len(report.rejected)} rejected · {plural(report.events, 'event')}"
            )
            for name in report.added:
                st.markdown(f":green[added] {md(name)}")
            for name in report.unchanged:
                st.markdown(f":gray[unchanged] {md(name)}")
            for rejection in report.rejected:
                st.markdown(
                    f":red[rejected] {md(Path(rejection.path).name)}: {md(rejection.reason)}"
                )


def downloads(events: Sequence[Event]) -> None:
    """Export buttons for the events currently shown."""
    st.sidebar.header("Export")
    fmt = st.sidebar.radio(
        "Format", list(EXPORTS), horizontal=True, key="export_format", label_visibility="collapsed"
    )
    name, mime = EXPORTS[fmt]
    # Written when the button is clicked, not on every rerun (seconds at 50,000 events).
    data = {
        "CSV": lambda: to_csv(events),
        "GeoJSON": lambda: json.dumps(to_geojson(events), ensure_ascii=False),
        "JSON Lines": lambda: to_jsonl(events),
    }[fmt]
    st.sidebar.download_button(
        f"Download the {plural(len(events), 'shown event')}",
        data,
        name,
        mime,
        icon=":material/download:",
        disabled=not events,
        width="stretch",
        key="download",
    )


def timeline(
    events: Sequence[Event], options: Options, view: View, counted: tuple | None = None
) -> None:
    """Events per month or year, stacked by type, under the map; brushing sets the dates.
    `counted`: geo.timeline's counts of the events, computed already."""
    frame, left_out = counted or timeline_counts(events, options.unit)
    selected = (
        None
        if view.start is None and view.end is None
        else (view.start or options.span[0], view.end or options.span[1])  # type: ignore[index]
    )
    chart = timeline_chart(
        frame, unit=options.unit, span=options.span, selected=selected, height=TIMELINE_HEIGHT
    )
    st.altair_chart(
        chart,
        on_select=partial(on_brush, options),
        selection_mode=BRUSH,
        key="timeline",
        width="stretch",
    )
    per = "month" if options.unit == "month" else "year"
    note = f"Events per {per} under the other filters; brush a span to show only it."
    if left_out:
        note += f" Not drawn: {left_out} " + (
            "undated or dated by year only." if options.unit == "month" else "undated."
        )
    st.caption(note)


def metrics(
    events: Sequence[Event], total: int, title: str, points_of: dict[str, int] | None = None
) -> None:
    """The heading and the counts of what is shown (`points_of`: each event's point places,
    counted already)."""
    if points_of is None:
        points_of = {e.key: sum(p.precision == "point" for p in e.places) for e in events}
    points = sum(points_of.get(e.key, 0) for e in events)
    areas = sum(len(e.places) for e in events) - points
    dated = [e.year for e in events if e.year is not None]
    head = st.columns([3, 1, 1, 1, 1], vertical_alignment="center")
    head[0].markdown(f"#### {md(title)}")
    head[0].caption(
        f"{len(events)} of {total} events shown · {plural(points, 'point')} (towns, bases, "
        f"ports) as markers, {plural(areas, 'area')} (seas, regions, countries) as areas"
    )
    head[1].metric("Events shown", len(events), help="Events that pass the filters.")
    head[2].metric(
        "Places",
        points + areas,
        help=f"{plural(points, 'marker')} and {plural(areas, 'area')}: one per event place.",
    )
    head[3].metric(
        "Articles",
        len({s.article_key for e in events for s in e.sources}),
        help="Articles reporting the shown events.",
    )
    span = (
        "—"
        if not dated
        else str(min(dated))
        if min(dated) == max(dated)
        else f"{min(dated)}–{max(dated)}"
    )
    head[4].metric("Years", span, help="The years of the shown dated events.")


def viewport(value: dict | None) -> tuple[Box | None, float]:
    """The part of the map in sight and its zoom, as the map last reported them (None
    before it has drawn)."""
    value = value or {}
    zoom = value.get("zoom")
    bounds = value.get("bounds") or {}
    try:
        south, west = bounds["_southWest"]["lat"], bounds["_southWest"]["lng"]
        north, east = bounds["_northEast"]["lat"], bounds["_northEast"]["lng"]
        box = Box(float(south), float(west), float(north), float(east))
    except (KeyError, TypeError, ValueError):
        box = None
    return box, float(zoom) if isinstance(zoom, (int, float)) else DEFAULT_ZOOM


@st.fragment
def event_map(target: str, revision: tuple[int, ...], view: View, counts: dict[str, int]) -> None:
    """The map: one base map per state of the database, and under it the layer of what is
    in sight (geo.mapdata: markers, or grid cells with counts, and the areas). Panning and
    zooming rerun only this; a click that selects an event reruns the page."""
    store, data = open_store(target), stored(target, revision)
    box, zoom = viewport(st.session_state.get("event_map"))
    shown = map_data(store, view, box, zoom, lookup=data.lookup, corrected=data.corrected)
    st_folium(
        base_map(data.basis, static_url=static_url()),
        feature_group_to_add=event_layer(shown, counts, static_url=static_url()),
        key="event_map",
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=MAP_RETURNS,
        on_change=on_map_click,
    )
    if st.session_state.get("selected") != st.session_state.get("_selected_drawn"):
        st.rerun()  # a click selected an event: the details panel beside the map shows it


def main() -> None:
    title = os.environ.get(config.ENV_TITLE) or config.APP_TITLE
    st.set_page_config(
        page_title=title, page_icon="🌏", layout="wide", initial_sidebar_state="expanded"
    )
    st.html(PAGE_CSS)
    target = os.environ.get(config.ENV_DB) or str(config.DEFAULT_DB)
    store = open_store(target)

    # Always present, so that what follows keeps its place in the page between runs: a
    # component that moves is mounted afresh, and the map would lose its open popup.
    notices = st.container()
    seeds = Path(config.SEEDS_DIR)
    if store.article_count() == 0 and seeds.is_dir() and any(seeds.iterdir()):
        # First run (or an interrupted first run): ingesting is idempotent, so just go again.
        with notices:
            run_ingest([seeds], store, label="Building the event database from the seed articles…")

    data = stored(target, store.revision())
    every_stored, everything, options = data.events, data.live, data.options
    # The view comes from the URL on a session's first run, and again whenever the address
    # changed without this page writing it (the browser's back and forward buttons).
    query = url_query()
    if st.session_state.get("_url_written") != query:
        seed_widgets(filters.from_query(query), options)
    keep_widgets_in_bounds(options)

    st.sidebar.title(":material/public: Events map")
    st.sidebar.caption(
        "Exercises, joint patrols, meetings and arms deals reported in news "
        "articles, placed where they happened."
    )
    sidebar_filters(options)
    view = view_from_widgets(options)
    events = data.passing(store, view)
    dated = view.start is not None or view.end is not None or not view.include_undated
    timeless = data.passing(store, view, dates=False) if dated else events  # the timeline's
    add_articles(store)
    downloads(events)
    st.sidebar.caption(
        f"Database: {md(database_name(target))} · {store.article_count()} articles · "
        f"{store.event_count()} events"
    )

    metrics(events, len(everything), title, data.points)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.session_state["_selected_drawn"] = st.session_state.get("selected")
        event_map(target, store.revision(), view, dict(Counter(e.type for e in events)))
        timeline(timeless, options, view, data.timeline_counts(timeless, view, options.unit))
    with right, st.container(height=PANEL_HEIGHT, border=False):
        review_list(everything)
        rejected_list(data.rejected)
        wanted = st.session_state.get("selected")
        selected = next((e for e in every_stored if e.key == wanted), None) if wanted else None
        if selected is None and wanted:
            # A link made before: the event has a new key since more reports joined it, or
            # it was merged into another event.
            now = store.current_key(wanted) or wanted
            now = merged_into(store.corrections(), now) or now
            if now != wanted:
                st.session_state["selected"] = now
                selected = next((e for e in every_stored if e.key == now), None)
        if selected is None:
            st.session_state["selected"] = None
            events_list(events, data.newest)
        else:
            details_panel(
                selected,
                store,
                shown=any(e.key == selected.key for e in events),
                events=every_stored,
            )
    with st.expander(
        f"Table of the {len(events)} shown events", expanded=False, icon=":material/table_rows:"
    ):
        listed = events[:TABLE_LIMIT]
        if len(events) > TABLE_LIMIT:
            st.caption(f"The first {TABLE_LIMIT} are shown; the downloads have all of them.")
        st.session_state["_table_refs"] = [e.key for e in listed]
        st.dataframe(
            event_table(listed),
            hide_index=True,
            width="stretch",
            on_select=partial(on_row_selected, "table"),
            selection_mode="single-row",
            key="table",
        )
    sync_url(view_from_widgets(options))


main()
