"""Reading inputs end to end, by source: one bad input never stops the others, standard input
closed, --max-bytes on a line or a file, pipes and character devices named on the command line.

No model and no network: the reader is called directly, or the CLI with ``--show-clean``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from read_samples import BAD_FIRST_LINE, SAVED_PAGE, SHORT_LINES
from typer.testing import CliRunner

from summarize import read
from summarize.cli import app
from summarize.fetch import UnsupportedURLError, fetch_url
from summarize.read import Article, Item, ReadFailure, ReadOptions, iter_articles

pytestmark = pytest.mark.usefixtures("_no_debug")


# -- one bad input never stops the others ---------------------------------------------------


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


# -- the fetch timeout hint -----------------------------------------------------------------


def test_timeout_hint_names_no_missing_option() -> None:
    from summarize.fetch import _timeout

    error = _timeout("https://example.org/", 20)
    assert "timeout" not in error.hint
    assert "save the page" in error.hint


# -- --max-bytes: each line of JSON Lines, a file as on stdin; an article file whole --------


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


def test_show_clean_skips_an_empty_jsonl_file_as_run_does(tmp_path: Path) -> None:
    (tmp_path / "none.jsonl").write_bytes(b"")
    result = CliRunner().invoke(app, ["run", str(tmp_path / "none.jsonl"), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0 and result.stderr == ""
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["error"]["kind"] == "empty"


# -- a FIFO or character device named on the command line is read as a stream ---------------


def _pipe(data: bytes) -> str:
    """A pipe holding ``data``, its writer closed, named as ``<(...)`` names one: /dev/fd/N."""
    read_end, write_end = os.pipe()
    os.write(write_end, data)  # well under a pipe's buffer
    os.close(write_end)
    return f"/dev/fd/{read_end}"


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
