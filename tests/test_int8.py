"""The transformers backend's int8 layers: each row quantised on its own, so batches never mix."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
COPY = HERE / "fixtures" / "copy_model"
HELDOUT = HERE / "data" / "text" / "fr_heldout.txt"


@pytest.fixture(scope="module")
def layer():  # type: ignore[no-untyped-def]
    import torch

    from summarize.engines.int8 import RowInt8Linear

    torch.manual_seed(0)
    linear = torch.nn.Linear(64, 48)
    return linear, RowInt8Linear(linear)


def test_a_row_comes_out_the_same_alone_or_beside_a_loud_one(layer) -> None:  # type: ignore[no-untyped-def]
    import torch

    _, quantised = layer
    quiet = torch.randn(3, 64) * 0.01
    loud = torch.randn(1, 64) * 1000  # one scale for the whole batch would flatten the quiet rows
    together = quantised(torch.cat([quiet, loud]))
    assert torch.equal(together[:3], quantised(quiet))
    assert torch.equal(together[3:], quantised(loud))


def test_int8_stays_close_to_float32(layer) -> None:  # type: ignore[no-untyped-def]
    import torch

    linear, quantised = layer
    assert quantised.weight.dtype == torch.int8
    x = torch.randn(2, 5, 64)  # (batch, tokens, features) as the model calls it
    exact, approx = linear(x), quantised(x)
    assert approx.shape == exact.shape
    assert ((approx - exact).norm() / exact.norm()).item() < 0.02


def test_every_linear_layer_is_replaced() -> None:
    import torch

    from summarize.engines.int8 import RowInt8Linear, quantise_linears

    net = torch.nn.Sequential(
        torch.nn.Linear(8, 8), torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(8, 2))
    )
    assert quantise_linears(net) == 2
    assert all(not isinstance(m, torch.nn.Linear) for m in net.modules())
    assert sum(isinstance(m, RowInt8Linear) for m in net.modules()) == 2


def test_the_copy_model_in_int8_copies_alone_and_in_any_batch(tmp_path: Path) -> None:
    from summarize.engines import EngineOptions, load_engine
    from summarize.generation import Overrides, effective_settings
    from summarize.models import ModelRef, resolve
    from summarize.tokens import LightTokenizer

    sentences = [s.strip() for s in HELDOUT.read_text(encoding="utf-8").splitlines() if s.strip()]
    chunks = [" ".join(sentences[i : i + 3]) for i in range(0, 36, 3)]
    model = resolve(ModelRef(str(COPY)), tmp_path, offline=True)
    settings = effective_settings(model.path, "translation", Overrides(num_beams=1))
    count = LightTokenizer(model.path).count
    engine = load_engine(model, EngineOptions(backend="transformers", dtype="int8", threads=2))
    assert engine.description["dtype"] == "int8"

    def caps(texts: list[str]) -> list[int]:
        return [count(t) + 10 for t in texts]

    batched = engine.generate(chunks, settings, caps(chunks))
    copied = sum(" ".join(o.text.split()) == " ".join(c.split()) for o, c in zip(batched, chunks))
    assert copied >= len(chunks) - 1  # the copy model slips on about one sentence in 200
    for index in (0, 5, 11):
        alone = engine.generate([chunks[index]], settings, caps([chunks[index]]))
        assert alone[0] == batched[index]
    reordered = engine.generate(chunks[::-1], settings, caps(chunks[::-1]))
    assert reordered[::-1] == batched


@pytest.mark.parametrize("family", ["marian", "t5", "barthez"])
def test_every_family_runs_in_int8_the_same_in_any_batch(
    tiny: dict[str, Path], tmp_path: Path, family: str
) -> None:
    from summarize.engines import EngineOptions, load_engine
    from summarize.generation import Overrides, effective_settings
    from summarize.models import ModelRef, resolve

    texts = [s.strip() for s in HELDOUT.read_text(encoding="utf-8").splitlines() if s.strip()][:6]
    model = resolve(ModelRef(str(tiny[family])), tmp_path, offline=True)
    settings = effective_settings(model.path, "translation", Overrides(num_beams=1))
    engine = load_engine(model, EngineOptions(backend="transformers", dtype="int8", threads=1))
    batched = engine.generate(texts, settings, [12] * len(texts))
    assert [engine.generate([t], settings, [12])[0] for t in texts[:2]] == batched[:2]
