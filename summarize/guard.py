"""The completeness guard: tell when a translated chunk lost content or looped.

opus-mt models sometimes keep only the first sentences of an input, stop at a length cap, or
repeat a phrase until the cap.  None of that raises an error, so each output is checked
against its source: far shorter than the source, cut at its token cap, or a phrase repeated
back to back that the source does not repeat.
"""

from __future__ import annotations

import re

from .engines import Generated

# English output shorter than this share of the source's characters has lost content
# (English runs about 10-20 % shorter than French, never two thirds shorter).
MIN_LENGTH_RATIO = 0.4
MIN_SOURCE_CHARS = 24
LOOP_REPEATS = 4
_WORD = re.compile(r"\w+", re.UNICODE)


def _repeated_run(words: list[str], repeats: int) -> str | None:
    """A phrase of 1-6 words that occurs ``repeats`` times back to back, if any."""
    for size in range(1, 7):
        for start in range(0, len(words) - size * repeats + 1):
            phrase = words[start : start + size]
            if all(words[start + k * size : start + (k + 1) * size] == phrase for k in range(1, repeats)):
                return " ".join(phrase)
    return None


def check_translation(source: str, output: Generated) -> str | None:
    """Why ``output`` looks incomplete as a translation of ``source``, or None if it looks whole."""
    if output.truncated:
        return "cut at the output token limit"
    src, out = source.strip(), output.text.strip()
    # Scripts without spaces (Chinese, Japanese) pack more per character: no length rule there.
    if len(src) >= MIN_SOURCE_CHARS and len(out) < MIN_LENGTH_RATIO * len(src) and not _dense_script(src):
        return f"output is {len(out)} characters for a source of {len(src)}"
    words = [w.lower() for w in _WORD.findall(out)]
    phrase = _repeated_run(words, LOOP_REPEATS)
    if phrase is not None and _repeated_run([w.lower() for w in _WORD.findall(src)], LOOP_REPEATS) is None:
        return f"repeats {phrase!r}"
    return None


def _dense_script(text: str) -> bool:
    dense = sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af")
    return dense > len(text) * 0.3
