"""The cache key: a hit only when the same computation would run, a miss when anything changes."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from summarize import pipeline, runner
from summarize.cache import Cache
from summarize.chunk import ChunkSettings
from summarize.engines import EngineOptions
from summarize.generation import Overrides
from summarize.options import ChunkOptions, RunOptions
from summarize.pipeline import Summarizer
from summarize.read import Article
from summarize.routing import RoutingConfig

TEXT = (
    "La Chine va étendre sa coopération internationale via sa station spatiale.\n\n"
    "Selon M. Ji, l'espace extra-atmosphérique est le bien commun des peuples du monde entier.\n\n"
    "La Chine est également favorable à des vols conjoints avec des astronautes étrangers."
)


@pytest.fixture
def base(tiny_options: RunOptions) -> RunOptions:
    return dataclasses.replace(tiny_options, source_lang="fr")


def _run(options: RunOptions, tmp_path: Path, text: str = TEXT) -> tuple[Summarizer, list]:
    cache = Cache.open(tmp_path / "outputs.sqlite3")
    summarizer = Summarizer(options, cache)
    results = list(summarizer.process([Article("a", "a.txt", text)]))
    cache.close()
    return summarizer, results


def test_hit_when_nothing_changed(base: RunOptions, tmp_path: Path) -> None:
    cold, first = _run(base, tmp_path)
    assert cold.stats.hits == 0 and cold.stats.misses > 0
    warm, second = _run(base, tmp_path)
    assert warm.stats.misses == 0 and warm.stats.hits == cold.stats.misses
    assert second[0].cached == {"translation": True, "summary": True}
    assert (second[0].summary_fr, second[0].translation_en) == (first[0].summary_fr, first[0].translation_en)


def _copy_model(src: Path, dst: Path, *, altered: bool = False) -> Path:
    folder = Path(shutil.copytree(src, dst))
    if altered:  # one bit of one weight: another model
        weights = folder / "model.safetensors"
        data = bytearray(weights.read_bytes())
        data[-3] ^= 1
        weights.write_bytes(bytes(data))
    return folder


CHANGES = {
    "generation settings": lambda o, t, p: dataclasses.replace(
        o, translation_overrides=Overrides(num_beams=1), summary_overrides=Overrides(num_beams=1)
    ),
    "chunker settings": lambda o, t, p: dataclasses.replace(o, chunking=ChunkOptions(max_chunk_tokens=100)),
    "dtype": lambda o, t, p: dataclasses.replace(
        o, engine=EngineOptions(backend="transformers", dtype="int8")
    ),
    "model": lambda o, t, p: dataclasses.replace(
        o,
        routing=RoutingConfig(
            summary_model=str(_copy_model(t["barthez"], p / "other-summary")),
            translation_model=str(_copy_model(t["marian"], p / "other-marian", altered=True)),
        ),
    ),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_miss_when_one_thing_changes(
    base: RunOptions, tmp_path: Path, tiny: dict[str, Path], change: str
) -> None:
    _run(base, tmp_path)
    options = CHANGES[change](base, tiny, tmp_path)
    changed, _ = _run(options, tmp_path)
    (tmp_path / "fresh").mkdir()
    fresh, _ = _run(options, tmp_path / "fresh")
    # Nothing the first run stored is reused: the run costs what it costs on an empty cache.
    assert (changed.stats.hits, changed.stats.misses) == (fresh.stats.hits, fresh.stats.misses), change


def _translation_on_a_copy(
    base: RunOptions, tiny: dict[str, Path], tmp_path: Path
) -> tuple[Path, RunOptions]:
    """A private copy of the Marian model (to be altered), used for translation only."""
    folder = _copy_model(tiny["marian"], tmp_path / "m")
    routing = dataclasses.replace(base.routing, translation_model=str(folder))
    return folder, dataclasses.replace(base, routing=routing, tasks=("translation",))


def test_miss_when_the_engine_library_is_upgraded(
    base: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import summarize.engines as engines

    cold, _ = _run(base, tmp_path)
    real = engines._installed_version
    torch_version = real("torch")
    assert torch_version[0].isdigit() and real("transformers")[0].isdigit()
    monkeypatch.setattr(engines, "_installed_version", lambda n: "99.0" if n == "transformers" else real(n))
    upgraded, _ = _run(base, tmp_path)
    assert (upgraded.stats.hits, upgraded.stats.misses) == (0, cold.stats.misses)
    signature = upgraded.runner("summary", str(base.routing.summary_model)).signature()
    assert signature["engine"]["libraries"] == {"transformers": "99.0", "torch": torch_version}


def test_ctranslate2_outputs_are_kept_apart_per_instruction_set(
    base: RunOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarize.cache import make_key

    options = dataclasses.replace(base, engine=EngineOptions(backend="ctranslate2", device="cpu"))
    signatures = {}
    for isa in ("AVX2", "AVX512"):
        monkeypatch.setenv("CT2_FORCE_CPU_ISA", isa)
        runner = Summarizer(options).runner("translation", str(base.routing.translation_model))
        signatures[isa] = runner.signature()
        assert signatures[isa]["engine"]["cpu_isa"] == isa
    assert make_key(signatures["AVX2"]) != make_key(signatures["AVX512"])
    # transformers does not run CTranslate2's kernels: its key does not name them.
    plain = Summarizer(base).runner("translation", str(base.routing.translation_model)).signature()
    assert "cpu_isa" not in plain["engine"]


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_device_auto_is_named_as_the_device_that_runs(base: RunOptions, tmp_path: Path, backend: str) -> None:
    on_cpu = dataclasses.replace(base, engine=EngineOptions(backend=backend, device="cpu"))
    cold, first = _run(on_cpu, tmp_path)
    auto = dataclasses.replace(base, engine=EngineOptions(backend=backend, device="auto"))
    warm, second = _run(auto, tmp_path)  # no GPU here: auto is the CPU, and its outputs are reused
    assert (warm.stats.hits, warm.stats.misses) == (cold.stats.misses, 0)
    assert second[0].models["translation"]["device"] == "cpu"
    assert second[0].models == first[0].models  # the same dtype too: int8, as on --device cpu


@pytest.mark.parametrize(
    ("version", "gpus", "device"),
    [
        ("cuda: Optional[str] = None\nhip: Optional[str] = None\n", 1, "cpu"),  # a CPU build
        ("cuda: Optional[str] = '12.8'\n", 1, "cuda"),
        ("cuda: Optional[str] = '12.8'\n", 0, "cpu"),  # no GPU visible
        ("cuda = '11.8'\n", 2, "cuda"),  # older builds have no annotation
        (None, 1, "cpu"),  # no torch
    ],
)
def test_auto_device_for_transformers_is_told_without_torch(
    tmp_path: Path, version: str | None, gpus: int, device: str
) -> None:
    from summarize.engines.hf import auto_device

    version_file = tmp_path / "version.py"
    if version is not None:
        version_file.write_text(f"__version__ = '2.13.0'\n{version}", encoding="utf-8")
    assert auto_device(version_file, lambda: gpus) == device


def test_miss_when_the_weights_change(base: RunOptions, tmp_path: Path, tiny: dict[str, Path]) -> None:
    folder, options = _translation_on_a_copy(base, tiny, tmp_path)
    _run(options, tmp_path)
    weights = folder / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-3] ^= 1  # one bit of one weight
    weights.write_bytes(bytes(data))
    again, _ = _run(options, tmp_path)
    assert again.stats.hits == 0


def test_hit_when_the_same_model_is_moved_or_spelt_another_way(
    base: RunOptions, tmp_path: Path, tiny: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A local folder is known by its content, not by where it lies or how its path is typed.
    folder, options = _translation_on_a_copy(base, tiny, tmp_path)
    cold, first = _run(options, tmp_path)
    moved = _copy_model(folder, tmp_path / "elsewhere" / "m")
    shutil.rmtree(folder)
    monkeypatch.chdir(tmp_path / "elsewhere")
    for spelling in (str(moved), "./m", "m/", "../elsewhere/m"):
        routing = dataclasses.replace(options.routing, translation_model=spelling)
        warm, again = _run(dataclasses.replace(options, routing=routing), tmp_path)
        assert (warm.stats.hits, warm.stats.misses) == (cold.stats.misses, 0), spelling
        assert again[0].translation_en == first[0].translation_en
        assert again[0].models["translation"]["id"] == str(moved.resolve())


def test_miss_when_the_tokenizer_changes(base: RunOptions, tmp_path: Path, tiny: dict[str, Path]) -> None:
    folder, options = _translation_on_a_copy(base, tiny, tmp_path)
    _run(options, tmp_path)
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    vocab["<extra>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    again, _ = _run(options, tmp_path)
    assert again.stats.hits == 0


def test_miss_when_the_key_format_changes(
    base: RunOptions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(base, tmp_path)
    # runner.py keeps it; pipeline.py reads it at import, for the article memo and detection keys.
    monkeypatch.setattr(runner, "KEY_FORMAT", runner.KEY_FORMAT + 1)
    monkeypatch.setattr(pipeline, "KEY_FORMAT", runner.KEY_FORMAT)
    again, _ = _run(base, tmp_path)
    assert again.stats.hits == 0


def test_task_is_part_of_the_key(base: RunOptions, tmp_path: Path) -> None:
    summarizer = Summarizer(base)
    runner_t = summarizer.runner("translation", base.routing.translation_model)
    runner_s = summarizer.runner("summary", base.routing.translation_model)  # same model, other task
    assert runner_t.signature()["task"] != runner_s.signature()["task"]
    assert runner_t.signature() != runner_s.signature()


def test_editing_one_paragraph_recomputes_only_its_chunks(base: RunOptions, tmp_path: Path) -> None:
    options = dataclasses.replace(base, tasks=("translation",))
    cold, _ = _run(options, tmp_path)
    edited = TEXT.replace("vols conjoints", "vols communs")
    warm, _ = _run(options, tmp_path, edited)
    assert warm.stats.misses == 1 and warm.stats.hits == cold.stats.misses - 1


def test_same_paragraph_in_two_articles_is_computed_once(base: RunOptions, tmp_path: Path) -> None:
    options = dataclasses.replace(base, tasks=("translation",))
    summarizer = Summarizer(options, Cache.open(tmp_path / "c.sqlite3"))
    list(summarizer.process([Article("a", "a", TEXT), Article("b", "b", TEXT.split("\n\n")[0])]))
    list(summarizer.process([Article("c", "c", TEXT.split("\n\n")[0])]))
    assert summarizer.stats.misses == 3  # three paragraphs, each once


def test_chunk_settings_are_part_of_the_signature(base: RunOptions) -> None:
    signature = Summarizer(base).runner("translation", base.routing.translation_model).signature()
    assert set(signature) >= {
        "key_format",
        "version",
        "task",
        "model",
        "tokenizer",
        "generation",
        "chunker",
        "engine",
    }
    assert signature["chunker"]["budget"] == ChunkSettings(512, 64, False).budget


def test_warm_cli_run_imports_no_torch(tiny: dict[str, Path], tmp_path: Path) -> None:
    seed = Path(__file__).resolve().parent.parent / "seeds"
    args = [
        "run",
        str(seed),
        "--format",
        "jsonl",
        "--summary-model",
        str(tiny["t5"]),
        "--translation-model",
        str(tiny["marian"]),
        "--cache-dir",
        str(tmp_path),
    ]
    code = (
        "import sys; from summarize.cli import main\n"
        f"sys.argv = ['summarize'] + {args!r}\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "heavy = ('torch', 'transformers', 'ctranslate2', 'sentencepiece', 'tokenizers', 'py3langid')\n"
        "print(sorted(m for m in heavy if m in sys.modules), code, file=sys.stderr)"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    assert "'torch', 'transformers'" in cold.stderr.strip().splitlines()[-1], cold.stderr
    # The whole records come from the cache: no model, tokenizer or detector is even imported.
    assert warm.stderr.strip().endswith("[] 0"), warm.stderr
    assert json.loads(warm.stdout)["cached"] == {"translation": True, "summary": True}
    assert json.loads(warm.stdout)["summary_fr"] == json.loads(cold.stdout)["summary_fr"]
