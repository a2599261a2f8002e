"""Bad input, generated: each case writes one kind of bad file (or record) beside a good
article and runs `python -m geo ingest DIR --report FILE` on the folder.

For every case: the good article is ingested; the bad input is ingested correctly (checked
by the case) or rejected with a reason naming the file (and the line of a record); no
traceback; exit status 1 exactly when something was rejected; the database passes
`PRAGMA integrity_check`. The report must list every input the case made, and nothing else.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import signal
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from geo.__main__ import main, shown
from geo.model import Article
from geo.store import Store

GOOD = "Russian and Chinese troops held joint drills near Vladivostok in July 2019."
# An invented story for the cases that must be read: its events are known.
STORY = (
    "Indian and French warships held joint naval drills off Goa in March 2021, "
    "the Indian navy said."
)
OTHER = "Japanese and American ships held a joint patrol near Okinawa in May 2020."
RUSSIAN = (
    "Российские и китайские военные корабли провели совместные учения в Японском море. "
    "Министерство обороны сообщило, что в манёврах участвовали десять кораблей и "
    "несколько самолётов."
)
CHINESE = (
    "中国和俄罗斯海军周一在日本海举行联合军事演习。国防部表示，演习将持续一周，共有十艘舰艇参加。"
)
JAPANESE = (
    "ロシアと中国の艦船が日本海で合同演習を行った。"
    "防衛省が月曜日に発表した。演習は一週間続く予定だ。"
)
GERMAN = (
    "Russische und chinesische Kriegsschiffe haben im Japanischen Meer ein gemeinsames "
    "Manöver abgehalten. Das Verteidigungsministerium teilte mit, dass zehn Schiffe und "
    "mehrere Flugzeuge beteiligt waren, darunter zwei Zerstörer und ein U-Boot der Marine."
)


Files = dict[str, "str | bytes"]
Check = Callable[[list[Article], list[dict]], None]


@dataclass(frozen=True)
class Case:
    """One kind of bad input: what to write, what the report must say about it."""

    id: str
    build: Callable[[Path], None]
    # (path relative to the folder, line) -> (outcome, words the reason must contain)
    expect: dict[tuple[str, int | None], tuple[str, str]]
    check: Check | None = None  # for inputs that are read: what a correct reading holds
    skip: str | None = None
    extra: dict = field(default_factory=dict)


def files(spec: Files) -> Callable[[Path], None]:
    """A build step writing these files (str as UTF-8, bytes as they are)."""

    def build(folder: Path) -> None:
        for name, content in spec.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")

    return build


def jsonl(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def rejected(reason: str) -> tuple[str, str]:
    return ("rejected", reason)


ADDED = ("added", "")


def article(articles: list[Article], id: str) -> Article:
    [found] = [a for a in articles if a.id == id]
    return found


def has_text(id: str, *words: str, absent: tuple[str, ...] = ()) -> Check:
    """The article was read with these words in its text, and without the absent ones."""

    def check(articles: list[Article], report: list[dict]) -> None:
        text = article(articles, id).text
        for word in words:
            assert word in text
        for word in absent:
            assert word not in text

    return check


def published(id: str, when: date | None) -> Check:
    def check(articles: list[Article], report: list[dict]) -> None:
        assert article(articles, id).published == when

    return check


# ---------------------------------------------------------------------------------------------
# Builders for the cases that are not plain files


def fifo(folder: Path) -> None:
    os.mkfifo(folder / "pipe.txt")


def symlink_loop(folder: Path) -> None:
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")


def folder_link_loop(folder: Path) -> None:
    os.symlink(".", folder / "again")


def dangling_link(folder: Path) -> None:
    os.symlink("gone.txt", folder / "link.txt")


def unreadable(folder: Path) -> None:
    (folder / "secret.txt").write_text(STORY, encoding="utf-8")
    (folder / "secret.txt").chmod(0)


def sparse_50_mb(folder: Path) -> None:
    with open(folder / "huge.txt", "wb") as handle:  # 50 MB on paper, nothing on disk
        handle.truncate(50 * 2**20)


def zip_file(folder: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("story.txt", STORY)
    (folder / "stories.zip").write_bytes(buffer.getvalue())


def sqlite_file(folder: Path) -> None:
    with sqlite3.connect(folder / "old.db") as conn:
        conn.execute("CREATE TABLE t (x)")


def both_stored(id: str) -> Check:
    def check(articles: list[Article], report: list[dict]) -> None:
        assert len({a.key for a in articles if a.id == id}) == 2

    return check


def many_files(folder: Path) -> None:
    many = folder / "many"
    many.mkdir()
    for i in range(2000):
        (many / f"note-{i:04d}.txt").write_text(
            f"Note {i}: the harbour office logged ship number {i}.", encoding="utf-8"
        )


def many_added(articles: list[Article], report: list[dict]) -> None:
    added = [r for r in report if "/many/" in r["path"] and r["outcome"] == "added"]
    assert len(added) == 2000 and len(articles) == 2001


BAD_BYTE_NAME = os.fsdecode(b"caf\xe9-latin1.txt")  # a file name that is not UTF-8


def rng_bytes(n: int, seed: int = 8) -> bytes:
    return random.Random(seed).randbytes(n)


def big_text() -> str:
    paragraph = (STORY + " ") * 20 + "\n\n"
    return paragraph * (3 * 2**20 // len(paragraph) + 1)  # about 3 MB


def long_line() -> str:
    words = "troops held drills near the border with ships and aircraft of several navies".split()
    rng = random.Random(3)
    return " ".join(rng.choice(words) for _ in range(20_000))[:100_000]


HTML = """<!doctype html><html><head><title>Joint drills off Goa</title>
<style>body { color: red } .x::after { content: "STYLE-LEAK" }</style>
<script>alert("SCRIPT-LEAK"); document.write("SCRIPT-LEAK")</script></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<iframe src="https://ads.example/frame" title="IFRAME-LEAK"></iframe>
<article><h1>Joint drills off Goa</h1><p>{story}</p>
<p>The exercise, the fifth of its kind, brought together two frigates and a submarine,
officials from both navies told reporters after the last day of manoeuvres at sea.</p>
<script>var tracking = "SCRIPT-LEAK";</script></article>
<noscript><img src="https://track.example/pixel.gif"></noscript></body></html>
""".replace("{story}", STORY)

CSV_QUOTES = (
    "id,title,text\n"
    'c1,"Drills, ""joint"" ones","Indian and French warships held drills off Goa in March 2021.\n'
    'A second paragraph says ""more drills"" are planned, the navy said."\n'
    f'c2,Other,"{OTHER}"\n'
)

CASES = [
    Case("empty", files({"empty.txt": ""}), {("empty.txt", None): rejected("empty file")}),
    Case(
        "whitespace only",
        files({"blank.txt": " \n\t \r\n \u00a0\n"}),
        {("blank.txt", None): rejected("empty")},
    ),
    Case(
        "binary data",
        files({"noise.txt": rng_bytes(4096)}),
        {("noise.txt", None): rejected("undecodable")},
    ),
    Case(
        "a PDF named .txt",
        files({"report.txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + rng_bytes(2048, 9)}),
        {("report.txt", None): rejected("undecodable")},
    ),
    Case(
        "text with NUL bytes",
        files({"nul.txt": STORY.encode().replace(b" ", b"\x00")}),
        {("nul.txt", None): rejected("undecodable")},
    ),
    Case(
        "a 3 MB text",
        files({"big.txt": big_text()}),
        {("big.txt", None): rejected("too long for an article")},
    ),
    Case(
        "a 50 MB file",
        sparse_50_mb,
        {("huge.txt", None): rejected("too large for an article: 50.0 MB")},
    ),
    Case(
        "invalid UTF-8 (one stray byte)",
        files({"stray.txt": ("Café owners in Goa — and the navy — " + STORY).encode() + b"\xff"}),
        {("stray.txt", None): ADDED},
        has_text("stray.txt", "Café", "—", "Goa"),
    ),
    Case(
        "UTF-16 with BOM",
        files({"utf16.txt": STORY.encode("utf-16")}),
        {("utf16.txt", None): ADDED},
        has_text("utf16.txt", STORY),
    ),
    Case(
        "UTF-32 with BOM",
        files({"utf32.txt": STORY.encode("utf-32")}),
        {("utf32.txt", None): ADDED},
        has_text("utf32.txt", STORY),
    ),
    Case(
        "Windows-1251, Russian text",
        files({"cp1251.txt": RUSSIAN.encode("cp1251")}),
        {("cp1251.txt", None): rejected("language not supported")},
    ),
    Case(
        "Windows-1251, English with a Russian name",
        files(
            {
                "cp1251-en.txt": (
                    "The Russian navy ship «Адмирал Трибуц» joined Indian and French warships "
                    "for drills off Goa in March 2021, the navy said."
                ).encode("cp1251")
            }
        ),
        {("cp1251-en.txt", None): ADDED},
        has_text("cp1251-en.txt", "«Адмирал Трибуц»"),
    ),
    Case(
        "Shift-JIS, Japanese text",
        files({"sjis.txt": JAPANESE.encode("shift_jis")}),
        {("sjis.txt", None): rejected("language not supported")},
    ),
    Case(
        "Russian text",
        files({"ru.txt": RUSSIAN}),
        {
            ("ru.txt", None): rejected(
                "language not supported: 100% of the letters are in Cyrillic script"
            )
        },
    ),
    Case(
        "Chinese text",
        files({"zh.txt": CHINESE}),
        {("zh.txt", None): rejected("Chinese or Japanese script")},
    ),
    Case(
        "German text",
        files({"de.txt": GERMAN}),
        {("de.txt", None): rejected("language not supported")},
    ),
    Case(
        "Russian record in a JSONL file",
        files({"mixed.jsonl": jsonl({"id": "ru", "text": RUSSIAN}, {"id": "en", "text": STORY})}),
        {
            ("mixed.jsonl", 1): rejected("line 1: language not supported"),
            ("mixed.jsonl", 2): ADDED,
        },
    ),
    Case(
        "HTML with scripts, styles and iframes",
        files({"page.html": HTML}),
        {("page.html", None): ADDED},
        has_text("page.html", "Goa", absent=("SCRIPT-LEAK", "STYLE-LEAK", "IFRAME-LEAK", "<")),
    ),
    Case(
        "a 1.5 MB HTML page, mostly inline script",
        files(
            {"heavy.html": HTML.replace("</head>", f"<script>{'x=1;' * 400_000}</script></head>")}
        ),
        {("heavy.html", None): ADDED},
        has_text("heavy.html", "Goa", absent=("x=1",)),
    ),
    Case(
        "HTML with nothing but scripts",
        files({"empty.html": "<html><head><script>alert(1)</script></head><body></body></html>"}),
        {("empty.html", None): rejected("no article text found in the HTML page")},
    ),
    Case(
        "a 100,000-character line without punctuation",
        files({"line.txt": long_line()}),
        {("line.txt", None): ADDED},
        has_text("line.txt", "troops"),
    ),
    Case(
        "a 100,000-character word",
        files({"word.txt": "x" * 100_000}),
        {("word.txt", None): ADDED},
    ),
    Case(
        "sidecar with broken JSON",
        files({"story.txt": STORY, "story.meta.json": '{"title": "Drills", "published": '}),
        {
            ("story.txt", None): ADDED,
            ("story.meta.json", None): rejected("malformed JSON in metadata sidecar (line 1"),
        },
        published("story.txt", None),
    ),
    Case(
        "sidecar with wrong types",
        files(
            {
                "story.txt": STORY,
                "story.meta.json": json.dumps(
                    {"title": ["a", "list"], "source": 42, "published": "2021-03-20"}
                ),
            }
        ),
        {
            ("story.txt", None): ADDED,
            ("story.meta.json", None): rejected("'title' is a list, not a string"),
        },
        published("story.txt", date(2021, 3, 20)),  # the usable field is still applied
    ),
    Case(
        "sidecar that is a JSON list",
        files({"story.txt": STORY, "story.meta.json": "[1, 2]"}),
        {
            ("story.txt", None): ADDED,
            ("story.meta.json", None): rejected("not a JSON object"),
        },
    ),
    Case(
        "impossible publication date",
        files({"story.txt": STORY, "story.meta.json": '{"published": "2021-02-30"}'}),
        {
            ("story.txt", None): ADDED,
            ("story.meta.json", None): rejected("'2021-02-30' is not an ISO 8601 date"),
        },
        published("story.txt", None),
    ),
    Case(
        "future publication date",
        files({"story.txt": STORY, "story.meta.json": '{"published": "2999-01-01"}'}),
        {
            ("story.txt", None): ADDED,
            ("story.meta.json", None): rejected("'published' 2999-01-01 is in the future"),
        },
        published("story.txt", None),
    ),
    Case(
        "future publication date in a record",
        files({"feed.jsonl": jsonl({"id": "f1", "text": STORY, "published": "2999-01-01"})}),
        {("feed.jsonl", 1): ADDED},
        published("f1", None),  # dropped, not used to resolve "last month"
    ),
    Case(
        "CSV without a text column",
        files({"table.csv": "id,headline,body\n1,Drills,Ships held drills.\n"}),
        {("table.csv", None): rejected("CSV without a 'text' column")},
    ),
    Case(
        "CSV with embedded newlines and quotes",
        files({"quoted.csv": CSV_QUOTES}),
        {("quoted.csv", 2): ADDED, ("quoted.csv", 3): ADDED},
        has_text("c1", 'A second paragraph says "more drills" are planned'),
    ),
    Case(
        "CSV with an empty text cell",
        files({"gaps.csv": "id,text\ng1,\ng2," + STORY + "\n"}),
        {("gaps.csv", 2): rejected("record on row 2 without text"), ("gaps.csv", 3): ADDED},
    ),
    Case(
        "JSONL with broken lines among good ones",
        files(
            {
                "feed.jsonl": jsonl(
                    {"id": "j1", "text": STORY},
                    '{"id": "j2", "text": "unterminated',
                    "[1, 2, 3]",
                    {"id": "j4", "text": 17},
                    {"id": "j5", "title": "no text"},
                    {"id": "j6", "text": OTHER},
                )
            }
        ),
        {
            ("feed.jsonl", 1): ADDED,
            ("feed.jsonl", 2): rejected("malformed JSON on line 2"),
            ("feed.jsonl", 3): rejected("line 3 is a JSON list, not an object"),
            ("feed.jsonl", 4): rejected("'text' is a int, not a string"),
            ("feed.jsonl", 5): rejected("record on line 5 without text"),
            ("feed.jsonl", 6): ADDED,
        },
    ),
    Case(
        "JSONL nested 100,000 deep",
        files({"deep.jsonl": "[" * 100_000 + "]" * 100_000 + "\n" + jsonl({"text": STORY})}),
        {("deep.jsonl", 1): rejected("unreadable JSON on line 1"), ("deep.jsonl", 2): ADDED},
    ),
    Case(
        "JSONL with a 5,000-digit number",
        files({"digits.jsonl": '{"id": 1' + "0" * 5000 + ', "text": "x"}\n'}),
        {("digits.jsonl", 1): rejected("unreadable JSON on line 1")},
    ),
    Case(
        "JSONL with lone surrogates",
        files(
            {
                "sur.jsonl": '{"id": "s\\ud800", "title": "\\udfff", "text": "'
                + STORY
                + '\\ud83d"}\n'
            }
        ),
        {("sur.jsonl", 1): ADDED},
        has_text("s\ufffd", STORY + "\ufffd"),
    ),
    Case(
        "JSONL with a byte-order mark and CRLF line ends",
        files(
            {
                "bom.jsonl": b"\xef\xbb\xbf"
                + jsonl({"id": "b1", "text": STORY}).encode().replace(b"\n", b"\r\n")
            }
        ),
        {("bom.jsonl", 1): ADDED},
    ),
    Case(
        "duplicate ids with different texts",
        files(
            {
                "dups.jsonl": jsonl(
                    {"id": "same", "text": STORY},
                    {"id": "same", "text": OTHER},
                )
            }
        ),
        {("dups.jsonl", 1): ADDED, ("dups.jsonl", 2): ADDED},
        both_stored("same"),
    ),
    Case(
        "the same text twice",
        files({"one.txt": STORY, "two.txt": STORY}),
        {("one.txt", None): ADDED, ("two.txt", None): ("unchanged", "")},
    ),
    Case(
        "odd file names: spaces, unicode, a leading dash",
        files(
            {
                "my story (1).txt": STORY,
                "Москва — учения.txt": OTHER,
                "-rf.txt": "Turkish and Pakistani special forces trained near Ankara in 2018.",
            }
        ),
        {
            ("my story (1).txt", None): ADDED,
            ("Москва — учения.txt", None): ADDED,
            ("-rf.txt", None): ADDED,
        },
    ),
    Case(
        "a newline and an escape sequence in a file name",
        files({"bad\nname\x1b[31m.txt": ""}),
        {("bad\nname\x1b[31m.txt", None): rejected("empty file")},
    ),
    Case(
        "a file name that is not UTF-8",
        files({BAD_BYTE_NAME: STORY}),
        # stored, and so reported, with U+FFFD for the byte: SQLite holds UTF-8 only
        {("caf\ufffd-latin1.txt", None): ADDED},
        has_text("caf\ufffd-latin1.txt", STORY),
    ),
    Case(
        "a symbolic link loop",
        symlink_loop,
        {
            ("loop-a.txt", None): rejected("Too many levels of symbolic links"),
            ("loop-b.txt", None): rejected("Too many levels of symbolic links"),
        },
    ),
    Case(
        "a link to its own folder",
        folder_link_loop,
        {("again", None): rejected("symbolic link to a folder, not followed")},
    ),
    Case(
        "a dangling symbolic link",
        dangling_link,
        {("link.txt", None): rejected("No such file or directory")},
    ),
    Case(
        "an unreadable file",
        unreadable,
        {("secret.txt", None): rejected("Permission denied")},
        skip="root reads a file whatever its mode" if os.geteuid() == 0 else None,
    ),
    Case("a FIFO", fifo, {("pipe.txt", None): rejected("a named pipe (FIFO)")}),
    Case(
        "a folder named like a file",
        files({"x.txt/inside.txt": STORY}),
        {("x.txt/inside.txt", None): ADDED},
    ),
    Case(
        "a zip archive",
        zip_file,
        {("stories.zip", None): rejected("unsupported extension '.zip' (an archive")},
    ),
    Case(
        "a gzip file",
        files({"story.txt.gz": gzip.compress(STORY.encode())}),
        {("story.txt.gz", None): rejected("unsupported extension '.gz' (compressed")},
    ),
    Case(
        "gzip data named .txt",
        files({"packed.txt": gzip.compress(STORY.encode() * 20)}),
        {("packed.txt", None): rejected("undecodable")},
    ),
    Case(
        "a .json file",
        files({"feed.json": json.dumps([{"text": STORY}])}),
        {("feed.json", None): rejected("one JSON object per line goes in a .jsonl file")},
    ),
    Case(
        "no file extension",
        files({"README": STORY}),
        {("README", None): rejected("no file extension")},
    ),
    Case(
        "a sidecar without its article",
        files({"lonely.meta.json": '{"title": "x"}'}),
        {("lonely.meta.json", None): rejected("metadata sidecar without an article")},
    ),
    Case(
        "only page furniture",
        files({"menu.txt": "Home\nWorld\nShare\nTweet\nMost read\nSubscribe\nMenu\n"}),
        {("menu.txt", None): rejected("only page furniture")},
    ),
    Case(
        "terminal escape sequences in a text",
        files({"ansi.txt": "\x1b[2J\x1b[31m" + STORY + "\x1b[0m"}),
        {("ansi.txt", None): ADDED},
        has_text("ansi.txt", "Goa"),
    ),
    Case(
        "a spreadsheet formula as the text",
        files(
            {
                "formula.csv": 'id,text\nf1,"=HYPERLINK(""http://evil.example"",""x"") '
                + STORY
                + '"\n'
            }
        ),
        {("formula.csv", 2): ADDED},
        has_text("f1", "=HYPERLINK"),  # stored as text; the CSV export neutralises it
    ),
    Case(
        "the tool's own SQLite database",
        sqlite_file,
        {("old.db", None): ("skipped", "SQLite database")},
    ),
    Case(
        "a folder of 2,000 files",
        many_files,
        {},  # checked by many_added
        many_added,
    ),
]


@pytest.fixture
def no_hang():
    """Fail, instead of hanging, a case that blocks (a FIFO read without O_NONBLOCK)."""

    def timeout(signum, frame):
        raise TimeoutError("the ingest hung")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_beside_a_good_article(case, tmp_path, capsys, monkeypatch, geoparser, no_hang):
    if case.skip:
        pytest.skip(case.skip)
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    case.build(folder)
    db, report_path = tmp_path / "events.db", tmp_path / "report.jsonl"

    status = main(["ingest", str(folder), "--db", str(db), "--report", str(report_path)])

    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    report = [json.loads(line) for line in report_path.read_text(encoding="utf-8").splitlines()]
    by_input = {(os.path.relpath(r["path"], folder), r["line"]): r for r in report}
    assert len(by_input) == len(report), "an input reported twice"
    good = by_input.pop(("good.txt", None))
    assert good["outcome"] == "added" and good["events"] >= 1
    if case.id != "a folder of 2,000 files":
        assert set(by_input) == set(case.expect)
    for key, (outcome, reason) in case.expect.items():
        got = by_input[key]
        assert got["outcome"] == outcome, got
        assert reason in (got["reason"] or ""), got
        if outcome == "rejected":  # named on stderr, the line of a record included
            where = str(folder / key[0]) + (f":{key[1]}" if key[1] else "")
            assert f"rejected {shown(where)}: " in err
    assert status == (1 if any(r["outcome"] == "rejected" for r in report) else 0)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Store(db) as store:
        articles = store.articles()
        assert len(articles) == sum(r["outcome"] == "added" for r in report)
        # every stored event comes from an article that was added
        cited = {s.article for e in store.events() for s in e.sources}
        assert cited <= {a.id for a in articles}
    if case.check:
        case.check(articles, report)


def test_unsupported_language_never_makes_events(tmp_path, monkeypatch, geoparser):
    """Russian and Chinese versions of a drill story give no events at all (not wrong ones)."""
    monkeypatch.setattr("geo.pipeline.load_geoparser", lambda: geoparser)
    (tmp_path / "ru.txt").write_text(RUSSIAN, encoding="utf-8")
    (tmp_path / "zh.txt").write_text(CHINESE, encoding="utf-8")
    db = tmp_path / "e.db"
    assert main(["ingest", str(tmp_path), "--db", str(db)]) == 1
    with Store(db) as store:
        assert store.event_count() == 0 and store.article_count() == 0
