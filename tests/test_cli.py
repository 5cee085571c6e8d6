"""End to end through the CLI with tiny real models: stdout carries results only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarize.cli import app

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def models(tiny: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("SUMMARIZE_SUMMARY_MODEL", str(tiny["t5"]))
    monkeypatch.setenv("SUMMARIZE_TRANSLATION_MODEL", str(tiny["marian"]))
    return tiny


def _invoke(args: list[str], stdin: str | None = None):
    return CliRunner().invoke(app, args, input=stdin)


def test_seed_end_to_end_jsonl(models: dict[str, Path]) -> None:
    result = _invoke(["run", str(REPO / "seeds"), "--format", "jsonl", "--max-chunk-tokens", "128"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["summary_fr"].strip() and record["translation_en"].strip()
    assert record["chunks"]["summary"] > 1 and record["chunks"]["translation"] > 1
    assert record["models"]["translation"]["id"] == str(models["marian"])
    assert record["models"]["summary"]["commit"].startswith("local-")
    assert isinstance(record["warnings"], list)
    assert "Traceback" not in result.stderr


def test_seed_end_to_end_subprocess(models: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "summarize",
            "run",
            str(REPO / "seeds" / "000_7fb48d97fe35ba3a.txt"),
            "--format",
            "jsonl",
            "--only",
            "translation",
            "--max-chunk-tokens",
            "128",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)  # stdout holds exactly one JSON document
    assert record["translation_en"] and record["summary_fr"] is None
    assert "Traceback" not in proc.stderr


def test_formats_text_and_json(models: dict[str, Path]) -> None:
    text = _invoke(["run", "-", "--only", "translation"], stdin="Bonjour à tous. Il pleut.\n")
    assert text.exit_code == 0 and text.stdout.startswith("== stdin")
    assert "Translation (en):" in text.stdout
    doc = _invoke(["run", "-", "--only", "translation", "--format", "json"], stdin="Bonjour.\n")
    assert json.loads(doc.stdout)[0]["id"] == "stdin"


def test_jsonl_input_and_failure_isolation(models: dict[str, Path], tmp_path: Path) -> None:
    src = tmp_path / "batch.jsonl"
    src.write_text(
        '{"id": "a", "text": "Le ciel est bleu."}\n{not json}\n{"id": "c", "title": "Titre", '
        '"text": "La mer est calme."}\n',
        encoding="utf-8",
    )
    result = _invoke(["run", str(src), "--format", "jsonl", "--only", "translation"])
    assert result.exit_code == 1  # one article failed, the others are written
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "batch-2", "c"]
    assert records[1]["status"] == "error" and "batch.jsonl:2" in records[1]["error"]["message"]
    assert "batch.jsonl:2" in result.stderr
    assert records[2]["title"] == "Titre" and records[2]["translation_en"]


def test_output_dir_names_stay_inside(models: dict[str, Path], tmp_path: Path) -> None:
    src = tmp_path / "evil.jsonl"
    src.write_text(
        '{"id": "../../etc/passwd", "text": "Un."}\n{"id": "/abs/path", "text": "Deux."}\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    result = _invoke(
        ["run", str(src), "--format", "jsonl", "--only", "translation", "--output-dir", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and all(p.parent == out for p in out.iterdir())
    assert not (tmp_path / "etc").exists()


def test_missing_model_message_and_exit_code(tmp_path: Path) -> None:
    result = _invoke(["run", str(REPO / "seeds"), "--offline", "--models-dir", str(tmp_path / "none")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "Helsinki-NLP/opus-mt-fr-en" in lines[0]  # the first model the French seed needs
    assert "summarize models pull" in lines[0] and "local model folder" in lines[0]
    assert result.stdout == ""


def test_usage_errors_exit_2(models: dict[str, Path]) -> None:
    assert _invoke(["run", "-", "--format", "xml"], stdin="x").exit_code == 2
    assert _invoke(["run", "-", "--max-chunk-tokens", "0"], stdin="x").exit_code == 2


def test_help_imports_neither_torch_nor_transformers() -> None:
    code = (
        "import sys; from summarize.cli import app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(app, ['run', '--help']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_models_list(tiny: dict[str, Path], tmp_path: Path) -> None:
    result = _invoke(["models", "list", "--models-dir", str(tmp_path)])
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines() if not line.startswith("#")]
    assert ["fr", "translation", "Helsinki-NLP/opus-mt-fr-en", "missing"] in rows
    assert "summarize models pull Helsinki-NLP/opus-mt-fr-en" in result.stderr


def test_cache_commands_after_two_runs(models: dict[str, Path], tmp_path: Path) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    run = ["run", str(REPO / "seeds"), "--format", "jsonl", "--max-chunk-tokens", "128", *cache]
    first = _invoke(run)
    assert first.exit_code == 0, first.stderr
    stats = dict(line.split("\t") for line in _invoke(["cache", "stats", *cache]).stdout.splitlines())
    chunks = json.loads(first.stdout)["chunks"]
    assert stats["last run"].endswith(" misses") and stats["last run"].startswith("0 hits")
    assert int(stats[f"entries translation {models['marian']}"]) == chunks["translation"]
    assert int(stats["entries article"]) == 1 and int(stats["entries language"]) == 1
    assert int(stats["entries"]) == sum(int(v) for k, v in stats.items() if k.startswith("entries "))
    second = _invoke(run)
    assert json.loads(second.stdout)["cached"] == {"summary": True, "translation": True}
    again = dict(line.split("\t") for line in _invoke(["cache", "stats", *cache]).stdout.splitlines())
    assert again["last run"].endswith(" 0 misses") and not again["last run"].startswith("0 hits")
    cleared = _invoke(["cache", "clear", *cache])
    assert cleared.exit_code == 0 and cleared.stdout.strip() == f"removed {stats['entries']} entries"
    assert (
        dict(line.split("\t") for line in _invoke(["cache", "stats", *cache]).stdout.splitlines())["entries"]
        == "0"
    )
