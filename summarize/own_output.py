"""Recognising the tool's own output files by their content, from their start (long values
skipped, so that memory stays bounded however long a title is).

Used by the output folder writer (a file that is ours may be written over on a re-run, any
other file never is) and by the folder reader (an earlier run's results are not articles).
Kept free of heavy imports: reading a folder must not load torch.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

# The text format's section labels, shared with the writer so that the two cannot drift apart.
SUMMARY_LABEL = "Résumé (fr):"
TRANSLATION_LABEL = "Translation (en):"

# The keys of a record, in the order they are written (the fields of pipeline.ArticleResult;
# a test holds the two together). "error" is left out of an ``ok`` record.
RECORD_KEYS = (
    "id", "source", "title", "url", "date", "summary_fr", "translation_en", "chunks", "models",
    "cached", "warnings", "removed", "language", "status", "error",
)  # fmt: skip
# A head cut short must still show the keys up to this one: "id", "source", "title", "url"
# and "date" alone also begin many a user's own JSON Lines feed.
_DISTINCT = RECORD_KEYS.index("translation_en") + 1

# How much of a record is judged, once long strings are emptied (see _condensed_json): enough
# for its keys up to "translation_en".
HEAD_BYTES = 16384
# A JSON string or a text line longer than this is judged by its ends only: an id, a title or a
# summary can be as long as the article, far past any fixed head.
_KEEP = 256
_CHUNK = 65536
_STRING_STOP = re.compile(rb'["\\]')

_STATUS_START = re.compile(rb"\[(?:ok|partial|skipped|error): ")
_LABELS = (SUMMARY_LABEL.encode(), TRANSLATION_LABEL.encode())
_LONGEST_LABEL = max(map(len, _LABELS))
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace
_JSON_START = re.compile(rb"[ \t\n\r]*\{")
# Enough bytes to see a UTF-8 BOM and the text format's "== " after it.
_START = len(codecs.BOM_UTF8) + 3
_DECODER = json.JSONDecoder()


def is_own_output(path: Path) -> bool:
    """Whether the file at ``path`` is one the tool writes (a result), judged from its head.

    Anything that cannot be read, or is not a regular file, is not ours.
    """
    return look_at_head(path).ours


class Head(NamedTuple):
    """What one look at a file's head saw (see :func:`look_at_head`)."""

    ours: bool  # a result of the tool's
    start: bytes  # its first bytes: those of the first read, at most HEAD_START
    whole: bool  # whether ``start`` is all of the file


# As much of a file's start as :class:`Head` keeps: the first read of :func:`recognise`.
HEAD_START = _CHUNK
_NOTHING = Head(ours=False, start=b"", whole=True)


def look_at_head(path: Path, *, judge: bool = True) -> Head:
    """One look at the head of the file at ``path``: whether it is ours (as
    :func:`is_own_output`; not judged, so False, unless ``judge``) and its first bytes, so that
    a caller with more to ask of a file's start need not open it again.

    Anything that cannot be read, or is not a regular file, is not ours and starts with nothing.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        # A FIFO or device is never opened: opening a FIFO would release its writer, which
        # our close would then leave writing into a pipe with no reader.
        if not stat.S_ISREG(os.stat(path).st_mode):
            return _NOTHING
        # Non-blocking all the same: the file may have been swapped for a FIFO since.
        fd = os.open(path, flags)
    except OSError:
        return _NOTHING
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return _NOTHING
        start = b""

        def read(size: int) -> bytes:
            nonlocal start
            data = os.read(fd, size)
            if len(start) < HEAD_START:  # recognise's first read: kept, not read again
                start += data[: HEAD_START - len(start)]
            return data

        ours = judge and recognise(read)
        if len(start) < min(HEAD_START, info.st_size):  # recognise stopped short of it
            read(HEAD_START - len(start))
        return Head(ours=ours, start=start, whole=len(start) >= info.st_size)
    except OSError:
        return _NOTHING
    finally:
        os.close(fd)


def looks_like_own_output(data: bytes) -> bool:
    """Whether ``data`` (a file's content, or its start) is a result in the text format or a
    JSON record."""
    return recognise(io.BytesIO(data).read)


def recognise(read: Callable[[int], bytes]) -> bool:
    """Whether the bytes that ``read(size)`` gives, from the start, are a result of ours."""
    data = _Bytes(read)
    while len(data.buf) < _START and data.more():  # a short read is not the end of the file
        pass
    # One UTF-8 BOM, as older Windows Notepad puts before what it saves, is not content.
    if data.buf.startswith(codecs.BOM_UTF8):
        data.take(len(codecs.BOM_UTF8))
    if data.buf.startswith(b"== ", data.pos):
        return _is_text_result(data)
    if _JSON_START.match(data.buf, data.pos):
        return _is_json_record(_condensed_json(data).decode("utf-8", "replace"))
    return False


class _Bytes:
    """A file read forward in chunks, holding one chunk at a time."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self.buf = b""
        self.pos = 0

    def more(self) -> bool:
        """Drop what was consumed and read the next chunk; False at the end of the file."""
        chunk = self._read(_CHUNK)
        self.buf, self.pos = self.buf[self.pos :] + chunk, 0
        return bool(chunk)

    def take(self, end: int) -> bytes:
        data, self.pos = self.buf[self.pos : end], end
        return data

    def line(self) -> bytes | None:
        """The next line, without its b"\n" (nor a b"\r" before it: a result saved on Windows)
        and past _KEEP bytes cut to its start and its end (a title or message can be as
        long as the article); None when the file ends first."""
        line = b""
        while (end := self.buf.find(b"\n", self.pos)) < 0:
            line = _ends(line + self.take(len(self.buf)))
            if not self.more():
                return None
        line = _ends(line + self.take(end))
        self.take(end + 1)
        return line.removesuffix(b"\r")


def _ends(line: bytes) -> bytes:
    # Two last bytes kept: the one a line ends with survives a b"\r" after it.
    return line if len(line) <= _KEEP + 2 else line[:_KEEP] + line[-2:]


def _is_text_result(data: _Bytes) -> bool:
    # "== ID — TITLE", then a status line ("[partial: ...]") or a blank line and a section label.
    if data.line() is None or (status := data.line()) is None:
        return False
    if status:
        return bool(_STATUS_START.match(status)) and status.endswith(b"]")
    # A label is told from a longer line by a byte more, past a b"\r" (the file may end just
    # after it).
    while len(data.buf) - data.pos <= _LONGEST_LABEL + 1 and data.more():
        pass
    return data.buf[data.pos :].split(b"\n", 1)[0].removesuffix(b"\r") in _LABELS


def _condensed_json(data: _Bytes) -> bytes:
    """The first JSON value (an object), long strings emptied; b"" (not ours) as soon as a key
    of the object is not the record's next one."""
    out = bytearray()
    depth, expect_key, keys = 0, False, 0
    while len(out) < HEAD_BYTES:
        quote = data.buf.find(b'"', data.pos)
        between = data.take(quote if quote >= 0 else len(data.buf))
        for at, byte in enumerate(between):  # outside strings: only the structure (copied, so bounded)
            if byte in b"{[":
                depth += 1
                expect_key = depth == 1 and byte == ord("{")
            elif byte in b"}]":
                depth -= 1
                if depth <= 0:  # the first object is whole: nothing after it is judged
                    return bytes(out + between[: at + 1])
            elif byte == ord(",") and depth == 1:
                expect_key = True
        out += between
        if quote < 0:
            if not data.more():
                break
            continue
        data.take(quote + 1)
        value = _string(data)
        if value is None:  # the file ends inside it: the parser sees an unfinished string
            out += b'"'
            break
        out += b'"' + value + b'"'
        if depth == 1 and expect_key:
            expect_key = False
            if keys >= len(RECORD_KEYS) or value != RECORD_KEYS[keys].encode():
                return b""  # a key no record has there: the rest need not be read
            keys += 1
    return bytes(out)


def _string(data: _Bytes) -> bytes | None:
    """The rest of a JSON string (its opening quote taken), without its closing quote: b""
    when longer than _KEEP; None when the file ends first."""
    kept = bytearray()
    while True:
        stop = _STRING_STOP.search(data.buf, data.pos)
        at = stop.start() if stop is not None else len(data.buf)
        closed = stop is not None and data.buf[at] == ord('"')
        if stop is not None and not closed and at + 1 < len(data.buf):
            at += 2  # a backslash and the character it escapes (no UTF-8 byte is a quote)
        piece = data.take(at)
        if len(kept) <= _KEEP:
            kept += piece
        if closed:
            data.take(at + 1)
            return b"" if len(kept) > _KEEP else bytes(kept)
        # Read on when the chunk ends inside the string (or just after a backslash: kept).
        if at >= len(data.buf) - (0 if stop is None else 1) and not data.more():
            return None


def _is_json_record(text: str) -> bool:
    keys, whole = _object_keys(text)
    if whole:
        return keys in (list(RECORD_KEYS), list(RECORD_KEYS[:-1]))
    return len(keys) >= _DISTINCT and keys == list(RECORD_KEYS[: len(keys)])


def _object_keys(text: str) -> tuple[list[str], bool]:
    """The keys of the JSON object ``text`` starts with, in order, as far as ``text`` goes,
    and whether the object ends within it (a head may stop in the middle of a value)."""
    keys: list[str] = []
    i = _skip_space(text, 0)
    if not text.startswith("{", i):
        return keys, False
    i = _skip_space(text, i + 1)
    if text.startswith("}", i):
        return keys, True
    while text.startswith('"', i):
        try:
            key, i = _DECODER.raw_decode(text, i)
            i = _skip_space(text, i)
            if not text.startswith(":", i):
                return keys, False
            keys.append(key)
            _, i = _DECODER.raw_decode(text, _skip_space(text, i + 1))
        except (ValueError, RecursionError):  # cut short, or not JSON
            return keys, False
        i = _skip_space(text, i)
        if text.startswith("}", i):
            return keys, True
        if not text.startswith(",", i):
            return keys, False
        i = _skip_space(text, i + 1)
    return keys, False


def _skip_space(text: str, i: int) -> int:
    match = _SPACE.match(text, i)
    return match.end() if match else i
