"""Generation settings: legacy config.json fields carried over, task prefixes, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarize.engines import EngineOptions, load_engine
from summarize.generation import Overrides, effective_settings
from summarize.models import ModelRef, resolve

REPO = Path(__file__).resolve().parent.parent


def test_legacy_config_settings_are_carried_over(tiny: dict[str, Path]) -> None:
    # The Marian fixture keeps num_beams/max_length/bad_words_ids in config.json only,
    # which transformers 5 ignores on its own.
    assert not (tiny["marian"] / "generation_config.json").exists()
    settings = effective_settings(tiny["marian"], "translation", Overrides())
    assert settings.params["num_beams"] == 2
    assert settings.params["max_length"] == 512
    assert settings.params["bad_words_ids"] == [[2]]


def test_overrides_win(tiny: dict[str, Path]) -> None:
    settings = effective_settings(tiny["marian"], "translation", Overrides(num_beams=5, max_new_tokens=7))
    assert settings.params["num_beams"] == 5
    assert settings.new_tokens_for("translation", 100) == 7


def test_t5_prefix_and_task_params(tiny: dict[str, Path]) -> None:
    settings = effective_settings(tiny["t5"], "summary", Overrides())
    assert settings.prefix == "summarize: "
    assert settings.params["no_repeat_ngram_size"] == 3
    assert settings.params["num_beams"] == 2  # task params beat generation_config's 1
    assert effective_settings(tiny["t5"], "translation", Overrides()).prefix == ""


def test_caps_leave_room_for_the_whole_output(tiny: dict[str, Path]) -> None:
    translation = effective_settings(tiny["marian"], "translation", Overrides())
    assert translation.new_tokens_for("translation", 100) >= 150
    summary = effective_settings(tiny["barthez"], "summary", Overrides())
    assert summary.new_tokens_for("summary", 12) == 16  # a short input: little room
    assert summary.new_tokens_for("summary", 8) == 16  # ...but more than its length
    assert summary.new_tokens_for("summary", 400) == 32  # the model's own max_length


@pytest.mark.parametrize(("asked", "cap"), [(8, 8), (64, 64), (5000, 512)])
def test_a_user_cap_replaces_the_models_own_both_ways(tiny: dict[str, Path], asked: int, cap: int) -> None:
    # Lower or higher than max_length (32 here): only the decoder's 512 positions bound it.
    summary = effective_settings(tiny["barthez"], "summary", Overrides(max_new_tokens=asked))
    assert summary.params["max_length"] == 32
    assert summary.new_tokens_for("summary", 400) == summary.new_tokens_for("summary", 12) == cap


def test_engine_applies_the_carried_settings(tiny: dict[str, Path], tmp_path: Path) -> None:
    """The engine's output equals a hand-written generate() with the legacy settings given."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    model = resolve(ModelRef(str(tiny["marian"])), tmp_path, offline=True)
    settings = effective_settings(model.path, "translation", Overrides())
    engine = load_engine(model, EngineOptions(backend="transformers", dtype="float32"))
    texts = ["La Chine va étendre sa coopération.", "M. Ji a parlé."]
    ours = engine.generate(texts, settings, [12, 12])
    tok = AutoTokenizer.from_pretrained(tiny["marian"])
    net = AutoModelForSeq2SeqLM.from_pretrained(tiny["marian"]).eval()
    with torch.inference_mode():
        out = net.generate(
            **tok(texts, return_tensors="pt", padding=True),
            num_beams=2,
            bad_words_ids=[[2]],
            max_new_tokens=12,
        )
    expected = [t.strip() for t in tok.batch_decode(out, skip_special_tokens=True)]
    assert [o.text for o in ours] == expected
    greedy = net.generate(**tok(texts, return_tensors="pt", padding=True), num_beams=1, max_new_tokens=12)
    # The beam setting matters on this model, so the test would catch it being dropped.
    assert expected != [t.strip() for t in tok.batch_decode(greedy, skip_special_tokens=True)]


def test_caps_are_powers_of_two_never_below_the_need() -> None:
    from summarize.generation import power_of_two

    assert [power_of_two(n) for n in (1, 2, 3, 8, 9, 16, 17, 567)] == [1, 2, 4, 8, 16, 16, 32, 1024]
    for n in range(1, 3000):
        assert n <= power_of_two(n) < 2 * n


@pytest.mark.parametrize("backend", ["transformers", "ctranslate2"])
def test_a_beam_search_output_does_not_depend_on_its_batch(
    tiny: dict[str, Path], tmp_path: Path, backend: str
) -> None:
    """Beams that reach their cap: alone, or batched with a longer text, the same output.

    Both engines decode a batch up to its longest cap; with beams the hypotheses kept at a short
    cap differ from those kept at a longer one, so a beam batch must hold one cap only.
    """
    from summarize.options import RunOptions
    from summarize.runner import RunStats, TaskRunner

    options = RunOptions(
        models_dir=tmp_path / "models", engine=EngineOptions(backend=backend, dtype="float32", threads=1)
    )
    runner = TaskRunner(
        "translation", ModelRef(str(tiny["barthez"])), Overrides(num_beams=2), options, None, RunStats()
    )
    short = "L'opposition a voté contre."  # decoded to the long text's cap, its beams differ
    long = (REPO / "tests" / "data" / "text" / "fr_prose.txt").read_text(encoding="utf-8")[:800]
    alone, _ = runner.run([short])
    together, _ = runner.run([long, short])
    assert len(list(runner._batches([long, short]))) == 1  # one batch: the engine splits it
    assert together[1] == alone[0]
    caps = [runner.cap(long), runner.cap(short)]
    assert caps[0] > caps[1]
    engine = runner.engine
    assert engine.generate([long, short], runner.settings, caps)[1] == alone[0]
