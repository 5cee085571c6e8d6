"""Two runs at once on the same cores: the hand-written transformers loop against summarize.

Run from the repository root::

    .venv/bin/python benchmarks/contention.py              # about 10 minutes on 2 cores
    .venv/bin/python benchmarks/contention.py --articles 2 # shorter

A user's machine is rarely idle: a second batch, a build, a browser.  PyTorch's OpenMP threads
spin 300,000 times while they wait for work before they sleep (GNU OpenMP's default), so two
processes that each use every core take turns spinning on the cores the other needs.  summarize
imports torch with ``GOMP_SPINCOUNT=10000`` unless the user set it or ``OMP_WAIT_POLICY``; the
rows with ``OMP_WAIT_POLICY`` show the two ends (sleep at once, spin for ever).

Each configuration runs on the same small corpus (generated French articles, both tasks, the
random models of the default shapes from ``speed.py``, built once in ``--work``), first alone,
then twice at once.  Printed: the time alone, the time for both when two run at once, and the
slowdown (2.0x is the cores shared fairly: each run gets half).  Each process's time includes
its imports and model loading.  The loop rows are ``speed.py``'s hand-written baseline, as a
user writes it, and the same loop with summarize's setting or a wait policy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import speed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/summarize-speed"), help="models and corpus")
    parser.add_argument("--articles", type=int, default=4, help="generated articles (default 4)")
    parser.add_argument(
        "--threads", type=int, help="CPU threads per run (default: the cores this process may use)"
    )
    args = parser.parse_args()

    from summarize.engines.hf import SPIN_COUNT, usable_threads

    threads = usable_threads(args.threads)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    models_dir = work / "models_cache"
    prepared = speed.prepare_default(work)
    corpus = speed.make_corpus(args.articles, seeds=False, long=False)
    corpus_file = work / f"corpus-contention-{args.articles}.json"
    corpus_file.write_text(json.dumps(corpus, ensure_ascii=False), encoding="utf-8")
    base = {
        "translation": prepared["translation"],
        "summary": prepared["summary"],
        "models_dir": str(models_dir),
        "threads": threads,
        "corpus": str(corpus_file),
        "work": str(work),
    }
    print(
        f"# two runs at once: {threads} threads each, {len(corpus)} articles, "
        f"load average before {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    # The parent's own settings must not reach the children: each row says what it runs with.
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
        os.environ.pop(name, None)
    configs: list[tuple[str, dict[str, Any]]] = [
        ("hand-written loop, transformers float32 (OpenMP's default)", {"job": "loop"}),
        (
            f"hand-written loop, GOMP_SPINCOUNT={SPIN_COUNT}",
            {"job": "loop", "environ": {"GOMP_SPINCOUNT": SPIN_COUNT}},
        ),
        (
            "hand-written loop, OMP_WAIT_POLICY=PASSIVE",
            {"job": "loop", "environ": {"OMP_WAIT_POLICY": "PASSIVE"}},
        ),
        (
            f"summarize --backend transformers --dtype float32 (GOMP_SPINCOUNT={SPIN_COUNT})",
            {"job": "ours", "backend": "transformers", "dtype": "float32"},
        ),
        (
            "summarize --backend transformers --dtype float32, OMP_WAIT_POLICY=ACTIVE",
            {
                "job": "ours",
                "backend": "transformers",
                "dtype": "float32",
                "environ": {"OMP_WAIT_POLICY": "ACTIVE"},
            },
        ),
        (
            "summarize default (--backend auto --dtype auto)",
            {"job": "ours", "backend": "auto", "dtype": "auto"},
        ),
    ]
    rows = []
    for name, job in configs:
        alone = speed.run_child({**base, **job})["seconds"]
        with ThreadPoolExecutor(2) as pool:
            both = max(r["seconds"] for r in pool.map(speed.run_child, [{**base, **job}] * 2))
        rows.append((name, alone, both))
        print(f"  {name}: alone {alone:.1f} s, two at once {both:.1f} s, {both / alone:.1f}x", flush=True)
    print("\n| configuration | alone s | two at once s | slowdown | two at once vs the loop's |")
    print("|---|---|---|---|---|")
    loop_both = rows[0][2]
    for name, alone, both in rows:
        print(f"| {name} | {alone:.1f} | {both:.1f} | {both / alone:.1f}x | {loop_both / both:.1f}x |")
    print(f"\nload average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
