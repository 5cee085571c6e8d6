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
