"""Benchmark of the output cache (summarize.cache): the cost of a cached run.

Simulates ``--articles`` articles of ``--chunks`` chunks each, with key payloads shaped like
the pipeline's (task, model id and revision, tokenizer hash, generation and chunker settings,
chunk text), then measures:

* ``make_key`` for every chunk;
* writes, one ``put_many`` transaction per article (as the pipeline commits);
* reads, one ``get_many`` per article, all hits, in the writing process;
* open + fetch all + close (the all-hit path) with a new ``Cache`` object;
* the same all-hit path in a fresh ``python -c`` process, which also reports whether any heavy
  module (torch, transformers, numpy) was imported.

Run: ``python benchmarks/cache_bench.py [--articles 200] [--chunks 10] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from summarize.cache import Cache, make_key  # noqa: E402

SENTENCE = (
    "le gouvernement a annoncé mardi une réforme des retraites qui suscite des débats au parlement "
    "selon les syndicats la mobilisation devrait se poursuivre dans plusieurs villes du pays"
)

CHILD = r"""
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from summarize.cache import Cache, make_key
imported = time.perf_counter()
articles = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
loaded = time.perf_counter()
hits = 0
with Cache.open(Path(sys.argv[1])) as cache:
    for payloads in articles:
        keys = [make_key(p)[0] for p in payloads]
        hits += len(cache.get_many(keys))
    cache.record_run(cache.hits, cache.misses)
done = time.perf_counter()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "transformers", "numpy"})
print(json.dumps({"import_s": imported - started, "fetch_s": done - loaded, "hits": hits,
                  "heavy": heavy, "warnings": cache.warnings}))
"""


def make_payloads(articles: int, chunks: int, seed: int = 7) -> list[list[dict[str, object]]]:
    """Key payloads shaped like the pipeline's, one list per article."""
    rnd = random.Random(seed)
    words = SENTENCE.split(" ")
    result = []
    for article in range(articles):
        payloads = []
        for chunk in range(chunks):
            text = " ".join(rnd.choice(words) for _ in range(rnd.randint(150, 300)))
            payloads.append(
                {
                    "v": 1,
                    "task": "summarize",
                    "model": {
                        "id": "org/mt5-small-fr-summary",
                        "revision": "0123456789abcdef" * 2 + "01234567",
                    },
                    "tokenizer": "9f" * 32,
                    "generation": {"num_beams": 4, "max_new_tokens": 128, "no_repeat_ngram_size": 3},
                    "chunker": {"max_tokens": 512, "overlap": 32, "article": article},
                    "chunk": f"{chunk}: {text}",
                }
            )
        result.append(payloads)
    return result


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench(articles: int, chunks: int, workdir: Path) -> dict[str, float]:
    payloads = make_payloads(articles, chunks)
    path = workdir / "outputs.sqlite"
    keyed: list[list[tuple[str, str, str]]] = []
    rnd = random.Random(1)

    def build_keys() -> None:
        for article in payloads:
            keyed.append([(*make_key(p), "Résumé : " + "x" * rnd.randint(200, 600)) for p in article])

    results = {"make_key_s": timed(build_keys)}
    with Cache.open(path) as cache:
        results["put_s"] = timed(lambda: [cache.put_many(items) for items in keyed])
        results["get_s"] = timed(lambda: [cache.get_many([k for k, _, _ in items]) for items in keyed])
        assert cache.hits == articles * chunks, cache.hits

    def open_fetch_close() -> None:
        with Cache.open(path) as again:
            for items in keyed:
                again.get_many([k for k, _, _ in items])
            assert again.hits == articles * chunks and again.warnings == []

    results["open_fetch_close_s"] = timed(open_fetch_close)
    results["size_mib"] = Cache.open(path, readonly=True).stats().size_bytes / 2**20

    payload_file = workdir / "payloads.json"
    payload_file.write_text(json.dumps(payloads, ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(payload_file)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    results["fresh_process_wall_s"] = time.perf_counter() - start
    report = json.loads(child.stdout)
    assert report["hits"] == articles * chunks and report["warnings"] == [], report
    if report["heavy"]:
        raise SystemExit(f"the all-hit path imported heavy modules: {report['heavy']}")
    results["fresh_import_s"] = report["import_s"]
    results["fresh_fetch_s"] = report["fetch_s"]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--chunks", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is shown")
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(bench(args.articles, args.chunks, Path(tmp)))
    n = args.articles * args.chunks
    print(f"{args.articles} articles x {args.chunks} chunks = {n} entries; median of {args.repeat} runs")
    print(f"python {sys.version.split()[0]}, sqlite {__import__('sqlite3').sqlite_version}")
    for name in runs[0]:
        value = statistics.median(run[name] for run in runs)
        if name.endswith("_s"):
            rate = f"  ({n / value:,.0f} chunks/s)" if name in ("make_key_s", "put_s", "get_s") else ""
            print(f"  {name[:-2]:<22} {value * 1000:9.1f} ms{rate}")
        else:
            print(f"  {name:<22} {value:9.2f}")
    print("  fresh process imported no torch/transformers/numpy")


if __name__ == "__main__":
    main()
