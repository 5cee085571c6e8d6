"""Cold run vs warm (all-hit) run through the real CLI, and whether the warm run imports torch.

Inputs: the seed articles, and a generated set of 200 articles (paragraphs of the repo's French
prose, shuffled with a fixed seed).  Models: the tiny random models of tests/tiny_models.py, or
real ones with --summary-model/--translation-model.  Each run is a fresh process.

    python benchmarks/cache_runs.py [--articles 200] [--backend auto|transformers|ctranslate2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

RUNNER = (
    "import sys\nfrom summarize.cli import main\nsys.argv = ['summarize'] + sys.argv[1:]\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
    "print(json.dumps({'torch': 'torch' in sys.modules, 'transformers': 'transformers' in sys.modules,"
    " 'code': code}), file=sys.stderr)\n"
)


def make_articles(folder: Path, count: int) -> None:
    paragraphs = [
        p.strip() for p in (REPO / "tests/data/text/fr_prose.txt").read_text().split("\n\n") if p.strip()
    ]
    rng = random.Random(0)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        body = "\n\n".join(rng.sample(paragraphs, rng.randint(2, 6)))
        (folder / f"article-{i:03d}.txt").write_text(body, encoding="utf-8")


def run(inputs: Path, args: list[str]) -> tuple[float, float, dict, list[dict]]:
    """Wall and CPU seconds of one run in a fresh process, its import status and its records."""
    # Bytecode is written and used as it is for an installed package (some shells disable it).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", "import json\n" + RUNNER, "run", str(inputs), "--format", "jsonl", *args],
        capture_output=True,
        text=True,
        env={**env, "PYTHONWARNINGS": "ignore"},
    )
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    status = json.loads(proc.stderr.strip().splitlines()[-1])
    return took, cpu, status, [json.loads(line) for line in proc.stdout.splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--summary-model")
    parser.add_argument("--translation-model")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        import tiny_models

        summary = args.summary_model or str(tiny_models.build_barthez(root / "barthez"))
        translation = args.translation_model or str(tiny_models.build_marian(root / "marian"))
        make_articles(root / "generated", args.articles)
        print(
            f"{'input set':<22}{'articles':>9}{'cold s':>9}{'warm s':>9}{'warm cpu s':>11}{'ratio':>9}"
            "  warm run imported"
        )
        for name, inputs in (("seeds", REPO / "seeds"), (f"generated ({args.articles})", root / "generated")):
            common = [
                "--summary-model",
                summary,
                "--translation-model",
                translation,
                "--backend",
                args.backend,
                "--cache-dir",
                str(root / f"cache-{name[:4]}"),
                "--models-dir",
                str(root / "models"),
            ]
            cold, _, _, records = run(inputs, common)
            warm, cpu, status, again = run(inputs, common)
            assert [r["translation_en"] for r in again] == [r["translation_en"] for r in records]
            assert all(r["cached"] == {"translation": True, "summary": True} for r in again)
            imported = [m for m in ("torch", "transformers") if status[m]] or [
                "neither torch nor transformers"
            ]
            ratio = f"{cold / warm:>8.1f}x"
            imports = ", ".join(imported)
            print(f"{name:<22}{len(records):>9}{cold:>9.2f}{warm:>9.2f}{cpu:>11.2f}{ratio}  {imports}")


if __name__ == "__main__":
    main()
