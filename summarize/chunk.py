"""Chunk: pack whole sentences into pieces that fit the model, counted with its own tokenizer.

A chunk's size is the number of tokens the model sees for it (task prefix and special tokens
included), so ``count(chunk) <= budget`` is exactly "fits the model".  A sentence longer than
its limit (the budget for summaries; twice the target, 128 tokens, for translation) is split
at the best boundary available (clause, then whitespace, then anywhere) and never cut off:
every character of every sentence lands in exactly one chunk, in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import UsageError
from .segment import Paragraph

Counter = Callable[[str], int]

# Split candidates, best first: after clause punctuation (Arabic's ، and ؛ included), after
# full-width punctuation, which Chinese and Japanese write with no space after it, then at
# whitespace.
_CLAUSE = re.compile(r"(?<=[;:,\u2014\u2013)\]»،؛])\s+|\s+(?=[\u2014\u2013(«])")
_FULL_WIDTH_CLAUSE = re.compile(r"(?<=[，、；：。！？）」』])(?=\S)")
_SPACE = re.compile(r"\s+")
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Chinese, Japanese,
# full-width forms): a cut there falls between words, and the outputs of its two sides, in
# French or English, are words of their own that need a space between them.
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
)
# Above this many characters per budget token a text surely does not fit: split it without
# counting, so a 200,000-character run is never fed whole to the tokenizer.
_CHARS_PER_TOKEN_CEILING = 12


@dataclass(frozen=True)
class ChunkSettings:
    """How a task's text is packed; part of the reproducibility signature."""

    budget: int  # hard limit: tokens the model sees for one chunk
    target: int  # soft limit: stop adding sentences past it (small for translation)
    cross_paragraphs: bool  # summary chunks run across paragraphs; translation chunks do not

    def __post_init__(self) -> None:
        if self.budget < 4:
            raise UsageError(f"a chunk budget of {self.budget} tokens is too small", "use at least 4 tokens")


@dataclass(frozen=True)
class Chunk:
    """A piece of the body sent to the model as one input."""

    text: str
    paragraph: int  # index of the paragraph where the chunk starts
    start: int  # offsets in the body
    end: int
    tokens: int
    parts: tuple[str, ...]  # its sentences (or pieces of one long sentence), for retries
    # What goes between this chunk's output and the next one's: " ", "" (mid-word), "\n" or
    # "\n\n". A cut in Chinese or Thai text is " ": the outputs are French or English words.
    joiner: str


@dataclass(frozen=True)
class _Piece:
    text: str
    paragraph: int
    start: int
    end: int
    joiner: str


#: A translation sentence is split past this many times the chunk target (see make_chunks).
SENTENCE_LIMIT_FACTOR = 2


def split_long(
    text: str, start: int, count: Counter, budget: int, target: int | None = None
) -> list[tuple[str, int, str]]:
    """Split one over-long sentence into (text, offset, joiner) pieces that each fit ``target``.

    ``target`` (default: ``budget``) is the size pieces are cut down to; ``budget`` is the hard
    limit. A lone character that fits the budget but not a tiny target is kept as it is.
    """
    limit = budget if target is None else min(target, budget)
    if len(text) <= limit * _CHARS_PER_TOKEN_CEILING and count(text) <= limit:
        return [(text, start, " ")]
    if len(text) < 2:
        if count(text) <= budget:
            return [(text, start, " ")]
        raise UsageError("a single character does not fit the chunk budget", "raise --max-chunk-tokens")
    cut, joiner = _best_cut(text)
    left, right = text[:cut].rstrip(), text[cut:].lstrip()
    right_start = start + len(text) - len(right)
    pieces = split_long(left, start, count, budget, limit)
    pieces[-1] = (pieces[-1][0], pieces[-1][1], joiner)
    return pieces + split_long(right, right_start, count, budget, limit)


def _best_cut(text: str) -> tuple[int, str]:
    """The split point nearest the middle, at the best kind of boundary the text has."""
    middle = len(text) // 2
    for pattern in (_CLAUSE, _FULL_WIDTH_CLAUSE, _SPACE):
        cuts = [m.end() for m in pattern.finditer(text) if m.start() > 0 and m.end() < len(text)]
        if cuts:
            return min(cuts, key=lambda c: abs(c - middle)), " "
    cut = middle
    # Keep combining marks with their base character.
    while 0 < cut < len(text) - 1 and cut - middle < 32 and _is_combining(text[cut]):
        cut += 1
    if _is_combining(text[cut]):
        # A run of marks longer than any real letter has ("Zalgo" text): cut inside it, in the
        # middle, or the recursion would peel one character per level and overflow the stack.
        cut = middle
    # "" only inside a word of a script that spaces its words: its outputs are pieces of a word.
    unspaced = _UNSPACED.match(text[cut - 1]) or _UNSPACED.match(text[cut])
    return cut, " " if unspaced else ""


def _is_combining(ch: str) -> bool:
    import unicodedata

    return unicodedata.combining(ch) != 0


def _pieces(paragraphs: Sequence[Paragraph], count: Counter, budget: int, limit: int) -> list[_Piece]:
    pieces: list[_Piece] = []
    for p_index, para in enumerate(paragraphs):
        joiner_after_para = para.joiner
        for s_index, sent in enumerate(para.sentences):
            last = s_index == len(para.sentences) - 1
            for text, offset, joiner in split_long(sent.text, sent.start, count, budget, limit):
                pieces.append(_Piece(text, p_index, offset, offset + len(text), joiner))
            if last:
                tail = pieces[-1]
                pieces[-1] = _Piece(tail.text, tail.paragraph, tail.start, tail.end, joiner_after_para)
    return pieces


def make_chunks(
    paragraphs: Sequence[Paragraph], count: Counter, settings: ChunkSettings, prefix: str = ""
) -> list[Chunk]:
    """Pack the sentences of ``paragraphs`` into chunks that fit ``settings.budget``.

    ``prefix`` is the text the model puts before every input (a T5 task prefix): it is
    counted, but it is not part of the chunk text.
    """

    def measure(text: str) -> int:
        return count(prefix + text)

    budget = settings.budget
    # Chunks are packed up to the target.  A sentence is one chunk up to twice the target: an
    # ordinary long sentence is better translated whole than cut at a comma, but a run-on one
    # (no full stop for 500 tokens) must not reach opus-mt whole, since it drops content from
    # inputs that long.  For summaries the target is the budget: nothing changes.
    target = min(settings.target, budget)
    sentence_limit = min(budget, SENTENCE_LIMIT_FACTOR * target)
    overhead = measure("")
    chunks: list[Chunk] = []
    group: list[tuple[_Piece, int]] = []  # pieces and their own token counts

    def emit(members: list[tuple[_Piece, int]]) -> list[tuple[_Piece, int]]:
        """Emit the longest head of ``members`` that really fits; return what is left."""
        pieces = [p for p, _ in members]
        text, tokens = _join(pieces), measure(_join(pieces))
        cut = len(pieces)
        while tokens > target and cut > 1:  # the estimate was short: move the tail on
            cut -= 1
            text = _join(pieces[:cut])
            tokens = measure(text)
        head = pieces[:cut]
        chunks.append(
            Chunk(
                text,
                head[0].paragraph,
                head[0].start,
                head[-1].end,
                tokens,
                tuple(p.text for p in head),
                head[-1].joiner,
            )
        )
        return members[cut:]

    # Pieces are counted once each and chunk sizes estimated from the sums (exact for
    # sentencepiece text joined at spaces), then every chunk is counted for real when emitted:
    # linear in the text, where re-counting the growing chunk at each sentence was quadratic.
    for piece in _pieces(paragraphs, measure, budget, sentence_limit):
        size = measure(piece.text) - overhead
        while group:
            crosses = piece.paragraph != group[-1][0].paragraph
            estimate = sum(n for _, n in group) + size + overhead
            # Pieces of a sentence cut mid-word are packed like any others: gluing them back up
            # to the budget would hand the model the very run-on input the cut was meant to avoid.
            if not ((crosses and not settings.cross_paragraphs) or estimate > target):
                break
            group = emit(group)
        group.append((piece, size))
    while group:
        group = emit(group)
    return chunks


def _join(pieces: Sequence[_Piece]) -> str:
    out = [pieces[0].text]
    for before, piece in zip(pieces, pieces[1:]):
        if piece.start == before.end:
            # Nothing between them in the body: a cut word, or sentences written without a
            # space (Chinese, Japanese): the model must not read a space that is not there.
            out.append("")
        else:
            out.append(" " if "\n" in before.joiner else before.joiner)
        out.append(piece.text)
    return "".join(out)
