"""Reading articles: files and folders in, one Article or Rejection per file or record out.

Formats: .txt and .md (with an optional NAME.meta.json sidecar), .jsonl and .csv/.tsv (one
article per record), .html/.htm (text extracted offline with trafilatura). Plain text is
cleaned of page furniture (menus, "Most read" lists, share buttons, template markup) by
`clean_text`; the publication date comes from metadata, else from the text (`find_published`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

import charset_normalizer

from geo import ArticleError, config
from geo.datelines import MONTH_NAMES, find_datelines
from geo.dates import MONTHS
from geo.model import Article, Rejection

if TYPE_CHECKING:
    from trafilatura.settings import Document

PLAIN_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
RECORD_SUFFIXES = (".jsonl", ".csv", ".tsv")
SUPPORTED_SUFFIXES = PLAIN_SUFFIXES + HTML_SUFFIXES + RECORD_SUFFIXES
SIDECAR_SUFFIX = ".meta.json"
SIDECAR_OWNERS = PLAIN_SUFFIXES + HTML_SUFFIXES  # the files a NAME.meta.json can describe
SIDECAR_MAX_BYTES = 2**20  # four short fields: a bigger "sidecar" is something else
META_FIELDS = ("title", "source", "url", "published")
SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")  # SQLite's working files beside a database
ENGLISH_WORDS = Path(__file__).resolve().parent / "data" / "english_words.txt"


@dataclass(frozen=True)
class Skipped:
    """A file the tool made itself (its database, its cache): not an article, not an error."""

    path: str
    reason: str


@dataclass(frozen=True)
class Known:
    """A file read before, byte for byte (`file_digest`): its article is stored already."""

    path: str
    key: str  # the stored article's Article.key
    id: str  # the id the file's article gets (`file_article_id`), as reports name it


Item = Article | Rejection | Skipped | Known
# What a file's article depends on besides its bytes: the reading and cleaning code.
_READER = hashlib.sha256(
    b"".join(
        (Path(__file__).parent / name).read_bytes()
        for name in ("articles.py", "datelines.py", "dates.py")
    )
).digest()


def file_article_id(path: Path) -> str:
    """The id an article read from a one-article file gets (what reports name it by)."""
    return _displayable(path.name)


def file_digest(path: Path) -> str | None:
    """A hash of a one-article file's bytes and of the code that reads it (None for a file of
    records, or one that cannot be read): the same digest, the same article."""
    if path.suffix.lower() not in PLAIN_SUFFIXES + HTML_SUFFIXES:
        return None
    try:
        if path.stat().st_size > config.MAX_ARTICLE_FILE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return hashlib.sha256(_READER + data).hexdigest()


# ---------------------------------------------------------------------------------------------
# Paths and files


def read_paths(
    paths: Iterable[str | Path] | str | Path,
    *,
    clean: bool = True,
    own: Collection[str | Path] = (),
    known: Callable[[Path], Known | None] | None = None,
) -> Iterator[Item]:
    """Every article under paths (files or folders), each as an Article or a Rejection.

    Files the tool made are Skipped: those named in `own` (the database being written, the
    cache folder), any SQLite database and its -wal/-shm/-journal files. A file that `known`
    recognises (read before, its article stored) is not read again: it is yielded as Known."""
    for entry in list_paths(paths, own=own, known=known):
        if isinstance(entry, Path):
            yield from read_file(entry, clean=clean)
        else:
            yield entry


def list_paths(
    paths: Iterable[str | Path] | str | Path,
    *,
    own: Collection[str | Path] = (),
    known: Callable[[Path], Known | None] | None = None,
) -> Iterator[Item | Path]:
    """What read_paths yields, with each file still to read as its Path, in order: the files
    can then be read elsewhere (`read_file`, on a Dask worker), the rest is decided here."""
    if isinstance(paths, (str, Path)):  # one path, not an iterable of characters
        paths = [paths]
    mine = {_resolved(Path(p)) for p in own}
    entries: list[Path | Rejection | Skipped] = []  # in the order given: output follows input
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and _resolved(path) in mine:
            entries.append(Skipped(str(path), "the tool's own folder (its cache)"))
        elif path.is_dir():
            entries.extend(_walk(path, mine))
        elif os.path.lexists(path):  # a broken or looping link is reported when read
            entries.append(path)
        else:
            entries.append(Rejection(str(path), "no such file or folder"))
    # every file is known before any is read: a sidecar is skipped when its article is read
    given = {_resolved(e) for e in entries if isinstance(e, Path)}
    seen: set[Path] = set()
    for entry in entries:
        if not isinstance(entry, Path):
            yield entry
            continue
        real = _resolved(entry)
        if real in seen:  # a file named twice (itself and inside a folder) is read once
            continue
        seen.add(real)
        made = _tool_made(entry, real, mine)
        if made:
            yield Skipped(str(entry), made)
            continue
        if entry.name.lower().endswith(SIDECAR_SUFFIX):
            rejection = _lone_sidecar(entry, given)
            if rejection:
                yield rejection
            continue
        seen_before = known(entry) if known is not None else None
        yield entry if seen_before is None else seen_before


def read_file(path: str | Path, *, clean: bool = True) -> Iterator[Item]:
    """The article(s) of one file: one for .txt/.md/.html, one per record for .jsonl/.csv."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield Rejection(str(path), _unsupported(path))
        return
    try:
        if suffix in RECORD_SUFFIXES:
            text = read_text(path)
            if not text.strip():
                yield Rejection(str(path), "empty file")
            elif suffix == ".jsonl":
                yield from _jsonl_records(path, text, clean)
            else:
                yield from _csv_records(path, text, clean)
        else:
            yield from _single_article(path, clean)
    except ArticleError as exc:
        yield Rejection(str(path), str(exc))


def read_text(path: str | Path, *, max_bytes: int | None = None) -> str:
    """The decoded contents of a regular file: UTF-8, a BOM's encoding, or a detected one."""
    return decode_bytes(read_bytes(path, max_bytes=max_bytes))


def read_bytes(path: str | Path, *, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file; a pipe, a device or a folder is refused without waiting."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ArticleError(f"cannot read: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ArticleError(f"not a regular file but {_file_kind(info.st_mode)}")
        if max_bytes is not None and info.st_size > max_bytes:
            raise ArticleError(
                f"too large for an article: {info.st_size / 2**20:.1f} MB "
                f"(files over {max_bytes / 2**20:.0f} MB are not read)"
            )
        try:
            return handle.read()
        except OSError as exc:
            raise ArticleError(f"cannot read: {exc.strerror or exc}") from exc


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _walk(folder: Path, mine: set[Path]) -> list[Path | Rejection | Skipped]:
    """Files under folder, recursively, sorted by path; hidden files and folders left out,
    symbolic links to folders reported and not followed (so links cannot loop)."""
    found: list[Path | Rejection | Skipped] = []

    def unreadable(exc: OSError) -> None:
        where = exc.filename or str(folder)
        found.append(Rejection(str(where), f"cannot read the folder: {exc.strerror or exc}"))

    for root, dirs, names in os.walk(folder, onerror=unreadable):
        kept = []
        for name in dirs:
            sub = Path(root) / name
            if name.startswith("."):
                continue
            if sub.is_symlink():
                found.append(
                    Rejection(
                        str(sub),
                        "a symbolic link to a folder, not followed (links can loop): "
                        "name the folder it points to to read it",
                    )
                )
            elif _resolved(sub) in mine:
                found.append(Skipped(str(sub), "the tool's own folder (its cache)"))
            else:
                kept.append(name)
        dirs[:] = kept
        found.extend(Path(root) / n for n in names if not n.startswith("."))

    def order(entry: Path | Rejection | Skipped) -> tuple[str, ...]:
        path = entry if isinstance(entry, Path) else Path(entry.path)
        try:
            return path.relative_to(folder).parts
        except ValueError:
            return path.parts

    return sorted(found, key=order)


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python < 3.13)
        return path.absolute()


def _tool_made(path: Path, real: Path, mine: set[Path]) -> str | None:
    """Why path is a file the tool made (its database, SQLite's working files, its cache)."""
    if real in mine:
        return "the event database this ingest writes to"
    if any(parent in mine for parent in real.parents):
        return "inside the tool's own folder (its cache)"
    for suffix in SQLITE_COMPANIONS:
        if path.name.endswith(suffix):
            base = path.with_name(path.name[: -len(suffix)])
            if _resolved(base) in mine or _is_sqlite(base):
                return f"a working file of the SQLite database {base.name}"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES and _is_sqlite(path):
        return "an SQLite database (the tool's store or cache), not an article"
    return None


def _is_sqlite(path: Path) -> bool:
    """Whether path is a regular file that starts with SQLite's header."""
    try:
        if not path.is_file():  # never open a pipe or a device to look
            return False
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _sidecar_stem(path: Path) -> str:
    return path.name[: -len(SIDECAR_SUFFIX)]


def _owners(sidecar: Path) -> list[Path]:
    stem = _sidecar_stem(sidecar)
    suffixes = SIDECAR_OWNERS + tuple(s.upper() for s in SIDECAR_OWNERS)
    return [p for p in (sidecar.with_name(stem + s) for s in suffixes) if p.exists()]


def _lone_sidecar(path: Path, given: set[Path]) -> Rejection | None:
    """A sidecar is read with its article; only one whose article is not being read is reported."""
    owners = _owners(path)
    if any(_resolved(o) in given for o in owners):
        return None
    if owners:
        return Rejection(
            str(path), f"a metadata sidecar, not an article: read {owners[0].name} to use it"
        )
    names = "/".join(_sidecar_stem(path) + s for s in SIDECAR_OWNERS)
    return Rejection(str(path), f"metadata sidecar without an article: no {names} beside it")


def _unsupported(path: Path) -> str:
    supported = ", ".join(SUPPORTED_SUFFIXES)
    if not path.suffix:
        return f"no file extension, so the format is unknown (supported: {supported})"
    hint = {
        ".json": " (one JSON object per line goes in a .jsonl file)",
        ".zip": " (an archive: unpack it and ingest the folder)",
        ".gz": " (compressed: decompress it first)",
        ".bz2": " (compressed: decompress it first)",
        ".xz": " (compressed: decompress it first)",
        ".tar": " (an archive: unpack it and ingest the folder)",
        ".tgz": " (an archive: unpack it and ingest the folder)",
        ".7z": " (an archive: unpack it and ingest the folder)",
    }.get(path.suffix.lower(), "")
    return f"unsupported extension '{path.suffix}'{hint} (supported: {supported})"


# ---------------------------------------------------------------------------------------------
# Decoding

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte encodings English news is found in, most likely first: the tie-break order.
_LEGACY = ("cp1252", "latin_1", "cp1251", "cp1250", "iso8859_15", "koi8_r", "mac_roman")
_COMMON_SYMBOLS = set("€£¥$©®°±·•–—‘’‚“”„…«»§¶™′″\u00a0")


def decode_bytes(data: bytes) -> str:
    """Bytes as text: BOM, else UTF-8, else the most plausible legacy or detected encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _plausible(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise ArticleError(
                    f"undecodable: starts with a {encoding.upper()} byte-order "
                    f"mark but is not valid {encoding.upper()}"
                ) from exc
    if b"\x00" not in data:  # NUL bytes mean UTF-16/32 without a BOM, or binary: detect those
        try:
            return _plausible(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
        # UTF-8 with a stray bad byte (a truncated copy, one pasted character) stays UTF-8:
        # read as cp1252, every other accent and quote would turn into mojibake
        lenient = data.decode("utf-8", errors="replace")
        bad = lenient.count("\ufffd")
        good = sum(1 for c in lenient if not c.isascii()) - bad
        # (legacy text seldom holds valid UTF-8 sequences: a few of them outweigh as many bad)
        if good >= 2 and bad <= good:
            return _plausible(lenient, "utf-8")
        # charset-normalizer alone is unreliable on mostly-ASCII English with a few accented
        # or Cyrillic words (it picks Polish or Big5); restrict it to the likely legacy
        # encodings, then break its ties by how natural the non-ASCII words look.
        matches = list(charset_normalizer.from_bytes(data, cp_isolation=list(_LEGACY)))
        if matches:
            least = min(m.chaos for m in matches)
            best = min(
                (m for m in matches if m.chaos <= least + 0.02),
                key=lambda m: (_oddness(str(m)), _legacy_rank(m.encoding)),
            )
            return _plausible(str(best), best.encoding)
    detected = charset_normalizer.from_bytes(data).best()
    if detected is None:
        raise ArticleError("undecodable: not text in UTF-8, UTF-16 or any encoding detected")
    return _plausible(str(detected), detected.encoding)


def _legacy_rank(encoding: str) -> int:
    return _LEGACY.index(encoding) if encoding in _LEGACY else len(_LEGACY)


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "?"


def _oddness(text: str) -> int:
    """How unnatural the non-ASCII characters look: symbols inside words, mixed scripts."""
    score = 0
    for word in re.findall(r"\S+", text):
        if word.isascii():
            continue
        letters = [c for c in word if c.isalpha()]
        scripts = {_script(c) for c in letters if not c.isascii()} | (
            {"LATIN"} if any(c.isascii() for c in letters) else set()
        )
        if len(scripts) > 1:
            score += 3
        for ch in word:
            if ch.isascii() or ch.isalpha() or ch in _COMMON_SYMBOLS:
                continue
            score += 5 if unicodedata.category(ch).startswith("C") else 2
        # "zÜrich": capitals inside a lower-case word
        for a, b in zip(word, word[1:], strict=False):
            if a.islower() and b.isupper() and not b.isascii():
                score += 2
    return score


def _plausible(text: str, encoding: str) -> str:
    """The decoded text, unless it is binary data that happened to decode."""
    text_only = _ANSI.sub("", text)  # colour codes in a pasted terminal log are not binary
    controls = sum(
        1 for c in text_only if unicodedata.category(c) == "Cc" and c not in "\n\r\t\f\v"
    )
    if text and controls > max(2, len(text) // 100):
        raise ArticleError(
            f"undecodable: binary data, not text ({controls} control characters "
            f"when read as {encoding})"
        )
    return text


# ---------------------------------------------------------------------------------------------
# Single-article files: .txt, .md, .html


def _single_article(path: Path, clean: bool) -> Iterator[Item]:
    meta: dict = {}
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if path.suffix.lower() in SIDECAR_OWNERS and sidecar.exists():
        meta, problem = _read_sidecar(sidecar, path)
        if problem:
            yield problem
    raw = read_text(path, max_bytes=config.MAX_ARTICLE_FILE_BYTES)
    if not raw.strip():
        yield Rejection(str(path), "empty file")
        return
    if path.suffix.lower() in HTML_SUFFIXES:
        page_meta, raw = _extract_html(raw)
        meta = {**page_meta, **meta}  # the sidecar, written by a person, wins over the page
        text = _paragraphs(clean_text(raw)) if clean else raw
    else:
        _check_length(raw)  # before cleaning: a 30 MB text is refused at once
        text = raw
        if clean:
            text = clean_text(_strip_markdown(raw) if path.suffix.lower() == ".md" else raw)
    yield make_article(text, id=file_article_id(path), path=str(path), raw=raw, **meta)


def _read_sidecar(sidecar: Path, owner: Path) -> tuple[dict, Rejection | None]:
    """The usable fields of NAME.meta.json, and a Rejection naming it if any part was unusable.

    A bad sidecar never costs the article: its text is read all the same, and the sidecar is
    reported on its own so the user learns which metadata was dropped and why.
    """
    try:
        data = json.loads(read_text(sidecar, max_bytes=SIDECAR_MAX_BYTES))
    except ArticleError as exc:
        return {}, Rejection(str(sidecar), f"{exc}; ignored, {owner.name} was read without it")
    except json.JSONDecodeError as exc:
        return {}, Rejection(
            str(sidecar),
            f"malformed JSON in metadata sidecar (line {exc.lineno}:"
            f" {exc.msg}); ignored, {owner.name} was read without it",
        )
    if not isinstance(data, dict):
        return {}, Rejection(
            str(sidecar),
            f"metadata sidecar is not a JSON object; ignored, {owner.name} was read without it",
        )
    meta, problems = _metadata(data)
    if problems:
        return meta, Rejection(
            str(sidecar), "; ".join(problems) + f": ignored, the rest applied to {owner.name}"
        )
    return meta, None


def _metadata(record: dict) -> tuple[dict, list[str]]:
    """title/source/url/published from a sidecar or record, and what was wrong with them."""
    meta: dict = {}
    problems: list[str] = []
    for name in META_FIELDS:
        value = record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name == "published":
            parsed = parse_date(value)
            if parsed is None:
                problems.append(f"'published' value {value!r} is not an ISO 8601 date")
            elif parsed > date.today() + timedelta(days=1):  # a day's grace for time zones
                problems.append(f"'published' {parsed.isoformat()} is in the future")
            elif parsed.year < 1900:
                problems.append(f"'published' {parsed.isoformat()} is before 1900")
            else:
                meta[name] = parsed
        elif isinstance(value, str):
            meta[name] = value.strip()
        else:
            problems.append(f"'{name}' is a {type(value).__name__}, not a string")
    return meta, problems


def _extract_html(html: str) -> tuple[dict, str]:
    """(metadata, body text) of a web page, extracted offline from the string."""
    try:
        import trafilatura  # imported here: slow to import and only HTML needs it
    except ImportError as exc:
        raise ArticleError(f"HTML needs trafilatura, which cannot be imported: {exc}") from exc
    try:
        extracted = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            # only dates the page's markup states: guesses from its text are find_published's job
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # noqa: BLE001 - trafilatura/lxml raise many kinds; report, not crash
        raise ArticleError(f"could not parse the HTML page: {type(exc).__name__}: {exc}") from exc
    doc = cast("Document | None", extracted)  # never a dict: as_dict is left False
    text = doc.text if doc is not None else None
    if doc is None or not text or not text.strip():
        raise ArticleError("no article text found in the HTML page")
    meta: dict = {}
    if doc.title:
        meta["title"] = doc.title.strip()
    source = doc.sitename or doc.hostname
    if source:
        meta["source"] = source.strip()
    if doc.url:
        meta["url"] = doc.url
    published = parse_date(doc.date) if doc.date else None
    if published:
        meta["published"] = published
    return meta, text


def _paragraphs(text: str) -> str:
    """trafilatura puts one block per line: make each a paragraph, so sentences stay apart."""
    return re.sub(r"\n+", "\n\n", text)


_MD_RULES = (
    (re.compile(r"<!--.*?-->", re.S), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images: the alt text is rarely prose
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links keep their words
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M), r"\1"),
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), ""),
    (re.compile(r"^[ \t]*[-*+][ \t]+(?=\S)", re.M), ""),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
)


def _strip_markdown(text: str) -> str:
    """Markdown markup removed, its words kept, so offsets index plain prose."""
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


# ---------------------------------------------------------------------------------------------
# Multi-record files: .jsonl, .csv, .tsv


def _jsonl_records(path: Path, text: str, clean: bool) -> Iterator[Item]:
    # split on "\n" only: JSON strings may hold U+2028, which str.splitlines would cut at
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejection(
                where, f"malformed JSON on line {number}: {exc.msg} (column {exc.colno})"
            )
            continue
        except (ValueError, RecursionError) as exc:  # a 5,000-digit number, [[[[... nesting
            yield Rejection(where, f"unreadable JSON on line {number}: {_short(str(exc))}")
            continue
        if not isinstance(record, dict):
            yield Rejection(
                where, f"line {number} is a JSON {type(record).__name__}, not an object"
            )
            continue
        yield _record_article(record, path, number, f"line {number}", clean)


def _csv_records(path: Path, text: str, clean: bool) -> Iterator[Item]:
    delimiter, header = _csv_layout(text, "\t" if path.suffix.lower() == ".tsv" else ",")
    if delimiter is None:
        columns = ", ".join(repr(c) for c in header) or "none"
        yield Rejection(str(path), f"CSV without a 'text' column (columns: {columns})")
        return
    big = 1 << 30  # the csv module's 128 KiB field limit would reject long articles
    if csv.field_size_limit() < big:
        csv.field_size_limit(big)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    names = [_column(c) for c in next(reader)]
    row = 1  # spreadsheet numbering: the header is row 1
    while True:
        row += 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Rejection(
                f"{path}:{row}",
                f"malformed CSV at row {row}: {exc}; the rows after it were not read",
            )
            return
        if not any(v.strip() for v in values):
            continue
        # a ragged row is read as far as both go: missing cells are absent, extra ones ignored
        record = {n: v for n, v in zip(names, values, strict=False) if n}
        yield _record_article(record, path, row, f"row {row}", clean)


def _column(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()


def _csv_layout(text: str, preferred: str) -> tuple[str | None, list[str]]:
    """The delimiter whose header has a 'text' column, and the header as read with it."""
    first = next(iter(text.splitlines()), "")
    header: list[str] = []
    for delimiter in dict.fromkeys((preferred, ",", "\t", ";", "|")):
        try:
            cells = next(csv.reader([first], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if "text" in (_column(c) for c in cells):
            return delimiter, cells
        if delimiter == preferred:
            header = [c.strip() for c in cells]
    return None, header


def _record_article(record: dict, path: Path, number: int, label: str, clean: bool) -> Item:
    """One JSONL/CSV record as an Article, or a Rejection saying what it lacks."""
    where = f"{path}:{number}"
    raw = record.get("text")
    if raw is not None and not isinstance(raw, str):
        return Rejection(
            where, f"record on {label}: 'text' is a {type(raw).__name__}, not a string"
        )
    if raw is None or not raw.strip():
        fields = ", ".join(_short(repr(k), 40) for k in record if k != "text") or "none"
        return Rejection(where, f"record on {label} without text (other fields: {fields})")
    rid = record.get("id")
    if isinstance(rid, bool) or not isinstance(rid, (str, int)) or not str(rid).strip():
        rid = f"{path.name}:{number}"
    # a bad field in one record is not worth losing the article: it is simply not used
    meta, _ = _metadata(record)
    try:
        _check_length(raw)
        return make_article(
            clean_text(raw) if clean else raw, id=str(rid).strip(), path=where, raw=raw, **meta
        )
    except ArticleError as exc:
        return Rejection(where, f"record on {label}: {exc}")


# ---------------------------------------------------------------------------------------------
# Building an Article


def make_article(
    text: str,
    *,
    id: str,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published: date | None = None,
    path: str | None = None,
    raw: str | None = None,
) -> Article:
    """An Article from already-cleaned text; the date falls back to the (raw) text itself."""
    if not text.strip():
        raise ArticleError(
            "only page furniture, no article text left after cleaning"
            if raw and raw.strip()
            else "empty text"
        )
    _check_length(text)
    language = unsupported_language(text)
    if language:
        raise ArticleError(language)
    # JSON may carry lone surrogates ("\ud800"), file names undecodable bytes: neither can be
    # stored as UTF-8, so each becomes U+FFFD
    text, raw = _displayable(text), _displayable(raw) if raw is not None else None
    title, source, url = (_displayable(v) if v else v for v in (title, source, url))
    id, path = _displayable(id), _displayable(path) if path else path
    how = "metadata" if published else "unknown"
    if published is None:
        published = find_published(raw if raw is not None else text)
        how = "text" if published else "unknown"
    return Article(
        id=id,
        text=text,
        title=title or _title_from_text(text),
        source=source,
        url=url,
        published=published,
        published_how=how,
        path=path,
    )


def _check_length(text: str) -> None:
    if len(text) > config.MAX_ARTICLE_CHARS:
        raise ArticleError(
            f"too long for an article: {len(text):,} characters (the limit is "
            f"{config.MAX_ARTICLE_CHARS:,}; split it into its articles)"
        )


_SURROGATES = re.compile("[\ud800-\udfff]")


def _displayable(text: str) -> str:
    """text with lone surrogates (undecodable file-name bytes, bad JSON escapes) as U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cache
def _english_words() -> frozenset[str]:
    lines = ENGLISH_WORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


_SCRIPT_NAMES = {"CJK": "Chinese or Japanese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese"}


def unsupported_language(text: str) -> str | None:
    """Why text is not English ("language not supported: ..."), or None if it reads as English.

    The parser and the event rules are English-only: on Russian or Chinese text, or on mojibake
    from a wrong encoding, they would find wrong places and wrong events. Mostly non-Latin
    letters, or a long Latin-script text with almost no common English words, is refused.
    """
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 20:
        return None
    foreign = Counter(_script(c) for c in letters if not c.isascii() and _script(c) != "LATIN")
    if sum(foreign.values()) > len(letters) / 2:
        script, _ = foreign.most_common(1)[0]
        name = _SCRIPT_NAMES.get(script, script.title())
        share = sum(foreign.values()) / len(letters)
        return (
            f"language not supported: {share:.0%} of the letters are in {name} script; "
            "only English articles are read"
        )
    words = re.findall(r"[^\W\d_]+", text.lower())
    if len(words) >= 30:
        english = sum(1 for w in words if w in _english_words())
        if english < 0.05 * len(words):
            return (
                f"language not supported: only {english} of its {len(words)} words are common "
                "English words; only English articles are read"
            )
    return None


def location(where: str) -> tuple[str, int | None]:
    """(file, line) of a place a reader names: 'a.jsonl:3' is line 3 of a.jsonl (row 3 of a
    CSV file, its header being row 1); a plain file path has no line."""
    m = re.fullmatch(r"(.+\.(?:jsonl|csv|tsv)):(\d+)", where, re.I | re.S)
    if m and not os.path.lexists(where):
        return m.group(1), int(m.group(2))
    return where, None


def _title_from_text(text: str) -> str | None:
    """The first line, when it reads as a headline: short, and not a sentence."""
    first = text.lstrip().split("\n", 1)[0].strip()
    words = len(first.split())
    if 3 <= words <= 25 and not _TERMINAL.search(first) and first[:1] not in "\"“‘'(":
        return first
    return None


def parse_date(value: object) -> date | None:
    """A metadata date: ISO 8601 date or datetime, RFC 2822, or a plain '13 June 2019'."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if re.match(r"\d{4}-\d{2}-\d{2}[T ]", value):
        try:  # the date as written: a time zone does not move it to another day
            return datetime.fromisoformat(value.replace("z", "Z")).date()
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        pass
    found = _full_dates(value)
    if len(found) == 1 and len(value) - (found[0][1] - found[0][0]) <= 12:
        return found[0][2]
    return None


# ---------------------------------------------------------------------------------------------
# Page furniture

# Headings of link lists: the heading and the headlines under it go, up to a real paragraph.
LIST_HEADINGS = frozenset(
    """
most read|most popular|most viewed|most shared|most commented|most watched|popular|popular now|
popular stories|popular news|top stories|top news|top headlines|trending|trending now|
trending stories|read also|also read|read more|read next|more to read|what to read next|
see also|related|related articles|related stories|related news|related content|related posts|
related topics|related coverage|related links|related reading|more on this|more on this story|
more on this topic|more stories|more headlines|recommended|recommended for you|
recommended stories|recommended articles|you may also like|you might also like|
you may be interested in|you might be interested in|editor's picks|editors' picks|
editor’s picks|don't miss|don’t miss|must read|further reading|in other media|partner news|
from our partners|around the web|sponsored stories|promoted stories|in case you missed it|
more videos|top videos|latest stories|latest headlines
""".replace("\n", "").split("|")
)

# Lines that are furniture wherever they stand: buttons, labels, menu words.
BOILERPLATE = frozenset(
    """
share|share this|share this article|share this story|share on facebook|share on twitter|
share on x|share via email|tweet|email|e-mail|print|print this article|copy link|link copied|
facebook|twitter|whatsapp|telegram|linkedin|reddit|vk|pinterest|flipboard|comments|comment|
leave a comment|add a comment|show comments|show more|show less|load more|see more|view more|
more|continue reading|read full article|read the full article|advertisement|advertising|
sponsored|sponsored content|ad|loading|please wait|subscribe|subscribe now|sign up|sign in|
log in|login|register|newsletter|menu|search|go to search|close|skip to content|
skip to main content|back to top|to top|home|next|previous|prev|next article|previous article|
photo|photos|video|videos|gallery|photo gallery|infographics|infographic|listen|
listen to this article|audio|follow us|follow us on|cookie settings|accept|accept all|
accept cookies|cookie policy|cookies|i agree|got it|ok|privacy policy|terms of use|
terms of service|contact us|
about us|all rights reserved|more news|all news|news feed|latest|latest news|select the city|
select language|currency converter|use filter|sections|topics|news search|open in app|
download the app|get the app|now|today|this week|this month|yesterday|edition|change edition|
""".replace("\n", "").split("|")
) - {""}

_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<%.*?%>|\$\{[^}\n]*\}")
_LABEL = re.compile(
    r"^(?:categories|category|tags|tagged|tagged with|topics|filed under|"
    r"keywords|related topics|sections?)\s*:",
    re.I,
)
_INLINE_LINK = re.compile(
    r"^(?:read (?:more|also)|also read|see also|related|more|watch|"
    r"listen|recommended|advertisement)\s*[:›»>|–—-]\s*\S",
    re.I,
)
# a cookie notice speaks to the reader; a news story about cookie rules does not
_COOKIES = re.compile(
    r"\b(?:we|this (?:web)?site|our (?:web)?site|this page)\s+uses?\s+cookies\b|"
    r"\b(?:accept|allow|reject)\s+(?:all\s+)?cookies\b|\bby (?:continuing|using)"
    r" (?:to (?:browse|use) )?(?:this|our) (?:web)?site\b",
    re.I,
)
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|copyright)\s*(?:\d{4}|\d{4}\s*[-–]\s*\d{4})\b|"
    r"\ball rights reserved\b",
    re.I,
)
_COUNTER = re.compile(r"^\d[\d.,]*\s*[kKmM]?\+?\s+[a-z][a-z -]*$")  # "12 comments", "3 min read"
_TERMINAL = re.compile(r"[.!?…:;][\"”’'»)\]]*$")
_PARAGRAPH_END = re.compile(r"[.!?…][\"”’'»)\]]*$")
_KEY_TRIM = " \t:|›»>·•*–—-.…"

# line kinds
_BLANK, _DROP, _HEADING, _SENTENCE, _FRAGMENT = "blank", "drop", "heading", "sentence", "fragment"


# Terminal escape sequences (CSI "ESC [ ... m" colours, OSC "ESC ] ... BEL" titles, others),
# then any control character left but tab and line breaks: none belongs in an article.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """The article text with page furniture removed and paragraph breaks kept."""
    text = _CONTROLS.sub("", _ANSI.sub("", text))
    text = (
        text.replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\f", "\n")
        .replace("\u00a0", " ")
        .replace("\ufeff", "")
        .replace("\u200b", "")
        .replace("\u00ad", "")
    )
    raw_lines = text.split("\n")
    lines = [_TEMPLATE.sub("", line).strip() for line in raw_lines]
    templated = [bool(_TEMPLATE.search(line)) for line in raw_lines]
    if _hard_wrapped(lines):
        lines, templated = _unwrap(lines, templated)
    kinds = [_kind(line, was_template) for line, was_template in zip(lines, templated, strict=True)]
    drop = [k == _DROP for k in kinds]
    _drop_lists(lines, kinds, drop)
    _drop_runs(lines, kinds, drop)
    return _assemble(lines, kinds, drop)


def _hard_wrapped(lines: list[str]) -> bool:
    """Whether paragraphs are broken into lines of a fixed width (wire copy, e-mail, PDFs).

    Told by lines of a middling length that break mid-sentence, often before a lower-case
    word; a menu that wraps one item ("You can filter your feed,/by choosing...") has short
    lines and does not count.
    """
    pairs = [(a, b) for a, b in zip(lines, lines[1:], strict=False) if a and b]
    if len(pairs) < 3:
        return False
    median = sorted(len(a) for a, _ in pairs)[len(pairs) // 2]
    lower = sum(1 for _, b in pairs if b[0].islower())
    unended = sum(1 for a, _ in pairs if len(a) >= 40 and not _TERMINAL.search(a))
    # paragraphs one per line are long and end in full stops; wrapped lines are of a width
    return 50 <= median <= 160 and (lower >= 0.2 * len(pairs) or unended >= 0.35 * len(pairs))


def _unwrap(lines: list[str], flags: list[bool]) -> tuple[list[str], list[bool]]:
    """Lines of a hard-wrapped text joined back into paragraphs: a line that runs near the wrap
    width without ending a sentence, or is followed by a lower-case word, continues on the next.
    A short unended line ("Image copyright AP") is a caption or heading and stays apart."""
    lengths = sorted(len(line) for line in lines if line)
    width = lengths[int(len(lengths) * 0.9)] if lengths else 0
    out: list[str] = []
    out_flags: list[bool] = []
    for line, flag in zip(lines, flags, strict=True):
        prev = out[-1] if out else ""
        if (
            prev
            and line
            and (line[0].islower() or (not _TERMINAL.search(prev) and len(prev) >= 0.6 * width))
        ):
            out[-1] = f"{out[-1]} {line}"
            out_flags[-1] = out_flags[-1] or flag
        else:
            out.append(line)
            out_flags.append(flag)
    return out, out_flags


def _words(line: str) -> int:
    return len(line.split())


def _kind(line: str, was_template: bool) -> str:
    if not line:
        return _DROP if was_template else _BLANK
    if not any(c.isalpha() for c in line):  # bare numbers, rules, arrows
        return _DROP
    key = re.sub(r"\s*\(\d+\)$", "", re.sub(r"\s+", " ", line.lower())).strip(_KEY_TRIM)
    if key in LIST_HEADINGS:
        return _HEADING
    words = _words(line)
    if (
        key in BOILERPLATE
        or (_LABEL.match(line) and words <= 25)
        or (_INLINE_LINK.match(line) and not _PARAGRAPH_END.search(line))
        or (_COOKIES.search(line) and words <= 80)
        or (_COPYRIGHT.search(line) and words <= 20)
        or (_COUNTER.match(line) and words <= 6)
    ):
        return _DROP
    if words >= 20 or (words >= 4 and _TERMINAL.search(line)):
        return _SENTENCE
    return _FRAGMENT


def _real_paragraph(line: str, kind: str) -> bool:
    """Where a link list ends: prose, not another headline."""
    words = _words(line)
    return kind == _SENTENCE and (words >= 20 or (words >= 8 and bool(_PARAGRAPH_END.search(line))))


def _drop_lists(lines: list[str], kinds: list[str], drop: list[bool]) -> None:
    """Drop each list heading and everything under it until a real paragraph."""
    n = len(lines)
    for i, kind in enumerate(kinds):
        if kind != _HEADING:
            continue
        drop[i] = True
        before = kinds[i - 1] if i else _BLANK
        after = kinds[i + 1] if i + 1 < n else _BLANK
        # "Top stories" as the last word of a menu block heads no list of its own
        if after == _BLANK and before in (_FRAGMENT, _DROP, _HEADING):
            continue
        j = i + 1
        while j < n and not _real_paragraph(lines[j], kinds[j]):
            drop[j] = True
            j += 1


def _drop_runs(lines: list[str], kinds: list[str], drop: list[bool]) -> None:
    """Drop runs of short, unpunctuated lines: menus, tag clouds, headline lists."""
    runs: list[list[int]] = []
    current: list[int] = []
    last: int | None = None
    for i, kind in enumerate(kinds):
        if kind == _BLANK:
            continue
        weak = kind in (_FRAGMENT, _DROP, _HEADING) or (drop[i] and kind != _SENTENCE)
        if not weak:
            if current:
                runs.append(current)
            current, last = [], None
            continue
        adjacent = last is not None and (
            i == last + 1  # no blank line between them; else only very short items link up
            or (_words(lines[last]) <= 3 and _words(lines[i]) <= 3)
        )
        if current and not adjacent:
            runs.append(current)
            current = []
        current.append(i)
        last = i
    if current:
        runs.append(current)
    for run in runs:
        furniture = any(kinds[i] in (_DROP, _HEADING) for i in run)
        if len(run) >= 5:  # a menu or a list of links: captions do not come in fives
            for i in run:
                drop[i] = True
        elif len(run) >= 3 or (furniture and len(run) >= 2):
            # keep longer lines (a headline, a caption with a date and places); drop the rest
            for i in run:
                if _words(lines[i]) <= 5:
                    drop[i] = True


def _assemble(lines: list[str], kinds: list[str], drop: list[bool]) -> str:
    """Kept lines; a blank line wherever a paragraph break or removed furniture was."""
    out: list[str] = []
    gap = False
    for line, kind, dropped in zip(lines, kinds, drop, strict=True):
        if kind == _BLANK or dropped:
            gap = True
            continue
        if out and gap:
            out.append("")
        out.append(line)
        gap = False
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Publication date from the text

_MONTH = rf"(?P<mon>{MONTH_NAMES})\.?"
_YEAR = r"(?P<y>(?:19|20)\d{2})"
_DAY = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)?"
_FULL_DATES = (
    re.compile(r"(?<![\d-])(?P<y>(?:19|20)\d{2})[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?![\d-])"),
    re.compile(rf"\b{_WEEKDAY}{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),
    re.compile(r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)\d{2})\b"),  # 13.06.2019
    re.compile(r"(?<![\d/])(?P<a>[01]?\d|[0-3]\d)/(?P<b>[0-3]?\d)/(?P<y>(?:19|20)\d{2})\b"),
)
_HEADER = re.compile(  # at the start of a line or after a separator: "By X | Published ..."
    r"(?:^|[|•·—–]\s*)\W{0,3}\b(?P<kw>date|dated|published|posted|first published|"
    r"publication date|released|updated|last updated|last modified|modified)"
    r"(?:\s+on)?\s*[:\-–—]?\s*",
    re.I,
)
_EXTRA_TOKEN = re.compile(  # what may stand beside a date on a line that is only a timestamp
    r"^(?:\d{1,2}[:.]\d{2}(?::\d{2})?(?:am|pm)?|am|pm|a\.m\.|p\.m\.|at|on|updated|published|"
    r"posted|last|first|(?:GMT|UTC|BST|CET|CEST|EET|EEST|MSK|EST|EDT|CST|CDT|PST|PDT|ET|PT)"
    r"(?:[+-]\d{1,2}(?::?\d{2})?)?|[|/•·,.:()\-–—]+)$",
    re.I,
)
_STAMP = re.compile(
    rf"^\s*{_WEEKDAY}{_MONTH}\s+{_DAY},?\s+\d{{1,2}}:\d{{2}}", re.M
)  # "June 13, 14:53"
_ANY_YEAR = re.compile(r"(?<![\d$£€.,/-])(?:19[5-9]\d|20\d{2})(?![\d%])")
_FUTURE_CUE = re.compile(r"\b(?:by|until|till|through|to|before|for)\s*$|[-–]\s*$", re.I)


def find_published(text: str, *, today: date | None = None) -> date | None:
    """The publication date stated in an article's own text (header, timestamp, dateline)."""
    today = today or date.today()
    lines = text.replace("\r", "\n").split("\n")
    header = _header_date(lines, today)
    if header:
        return header
    stamp = _timestamp_line(lines, today)
    if stamp:
        return stamp
    return _dateline_date(text, today)


def _full_dates(text: str) -> list[tuple[int, int, date]]:
    """(start, end, date) of every complete date written in text, in order."""
    found: dict[int, tuple[int, int, date]] = {}
    for pattern in _FULL_DATES:
        for m in pattern.finditer(text):
            if any(s <= m.start() < e for s, e, _ in found.values()):
                continue
            parsed = _match_date(m)
            if parsed:
                found[m.start()] = (m.start(), m.end(), parsed)
    return [found[k] for k in sorted(found)]


def _match_date(m: re.Match) -> date | None:
    g = m.groupdict()
    year = int(g["y"])
    if g.get("mon"):
        month = MONTHS[g["mon"].lower()]
        day = int(g["d"])
    elif g.get("a"):
        a, b = int(g["a"]), int(g["b"])
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            month, day = a, b
        else:  # 06/07/2019 is June 7 in one country and July 6 in another
            return None
    else:
        month, day = int(g["m"]), int(g["d"])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _sane(found: date | None, today: date) -> date | None:
    """The date, if a publication could bear it: not before 1900, not past next year."""
    if found and date(1900, 1, 1) <= found <= date(today.year + 1, 12, 31):
        return found
    return None


def _header_date(lines: list[str], today: date) -> date | None:
    """'date 2019-06-13', 'Published: 13 June 2019': publication keywords first, 'updated' last."""
    updated = None
    for line in lines:
        m = _HEADER.search(line) if _words(line) <= 15 else None  # a byline, not a sentence
        if not m:
            continue
        dates = [d for s, _, d in _full_dates(line) if s - m.end() <= 12 and s >= m.end()]
        found = _sane(dates[0] if dates else None, today)
        if not found:
            continue
        if m.group("kw").lower() in ("updated", "last updated", "last modified", "modified"):
            updated = updated or found
        else:
            return found
    return updated


def _timestamp_line(lines: list[str], today: date) -> date | None:
    """A line near the top that holds nothing but a date (and a weekday, a time, a zone)."""
    for line in [ln for ln in lines if ln.strip()][:10]:
        dates = _full_dates(line)
        if len(dates) != 1:
            continue
        start, end, found = dates[0]
        rest = (line[:start] + " " + line[end:]).split()
        if all(_EXTRA_TOKEN.match(tok) for tok in rest):
            return _sane(found, today)
        # "May 11, 2015 - Warships began ...": a date opening the first paragraph, as a dateline.
        if not line[:start].strip() and re.match(r"\s*(?:--|—|–|-)\s", line[end:]):
            return _sane(found, today)
    return None


def _dateline_date(text: str, today: date) -> date | None:
    """A dateline's month and day, with its year or else the year the text itself implies: the
    first dateline with its city in capitals, else the first in title case, else a timestamp."""
    dated = [d for d in find_datelines(text) if d.dated]
    capitals = [d for d in dated if text[d.place_start : d.place_end].isupper()]
    tried = [next(iter(capitals), None), next((d for d in dated if d not in capitals), None)]
    found = [(d.month, d.day, d.year) for d in tried if d is not None]
    stamp = _STAMP.search(text)
    if stamp:
        found.append((MONTHS[stamp.group("mon").lower()], int(stamp.group("d")), None))
    for month, day, year in found:
        assert month is not None and day is not None  # a dated dateline states both
        if year:
            return _sane(_safe_date(year, month, day), today)
        year = _implied_year(text, month, day, today)
        if year:
            return _sane(_safe_date(year, month, day), today)
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _implied_year(text: str, month: int, day: int, today: date) -> int | None:
    """The year of a dateline's day: a full date with the same day, else the latest past year
    the text mentions (articles cite earlier years, rarely later ones, except targets and
    plans, which are left out)."""
    for _, _, found in _full_dates(text):
        if (found.month, found.day) == (month, day):
            return found.year
    years = []
    for m in _ANY_YEAR.finditer(text):
        year = int(m.group())
        before = text[max(0, m.start() - 12) : m.start()]
        if _FUTURE_CUE.search(before):
            continue  # "by 2030", "until 2025", "2017-2020": targets, not the present
        if year <= today.year and _safe_date(year, month, day) and date(year, month, day) <= today:
            years.append(year)
    return max(years) if years else None
