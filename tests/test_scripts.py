"""Any script may come in: segmentation and chunking keep every character, in order, in budget.

A property test feeds the segmenter, the chunker and reassembly generated multi-paragraph text
mixing scripts, spaces and line breaks (the sentence tables are in tests/test_segment.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from summarize.chunk import ChunkSettings, make_chunks
from summarize.reassemble import reassemble
from summarize.segment import segment
from summarize.tokens import LightTokenizer

# --- generated text ----------------------------------------------------------------------------
_LETTERS = {
    "latin": "abcdefghijklmnopqrstuvwxyzéèàçüößÉÀŒ",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщыэюяЖЩ",
    "greek": "αβγδεζηθικλμνξοπρστυφχψωΩΆ",
    "arabic": "ابتثجحخدذرسشصضطظعغفقكلمنهويءة",
    "hebrew": "אבגדהוזחטיכלמנסעפצקרשתךםןףץ",
    "devanagari": "कखगघचछजझटठडढणतथदधनपफबभमयरलवशषसहािीुूेैोौं्",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟมยรลวสหอฮัิีึืุู่้",
    "cjk": "中文句子第二今天气很好我们去公园吧你来吗日本語のひらがなカタ",
    "symbols": "0123456789%€$@#&*/-'’«»\"()",
}
# Emoji (a skin tone, a flag, a ZWJ family), combining marks and zero-width (non-)joiners:
# sequences a mid-word cut may fall inside.
_CLUSTERS = [
    "😀",
    "👍🏽",
    "🇫🇷",
    "👨\u200d👩\u200d👧",
    "e\u0301",
    "a\u0308\u0323",
    "\u200c",
    "\u200d",
    "\u200b",
]
# Spaces between words: ASCII, NBSP and the other Unicode spaces, a tab, a lone CR, nothing,
# and the Unicode line separator and a form feed, which the segmenter takes for spaces (the
# pipeline's clean step has made them line breaks before).
_SPACES = [" ", "  ", "\u00a0", "\u202f", "\u2009", "\u3000", "\t", "\r", "", " \u00a0 ", "\u2028", "\x0c"]
_STOPS = [".", "!", "?", "?!", "...", "…", "。", "！", "？", "।", "॥", "؟", "۔", ";", ""]
_OPENERS = ["", "", "¿", "¡", "« ", "\u201c", "「"]
# Paragraph breaks: a line break, blank lines (runs of them, with spaces), CRLF and lone CR.
_BREAKS = ["\n", "\n\n", "\n\n\n\n", "\r\n", "\r\n\r\n", "\r", "\r\r", "\n \n", "\n\u00a0\n", " \t\n\n  "]


@st.composite
def _words(draw: st.DrawFn) -> str:
    script = draw(st.sampled_from(sorted(_LETTERS)))
    alphabet = st.sampled_from(list(_LETTERS[script]) + _CLUSTERS)
    size = draw(st.sampled_from([1, 3, 8, 300]))  # now and then a "word" of hundreds of letters
    return draw(st.lists(alphabet, min_size=1, max_size=size).map("".join))


@st.composite
def _sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(_words(), min_size=1, max_size=12))
    out = draw(st.sampled_from(_OPENERS)) + words[0]
    for word in words[1:]:
        out += draw(st.sampled_from(_SPACES)) + word
    return out + draw(st.sampled_from(_STOPS))


@st.composite
def _bodies(draw: st.DrawFn) -> str:
    paragraphs = draw(
        st.lists(st.lists(_sentences(), min_size=1, max_size=6).map(" ".join), min_size=1, max_size=5)
    )
    out = draw(st.sampled_from(["", "\n", " \r\n "]))
    out += paragraphs[0]
    for para in paragraphs[1:]:
        out += draw(st.sampled_from(_BREAKS)) + para
    return out + draw(st.sampled_from(["", "\n", "\r\n\r\n "]))


# --- the specification -------------------------------------------------------------------------
# A line break is \n, \r\n or a lone \r; a paragraph is a line that is not blank.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _layout(body: str) -> str:
    """``body`` as reassembly lays it out: its paragraphs (lines that are not blank), stripped,
    separated by "\\n", or by "\\n\\n" where blank lines separated them."""
    out: list[str] = []
    blank = False
    for line in _LINE_BREAK.split(body):
        if not line.strip():
            blank = bool(out)
            continue
        if out:
            out.append("\n\n" if blank else "\n")
        out.append(line.strip())
        blank = False
    return "".join(out)


def _same_but_spaces(got: str, want: str, cross_paragraphs: bool) -> bool:
    """Whether ``got`` is ``want`` with some whitespace runs replaced by one space.

    A run inside a paragraph may become " "; so may a paragraph break, but only where the
    chunk runs across paragraphs (a summary's). Nothing else may change: no character is
    lost, added, repeated or moved, and no whitespace is added or taken away.
    """
    got_parts, want_parts = re.split(r"(\s+)", got), re.split(r"(\s+)", want)
    if len(got_parts) != len(want_parts):
        return False
    for index, (g, w) in enumerate(zip(got_parts, want_parts)):
        if index % 2 == 0:  # words
            if g != w:
                return False
        elif g != w and not (g == " " and (cross_paragraphs or "\n" not in w)):
            return False
    return True


def _joiner_for(gap: str) -> set[str]:
    """The joiners allowed after a chunk followed by ``gap`` (the body's text up to the next)."""
    breaks = len(_LINE_BREAK.findall(gap))
    if breaks:
        return {"\n\n" if breaks >= 2 else "\n"}
    # No whitespace at all: a word cut for the budget ("") or two sentences written without a
    # space, as Chinese writes them (" ": the outputs, in French or English, need one).
    return {"", " "} if gap == "" else {" "}


def _check(body: str, lang: str, count: Callable[[str], int], chunk_settings: ChunkSettings) -> None:
    chunks = make_chunks(segment(body, lang), count, chunk_settings)
    assert chunks or not body.strip()
    position = 0
    for index, chunk in enumerate(chunks):
        # It fits, counted the way the chunker counts.
        assert chunk.tokens == count(chunk.text) <= chunk_settings.budget
        # Its offsets point at its source; between chunks there is only whitespace.
        assert position <= chunk.start < chunk.end <= len(body)
        assert not body[position : chunk.start].strip()
        source = body[chunk.start : chunk.end]
        assert _same_but_spaces(chunk.text, _layout(source), chunk_settings.cross_paragraphs), (
            chunk.text,
            source,
        )
        position = chunk.end
        if index + 1 < len(chunks):
            assert chunk.joiner in _joiner_for(body[chunk.end : chunks[index + 1].start])
    assert not body[position:].strip()
    # Reassembled, the chunks give the body back: the same characters, in the same order, and
    # (chunk by chunk, as checked above) the same paragraph breaks.
    rebuilt = reassemble(chunks, [c.text for c in chunks])
    assert "".join(rebuilt.split()) == "".join(body.split())
    if not chunk_settings.cross_paragraphs:
        assert rebuilt.count("\n") == _layout(body).count("\n")


@pytest.fixture(scope="module")
def marian_count(tiny: dict[str, Path]) -> Callable[[str], int]:
    return LightTokenizer(tiny["marian"]).count


# The segmenter is given a paragraph's detected language: any of them, whatever the text.
_LANGS = ["fr", "en", "de", "es", "ru", "el", "ar", "he", "hi", "th", "zh", "ja", "xx"]
_PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(
    "chunk_settings",
    [ChunkSettings(48, 48, True), ChunkSettings(48, 12, False)],
    ids=["summary", "translation"],
)
def test_any_script_is_kept_whole_in_order_and_in_budget(
    marian_count: Callable[[str], int], chunk_settings: ChunkSettings
) -> None:
    @_PROPERTY
    @given(_bodies(), st.sampled_from(_LANGS))
    def check(body: str, lang: str) -> None:
        _check(body, lang, marian_count, chunk_settings)

    check()
