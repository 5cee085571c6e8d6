"""Writing records: a stream that fails or cannot take every character."""

from __future__ import annotations

import codecs
import errno
import io
import json
import re
from pathlib import Path

import pytest
from fault_tools import jsonl

from summarize.errors import OutputError
from summarize.output import StreamWriter

RECORD = {"id": "é1", "summary_fr": "Le café coûte 2 €.", "translation_en": "Coffee costs €2 — “now”."}


class _Full(io.StringIO):
    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error


def test_a_full_disk_is_an_output_error_with_a_next_step() -> None:
    writer = StreamWriter(_Full(OSError(errno.ENOSPC, "No space left on device")), "jsonl")
    with pytest.raises(OutputError) as info:
        writer.write(RECORD)
    assert "No space left on device" in info.value.message and "re-run" in (info.value.hint or "")


def test_a_closed_pipe_is_left_to_the_cli() -> None:
    writer = StreamWriter(_Full(BrokenPipeError(errno.EPIPE, "Broken pipe")), "jsonl")
    with pytest.raises(BrokenPipeError):
        writer.write(RECORD)


class _InterruptedOnFlush(io.StringIO):
    """Takes the text, then Ctrl-C lands as the flush returns (once)."""

    interrupted = False

    def flush(self) -> None:
        super().flush()
        if not self.interrupted:
            self.interrupted = True
            raise KeyboardInterrupt


def test_a_json_array_cut_by_ctrl_c_after_a_record_is_still_closed() -> None:
    stream = _InterruptedOnFlush()
    writer = StreamWriter(stream, "json")
    with pytest.raises(KeyboardInterrupt):
        writer.write(RECORD)
    writer.close()  # what the CLI does on its way out
    assert json.loads(stream.getvalue()) == [RECORD]  # was '[{...}[]': jq rejected the whole run


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_stays_valid_on_an_ascii_stream(fmt: str) -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    writer = StreamWriter(stream, fmt)
    writer.write(RECORD)
    writer.write(RECORD)
    writer.close()
    stream.flush()
    text = raw.getvalue().decode("ascii")
    records = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else json.loads(text)
    assert records == [RECORD, RECORD]


def test_text_on_an_ascii_stream_replaces_what_it_cannot_show() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    StreamWriter(stream, "text").write(RECORD)
    stream.flush()
    text = raw.getvalue().decode("ascii")
    assert "Le caf? co?te 2 ?." in text and "== ?1" in text


def test_text_shows_terminal_controls_as_escapes() -> None:
    from summarize.output import format_text, printable

    record = {
        "id": "x\x1b[31mRED",
        "title": "T\x1b]0;pwned\x07itle",
        "status": "error",
        "error": {"message": "bad\rname\x9b", "hint": "fix"},
        "summary_fr": None,
        "translation_en": "Line one.\n\nLine\ttwo.",
    }
    text = format_text(record)
    assert not any(c in text for c in "\x1b\x07\r\x9b")
    assert "== x\\x1b[31mRED — T\\x1b]0;pwned\\x07itle" in text and "bad\\x0dname\\x9b" in text
    assert "Line one.\n\nLine\ttwo." in text  # layout characters stay
    assert printable("a\nb\tc\x1b", one_line=True) == "a\\nb\\tc\\x1b"


def test_text_keeps_one_line_per_header_error_and_warning() -> None:
    from summarize.output import format_text

    record = {
        "id": "new\nline.txt",
        "title": "Ligne1\n== Ligne2",
        "status": "partial",
        "error": {"message": "no\nsummary", "hint": "pull\nit"},
        "summary_fr": None,
        "translation_en": "Line one.\n\nLine two.",
        "warnings": [{"kind": "k", "message": "cut\nshort"}],
    }
    lines = format_text(record).splitlines()
    assert lines[0] == "== new\\nline.txt — Ligne1\\n== Ligne2"
    assert [x for x in lines if x.startswith("==")] == [lines[0]]  # one header per record
    assert "[partial: no\\nsummary; pull\\nit]" in lines
    assert "warning: cut\\nshort" in lines
    assert "Line one." in lines and "Line two." in lines  # the outputs keep their paragraphs


def test_cli_lines_carry_no_escapes(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from summarize.cli import _err, app

    _err("evil\x1b]0;pwned\x07\nname.txt: not valid UTF-8")
    assert capsys.readouterr().err == "summarize: evil\\x1b]0;pwned\\x07\\nname.txt: not valid UTF-8\n"

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "evil\x1b]0;pwned\x07\nline", "text": ""}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(src), "--no-cache", "--only", "translation"])
    assert "\x1b" not in result.stdout and "\x1b" not in result.stderr
    assert "== evil\\x1b]0;pwned\\x07" in result.stdout


# -- the tool's own results, told from anyone else's files ---------------------------------


def _record(ident: str, **fields: object) -> dict[str, object]:
    from summarize.output import to_record
    from summarize.pipeline import ArticleResult

    return to_record(ArticleResult(ident, f"news/{ident}.txt", **fields))  # type: ignore[arg-type]


def _records() -> list[dict[str, object]]:
    failed = {"kind": "model_not_found", "message": "no French\nsummary", "hint": "pull it"}
    return [
        _record("a", title="Titre", summary_fr="Résumé.", translation_en="Text. " * 20_000),  # > the head
        _record("b", translation_en="Only the translation."),
        _record("c", status="skipped", error={"kind": "empty", "message": "empty", "hint": "x"}),
        _record("d", status="partial", translation_en="Half.", error=failed),
    ]


def test_record_keys_are_the_result_fields() -> None:
    from dataclasses import fields

    from summarize.own_output import RECORD_KEYS
    from summarize.pipeline import ArticleResult

    assert tuple(f.name for f in fields(ArticleResult)) == RECORD_KEYS


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_every_result_file_is_recognised_as_ours(fmt: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from summarize.output import DirectoryWriter
    from summarize.own_output import is_own_output

    writer = DirectoryWriter(tmp_path / "out", fmt)
    paths = [writer.write(record) for record in _records()]
    assert [is_own_output(path) for path in paths] == [True] * 4
    assert paths[0].stat().st_size > 16384  # recognised from its head alone


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_a_result_saved_with_windows_line_ends_is_still_ours(fmt: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A text result opened and saved on Windows (\\r\\n) was taken for a user's file: a re-run
    with --output-dir wrote NAME-2 beside it, and a folder run read it as an article."""
    from summarize.output import DirectoryWriter
    from summarize.own_output import is_own_output

    records = _records()
    paths = [DirectoryWriter(tmp_path / "out", fmt).write(record) for record in records]
    for path in paths:
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert [is_own_output(path) for path in paths] == [True] * 4
    again = DirectoryWriter(tmp_path / "out", fmt)
    assert [again.write(record) for record in records] == paths and again.notices == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


def test_a_windows_line_end_is_seen_past_a_long_line_and_a_chunk_end() -> None:
    """A status line past the kept length, whose "]" ends one chunk and "\\r\\n" starts the next."""
    from summarize.own_output import recognise

    status = b"[partial: " + b"x" * 70_000 + b"]"
    chunks = [b"== a\r\n" + status, b"\r\n\r\nTranslation (en):\r\nHalf.\r\n"]
    assert recognise(lambda size: chunks.pop(0) if chunks else b"")


@pytest.mark.parametrize("crlf", [False, True])
@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_a_result_saved_with_a_bom_is_still_ours(fmt: str, crlf: bool, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Older Windows Notepad saves UTF-8 behind a byte-order mark (EF BB BF), with \\r\\n or
    not: the result was taken for a user's file, and a re-run with --output-dir wrote NAME-2."""
    from summarize.output import DirectoryWriter
    from summarize.own_output import is_own_output

    records = _records()
    paths = [DirectoryWriter(tmp_path / "out", fmt).write(record) for record in records]
    for path in paths:
        data = path.read_bytes()
        path.write_bytes(codecs.BOM_UTF8 + (data.replace(b"\n", b"\r\n") if crlf else data))
    assert [is_own_output(path) for path in paths] == [True] * 4
    again = DirectoryWriter(tmp_path / "out", fmt)
    assert [again.write(record) for record in records] == paths and again.notices == []
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)
    assert not any(p.read_bytes().startswith(codecs.BOM_UTF8) for p in paths)  # written anew


@pytest.mark.parametrize(
    "chunks",
    [
        [b"\xef", b"\xbb\xbf=", b"= a\n\nTranslation (en):\nHalf.\n"],
        [b"\xef\xbb", b"\xbf\n" + json.dumps(_record("a")).encode()],
    ],
)
def test_a_bom_is_seen_across_short_reads(chunks: list[bytes]) -> None:
    from summarize.own_output import recognise

    assert recognise(lambda size: chunks.pop(0) if chunks else b"")


FEED_LINE = {"id": "a", "source": "lemonde", "title": "T", "url": "https://x", "date": "2024", "text": "Un."}


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
@pytest.mark.parametrize("field", ["id", "title", "summary_fr", "error"])
def test_a_result_with_a_long_header_is_written_over(fmt: str, field: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A title (or id, summary, error message) over the 16 KiB head hid what the file was: a
    re-run wrote NAME-2 beside the result instead of replacing it."""
    from summarize.output import DirectoryWriter
    from summarize.own_output import is_own_output

    long = 'Très long 😀 \\ " ' * 2_000  # escaped in JSON: over 16 KiB either way
    fields: dict[str, object] = {"title": "T", "summary_fr": "R.", "translation_en": "E."}
    ident = "a"
    if field == "id":
        ident = long
    elif field == "error":
        fields.update(status="partial", error={"kind": "x", "message": long, "hint": "h"})
    else:
        fields[field] = long
    record = _record(ident, **fields)
    first = DirectoryWriter(tmp_path / "out", fmt).write(record)
    assert first.stat().st_size > 16384 and is_own_output(first)
    again = DirectoryWriter(tmp_path / "out", fmt)
    assert again.write(record) == first and again.notices == []
    assert [p.name for p in (tmp_path / "out").iterdir()] == [first.name]


@pytest.mark.parametrize(
    "data",
    [
        "== " + "x" * 40_000 + "\n[ok: the user's line\n",  # the status line does not end in "]"
        "== " + "x" * 40_000 + "\nRésumé (fr):\n",
        "== a\n[ok: " + "x" * 40_000,  # the file ends before the line does
        json.dumps({**FEED_LINE, "title": "x" * 40_000}) + "\n",
        json.dumps({**_record("a", title="x" * 40_000), "note": "mine"}),
        json.dumps({"id": "a", "source": "s", "title": "x" * 40_000})[:-20],  # cut short
    ],
)
def test_long_files_that_only_look_alike_are_not_ours(data: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from summarize.own_output import is_own_output

    path = tmp_path / "a.txt"
    path.write_text(data, encoding="utf-8")
    assert not is_own_output(path)


@pytest.mark.parametrize("ours", [True, False])
def test_a_huge_value_is_never_held_to_tell_whose_a_file_is(ours: bool) -> None:
    """Judged in bounded memory: 200 MB in a title is streamed past, not read whole."""
    import tracemalloc

    from summarize.own_output import recognise

    record = _record("a", title="@", translation_en="E.")
    start, end = json.dumps(record).encode().split(b"@")
    if not ours:
        start = start.replace(b'"source"', b'"text"')
    size = 200_000_000
    sent = 0

    def read(n: int) -> bytes:
        nonlocal sent
        if sent == 0:
            sent += len(start)
            return start
        if sent - len(start) < size:
            chunk = b"x" * min(n, size - (sent - len(start)))
            sent += len(chunk)
            return chunk
        sent += len(end)
        return end if sent - len(end) - len(start) == size else b""

    tracemalloc.start()
    try:
        assert recognise(read) is ours
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000
    if not ours:  # a key no record has: nothing past it is read
        assert sent < 1_000_000


def test_a_jsonl_stream_of_results_is_recognised_as_ours(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from summarize.own_output import is_own_output

    path = tmp_path / "results.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        writer = StreamWriter(fh, "jsonl")
        for record in _records():
            writer.write(record)
    assert is_own_output(path)


@pytest.mark.parametrize(
    "data",
    [
        "Article original. Le conseil municipal a voté.\n",
        "== Titre de section ==\n\nLe conseil municipal a voté.\n",  # a wiki heading
        "== a\nRésumé (fr):\nsans ligne vide\n",
        "== a\n[ok: this line is the user's]",  # the head ends before the line does
        # Saved on Windows, a user's text is no more ours than before.
        "== Titre de section ==\r\n\r\nLe conseil municipal a voté.\r\n",
        "== a\r\nRésumé (fr):\r\nsans ligne vide\r\n",
        "== a\r\n\r\nRésumé (fr): le conseil a voté.\r\n",
        "== a\r\n\r\nRésumé (fr):\rLe conseil a voté.\r\n",  # a lone \r is no line end
        "== a\r\n[ok: the user's line\r\nLe conseil a voté.]\r\n",
        "== a\r\n\r\r\nTranslation (en):\r\n",  # "\r" is not a blank line
        json.dumps(FEED_LINE) + "\n",  # an input feed shares the first keys
        json.dumps({k: FEED_LINE.get(k) for k in ("id", "source", "title", "url", "date")})[:-1],
        json.dumps([_record("a")]),  # a --format json stream: an array, saved by the shell
        json.dumps({**_record("a"), "note": "mine"}),  # a record the user added to
        "",
    ],
)
@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])  # saved by older Windows Notepad
def test_files_that_only_look_alike_are_not_ours(data: str, bom: bytes, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from summarize.own_output import is_own_output

    path = tmp_path / "a.txt"
    path.write_bytes(bom + data.encode())
    assert not is_own_output(path)
    assert not is_own_output(tmp_path) and not is_own_output(tmp_path / "missing.txt")


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_bom_is_accepted_once_and_only_first(fmt: str) -> None:
    """A BOM is skipped only as a file's very first bytes: a second one, or one after a line
    end, is content (U+FEFF), and the file is not a result."""
    from summarize.own_output import looks_like_own_output

    bom = codecs.BOM_UTF8
    result = (
        "== a — Titre\n\nRésumé (fr):\nLe conseil a voté.\n" if fmt == "text" else json.dumps(_record("a"))
    ).encode()
    assert looks_like_own_output(result) and looks_like_own_output(bom + result)
    assert not looks_like_own_output(bom + bom + result)
    assert not looks_like_own_output(b"\n" + bom + result)
    assert not looks_like_own_output(result[:1] + bom + result[1:])


def test_a_fifo_is_not_read_to_tell_whose_it_is(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os

    from summarize.own_output import is_own_output

    fifo = tmp_path / "a.txt"
    os.mkfifo(fifo)
    assert not is_own_output(fifo)  # and returns at once: no writer ever opens it


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_a_file_the_tool_did_not_write_is_never_written_over(fmt: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from summarize.output import DirectoryWriter

    out = tmp_path / "news"
    out.mkdir()
    suffix = ".txt" if fmt == "text" else ".json"
    theirs = {"a" + suffix: "Article original...\n", "a-2" + suffix: '{"id": "a", "mine": true}\n'}
    for name, text in theirs.items():
        (out / name).write_text(text, encoding="utf-8")
    writer = DirectoryWriter(out, fmt)
    path = writer.write(_record("a", translation_en="The council..."))
    assert path.name == "a-3" + suffix
    assert {name: (out / name).read_text(encoding="utf-8") for name in theirs} == theirs
    assert writer.notices == [
        f"{out / ('a' + suffix)} was not written by summarize, so it is left as it is: "
        f"this result is written to {out / path.name}"
    ]
    # A re-run writes over its own result, under the same name, and has nothing new to say
    # of it (the user's files are still stepped around, and said so).
    again = DirectoryWriter(out, fmt)
    assert again.write(_record("a", translation_en="The council, again.")) == path
    assert "again" in path.read_text(encoding="utf-8") and len(again.notices) == 1
    assert sorted(p.name for p in out.iterdir()) == sorted([*theirs, path.name])


def test_a_rerun_keeps_the_names_of_its_results(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from summarize.output import DirectoryWriter

    def run() -> list[str]:
        writer = DirectoryWriter(tmp_path / "out", "text")
        twins = [_record("a", translation_en="One."), _record("a", translation_en="Two.")]
        names = [writer.write(record).name for record in [*twins, *_records()[1:]]]
        out = tmp_path / "out"
        assert writer.notices == [
            f"{out / 'a.txt'} is taken by an earlier article of this run: "
            f"this result is written to {out / 'a-2.txt'}"
        ]
        return names

    first = run()
    assert first == ["a.txt", "a-2.txt", "b.txt", "c.txt", "d.txt"]
    assert run() == first


def test_ctrl_c_in_the_middle_of_a_record_lets_it_finish(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A signal that lands inside a write (a slow `| jq` reading a large record) cut the record in
    # half: the JSON on stdout could not be read at all.  It now waits for the record's end.
    import os
    import signal

    from typer.testing import CliRunner

    from summarize import output
    from summarize.cli import app

    model = Path(__file__).resolve().parent / "fixtures" / "copy_model"
    src = tmp_path / "in.jsonl"
    src.write_text(
        jsonl({"id": f"a{i}", "text": f"Le conseil a voté le budget {i}."} for i in range(3)),
        encoding="utf-8",
    )
    put = output.StreamWriter._put

    def halves(self: StreamWriter, data: str) -> None:
        put(self, data[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C between the two halves
        put(self, data[len(data) // 2 :])

    monkeypatch.setattr(output.StreamWriter, "_put", halves)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        args = ["run", str(src), "--format", "json", "--only", "translation", "--source-lang", "fr"]
        result = CliRunner().invoke(app, [*args, "--translation-model", str(model), "--no-cache"])
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert result.exit_code == 130, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)] == ["a0"]
    assert result.stderr.strip().endswith("summarize: interrupted")


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_show_clean_lets_a_record_finish_before_a_signal(tmp_path, monkeypatch, fmt, signum) -> None:  # type: ignore[no-untyped-def]
    # --show-clean wrote its records outside the signal guard of a run: Ctrl-C inside a write
    # left half a record on stdout, which a JSON reader rejects whole.
    import os
    import signal

    from typer.testing import CliRunner

    from summarize import output
    from summarize.cli import app

    src = tmp_path / "in.jsonl"
    src.write_text(
        jsonl({"id": f"a{i}", "text": f"Le conseil a voté le budget {i}."} for i in range(3)),
        encoding="utf-8",
    )
    put = output.StreamWriter._put
    calls = []

    def halves(self: StreamWriter, data: str) -> None:
        calls.append(data)
        if len(calls) > 1:  # only the first record is cut in two
            put(self, data)
            return
        put(self, data[: len(data) // 2])
        os.kill(os.getpid(), getattr(signal, signum))  # the signal between the two halves
        put(self, data[len(data) // 2 :])

    monkeypatch.setattr(output.StreamWriter, "_put", halves)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = CliRunner().invoke(app, ["run", str(src), "--format", fmt, "--show-clean", "--no-cache"])
    finally:
        for each, handler in handlers.items():
            signal.signal(each, handler)
    assert result.exit_code == (130 if signum == "SIGINT" else 143), result.stderr
    if fmt == "json":
        assert [r["id"] for r in json.loads(result.stdout)] == ["a0"]
    else:
        assert result.stdout == "== a0\nLe conseil a voté le budget 0.\n"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_duplicate_never_takes_the_name_of_a_later_article(tmp_path, fmt) -> None:  # type: ignore[no-untyped-def]
    """Ids dup, dup, dup-2: the second dup went to dup-2, and the article whose own id is dup-2
    then had to take dup-2-2. Each article whose own name is free keeps it; the duplicate
    moves on, and stderr says where each renamed result is."""
    from summarize.output import DirectoryWriter

    out = tmp_path / "out"
    suffix = ".txt" if fmt == "text" else ".json"

    def run() -> tuple[dict[str, str], list[str]]:
        writer = DirectoryWriter(out, fmt)
        writer.prepare()
        for n, ident in enumerate(["dup", "dup", "dup-2"]):
            writer.write(_record(ident, translation_en=f"Text {n}."))
        files = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}
        return {name: re.search(r"Text \d", text).group() for name, text in files.items()}, writer.notices

    files, notices = run()
    assert files == {f"dup{suffix}": "Text 0", f"dup-3{suffix}": "Text 1", f"dup-2{suffix}": "Text 2"}
    assert notices == [
        f"{out / ('dup' + suffix)} is taken by an earlier article of this run: "
        f"this result is written to {out / ('dup-2' + suffix)}",
        f"the result of the article 'dup' is moved from {out / ('dup-2' + suffix)} to "
        f"{out / ('dup-3' + suffix)}, so that the article 'dup-2' keeps its own name",
    ]
    assert run() == (files, notices)  # a re-run writes the same files again


def test_a_renamed_duplicate_moves_around_the_files_of_others(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The name a duplicate moves on to is free: never an input, a file of the user's or another
    result of the run; a duplicate of a duplicate is said too."""
    from summarize.output import DirectoryWriter

    out = tmp_path / "out"
    out.mkdir()
    (out / "a-3.json").write_text("my notes\n", encoding="utf-8")
    writer = DirectoryWriter(out, "json", frozenset({(out / "a-4.json").resolve()}))
    paths = [writer.write(_record(ident)).name for ident in ["a", "a", "a-2", "a-2", "a-5"]]
    assert paths == ["a.json", "a-2.json", "a-2.json", "a-2-2.json", "a-5.json"]
    by_id = {
        p.name: json.loads(p.read_text(encoding="utf-8"))["id"] for p in out.iterdir() if p.name != "a-3.json"
    }
    assert by_id == {
        "a.json": "a",
        "a-2.json": "a-2",
        "a-2-2.json": "a-2",
        "a-5.json": "a-5",
        "a-6.json": "a",
    }
    assert (out / "a-3.json").read_text(encoding="utf-8") == "my notes\n"
    assert len(writer.notices) == 4 and writer.notices[-1].endswith(
        f"to {out / 'a-6.json'}, so that the article 'a-5' keeps its own name"
    )
