"""Language detection for incoming articles, whole or paragraph by paragraph.

Detector: **py3langid** (a maintained fork of langid.py). Its naive-Bayes byte n-gram model
(``py3langid/data/model.npz.xz``) ships inside the wheel, so nothing is downloaded at run time.
It was chosen over lingua-language-detector after ``benchmarks/langdetect.py`` (2-core machine,
298 samples in 14 languages): both are 100% right from headlines to whole articles; on 3-word
fragments lingua's high-accuracy mode leads (98.5% vs 95.6%), but py3langid answers in ~0.1 ms
instead of ~5 ms a call, loads in ~0.7 s instead of ~6 s with ~140 MB of RSS instead of ~780 MB,
and installs in 4.5 MB instead of 96 MB. Lingua's low-accuracy mode, as light as py3langid, drops
to 95% on headlines. Fragments that short rarely have the letters to count as reliable anyway.

Candidate languages: by default the 40 news languages in :data:`NEWS_LANGUAGES`. Restricting the
candidates makes short texts more accurate (fragments: 95.6% instead of 91.2% with all 140 labels;
costs nothing on longer text) — the full model confuses them with exotic neighbours (Tagalog,
Latin, Luxembourgish...). The restriction is a prior
for short text, not a cage: a long passage that the full model places confidently in a language
outside the set (Esperanto, Galician, Icelandic...) is reported as that language, so the router can
still send it to a matching or multilingual translation model instead of a wrong one.

Nothing happens at import time: py3langid (and numpy behind it) is imported and the model
decompressed on the first call to :meth:`LanguageDetector.detect`; the caller owns the detector and
passes it around.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from summarize.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover - typing only; the real import is lazy
    from py3langid.langid import LanguageIdentifier

__all__ = [
    "NEWS_LANGUAGES",
    "Detection",
    "LanguageDetector",
    "UnknownLanguageError",
    "REASON_EMPTY",
    "REASON_TOO_SHORT",
    "REASON_AMBIGUOUS",
    "REASON_MIXED",
    "REASON_INHERITED",
]

#: Default candidate set (ISO 639-1): the main European languages plus the major world languages
#: seen in international news. Norwegian is ``no`` (Bokmål and Nynorsk together), the code the
#: model and the opus-mt models both use.
NEWS_LANGUAGES: tuple[str, ...] = (
    # Western and Northern Europe
    "fr", "en", "de", "es", "it", "pt", "nl", "ca", "sv", "da", "no", "fi", "et", "lv", "lt",
    # Central and Eastern Europe
    "pl", "cs", "sk", "hu", "ro", "sl", "hr", "sr", "bg", "el", "uk", "ru",
    # Rest of the world
    "tr", "ar", "fa", "he", "hi", "bn", "ur", "zh", "ja", "ko", "vi", "th", "id",
)  # fmt: skip

# Reasons a Detection carries.
#: The text has no letters at all (numbers, punctuation, a URL).
REASON_EMPTY = "empty"
#: Too few letters to tell; ``lang`` holds the best guess.
REASON_TOO_SHORT = "too_short"
#: Long enough, but no language clearly wins (names, brands, borrowed words).
REASON_AMBIGUOUS = "ambiguous"
#: Substantial passages in two or more languages; ``lang`` is the dominant one.
REASON_MIXED = "mixed"
#: (``detect_paragraphs`` only) the paragraph could not be told on its own and took the
#: article's language; ``reliable`` is then the article's.
REASON_INHERITED = "inherited"

# Thresholds, tuned on tests/data/lang (see benchmarks/langdetect.py). Below ~12 letters about one
# guess in five is wrong; py3langid's length-calibrated probability is below 0.6 for nearly every
# wrong guess above that.
_MIN_LETTERS = 12
_MIN_CONFIDENCE = 0.6
# A language outside the candidate set is only believed on long, unambiguous text.
_OUTSIDE_MIN_LETTERS = 60
_OUTSIDE_MIN_CONFIDENCE = 0.95
# Mixed-language check: sentences this long and this confident vote; the runner-up language must
# hold this share and this many letters of the voting text.
_MIXED_CHUNK_LETTERS = 30
_MIXED_CHUNK_CONFIDENCE = 0.8
_MIXED_MIN_SHARE = 0.2
_MIXED_MIN_LETTERS = 60

# A "best" candidate this close to the uniform probability is noise.
_FLAT_MARGIN = 0.05

# py3langid's label for text with no linguistic content.
_NON_LANGUAGE = frozenset({"zxx", "und"})

_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\w+|[@#]\w+",  # URLs, e-mail addresses, handles, hashtags
)
_SENTENCE_END = re.compile(r"(?<=[.!?;:…。！？])\s+|\n+")
_CODE = re.compile(r"^[a-z]{2,3}$")


class UnknownLanguageError(UsageError):
    """A candidate language code that the detector's model does not know."""

    kind = "unknown_language"


@dataclass(frozen=True)
class Detection:
    """The language of one text, and how far to trust it.

    ``lang`` is an ISO 639-1 code (or None when there is nothing to go on); it is the best guess
    even when ``reliable`` is False. ``confidence`` is in [0, 1]: the model's probability for
    ``lang`` (for mixed text, the share of the text written in ``lang``). ``reason`` is None for a
    plain reliable detection, else one of the ``REASON_*`` constants saying why the language was
    not read off the text alone.
    """

    lang: str | None
    confidence: float
    reliable: bool
    reason: str | None = None


def _letter_weight(text: str) -> int:
    """Count letters, counting CJK characters as a short word each (they carry more signal)."""
    weight = 0
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        if name.startswith(("CJK", "HIRAGANA", "KATAKANA")):
            weight += 3
        elif name.startswith("HANGUL"):
            weight += 2
        else:
            weight += 1
    return weight


def _load_identifier(unpack_dir: Path | None) -> LanguageIdentifier:
    """py3langid's model, from the decompressed copy in ``unpack_dir`` when it can be used."""
    # Lazy import: numpy and the model only for runs that detect.
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    if unpack_dir is not None:
        try:
            return _from_unpacked(unpack_dir, MODEL_DIR / MODEL_FILE)
        except Exception:  # the copy only saves time: any problem means the usual way
            pass  # (a read-only folder, a damaged copy, another py3langid layout)
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _from_unpacked(unpack_dir: Path, packed: Path) -> LanguageIdentifier:
    """Load the model from an uncompressed copy of ``packed`` (made on first use)."""
    import hashlib
    import lzma
    import os
    import shutil
    import uuid

    import numpy as np
    from py3langid.langid import LanguageIdentifier
    from py3langid.modelio import _to_array

    # Named by the packed file's content: another py3langid release gets its own copy.
    digest = hashlib.sha256(packed.read_bytes()).hexdigest()[:16]
    folder = unpack_dir / "py3langid"
    unpacked = folder / f"model-{digest}.npz"
    if not unpacked.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".tmp-{uuid.uuid4().hex}.npz"  # open() gives it the umask's mode
        try:
            with open(tmp, "xb") as out, lzma.open(packed) as src:
                shutil.copyfileobj(src, out, length=1 << 20)
            os.replace(tmp, unpacked)  # atomic: a concurrent run sees all of it or nothing
        finally:
            tmp.unlink(missing_ok=True)
        for old in folder.glob("model-*.npz"):
            if old != unpacked:
                old.unlink(missing_ok=True)
    try:
        # The layout py3langid 0.4's modelio.load_model reads from inside its LZMA stream.
        with np.load(unpacked, allow_pickle=False) as data:
            return LanguageIdentifier(
                np.asarray(data["ptc"]),
                np.asarray(data["pc"]),
                data["classes"].tolist(),
                _to_array(data["nextmove"]),
                data["out_feat"].tolist(),
                norm_probs=True,
                tk_row=_to_array(data["nextmove_row"]),
            )
    except Exception:
        unpacked.unlink(missing_ok=True)  # damaged: the next run makes a new copy
        raise


class LanguageDetector:
    """Detects the language of texts; heavy set-up happens on first use, not at construction.

    Build one per run and pass it to whoever needs it (nothing is cached at module level). Not
    thread-safe while loading; call :meth:`load` first to share a ready detector between threads.
    """

    def __init__(
        self,
        languages: Iterable[str] | None = NEWS_LANGUAGES,
        *,
        min_letters: int = _MIN_LETTERS,
        min_confidence: float = _MIN_CONFIDENCE,
        unpack_dir: Path | None = None,
    ) -> None:
        """Prepare a detector.

        ``languages`` restricts the candidates (ISO 639-1 codes); None allows every language the
        model knows (~140). ``min_letters`` and ``min_confidence`` set when a detection counts as
        reliable. ``unpack_dir`` (the CLI gives the user cache dir) keeps a decompressed copy of
        the model (68 MB), so that later processes skip the LZMA step (0.4 s of every cold
        start); without it, or when that folder cannot be used, the model is decompressed in
        memory each time.
        """
        self._languages = None if languages is None else tuple(dict.fromkeys(languages))
        if self._languages is not None and not self._languages:
            raise UnknownLanguageError(
                "no candidate language given", hint="pass at least one ISO 639-1 code, or None"
            )
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self.unpack_dir = unpack_dir
        self._identifier: LanguageIdentifier | None = None
        self._candidates: frozenset[str] = frozenset()

    @property
    def languages(self) -> tuple[str, ...] | None:
        """The candidate languages, or None when every language of the model is allowed."""
        return self._languages

    def load(self) -> None:
        """Load the model now (it is otherwise loaded by the first detection)."""
        if self._identifier is not None:
            return
        identifier = _load_identifier(self.unpack_dir)
        known = set(identifier.labels)
        if self._languages is None:
            candidates = known - _NON_LANGUAGE
        else:
            unknown = [code for code in self._languages if code not in known or not _CODE.match(code)]
            if unknown:
                raise UnknownLanguageError(
                    f"the language detector does not know {', '.join(sorted(unknown))}",
                    hint="use ISO 639-1 codes such as fr, en, de (Norwegian is 'no')",
                )
            candidates = set(self._languages)
        self._candidates = frozenset(candidates)
        self._identifier = identifier

    def _rank(self, text: str) -> list[tuple[str, float]]:
        self.load()
        assert self._identifier is not None
        return self._identifier.rank(text)

    def detect(self, text: str) -> Detection:
        """Detect the language of ``text``.

        Text too short, too ambiguous or too mixed to tell comes back with ``reliable=False``
        and a ``reason``; ``lang`` still holds the best guess (None when the text has no letters).
        """
        cleaned = _NOISE.sub(" ", text)
        weight = _letter_weight(cleaned)
        if weight == 0:
            return Detection(None, 0.0, False, REASON_EMPTY)
        # Only text long enough for two substantial passages can be mixed; check that first, since
        # a mixed text can also look merely ambiguous as a whole.
        if weight >= 2 * _MIXED_CHUNK_LETTERS:
            mixed = self._mixed(cleaned)
            if mixed is not None:
                return mixed
        return self._classify(cleaned, weight)

    def _classify(self, text: str, weight: int) -> Detection:
        ranked = self._rank(text)
        top, top_p = ranked[0]
        min_letters = self.min_letters
        if top not in self._candidates and top not in _NON_LANGUAGE and top_p >= _OUTSIDE_MIN_CONFIDENCE:
            # Clearly a language outside the candidates: say so rather than force a candidate,
            # but only believe it on long text (short text is where the full model strays).
            lang, confidence = top, top_p
            min_letters = max(min_letters, _OUTSIDE_MIN_LETTERS)
            if weight < min_letters:
                lang, confidence = self._best_candidate(ranked)
        else:
            lang, confidence = self._best_candidate(ranked)
        if weight < min_letters:
            return Detection(lang, confidence, False, REASON_TOO_SHORT)
        if confidence < self.min_confidence:
            return Detection(lang, confidence, False, REASON_AMBIGUOUS)
        return Detection(lang, confidence, True, None)

    def _best_candidate(self, ranked: Sequence[tuple[str, float]]) -> tuple[str | None, float]:
        """Best candidate language, its probability renormalised over the candidates only."""
        kept = [(lang, p) for lang, p in ranked if lang in self._candidates]
        mass = sum(p for _, p in kept)
        if not kept or mass <= 0.0:
            return None, 0.0
        # ranked is sorted, so kept is too: the first entry is the best candidate.
        lang, confidence = kept[0][0], min(1.0, kept[0][1] / mass)
        uniform = 1 / len(self._candidates)
        if confidence < uniform + _FLAT_MARGIN * (1 - uniform):
            # A near-uniform distribution (no known n-gram at all, e.g. "Paris"): no guess is better
            # than an arbitrary one.
            return None, 0.0
        return lang, confidence

    def _mixed(self, text: str) -> Detection | None:
        """Return a ``mixed`` detection when sentences disagree substantially, else None."""
        votes: dict[str, int] = {}
        for chunk in _SENTENCE_END.split(text):
            weight = _letter_weight(chunk)
            if weight < _MIXED_CHUNK_LETTERS:
                continue
            detection = self._classify(chunk, weight)
            if detection.lang is not None and detection.confidence >= _MIXED_CHUNK_CONFIDENCE:
                votes[detection.lang] = votes.get(detection.lang, 0) + weight
        if len(votes) < 2:
            return None
        total = sum(votes.values())
        ordered = sorted(votes.items(), key=lambda item: item[1], reverse=True)
        runner_up = ordered[1][1]
        if runner_up < _MIXED_MIN_LETTERS or runner_up / total < _MIXED_MIN_SHARE:
            return None
        lang, letters = ordered[0]
        return Detection(lang, letters / total, False, REASON_MIXED)

    def detect_paragraphs(self, paragraphs: Sequence[str]) -> list[Detection]:
        """Detect each paragraph's language, for articles that mix languages.

        Each paragraph long and clear enough keeps its own language (an English quote inside a
        French article comes back ``en``). Paragraphs too short or ambiguous to tell on their own
        (bylines, "(AFP)", captions) take the article's language — the one holding most letters
        among the reliably detected paragraphs — with ``reason="inherited"``. When no paragraph
        can be told, the joined text decides; if even that fails, paragraphs keep their own
        unreliable detections.
        """
        detections = [self.detect(paragraph) for paragraph in paragraphs]
        article = self._article_language(paragraphs, detections)
        if article is None or not article.reliable:
            return detections
        inherit = {REASON_EMPTY, REASON_TOO_SHORT, REASON_AMBIGUOUS}
        return [
            Detection(article.lang, article.confidence, True, REASON_INHERITED)
            if detection.reason in inherit
            else detection
            for detection in detections
        ]

    def _article_language(
        self, paragraphs: Sequence[str], detections: Sequence[Detection]
    ) -> Detection | None:
        votes: dict[str, int] = {}
        for paragraph, detection in zip(paragraphs, detections, strict=True):
            if detection.reliable and detection.lang is not None:
                votes[detection.lang] = votes.get(detection.lang, 0) + _letter_weight(paragraph)
        if votes:
            lang, letters = max(votes.items(), key=lambda item: item[1])
            return Detection(lang, letters / sum(votes.values()), True, None)
        if not paragraphs:
            return None
        # No paragraph is conclusive alone: let the whole text decide.
        whole = self.detect("\n\n".join(paragraphs))
        return whole if whole.lang is not None else None
