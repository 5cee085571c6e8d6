"""An unexpected error met by one article costs that article only, never the rest of the batch."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from fault_tools import jsonl
from typer.testing import CliRunner

from summarize import pipeline, runner
from summarize.cli import app
from summarize.options import RunOptions
from summarize.pipeline import Summarizer
from summarize.read import Article

GOOD = [
    "La Chine va étendre sa coopération internationale via sa station spatiale.",
    "Selon M. Ji, l'espace est le bien commun des peuples du monde entier.",
    "La Chine est favorable à des vols conjoints avec des astronautes étrangers.",
]
BAD = "Cet article contient le mot BOUM qui déclenche une erreur interne."


@pytest.fixture
def options(tiny_options: RunOptions) -> RunOptions:
    return dataclasses.replace(tiny_options, source_lang="fr", cache_dir=None)


@pytest.fixture
def boom(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug that only one article meets, deep inside the window's shared work."""
    real = pipeline.reassemble

    def reassemble(chunks, outputs):  # type: ignore[no-untyped-def]
        if any("BOUM" in c.text for c in chunks):
            raise IndexError("list index out of range")
        return real(chunks, outputs)

    monkeypatch.setattr(pipeline, "reassemble", reassemble)


def test_one_failing_article_keeps_the_others(options: RunOptions, boom: None) -> None:
    articles = [Article(f"a{i}", f"a{i}.txt", t) for i, t in enumerate([GOOD[0], BAD, *GOOD[1:]])]
    results = list(Summarizer(options).process(articles))
    alone = list(Summarizer(options).process([a for a in articles if a.id != "a1"]))
    assert [r.id for r in results] == ["a0", "a1", "a2", "a3"]
    assert [r.status for r in results] == ["ok", "error", "ok", "ok"]
    assert results[1].error is not None and results[1].error["kind"] == "internal"
    assert "IndexError" in results[1].error["message"]
    ok = [r for r in results if r.status == "ok"]
    assert [(r.translation_en, r.summary_fr) for r in ok] == [(r.translation_en, r.summary_fr) for r in alone]


def test_debug_lets_the_error_through(options: RunOptions, boom: None) -> None:
    with pytest.raises(IndexError):
        list(Summarizer(dataclasses.replace(options, debug=True)).process([Article("b", "b", BAD)]))


ENGLISH = (
    "The government announced on Tuesday that the new railway line will open next spring, "
    "after three years of work and a long public debate about its cost."
)


def test_a_missing_model_costs_only_the_outputs_that_need_it(
    options: RunOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # English articles need opus-mt-en-fr for the French summary; it is not stored (offline).
    # Their English text needs no model: it is still written, with the summary's error.
    looked_up: list[str] = []
    real = runner.resolve

    def resolve(ref, *args, **kwargs):  # type: ignore[no-untyped-def]
        looked_up.append(ref.id)
        return real(ref, *args, **kwargs)

    monkeypatch.setattr(runner, "resolve", resolve)
    options = dataclasses.replace(options, source_lang=None, offline=True)
    texts = [GOOD[0], ENGLISH, GOOD[1], ENGLISH + " It is the second story.", GOOD[2]]
    articles = [Article(f"a{i}", f"a{i}.txt", t) for i, t in enumerate(texts)]
    results = list(Summarizer(options).process(articles))
    assert [r.status for r in results] == ["ok", "partial", "ok", "partial", "ok"]
    for failed, text in ((results[1], texts[1]), (results[3], texts[3])):
        assert failed.failed and failed.translation_en == text and failed.summary_fr is None
        assert failed.error is not None and failed.error["kind"] == "model_not_found"
        assert failed.error["task"] == "summary" and failed.error["message"].startswith("no French summary: ")
        assert "opus-mt-en-fr" in failed.error["message"] and "models pull" in failed.error["hint"]
        # What the failed task would have made leaves nothing behind in the record.
        assert set(failed.chunks) == set(failed.cached) == set(failed.models) == {"translation"}
    assert all(r.summary_fr and r.translation_en for r in results if r.status == "ok")
    # Known to be missing after the first miss: never looked up (or downloaded) again.
    assert looked_up.count("Helsinki-NLP/opus-mt-en-fr") == 1


def test_other_errors_raised_on_purpose_still_end_the_run(
    options: RunOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarize.errors import CacheError

    def full_disk(self, texts):  # type: ignore[no-untyped-def]
        raise CacheError("the cache's disk is full", "free some space")

    monkeypatch.setattr(runner.TaskRunner, "run", full_disk)
    with pytest.raises(CacheError):
        list(Summarizer(options).process([Article("a", "a", GOOD[0]), Article("b", "b", GOOD[1])]))


def test_an_empty_summary_is_flagged_not_passed_off(
    options: RunOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarize.engines import Generated

    real = runner.TaskRunner.run

    def silent_summariser(self, texts):  # type: ignore[no-untyped-def]
        if self.task != "summary":
            return real(self, texts)
        return [Generated("", False) for _ in texts], [False] * len(texts)

    monkeypatch.setattr(runner.TaskRunner, "run", silent_summariser)
    long = " ".join(GOOD * 40)  # several summary chunks: no reduce round may run on nothing
    tight = dataclasses.replace(options, chunking=dataclasses.replace(options.chunking, max_chunk_tokens=64))
    (result,) = Summarizer(tight).process([Article("a", "a", long)])
    assert result.status == "ok" and result.summary_fr == ""
    assert [w["kind"] for w in result.warnings] == ["summary_empty"]
    assert result.translation_en


def test_cli_prints_every_record_and_one_line_for_the_bad_one(
    tiny: dict[str, Path], tmp_path: Path, boom: None
) -> None:
    source = tmp_path / "in.jsonl"
    rows = [{"id": f"a{i}", "text": t} for i, t in enumerate([GOOD[0], BAD, GOOD[1]])]
    source.write_text(jsonl(rows), encoding="utf-8")
    args = ["run", str(source), "-f", "jsonl", "--only", "translation", "--source-lang", "fr"]
    args += ["--translation-model", str(tiny["marian"]), "--no-cache", "--models-dir", str(tmp_path / "m")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in records] == [("a0", "ok"), ("a1", "error"), ("a2", "ok")]
    assert records[0]["translation_en"] and records[2]["translation_en"]
    lines = [line for line in result.stderr.splitlines() if "internal error" in line]
    assert len(lines) == 1 and "IndexError" in lines[0] and "Traceback" not in result.stderr
