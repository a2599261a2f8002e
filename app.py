"""The dashboard: news articles in, military-cooperation events on a map out.

    streamlit run app.py          # GEO_DB=path/to/events.db to use another database

Page layout only: extraction lives in geo.pipeline, queries in geo.store, the map in
geo.mapview, exports in geo.export. Article text is shown escaped, never as HTML.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import config
from geo.export import to_csv, to_geojson, to_jsonl
from geo.mapview import build_map, clicked_event_key, format_date, format_published, type_label
from geo.model import EVENT_TYPES, Event, IngestReport
from geo.store import Store

# What geo.articles reads; .json for the NAME.meta.json sidecars of text files.
UPLOAD_TYPES = ["txt", "md", "html", "htm", "jsonl", "csv", "tsv", "json"]
EXPORTS = {  # label -> (file name, MIME type)
    "CSV": ("events.csv", "text/csv"),
    "GeoJSON": ("events.geojson", "application/geo+json"),
    "JSON Lines": ("events.jsonl", "application/jsonl"),
}
MAP_HEIGHT = 640
# The nearest of Streamlit's named markdown colours to each marker colour.
BADGE_COLOURS = {
    "exercise": "orange",
    "patrol": "blue",
    "meeting": "green",
    "arms_deal": "violet",
    "other": "gray",
}
PAGE_CSS = """<style>
.block-container { padding-top: 2.2rem; padding-bottom: 1rem; }
[data-testid="stMetricValue"] { font-size: 1.7rem; }
</style>"""


# ---------------------------------------------------------------------------- resources


@st.cache_resource(show_spinner=False)
def open_store(path: str) -> Store:
    """One store per database file, shared by every session."""
    return Store(path)


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


# ---------------------------------------------------------------------------- page


def static_url() -> str:
    """Where Streamlit serves ./static, honouring server.baseUrlPath."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static" if base else "/app/static"


def sidebar_filters(store: Store) -> dict:
    """The filter widgets; returns keyword arguments for store.events."""
    facets = store.facets()
    st.sidebar.header("Filters")
    years = store.year_range()
    chosen_years = None
    if years is not None:
        low, high = years
        if low < high:
            chosen_years = st.sidebar.slider(
                "Years", min_value=low, max_value=high, value=(low, high), key="years"
            )
        else:
            st.sidebar.caption(f"All dated events are from {low}.")
            chosen_years = (low, high)
    type_options = [t for t in EVENT_TYPES if t in facets["types"]] + [
        t for t in facets["types"] if t not in EVENT_TYPES
    ]
    types = st.sidebar.multiselect(
        "Event types", type_options, default=type_options, format_func=type_label, key="types"
    )
    countries = st.sidebar.multiselect(
        "Participant countries",
        facets["countries"],
        placeholder="All countries",
        key="countries",
        help="Events with at least one of these participants.",
    )
    include_undated = st.sidebar.checkbox(
        "Include undated events",
        value=True,
        key="undated",
        help="Events whose year the article does not give.",
    )
    return {
        "years": chosen_years,
        "types": types,
        "countries": countries or None,
        "include_undated": include_undated,
    }


def event_table(events: Sequence[Event]) -> pd.DataFrame:
    """One row per event, plain strings only."""
    return pd.DataFrame(
        {
            "Type": [type_label(e.type) for e in events],
            "Date": [format_date(e) for e in events],
            "Status": [e.status for e in events],
            "Places": ["; ".join(p.name for p in e.places) for e in events],
            "Participants": [", ".join(e.participants) for e in events],
            "Excerpt": [e.excerpt for e in events],
            "Sources": [len(e.sources) for e in events],
        }
    )


def paragraphs(text: str) -> str:
    """Article text made literal for st.markdown, keeping its line and paragraph breaks."""
    return "\n\n".join(md(p) for p in re.split(r"\s*\n\s*", text))


def highlighted(text: str, start: int, end: int) -> str:
    """The whole article, escaped, with the evidence sentence marked."""
    return (
        paragraphs(text[:start])
        + " :orange-background["
        + md(text[start:end])
        + "] "
        + paragraphs(text[end:])
    )


def details_panel(event: Event | None, store: Store) -> None:
    """Everything known about the selected event, article text escaped."""
    if event is None:
        st.info(
            "Click a marker on the map, or a row of the table below, to see the event "
            "and every report of it here."
        )
        return
    colour = BADGE_COLOURS.get(event.type, "gray")
    st.markdown(f"### :{colour}[●] {md(type_label(event.type))} · {md(format_date(event))}")
    facts = [f"**Date precision:** {md(event.precision)}", f"**Status:** {md(event.status)}"]
    if event.date_source == "publication":
        facts.append("**Date:** not stated in the text; assumed from the publication date")
    if event.trigger:
        facts.append(f"**Trigger:** {md(event.trigger)}")
    st.markdown("  \n".join(facts))
    lines = []
    for p in event.places:
        resolved = f" → {md(p.place.name)}" if p.place.name != p.name else ""
        lines.append(
            f"- **{md(p.name)}**{resolved} :gray[({md(p.place.feature)}) "
            f"{p.place.lat:.4f}, {p.place.lon:.4f} · {md(p.place.id)}]"
        )
    st.markdown(f"**Places ({len(event.places)})**  \n" + "\n".join(lines))
    st.markdown(f"**Participants:** {md(', '.join(event.participants)) or '—'}")
    st.markdown(f"**Sources ({len(event.sources)})**")
    for source in event.sources:
        with st.container(border=True):
            st.markdown(f"> {md(source.excerpt)}")
            meta = [source.source, format_published(source.published)]
            st.markdown(
                f"**{md(source.title or source.article)}**  \n"
                + md(" · ".join(m for m in meta if m))
                + f"  \n:gray[{md(source.article)}]"
            )
            text = store.article_text(source.article_key)
            if text:
                with st.expander("Read the article, sentence marked"):
                    st.markdown(highlighted(text, source.start, source.end))
    st.caption(f"Event ref {event.key}")


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
    data = {
        "CSV": lambda: to_csv(events),
        "GeoJSON": lambda: json.dumps(to_geojson(events), ensure_ascii=False),
        "JSON Lines": lambda: to_jsonl(events),
    }[fmt]()
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


def selected_event(events: Sequence[Event], map_state: dict | None, table_state) -> Event | None:
    """The event chosen by the latest map click or table row, if it is still shown."""
    clicked = clicked_event_key((map_state or {}).get("last_object_clicked_popup"))
    if clicked and clicked != st.session_state.get("last_clicked"):
        st.session_state["last_clicked"] = clicked
        st.session_state["selected"] = clicked
    rows = list(getattr(getattr(table_state, "selection", None), "rows", []) or [])
    row_key = events[rows[0]].key if rows and rows[0] < len(events) else None
    if row_key and row_key != st.session_state.get("last_row"):
        st.session_state["last_row"] = row_key
        st.session_state["selected"] = row_key
    wanted = st.session_state.get("selected")
    return next((e for e in events if e.key == wanted), None)


def main() -> None:
    title = os.environ.get(config.ENV_TITLE) or config.APP_TITLE
    st.set_page_config(
        page_title=title, page_icon="🌏", layout="wide", initial_sidebar_state="expanded"
    )
    st.html(PAGE_CSS)
    db_path = Path(os.environ.get(config.ENV_DB) or config.DEFAULT_DB)
    store = open_store(str(db_path))

    # Always present, so that what follows keeps its place in the page between runs: a
    # component that moves is mounted afresh, and the map would lose its open popup.
    notices = st.container()
    seeds = Path(config.SEEDS_DIR)
    if store.article_count() == 0 and seeds.is_dir() and any(seeds.iterdir()):
        # First run (or an interrupted first run): ingesting is idempotent, so just go again.
        with notices:
            run_ingest([seeds], store, label="Building the event database from the seed articles…")

    st.sidebar.title(":material/public: Events map")
    st.sidebar.caption(
        "Exercises, joint patrols, meetings and arms deals reported in news "
        "articles, placed where they happened."
    )
    filters = sidebar_filters(store)
    events = store.events(**filters) if filters["types"] else []
    add_articles(store)
    downloads(events)
    st.sidebar.caption(
        f"Database: {md(db_path.name)} · {store.article_count()} articles · "
        f"{store.event_count()} events"
    )

    places = sum(len(e.places) for e in events)
    dated = [e.year for e in events if e.year is not None]
    st.markdown(f"#### {md(title)}")
    metrics = st.columns(4)
    metrics[0].metric("Events shown", len(events), help="Events that pass the filters.")
    metrics[1].metric("Places on the map", places, help="One marker per event place.")
    metrics[2].metric(
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
    metrics[3].metric("Years", span, help="The years of the shown dated events.")
    st.caption(f"{len(events)} of {store.event_count()} events shown")

    left, right = st.columns([5, 3], gap="medium")
    with left:
        # Only a click on a marker reruns the page; panning and zooming stay in the browser.
        map_state = st_folium(
            build_map(events, static_url=static_url()),
            key="event_map",
            height=MAP_HEIGHT,
            use_container_width=True,
            returned_objects=["last_object_clicked_popup"],
        )
    with st.expander(
        f"Table of the {len(events)} shown events", expanded=False, icon=":material/table_rows:"
    ):
        table_state = st.dataframe(
            event_table(events),
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="table",
        )
    with right:
        details_panel(selected_event(events, map_state, table_state), store)


main()
