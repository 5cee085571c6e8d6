"""Where the product's CTranslate2 engine spends its time on this CPU, and whether MKL's own
dispatch could be tuned for it.

Run from the repository root::

    .venv/bin/python benchmarks/ct2_dispatch.py      # about 5 minutes once speed.py's models exist

Both parts run speed.py's ``micro`` job (the product's engine, CTranslate2 int8 with its default
worker layout, on speed.py's translation model in opus-mt-fr-en's shape, 64 -> 64 tokens forced)
in fresh processes:

1. **Where the time goes.**  One run at ``--profile-batch`` with ``MKL_VERBOSE=1``: every MKL
   call and its time, summed by kind, as a share of all MKL time.  CTranslate2 packs each linear
   weight for MKL once at load time (``GEMM_S8U8S32_COMPUTE``), but not the output projection
   (N = the vocabulary), which runs unpacked (``GEMM_S8U8S32``) at every step.
2. **MKL's dispatch against MKL without AMX** (``MKL_ENABLE_INSTRUCTIONS=AVX512_E1``: AVX-512
   with VNNI), side by side for each batch size and beam, in alternating rounds; the better
   round of each is kept.  MKL reads the setting once per process, so the product could only
   choose one for a whole run: the ratios say whether either wins at every batch size.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import speed  # noqa: E402

TOKENS = 64
NO_AMX = {"MKL_ENABLE_INSTRUCTIONS": "AVX512_E1"}
# (batch, beams): one input (the product gives it one worker), two (one each), then larger batches.
CASES = [(1, 1), (1, 4), (2, 1), (8, 4), (32, 1), (128, 1)]
_CALL = re.compile(r"MKL_VERBOSE (\w+)\(([^)]*)\) ([\d.]+)(ns|us|ms|s) ")
_UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def micro(base: dict[str, Any], batch: int, beams: int, env: dict[str, str]) -> tuple[float, str]:
    """Tokens per second of the product's engine (best of its passes), and the child's stdout."""
    job = {
        **base,
        "job": "micro",
        "backend": "ctranslate2",
        "dtype": "int8",
        "batch": batch,
        "beams": beams,
        "batches": max(1, 8 // batch),
        "passes": 2,
        "in_tokens": TOKENS,
        "out_tokens": TOKENS,
        "workers": None,
    }
    result = speed.run_child(job, env=env)
    return max(result["passes"]), result["output"]


def mkl_time(stdout: str) -> dict[str, float]:
    """Seconds of MKL time by kind of call, from ``MKL_VERBOSE`` lines."""
    kinds: dict[str, float] = defaultdict(float)
    for match in _CALL.finditer(stdout):
        name, args, value, unit = match.groups()
        seconds = float(value) * _UNIT[unit]
        if name == "GEMM_S8U8S32":
            # The one product CTranslate2 leaves unpacked: M is the vocabulary.
            rows = args.split(",")[3]
            kinds[f"output projection ({rows} rows), unpacked int8 (GEMM_S8U8S32)"] += seconds
        elif name == "GEMM_S8U8S32_COMPUTE":
            kinds["other linear layers, packed int8 (GEMM_S8U8S32_COMPUTE)"] += seconds
        elif name.startswith("SGEMM_BATCH"):
            kinds["attention, float32 (SGEMM_BATCH_STRIDED)"] += seconds
        else:
            kinds[f"other ({name})"] += seconds
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/summarize-speed"), help="models (speed.py's)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: the cores this process may use)")
    parser.add_argument(
        "--profile-batch", type=int, default=128, help="batch of the time profile (default 128)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per case (default 2)")
    args = parser.parse_args()

    from summarize.engines.hf import usable_threads

    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    translation = Path(speed.prepare_default(work)["translation"])
    base = {
        "translation": str(translation),
        "models_dir": str(work / "models_cache"),
        "threads": usable_threads(args.threads),
        "work": str(work),
    }

    _, stdout = micro(base, args.profile_batch, 1, {"MKL_VERBOSE": "1"})
    header = next((x for x in stdout.splitlines() if "oneMKL" in x or "Intel(R) MKL" in x), "")
    print(f"# {base['threads']} threads; {header.removeprefix('MKL_VERBOSE ').strip()}")
    kinds = mkl_time(stdout)
    total = sum(kinds.values())
    print(
        f"\n## Where MKL's time goes, batch {args.profile_batch}, greedy ({total:.1f} s of MKL time in all)\n"
    )
    print("| calls | share of MKL time |")
    print("|---|---|")
    for kind, seconds in sorted(kinds.items(), key=lambda item: -item[1]):
        print(f"| {kind} | {100 * seconds / total:.0f} % |", flush=True)

    print("\n## MKL's dispatch against MKL without AMX, tokens/s\n")
    print("| batch | beams | MKL's dispatch | VNNI only (MKL_ENABLE_INSTRUCTIONS=AVX512_E1) | ratio |")
    print("|---|---|---|---|---|")
    for batch, beams in CASES:
        runs: dict[str, list[float]] = {"default": [], "vnni": []}
        for _ in range(args.rounds):
            runs["default"].append(micro(base, batch, beams, {})[0])
            runs["vnni"].append(micro(base, batch, beams, NO_AMX)[0])
        default, vnni = max(runs["default"]), max(runs["vnni"])
        print(f"| {batch} | {beams} | {default:,.0f} | {vnni:,.0f} | {vnni / default:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
