"""An unexpected error met by one article costs that article only, never the rest of the batch."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarize import pipeline
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


def test_errors_raised_on_purpose_still_end_the_run(options: RunOptions, tmp_path: Path) -> None:
    from summarize.errors import ModelNotFoundError

    missing = dataclasses.replace(options.routing, translation_model=str(tmp_path / "no-such-model"))
    with pytest.raises(ModelNotFoundError):
        list(Summarizer(dataclasses.replace(options, routing=missing)).process([Article("a", "a", GOOD[0])]))


def test_cli_prints_every_record_and_one_line_for_the_bad_one(
    tiny: dict[str, Path], tmp_path: Path, boom: None
) -> None:
    source = tmp_path / "in.jsonl"
    rows = [{"id": f"a{i}", "text": t} for i, t in enumerate([GOOD[0], BAD, GOOD[1]])]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    args = ["run", str(source), "-f", "jsonl", "--only", "translation", "--source-lang", "fr"]
    args += ["--translation-model", str(tiny["marian"]), "--no-cache", "--models-dir", str(tmp_path / "m")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["status"]) for r in records] == [("a0", "ok"), ("a1", "error"), ("a2", "ok")]
    assert records[0]["translation_en"] and records[2]["translation_en"]
    lines = [line for line in result.stderr.splitlines() if "internal error" in line]
    assert len(lines) == 1 and "IndexError" in lines[0] and "Traceback" not in result.stderr
