"""How close can any decoder come to this machine's peak at the issue's large-batch shapes?

Run from the repository root::

    .venv/bin/python benchmarks/ceiling.py                # batches 32 and 128 (about 4 minutes)
    .venv/bin/python benchmarks/ceiling.py --batch 128

The issue asks for large-batch int8 translation at 40 % of the machine's compute bound.  On a CPU
with AMX the bound (the best large GEMM, as ``speed.py`` measures it) is several times a Zen 4's,
and this script asks what is possible at all, side by side in one run, for the translation model
of ``speed.py`` (opus-mt-fr-en's shape, built once in ``--work``), batch B, 64 -> 64 tokens,
greedy:

* ``GEMM-only ceiling``: every matrix product of one decoding pass at its real shape (decoder
  steps with M = B rows, the encoder with M = B x 64), each timed alone through torch with the
  same threads, in int8 (``_int_mm``) and bfloat16 (``linear``, AMX where the CPU has it), the
  faster of the two per shape.  The output tokens per second of a decoder that did nothing but
  those products, back to back: no attention, softmax, layer norm, quantisation, search or
  Python.  No decoder can beat it.
* ``lean torch decoder``: a decoder written for speed in eager PyTorch (bfloat16 weights, a
  key/value cache allocated once, attention as two batched products, the next token by ``max``),
  random weights of the same shape.  What writing our own decoder would give; only its speed is
  measured, not its output.
* ``summarize``: the product's engine, CTranslate2 int8 with its default layout, on the same
  model and inputs (``speed.py``'s ``micro`` job).

Each row prints its tokens per second and its share of the peak: arithmetic per output token
(``speed.flops_per_output_token``) times tokens per second, over the best 2048^3 int8 GEMM.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import speed  # noqa: E402

IN_TOKENS = OUT_TOKENS = 64


def _timed(fn: Any, *args: Any, repeat: int = 20) -> float:
    """Best mean seconds per call over three rounds (after a warm-up call)."""
    fn(*args)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            fn(*args)
        best = min(best, (time.perf_counter() - started) / repeat)
    return best


def gemm_shapes(p: dict[str, int], batch: int) -> list[tuple[str, int, int, int, int]]:
    """(what, M, K, N, calls) for one pass of ``batch`` 64 -> 64 pairs.

    Decoder products (M = batch) run ``calls`` times per step, OUT_TOKENS steps; the encoder's
    and the cross-attention keys/values (M = batch x IN_TOKENS) run ``calls`` times per pass.
    """
    d, ffn, enc, dec, vocab = p["d"], p["ffn"], p["enc"], p["dec"], p["vocab"]
    rows = batch * IN_TOKENS
    return [
        ("decoder q/k/v/out, cross q/out", batch, d, d, 6 * dec),
        ("decoder FFN in", batch, d, ffn, dec),
        ("decoder FFN out", batch, ffn, d, dec),
        ("output projection", batch, d, vocab, 1),
        ("encoder q/k/v/out, cross k/v", rows, d, d, 4 * enc + 2 * dec),
        ("encoder FFN in", rows, d, ffn, enc),
        ("encoder FFN out", rows, ffn, d, enc),
    ]


def job_ceiling(job: dict[str, Any]) -> dict[str, Any]:
    """Per-shape GEMM throughput, int8 and bfloat16, and the tokens per second of products alone."""
    import torch

    torch.set_num_threads(job["threads"])
    p = speed.parameters(Path(job["translation"]))
    shapes, seconds = [], 0.0
    for what, m, k, n, calls in gemm_shapes(p, job["batch"]):
        x8 = torch.randint(-100, 100, (m, k), dtype=torch.int8)
        w8 = torch.randint(-100, 100, (k, n), dtype=torch.int8)
        xb, wb = torch.randn(m, k).bfloat16(), torch.randn(n, k).bfloat16()
        repeat = max(2, min(20, int(2e9 / (2 * m * k * n))))
        int8 = _timed(torch._int_mm, x8, w8, repeat=repeat)
        bf16 = _timed(torch.nn.functional.linear, xb, wb, repeat=repeat)
        steps = OUT_TOKENS if m == job["batch"] else 1
        seconds += steps * calls * min(int8, bf16)  # of one whole pass
        ops = 2.0 * m * k * n
        shapes.append({"what": what, "m": m, "k": k, "n": n, "int8": ops / int8, "bfloat16": ops / bf16})
    return {"shapes": shapes, "tok_s": job["batch"] * OUT_TOKENS / seconds}


def job_lean(job: dict[str, Any]) -> dict[str, Any]:
    """A greedy decoder written for speed in eager PyTorch, bfloat16, the model's shape."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(job["threads"])
    torch.manual_seed(0)
    p = speed.parameters(Path(job["translation"]))
    d, ffn, vocab, heads = p["d"], p["ffn"], p["vocab"], 8
    dh, dt = d // heads, torch.bfloat16

    def weight(out: int, inp: int) -> Any:
        return (torch.randn(out, inp) * 0.02).to(dt)

    def layer(names: dict[str, tuple[int, int]]) -> dict[str, Any]:
        return {name: (weight(*shape), torch.zeros(shape[0], dtype=dt)) for name, shape in names.items()}

    enc = [layer({"qkv": (3 * d, d), "o": (d, d), "f1": (ffn, d), "f2": (d, ffn)}) for _ in range(p["enc"])]
    dec = [
        layer(
            {
                "qkv": (3 * d, d),
                "o": (d, d),
                "q": (d, d),
                "kv": (2 * d, d),
                "co": (d, d),
                "f1": (ffn, d),
                "f2": (d, ffn),
            }
        )
        for _ in range(p["dec"])
    ]
    embed = weight(vocab, d)
    scale = dh**-0.5

    def lin(x: Any, wb: tuple[Any, Any]) -> Any:
        return F.linear(x, *wb)

    def norm(x: Any) -> Any:
        return F.layer_norm(x, (d,))

    def split(x: Any, b: int) -> Any:  # (b, t, d) -> (b * heads, t, dh), contiguous
        return x.view(b, -1, heads, dh).transpose(1, 2).reshape(b * heads, -1, dh)

    def attend(q: Any, k: Any, v: Any) -> Any:
        return torch.bmm(torch.softmax(torch.bmm(q, k.transpose(1, 2)) * scale, -1), v)

    @torch.inference_mode()
    def translate(b: int) -> None:
        x = embed[torch.randint(0, vocab, (b, IN_TOKENS))]
        for lay in enc:
            q, k, v = lin(x, lay["qkv"]).split(d, -1)
            a = F.scaled_dot_product_attention(*(t.view(b, -1, heads, dh).transpose(1, 2) for t in (q, k, v)))
            x = norm(x + lin(a.transpose(1, 2).reshape(b, IN_TOKENS, d), lay["o"]))
            x = norm(x + lin(F.silu(lin(x, lay["f1"])), lay["f2"]))
        cross = [[split(t, b) for t in lin(x, lay["kv"]).split(d, -1)] for lay in dec]
        keys = [torch.empty(b * heads, OUT_TOKENS, dh, dtype=dt) for _ in dec]
        values = [torch.empty(b * heads, OUT_TOKENS, dh, dtype=dt) for _ in dec]
        token = torch.zeros(b, dtype=torch.long)
        for step in range(OUT_TOKENS):
            y = embed[token]
            for i, lay in enumerate(dec):
                q, k, v = lin(y, lay["qkv"]).split(d, -1)
                keys[i][:, step] = k.reshape(b * heads, dh)
                values[i][:, step] = v.reshape(b * heads, dh)
                a = attend(q.reshape(b * heads, 1, dh), keys[i][:, : step + 1], values[i][:, : step + 1])
                y = norm(y + lin(a.view(b, d), lay["o"]))
                a = attend(lin(y, lay["q"]).reshape(b * heads, 1, dh), *cross[i])
                y = norm(y + lin(a.view(b, d), lay["co"]))
                y = norm(y + lin(F.silu(lin(y, lay["f1"])), lay["f2"]))
            token = F.linear(y, embed).max(-1).indices

    batch = job["batch"]
    translate(batch)  # warm-up
    passes = []
    for _ in range(job.get("passes", 3)):
        started = time.perf_counter()
        translate(batch)
        passes.append(batch * OUT_TOKENS / (time.perf_counter() - started))
    return {"tok_s": max(passes)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/summarize-speed"), help="models (speed.py's)")
    parser.add_argument("--batch", type=int, action="append", help="batch sizes (default 32 and 128)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: the cores this process may use)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(args.child)
        print(
            speed.RESULT + json.dumps({"ceiling": job_ceiling, "lean": job_lean}[job["job"]](job)), flush=True
        )
        return

    from summarize.engines.hf import usable_threads

    threads = usable_threads(args.threads)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    models_dir = work / "models_cache"
    prepared = speed.prepare_default(work)
    translation = Path(prepared["translation"])
    base = {
        "translation": str(translation),
        "models_dir": str(models_dir),
        "threads": threads,
        "work": str(work),
    }
    flops = speed.flops_per_output_token(translation, IN_TOKENS, OUT_TOKENS)
    peak = speed.run_child({**base, "job": "peaks"})["int8"]
    print(
        f"# {threads} threads; peak (2048^3 int8 GEMM through torch) {peak / 1e9:,.0f} G/s; "
        f"{flops / 1e6:.0f} MFLOP per output token; {IN_TOKENS} -> {OUT_TOKENS} tokens, greedy",
        flush=True,
    )
    print("| batch | configuration | tok/s | % of peak | vs summarize |")
    print("|---|---|---|---|---|")
    for batch in args.batch or [32, 128]:
        ceiling = _own_child({**base, "job": "ceiling", "batch": batch})
        for shape in ceiling["shapes"]:
            print(
                f"#   batch {batch}, {shape['what']} ({shape['m']} x {shape['k']} x {shape['n']}): "
                f"int8 {shape['int8'] / 1e9:,.0f} G/s, bfloat16 {shape['bfloat16'] / 1e9:,.0f} G/s",
                flush=True,
            )
        lean = _own_child({**base, "job": "lean", "batch": batch})
        ours = speed.run_child(
            {
                **base,
                "job": "micro",
                "backend": "ctranslate2",
                "dtype": "int8",
                "batch": batch,
                "batches": 2 if batch <= 32 else 1,
                "passes": 3,
                "in_tokens": IN_TOKENS,
                "out_tokens": OUT_TOKENS,
                "workers": None,
            }
        )
        product = max(ours["passes"])
        for name, tok_s in (
            (
                "GEMM-only ceiling (products alone, the faster of int8 and bfloat16 per shape)",
                ceiling["tok_s"],
            ),
            ("lean torch decoder, bfloat16 (speed only)", lean["tok_s"]),
            ("summarize: CTranslate2 int8, default layout", product),
        ):
            print(
                f"| {batch} | {name} | {tok_s:,.0f} | {100 * tok_s * flops / peak:.0f} % "
                f"| {tok_s / product:.2f}x |",
                flush=True,
            )


def _own_child(job: dict[str, Any]) -> dict[str, Any]:
    """A job of this script in a fresh interpreter (speed.run_child runs speed.py's jobs)."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(job)],
        capture_output=True,
        text=True,
        cwd=job["work"],
    )
    if proc.returncode != 0:
        raise SystemExit(f"job {job['job']} failed:\n{proc.stderr[-3000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith(speed.RESULT))
    return json.loads(line[len(speed.RESULT) :])


if __name__ == "__main__":
    main()
