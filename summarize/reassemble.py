"""Reassemble: put chunk outputs back together in the body's order and paragraph layout."""

from __future__ import annotations

from collections.abc import Sequence

from .chunk import Chunk


def reassemble(chunks: Sequence[Chunk], outputs: Sequence[str]) -> str:
    """Join ``outputs`` (one per chunk, in chunk order) with each chunk's own separator.

    Sentences of a paragraph are joined with a space (or nothing, after a mid-word split);
    paragraphs keep their line break, and a blank line stays a blank line.
    """
    if len(chunks) != len(outputs):
        raise ValueError(f"{len(chunks)} chunks but {len(outputs)} outputs")
    parts: list[str] = []
    for index, (chunk, text) in enumerate(zip(chunks, outputs)):
        parts.append(text.strip())
        if index < len(chunks) - 1:
            parts.append(chunk.joiner)
    return "".join(parts).strip()
