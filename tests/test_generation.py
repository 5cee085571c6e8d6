"""Generation settings: legacy config.json fields carried over, task prefixes, overrides."""

from __future__ import annotations

from pathlib import Path

from summarize.engines import EngineOptions, load_engine
from summarize.generation import Overrides, effective_settings
from summarize.models import ModelRef, resolve


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
    assert summary.new_tokens_for("summary", 30) <= 30  # never longer than its input
    assert summary.new_tokens_for("summary", 400) == 32  # the model's own max_length


def test_engine_applies_the_carried_settings(tiny: dict[str, Path], tmp_path: Path) -> None:
    """The engine's output equals a hand-written generate() with the legacy settings given."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    model = resolve(ModelRef(str(tiny["marian"])), tmp_path, offline=True)
    settings = effective_settings(model.path, "translation", Overrides())
    engine = load_engine(model, EngineOptions(dtype="float32"))
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
