"""Language detection: accuracy on the fixtures, honest uncertainty, mixed-language articles."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarize.lang import (
    NEWS_LANGUAGES,
    REASON_AMBIGUOUS,
    REASON_EMPTY,
    REASON_INHERITED,
    REASON_MIXED,
    REASON_TOO_SHORT,
    Detection,
    LanguageDetector,
    UnknownLanguageError,
)
from summarize.options import RunOptions

DATA = Path(__file__).parent / "data" / "lang"

ESPERANTO = (
    "La urba konsilantaro decidis hieraŭ vespere konstrui novan bibliotekon apud la stacidomo. "
    "Laŭ la urbestro, la laboroj komenciĝos printempe kaj daŭros proksimume du jarojn."
)


def load_samples() -> list[tuple[str, str, str]]:
    """(language, bucket, text) for every fixture sample, plus one joined article per language."""
    samples: list[tuple[str, str, str]] = []
    for file in sorted(DATA.glob("??.txt")):
        bucket = ""
        paragraphs: list[str] = []
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                bucket = line[1:].strip()
            elif line.strip():
                samples.append((file.stem, bucket, line))
                if bucket == "paragraph":
                    paragraphs.append(line)
        samples.append((file.stem, "article", "\n\n".join(paragraphs)))
    return samples


SAMPLES = load_samples()


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    """One loaded detector for the whole module (loading takes about a second)."""
    built = LanguageDetector()
    built.load()
    return built


def test_import_and_construction_stay_light() -> None:
    # The CLI imports this module on every run: no detector library, no numpy, no model.
    code = (
        "import sys, summarize.lang as m; d = m.LanguageDetector(); "
        "assert not {'py3langid', 'numpy', 'lingua'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fixtures_cover_enough_languages_and_lengths() -> None:
    langs = {lang for lang, _, _ in SAMPLES}
    assert {"fr", "en", "es", "de", "it", "pt", "nl", "ru"} <= langs
    assert len(langs) >= 8
    for lang, bucket, text in SAMPLES:
        if bucket == "headline":
            assert 3 <= len(text.split()) <= 8, (lang, text)
    assert {bucket for _, bucket, _ in SAMPLES} == {"headline", "sentence", "paragraph", "article"}
    assert set(langs) <= set(NEWS_LANGUAGES)


def test_accuracy_on_fixtures(detector: LanguageDetector) -> None:
    hits: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for lang, bucket, text in SAMPLES:
        found = detector.detect(text).lang
        hits[bucket].append(found == lang)
        if found != lang:
            misses.append((lang, found, text[:60]))
    total = [hit for bucket_hits in hits.values() for hit in bucket_hits]
    assert sum(total) / len(total) >= 0.97, misses
    assert sum(hits["headline"]) / len(hits["headline"]) >= 0.9, misses
    for bucket in ("sentence", "paragraph", "article"):
        assert all(hits[bucket]), (bucket, misses)


def test_reliable_detections_are_right_and_long_text_is_reliable(detector: LanguageDetector) -> None:
    for lang, bucket, text in SAMPLES:
        detection = detector.detect(text)
        if detection.reliable:
            assert detection.lang == lang, (text, detection)
            assert detection.reason is None
        if bucket in ("paragraph", "article"):
            assert detection.reliable, (text[:60], detection)
            assert detection.confidence > 0.9


@pytest.mark.parametrize(
    "text",
    [line for line in (DATA / "ambiguous.txt").read_text(encoding="utf-8").splitlines() if line],
)
def test_ambiguous_inputs_are_not_reliable(detector: LanguageDetector, text: str) -> None:
    detection = detector.detect(text)
    assert not detection.reliable
    assert detection.reason in {REASON_EMPTY, REASON_TOO_SHORT, REASON_AMBIGUOUS}


def test_short_text_keeps_its_best_guess(detector: LanguageDetector) -> None:
    detection = detector.detect("I have a dream")
    assert detection == Detection(detection.lang, detection.confidence, False, REASON_TOO_SHORT)
    assert detection.lang == "en"


@pytest.mark.parametrize("text", ["", "   \n", "2024 – 2025", "!!!", "https://example.org/a?b=1", "@AFP"])
def test_text_without_letters_is_empty(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == Detection(None, 0.0, False, REASON_EMPTY)


def load_mixed() -> tuple[list[str], list[str]]:
    lines = (DATA / "mixed_fr_en.txt").read_text(encoding="utf-8").splitlines()
    expected, paragraphs = zip(*(line.split("\t", 1) for line in lines if line), strict=True)
    return list(expected), list(paragraphs)


def test_mixed_article_paragraphs_are_told_apart(detector: LanguageDetector) -> None:
    expected, paragraphs = load_mixed()
    detections = detector.detect_paragraphs(paragraphs)
    assert [d.lang for d in detections] == expected
    assert all(d.reliable for d in detections)
    # "(AFP)" and "Lire aussi" cannot be told alone: they take the article's language.
    inherited = [p for p, d in zip(paragraphs, detections, strict=True) if d.reason == REASON_INHERITED]
    assert "(AFP)" in inherited and "Lire aussi" in inherited
    assert all(d.lang == "fr" for d in detections if d.reason == REASON_INHERITED)


def test_mixed_article_as_one_text_is_flagged_mixed(detector: LanguageDetector) -> None:
    _, paragraphs = load_mixed()
    detection = detector.detect("\n\n".join(paragraphs))
    assert detection.reason == REASON_MIXED
    assert not detection.reliable
    assert detection.lang == "fr"  # the dominant language, as the best guess
    assert 0.5 < detection.confidence < 0.9  # French's share of the text


def test_paragraphs_too_short_alone_are_decided_together(detector: LanguageDetector) -> None:
    paragraphs = ["Il pleut sur Paris", "Le train est en retard", "Merci beaucoup"]
    detections = detector.detect_paragraphs(paragraphs)
    assert [d.lang for d in detections] == ["fr", "fr", "fr"]
    assert detector.detect_paragraphs([]) == []
    # Nothing to go on anywhere: every paragraph keeps its own unreliable detection.
    assert not any(d.reliable for d in detector.detect_paragraphs(["OK", "Paris", "2024"]))


def test_long_text_outside_the_candidates_is_named(detector: LanguageDetector) -> None:
    # The candidate set steers short text; long text in another language is still recognised.
    assert "eo" not in NEWS_LANGUAGES
    detection = detector.detect(ESPERANTO)
    assert (detection.lang, detection.reliable) == ("eo", True)


def test_candidate_restriction_and_all_languages() -> None:
    narrow = LanguageDetector(["fr", "it"])
    assert narrow.detect("Le Sénat adopte la réforme des retraites").lang == "fr"
    assert narrow.languages == ("fr", "it")
    everything = LanguageDetector(None)
    assert everything.languages is None
    assert everything.detect(ESPERANTO).lang == "eo"


def test_unknown_candidate_codes_are_typed_errors() -> None:
    with pytest.raises(UnknownLanguageError, match="xx"):
        LanguageDetector(["fr", "xx"]).detect("Bonjour à tous")
    with pytest.raises(UnknownLanguageError):
        LanguageDetector([])


def test_detection_is_frozen() -> None:
    detection = Detection("fr", 0.9, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        detection.lang = "en"  # type: ignore[misc]


@settings(max_examples=150, deadline=None)
@given(paragraphs=st.lists(st.text(max_size=80), max_size=5))
def test_any_text_gets_a_consistent_answer(detector: LanguageDetector, paragraphs: list[str]) -> None:
    detections = detector.detect_paragraphs(paragraphs)
    assert len(detections) == len(paragraphs)
    for detection in [*detections, detector.detect(" ".join(paragraphs))]:
        assert 0.0 <= detection.confidence <= 1.0
        if detection.lang is None:
            assert not detection.reliable
        if not detection.reliable:
            assert detection.reason is not None


# -- the decompressed copy of the model ------------------------------------------------------


def _ranks(detector: LanguageDetector) -> list[list[tuple[str, float]]]:
    return [detector._rank(text) for _, _, text in SAMPLES[::25]]


def test_unpacked_model_gives_the_same_answers_and_skips_lzma(
    detector: LanguageDetector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = LanguageDetector(unpack_dir=tmp_path)
    first.load()
    (copy,) = (tmp_path / "py3langid").glob("model-*.npz")
    assert not list((tmp_path / "py3langid").glob(".tmp-*"))
    assert _ranks(first) == _ranks(detector)

    import lzma

    def no_lzma(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the packed model was decompressed again")

    monkeypatch.setattr(lzma, "open", no_lzma)
    again = LanguageDetector(unpack_dir=tmp_path)
    again.load()
    assert _ranks(again) == _ranks(detector)
    assert list((tmp_path / "py3langid").glob("model-*.npz")) == [copy]


@pytest.mark.parametrize("damage", ["truncated copy", "folder is a file"])
def test_unusable_unpack_dir_falls_back_to_the_packed_model(
    detector: LanguageDetector, tmp_path: Path, damage: str
) -> None:
    if damage == "truncated copy":
        LanguageDetector(unpack_dir=tmp_path).load()
        (copy,) = (tmp_path / "py3langid").glob("model-*.npz")
        copy.write_bytes(copy.read_bytes()[:1000])
    else:
        (tmp_path / "py3langid").write_text("not a folder", encoding="utf-8")
    fallback = LanguageDetector(unpack_dir=tmp_path)
    fallback.load()
    assert _ranks(fallback) == _ranks(detector)
    if damage == "truncated copy":  # removed, so that the next run makes a whole one
        assert not list((tmp_path / "py3langid").glob("model-*.npz"))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Il pleut.", "too short to tell the language: took it as fr"),
        ("Microsoft Google Amazon Netflix Spotify Tesla Apple", "no language clearly wins: took it as en"),
    ],
)
def test_an_uncertain_language_is_said_in_words(
    tiny_options: RunOptions, tmp_path: Path, text: str, said: str
) -> None:
    import json
    import sqlite3

    from summarize.cache import Cache
    from summarize.pipeline import Summarizer
    from summarize.read import Article

    options = dataclasses.replace(tiny_options, source_lang=None, tasks=("translation",))

    def warning() -> str:
        with Cache.open(tmp_path / "outputs.sqlite3") as cache:
            (result,) = Summarizer(options, cache).process([Article("a", "a.txt", text)])
        (found,) = [w["message"] for w in result.warnings if w["kind"] == "language_uncertain"]
        return found

    assert warning().startswith(said) and warning().endswith("; pass --source-lang to say which")
    # Read back from the detection cache: worded by this version, whatever the entry says.
    with sqlite3.connect(tmp_path / "outputs.sqlite3") as conn:
        conn.execute("DELETE FROM entries WHERE task = 'article'")
        (value,) = conn.execute("SELECT value FROM entries WHERE task = 'language'").fetchone()
        stored = json.loads(value)
        stored["warning"]["message"] = "language too_short: an older wording"
        conn.execute("UPDATE entries SET value = ? WHERE task = 'language'", (json.dumps(stored),))
    assert warning().startswith(said)
