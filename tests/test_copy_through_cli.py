"""The trained copy model through the real CLI: a long article comes back whole.

Used as the "translation" model, the copy model's expected output is its input, so anything
lost, repeated or reordered by chunking, batching, caching or reassembly shows as a difference.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarize.cli import app

HERE = Path(__file__).resolve().parent
COPY = HERE / "fixtures" / "copy_model"
HELDOUT = HERE / "data" / "text" / "fr_heldout.txt"

pytestmark = pytest.mark.slow


def _norm(text: str) -> str:
    return " ".join(text.split())


def assert_whole(out: str, expected: str) -> None:
    """``out`` holds every sentence of ``expected`` once, in order, paragraphs kept.

    The copy model slips on about one sentence in 200 (one token, e.g. "biodiversité" →
    "bioddité"): that is the model, not the pipeline, so up to 1 % of sentences may differ by a
    few characters. A lost, repeated, swapped or cut chunk changes the sentence sequence and
    fails here all the same.
    """
    from difflib import SequenceMatcher

    from summarize.segment import split_sentences

    def sentences(text: str) -> list[str]:
        flat = _norm(text)
        return [flat[s:e] for s, e in split_sentences(flat, "fr")]

    assert out.count("\n\n") == expected.count("\n\n")
    got, want = sentences(out), sentences(expected)
    assert len(got) == len(want)
    differ = [(g, w) for g, w in zip(got, want) if g != w]
    assert len(differ) <= max(1, len(want) // 100), differ
    assert all(SequenceMatcher(None, g, w).ratio() > 0.9 for g, w in differ), differ


@pytest.fixture(scope="module")
def article() -> str:
    """Several thousand words in many paragraphs, with one sentence longer than the chunk budget."""
    sentences = [s.strip() for s in HELDOUT.read_text(encoding="utf-8").splitlines() if s.strip()]
    long_one = ", et ".join(s.rstrip(".!?») ") for s in sentences[:7]) + "."
    rest = sentences[7:]
    paragraphs, i, size = [long_one], 0, 1
    while i < len(rest):
        paragraphs.append(" ".join(rest[i : i + size]))
        i += size
        size = size % 5 + 1  # paragraphs of 1 to 5 sentences
    return "\n\n".join(paragraphs)


def _cli(tmp_path: Path, text: str, task: str, *extra: str) -> dict:
    """Run one task on ``text`` with the copy model through the CLI; return the record."""
    src = tmp_path / "long.txt"
    src.write_text(text, encoding="utf-8")
    model_option = "--translation-model" if task == "translation" else "--summary-model"
    args = [
        "run",
        str(src),
        "--format",
        "jsonl",
        "--only",
        task,
        "--keep-boilerplate",
        "--source-lang",
        "fr",
        model_option,
        str(COPY),
        *extra,
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _translate(tmp_path: Path, text: str, *extra: str) -> dict:
    return _cli(tmp_path, text, "translation", *extra)


def test_the_article_is_long_enough(article: str) -> None:
    from summarize.tokens import LightTokenizer

    assert len(article.split()) > 3000 and article.count("\n\n") > 60
    assert LightTokenizer(COPY).count(article.split("\n\n")[0]) > 128  # the long sentence


def test_long_article_comes_back_whole(tmp_path: Path, article: str) -> None:
    record = _translate(tmp_path, article, "--max-chunk-tokens", "128", "--no-cache")
    assert_whole(record["translation_en"], article)
    assert record["chunks"]["translation"] > 100
    assert [w for w in record["warnings"] if w["kind"] == "incomplete_translation"] == []  # no false alarm


@pytest.mark.parametrize(("budget", "batch_size"), [("48", "1"), ("200", "32")])
def test_batch_sizes_and_budgets_keep_the_text(
    tmp_path: Path, article: str, budget: str, batch_size: str
) -> None:
    text = "\n\n".join(article.split("\n\n")[:5])  # the long sentence and a few paragraphs
    record = _translate(
        tmp_path, text, "--max-chunk-tokens", budget, "--batch-size", batch_size, "--no-cache"
    )
    assert_whole(record["translation_en"], text)


def test_partly_cached_article_comes_back_whole(tmp_path: Path, article: str) -> None:
    paragraphs = article.split("\n\n")[:30]
    text = "\n\n".join(paragraphs)
    half = "\n\n".join(paragraphs[::2])  # every other paragraph computed first
    first = _translate(tmp_path, half, "--max-chunk-tokens", "128")
    assert_whole(first["translation_en"], half)
    record = _translate(tmp_path, text, "--max-chunk-tokens", "128")
    assert record["cached"]["translation"] is False  # some chunks computed now...
    assert_whole(record["translation_en"], text)  # ...and all in their place


def test_forced_short_outputs_trip_the_guard_every_time(tmp_path: Path, article: str) -> None:
    text = "\n\n".join(article.split("\n\n")[1:9])
    record = _translate(tmp_path, text, "--max-translation-tokens", "3", "--no-cache")
    flagged = {w["chunk"] for w in record["warnings"] if w["kind"] == "incomplete_translation"}
    chunks = record["chunks"]["translation"]
    incomplete = [w for w in record["warnings"] if w["kind"] == "incomplete_translation"]
    assert len(incomplete) == chunks and flagged  # every chunk, none missed
    assert min(flagged) == 1 and min(w["paragraph"] for w in incomplete) == 1  # counted as said
    assert all("cut at the output token limit" in w["reason"] for w in incomplete)


def test_copy_summariser_terminates_and_says_so(tmp_path: Path, article: str) -> None:
    text = "\n\n".join(article.split("\n\n")[:10])
    record = _cli(tmp_path, text, "summary", "--max-chunk-tokens", "128", "--no-cache")
    kinds = [w["kind"] for w in record["warnings"]]
    assert kinds == ["summary_not_converged"]
    assert len(re.findall(r"\w+", record["summary_fr"])) <= len(re.findall(r"\w+", text))


def test_the_check_catches_lost_repeated_and_swapped_sentences(article: str) -> None:
    paragraphs = article.split("\n\n")
    index = next(i for i, p in enumerate(paragraphs) if p.count(". ") >= 2)
    first, rest = paragraphs[index].split(". ", 1)
    broken = {
        "lost": rest,
        "repeated": f"{first}. {first}. {rest}",
        "swapped": f"{rest} {first}.",
    }
    for kind, paragraph in broken.items():
        text = "\n\n".join([*paragraphs[:index], paragraph, *paragraphs[index + 1 :]])
        with pytest.raises(AssertionError):
            assert_whole(text, article)
        assert kind
    assert_whole(article, article)


def test_a_summary_cut_at_its_limit_says_so(tmp_path: Path, article: str) -> None:
    text = article.split("\n\n")[3]  # one short paragraph: one summary chunk
    whole = _cli(tmp_path, text, "summary", "--no-cache")
    assert whole["warnings"] == []  # the copy "summary" ends by itself within its room
    cut = _cli(tmp_path, text, "summary", "--no-cache", "--max-summary-tokens", "5")
    (warning,) = cut["warnings"]
    assert warning["kind"] == "summary_truncated"
    assert "limit of 5 tokens" in warning["message"] and "raise --max-summary-tokens" in warning["message"]
    assert len(cut["summary_fr"].split()) < len(whole["summary_fr"].split())


def test_a_whole_short_summary_on_a_power_of_two_is_not_called_cut(tmp_path: Path) -> None:
    # A text of exactly 2^k tokens: its copy fills all but the forced end token's slot of a
    # 2^k cap, which once read as "cut".  The room is now more than the text's length.
    from summarize.tokens import LightTokenizer

    count = LightTokenizer(COPY).count
    sentences = [s.strip() for s in HELDOUT.read_text(encoding="utf-8").splitlines() if s.strip()]
    text = next(s for s in sentences if count(s) in (16, 32))
    record = _cli(tmp_path, text, "summary", "--no-cache")
    assert _norm(record["summary_fr"]) == _norm(text)
    assert record["warnings"] == []
