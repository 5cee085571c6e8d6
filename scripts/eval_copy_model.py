"""Measure how exactly a copy model (see train_copy_model.py) reproduces held-out French text.

Usage (from the repository root)::

    .venv/bin/python scripts/eval_copy_model.py --model tests/fixtures/copy_model

Reports, for held-out sentences and for chunks packed from them (about 64, 128 and, if the model was trained
that far, 200 tokens), the share of outputs equal to the input after whitespace normalisation, with the fp32
model and with dynamic int8 quantisation of its nn.Linear layers, plus the fp32-vs-int8 agreement.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from pathlib import Path

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "data" / "text" / "fr_heldout.txt"


def norm(text: str) -> str:
    return " ".join(text.split())


def n_tokens(tok: PreTrainedTokenizerBase, text: str) -> int:
    return len(tok(text, add_special_tokens=False).input_ids)


def pack_chunks(
    tok: PreTrainedTokenizerBase, sentences: list[str], budget: int, passes: int, seed: int
) -> list[str]:
    """Greedily join consecutive sentences while the chunk stays within ``budget`` tokens.

    Several seeded shuffles of the sentences give more (and different) chunks than one pass.
    """
    rng = random.Random(seed)
    lengths = {s: n_tokens(tok, s) for s in sentences}
    chunks: list[str] = []
    for _ in range(passes):
        order = sentences[:]
        rng.shuffle(order)
        cur: list[str] = []
        for s in order:
            if cur and n_tokens(tok, " ".join([*cur, s])) > budget:
                chunks.append(" ".join(cur))
                cur = []
            if lengths[s] <= budget:
                cur.append(s)
        # The last partial chunk is dropped: it would be shorter than the size we are measuring.
    return chunks


@torch.inference_mode()
def copy_all(
    model: PreTrainedModel, tok: PreTrainedTokenizerBase, texts: list[str], batch_size: int
) -> list[str]:
    outs: list[str] = []
    # Sorting by length keeps padding small; results are put back in the original order.
    order = sorted(range(len(texts)), key=lambda i: n_tokens(tok, texts[i]))
    results: dict[int, str] = {}
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        enc = tok([texts[i] for i in idx], return_tensors="pt", padding=True)
        longest = int(enc["attention_mask"].sum(-1).max())
        gen = model.generate(**enc, num_beams=1, do_sample=False, max_new_tokens=longest + 10)
        for i, text in zip(idx, tok.batch_decode(gen, skip_special_tokens=True), strict=True):
            results[i] = text
    outs = [results[i] for i in range(len(texts))]
    return outs


def exact_share(inputs: list[str], outputs: list[str]) -> float:
    return sum(norm(a) == norm(b) for a, b in zip(inputs, outputs, strict=True)) / max(1, len(inputs))


def trained_max_len(folder: Path, tok: PreTrainedTokenizerBase) -> int:
    info = folder / "training_info.json"
    if info.exists():
        return int(json.loads(info.read_text(encoding="utf-8"))["trained_max_len"])
    return int(tok.model_max_length)


def quantize(model: PreTrainedModel) -> PreTrainedModel | None:
    try:
        from torch.ao.quantization import quantize_dynamic
    except ImportError as exc:  # removed in some torch builds: report rather than crash
        print(f"int8: torch.ao.quantization.quantize_dynamic unavailable ({exc})", file=sys.stderr)
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization announces its deprecation
        return quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "tests" / "fixtures" / "copy_model")
    ap.add_argument("--heldout", type=Path, default=HELDOUT)
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 200], help="chunk budgets in tokens")
    ap.add_argument("--passes", type=int, default=3, help="shuffled passes over the sentences per chunk size")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-int8", action="store_true")
    ap.add_argument("--show-errors", type=int, default=3, help="print up to N failed items per set")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    tok = AutoTokenizer.from_pretrained(str(args.model))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(args.model)).eval()
    sentences = [ln.strip() for ln in args.heldout.read_text(encoding="utf-8").splitlines() if ln.strip()]
    limit = trained_max_len(args.model, tok)

    sets: dict[str, list[str]] = {"sentences": sentences}
    for size in args.sizes:
        if size > limit:
            print(f"skipping chunks of {size} tokens: model trained up to {limit}", file=sys.stderr)
            continue
        sets[f"chunks<={size}"] = pack_chunks(tok, sentences, size, args.passes, seed=size)

    qmodel = None if args.no_int8 else quantize(model)
    rows = []
    for name, texts in sets.items():
        t0 = time.monotonic()
        out32 = copy_all(model, tok, texts, args.batch_size)
        t32 = time.monotonic() - t0
        row = {
            "set": name,
            "n": len(texts),
            "max_tok": max(n_tokens(tok, t) for t in texts),
            "fp32": exact_share(texts, out32),
            "fp32_s": t32,
        }
        fails = [(a, b) for a, b in zip(texts, out32, strict=True) if norm(a) != norm(b)]
        for a, b in fails[: args.show_errors]:
            print(f"[{name}] fp32 miss:\n  in : {a}\n  out: {b}", file=sys.stderr)
        if qmodel is not None:
            t0 = time.monotonic()
            out8 = copy_all(qmodel, tok, texts, args.batch_size)
            row["int8_s"] = time.monotonic() - t0
            row["int8"] = exact_share(texts, out8)
            row["agree"] = sum(a == b for a, b in zip(out32, out8, strict=True)) / len(texts)
        rows.append(row)
        print(f"done {name} ({len(texts)} items)", file=sys.stderr)

    print(f"\nmodel: {args.model}  (trained max length {limit} tokens)")
    head = f"{'set':<14} {'n':>4} {'max tok':>7} {'fp32 exact':>10} {'int8 exact':>10} {'fp32=int8':>9}"
    head += f" {'fp32 s':>7} {'int8 s':>7}"
    print(head)
    print("-" * len(head))
    for r in rows:
        int8 = f"{r['int8']:10.1%}" if "int8" in r else f"{'n/a':>10}"
        agree = f"{r['agree']:9.1%}" if "agree" in r else f"{'n/a':>9}"
        int8_s = f"{r['int8_s']:7.1f}" if "int8_s" in r else f"{'n/a':>7}"
        print(
            f"{r['set']:<14} {r['n']:>4} {r['max_tok']:>7} {r['fp32']:10.1%} {int8} {agree}"
            f" {r['fp32_s']:7.1f} {int8_s}"
        )


if __name__ == "__main__":
    main()
