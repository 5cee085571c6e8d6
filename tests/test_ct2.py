"""The CTranslate2 backend: same greedy output as transformers, converted once, no torch at run time."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from summarize import convert
from summarize.convert import converted_path, ensure_converted, supports_ctranslate2
from summarize.engines import EngineOptions, hf, load_engine, pick_backend
from summarize.engines.ct2 import converted_for, cpu_isa, isa_choices
from summarize.errors import ModelError
from summarize.generation import Overrides, Settings, effective_settings
from summarize.models import ModelRef, ResolvedModel, resolve

REPO = Path(__file__).resolve().parent.parent
TASKS = {"marian": "translation", "t5": "summary", "barthez": "summary"}
EXTRA = [
    "x",
    "M. Ji a déclaré que la Chine « coopère » avec 17 pays, soit 3,5 % de plus.",
    "Emoji 😀 and maths ∑√ and 中文",
    "l'ONU\tet\nl'UE",
]


def _model(folder: Path, models_dir: Path) -> ResolvedModel:
    return resolve(ModelRef(str(folder)), models_dir, offline=True)


def _texts(seed_text: str) -> list[str]:
    return [line for line in seed_text.splitlines() if line.strip()][:6] + EXTRA


def _hf_tokens(engine: Any, text: str, settings: Settings, cap: int) -> list[str]:
    """What transformers generates for ``text`` alone, as tokens, up to (not with) the end token."""
    import torch
    from transformers import GenerationConfig

    params = {k: v for k, v in settings.params.items() if k != "max_length"}
    params["min_length"] = min(params.get("min_length", 0), cap)
    inputs = engine.tokenizer([settings.prefix + text], return_tensors="pt")
    config = GenerationConfig(**params, max_new_tokens=cap)
    with torch.inference_mode():
        out = engine.model.generate(**inputs, generation_config=config)
    ids = out[0, 1:].tolist()
    eos = settings.params["eos_token_id"]
    ids = ids[: ids.index(eos)] if eos in ids else ids
    return engine.tokenizer.convert_ids_to_tokens(ids)


@pytest.fixture(scope="module")
def engines(tiny: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Any, Any]]:
    """Each tiny model through both backends (built with load_engine), float32."""
    models_dir = tmp_path_factory.mktemp("ct2-models")
    out = {}
    cwd = Path.cwd()
    os.chdir(models_dir)  # the engine's default models dir is relative: keep it in the temp dir
    try:
        for family, folder in tiny.items():
            model = _model(folder, models_dir)
            out[family] = (
                load_engine(model, EngineOptions(backend="transformers", dtype="float32")),
                load_engine(model, EngineOptions(backend="ctranslate2", dtype="float32")),
            )
    finally:
        os.chdir(cwd)
    return out


CASES = [
    (family, extra)
    for family in ("marian", "t5", "barthez")
    for extra in ({}, {"min_length": 12}, {"min_length": 6, "no_repeat_ngram_size": 2})
]
# transformers also penalizes the decoder start token, which CTranslate2 does not: the outputs
# agree where that token cannot be generated anyway (Marian's <pad>).
CASES.append(("marian", {"repetition_penalty": 1.3}))
# A target-language token forced first (mBART-50, NLLB) becomes CTranslate2's target prefix.
CASES.append(("barthez", {"forced_bos_token_id": 25, "min_length": 8}))


@pytest.mark.parametrize(("family", "extra"), CASES)
def test_greedy_float32_matches_transformers(
    engines: dict[str, tuple[Any, Any]],
    tiny: dict[str, Path],
    seed_text: str,
    family: str,
    extra: dict[str, Any],
) -> None:
    hf, ct = engines[family]
    task = TASKS[family]
    settings = effective_settings(tiny[family], task, Overrides(num_beams=1))
    # The tiny BARThez ends at once unless made to write: min_length exercises the decoding.
    settings = dataclasses.replace(settings, params={**settings.params, **extra})
    texts = _texts(seed_text)
    # Caps of their own size (up to 40 tokens, to keep the test quick), different within the batch.
    caps = [min(40, settings.new_tokens_for(task, ct.tokenizer.count(settings.prefix + t))) for t in texts]
    batched = ct.generate(texts, settings, caps)  # one batch: each output cut at its own cap
    for text, cap, in_batch in zip(texts, caps, batched):
        expected = hf.generate([text], settings, [cap])[0]
        alone = ct.generate([text], settings, [cap])[0]
        assert alone.text == expected.text, text
        assert in_batch == alone, text
        assert ct.generate_tokens([text], settings, [cap])[0].tokens == _hf_tokens(hf, text, settings, cap)
        if settings.params.get("forced_eos_token_id") is None:
            # With a forced end token transformers reports "ended" even when the cap ended it.
            assert alone.truncated == expected.truncated
    assert ct.description == {
        "backend": "ctranslate2",
        "dtype": "float32",
        "compute_type": "float32",
        "device": "cpu",
        "cpu_isa": cpu_isa(),
    }


def test_truncated_means_cut_at_the_cap(engines: dict[str, tuple[Any, Any]], tiny: dict[str, Path]) -> None:
    _, ct = engines["marian"]
    settings = effective_settings(tiny["marian"], "translation", Overrides(num_beams=1))
    short, long = ct.generate(["Bonjour.", "Bonjour."], settings, [3, 200])
    assert short.truncated  # the random model never ends within 2 tokens (+ the forced end)
    assert len(ct.tokenizer.encode(short.text)) <= 3
    assert long.text.startswith(short.text)


def test_int8_runs_and_says_so(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default models dir (models_cache) is relative
    engine = load_engine(_model(tiny["t5"], tmp_path), EngineOptions(backend="ctranslate2", dtype="int8"))
    settings = effective_settings(tiny["t5"], "summary", Overrides(num_beams=1))
    (out,) = engine.generate(["Bonjour le monde."], settings, [10])
    assert out.text
    assert engine.description["dtype"] == "int8"
    assert engine.description["compute_type"].startswith("int8")
    # int8 computation reads weights stored in int8 (a quarter of the float32 file and memory).
    assert engine.path == converted_path(_model(tiny["t5"], tmp_path), tmp_path / "models_cache", "int8")


def test_converted_once_then_reused(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model(tiny["marian"], tmp_path)
    first = ensure_converted(model, tmp_path)
    assert first == converted_path(model, tmp_path, None)
    assert first.is_relative_to(tmp_path / "ctranslate2")
    stamp = (first / "model.bin").stat().st_mtime_ns

    def boom(*_: object) -> None:
        raise AssertionError("converted twice")

    monkeypatch.setattr(convert, "_convert", boom)
    assert ensure_converted(model, tmp_path) == first
    assert (first / "model.bin").stat().st_mtime_ns == stamp
    # Nothing but the finished model is left beside it.
    assert [p.name for p in (tmp_path / "ctranslate2").iterdir()] == [first.name]
    meta = json.loads((first / convert.METADATA_FILE).read_text(encoding="utf-8"))
    assert meta["model"]["commit"] == model.commit


def test_a_failed_conversion_leaves_nothing(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _model(tiny["t5"], tmp_path)

    def half(model: ResolvedModel, out: Path, quantization: str | None) -> None:
        out.mkdir(parents=True)
        (out / "model.bin").write_bytes(b"half")
        raise RuntimeError("killed mid-way")

    monkeypatch.setattr(convert, "_convert", half)
    with pytest.raises(ModelError, match="killed mid-way"):
        ensure_converted(model, tmp_path)
    assert not converted_path(model, tmp_path, None).exists()
    assert list((tmp_path / "ctranslate2").iterdir()) == []


def test_a_killed_conversion_is_cleaned_up_later(tiny: dict[str, Path], tmp_path: Path) -> None:
    model = _model(tiny["t5"], tmp_path)
    target = converted_path(model, tmp_path, None)
    leftover = target.parent / f".{target.name}.dead.tmp"
    (leftover / "model").mkdir(parents=True)
    old = leftover.stat().st_mtime - convert.STALE_SECONDS - 60
    os.utime(leftover, (old, old))
    assert ensure_converted(model, tmp_path) == target
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_an_unwritable_models_dir_is_one_clear_error(tiny: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "ctranslate2").write_text("not a folder", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot write the CTranslate2 conversion"):
        ensure_converted(_model(tiny["t5"], tmp_path), tmp_path)


def test_new_weights_mean_a_new_conversion(tiny: dict[str, Path], tmp_path: Path) -> None:
    model = _model(tiny["t5"], tmp_path)
    other = dataclasses.replace(model, commit="local-0123456789abcdef")
    assert converted_path(model, tmp_path, None) != converted_path(other, tmp_path, None)
    assert converted_path(model, tmp_path, None) != converted_path(model, tmp_path, "int8")


def test_unsupported_family_is_refused(tiny: dict[str, Path], tmp_path: Path) -> None:
    model = dataclasses.replace(_model(tiny["t5"], tmp_path), model_type="pegasus_x")
    with pytest.raises(ModelError, match="pegasus_x"):
        ensure_converted(model, tmp_path)


def test_a_converted_model_runs_without_torch(tiny: dict[str, Path], tmp_path: Path) -> None:
    for family in ("marian", "barthez"):  # as `models pull` will: the variant --dtype int8 reads
        converted_for(_model(tiny[family], tmp_path / "models_cache"), tmp_path / "models_cache", "int8")
    code = (
        "import sys\nfrom pathlib import Path\n"
        "from summarize.engines import EngineOptions, load_engine\n"
        "from summarize.generation import Overrides, effective_settings\n"
        "from summarize.models import ModelRef, resolve\n"
        f"jobs = (({str(tiny['marian'])!r}, 'translation'), ({str(tiny['barthez'])!r}, 'summary'))\n"
        "for folder, task in jobs:\n"
        "    model = resolve(ModelRef(folder), Path('models_cache'), offline=True)\n"
        "    engine = load_engine(model, EngineOptions(backend='ctranslate2', dtype='int8'))\n"
        "    settings = effective_settings(model.path, task, Overrides())\n"
        "    engine.generate(['Bonjour le monde.', 'Il pleut.'], settings, [8, 8])\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, env=env
    ).stdout
    assert out.strip() == "[]"


AVX512_FLAGS = "avx512f avx512cd avx512vl avx512dq avx512bw"


@pytest.mark.parametrize(
    ("flags", "environ", "expected"),
    [
        (f"fpu avx2 {AVX512_FLAGS} amx_int8", {}, "AVX512"),
        ("fpu avx2 avx512f avx512cd avx512vl avx512dq", {}, "default"),  # no avx512bw
        ("fpu avx2", {}, "default"),
        (f"fpu {AVX512_FLAGS}", {"CT2_FORCE_CPU_ISA": "AVX2"}, "AVX2"),  # the user's choice wins
        (None, {}, "default"),  # no /proc/cpuinfo: not Linux
    ],
)
def test_cpu_isa(tmp_path: Path, flags: str | None, environ: dict[str, str], expected: str) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(f"processor\t: 0\nmodel name\t: x\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
    assert cpu_isa(environ, cpuinfo) == expected


@pytest.mark.parametrize(
    ("machine", "flags", "expected"),
    [
        ("x86_64", f"fpu avx avx2 {AVX512_FLAGS}", ("AVX512", "AVX2", "AVX", "GENERIC")),
        ("x86_64", "fpu avx avx2 avx512f", ("AVX2", "AVX", "GENERIC")),
        ("x86_64", "fpu sse4_1", ("GENERIC",)),
        ("x86_64", None, ("AVX512", "AVX2", "AVX", "GENERIC")),  # flags unknown: CTranslate2 judges
        ("aarch64", "fp asimd", ("NEON", "GENERIC")),
        ("riscv64", None, ("GENERIC",)),
    ],
)
def test_isa_choices(tmp_path: Path, machine: str, flags: str | None, expected: tuple[str, ...]) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n", encoding="utf-8")
    assert isa_choices(machine, cpuinfo) == expected


def test_ctranslate2_kernels_run_in_the_instruction_set_named(tiny: dict[str, Path], tmp_path: Path) -> None:
    # A fresh process, as a user's: CT2_VERBOSE logs the instruction set CTranslate2 settled on.
    code = (
        "from pathlib import Path\n"
        "from summarize.engines import EngineOptions, load_engine\n"
        "from summarize.generation import Overrides, effective_settings\n"
        "from summarize.models import ModelRef, resolve\n"
        f"model = resolve(ModelRef({str(tiny['marian'])!r}), Path('models_cache'), offline=True)\n"
        "engine = load_engine(model, EngineOptions(backend='ctranslate2', dtype='int8', device='auto'))\n"
        "engine.generate(['Il pleut.'], effective_settings(model.path, 'translation', Overrides()), [8])\n"
        "print(engine.description['cpu_isa'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "CT2_FORCE_CPU_ISA"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO), "CT2_VERBOSE": "1"},
    )
    selected = [line for line in done.stderr.splitlines() if "Selected ISA" in line]
    assert len(selected) == 1
    assert done.stdout.strip() == cpu_isa(env)
    if cpu_isa(env) == "AVX512":
        assert selected[0].endswith("Selected ISA: AVX512")
    else:
        assert "AVX512" not in selected[0]  # CTranslate2's own choice


@pytest.mark.parametrize("model_type", ["marian", "bart", "mbart", "t5", "mt5", "m2m_100"])
def test_auto_picks_ctranslate2_for_supported_families_on_cpu(model_type: str) -> None:
    assert supports_ctranslate2(model_type)
    assert pick_backend("auto", model_type, "cpu") == "ctranslate2"
    assert pick_backend("auto", model_type, "cpu", "float32") == "ctranslate2"
    assert pick_backend("auto", model_type, "cuda") == "transformers"


def test_auto_falls_back_to_transformers() -> None:
    assert pick_backend("auto", "pegasus", "cpu") == "transformers"
    assert pick_backend("auto", "unknown", "cpu") == "transformers"
    assert pick_backend("transformers", "marian", "cpu") == "transformers"
    assert pick_backend("ctranslate2", "marian", "cpu") == "ctranslate2"
    import ctranslate2

    if "bfloat16" not in ctranslate2.get_supported_compute_types("cpu"):
        assert pick_backend("auto", "marian", "cpu", "bfloat16") == "transformers"


def test_auto_runs_the_checkpoint_when_the_models_dir_cannot_take_a_conversion(
    tiny: dict[str, Path], tmp_path: Path
) -> None:
    from summarize.options import RunOptions
    from summarize.runner import resolve_engine_options

    model = _model(tiny["marian"], tmp_path)
    auto = EngineOptions(backend="auto", dtype="auto", device="cpu")
    writable = resolve_engine_options(RunOptions(models_dir=tmp_path / "fresh", engine=auto), model)
    assert (writable.backend, writable.dtype) == ("ctranslate2", "int8")
    (tmp_path / "blocked").write_text("a file where the models dir should be", encoding="utf-8")
    blocked = RunOptions(models_dir=tmp_path / "blocked" / "models", engine=auto)
    assert (resolve_engine_options(blocked, model).backend, resolve_engine_options(blocked, model).dtype) == (
        "transformers",
        "int8",
    )
    # A conversion already there is used even where nothing more could be written.
    converted_for(model, tmp_path / "ro", "int8")
    (tmp_path / "ro" / "ctranslate2").chmod(0o555)
    try:
        ready = resolve_engine_options(RunOptions(models_dir=tmp_path / "ro", engine=auto), model)
    finally:
        (tmp_path / "ro" / "ctranslate2").chmod(0o755)
    assert ready.backend == "ctranslate2"
    # Asked for by name, CTranslate2 is never swapped for another backend.
    named = dataclasses.replace(blocked, engine=EngineOptions(backend="ctranslate2", dtype="int8"))
    assert resolve_engine_options(named, model).backend == "ctranslate2"


@pytest.mark.parametrize("family", ["marian", "barthez"])
def test_a_batch_split_between_workers_gives_the_same_outputs_in_order(
    tiny: dict[str, Path], tmp_path: Path, seed_text: str, family: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hf, "available_cores", lambda: 8)  # threads past the cores are lowered to them
    model = _model(tiny[family], tmp_path)
    task = TASKS[family]
    settings = effective_settings(tiny[family], task, Overrides())
    texts = [s for s in seed_text.split("\n") if s.strip()][:7] + EXTRA
    caps = [settings.new_tokens_for(task, 40 + i) for i in range(len(texts))]  # each its own cap
    outputs = {}
    for workers in (1, 2, 3):
        engine = load_engine(
            model,
            EngineOptions(
                backend="ctranslate2", dtype="int8", threads=3, workers=workers, models_dir=tmp_path
            ),
        )
        assert engine.workers == engine.translator.num_translators == workers
        outputs[workers] = engine.generate(texts, settings, caps)
    assert outputs[2] == outputs[1] == outputs[3]
    assert len(outputs[1]) == len(texts)


def test_auto_workers_one_per_thread_up_to_four(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hf, "available_cores", lambda: 8)  # threads past the cores are lowered to them
    model = _model(tiny["marian"], tmp_path)
    for threads, expected in ((1, 1), (2, 2), (8, 4)):
        options = EngineOptions(backend="ctranslate2", dtype="int8", threads=threads, models_dir=tmp_path)
        assert load_engine(model, options).translator.num_translators == expected
