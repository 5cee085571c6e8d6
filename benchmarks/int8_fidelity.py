"""Does int8 keep the output?  Exact-copy rates of the copy model, and fp32/int8 agreement.

Runs the product's own engines (``summarize.engines.load_engine``) on the committed copy model
(tests/fixtures/copy_model) for every backend and dtype, and on the tiny random models of
tests/tiny_models.py, and prints one table.  Usage: python benchmarks/int8_fidelity.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from summarize.engines import EngineOptions, load_engine  # noqa: E402
from summarize.generation import Overrides, effective_settings  # noqa: E402
from summarize.models import ModelRef, resolve  # noqa: E402
from summarize.tokens import LightTokenizer  # noqa: E402

CONFIGS = [
    ("transformers", "float32"),
    ("transformers", "int8"),
    ("ctranslate2", "float32"),
    ("ctranslate2", "int8"),
]


def _norm(text: str) -> str:
    return " ".join(text.split())


def _chunks(sentences: list[str], count, budget: int) -> list[str]:
    out, cur = [], []
    for s in sentences:
        if cur and count(" ".join([*cur, s])) > budget:
            out.append(" ".join(cur))
            cur = []
        cur.append(s)
    if cur:
        out.append(" ".join(cur))
    return out


def _run(
    folder: Path, models_dir: Path, backend: str, dtype: str, texts: list[str]
) -> tuple[list[str], float]:
    model = resolve(ModelRef(str(folder)), models_dir, offline=True)
    settings = effective_settings(model.path, "translation", Overrides(num_beams=1))
    engine = load_engine(model, EngineOptions(backend=backend, dtype=dtype, models_dir=models_dir))
    count = LightTokenizer(model.path).count
    start = time.perf_counter()
    outputs: list[str] = []
    for i in range(0, len(texts), 16):
        batch = texts[i : i + 16]
        outputs += [g.text for g in engine.generate(batch, settings, [count(t) + 10 for t in batch])]
    return outputs, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="60 sentences only")
    args = parser.parse_args()
    heldout = REPO / "tests" / "data" / "text" / "fr_heldout.txt"
    sentences = [s.strip() for s in heldout.read_text(encoding="utf-8").splitlines() if s.strip()]
    if args.quick:
        sentences = sentences[:60]
    copy = REPO / "tests" / "fixtures" / "copy_model"
    count = LightTokenizer(copy).count
    sets = {
        "sentences": sentences,
        "chunks<=64": _chunks(sentences, count, 64),
        "chunks<=128": _chunks(sentences, count, 128),
    }
    with tempfile.TemporaryDirectory() as tmp:
        models_dir = Path(tmp)
        print("copy model: share of inputs copied exactly (whitespace normalised)")
        print(f"{'backend':<13}{'dtype':<9}" + "".join(f"{name:>14}" for name in sets) + f"{'seconds':>9}")
        reference: dict[str, list[str]] = {}
        for backend, dtype in CONFIGS:
            row, seconds = [], 0.0
            for name, texts in sets.items():
                outs, took = _run(copy, models_dir, backend, dtype, texts)
                seconds += took
                exact = sum(_norm(o) == _norm(t) for o, t in zip(outs, texts))
                row.append(f"{exact}/{len(texts)}")
                if (backend, dtype) == ("transformers", "float32"):
                    reference[name] = outs
            print(f"{backend:<13}{dtype:<9}" + "".join(f"{c:>14}" for c in row) + f"{seconds:>9.1f}")
        import tiny_models

        print("\nrandom tiny models: outputs equal to transformers float32 (greedy, 12 new tokens)")
        probes = sentences[:40]
        for family in ("marian", "barthez", "t5"):
            folder = tiny_models.BUILDERS[family](models_dir / f"tiny-{family}")
            base, _ = _run(folder, models_dir, "transformers", "float32", probes)
            cells = []
            for backend, dtype in CONFIGS[1:]:
                outs, _ = _run(folder, models_dir, backend, dtype, probes)
                cells.append(f"{backend} {dtype}: {sum(a == b for a, b in zip(outs, base))}/{len(probes)}")
            print(f"{family:<8} " + "; ".join(cells))


if __name__ == "__main__":
    main()
