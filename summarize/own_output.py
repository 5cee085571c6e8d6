"""Recognising the tool's own output files by their content, from a small head of the file.

Used by the output folder writer (a file that is ours may be written over on a re-run, any
other file never is) and by the folder reader (an earlier run's results are not articles).
Kept free of heavy imports: reading a folder must not load torch.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

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

# Enough for a header line, or for a record's keys up to "translation_en" (a summary is short).
HEAD_BYTES = 16384

_STATUS_LINE = re.compile(r"\[(?:ok|partial|skipped|error): .*\]")
_SPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace
_DECODER = json.JSONDecoder()


def is_own_output(path: Path) -> bool:
    """Whether the file at ``path`` is one the tool writes (a result), judged from its head.

    Anything that cannot be read, or is not a regular file, is not ours.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        # A FIFO or device is never opened: opening a FIFO would release its writer, which
        # our close would then leave writing into a pipe with no reader.
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        # Non-blocking all the same: the file may have been swapped for a FIFO since.
        fd = os.open(path, flags)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, HEAD_BYTES)
    except OSError:
        return False
    finally:
        os.close(fd)
    return looks_like_own_output(head)


def looks_like_own_output(head: bytes) -> bool:
    """Whether ``head`` (the start of a file) is a result in the text format or a JSON record."""
    text = head.decode("utf-8", "replace")
    return _is_text_result(text) or _is_json_record(text)


def _is_text_result(text: str) -> bool:
    # "== ID — TITLE", then a status line ("[partial: ...]") or a blank line and a section label.
    lines = text.split("\n", 3)
    if len(lines) < 3 or not lines[0].startswith("== "):
        return False
    return bool(_STATUS_LINE.fullmatch(lines[1])) or (
        lines[1] == "" and lines[2] in (SUMMARY_LABEL, TRANSLATION_LABEL)
    )


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
