"""The event store: SQLite behind one small interface; geo.store_pg puts PostgreSQL + PostGIS
behind the same one, and open_store picks between them by what --db / GEO_DB names."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from geo import StoreError, query
from geo.corrections import Correction, check, renamed
from geo.filters import View
from geo.model import Article, Event, EventPlace, Place, Source
from geo.query import AreaGroup, Box, Cell

# Numbered migrations: index i brings the schema from user_version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        key TEXT PRIMARY KEY,          -- sha256 of the text: re-ingesting is a no-op
        id TEXT NOT NULL,              -- file name or record id, what exports cite
        title TEXT, source TEXT, url TEXT,
        published TEXT, published_how TEXT NOT NULL,
        path TEXT, text TEXT NOT NULL,
        ingested_at TEXT NOT NULL
    );
    CREATE TABLE events (
        key TEXT PRIMARY KEY,
        type TEXT NOT NULL, year INTEGER, month INTEGER, day INTEGER,
        precision TEXT NOT NULL, status TEXT NOT NULL, trigger TEXT NOT NULL
    );
    CREATE INDEX events_year ON events(year);
    CREATE TABLE event_places (
        event_key TEXT NOT NULL REFERENCES events(key) ON DELETE CASCADE,
        ord INTEGER NOT NULL, name TEXT NOT NULL,
        place_id TEXT NOT NULL, place_name TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,
        feature TEXT NOT NULL, country TEXT, population INTEGER NOT NULL, geonameid INTEGER,
        PRIMARY KEY (event_key, ord)
    );
    CREATE TABLE event_participants (
        event_key TEXT NOT NULL REFERENCES events(key) ON DELETE CASCADE,
        ord INTEGER NOT NULL, country TEXT NOT NULL,
        PRIMARY KEY (event_key, ord)
    );
    CREATE INDEX event_participants_country ON event_participants(country);
    CREATE TABLE event_sources (
        event_key TEXT NOT NULL REFERENCES events(key) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        article_key TEXT NOT NULL REFERENCES articles(key),
        excerpt TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
        PRIMARY KEY (event_key, ord)
    );
    CREATE INDEX event_sources_article ON event_sources(article_key);
    """,
    """
    ALTER TABLE events ADD COLUMN date_source TEXT NOT NULL DEFAULT 'text';
    """,
    """
    ALTER TABLE events ADD COLUMN name TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN end_date TEXT;
    ALTER TABLE events ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE events ADD COLUMN why TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE events ADD COLUMN review TEXT NOT NULL DEFAULT '';
    """,
    # Analysts' corrections (geo.corrections). No foreign key to events: a correction names
    # the event by its extracted key and outlives re-ingests and rebuilds of the events.
    """
    CREATE TABLE IF NOT EXISTS corrections (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_key TEXT NOT NULL,
        field TEXT NOT NULL,
        before TEXT NOT NULL,          -- JSON
        after TEXT NOT NULL,           -- JSON
        who TEXT NOT NULL,
        at TEXT NOT NULL,              -- ISO 8601, UTC
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS corrections_event ON corrections(event_key);
    """,
    # Files read before (geo.articles.file_digest -> article key): a re-ingest of an
    # unchanged file skips reading and cleaning it.
    """
    CREATE TABLE IF NOT EXISTS files (
        digest TEXT PRIMARY KEY,
        article TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # Keys events had before ingest merged a new report into them (their key hashes their
    # date and places): a link to the old key still finds the event.
    """
    CREATE TABLE IF NOT EXISTS renamed_events (
        old TEXT PRIMARY KEY,
        new TEXT NOT NULL
    ) WITHOUT ROWID;
    """,
    # Nothing here: PostgreSQL's migration 7 is its spatial index for the map's box, which
    # SQLite answers by scanning. Kept so that both stores' schema numbers mean the same.
    "",
    # The divisions an event's place lies in (Place.admin1, Place.admin2): what "is inside"
    # (geo.gazetteer.within) reads when events read back from the store are merged.
    """
    ALTER TABLE event_places ADD COLUMN admin1 TEXT;
    ALTER TABLE event_places ADD COLUMN admin2 TEXT;
    """,
)
ADD_COLUMN = re.compile(r"\s*ALTER TABLE (?P<table>\w+) ADD COLUMN (?P<column>\w+)", re.IGNORECASE)
EVENT_COLUMNS = (
    "key, type, year, month, day, precision, status, trigger, date_source, "
    "name, end_date, roles, why, review"
)


BUSY_TIMEOUT_S = 60.0
Merge = Callable[[Sequence[Event]], tuple[Sequence[Event], Mapping[str, Event]]]


class Store:
    """Articles and their events in one SQLite file (or ":memory:")."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            # check_same_thread=False: Streamlit serves reruns from several threads;
            # every write happens inside one `with self._conn` transaction.
            # timeout: a writer waits for another process's transaction (busy timeout)
            # instead of failing with "database is locked".
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
            self._lock = threading.RLock()
            self._writing = False  # inside add(): reads belong to its transaction
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._prepare()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the event store {self.path}: {exc}") from exc

    def _prepare(self) -> None:
        """WAL mode, then the migrations. While another process is creating the same new file
        (switching it into WAL mode, building the WAL index) SQLite can answer "database is
        locked" at once, without waiting for the busy timeout: so try again until the
        timeout. Each step is safe to repeat."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                if self.path != ":memory:":
                    self._conn.execute("PRAGMA journal_mode = WAL")
                self._migrate()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        # Each migration and its version bump is one IMMEDIATE transaction that reads the
        # version inside it: a crash leaves the previous schema, and two processes opening a
        # new database at once migrate it once.
        while True:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                if version >= len(MIGRATIONS):
                    self._conn.commit()
                    return
                for statement in MIGRATIONS[version].split(";"):
                    if statement.strip() and not self._has_column(statement):
                        self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {version + 1}")
                self._conn.commit()
            except BaseException:
                self._conn.rollback()
                raise

    def _has_column(self, statement: str) -> bool:
        """Whether an ALTER TABLE ... ADD COLUMN statement's column is already there. SQLite has
        no ADD COLUMN IF NOT EXISTS: this keeps such a migration safe to run again, as the
        CREATE ... IF NOT EXISTS ones are."""
        added = ADD_COLUMN.match(statement)
        if added is None:
            return False
        columns = self._conn.execute(f"PRAGMA table_info({added['table']})").fetchall()
        return any(c[1] == added["column"] for c in columns)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # writing

    def has_article(self, key: str, *, with_text: bool = False) -> bool:
        """Whether an article with this content hash is stored (with its text, when asked:
        an imported article has its events but not its text until it is ingested)."""
        sql = "SELECT 1 FROM articles WHERE key = ?" + (" AND text != ''" if with_text else "")
        with self._lock:
            return self._conn.execute(sql, (key,)).fetchone() is not None

    def known_file(self, digest: str) -> tuple[str, str] | None:
        """The key and id of the stored article (with its text) a file digest was read as."""
        with self._lock:
            row = self._conn.execute(
                "SELECT a.key, a.id FROM files f JOIN articles a ON a.key = f.article "
                "WHERE f.digest = ? AND a.text != ''",
                (digest,),
            ).fetchone()
        return (row[0], row[1]) if row else None

    def current_key(self, key: str) -> str | None:
        """The key of the event once stored under `key`, if ingest has renamed it since."""
        with self._lock:
            row = self._conn.execute(
                "SELECT new FROM renamed_events WHERE old = ?", (key,)
            ).fetchone()
        return row[0] if row else None

    def add_files(self, digests: Iterable[tuple[str, str]]) -> None:
        """Remember which article each file digest was read as, in one transaction."""
        rows = list(digests)
        if not rows:
            return
        try:
            with self._lock, self._conn:
                self._conn.executemany("INSERT OR IGNORE INTO files VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot record the files read: {exc}") from exc

    def add(
        self,
        article: Article,
        events: Sequence[Event],
        *,
        replacing: Mapping[str, Event] | None = None,
        merge: Merge | None = None,
    ) -> bool:
        """Store an article and its events in one transaction; False if it was already there.
        `replacing` maps the keys of stored events to their merged versions, which now cite
        this article too. `merge`, when given, computes (new events, replacing) from the
        events inside the transaction, so that writers in other processes cannot slip in
        between the reading of similar events and the writing of the merge."""
        try:
            with self._lock, self._conn:
                if self._conn.in_transaction:
                    self._conn.commit()  # a read left open; nothing of ours is pending
                # IMMEDIATE: take the write lock before reading, so the check below and
                # the writes are one atomic step even with another process writing.
                self._conn.execute("BEGIN IMMEDIATE")
                if self.has_article(article.key):
                    # Imported with its events but without its text: keep the text now.
                    self._conn.execute(
                        "UPDATE articles SET text = ?, path = ?, published_how = ? "
                        "WHERE key = ? AND published_how = 'imported' AND text = ''",
                        (article.text, article.path, article.published_how, article.key),
                    )
                    return False
                if merge is not None:
                    self._writing = True
                    try:
                        events, replacing = merge(events)
                    finally:
                        self._writing = False
                self._conn.execute(
                    "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        article.key,
                        article.id,
                        article.title,
                        article.source,
                        article.url,
                        article.published.isoformat() if article.published else None,
                        article.published_how,
                        article.path,
                        article.text,
                        datetime.now(UTC).isoformat(timespec="seconds"),
                    ),
                )
                for old_key, event in (replacing or {}).items():
                    self._conn.execute("DELETE FROM events WHERE key = ?", (old_key,))
                    self._insert_event(event)
                    self._follow(old_key, event.key)
                for event in events:
                    self._insert_event(event)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot store article {article.id}: {exc}") from exc
        return True

    def _follow(self, old: str, new: str) -> None:
        """Corrections of the event stored under `old` (and merges naming it) follow it to
        `new`, its key now that it cites one more article (inside the caller's transaction)."""
        if old == new:
            return
        self._conn.execute("UPDATE corrections SET event_key = ? WHERE event_key = ?", (new, old))
        # Older names of the event now name the new key; a key it had before and has again
        # is its own name.
        self._conn.execute("UPDATE renamed_events SET new = ? WHERE new = ?", (new, old))
        self._conn.execute("DELETE FROM renamed_events WHERE old = ?", (new,))
        self._conn.execute("INSERT OR REPLACE INTO renamed_events VALUES (?, ?)", (old, new))
        rows = self._conn.execute(
            "SELECT id, before, after FROM corrections WHERE field = 'merge'"
        ).fetchall()
        for id_, before, after in rows:
            fixed = [
                json.dumps(renamed(json.loads(v), old, new), ensure_ascii=False)
                for v in (before, after)
            ]
            if fixed != [before, after]:
                self._conn.execute(
                    "UPDATE corrections SET before = ?, after = ? WHERE id = ?",
                    (*fixed, id_),
                )

    def import_events(self, events: Sequence[Event]) -> int:
        """Store events exported elsewhere (`geo export --format jsonl`), in one transaction:
        their articles are stored by key with the metadata the export carries (no text),
        events already present are left as they are. Returns how many events were new."""
        try:
            with self._lock, self._conn:
                if self._conn.in_transaction:
                    self._conn.commit()
                self._conn.execute("BEGIN IMMEDIATE")
                before = self.event_count()
                for event in events:
                    for s in event.sources:
                        self._conn.execute(
                            "INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (
                                s.article_key,
                                s.article,
                                s.title,
                                s.source,
                                None,
                                s.published.isoformat() if s.published else None,
                                "imported",
                                None,
                                "",
                                datetime.now(UTC).isoformat(timespec="seconds"),
                            ),
                        )
                    self._insert_event(event)
                return self.event_count() - before
        except sqlite3.Error as exc:
            raise StoreError(f"cannot import events: {exc}") from exc

    def _insert_event(self, event: Event) -> None:
        key = event.key
        self._conn.execute(
            f"INSERT OR IGNORE INTO events ({EVENT_COLUMNS}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                event.type,
                event.year,
                event.month,
                event.day,
                event.precision,
                event.status,
                event.trigger,
                event.date_source,
                event.name,
                event.end,
                json.dumps([list(r) for r in event.roles]),
                json.dumps(list(event.why)),
                event.review,
            ),
        )
        self._conn.executemany(
            "INSERT OR IGNORE INTO event_places (event_key, ord, name, place_id, place_name, lat, "
            "lon, feature, country, population, geonameid, admin1, admin2) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    key,
                    i,
                    ep.name,
                    ep.place.id,
                    ep.place.name,
                    ep.place.lat,
                    ep.place.lon,
                    ep.place.feature,
                    ep.place.country,
                    ep.place.population,
                    ep.place.geonameid,
                    ep.place.admin1,
                    ep.place.admin2,
                )
                for i, ep in enumerate(event.places)
            ],
        )
        self._conn.executemany(
            "INSERT OR IGNORE INTO event_participants VALUES (?, ?, ?)",
            [(key, i, country) for i, country in enumerate(event.participants)],
        )
        self._conn.executemany(
            "INSERT OR IGNORE INTO event_sources VALUES (?, ?, ?, ?, ?, ?)",
            [
                (key, i, s.article_key, s.excerpt, s.start, s.end)
                for i, s in enumerate(event.sources)
            ],
        )

    # reading

    def events(
        self,
        *,
        years: tuple[int, int] | None = None,
        types: Collection[str] | None = None,
        countries: Collection[str] | None = None,
        include_undated: bool = True,
    ) -> list[Event]:
        """The stored events that pass the filters, oldest first, undated last."""
        if types is not None and not types or countries is not None and not countries:
            return []
        where: list[str] = []
        params: list[int | str] = []
        if years is not None:
            dated = "(year BETWEEN ? AND ?)"
            where.append(f"({dated} OR year IS NULL)" if include_undated else dated)
            params += [years[0], years[1]]
        elif not include_undated:
            where.append("year IS NOT NULL")
        if types is not None:
            where.append(f"type IN ({','.join('?' * len(types))})")
            params += list(types)
        if countries is not None:
            where.append(
                "key IN (SELECT event_key FROM event_participants "
                f"WHERE country IN ({','.join('?' * len(countries))}))"
            )
            params += list(countries)
        sql = (
            f"SELECT {EVENT_COLUMNS} FROM events"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY year IS NULL, year, month, day, key"
        )
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
            return self._assemble(rows)

    def similar(self, event: Event) -> list[Event]:
        """Stored events that could be the same occurrence: same type and year (or undated),
        a place in common or in the same country. The candidates for merging."""
        ids = [p.place.id for p in event.places]
        countries = [p.place.country for p in event.places if p.place.country]
        where = ["type = ?"]
        params: list = [event.type]
        if event.year is not None:
            where.append("(year = ? OR year IS NULL)")
            params.append(event.year)
        near = [f"place_id IN ({','.join('?' * len(ids))})"] if ids else []
        if countries:
            near.append(f"country IN ({','.join('?' * len(countries))})")
        if near:
            where.append(
                "key IN (SELECT event_key FROM event_places WHERE " + " OR ".join(near) + ")"
            )
            params += ids + countries
        sql = (
            f"SELECT {EVENT_COLUMNS} FROM events WHERE "
            + " AND ".join(where)
            + " ORDER BY year, month, day, key"
        )
        with self._lock:
            return self._assemble(self._conn.execute(sql, params).fetchall())

    def _assemble(self, rows: list[tuple]) -> list[Event]:
        try:
            return self._assemble_rows(rows)
        finally:
            # The temporary key table opens a transaction; outside a write, end it at once so
            # that this connection's next read sees what other processes commit, and its next
            # write can take the lock.
            if self._conn.in_transaction and not self._writing:
                self._conn.commit()

    def _assemble_rows(self, rows: list[tuple]) -> list[Event]:
        keys = [row[0] for row in rows]
        places: dict[str, list[EventPlace]] = {k: [] for k in keys}
        participants: dict[str, list[str]] = {k: [] for k in keys}
        sources: dict[str, list[Source]] = {k: [] for k in keys}
        # One query per child table for all events: no N+1 queries on thousands of events.
        self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (key TEXT PRIMARY KEY)")
        self._conn.execute("DELETE FROM wanted")
        self._conn.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", [(k,) for k in keys])
        for (
            key,
            name,
            pid,
            pname,
            lat,
            lon,
            feature,
            country,
            population,
            geonameid,
            admin1,
            admin2,
        ) in self._conn.execute(
            "SELECT event_key, name, place_id, place_name, lat, lon, feature, country, "
            "population, geonameid, admin1, admin2 FROM event_places JOIN wanted "
            "ON key = event_key "
            "ORDER BY event_key, ord"
        ):
            places[key].append(
                EventPlace(
                    name,
                    Place(
                        pid,
                        pname,
                        lat,
                        lon,
                        feature,
                        country,
                        population,
                        geonameid,
                        admin1,
                        admin2,
                    ),
                )
            )
        for key, country in self._conn.execute(
            "SELECT event_key, country FROM event_participants JOIN wanted "
            "ON key = event_key ORDER BY event_key, ord"
        ):
            participants[key].append(country)
        for (
            key,
            article_key,
            excerpt,
            start,
            end,
            aid,
            title,
            source,
            published,
        ) in self._conn.execute(
            'SELECT s.event_key, s.article_key, s.excerpt, s.start, s."end", a.id, a.title, '
            "a.source, a.published FROM event_sources s JOIN wanted w ON w.key = s.event_key "
            "JOIN articles a ON a.key = s.article_key ORDER BY s.event_key, s.ord"
        ):
            sources[key].append(
                Source(
                    aid,
                    excerpt,
                    start,
                    end,
                    article_key,
                    title,
                    source,
                    date.fromisoformat(published) if published else None,
                )
            )
        return [
            Event(
                type_,
                year,
                month,
                day,
                precision,
                status,
                tuple(places[key]),
                tuple(participants[key]),
                tuple(sources[key]),
                trigger,
                date_source,
                name=name,
                end=end,
                roles=tuple((role, code) for role, code in json.loads(roles)),
                why=tuple(json.loads(why)),
                review=review,
            )
            for (
                key,
                type_,
                year,
                month,
                day,
                precision,
                status,
                trigger,
                date_source,
                name,
                end,
                roles,
                why,
                review,
            ) in rows
        ]

    # the dashboard's queries (geo.query: the same SQL in both stores)

    def _rows(self, statement: tuple[str, list[object]]) -> list[tuple]:
        with self._lock:
            return self._conn.execute(*statement).fetchall()

    def _names(self, view: View) -> list[str]:
        if not view.series:
            return []
        return query.matching_series([r[0] for r in self._rows((query.NAMES_SQL, []))], view.series)

    def event_keys(
        self,
        view: View,
        *,
        box: Box | None = None,
        exclude: Collection[str] = (),
        dates: bool = True,
        ordered: bool = True,
    ) -> list[str]:
        """Keys of the events that pass the view (with a point place in `box`, when given),
        in the order of events() unless not `ordered`; `exclude`: keys the caller judges
        itself; `dates=False`: every filter but the dates."""
        statement = query.event_keys(
            view,
            query.SQLITE,
            names=self._names(view),
            exclude=exclude,
            box=box,
            dates=dates,
            ordered=ordered,
        )
        return [row[0] for row in self._rows(statement)]

    def map_cells(
        self, view: View, box: Box, size: float, *, exclude: Collection[str] = ()
    ) -> dict[tuple[int, int], Cell]:
        """The point places of the events that pass the view inside the box, counted per
        grid cell of `size` degrees and per type (geo.query.cell_of names the cells)."""
        statement = query.cells(
            view, query.SQLITE, box, size, names=self._names(view), exclude=exclude
        )
        return query.cells_from_rows(self._rows(statement))

    def map_areas(
        self, view: View, *, exclude: Collection[str] = (), listed: int = 10
    ) -> list[AreaGroup]:
        """The area places of the events that pass the view, one group per place, with the
        keys of its first `listed` events."""
        statement = query.areas(view, query.SQLITE, names=self._names(view), exclude=exclude)
        return query.area_groups(self._rows(statement), listed=listed)

    def _one(self, sql: str) -> tuple:
        with self._lock:
            return self._conn.execute(sql).fetchone()

    def year_range(self) -> tuple[int, int] | None:
        """The first and last year of the dated events, or None when there are none."""
        low, high = self._one("SELECT MIN(year), MAX(year) FROM events")
        return None if low is None else (low, high)

    def facets(self) -> dict[str, list[str]]:
        """The distinct event types, participant countries and article ids stored."""

        def column(sql: str) -> list[str]:
            with self._lock:
                return [row[0] for row in self._conn.execute(sql)]

        return {
            "types": column("SELECT DISTINCT type FROM events ORDER BY type"),
            "countries": column("SELECT DISTINCT country FROM event_participants ORDER BY country"),
            "articles": column("SELECT id FROM articles ORDER BY id"),
        }

    def articles(self) -> list[Article]:
        """Every stored article, by id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, text, title, source, url, published, published_how, path "
                "FROM articles ORDER BY id"
            ).fetchall()
        return [
            Article(
                id_,
                text,
                title,
                source,
                url,
                date.fromisoformat(published) if published else None,
                how,
                path,
            )
            for id_, text, title, source, url, published, how, path in rows
        ]

    def article_text(self, key: str) -> str | None:
        """The stored text of the article with this content hash."""
        with self._lock:
            row = self._conn.execute("SELECT text FROM articles WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def article_count(self) -> int:
        """How many articles are stored."""
        return self._one("SELECT COUNT(*) FROM articles")[0]

    def event_count(self) -> int:
        """How many events are stored."""
        return self._one("SELECT COUNT(*) FROM events")[0]

    def revision(self) -> tuple[int, ...]:
        """A value that changes whenever articles, events or corrections are written: a cache
        key for what is read from the store."""
        return tuple(
            self._one(
                "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM events), "
                "(SELECT COALESCE(MAX(rowid), 0) FROM events), "
                "(SELECT COALESCE(MAX(id), 0) FROM corrections)"
            )
        )

    # corrections

    def add_correction(self, correction: Correction) -> Correction:
        """Store an analyst's correction; returns it with its id (corrections apply in id
        order). Its `at` is set to now when empty."""
        check(correction.field, correction.after)
        at = correction.at or datetime.now(UTC).isoformat(timespec="seconds")
        try:
            with self._lock, self._conn:
                if self._conn.in_transaction:
                    self._conn.commit()  # a read left open; nothing of ours is pending
                self._conn.execute("BEGIN IMMEDIATE")
                cursor = self._conn.execute(
                    "INSERT INTO corrections (event_key, field, before, after, who, at, note) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        correction.event_key,
                        correction.field,
                        json.dumps(correction.before, ensure_ascii=False),
                        json.dumps(correction.after, ensure_ascii=False),
                        correction.who,
                        at,
                        correction.note,
                    ),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot store a correction of {correction.event_key}: {exc}") from exc
        return replace(correction, id=cursor.lastrowid or 0, at=at)

    def has_correction(self, correction: Correction) -> bool:
        """Whether this very correction (event, field, value, who and when) is stored."""
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM corrections WHERE event_key = ? AND field = ? AND after = ? "
                "AND who = ? AND at = ?",
                (
                    correction.event_key,
                    correction.field,
                    json.dumps(correction.after, ensure_ascii=False),
                    correction.who,
                    correction.at,
                ),
            ).fetchone()
        return row is not None

    def corrections(self, event_key: str | None = None) -> list[Correction]:
        """Every stored correction (or those of one event), in the order they were made."""
        sql = "SELECT id, event_key, field, before, after, who, at, note FROM corrections"
        params: tuple = ()
        if event_key is not None:
            sql += " WHERE event_key = ?"
            params = (event_key,)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        return [
            Correction(key, field, json.loads(before), json.loads(after), who, at, note, id_)
            for id_, key, field, before, after, who, at, note in rows
        ]


class EventStore(Protocol):
    """What ingest, export and the dashboard need of a store: Store or geo.store_pg.PgStore."""

    path: str

    def has_article(self, key: str, *, with_text: bool = False) -> bool: ...
    def known_file(self, digest: str) -> tuple[str, str] | None: ...
    def current_key(self, key: str) -> str | None: ...
    def add_files(self, digests: Iterable[tuple[str, str]]) -> None: ...
    def add(
        self,
        article: Article,
        events: Sequence[Event],
        *,
        replacing: Mapping[str, Event] | None = None,
        merge: Merge | None = None,
    ) -> bool: ...
    def import_events(self, events: Sequence[Event]) -> int: ...
    def events(
        self,
        *,
        years: tuple[int, int] | None = None,
        types: Collection[str] | None = None,
        countries: Collection[str] | None = None,
        include_undated: bool = True,
    ) -> list[Event]: ...
    def similar(self, event: Event) -> list[Event]: ...
    def event_keys(
        self,
        view: View,
        *,
        box: Box | None = None,
        exclude: Collection[str] = (),
        dates: bool = True,
        ordered: bool = True,
    ) -> list[str]: ...
    def map_cells(
        self, view: View, box: Box, size: float, *, exclude: Collection[str] = ()
    ) -> dict[tuple[int, int], Cell]: ...
    def map_areas(
        self, view: View, *, exclude: Collection[str] = (), listed: int = 10
    ) -> list[AreaGroup]: ...
    def year_range(self) -> tuple[int, int] | None: ...
    def facets(self) -> dict[str, list[str]]: ...
    def articles(self) -> list[Article]: ...
    def article_text(self, key: str) -> str | None: ...
    def article_count(self) -> int: ...
    def event_count(self) -> int: ...
    def revision(self) -> tuple[int, ...]: ...
    def add_correction(self, correction: Correction) -> Correction: ...
    def has_correction(self, correction: Correction) -> bool: ...
    def corrections(self, event_key: str | None = None) -> list[Correction]: ...
    def close(self) -> None: ...
    def __enter__(self) -> EventStore: ...
    def __exit__(self, *exc: object) -> None: ...


def is_url(target: object) -> bool:
    """Whether a --db / GEO_DB value names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def open_store(target: str | Path) -> EventStore:
    """The store a --db / GEO_DB value names: a postgresql:// URL opens PostgreSQL (geo.store_pg,
    imported only then), anything else is a SQLite file (or ":memory:")."""
    if is_url(target):
        from geo.store_pg import PgStore

        return PgStore(str(target))
    return Store(target)
