"""Reading articles: every format, encodings, sidecars, rejections, furniture removal, dates.

Texts are written here for the tests; the seed articles serve for the furniture cases.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from geo import ArticleError
from geo.articles import (
    clean_text,
    decode_bytes,
    find_published,
    location,
    parse_date,
    read_paths,
    read_text,
    unsupported_language,
)
from geo.config import SEEDS_DIR
from geo.model import Article, Rejection

TODAY = date(2025, 1, 1)
STORY = (
    "Warships from both navies sailed from Vladivostok on Saturday for a week of joint "
    "exercises in the Sea of Japan, the defence ministry said."
)
STORY2 = (
    "Officials in Tokyo said they were watching the drills closely and would raise the "
    "matter with both governments at talks in Geneva next month."
)


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return path


def read_all(*paths: Path | str, **kw) -> tuple[list[Article], list[Rejection]]:
    items = list(read_paths(list(paths), **kw))
    return (
        [i for i in items if isinstance(i, Article)],
        [i for i in items if isinstance(i, Rejection)],
    )


def only_article(*paths: Path | str) -> Article:
    articles, rejections = read_all(*paths)
    assert not rejections, rejections
    assert len(articles) == 1
    return articles[0]


# --- plain text and sidecars ------------------------------------------------------------------


def test_txt_with_sidecar_takes_its_metadata_and_the_file_name_as_id(tmp_path):
    txt = write(tmp_path / "017_patrol.txt", f"Navies begin joint patrol\n\n{STORY}\n")
    write(
        tmp_path / "017_patrol.meta.json",
        json.dumps(
            {
                "title": "Navies begin joint patrol",
                "source": "Harbour Times",
                "url": "https://example.org/patrol",
                "published": "2021-10-23T08:15:00+03:00",
                "notes": "extra keys are ignored",
            }
        ),
    )
    article = only_article(txt)
    assert article.id == "017_patrol.txt"
    assert article.path == str(txt)
    assert (article.title, article.source, article.url) == (
        "Navies begin joint patrol",
        "Harbour Times",
        "https://example.org/patrol",
    )
    assert article.published == date(2021, 10, 23)
    assert article.published_how == "metadata"
    assert STORY in article.text


def test_txt_without_sidecar_has_a_title_from_its_headline_and_an_unknown_date(tmp_path):
    article = only_article(write(tmp_path / "a.txt", f"Navies begin joint patrol\n\n{STORY}\n"))
    assert article.title == "Navies begin joint patrol"
    assert article.published is None
    assert article.published_how == "unknown"


def test_malformed_sidecar_is_reported_by_name_and_the_article_is_still_read(tmp_path):
    txt = write(tmp_path / "b.txt", STORY)
    sidecar = write(tmp_path / "b.meta.json", '{"source": "Harbour Times",,}')
    articles, rejections = read_all(txt)
    assert [a.id for a in articles] == ["b.txt"]
    assert articles[0].source is None
    assert len(rejections) == 1
    assert rejections[0].path == str(sidecar)
    assert "malformed JSON" in rejections[0].reason and "b.txt" in rejections[0].reason


def test_a_bad_date_in_a_sidecar_drops_only_that_field(tmp_path):
    txt = write(tmp_path / "c.txt", f"Published: 4 March 2020\n\n{STORY}")
    write(
        tmp_path / "c.meta.json", json.dumps({"source": "Harbour Times", "published": "last week"})
    )
    articles, rejections = read_all(txt)
    assert articles[0].source == "Harbour Times"
    assert (articles[0].published, articles[0].published_how) == (date(2020, 3, 4), "text")
    assert rejections[0].path.endswith("c.meta.json") and "published" in rejections[0].reason


def test_markdown_markup_is_removed_and_its_words_kept(tmp_path):
    md = write(
        tmp_path / "d.md",
        "# Navies begin **joint** patrol\n\n"
        "Warships sailed from [Vladivostok](https://example.org/v) on "
        "Saturday for a week of *joint* exercises, the ministry said.\n",
    )
    article = only_article(md)
    assert article.text.startswith("Navies begin joint patrol\n\n")
    assert "from Vladivostok on Saturday" in article.text
    assert not any(ch in article.text for ch in "#*[]()")


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, text",
    [
        ("latin-1", "The mayor of Zürich met officials from São Paulo in Malmö on Tuesday."),
        ("cp1252", "“We are ready,” the minister said in Zürich — not in Genève."),
        (
            "cp1251",
            "Troops gathered near Чита before the «Восток» drills, officials in Москва said.",
        ),
        ("cp1251", "Drills near Чита."),
        ("utf-16", "Russia and China held drills near Владивосток and in the Sea of Japan."),
        ("utf-16-le", "Russia and China held drills near Владивосток and in the Sea of Japan."),
        ("utf-8-sig", "Navies met off Kraków? No: off Gdańsk, Poland."),
    ],
)
def test_files_in_other_encodings_are_decoded(tmp_path, encoding, text):
    path = write(tmp_path / "enc.txt", text, encoding=encoding)
    assert read_text(path) == text
    assert only_article(path).text == text


def test_utf8_with_one_bad_byte_stays_utf8():
    data = "“Zürich”, the minister said in Genève — twice.".encode() + b" \xff end"
    assert decode_bytes(data) == "“Zürich”, the minister said in Genève — twice. \ufffd end"


def test_binary_data_is_rejected_as_undecodable(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8
    articles, rejections = read_all(write(tmp_path / "image.txt", png))
    assert not articles
    assert "undecodable" in rejections[0].reason
    with pytest.raises(ArticleError):
        decode_bytes(png)


def test_a_byte_order_mark_that_lies_is_rejected_not_crashed_on(tmp_path):
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbfAbc \xff\xfe\xfa broken")
    assert "undecodable" in read_all(path)[1][0].reason


# --- JSONL and CSV -----------------------------------------------------------------------------


def test_jsonl_gives_one_article_or_rejection_per_line(tmp_path):
    lines = [
        json.dumps(
            {"id": "wire-1", "text": STORY, "title": "Joint patrol", "published": "2021-10-23"}
        ),
        '{"text": "unterminated',
        "",
        json.dumps({"text": STORY2, "source": "Harbour Times", "published": "someday"}),
        json.dumps({"title": "no body here"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": 7, "text": 42}),
    ]
    path = write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    items = list(read_paths([path]))
    assert len(items) == 6  # the blank line is no record
    first, bad_json, second, no_text, a_list, not_str = items
    assert isinstance(first, Article) and first.id == "wire-1" and first.title == "Joint patrol"
    assert (first.published, first.published_how) == (date(2021, 10, 23), "metadata")
    assert isinstance(bad_json, Rejection) and bad_json.path == f"{path}:2"
    assert "malformed JSON on line 2" in bad_json.reason
    assert isinstance(second, Article) and second.id == "feed.jsonl:4"
    assert second.source == "Harbour Times" and second.published is None  # a bad date is dropped
    assert isinstance(no_text, Rejection) and "without text" in no_text.reason
    assert "'title'" in no_text.reason and no_text.path.endswith(":5")
    assert isinstance(a_list, Rejection) and "not an object" in a_list.reason
    assert isinstance(not_str, Rejection) and "not a string" in not_str.reason


def test_csv_rows_become_articles_with_row_numbered_ids(tmp_path):
    path = write(
        tmp_path / "wire.csv",
        "id,title,text,published\n"
        f'x1,Joint patrol,"{STORY}",2021-10-23\n'
        f',,"{STORY2}\n\nA second paragraph, written over two lines.",\n'
        ",Empty,,\n",
    )
    items = list(read_paths([path]))
    assert [type(i).__name__ for i in items] == ["Article", "Article", "Rejection"]
    assert items[0].id == "x1" and items[0].published == date(2021, 10, 23)
    assert items[1].id == "wire.csv:3" and "\n\nA second paragraph" in items[1].text
    assert items[2].path == f"{path}:4" and "row 4" in items[2].reason


def test_csv_with_semicolons_and_a_capitalised_text_column(tmp_path):
    path = write(tmp_path / "semi.csv", f'Title;Text\nPatrol;"{STORY}"\n')
    article = only_article(path)
    assert article.title == "Patrol" and article.text == STORY


def test_csv_without_a_text_column_is_one_rejection_naming_the_columns(tmp_path):
    path = write(tmp_path / "nobody.csv", f'id,headline,body\n1,Patrol,"{STORY}"\n')
    articles, rejections = read_all(path)
    assert not articles
    assert rejections == [
        Rejection(str(path), "CSV without a 'text' column (columns: 'id', 'headline', 'body')")
    ]


# --- HTML ----------------------------------------------------------------------------------------

PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Navies hold joint patrol near Vladivostok | Harbour Times</title>
<meta property="og:title" content="Navies hold joint patrol near Vladivostok">
<meta property="og:site_name" content="Harbour Times">
<meta property="article:published_time" content="2021-10-23T08:15:00+03:00">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">Reykjavik bureau</a></li>
<li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article>
<h1>Navies hold joint patrol near Vladivostok</h1>
<p>{STORY}</p>
<p>The ships will pass through the Tsugaru Strait before returning to port, officials said,
adding that helicopters would fly from two of the destroyers throughout the exercise.</p>
<p>{STORY2}</p>
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Storm closes airport in Lisbon</a></li>
<li><a href="/b">Floods hit Jakarta suburbs</a></li></ul></aside>
</main>
<footer><p>Copyright 2021 Harbour Times. All rights reserved.</p>
<a href="/privacy">Privacy policy</a> <a href="/cookies">Cookie settings</a></footer>
</body></html>"""


def test_html_article_text_and_metadata_without_page_furniture(tmp_path):
    article = only_article(write(tmp_path / "patrol.html", PAGE))
    assert article.id == "patrol.html"
    assert article.title == "Navies hold joint patrol near Vladivostok"
    assert article.source == "Harbour Times"
    assert (article.published, article.published_how) == (date(2021, 10, 23), "metadata")
    assert STORY in article.text and "Tsugaru Strait" in article.text
    for furniture in ("Reykjavik", "Lisbon", "Jakarta", "Most read", "Copyright", "Privacy"):
        assert furniture not in article.text
    assert "said.\n\n" in article.text  # paragraphs stay apart


def test_html_without_article_text_is_rejected(tmp_path):
    path = write(tmp_path / "empty.htm", "<html><head><title>x</title></head><body></body></html>")
    assert "no article text" in read_all(path)[1][0].reason


# --- files, folders and rejections ---------------------------------------------------------


def test_empty_and_unsupported_files_are_rejected_with_a_reason(tmp_path):
    empty = write(tmp_path / "empty.txt", "  \n\n")
    pdf = write(tmp_path / "report.pdf", b"%PDF-1.4")
    js = write(tmp_path / "records.json", "[]")
    bare = write(tmp_path / "README", "text")
    reasons = {Path(r.path).name: r.reason for r in read_all(empty, pdf, js, bare)[1]}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["report.pdf"].startswith("unsupported extension '.pdf'")
    assert ".jsonl" in reasons["records.json"]
    assert reasons["README"].startswith("no file extension")


def test_only_furniture_is_rejected_as_such(tmp_path):
    path = write(tmp_path / "menu.txt", "Home\nWorld\nBusiness\nSport\nShare\nADVERTISEMENT\n")
    assert "page furniture" in read_all(path)[1][0].reason


def test_folders_are_walked_sorted_skipping_hidden_files_and_sidecars(tmp_path):
    write(tmp_path / "b" / "2.txt", STORY)
    write(tmp_path / "b" / "2.meta.json", json.dumps({"source": "Wire"}))
    write(tmp_path / "a.txt", STORY2)
    write(tmp_path / "b" / "1.jsonl", json.dumps({"text": STORY2 + " Again."}) + "\n")
    write(tmp_path / ".hidden.txt", STORY)
    write(tmp_path / ".git" / "x.txt", STORY)
    orphan = write(tmp_path / "c" / "lonely.meta.json", "{}")
    articles, rejections = read_all(tmp_path, tmp_path / "a.txt", tmp_path / "missing.txt")
    assert [a.id for a in articles] == ["a.txt", "1.jsonl:1", "2.txt"]  # a.txt read once
    assert articles[2].source == "Wire"
    assert {(Path(r.path).name, r.reason.split(":")[0]) for r in rejections} == {
        ("missing.txt", "no such file or folder"),
        (orphan.name, "metadata sidecar without an article"),
    }


def test_a_single_path_string_is_one_path(tmp_path):
    path = write(tmp_path / "one.txt", STORY)
    assert [a.id for a in read_paths(str(path))] == ["one.txt"]


def test_clean_false_keeps_the_text_as_written(tmp_path):
    raw = f"Share\nHome\nWorld\nSport\nMenu\n\n{STORY}\n"
    path = write(tmp_path / "raw.txt", raw)
    assert next(read_paths([path], clean=False)).text == raw
    assert next(read_paths([path])).text == STORY


def test_the_seeds_are_read_with_their_sidecars():
    articles, rejections = read_all(SEEDS_DIR)
    assert not rejections
    assert [a.id for a in articles] == sorted(p.name for p in SEEDS_DIR.glob("*.txt"))
    assert all(a.published_how == "metadata" and a.published for a in articles)


# --- page furniture ----------------------------------------------------------------------------


def seed(prefix: str) -> str:
    return next(SEEDS_DIR.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_seed_003_loses_menus_lists_and_templates_but_keeps_the_story():
    raw = seed("003")
    text = clean_text(raw)
    for gone in (
        "Idlib",
        "Poland",
        "Gulf of Oman",
        "Most read",
        "Read also",
        "{{",
        "}}",
        "Show more",
        "ADVERTISEMENT",
        "Currency converter",
        "Select the city",
        "Infographics",
        "Border Guard Service",
        "staying in tune with the times",
        "pages in this article",
        "TOP STORIES",
    ):
        assert gone not in text, gone
    assert text.startswith("Russia, China to develop military cooperation as strategic partners")
    assert "MOSCOW, June 13. /TASS/. The Russian and Chinese armies intend" in text
    assert "The defense ministries of Russia and China regularly hold joint operational" in text
    assert text.endswith('visited my alma-mater Academy," the Chinese commander said.')
    kept = [
        p.strip()
        for p in raw.split("\n\n")  # every paragraph of prose stays
        if "\n" not in p.strip() and len(p.split()) > 20
    ]
    assert len(kept) == 10 and all(p in text for p in kept)


def test_seed_002_keeps_its_caption_and_credit_and_drops_the_categories_label():
    text = clean_text(seed("002"))
    caption = "Russian and Chinese soldiers after joint drills in Chelyabinsk, Russia, Aug. 7, 2013"
    assert f"\n\n{caption}\n\n" in text
    assert "© Xinhua" in text
    assert "Categories" not in text
    assert "\n\n\n" not in text


@pytest.mark.parametrize("prefix", ["000", "001", "004"])
def test_clean_seeds_keep_every_line(prefix):
    raw = seed(prefix)
    text = clean_text(raw)
    assert [ln.strip() for ln in raw.splitlines() if ln.strip()] == [
        ln for ln in text.splitlines() if ln
    ]


def test_composed_page_furniture_is_removed_and_paragraphs_stay_apart():
    raw = "\n".join(
        [
            "Skip to content",
            "Home",
            "World",
            "Europe",
            "Asia",
            "Top stories",
            "",
            "Navies begin joint patrol in the Pacific",
            "",
            "Destroyers at anchor in Vladivostok Bay, Russia, Oct. 22, 2021",
            "",
            "Share",
            "Tweet",
            "",
            STORY,
            "Related",
            "Storm closes airport in Lisbon",
            "",
            "Floods hit Jakarta suburbs",
            "",
            STORY2,
            "We use cookies to improve your experience. "
            "By continuing you accept our cookie policy.",
            "Tags: Russia, China, Pacific Ocean",
            "{% include 'footer.html' %}",
            "12",
            "© 2021 Harbour Times. All rights reserved.",
        ]
    )
    text = clean_text(raw)
    assert text == (
        "Navies begin joint patrol in the Pacific\n\n"
        "Destroyers at anchor in Vladivostok Bay, Russia, Oct. 22, 2021\n\n"
        f"{STORY}\n\n{STORY2}"
    )


def test_a_story_about_cookie_rules_is_not_a_cookie_notice():
    raw = (
        "Regulators in Brussels said the new cookie consent rules would force sites to ask "
        "before tracking readers, and fined two firms for ignoring the cookie policy."
    )
    assert clean_text(raw) == raw


def test_a_short_subheading_between_paragraphs_stays():
    raw = f"{STORY}\nA view from Tokyo\n{STORY2}"
    assert clean_text(raw) == raw


def test_hard_wrapped_text_is_joined_back_into_paragraphs():
    raw = (
        "A convoy of armoured vehicles crossed the border near Narva on Tuesday, officials\n"
        "said, the first such movement since the agreement was signed in the spring of that\n"
        "year.\n"
        "Photo: Reuters\n"
        "The ministry in Tallinn said the vehicles were part of a scheduled rotation and\n"
        "posed no threat to residents of the town or to traffic on the main road to Tartu.\n"
    )
    text = clean_text(raw)
    assert "officials said, the first such movement" in text
    assert "that year.\nPhoto: Reuters\nThe ministry in Tallinn" in text
    assert "rotation and posed no threat" in text


# --- publication dates from the text ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (f" date 2019-06-13 Politics\nWorld\n\n{STORY}", date(2019, 6, 13)),
        (f"Published: 13 June 2019\n\n{STORY}", date(2019, 6, 13)),
        (f"By Jane Doe | Published 13 June 2019 | 3 min read\n{STORY}", date(2019, 6, 13)),
        (f"{STORY} The report was published 13 June 2019 by the institute.", None),
        (f"Posted on Thursday, June 13, 2019 at 14:53\n{STORY}", date(2019, 6, 13)),
        (f"Updated 14 June 2019\nPublished 13 June 2019\n{STORY}", date(2019, 6, 13)),
        (f"Navies begin joint patrol\n13.06.2019 14:53 MSK\n{STORY}", date(2019, 6, 13)),
        (f"MOSCOW, June 13, 2019 /TASS/. {STORY}", date(2019, 6, 13)),
        (
            f"June 13, 14:53 UTC+3 MOSCOW\n\nMOSCOW, June 13. /TASS/. {STORY} "
            "The drills were first "
            "held in 2005 and have been repeated every year since 2016, the ministry added.",
            date(2016, 6, 13),
        ),
        (
            f"BEIJING, Nov. 5 (Xinhua) -- {STORY} "
            "This will be the fifth meeting of the two leaders in "
            "2014; a new treaty is planned by 2030 and a joint plan runs for 2015-2020.",
            date(2014, 11, 5),
        ),
        (
            f"Moscow, June 13 (Reuters) - {STORY} Last year, in 2018, the two navies held drills.",
            date(2018, 6, 13),
        ),
        (f"MOSCOW, June 13. /TASS/. {STORY}", None),  # no year anywhere: unknown, not guessed
        (
            f"{STORY} The drills began on June 13, 2019 near the port.",
            None,
        ),  # an event date, not a header
        (f"Published: 06/07/2019\n{STORY}", None),  # June 7 or July 6: ambiguous
        (STORY, None),
    ],
)
def test_find_published(text, expected):
    assert find_published(text, today=TODAY) == expected


def test_a_dateline_year_that_would_be_in_the_future_is_not_used():
    text = f"MOSCOW, December 13. /TASS/. {STORY} Plans were drawn up in 2024."
    assert find_published(text, today=date(2024, 6, 1)) is None


def test_dateline_date_reaches_the_article(tmp_path):
    path = write(
        tmp_path / "wire.txt", f"BEIJING, Nov. 5 (Xinhua) -- {STORY} The two met twice in 2014."
    )
    article = only_article(path)
    assert (article.published, article.published_how) == (date(2014, 11, 5), "text")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2019-06-13", date(2019, 6, 13)),
        ("2019-06-13T23:30:00Z", date(2019, 6, 13)),
        ("2019-06-13 23:30:00+03:00", date(2019, 6, 13)),
        ("Thu, 13 Jun 2019 14:53:00 GMT", date(2019, 6, 13)),
        ("13 June 2019", date(2019, 6, 13)),
        ("2019-02-30", None),
        ("yesterday", None),
        (20190613, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_date_opening_the_first_paragraph_is_the_publication_date():
    from datetime import date as _date

    from geo.articles import find_published

    text = "Navies begin drills\n\nMay 11, 2015 - Warships from two navies began drills on Monday."
    assert find_published(text) == _date(2015, 5, 11)


# --- language, control characters, locations -------------------------------------------------


def test_english_full_of_names_and_quotes_is_english():
    text = (
        "Ships taking part: INS Kolkata, INS Shivalik, FS Provence, HMAS Anzac, JS Izumo, "
        "USS Ronald Reagan, KRI Bung Tomo, RSS Formidable, BRP Jose Rizal, HTMS Bhumibol, "
        "Admiral Tributs, Varyag. Commander Nikolai Petrov said «Мы готовы» and "
        "«Всё по плану» before the ships left Vladivostok for the Sea of Japan on Monday."
    )
    assert unsupported_language(text) is None


def test_russian_and_german_are_not_supported_languages():
    assert "Cyrillic" in unsupported_language("Корабли провели учения в Японском море. " * 3)
    german = "Die Schiffe der beiden Marinen haben im Meer gemeinsam geübt und sind heute " * 4
    assert "common English words" in unsupported_language(german)


def test_terminal_escapes_and_control_characters_are_removed():
    raw = "\x1b[1;31mWarships\x1b[0m sailed\x07 from\x00 Vladivostok.\x1b]0;title\x07"
    assert clean_text(raw) == "Warships sailed from Vladivostok."


def test_locations_name_the_line_of_a_record_only():
    assert location("/in/feed.jsonl:12") == ("/in/feed.jsonl", 12)
    assert location("/in/a:b.csv:3") == ("/in/a:b.csv", 3)
    assert location("/in/story.txt") == ("/in/story.txt", None)
