"""Reading inputs: JSON Lines sniffing, per-input failure isolation, hidden files in folders.

No model and no network: the reader is called directly, or the CLI with ``--show-clean``.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fault_tools import jsonl, records_by_id
from typer.testing import CliRunner

from summarize import read, read_decode, read_inputs, read_json, read_listing
from summarize.cli import app
from summarize.fetch import UnsupportedURLError, fetch_url
from summarize.read import Article, Item, ReadFailure, ReadOptions, iter_articles

BAD_FIRST_LINE = '{"id":"x1","text":"Bonjour"\n{"id":"x2","text":"Le président"}\n'


def _stdin(data: str) -> list[Item]:
    return list(iter_articles(["-"], ReadOptions(), read_stdin=lambda: data.encode()))


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUMMARIZE_DEBUG", raising=False)


# -- 1. JSON Lines sniffing on standard input ----------------------------------------------


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


# -- 2. one bad input never stops the others -----------------------------------------------


def test_malformed_url_is_a_typed_error() -> None:
    with pytest.raises(UnsupportedURLError) as caught:
        fetch_url("http://[::1")
    assert "not a valid URL" in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.hint


def test_malformed_url_costs_only_itself(tmp_path: Path) -> None:
    good = tmp_path / "b.txt"
    good.write_text("Bonjour à tous.\n", encoding="utf-8")
    items = list(iter_articles(["http://[::1", str(good)], ReadOptions()))
    assert [type(item) for item in items] == [ReadFailure, Article]
    failure = items[0]
    assert isinstance(failure, ReadFailure)
    assert failure.error.kind == "fetch_url" and failure.source == "http://[::1"
    assert items[1].text == "Bonjour à tous.\n"


def test_cli_malformed_url_among_other_inputs(tmp_path: Path) -> None:
    good = tmp_path / "b.txt"
    good.write_text("Bonjour à tous.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "http://[::1", str(good), "--show-clean", "--format", "jsonl"])
    assert "internal error" not in result.stderr
    assert "not a valid URL" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["source"], "error" in r) for r in records] == [("http://[::1", True), (str(good), False)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a/b.txt", "a/b.txt"),
        ("file:///tmp/x%20y.txt", "/tmp/x y.txt"),
        ("FILE://localhost/tmp/a.txt", "/tmp/a.txt"),
        ("file://server/share/a.txt", None),  # another machine's file
        ("ftp://host/a.txt", None),
        ("s3://bucket/key", None),
        ("https://example.org/a", None),
        ("-", None),
        ("notes:2024.txt", "notes:2024.txt"),  # a colon, but no "://": a file name
    ],
)
def test_input_path(raw: str, expected: str | None) -> None:
    assert read_inputs.input_path(raw) == (None if expected is None else Path(expected))


@pytest.mark.parametrize(
    ("raw", "web"),
    [
        ("www.lemonde.fr/politique/reforme.html", True),
        ("lemonde.fr/politique/reforme.html", True),
        ("www.lemonde.fr", True),
        ("lemonde.fr", False),  # as likely a file
        ("notes.txt", False),
        ("news/a.txt", False),
    ],
)
def test_a_web_address_without_its_scheme_gets_a_hint(tmp_path: Path, raw: str, web: bool) -> None:
    # A page's address typed without https:// was "no such file or folder (check the path)".
    (failure,) = iter_articles([raw], ReadOptions())
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{raw}: no such file or folder"
    said = f"check the path; for a web page, give its whole address: https://{raw}"
    assert failure.error.hint == (said if web else "check the path")


def test_a_file_url_holding_a_pattern_is_expanded(tmp_path: Path) -> None:
    # file:///news/*.txt failed as "/news/*.txt: no file matches this pattern" while files matched.
    for name in ("b.txt", "a.txt", "c.md"):
        (tmp_path / name).write_text("Bonjour.\n", encoding="utf-8")
    inputs = [(tmp_path / "*.txt").as_uri(), (tmp_path / "none" / "*.txt").as_uri()]
    items = list(iter_articles(inputs, ReadOptions()))
    assert [type(item).__name__ for item in items] == ["Article", "Article", "ReadFailure"]
    assert [item.source for item in items[:2]] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert items[2].error.message == f"{tmp_path / 'none' / '*.txt'}: no file matches this pattern"


@pytest.mark.parametrize("raw", ["file://", "file://localhost", "file://./a.txt", "file://server/a.txt"])
def test_a_file_url_that_names_no_local_file_is_refused(raw: str, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Bonjour.\n", encoding="utf-8")  # the working directory
    (failure,) = list(iter_articles([raw], ReadOptions()))
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{raw}: not a file on this machine"
    assert read_listing.folder_notes([raw]) == []


@pytest.mark.parametrize("encoding", [None, "latin-1"])
def test_a_binary_jsonl_file_is_one_failure(tmp_path: Path, encoding: str | None) -> None:
    src = tmp_path / "image.jsonl"
    src.write_bytes(NO_NUL_BINARY.replace(b"\n", b" ") + b"\n" + NO_NUL_BINARY)
    (failure,) = list(iter_articles([str(src)], ReadOptions(encoding=encoding)))
    assert isinstance(failure, ReadFailure) and failure.error.kind == "binary"


def test_other_url_schemes_are_refused_and_file_urls_read(tmp_path: Path) -> None:
    good = tmp_path / "b c.txt"
    good.write_text("Bonjour à tous.\n", encoding="utf-8")
    inputs = ["ftp://host/a.txt", good.as_uri(), "s3://bucket/key"]
    items = list(iter_articles(inputs, ReadOptions()))
    assert [type(item) for item in items] == [ReadFailure, Article, ReadFailure]
    assert items[1].text == "Bonjour à tous.\n" and items[1].id == "b c"
    for failure, scheme in ((items[0], "ftp"), (items[2], "s3")):
        assert isinstance(failure, ReadFailure) and failure.error.kind == "fetch_url"
        assert failure.error.message.endswith(f"unsupported URL scheme {scheme!r}")
        assert "download it and pass the file" in (failure.error.hint or "")


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


def test_cli_encoding_hint_has_no_brackets_inside_brackets(tmp_path: Path) -> None:
    src = tmp_path / "c.txt"
    src.write_bytes(b"caf\xe9 noir")
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"id": "b", "text": "caf\xe9"}\n')
    result = CliRunner().invoke(app, ["run", str(src), str(feed), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 1
    assert [json.loads(line)["error"]["kind"] for line in result.stdout.splitlines()] == ["encoding"] * 2
    assert result.stderr.splitlines() == [
        f"summarize: {src}: not valid UTF-8 (byte 3) (pass --encoding, for example --encoding latin-1)",
        f"summarize: {feed}:1: not valid UTF-8 (fix that line, or pass --encoding, for example --encoding "
        "latin-1)",
    ]


# A compressed file or an image: every byte value but NUL, as often as each other.
NO_NUL_BINARY = bytes(range(1, 256)) * 40
STRAY = "Bonjour\x01 " * 3 + "le monde. " * 100
LATIN_1 = "Le café coûte 2 €, dit-il.\tFin.\x1b\n".encode("cp1252") * 200


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        (NO_NUL_BINARY, None, None),
        (NO_NUL_BINARY, "latin-1", None),  # any bytes are latin-1: still refused
        (b"PK\x03\x04\x00\x00" + b"a" * 100, None, None),
        (LATIN_1, "cp1252", LATIN_1.decode("cp1252")),  # tabs, ESC: text still
        (STRAY.encode(), None, STRAY),  # a stray control byte or two
        ("Bonjour.".encode("utf-16-le"), "utf-16-le", "Bonjour."),  # NUL bytes, yet text
    ],
    ids=["binary", "binary-as-latin-1", "nul-bytes", "cp1252", "stray-control", "utf-16"],
)
def test_binary_data_is_told_from_text(data: bytes, encoding: str | None, text: str | None) -> None:
    if text is None:
        with pytest.raises(read_decode.BinaryInputError, match="binary data"):
            read_decode.decode(data, encoding)
    else:
        assert read_decode.decode(data, encoding) == text


def _explode(*_args: object, **_kwargs: object) -> Iterator[Item]:
    raise RuntimeError("boom")
    yield  # pragma: no cover - makes this a generator, as the real readers are


@pytest.mark.parametrize("where", ["_from_url", "_from_bytes"])
def test_unexpected_error_becomes_a_read_failure(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Bonjour.\n", encoding="utf-8")
    calls = 0
    original = read._from_bytes

    def once(*args: object, **kwargs: object) -> Iterator[Item]:
        # _from_bytes explodes on stdin only, so the file after it must still be read.
        nonlocal calls
        calls += 1
        return _explode() if calls == 1 else original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(read, where, _explode if where == "_from_url" else once)
    first = "https://example.invalid/" if where == "_from_url" else "-"
    items = list(iter_articles([first, str(good)], ReadOptions(), read_stdin=lambda: b"x"))
    assert [type(item) for item in items] == [ReadFailure, Article]
    failure = items[0]
    assert isinstance(failure, ReadFailure)
    assert failure.error.kind == "internal"
    assert "RuntimeError: boom" in failure.error.message
    assert failure.error.hint == "please report it; SUMMARIZE_DEBUG=1 shows the traceback"


def test_unexpected_error_in_one_folder_file_costs_only_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"Article {name}.\n", encoding="utf-8")
    original = read._from_bytes

    def fragile(name: str, *args: object, **kwargs: object) -> Iterator[Item]:
        return _explode() if name == "b" else original(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(read, "_from_bytes", fragile)
    items = list(iter_articles([str(tmp_path)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [
        ("Article", "a"),
        ("ReadFailure", "b"),
        ("Article", "c"),
    ]
    assert items[1].source == str(tmp_path / "b.txt")


def test_debug_lets_the_unexpected_error_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read, "_from_url", _explode)
    with pytest.raises(RuntimeError, match="boom"):
        list(iter_articles(["https://example.invalid/"], ReadOptions(debug=True)))


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit])
def test_interrupts_are_not_swallowed(exc: type[BaseException], monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> Iterator[Item]:
        raise exc
        yield  # pragma: no cover

    monkeypatch.setattr(read, "_from_url", interrupted)
    with pytest.raises(exc):
        list(iter_articles(["https://example.invalid/", "-"], ReadOptions(), read_stdin=lambda: b"x"))


def _closed() -> bytes:
    raise ValueError("I/O operation on closed file")


def _no_stdin() -> bytes:
    return None.buffer.read()  # type: ignore[attr-defined]  # sys.stdin is None under `<&-`


def _bad_descriptor() -> bytes:
    raise OSError(9, "Bad file descriptor")


@pytest.mark.parametrize("reader", [_no_stdin, _bad_descriptor, _closed])
def test_closed_stdin_is_a_read_failure(reader: object, tmp_path: Path) -> None:
    good = tmp_path / "b.txt"
    good.write_text("Bonjour.\n", encoding="utf-8")
    items = list(iter_articles(["-", str(good)], ReadOptions(), read_stdin=reader))  # type: ignore[arg-type]
    assert [type(item) for item in items] == [ReadFailure, Article]
    failure = items[0]
    assert isinstance(failure, ReadFailure)
    assert failure.id == "stdin"
    assert failure.error.message == "standard input is closed or unreadable"
    assert failure.error.hint


# -- 3. hidden files in folders ------------------------------------------------------------


def test_folder_skips_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Bonjour.\n", encoding="utf-8")
    (tmp_path / "._a.txt").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")  # AppleDouble
    (tmp_path / ".#b.txt").symlink_to("user@host.1234:1700000000")  # an Emacs lock: dangling
    (tmp_path / ".hidden.md").write_text("Pas un article.\n", encoding="utf-8")
    items = list(iter_articles([str(tmp_path)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a")]


def test_hidden_file_named_explicitly_is_read(tmp_path: Path) -> None:
    hidden = tmp_path / ".note.txt"
    hidden.write_text("Bonjour.\n", encoding="utf-8")
    items = list(iter_articles([str(hidden)], ReadOptions()))
    assert len(items) == 1 and isinstance(items[0], Article)
    assert items[0].text == "Bonjour.\n"


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


KINDS = ".txt, .md, .markdown, .jsonl, .html, .htm"
READ = f"only its files ending in {KINDS} are read"
NOTHING = f"no article in it (files ending in {KINDS}); nothing to read"


@pytest.mark.parametrize(
    ("files", "note"),
    [
        (["a.txt", "B.HTML", "c.markdown", ".hidden"], None),  # everything read (hidden names never are)
        (["a.txt", "e.pdf", "noext", "d.text", "sub/"],
         f"skipped 3 other files (d.text, e.pdf, noext) and 1 subfolder (sub); {READ}; "
         "to read its subfolders, name them, or pass a pattern such as '{folder}/**/*.txt'"),
        (["a.md", "f1.pdf", "f2.pdf", "f3.pdf", "f4.pdf"],
         f"skipped 4 other files (f1.pdf, f2.pdf, f3.pdf, ...); {READ}"),
        ([], NOTHING),
        (["x.pdf", ".a.txt"], NOTHING),
        # A folder of folders (news/2024/03/...) said "nothing to read", and no more.
        (["x.pdf", ".a.txt", "y.txt/", "2024/"],
         f"no article in it (files ending in {KINDS}), only 2 subfolders (2024, y.txt); subfolders are "
         "not read: name them, or pass a pattern such as '{folder}/**/*.txt'"),
    ],
)  # fmt: skip
def test_a_folder_says_what_it_does_not_read(tmp_path: Path, files: list[str], note: str | None) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for name in files:
        if name.endswith("/"):
            (folder / name).mkdir()
        else:
            (folder / name).write_text("Bonjour.\n", encoding="utf-8")
    inputs = [str(folder), "-", "https://example.org/a", str(tmp_path / "missing")]
    note = None if note is None else note.replace("{folder}", str(folder))
    assert read_listing.folder_notes(inputs) == ([] if note is None else [f"{folder}: {note}"])


def test_cli_warns_of_an_empty_folder_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "a.txt").write_text("Bonjour le monde.\n", encoding="utf-8")
    args = ["run", str(tmp_path / "empty"), str(tmp_path / "a.txt"), "--show-clean"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    assert result.stdout.startswith("== a")
    assert result.stderr.splitlines() == [f"summarize: warning: {tmp_path / 'empty'}: {NOTHING}"]


RESULT_TEXT = "== a — Titre\n\nRésumé (fr):\nLe conseil a voté.\n\nTranslation (en):\nThe council voted.\n"


def _result_line(ident: str) -> str:
    from summarize.own_output import RECORD_KEYS

    record = dict.fromkeys(RECORD_KEYS)
    del record["error"]
    return json.dumps({**record, "id": ident, "translation_en": "The council voted.", "status": "ok"})


def test_a_folder_skips_a_result_saved_with_windows_line_ends(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_bytes("== Le conseil ==\r\n\r\nLe conseil municipal a voté.\r\n".encode())
    (news / "a-2.txt").write_bytes(RESULT_TEXT.replace("\n", "\r\n").encode())  # re-saved on Windows
    items = list(iter_articles([str(news)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a")]
    assert read_listing.folder_notes([str(news)]) == [
        f"{news}: skipped 1 result of summarize (a-2.txt); results are not read as articles"
    ]


def test_a_folder_run_skips_results_saved_with_a_bom(tmp_path: Path) -> None:
    """Older Windows Notepad saves UTF-8 behind a byte-order mark: such a result was read as an
    article. A user's article with a BOM is still read. (A .json file is no article a folder
    run reads: its own BOM'd results are in tests/test_output.py.)"""
    news = tmp_path / "news"
    news.mkdir()
    bom = codecs.BOM_UTF8
    (news / "a.txt").write_bytes(bom + "== Le conseil ==\r\n\r\nLe conseil municipal a voté.\r\n".encode())
    (news / "a-2.txt").write_bytes(bom + RESULT_TEXT.replace("\n", "\r\n").encode())
    (news / "all.jsonl").write_bytes(bom + f"{_result_line('a')}\n{_result_line('b')}\n".encode())
    result = CliRunner().invoke(app, ["run", str(news), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a"]
    assert result.stderr.splitlines() == [
        f"summarize: warning: {news}: skipped 2 results of summarize (a-2.txt, all.jsonl); "
        "results are not read as articles"
    ]


def test_a_folder_skips_an_earlier_runs_results_and_says_so(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    (news / "a-2.txt").write_text(RESULT_TEXT, encoding="utf-8")  # `summarize run news/a.txt -o news/`
    (news / "all.jsonl").write_text(_result_line("a") + "\n" + _result_line("b") + "\n", encoding="utf-8")
    (news / "e.pdf").write_bytes(b"%PDF")
    items = list(iter_articles([str(news)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a")]
    assert read_listing.folder_notes([str(news)]) == [
        f"{news}: skipped 2 results of summarize (a-2.txt, all.jsonl) and 1 other file (e.pdf); "
        f"{READ}, and results are not read as articles"
    ]
    (news / "e.pdf").unlink()
    assert read_listing.folder_notes([str(news)]) == [
        f"{news}: skipped 2 results of summarize (a-2.txt, all.jsonl); results are not read as articles"
    ]
    (news / "a.txt").unlink()
    assert read_listing.folder_notes([str(news)]) == [
        f"{news}: no article in it (files ending in {KINDS}), only 2 results of summarize "
        "(a-2.txt, all.jsonl); nothing to read"
    ]
    # Named on the command line, a file is read whatever it holds.
    items = list(iter_articles([str(news / "a-2.txt")], ReadOptions()))
    assert len(items) == 1 and isinstance(items[0], Article) and items[0].text == RESULT_TEXT


def test_a_folder_skips_results_with_a_long_title(tmp_path: Path) -> None:
    """Past the 16 KiB head, a result's title hid what the file was: it was read as an article."""
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    title = "Titre " * 5_000
    (news / "a-2.txt").write_text(RESULT_TEXT.replace("Titre", title), encoding="utf-8")
    record = {**json.loads(_result_line("a")), "title": title}
    (news / "all.jsonl").write_text(json.dumps(record) + "\n" + _result_line("b") + "\n", encoding="utf-8")
    (news / "one.json").write_text(json.dumps(record), encoding="utf-8")
    items = list(iter_articles([str(news)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a")]


def test_cli_says_which_results_a_folder_run_skips(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    (news / "a-2.txt").write_text(RESULT_TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(news), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a"]
    assert result.stderr.splitlines() == [
        f"summarize: warning: {news}: skipped 1 result of summarize (a-2.txt); "
        "results are not read as articles"
    ]


# -- 4. the fetch timeout hint -------------------------------------------------------------


def test_timeout_hint_names_no_missing_option() -> None:
    from summarize.fetch import _timeout

    error = _timeout("https://example.org/", 20)
    assert "timeout" not in error.hint
    assert "save the page" in error.hint


# -- 5. an HTML page saved under a text suffix -----------------------------------------------

SAVED_PAGE = (
    "\ufeff\n  <!DOCTYPE html><html><head><meta charset='utf-8'><title>Le plan vélo</title></head>"
    "<body><nav><a href='/'>Accueil</a> <a href='/monde'>Monde</a></nav>"
    "<article><h1>Le plan vélo</h1>"
    "<p>La ville veut doubler le nombre de pistes cyclables sur son territoire, selon le maire, "
    "qui a présenté son plan mardi devant le conseil municipal réuni en séance plénière.</p>"
    "<p>Les associations saluent une avancée mais demandent des garanties sur le financement et "
    "le calendrier des travaux prévus dans les quartiers du nord de la ville.</p>"
    "</article><footer>© Le Journal</footer></body></html>\n"
)
PROSE_WITH_A_TAG = (
    "Le nouvel éditeur du site met le texte en gras avec la balise <b> au lieu des astérisques.\n"
    "Les rédacteurs devront s'y habituer d'ici la fin du mois.\n"
)


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_html_page_saved_as_text_is_extracted_as_html(tmp_path: Path, suffix: str) -> None:
    from summarize.pipeline import clean_article

    page = tmp_path / f"page{suffix}"
    page.write_text(SAVED_PAGE, encoding="utf-8")
    items = list(iter_articles([str(page)], ReadOptions()))
    assert len(items) == 1 and isinstance(items[0], Article)
    assert items[0].html
    cleaned = clean_article(items[0], keep_boilerplate=False)
    assert cleaned.title == "Le plan vélo"
    assert cleaned.body.startswith("La ville veut doubler")
    assert "<" not in cleaned.body and "Accueil" not in cleaned.body


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_text_saved_as_html_without_a_tag_is_text(tmp_path: Path, suffix: str) -> None:
    # It went through the page extractor: its lines ran into one paragraph, its title and time
    # stamp stayed in the body.
    from summarize.pipeline import clean_article

    src = tmp_path / f"article{suffix}"
    text = "Le conseil adopte le budget\n\nPublié le 12 mars 2024\n\nLe conseil a voté.\n\nIl pleut.\n"
    src.write_text(text, encoding="utf-8")
    (item,) = iter_articles([str(src)], ReadOptions())
    assert isinstance(item, Article) and not item.html
    cleaned = clean_article(item, keep_boilerplate=False)
    assert (cleaned.title, cleaned.date) == ("Le conseil adopte le budget", "2024-03-12")
    assert cleaned.body == "Le conseil a voté.\n\nIl pleut."
    page = tmp_path / f"page{suffix}"
    page.write_text("<p>Le conseil a voté.</p>", encoding="utf-8")  # one tag is enough for a file named .html
    (item,) = iter_articles([str(page)], ReadOptions())
    assert isinstance(item, Article) and item.html


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_prose_mentioning_a_tag_stays_text(tmp_path: Path, suffix: str) -> None:
    from summarize.pipeline import clean_article

    note = tmp_path / f"note{suffix}"
    note.write_text(PROSE_WITH_A_TAG, encoding="utf-8")
    items = list(iter_articles([str(note)], ReadOptions()))
    assert items == [Article("note", str(note), PROSE_WITH_A_TAG, markdown=suffix == ".md")]
    body = clean_article(items[0], keep_boilerplate=False).body
    # In Markdown a bare <b> is markup, hidden when rendered; in plain text it is text.
    expected = PROSE_WITH_A_TAG.strip()
    assert body == (expected.replace(" <b>", "") if suffix == ".md" else expected)


def test_cli_show_clean_extracts_an_html_page_saved_as_txt(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(SAVED_PAGE, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(page), "--show-clean", "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert "<" not in result.stdout
    assert record["title"] == "Le plan vélo"
    assert record["date"] is None


MARKDOWN_ARTICLE = (
    "# Grève à la SNCF\n\n"
    "*Publié le 17 juin 2024*\n\n"
    "![Un train à quai](img.jpg)\n\n"
    "Les **cheminots** ont voté une [grève reconductible](https://example.com/greve) à partir de lundi.\n\n"
    "Leurs revendications :\n\n"
    "- une hausse des salaires ;\n"
    "- des embauches.\n"
)
MARKDOWN_BODY = (
    "Les cheminots ont voté une grève reconductible à partir de lundi.\n\n"
    "Leurs revendications :\n\n"
    "une hausse des salaires ;\n"
    "des embauches."
)


@pytest.mark.parametrize(
    ("suffix", "text", "html", "markdown"),
    [
        (".md", MARKDOWN_ARTICLE, False, True),
        (".MD", MARKDOWN_ARTICLE, False, True),
        # Markdown's other common suffix was plain text: its asterisks and # were translated.
        (".markdown", MARKDOWN_ARTICLE, False, True),
        (".txt", MARKDOWN_ARTICLE, False, False),  # a .txt is read as written, asterisks and all
        (".md", SAVED_PAGE, True, False),  # a page saved as .md is a page
    ],
)
def test_markdown_files_are_marked_markdown(
    tmp_path: Path, suffix: str, text: str, html: bool, markdown: bool
) -> None:
    src = tmp_path / f"article{suffix}"
    src.write_text(text, encoding="utf-8")
    (item,) = iter_articles([str(src)], ReadOptions())
    assert isinstance(item, Article)
    assert (item.html, item.markdown) == (html, markdown)


@pytest.mark.parametrize("keep_boilerplate", [False, True])
def test_cli_show_clean_strips_the_markup_of_a_md_file(tmp_path: Path, keep_boilerplate: bool) -> None:
    src = tmp_path / "greve.md"
    src.write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    args = ["run", str(src), "--show-clean", "--format", "jsonl"]
    result = CliRunner().invoke(app, args + (["--keep-boilerplate"] if keep_boilerplate else []))
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    if keep_boilerplate:
        # Markup is format, not furniture: it goes even when the furniture stays.
        head = "Grève à la SNCF\n\nPublié le 17 juin 2024\n\n"
        assert (record["title"], record["date"], record["body"]) == (None, None, head + MARKDOWN_BODY)
        return
    assert (record["title"], record["date"], record["body"]) == (
        "Grève à la SNCF",
        "2024-06-17",
        MARKDOWN_BODY,
    )
    assert [(r["kind"], r["text"]) for r in record["removed"]] == [
        ("title", "Grève à la SNCF"),
        ("timestamp", "Publié le 17 juin 2024"),
    ]


# What a CMS export (Hugo, Jekyll) gives: front matter, then the article in Markdown.
HUGO_ARTICLE = (
    "---\n"
    'title: "Grève à la SNCF"\n'
    "date: 2024-06-17T08:30:00+02:00\n"
    "tags: [transports]\n"
    "---\n\n" + MARKDOWN_ARTICLE
)


# Plain prose but for a table in a quote, which strip_markdown reads as a table.
QUOTED_TABLE = (
    "Le conseil municipal a voté le budget hier soir.\n\n"
    "> | Poste | Montant |\n> | --- | --- |\n> | Écoles | 12 M€ |\n\n"
    "Le vote a eu lieu à main levée.\n"
)


@pytest.mark.parametrize(
    ("text", "markdown"),
    [(MARKDOWN_ARTICLE, True), (HUGO_ARTICLE, True), (QUOTED_TABLE, True), (PROSE_WITH_A_TAG, False)],
    ids=["markdown", "front-matter", "quoted-table", "plain"],
)
def test_markdown_on_stdin_or_in_a_suffix_less_file_is_told_by_its_content(
    tmp_path: Path, text: str, markdown: bool
) -> None:
    # No name says what stdin or `notes` hold: their content does, as it does for a page.
    notes = tmp_path / "notes"
    notes.write_text(text, encoding="utf-8")
    stdin, named = _stdin(text) + list(iter_articles([str(notes)], ReadOptions()))
    assert isinstance(stdin, Article) and isinstance(named, Article)
    assert (stdin.html, stdin.markdown) == (named.html, named.markdown) == (False, markdown)


def test_markdown_through_a_pipe_without_a_suffix_is_told_by_its_content(
    fifo: Callable[[str, bytes], Path],
) -> None:
    # /dev/stdin, <(cat article.md): a pipe with no suffix is judged as stdin is.
    (item,) = iter_articles([str(fifo("stdin", MARKDOWN_ARTICLE.encode()))], ReadOptions())
    assert isinstance(item, Article) and item.markdown and not item.html


@pytest.mark.parametrize("name", ["-", "notes", "notes.txt"])
def test_cli_show_clean_strips_markdown_on_stdin_and_in_a_suffix_less_file(tmp_path: Path, name: str) -> None:
    args = ["run", name, "--show-clean", "--format", "jsonl"]
    if name != "-":
        (tmp_path / name).write_text(MARKDOWN_ARTICLE, encoding="utf-8")
        args[1] = str(tmp_path / name)
    result = CliRunner().invoke(app, args, input=MARKDOWN_ARTICLE if name == "-" else None)
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    if name == "notes.txt":
        # A .txt name says plain text: the way to keep a text taken for Markdown as written.
        assert "**cheminots**" in record["body"] and "[grève reconductible](https" in record["body"]
        return
    expected = ("Grève à la SNCF", "2024-06-17", MARKDOWN_BODY)
    assert (record["title"], record["date"], record["body"]) == expected


# Plain text with a stray "# " line and one *word*: not signs enough to be Markdown.
STRAY_MARKS = (
    "# 1 des ventes cette semaine, le roman *Les Misérables* revient en tête.\n\n"
    "Il coûte 3 * 5 euros, soit 15 euros.\n"
)
MARKDOWN_FEED = jsonl(
    (
        {"id": "md", "text": MARKDOWN_ARTICLE},
        {"id": "plain", "text": STRAY_MARKS},
        {"id": "page", "text": SAVED_PAGE},
    ),
    ensure_ascii=False,
)


def test_a_json_lines_lines_markdown_is_told_by_its_content(tmp_path: Path) -> None:
    # A line's text was plain text unless it was a page: Markdown (a CMS export, a scraped feed)
    # went to the models with its # and **.
    feed = tmp_path / "feed.jsonl"
    feed.write_text(MARKDOWN_FEED, encoding="utf-8")
    for items in (_stdin(MARKDOWN_FEED), list(iter_articles([str(feed)], ReadOptions()))):
        assert [(i.id, i.html, i.markdown) for i in items if isinstance(i, Article)] == [
            ("md", False, True),
            ("plain", False, False),
            ("page", True, False),  # a page holding Markdown's signs is a page
        ]


@pytest.mark.parametrize("where", ["stdin", "file"])
def test_cli_show_clean_strips_the_markdown_of_a_json_lines_line(tmp_path: Path, where: str) -> None:
    args = ["run", "-", "--show-clean", "--format", "jsonl"]
    if where == "file":
        args[1] = str(tmp_path / "feed.jsonl")
        (tmp_path / "feed.jsonl").write_text(MARKDOWN_FEED, encoding="utf-8")
    result = CliRunner().invoke(app, args, input=MARKDOWN_FEED if where == "stdin" else None)
    assert result.exit_code == 0, result.stderr
    md, plain, _ = [json.loads(line) for line in result.stdout.splitlines()]
    # As the same text in a .md file gives.
    assert (md["title"], md["date"], md["body"]) == ("Grève à la SNCF", "2024-06-17", MARKDOWN_BODY)
    # A stray # and * are text, kept as written.
    assert (plain["title"], plain["body"]) == (None, STRAY_MARKS.strip())


# -- 6. a page fetched by URL: its content type, then its content, decide HTML ----------------

PLAIN_ARTICLE = (
    "Le conseil municipal adopte le budget\n\n"
    "Publié le 12 mars 2024 à 10h30\n\n"
    "Le conseil municipal a adopté mardi soir le budget de la ville pour l'année prochaine, "
    "après un long débat.\n\n"
    "Lire aussi : Les travaux du tramway prennent du retard\n\n"
    "L'opposition a voté contre, dénonçant une hausse des impôts locaux jugée trop forte par ses élus.\n"
)
MARKDOWN_PAGE = "# Le plan vélo\n\nLa ville **double** ses pistes cyclables.\n"
# One line's text is a whole page: the feed is still JSON Lines, not a page.
JSONL_FEED = (
    '{"id": "a", "text": "Il pleut sur Paris."}\n{"text": "<html><body><p>Il neige.</p></body></html>"}\n'
)
FEED = "<rss><channel><title>Le Journal</title><item><title>Le plan vélo</title></item></channel></rss>"


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    """A local http.server on 127.0.0.1 serving each route's body with its content type."""
    from http.server import BaseHTTPRequestHandler

    from local_http import serving

    routes = {
        "/plain.txt": ("text/plain; charset=utf-8", PLAIN_ARTICLE),
        "/saved-page.txt": ("text/plain; charset=utf-8", SAVED_PAGE),
        "/tag.txt": ("text/plain; charset=utf-8", PROSE_WITH_A_TAG),
        "/page.html": ("text/html; charset=utf-8", SAVED_PAGE),
        "/untyped": ("", PLAIN_ARTICLE),
        "/feed.xml": ("application/rss+xml", FEED),
        "/feed.txt": ("text/plain; charset=utf-8", JSONL_FEED),
        "/feed.ndjson": ("application/x-ndjson", JSONL_FEED),
        "/note.md": ("text/markdown; charset=utf-8", MARKDOWN_PAGE),
        "/raw/note.md": ("text/plain; charset=utf-8", MARKDOWN_PAGE),
        "/note.txt": ("text/plain; charset=utf-8", MARKDOWN_PAGE),
        "/notes/velo": ("text/plain; charset=utf-8", MARKDOWN_PAGE),
        "/notes/velo-untyped": ("", MARKDOWN_PAGE),
        "/notes/velo-x": ("text/x-markdown", MARKDOWN_PAGE),
        "/notes/stray": ("text/plain; charset=utf-8", STRAY_MARKS),
        "/notes/stray-untyped": ("", STRAY_MARKS),
        "/articles.json": ("application/json", '[{"text": "Il pleut."}, {"text": "Il neige."}]'),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
            return

        def do_GET(self) -> None:
            media, text = routes[self.path]
            body = text.encode("utf-8")
            self.send_response(200)
            if media:
                self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as url:
        yield url


@pytest.fixture
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would send our 127.0.0.1 requests elsewhere.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def _fetched(url: str) -> Article:
    (item,) = iter_articles([url], ReadOptions())
    assert isinstance(item, Article), item
    return item


@pytest.mark.usefixtures("_no_proxy")
def test_plain_text_url_keeps_its_paragraphs_and_loses_its_furniture(pages: str) -> None:
    from summarize.pipeline import clean_article

    article = _fetched(f"{pages}/plain.txt")
    assert not article.html
    assert article.url == f"{pages}/plain.txt"
    cleaned = clean_article(article, keep_boilerplate=False)
    assert cleaned.title == "Le conseil municipal adopte le budget"
    assert cleaned.date == "2024-03-12T10:30"
    assert cleaned.body.split("\n\n") == [
        "Le conseil municipal a adopté mardi soir le budget de la ville pour l'année prochaine, "
        "après un long débat.",
        "L'opposition a voté contre, dénonçant une hausse des impôts locaux jugée trop forte par ses élus.",
    ]
    assert [r.kind for r in cleaned.removed] == ["title", "timestamp", "read_also"]


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize(
    ("path", "html"),
    [
        ("/plain.txt", False),
        ("/tag.txt", False),  # prose quoting a tag stays text, as in a .txt file
        ("/untyped", False),  # no content type: the content decides
        ("/saved-page.txt", True),  # a page served as text/plain is still a page
        ("/page.html", True),
        ("/feed.xml", True),  # XML is markup: read as text, its tags would be translated
    ],
)
def test_url_content_type_then_content_decide_html(pages: str, path: str, html: bool) -> None:
    assert _fetched(pages + path).html is html


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize("scheme", ["HTTP", "Http"])
def test_an_url_scheme_in_capitals_is_fetched(pages: str, scheme: str) -> None:
    # A scheme is case-insensitive (RFC 3986): HTTP:// was refused as "unsupported URL scheme
    # 'HTTP'", a hint that said only http(s) is fetched.
    url = scheme + pages.removeprefix("http") + "/plain.txt"
    article = _fetched(url)
    assert article.id == url and "Le conseil municipal" in article.text
    assert read_inputs.input_path(url) is None and not read_inputs.is_pattern(url + "?a=[1]")


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize("path", ["/feed.txt", "/feed.ndjson"])
def test_a_json_lines_feed_url_is_one_article_a_line(pages: str, path: str) -> None:
    # Served as text/plain it was one article made of JSON (and a page, for the tags of a
    # line); as application/x-ndjson it was refused as "not a text page".
    url = pages + path
    items = list(iter_articles([url], ReadOptions()))
    assert [(type(item).__name__, item.id, item.source) for item in items] == [
        ("Article", "a", f"{url}:1"),
        ("Article", f"{url}-2", f"{url}:2"),
    ]
    assert items[0].text == "Il pleut sur Paris." and not items[0].html and items[1].html


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize(
    ("path", "markdown"), [("/note.md", True), ("/raw/note.md", True), ("/note.txt", False)]
)
def test_a_markdown_url_is_markdown(pages: str, path: str, markdown: bool) -> None:
    # Served as text/markdown (or as text/plain under a .md name, as forges serve raw files), it
    # was plain text: its # and ** went to the translator.
    article = _fetched(pages + path)
    assert (article.html, article.markdown) == (False, markdown)


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize(
    ("path", "markdown"),
    [
        ("/notes/velo", True),  # text/plain
        ("/notes/velo-untyped", True),  # no content type
        ("/notes/stray", False),
        ("/notes/stray-untyped", False),
        ("/untyped", False),
        ("/note.txt", False),  # a .txt name still says plain text, as a file's does
    ],
)
def test_a_plain_text_url_with_no_name_to_say_so_is_markdown_by_its_content(
    pages: str, path: str, markdown: bool
) -> None:
    # Served as text/plain or with no type under a name that says nothing, Markdown was plain
    # text: its # and ** went to the translator. It is now judged as stdin is.
    article = _fetched(pages + path)
    assert (article.html, article.markdown) == (False, markdown)


@pytest.mark.usefixtures("_no_proxy")
def test_a_text_x_markdown_url_is_markdown_whatever_its_name(pages: str) -> None:
    assert _fetched(f"{pages}/notes/velo-x").markdown


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize("path", ["/notes/velo", "/notes/velo-untyped"])
def test_cli_show_clean_strips_the_markdown_of_a_plain_text_url(pages: str, path: str) -> None:
    result = CliRunner().invoke(app, ["run", pages + path, "--show-clean", "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["title"], record["body"]) == ("Le plan vélo", "La ville double ses pistes cyclables.")


@pytest.mark.usefixtures("_no_proxy")
def test_a_json_array_url_is_refused_with_the_way_to_json_lines(pages: str) -> None:
    (failure,) = iter_articles([f"{pages}/articles.json"], ReadOptions())
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{pages}/articles.json: a JSON array of 2 objects, not JSON Lines"
    # jq reads no URL: the way starts with curl (it was "jq -c '.[]' http://...").
    way = f"curl -s {pages}/articles.json | jq -c '.[]' | summarize run -"
    assert failure.error.hint == f"give one object a line, for example: {way}"


@pytest.mark.usefixtures("_no_proxy")
def test_cli_show_clean_of_a_plain_text_url(pages: str) -> None:
    result = CliRunner().invoke(app, ["run", f"{pages}/plain.txt", "--show-clean", "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["title"] == "Le conseil municipal adopte le budget"
    assert "\n\n" in record["body"] and "Lire aussi" not in record["body"]


# -- 7. --max-bytes: each line of JSON Lines, a file as on stdin; an article file whole ---------

SHORT_LINES = ['{"id": "a", "text": "Il pleut."}\n', '{"id": "b", "text": "Il neige."}\n']
LONG_LINE = json.dumps({"id": "long", "text": "Le maire a parlé. " * 100}) + "\n"  # over 1,000 bytes


@pytest.mark.parametrize("at", [0, 1, 2])
def test_jsonl_file_limits_each_line(tmp_path: Path, at: int) -> None:
    lines = list(SHORT_LINES)
    lines.insert(at, LONG_LINE)
    src = tmp_path / "feed.jsonl"
    src.write_text("".join(lines), encoding="utf-8")
    items = list(iter_articles([str(src)], ReadOptions(max_bytes=1000)))
    expected = [("Article", "a"), ("Article", "b")]
    expected.insert(at, ("ReadFailure", f"feed-{at + 1}"))
    assert [(type(item).__name__, item.id) for item in items] == expected
    failure = items[at]
    assert isinstance(failure, ReadFailure) and failure.error.kind == "too_large"
    assert failure.error.message == f"{src}:{at + 1}: line over --max-bytes (1000 bytes)"
    assert failure.error.hint == "split it, or raise --max-bytes"


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        # UTF-16: b"\n" bytes inside characters are no line ends, so the file is read whole.
        ("".join(SHORT_LINES).encode("utf-16"), None, [("a", "ok"), ("b", "ok")]),
        ("".join(SHORT_LINES).encode("utf-8-sig"), "latin-1", [("a", "ok"), ("b", "ok")]),  # the BOM wins
        # Binary data is one failure, not one per "line".
        (b"PK\x03\x04\x00\x00\n" * 3, None, [("feed", "binary")]),
        # A line not in --encoding costs only itself, as on stdin.
        (
            b'{"text": "\xff"}\n' + "".join(SHORT_LINES).encode(),
            "ascii",
            [("feed-1", "encoding"), ("a", "ok"), ("b", "ok")],
        ),
    ],
    ids=["utf-16", "utf-8-bom", "binary", "bad-line-in-encoding"],
)
def test_jsonl_file_encodings(
    tmp_path: Path, data: bytes, encoding: str | None, expected: list[tuple[str, str]]
) -> None:
    src = tmp_path / "feed.jsonl"
    src.write_bytes(data)
    items = list(iter_articles([str(src)], ReadOptions(encoding=encoding)))
    kinds = [(item.id, item.error.kind if isinstance(item, ReadFailure) else "ok") for item in items]
    assert kinds == expected


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_article_file_keeps_its_whole_file_limit(tmp_path: Path, suffix: str) -> None:
    src = tmp_path / f"article{suffix}"
    src.write_text("Le maire a parlé.\n" * 100, encoding="utf-8")
    size = src.stat().st_size
    items = list(iter_articles([str(src)], ReadOptions(max_bytes=1000)))
    assert len(items) == 1 and isinstance(items[0], ReadFailure)
    assert items[0].error.kind == "too_large"
    assert items[0].error.message == f"{src} is {size} bytes, over --max-bytes (1000)"


@pytest.mark.parametrize("at", [0, 1])
@pytest.mark.parametrize("where", ["stdin", "file"])
def test_cli_a_line_over_max_bytes_costs_only_itself(tmp_path: Path, where: str, at: int) -> None:
    lines = list(SHORT_LINES)
    lines.insert(at, LONG_LINE)
    src = tmp_path / "feed.jsonl"
    src.write_text("".join(lines), encoding="utf-8")
    given = "-" if where == "stdin" else str(src)
    args = ["run", given, "--show-clean", "-f", "jsonl", "--max-bytes", "1000"]
    result = CliRunner().invoke(app, args, input="".join(lines) if where == "stdin" else None)
    assert result.exit_code == 1
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == ["a", "b"][:at] + [f"{'stdin' if where == 'stdin' else 'feed'}-{at + 1}"] + ["a", "b"][at:]
    source = "stdin" if where == "stdin" else str(src)
    assert result.stderr.splitlines() == [
        f"summarize: {source}:{at + 1}: line over --max-bytes (1000 bytes) (split it, or raise --max-bytes)"
    ]


# -- 8. an HTML file's declared charset ------------------------------------------------------

DECLARED_PAGES = {
    "meta": '<!DOCTYPE html><html><head><meta charset="{cs}"><title>Le café</title></head>',
    "http-equiv": (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}">'
        "<title>Le café</title></head>"
    ),
}
DECLARED_BODY = "<body><p>Le café coûte 2 € au comptoir, dit le patron.</p></body></html>\n"


@pytest.mark.parametrize("suffix", [".html", ".htm"])
@pytest.mark.parametrize("form", ["meta", "http-equiv"])
def test_an_html_file_is_read_in_the_charset_it_declares(tmp_path: Path, form: str, suffix: str) -> None:
    page = DECLARED_PAGES[form].replace("{cs}", "windows-1252") + DECLARED_BODY
    src = tmp_path / f"page{suffix}"
    src.write_bytes(page.encode("cp1252"))
    (article,) = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(article, Article) and article.html
    assert article.text == page


def test_cli_reads_an_html_file_in_its_declared_charset(tmp_path: Path) -> None:
    src = tmp_path / "page.html"
    src.write_bytes((DECLARED_PAGES["meta"].replace("{cs}", "iso-8859-1") + DECLARED_BODY).encode("cp1252"))
    result = CliRunner().invoke(app, ["run", str(src), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0 and result.stderr == ""
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["title"] == "Le café" and "Le café coûte" in record["body"]
    # Said to be iso-8859-1, read as browsers read it (windows-1252): the euro sign is kept.
    assert "2 € au comptoir" in record["body"]


@pytest.mark.parametrize("label", ["iso-8859-1", "latin1", "us-ascii"])
def test_a_latin1_label_reads_windows_1252_quotes(tmp_path: Path, label: str) -> None:
    src = tmp_path / "page.html"
    text = "<p>L’État a dit « oui »… selon l’AFP.</p>"
    src.write_bytes((DECLARED_PAGES["meta"].replace("{cs}", label) + text).encode("cp1252"))
    (article,) = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(article, Article) and text in article.text
    # So does --encoding latin-1, the hint's own example: its bytes 0x80-0x9F are no text.
    plain = tmp_path / "a.txt"
    plain.write_bytes("L’État a dit non.".encode("cp1252"))
    (article,) = list(iter_articles([str(plain)], ReadOptions(encoding="latin-1")))
    assert isinstance(article, Article) and article.text == "L’État a dit non."
    # A byte windows-1252 leaves undefined costs only itself, as in a browser.
    plain.write_bytes("L’État a dit non.".encode("cp1252") + b" \x81")
    (article,) = list(iter_articles([str(plain)], ReadOptions(encoding="latin-1")))
    assert isinstance(article, Article) and article.text == "L’État a dit non. \x81"


def test_show_clean_skips_an_empty_jsonl_file_as_run_does(tmp_path: Path) -> None:
    (tmp_path / "none.jsonl").write_bytes(b"")
    result = CliRunner().invoke(app, ["run", str(tmp_path / "none.jsonl"), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0 and result.stderr == ""
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["error"]["kind"] == "empty"


@pytest.mark.parametrize(
    ("name", "declared", "data", "outcome"),
    [
        # Valid UTF-8 is UTF-8, whatever the page says (pages often declare a charset they left).
        ("page.html", "windows-1252", "Le café €".encode(), "Le café €"),
        # A BOM still decides.
        ("page.html", "windows-1252", "Le café €".encode("utf-8-sig"), "Le café €"),
        # Only an HTML file's declaration counts.
        ("page.txt", "windows-1252", "Le café".encode("cp1252"), "encoding"),
        # A declaration readable as ASCII cannot be right about UTF-16.
        ("page.html", "utf-16", "Le café".encode("cp1252"), "encoding"),
        ("page.html", "no-such-charset", "Le café".encode("cp1252"), "encoding"),
        # A byte windows-1252 leaves undefined is kept alone, as browsers keep it.
        ("page.html", "windows-1252", b"Le caf\xe9 \x81", "Le café \x81"),
        # Bytes that are not in another declared charset: the page fails.
        ("page.html", "shift_jis", b"Le caf\x81\x20", "encoding"),
    ],
    ids=["utf-8", "bom", "not-html", "utf-16", "unknown", "undefined-in-1252", "not-in-charset"],
)
def test_a_declared_charset_is_used_only_where_utf8_fails(
    tmp_path: Path, name: str, declared: str, data: bytes, outcome: str
) -> None:
    head = f'<html><head><meta charset="{declared}"></head>'.encode("ascii")
    src = tmp_path / name
    src.write_bytes(data.replace(b"Le caf", head + b"Le caf", 1))
    (item,) = list(iter_articles([str(src)], ReadOptions()))
    if outcome == "encoding":
        assert isinstance(item, ReadFailure) and item.error.kind == "encoding"
    else:
        assert isinstance(item, Article) and item.text.endswith(outcome) and "\ufeff" not in item.text


# -- 9. --encoding applies where UTF-8 fails: one folder or feed can mix both ----------------

MIXED = {"utf8.txt": ("Le maire a annoncé un plan.", "utf-8"), "latin.txt": ("Le café a fermé.", "latin-1")}


@pytest.mark.parametrize("encoding", [None, "latin-1", "cp1252"])
def test_encoding_leaves_utf8_files_as_utf8(tmp_path: Path, encoding: str | None) -> None:
    for name, (text, codec) in MIXED.items():
        (tmp_path / name).write_bytes(text.encode(codec))
    items = list(iter_articles([str(tmp_path)], ReadOptions(encoding=encoding)))
    got = {Path(i.source).name: i.text if isinstance(i, Article) else i.error.kind for i in items}
    expected_latin = "encoding" if encoding is None else MIXED["latin.txt"][0]
    assert got == {"utf8.txt": MIXED["utf8.txt"][0], "latin.txt": expected_latin}


def test_encoding_applies_line_by_line_in_json_lines(tmp_path: Path) -> None:
    lines = [
        '{"id": "u", "text": "Le maire a annoncé un plan."}\n'.encode(),
        '{"id": "l", "text": "Le café a fermé."}\n'.encode("latin-1"),
    ]
    src = tmp_path / "feed.jsonl"
    src.write_bytes(b"".join(lines))
    streamed = list(iter_articles([str(src)], ReadOptions(encoding="latin-1")))
    # Read whole: stdin whose first line is not JSON, so that the batch is judged all at once.
    data = b"{pas du JSON\n" + b"".join(lines)
    whole = list(iter_articles(["-"], ReadOptions(encoding="latin-1"), read_stdin=lambda: data))
    expected = [("u", "Le maire a annoncé un plan."), ("l", "Le café a fermé.")]
    assert [(i.id, i.text) for i in streamed if isinstance(i, Article)] == expected
    assert [(i.id, i.text) for i in whole if isinstance(i, Article)] == expected
    assert [type(i) for i in whole] == [ReadFailure, Article, Article]


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        # ASCII text in UTF-16 is valid UTF-8 (with NUL bytes): an explicit UTF-16 request stands.
        ("Bonjour.".encode("utf-16-le"), "utf-16-le", "Bonjour."),
        ("Bonjour.".encode("utf-32-be"), "utf-32-be", "Bonjour."),
        # A BOM decides, over --encoding and over UTF-8.
        ("Le café".encode("utf-8-sig"), "latin-1", "Le café"),
        ("\ufeffLe café".encode("utf-16-le"), "latin-1", "Le café"),
        ("Le café".encode(), "latin-1", "Le café"),
        ("Le café".encode("latin-1"), "latin-1", "Le café"),
    ],
)
def test_what_decides_an_encoding(data: bytes, encoding: str, text: str) -> None:
    assert read_decode.decode(data, encoding) == text


def test_cli_encoding_over_a_mixed_folder(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for name, (text, codec) in MIXED.items():
        (folder / name).write_bytes(text.encode(codec))
    args = ["run", str(folder), "--encoding", "latin-1", "--show-clean", "-f", "jsonl"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and result.stderr == ""
    bodies = [json.loads(line)["body"] for line in result.stdout.splitlines()]
    assert bodies == ["Le café a fermé.", "Le maire a annoncé un plan."]  # latin.txt, then utf8.txt


# -- 10. a FIFO or character device named on the command line is read as a stream -----------


def _pipe(data: bytes) -> str:
    """A pipe holding ``data``, its writer closed, named as ``<(...)`` names one: /dev/fd/N."""
    read_end, write_end = os.pipe()
    os.write(write_end, data)  # well under a pipe's buffer
    os.close(write_end)
    return f"/dev/fd/{read_end}"


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Callable[[str, bytes], Path]]:
    """Make a named pipe whose writer (a thread) writes its bytes once a reader opens it."""
    made: list[Path] = []

    def make(name: str, data: bytes) -> Path:
        path = tmp_path / name
        os.mkfifo(path)
        made.append(path)

        def write() -> None:
            with contextlib.suppress(BrokenPipeError), path.open("wb") as fh:
                fh.write(data)

        threading.Thread(target=write, daemon=True).start()
        return path

    yield make
    for path in made:  # a writer still waiting for its reader (the test failed) opens, and ends
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))


@pytest.mark.parametrize(
    ("data", "texts"),
    [
        ("Bonjour à tous.\n".encode(), ["Bonjour à tous.\n"]),
        # JSON Lines content is JSON Lines, as on stdin.
        (b'{"id": "a", "text": "Il pleut."}\n{"id": "b", "text": "Il neige."}\n', ["Il pleut.", "Il neige."]),
        (b"\n", ["\n"]),
    ],
    ids=["text", "jsonl", "empty"],
)
def test_a_pipe_named_on_the_command_line_is_read(data: bytes, texts: list[str]) -> None:
    raw = _pipe(data)
    try:
        items = list(iter_articles([raw], ReadOptions()))
    finally:
        os.close(int(raw.rsplit("/", 1)[1]))
    assert all(isinstance(i, Article) for i in items), items
    assert [i.text for i in items] == texts  # type: ignore[union-attr]


def test_a_pipe_over_max_bytes_is_too_large() -> None:
    raw = _pipe(b"Le maire a parl\xc3\xa9. " * 100)  # 1,900 bytes
    try:
        (failure,) = list(iter_articles([raw], ReadOptions(max_bytes=1000)))
    finally:
        os.close(int(raw.rsplit("/", 1)[1]))
    assert isinstance(failure, ReadFailure) and failure.error.kind == "too_large"
    assert failure.error.message == f"{raw} is over --max-bytes (1000 bytes)"
    assert failure.error.hint == "split it, or raise --max-bytes"


def test_named_fifos_follow_their_suffix(fifo: Callable[[str, bytes], Path]) -> None:
    # A .jsonl name is JSON Lines even when its first line is malformed, as a .jsonl file is.
    feed = fifo("feed.jsonl", BAD_FIRST_LINE.encode())
    page = fifo("page.html", SAVED_PAGE.encode())
    notes = fifo("notes.md", b"# Titre\n\nLe **maire** a parl\xc3\xa9.\n")
    items = list(iter_articles([str(feed), str(page), str(notes)], ReadOptions()))
    assert [(type(i).__name__, i.id) for i in items] == [
        ("ReadFailure", "feed-1"),
        ("Article", "x2"),
        ("Article", "page"),
        ("Article", "notes"),
    ]
    assert isinstance(items[3], Article) and items[3].markdown  # as a notes.md file would be
    assert items[1].source == f"{feed}:2"
    assert isinstance(items[2], Article) and items[2].html and items[2].text == SAVED_PAGE.lstrip("\ufeff")


def test_a_character_device_named_on_the_command_line_is_read() -> None:
    assert list(iter_articles(["/dev/null"], ReadOptions())) == [Article("null", "/dev/null", "")]
    (failure,) = list(iter_articles(["/dev/zero"], ReadOptions(max_bytes=1000)))
    assert isinstance(failure, ReadFailure) and failure.error.kind == "too_large"


def test_a_fifo_inside_a_folder_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Bonjour.\n", encoding="utf-8")
    os.mkfifo(tmp_path / "b.txt")  # never opened: no writer is needed
    items = list(iter_articles([str(tmp_path)], ReadOptions()))
    assert [type(i) for i in items] == [Article, ReadFailure]
    assert items[1].error.message == f"{tmp_path / 'b.txt'}: not a regular file"  # type: ignore[union-attr]


def test_cli_reads_a_process_substitution() -> None:
    raw = _pipe(b'{"id": "a", "text": "Il pleut."}\n{"id": "b", "text": "Il neige."}\n')
    try:
        result = CliRunner().invoke(app, ["run", raw, "--show-clean", "-f", "jsonl"])
    finally:
        os.close(int(raw.rsplit("/", 1)[1]))
    assert result.exit_code == 0 and result.stderr == ""
    assert [(r["id"], r["body"]) for r in map(json.loads, result.stdout.splitlines())] == [
        ("a", "Il pleut."),
        ("b", "Il neige."),
    ]


def test_a_jsonl_line_without_text_keeps_its_id(tmp_path: Path) -> None:
    """A failed line's record carries the line's own id, as its article would have: results
    are joined with the inputs by id (`jq`), and `in-2` matches nothing in the input."""
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "Bonjour."}\n{"id": "b", "body": "x"}\n{"body": "y"}\n')
    _, named, unnamed = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(named, ReadFailure) and named.id == "b"
    assert isinstance(unnamed, ReadFailure) and unnamed.id == "in-3"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_wide_text_without_a_bom_names_the_encoding_to_pass(tmp_path: Path, codec: str, suffix: str) -> None:
    """UTF-16/32 without a byte-order mark is text, not an image: its failure says which
    --encoding reads it, and that encoding does (binary data keeps its own failure)."""
    src = tmp_path / f"a{suffix}"
    text = '{"id": "a", "text": "Le café coûte 2 €."}\n' if suffix == ".jsonl" else "Le café coûte 2 €.\n"
    src.write_bytes(text.encode(codec))
    (failure,) = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(failure, ReadFailure) and failure.error.kind == "encoding"
    assert failure.error.hint == f"pass --encoding {codec}"
    (article,) = list(iter_articles([str(src)], ReadOptions(encoding=codec)))
    assert isinstance(article, Article) and "Le café coûte 2 €." in article.text
    binary = tmp_path / f"b{suffix}"
    binary.write_bytes(b"PK\x03\x04\x00\x00" + bytes(range(256)) * 8)
    (failure,) = list(iter_articles([str(binary)], ReadOptions()))
    assert isinstance(failure, ReadFailure) and failure.error.kind == "binary"


# -- A quoted pattern: expanded as a shell would ------------------------------------------


def _patterned(tmp_path: Path) -> Path:
    news = tmp_path / "news"
    (news / "sub").mkdir(parents=True)
    for name in ("b.md", "a.md", ".hidden.md", "sub/c.md", "notes.txt"):
        (news / name).write_text(f"Le conseil municipal a voté ({name}).\n", encoding="utf-8")
    (news / "a-2.md").write_text(RESULT_TEXT, encoding="utf-8")  # an earlier run's result
    return news


def _show_clean(*inputs: str) -> tuple[int, list[str], list[str]]:
    result = CliRunner().invoke(app, ["run", *inputs, "--show-clean", "-f", "jsonl"])
    return (
        result.exit_code,
        [json.loads(line)["id"] for line in result.stdout.splitlines()],
        result.stderr.splitlines(),
    )


def test_a_quoted_pattern_is_expanded_sorted_without_hidden_files_or_results(tmp_path: Path) -> None:
    news = _patterned(tmp_path)
    code, ids, stderr = _show_clean("news/*.md")  # as `summarize run 'news/*.md'` gets it
    assert (code, ids) == (0, ["a", "b"])
    assert stderr == [
        "summarize: warning: news/*.md: skipped 1 result of summarize (news/a-2.md); "
        "results are not read as articles"
    ]
    assert _show_clean(f"{news}/?.md")[:2] == (0, ["a", "b"])
    assert _show_clean("news/[ab].md", "news/*.txt")[:2] == (0, ["a", "b", "notes"])
    # ** goes down into subfolders; the folders it matches are not read twice over.
    assert _show_clean("news/**/*.md")[:2] == (0, ["a", "b", "c"])
    assert _show_clean("news/**")[:2] == (0, ["a", "b", "notes", "c"])
    # A folder a pattern matches is read as a folder, as the shell would pass it.
    assert _show_clean("new?")[:2] == (0, ["a", "b", "notes"])
    # The library reads patterns as the command does.
    items = list(iter_articles(["news/*.md"], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a"), ("Article", "b")]


def test_a_file_named_like_a_pattern_is_that_file(tmp_path: Path) -> None:
    news = _patterned(tmp_path)
    (news / "x*.md").write_text("Un fichier au nom étoilé.\n", encoding="utf-8")
    assert _show_clean("news/x*.md")[:2] == (0, ["x*"])


def test_a_pattern_that_matches_nothing_is_one_line_that_says_so(tmp_path: Path) -> None:
    _patterned(tmp_path)
    code, ids, stderr = _show_clean("news/*.html", "news/a.md")
    assert (code, ids) == (1, ["news/*.html", "a"])
    assert stderr == [
        "summarize: news/*.html: no file matches this pattern (check the pattern and its folder; "
        "* ? [...] match within a folder, ** across subfolders)"
    ]


def test_a_pattern_never_matches_the_output_folder(tmp_path: Path) -> None:
    news = _patterned(tmp_path)
    (tmp_path / "out").mkdir()
    assert read_inputs.expand_patterns(["*"], tmp_path / "out") == (["news"], [])
    assert read_inputs.expand_patterns(["*"]) == (["news", "out"], [])
    # Matched, though skipped: not a pattern that matches nothing.
    assert read_inputs.expand_patterns(["o*"], tmp_path / "out") == ([], [])
    assert read_inputs.expand_patterns([f"{news}/*.txt", "-", "https://example.org/*"]) == (
        [str(news / "notes.txt"), "-", "https://example.org/*"],
        [],
    )


def test_under_double_star_the_output_folders_files_are_not_matched(tmp_path: Path) -> None:
    # `summarize run 'news/**/*.txt' -o news/results`: the results there were matched and said
    # as skipped results, and a file of the user's beside them was read as an article.
    results = tmp_path / "news" / "results"
    results.mkdir(parents=True)
    (tmp_path / "news" / "a.txt").write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    (results / "a.txt").write_text(RESULT_TEXT, encoding="utf-8")
    (results / "notes.txt").write_text("Une note à moi.\n", encoding="utf-8")
    assert read_inputs.expand_patterns(["news/**/*.txt"], results) == (["news/a.txt"], [])
    # Without an output folder, it is a folder like any other.
    assert read_inputs.expand_patterns(["news/**/*.txt"]) == (
        ["news/a.txt", "news/results/notes.txt"],
        [
            "news/**/*.txt: skipped 1 result of summarize (news/results/a.txt); "
            "results are not read as articles"
        ],
    )


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


# -- 12. --input-format and a JSON line's "format": the kind said, not told -----------------

FLAGS = {"text": (False, False), "markdown": (False, True), "html": (True, False)}  # (html, markdown)
# A Markdown link alone: one kind of sign, too few for its content to tell it is Markdown.
LONE_LINK = (
    "Le rapport\n\nLa Cour des comptes publie [son rapport](https://example.com/rapport) sur la dette.\n"
)
TAGLESS = "Le conseil adopte le budget\n\nPublié le 12 mars 2024\n\nLe conseil a voté.\n\nIl pleut.\n"


def _read_as(
    route: str, text: str, input_format: str, tmp_path: Path, fifo: Callable[[str, bytes], Path]
) -> list[Item]:
    """``text`` read through ``route`` under ``--input-format input_format``."""
    options = ReadOptions(input_format=input_format)
    line = json.dumps({"id": "a", "text": text}) + "\n"
    if route == "stdin":
        return list(iter_articles(["-"], options, read_stdin=lambda: text.encode()))
    if route == "jsonl-stdin":
        return list(iter_articles(["-"], options, read_stdin=lambda: line.encode()))
    if route == "pipe":
        return list(iter_articles([str(fifo("notes", text.encode()))], options))
    name = {"jsonl-file": "feed.jsonl", "no-suffix": "notes"}.get(route, f"article{route}")
    (tmp_path / name).write_text(line if route == "jsonl-file" else text, encoding="utf-8")
    return list(iter_articles([str(tmp_path / name)], options))


@pytest.mark.parametrize("kind", ["text", "markdown", "html"])
@pytest.mark.parametrize(
    ("route", "text"),
    [
        (".md", MARKDOWN_ARTICLE),
        (".md", SAVED_PAGE),  # a whole page saved as .md: a page under auto
        (".txt", MARKDOWN_ARTICLE),
        (".html", SAVED_PAGE),
        (".html", TAGLESS),  # no tag: plain text under auto
        ("no-suffix", LONE_LINK),
        ("stdin", MARKDOWN_ARTICLE),
        ("pipe", SAVED_PAGE),
        ("jsonl-file", MARKDOWN_ARTICLE),
        ("jsonl-stdin", SAVED_PAGE),
    ],
)
def test_input_format_says_the_kind_on_every_route(
    route: str, text: str, kind: str, tmp_path: Path, fifo: Callable[[str, bytes], Path]
) -> None:
    # Whatever the name and content tell, and whatever rule auto has for them: the kind said.
    (item,) = _read_as(route, text, kind, tmp_path, fifo)
    assert isinstance(item, Article), item
    assert (item.html, item.markdown) == FLAGS[kind]
    # The framing stays: a JSON line is still read as JSON Lines (a file's BOM is no text).
    assert item.text.lstrip("\ufeff") == text.lstrip("\ufeff")
    assert item.source.endswith(":1") == route.startswith("jsonl")


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize("kind", ["text", "markdown", "html"])
@pytest.mark.parametrize("path", ["/page.html", "/note.md", "/plain.txt", "/feed.txt"])
def test_input_format_says_the_kind_of_a_url_whatever_its_content_type(
    pages: str, path: str, kind: str
) -> None:
    items = list(iter_articles([pages + path], ReadOptions(input_format=kind)))
    # A JSON Lines feed stays one article a line, each line's text of the kind said.
    assert len(items) == (2 if path == "/feed.txt" else 1)
    assert all(isinstance(i, Article) and (i.html, i.markdown) == FLAGS[kind] for i in items)


ABSENT = object()


@pytest.mark.parametrize(
    ("input_format", "given", "text", "expected"),
    [
        ("auto", ABSENT, MARKDOWN_ARTICLE, "markdown"),  # told by its content
        ("auto", ABSENT, STRAY_MARKS, "text"),
        ("auto", None, MARKDOWN_ARTICLE, "markdown"),  # null and blank are as if absent
        ("auto", "  ", STRAY_MARKS, "text"),
        ("auto", "auto", MARKDOWN_ARTICLE, "markdown"),
        ("auto", "text", MARKDOWN_ARTICLE, "text"),  # the line's format wins over its content
        ("auto", "markdown", STRAY_MARKS, "markdown"),
        ("auto", " HTML ", STRAY_MARKS, "html"),  # case and spaces do not matter
        ("text", "markdown", MARKDOWN_ARTICLE, "text"),  # --input-format, typed for the run, wins
        ("markdown", "html", SAVED_PAGE, "markdown"),
        ("html", "pdf", STRAY_MARKS, "html"),  # a wrong format included, as a wrong lang is
        ("markdown", ABSENT, STRAY_MARKS, "markdown"),
    ],
)
def test_a_jsonl_lines_format_between_input_format_and_its_content(
    input_format: str, given: object, text: str, expected: str
) -> None:
    line = {"id": "a", "text": text} | ({} if given is ABSENT else {"format": given})
    options = ReadOptions(input_format=input_format)
    (item,) = iter_articles(["-"], options, read_stdin=lambda: (json.dumps(line) + "\n").encode())
    assert isinstance(item, Article), item
    assert (item.html, item.markdown) == FLAGS[expected]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("md", '"md"'),
        ("plain", '"plain"'),
        ("text/html", '"text/html"'),
        (1, "1"),
        (True, "true"),
        (["html"], '["html"]'),
    ],
)
def test_a_wrong_format_fails_that_line_only(given: object, said: str) -> None:
    lines = [
        {"id": "a", "text": "Il pleut."},
        {"id": "b", "text": "Il neige.", "format": given},
        {"text": "Il vente."},
    ]
    a, b, c = _stdin(jsonl(lines))
    assert isinstance(a, Article) and isinstance(c, Article)
    assert isinstance(b, ReadFailure) and (b.id, b.source, b.error.kind) == ("b", "stdin:2", "input_format")
    assert b.error.message == f'stdin:2: unknown "format" {said}'
    assert b.error.hint is not None and b.error.hint.startswith(
        "expected one of: auto, text, markdown, html;"
    )


def _cleaned(args: list[str], stdin: str | None = None) -> tuple[int, list[dict], str]:
    result = CliRunner().invoke(app, ["run", *args, "--show-clean", "-f", "jsonl"], input=stdin)
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_cli_input_format_markdown_strips_a_lone_link_and_text_keeps_markdown(tmp_path: Path) -> None:
    # A lone link was plain text, its URL translated; a .md file's markup could not be kept.
    code, (auto,), _ = _cleaned(["-"], LONE_LINK)
    assert code == 0 and "[son rapport](https://example.com/rapport)" in auto["body"]
    code, (forced,), _ = _cleaned(["-", "--input-format", "markdown"], LONE_LINK)
    assert code == 0 and forced["body"] == "La Cour des comptes publie son rapport sur la dette."
    (tmp_path / "greve.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    code, (kept,), _ = _cleaned([str(tmp_path / "greve.md"), "--input-format", "text"])
    assert code == 0 and "Les **cheminots** ont voté une [grève reconductible](https" in kept["body"]


def test_cli_input_format_decides_where_auto_has_rules_of_its_own(tmp_path: Path) -> None:
    # A whole page saved as .md is Markdown when said so: its tags go with the markup.
    (tmp_path / "page.md").write_text(SAVED_PAGE, encoding="utf-8")
    code, (page,), _ = _cleaned([str(tmp_path / "page.md"), "--input-format", "markdown"])
    said = page["body"] + " ".join(r["text"] for r in page["removed"])
    # Not extracted (a page's title comes from its <title>), nor kept as written (its <p>).
    assert code == 0 and page["title"] is None and "<p>" not in said and "La ville veut doubler" in said
    # An .html file without a tag is a page when said so: its lines run into one paragraph.
    (tmp_path / "note.html").write_text(TAGLESS, encoding="utf-8")
    code, (tagless,), _ = _cleaned([str(tmp_path / "note.html"), "--input-format", "html"])
    assert code == 0 and "\n" not in tagless["body"] and "Le conseil a voté. Il pleut." in tagless["body"]


def test_cli_a_wrong_format_is_one_failed_record(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"id": "a", "text": MARKDOWN_ARTICLE, "format": "md"},
        {"id": "b", "text": "**Il** pleut.", "format": "markdown"},
    ]
    feed.write_text(jsonl(lines, ensure_ascii=False), encoding="utf-8")
    code, (a, b), stderr = _cleaned([str(feed)])
    assert code == 1
    assert a["id"] == "a" and a["error"]["kind"] == "input_format"
    assert b["body"] == "Il pleut."
    assert stderr.splitlines() == [
        f'summarize: {feed}:1: unknown "format" "md" (expected one of: auto, text, markdown, html; fix its '
        '"format", leave it out to have the kind told by the text, or pass --input-format)'
    ]
    # --input-format, typed for the run, wins over every line's: nothing fails.
    code, records, _ = _cleaned([str(feed), "--input-format", "text"])
    assert code == 0 and [r["body"] for r in records][1] == "**Il** pleut."
    # A run's record says the same: the line failed, with its id, before any model was needed.
    no_model = ["--translation-model", "/nonexistent/model", "--summary-model", "/nonexistent/model"]
    result = CliRunner().invoke(app, ["run", str(feed), "-f", "jsonl", "--no-cache", *no_model])
    record = json.loads(result.stdout.splitlines()[0])
    assert result.exit_code == 1 and (record["id"], record["status"]) == ("a", "error")
    assert (
        record["error"]["kind"] == "input_format"
        and record["error"]["message"] == f'{feed}:1: unknown "format" "md"'
    )
