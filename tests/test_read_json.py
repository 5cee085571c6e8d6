"""JSON Lines (summarize/read_json.py): told from an article by its content, a JSON array or an
object over several lines refused with the way to JSON Lines, a line that is no article, a line's
fields (id, date, language).

No model and no network: the reader is called directly, or the CLI with ``--show-clean``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fault_tools import jsonl, records_by_id
from read_samples import BAD_FIRST_LINE, SAVED_PAGE, _stdin
from typer.testing import CliRunner

from summarize import read_json
from summarize.cli import app
from summarize.read import Article, ReadFailure, ReadOptions, article_from_object, iter_articles

pytestmark = pytest.mark.usefixtures("_no_debug")


# -- JSON Lines sniffing on standard input --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "jsonl"),
    [
        ('{"text": "Bonjour"}\n', True),
        ('{"id": "a", "text": "x"}\n{"id": "b", "text": "y"}\n', True),
        # The first line malformed: the others still show it is JSON Lines.
        (BAD_FIRST_LINE, True),
        ('{"id": "a", "text": "x"\n{"id": "b", "text": "y"}\n{"id": "c", "text": "z"}\n', True),
        ('\n\n  {"text": "x"}  \r\n\n', True),
        ('{"body": "x"}\n', True),  # another text-like field: each line then fails on its own
        ('{"a": 1}\n{"b": 2}\n', True),  # every line an object: JSON Lines, even without text
        ("Bonjour à tous.\nIl pleut.\n", False),
        ("", False),
        ("{Note de la rédaction} Le président a parlé.\nIl pleut.\n", False),
        ("{Note de la rédaction} Le président a parlé.\n", False),
        ("{ceci} n'est pas du JSON\n{cela} non plus\n", False),
        # One JSON object at the top of an article of prose: still one article.
        ('{"text": "x"}\nLe président a parlé.\nIl pleut.\n', False),
        ('{"a": 1}\n{pas du JSON}\n', False),
        ("[1, 2]\n", False),
        ("{" * 100_000 + "\n", False),  # nested deeper than Python allows
        ("<html><body><p>Bonjour</p></body></html>", False),
    ],
)
def test_looks_like_jsonl(text: str, jsonl: bool) -> None:
    assert read_json._looks_like_jsonl(text) is jsonl


def test_stdin_jsonl_with_a_bad_first_line() -> None:
    items = _stdin(BAD_FIRST_LINE)
    assert len(items) == 2
    failure, article = items
    assert isinstance(failure, ReadFailure)
    assert failure.id == "stdin-1" and failure.source == "stdin:1"
    assert "stdin:1" in failure.error.message and "not valid JSON" in failure.error.message
    assert failure.error.hint
    assert isinstance(article, Article)
    assert (article.id, article.text, article.source) == ("x2", "Le président", "stdin:2")


def test_jsonl_file_with_a_bad_first_line(tmp_path: Path) -> None:
    src = tmp_path / "batch.jsonl"
    src.write_text(BAD_FIRST_LINE, encoding="utf-8")
    items = list(iter_articles([str(src)], ReadOptions()))
    assert [type(item) for item in items] == [ReadFailure, Article]
    assert items[1].id == "x2"


def test_prose_starting_with_a_brace_stays_one_article() -> None:
    text = "{Note de la rédaction} Le président a parlé.\nIl pleut.\n"
    assert _stdin(text) == [Article("stdin", "stdin", text)]


def test_cli_stdin_jsonl_with_a_bad_first_line() -> None:
    result = CliRunner().invoke(app, ["run", "-", "--show-clean", "--format", "jsonl"], input=BAD_FIRST_LINE)
    assert "internal error" not in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # The bad line is a record in its place too, as run writes one.
    assert [(r["id"], "error" in r) for r in records] == [("stdin-1", True), ("x2", False)]
    assert "stdin:1: not valid JSON" in result.stderr


@pytest.mark.parametrize("file_name", ["feed.ndjson", "feed", "stdin"])
def test_a_file_of_no_article_kind_is_judged_by_its_content(tmp_path: Path, file_name: str) -> None:
    # `summarize run /dev/stdin < feed.jsonl` (/dev/stdin is then the file itself), feed.ndjson,
    # a name without a suffix: each was read whole, as one article made of JSON, where stdin
    # (and a named pipe of the same name) reads the same bytes as JSON Lines.
    src = tmp_path / file_name
    src.write_text('{"id": "a", "text": "Il pleut."}\n{"id": "b", "text": "Il neige."}\n', encoding="utf-8")
    items = list(iter_articles([str(src)], ReadOptions()))
    assert [(type(item).__name__, item.id, item.text) for item in items] == [
        ("Article", "a", "Il pleut."),
        ("Article", "b", "Il neige."),
    ]
    page = tmp_path / "page"
    page.write_text(SAVED_PAGE, encoding="utf-8")
    (item,) = iter_articles([str(page)], ReadOptions())
    assert isinstance(item, Article) and item.html


# -- a JSON array, or an object over several lines: refused with the way to JSON Lines ------


@pytest.mark.parametrize("where", ["articles.json", "my articles.json", "-"])
def test_a_json_array_of_articles_is_refused_with_the_way_to_json_lines(tmp_path: Path, where: str) -> None:
    # articles.json (or an array on stdin) was one article made of its JSON, translated.
    data = '[\n  {"id": "a", "text": "Il pleut."},\n  {"id": "b", "text": "Il neige."}\n]\n'
    if where == "-":
        (failure,) = iter_articles(["-"], ReadOptions(), read_stdin=lambda: data.encode())
        source, hint = "stdin", "jq -c '.[]' | summarize run -"
    else:
        src = tmp_path / where
        src.write_text(data, encoding="utf-8")
        (failure,) = iter_articles([str(src)], ReadOptions())
        quoted = f"'{src}'" if " " in str(src) else str(src)  # quoted for the shell
        source, hint = str(src), f"jq -c '.[]' {quoted} | summarize run -"
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{source}: a JSON array of 2 objects, not JSON Lines"
    assert failure.error.hint == f"give one object a line, for example: {hint}"


@pytest.mark.parametrize("file_name", ["export.txt", "feed.md", "feed.html"])
def test_a_feed_saved_under_an_articles_name_is_read_as_json_lines(tmp_path: Path, file_name: str) -> None:
    # A feed exported as export.txt was one article made of its JSON, translated.
    src = tmp_path / file_name
    src.write_text(
        jsonl([{"id": "a", "text": "Il pleut."}, {"id": "b", "text": "Il neige."}]), encoding="utf-8"
    )
    items = list(iter_articles([str(src)], ReadOptions()))
    assert [(type(item).__name__, item.id, item.text) for item in items] == [
        ("Article", "a", "Il pleut."),
        ("Article", "b", "Il neige."),
    ]


def test_an_array_of_articles_saved_as_txt_is_refused_with_the_way_to_json_lines(tmp_path: Path) -> None:
    src = tmp_path / "articles.txt"
    src.write_text('[{"id": "a", "text": "Il pleut."}]\n', encoding="utf-8")
    (failure,) = iter_articles([str(src)], ReadOptions())
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{src}: a JSON array of 1 object, not JSON Lines"
    assert failure.error.hint == f"give one object a line, for example: jq -c '.[]' {src} | summarize run -"


@pytest.mark.parametrize(
    "content",
    [
        '{"text": "Il pleut."}\nLe conseil municipal a voté le budget.\n',  # prose after a line
        '{"id": "a", "summary_fr": "Il pleut."}\n',  # an object, but no article in it
        '{"text": 3}\n',  # "text" that is no text
        '[{"id": "a"}]\n',  # an array of objects without "text"
        "[1] Le conseil a voté.\n",  # a note mark, not JSON
    ],
)
def test_a_txt_file_is_json_only_when_plainly_a_feed(tmp_path: Path, content: str) -> None:
    # Its name says it is an article: anything less than a feed stays one, as written.
    src = tmp_path / "a.txt"
    src.write_text(content, encoding="utf-8")
    (item,) = iter_articles([str(src)], ReadOptions())
    assert isinstance(item, Article) and item.text == content


def test_a_json_object_over_several_lines_is_refused_with_the_way_to_json_lines(tmp_path: Path) -> None:
    # Pretty-printed, one object was one article made of its JSON, translated.
    src = tmp_path / "article.json"
    src.write_text('{\n  "id": "a",\n  "text": "Il pleut."\n}\n', encoding="utf-8")
    (failure,) = iter_articles([str(src)], ReadOptions())
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{src}: a JSON object over several lines, not JSON Lines"
    assert failure.error.hint == f"give one object a line, for example: jq -c '.' {src} | summarize run -"


@pytest.mark.parametrize(
    "text", ["[1, 2]\n", "[]\n", "[Note] Il pleut.\n", '[{"a": 1}, 2]\n', "{Note} Il pleut.\n{x}\n"]
)
def test_text_that_is_no_array_of_objects_stays_an_article(text: str) -> None:
    (item,) = _stdin(text)
    assert isinstance(item, Article) and item.text == text


# -- a line that is no article, and a line's fields -----------------------------------------


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("[1, 2]", "an array, not a JSON object"),
        ('"text"', "a string, not a JSON object"),
        ("3.5", "a number, not a JSON object"),
        ("true", "true or false, not a JSON object"),
        ("null", "null, not a JSON object"),
        # It said 'no "text" string in the object', whatever the object held instead.
        ('{"id": "x"}', 'no "text" field, only "id"'),
        ('{"id": "x", "body": "Il pleut."}', 'no "text" field, only "id", "body"'),
        ('{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7}',
         'no "text" field, only "a", "b", "c", "d", "e", "f", ...'),
        ('{"text": 42}', '"text" is a number, not a string'),
        ('{"text": null}', '"text" is null, not a string'),
        ('{"text": ["a"]}', '"text" is an array, not a string'),
        ('{"text": {"fr": "a"}}', '"text" is an object, not a string'),
        ("{}", 'an empty object, no "text"'),
    ],
)  # fmt: skip
def test_a_jsonl_line_that_is_not_an_article_says_what_it_is(tmp_path: Path, line: str, said: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "Bonjour."}\n' + line + "\n", encoding="utf-8")
    _, failure = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{src}:2: {said}"


@pytest.mark.parametrize("obj", [(1, 2), {1, 2}, object()])
def test_an_object_json_never_gives_is_a_failure_not_an_exception(obj: object) -> None:
    # article_from_object is public (summarize.batch calls it): a value no JSON parser gives,
    # a tuple or a set, is no JSON object either, and said so; it was a KeyError.
    failure = article_from_object(obj, "0", "row 0")
    assert isinstance(failure, ReadFailure)
    assert failure.error.message.startswith("row 0: ")
    assert failure.error.message.endswith(", not a JSON object")


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ('{"text": "tronqué', "Unterminated string starting at column 10"),
        ('{"text": "a\tb"}', "Invalid control character at column 12"),
        ("{'text': 'x'}", "Expecting property name enclosed in double quotes at column 2"),
    ],
)
def test_a_jsonl_line_that_is_not_json_says_where_once(tmp_path: Path, line: str, said: str) -> None:
    # A line cut short was "Invalid control character at column 18" (its line break), and
    # json's "Unterminated string starting at" came out as "... starting at at column 10".
    src = tmp_path / "in.jsonl"
    src.write_text(line + "\n", encoding="utf-8")
    (failure,) = iter_articles([str(src)], ReadOptions())
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{src}:1: not valid JSON ({said})"


@pytest.mark.parametrize(
    ("ident", "expected"),
    [
        ('"a1"', "a1"),
        ("7", "7"),
        ("2.5", "2.5"),
        ('{"a": 1}', '{"a": 1}'),  # JSON, as in the input: not Python's "{'a': 1}"
        ('["x", "é"]', '["x", "é"]'),
        ("true", "true"),
    ],
)
def test_a_jsonl_id_that_is_not_a_string_is_json(tmp_path: Path, ident: str, expected: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(f'{{"id": {ident}, "text": "Bonjour."}}\n', encoding="utf-8")
    (article,) = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(article, Article) and article.id == expected


def test_a_jsonl_line_without_text_keeps_its_id(tmp_path: Path) -> None:
    """A failed line's record carries the line's own id, as its article would have: results
    are joined with the inputs by id (`jq`), and `in-2` matches nothing in the input."""
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "Bonjour."}\n{"id": "b", "body": "x"}\n{"body": "y"}\n')
    _, named, unnamed = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(named, ReadFailure) and named.id == "b"
    assert isinstance(unnamed, ReadFailure) and unnamed.id == "in-3"


@pytest.mark.parametrize(
    ("fields", "date", "lang"),
    [
        ({"date": "2026-01-01", "lang": "fr"}, "2026-01-01", "fr"),
        ({"date": " 2026-01-01T10:00:00+02:00 ", "language": "de"}, "2026-01-01T10:00:00+02:00", "de"),
        # "lang" first; a blank or null one is none, and "language" then speaks.
        ({"lang": "es", "language": "de"}, None, "es"),
        ({"lang": "", "language": "de"}, None, "de"),
        ({"date": None, "lang": None}, None, None),
        ({"date": "  "}, None, None),
        # Not strings: kept as the line wrote them, for the pipeline to refuse by name.
        ({"date": 20260101, "lang": 12}, "20260101", "12"),
        ({"date": {"y": 2026}, "language": {"code": "fr"}}, '{"y": 2026}', '{"code": "fr"}'),
    ],
)
def test_a_jsonl_line_gives_its_date_and_language(fields: dict, date: str | None, lang: str | None) -> None:
    # Only id, title, url and text were read: a feed's date and language were dropped.
    (article,) = _stdin(json.dumps({"id": "a", "text": "Bonjour.", **fields}) + "\n")
    assert isinstance(article, Article)
    assert (article.date, article.lang) == (date, lang)


def test_show_clean_takes_a_lines_date_over_the_texts(tmp_path: Path) -> None:
    """The line's date is the record's, as ISO 8601 the way a text's is; one that is no date
    leaves the text's. --show-clean says what a run's record will."""
    text = "Publié le 17/06/2024 à 16h01\n\nLe gouvernement a présenté un plan pour les transports."
    dates = {
        "plain": "2026-01-01",
        "utc": "2026-01-01T10:00:00Z",
        "offset": "2026-01-01T10:00:00.250+0200",
        "space": "2026-01-01 10:00",
        "rss": "Thu, 01 Jan 2026 10:00:00 +0200",
        "rss-gmt": "Thu, 01 Jan 2026 08:00:00 GMT",
        "bad": "hier soir",
        "number": 20260101,
    }
    src = tmp_path / "feed.jsonl"
    lines = [{"id": name, "date": date, "text": text} for name, date in dates.items()]
    lines.append({"id": "none", "text": text})
    src.write_text(jsonl(lines), encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(src), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    records = records_by_id(result.stdout, "date")
    assert records == {
        "plain": "2026-01-01",
        "utc": "2026-01-01T10:00Z",
        "offset": "2026-01-01T10:00+02:00",
        "space": "2026-01-01T10:00",
        "rss": "2026-01-01T10:00+02:00",  # an RSS pubDate keeps its zone as an ISO stamp does
        "rss-gmt": "2026-01-01T08:00Z",
        "bad": "2024-06-17T16:01",
        "number": "2024-06-17T16:01",
        "none": "2024-06-17T16:01",
    }


@pytest.mark.parametrize(
    ("fields", "lang", "overridden"),
    [
        ({"lang": "fr", "language": "de"}, "fr", "de"),
        ({"lang": "fr", "language": "fra"}, "fr", "fra"),  # the pipeline tells they agree
        ({"lang": "fr"}, "fr", None),
        ({"language": "de"}, "de", None),  # alone, it is the code: nothing overridden
        ({"lang": " ", "language": "de"}, "de", None),
        ({"lang": "fr", "language": None}, "fr", None),
        ({"lang": "fr", "language": {"code": "de"}}, "fr", '{"code": "de"}'),
    ],
)
def test_a_jsonl_line_with_lang_and_language_keeps_both(
    fields: dict, lang: str, overridden: str | None
) -> None:
    # "language" was dropped when "lang" was there, so that their disagreeing went unseen.
    (article,) = _stdin(json.dumps({"id": "a", "text": "Bonjour.", **fields}) + "\n")
    assert isinstance(article, Article)
    assert (article.lang, article.overridden_lang) == (lang, overridden)
