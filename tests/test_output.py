"""Writing records: a stream that fails or cannot take every character."""

from __future__ import annotations

import errno
import io
import json

import pytest

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
