"""JSON Lines on standard input is streamed: each article is read, and processed, as its line comes.

The reader is driven with a stream over a generator of lines, which checks that no line is asked
for before the article of the line before it is out; the CLI in a real subprocess, fed one line,
must write that line's record while its stdin is still open.
"""

from __future__ import annotations

import codecs
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from fault_tools import by_own_shell
from typer.testing import CliRunner

from summarize.cli import app
from summarize.read import Article, Item, ReadFailure, ReadOptions, iter_articles

REPO = Path(__file__).resolve().parent.parent
ONE = '{"id": "one", "text": "Le maire a inauguré samedi la nouvelle médiathèque de la ville."}\n'
TWO = '{"id": "two", "text": "Les pluies de la nuit ont provoqué des inondations."}\n'


class _Stream:
    """A binary stream over an iterable of lines, as ``sys.stdin.buffer`` is over a pipe.

    ``readline(size)`` returns at most ``size`` bytes, the rest of a line coming at the next
    call, and asks the iterable for a line only when it needs one.
    """

    def __init__(self, lines: Iterable[bytes]) -> None:
        self._lines = iter(lines)
        self._pending = b""

    def readline(self, size: int = -1, /) -> bytes:
        if not self._pending:
            self._pending = next(self._lines, b"")
        cut = len(self._pending) if size < 0 else size
        piece, self._pending = self._pending[:cut], self._pending[cut:]
        return piece

    def read(self, size: int = -1, /) -> bytes:
        data = self._pending + b"".join(self._lines)
        cut = len(data) if size < 0 else size
        data, self._pending = data[:cut], data[cut:]
        return data


def _read(lines: Iterable[bytes], **options: object) -> list[Item]:
    return list(iter_articles(["-"], ReadOptions(**options), read_stdin=lambda: _Stream(lines)))  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUMMARIZE_DEBUG", raising=False)


# -- the reader, on a stream of lines ---------------------------------------------------------


def test_each_line_is_yielded_before_the_next_is_read() -> None:
    out: list[Item] = []

    def lines() -> Iterator[bytes]:
        yield ONE.encode()
        assert [item.id for item in out] == ["one"], "line 2 was read before article 1 came out"
        yield TWO.encode()
        assert [item.id for item in out] == ["one", "two"]

    for item in iter_articles(["-"], ReadOptions(), read_stdin=lambda: _Stream(lines())):
        out.append(item)
    assert all(isinstance(item, Article) for item in out)
    assert [(item.id, item.source) for item in out] == [("one", "stdin:1"), ("two", "stdin:2")]
    assert out[0].text == "Le maire a inauguré samedi la nouvelle médiathèque de la ville."


def test_later_malformed_lines_are_per_line_errors() -> None:
    lines = [
        b"\n",
        b"  \r\n",
        ONE.encode(),
        b"{not json}\n",
        b"\n",
        b'{"title": "no text"}\n',
        b'{"id": "bad", "text": "caf\xe9"}\n',  # latin-1 bytes in UTF-8 input
        b"Du texte libre.\n",
        TWO.encode().rstrip(b"\n"),  # the last line needs no newline
    ]
    items = _read(lines)
    assert [(type(item).__name__, item.id, item.source) for item in items] == [
        ("Article", "one", "stdin:3"),
        ("ReadFailure", "stdin-4", "stdin:4"),
        ("ReadFailure", "stdin-6", "stdin:6"),
        ("ReadFailure", "stdin-7", "stdin:7"),
        ("ReadFailure", "stdin-8", "stdin:8"),
        ("Article", "two", "stdin:9"),
    ]
    messages = [item.error.message for item in items if isinstance(item, ReadFailure)]
    assert messages[0].startswith("stdin:4: not valid JSON")
    assert messages[1] == 'stdin:6: no "text" field, only "title"'
    assert messages[2] == "stdin:7: not valid UTF-8"
    assert messages[3].startswith("stdin:8: not valid JSON")


def test_max_bytes_applies_to_each_streamed_line() -> None:
    long_line = json.dumps({"id": "long", "text": "x" * 500}).encode() + b"\n"
    read: list[int] = []

    def lines() -> Iterator[bytes]:
        for number, line in enumerate([ONE.encode(), long_line, TWO.encode()], start=1):
            read.append(number)
            yield line

    items = _read(lines(), max_bytes=200)
    assert [(type(item).__name__, item.id) for item in items] == [
        ("Article", "one"),
        ("ReadFailure", "stdin-2"),
        ("Article", "two"),
    ]
    failure = items[1]
    assert isinstance(failure, ReadFailure)
    assert failure.error.kind == "too_large"
    assert failure.error.message == "stdin:2: line over --max-bytes (200 bytes)"
    assert read == [1, 2, 3]


@pytest.mark.parametrize("at", [0, 1, 2])
@pytest.mark.parametrize(
    ("blank", "bom"), [(0, False), (2, False), (0, True)], ids=["plain", "after-blank-lines", "after-a-bom"]
)
def test_a_line_over_max_bytes_costs_only_itself_wherever_it_is(at: int, blank: int, bom: bool) -> None:
    # The first line too: it once made all of stdin one too_large failure, losing the others.
    long_line = json.dumps({"id": "long", "text": "x" * 500}).encode() + b"\n"
    lines = [ONE.encode(), TWO.encode()]
    lines.insert(at, long_line)
    lines = [b"  \n"] * blank + lines
    if bom:
        lines[0] = codecs.BOM_UTF8 + lines[0]
    number = blank + at + 1
    expected = [("Article", "one"), ("Article", "two")]
    expected.insert(at, ("ReadFailure", f"stdin-{number}"))
    items = _read(lines, max_bytes=200)
    assert [(type(item).__name__, item.id) for item in items] == expected
    failure = items[at]
    assert isinstance(failure, ReadFailure) and failure.error.kind == "too_large"
    assert failure.error.message == f"stdin:{number}: line over --max-bytes (200 bytes)"


# Reads argv[1] ("-": stdin) with --max-bytes 1000; prints its items and how much its peak RSS grew.
HUGE_LINE_PROBE = r"""
import json, resource, sys
from summarize.read import ReadOptions, iter_articles
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
base = peak()
items = iter_articles([sys.argv[1]], ReadOptions(max_bytes=1000), read_stdin=lambda: sys.stdin.buffer)
seen = [(type(item).__name__, item.source) for item in items]
print(json.dumps({"items": seen, "grown_kb": peak() - base}))
"""


@pytest.mark.parametrize("at", [0, 1])
@pytest.mark.parametrize("where", ["stdin", "file"])
def test_a_huge_line_is_never_held_whole(tmp_path: Path, where: str, at: int) -> None:
    # 40 MB on one line, --max-bytes 1000: it fails alone, and is skipped without being held.
    feed = tmp_path / "feed.jsonl"
    lines = [ONE.encode(), TWO.encode()]
    lines.insert(at, b'{"id": "huge", "text": "' + b"x" * 40_000_000 + b'"}\n')
    feed.write_bytes(b"".join(lines))
    with feed.open("rb") as stdin:
        probe = subprocess.run(
            by_own_shell([sys.executable, "-c", HUGE_LINE_PROBE, "-" if where == "stdin" else str(feed)]),
            stdin=stdin,
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)
    source = "stdin" if where == "stdin" else str(feed)
    expected = [["Article", f"{source}:{n}"] for n in (1, 2, 3)]
    expected[at][0] = "ReadFailure"
    assert report["items"] == expected
    assert report["grown_kb"] < 10_000, report


def test_a_line_of_exactly_max_bytes_is_kept() -> None:
    line = json.dumps({"id": "edge", "text": "y" * 200}).encode()
    items = _read([ONE.encode(), line + b"\n", line], max_bytes=len(line))
    assert [item.id for item in items] == ["one", "edge", "edge"]
    assert all(isinstance(item, Article) for item in items)


def test_utf8_bom_and_encoding_are_kept() -> None:
    items = _read([codecs.BOM_UTF8 + ONE.encode(), TWO.encode()])
    assert [item.id for item in items] == ["one", "two"]
    latin = [ONE.encode("latin-1"), b'{"id": "three", "text": "Caf\xe9 cr\xe8me."}\n']
    items = _read(latin, encoding="latin-1")
    assert [(item.id, item.text) for item in items][1] == ("three", "Café crème.")
    assert items[0].text.endswith("médiathèque de la ville.")
    # A UTF-8 BOM wins over --encoding, as for a whole input: the later lines are UTF-8 too.
    bom_first = [codecs.BOM_UTF8 + ONE.encode(), '{"id": "é", "text": "Été."}\n'.encode()]
    items = _read(bom_first, encoding="latin-1")
    assert [item.id for item in items] == ["one", "é"]


def test_a_later_line_not_in_the_given_encoding_is_its_own_error() -> None:
    first = b'{"id": "a", "text": "Il pleut."}\n'
    items = _read([first, b'{"text": "\xff"}\n', b'{"id": "c", "text": "Il neige."}\n'], encoding="ascii")
    assert [(type(item).__name__, item.id) for item in items] == [
        ("Article", "a"),
        ("ReadFailure", "stdin-2"),
        ("Article", "c"),
    ]
    assert items[1].error.message == "stdin:2: not valid ascii (byte 10)"  # type: ignore[union-attr]
    # A first line that does not decode (valid UTF-8 would: it stays UTF-8): the whole input is
    # judged, and fails, as before.
    items = _read([ONE.encode("latin-1"), TWO.encode("latin-1")], encoding="ascii")
    assert len(items) == 1 and isinstance(items[0], ReadFailure) and items[0].error.kind == "encoding"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_wide_encodings_are_read_whole(encoding: str) -> None:
    # b"\n" bytes inside UTF-16/32 characters are no line ends: such input is judged whole.
    data = (ONE + TWO).encode(encoding)  # with its BOM
    items = _read([data])
    assert [item.id for item in items] == ["one", "two"]
    assert [item.source for item in items] == ["stdin:1", "stdin:2"]


def test_a_bad_first_line_keeps_the_whole_input_path() -> None:
    # Streaming cannot tell this from prose at the first line: the whole input decides, as before.
    bad_first = '{"id":"x1","text":"Bonjour"\n{"id":"x2","text":"Le président"}\n'
    items = _read([line.encode() for line in bad_first.splitlines(keepends=True)])
    assert [(type(item).__name__, item.id) for item in items] == [
        ("ReadFailure", "stdin-1"),
        ("Article", "x2"),
    ]


def test_prose_is_one_article() -> None:
    text = 'Le président a parlé.\n{"text": "x"}\nIl pleut.\n'
    lines = [line.encode() for line in text.splitlines(keepends=True)]
    assert _read(lines) == [Article("stdin", "stdin", text)]


def test_a_json_first_line_makes_stdin_json_lines() -> None:
    # Decided at the first line, so that it can stream: prose after it is one error per line
    # (read whole, _looks_like_jsonl would have made this one article).
    lines = [ONE.encode(), "Le président a parlé.\n".encode(), b"Il pleut.\n"]
    assert [(type(item).__name__, item.id) for item in _read(lines)] == [
        ("Article", "one"),
        ("ReadFailure", "stdin-2"),
        ("ReadFailure", "stdin-3"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        [b"Une ligne de prose.\n"] * 20,
        # A first line over the limit that does not open a JSON object: prose, judged whole.
        [b"Une ligne de prose. " * 10 + b"\n", ONE.encode()],
        [b"{Note de la r\xc3\xa9daction} " + b"Il pleut. " * 10 + b"\n", ONE.encode()],
    ],
    ids=["many-lines", "long-first-line", "long-first-line-with-a-brace"],
)
def test_whole_input_over_max_bytes(lines: list[bytes]) -> None:
    items = _read(lines, max_bytes=100)
    assert len(items) == 1 and isinstance(items[0], ReadFailure)
    assert items[0].error.message == "standard input is over --max-bytes (100 bytes)"


def test_stdin_failing_mid_stream() -> None:
    def lines() -> Iterator[bytes]:
        yield ONE.encode()
        raise OSError(5, "Input/output error")

    items = _read(lines())
    assert [(type(item).__name__, item.id) for item in items] == [
        ("Article", "one"),
        ("ReadFailure", "stdin-2"),
    ]
    assert items[1].error.message == "standard input is closed or unreadable"  # type: ignore[union-attr]


def test_pipeline_never_waits_for_a_full_window(
    tiny_options: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each result comes out as soon as its article is read, whatever the window size.

    The source gives the next article only once the previous result is out, like a feed on
    stdin: a pipeline that waited for its windows (1, 2, 4...) to fill would never finish.
    """
    import threading

    from summarize.pipeline import ArticleResult, Summarizer

    given = [threading.Event() for _ in range(5)]
    waited: list[bool] = []

    def articles() -> Iterator[Item]:
        for i, name in enumerate("abcde"):
            if i:
                waited.append(given[i - 1].wait(timeout=20))
            yield Article(name, "stdin", "Bonjour.")

    monkeypatch.setattr(
        Summarizer, "_isolated", lambda self, items: [ArticleResult(i.id, i.source) for i in items]
    )
    out = []
    for i, result in enumerate(Summarizer(tiny_options).process(articles())):  # type: ignore[arg-type]
        out.append(result.id)
        given[i].set()
    assert out == list("abcde") and waited == [True] * 4


def test_an_error_from_the_source_comes_after_the_items_before_it(
    tiny_options: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarize.pipeline import ArticleResult, Summarizer

    def articles() -> Iterator[Item]:
        yield Article("a", "stdin", "Bonjour.")
        yield Article("b", "stdin", "Bonjour.")
        raise RuntimeError("the source broke")

    monkeypatch.setattr(
        Summarizer, "_isolated", lambda self, items: [ArticleResult(i.id, i.source) for i in items]
    )
    seen = []
    with pytest.raises(RuntimeError, match="the source broke"):
        for result in Summarizer(tiny_options).process(articles()):  # type: ignore[arg-type]
            seen.append(result.id)
    assert seen == ["a", "b"]


# -- the command line ---------------------------------------------------------------------------


def test_stdin_given_twice_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["run", "-", "-", "--show-clean"], input="Bonjour.\n")
    assert result.exit_code == 2 and result.stdout == ""
    assert "more than once" in result.stderr


def test_cli_streams_jsonl_through_show_clean() -> None:
    args = ["run", "-", "--show-clean", "-f", "jsonl"]
    result = CliRunner().invoke(app, args, input=ONE + "{oops}\n" + TWO)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # The bad line is a record in its place, as run writes one.
    assert [r["id"] for r in records] == ["one", "stdin-2", "two"]
    assert [("error" in r) for r in records] == [False, True, False]
    assert "stdin:2: not valid JSON" in result.stderr


@pytest.fixture
def models(tiny: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("SUMMARIZE_SUMMARY_MODEL", str(tiny["t5"]))
    monkeypatch.setenv("SUMMARIZE_TRANSLATION_MODEL", str(tiny["marian"]))
    return tiny


def test_subprocess_writes_the_first_record_while_stdin_is_open(
    models: dict[str, Path], tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with (tmp_path / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "summarize", "run", "-", "-f", "jsonl", "--only", "translation"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,  # a file: a full stderr pipe could block the child
            env=env,
            cwd=REPO,
        )
        assert proc.stdin is not None and proc.stdout is not None
        out: queue.Queue[bytes] = queue.Queue()
        reader = threading.Thread(target=lambda: [out.put(line) for line in proc.stdout], daemon=True)  # type: ignore[union-attr]
        reader.start()
        try:
            proc.stdin.write(ONE.encode())
            proc.stdin.flush()
            try:
                first = json.loads(out.get(timeout=60))  # stdin is still open here
            except queue.Empty:
                pytest.fail("no record within 60 s of the first line: stdin is not streamed")
            assert first["id"] == "one" and first["status"] == "ok" and first["translation_en"]
            proc.stdin.write(TWO.encode())
            proc.stdin.close()
            assert proc.wait(timeout=120) == 0, (tmp_path / "stderr").read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(10)
    rest = []
    while not out.empty():
        rest.append(json.loads(out.get()))
    assert [record["id"] for record in rest] == ["two"]
    assert rest[0]["source"] == "stdin:2" and rest[0]["translation_en"]


def _feed(tmp_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    """The CLI reading a feed on stdin that stays open (`tail -f feed.jsonl | summarize run -`)."""
    import signal

    with (tmp_path / "stderr").open("wb") as err:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "summarize", "run", "-", "-f", "jsonl", "--only", "translation", *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            cwd=tmp_path,
            # As from a terminal: a background job inherits SIGINT ignored; a user's run sees Ctrl-C.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


@pytest.mark.parametrize(
    ("signame", "code", "said"),
    [
        ("SIGINT", 130, "interrupted; finished results are kept in the cache"),
        ("SIGTERM", 143, "terminated; finished results are kept in the cache"),
        ("SIGINT", 130, "interrupted"),
    ],
    ids=["ctrl-c", "sigterm", "ctrl-c-no-cache"],
)
def test_a_signal_ends_a_run_whose_stdin_stays_open(
    models: dict[str, Path], tmp_path: Path, signame: str, code: int, said: str
) -> None:
    # The reader thread is blocked in a read of stdin: exiting must not wait for it, nor abort
    # on stdin's lock at interpreter shutdown ("Fatal Python error", exit -6).
    import signal

    proc = _feed(tmp_path, *(["--no-cache"] if said == "interrupted" else []))
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(ONE.encode())
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["id"] == "one"
        proc.send_signal(getattr(signal, signame))
        assert proc.wait(timeout=30) == code  # stdin is still open
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "stderr").read_text().splitlines() == [f"summarize: {said}"]


def test_a_reader_gone_ends_a_run_whose_stdin_stays_open(models: dict[str, Path], tmp_path: Path) -> None:
    # `tail -f feed.jsonl | summarize run - | head -1`: quiet, exit 0, while the feed goes on.
    proc = _feed(tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(ONE.encode())
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["id"] == "one"
        proc.stdout.close()
        proc.stdin.write(TWO.encode())  # its record meets the closed pipe
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "stderr").read_text() == ""
