"""Train a tiny MarianMTModel that copies its input, as a test fixture for the pipeline.

The model has the real Marian architecture and its own sentencepiece tokenizer, so the pipeline can load it
exactly like a translation model (AutoTokenizer / AutoModelForSeq2SeqLM) while its output is predictable: the
input text itself. Tests use it to prove that long articles come back whole.

Usage (from the repository root)::

    .venv/bin/python scripts/train_copy_model.py --out tests/fixtures/copy_model --minutes 20

Everything random is seeded; the data order depends only on the seed and the curriculum. With ``--steps``
the schedule is counted in steps instead of wall time, so a rerun on the same machine and torch build is
identical.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import sentencepiece as spm
import torch
from transformers import GenerationConfig, MarianConfig, MarianMTModel, MarianTokenizer

ROOT = Path(__file__).resolve().parent.parent
PROSE = ROOT / "tests" / "data" / "text" / "fr_prose.txt"
SEEDS_DIR = ROOT / "seeds"

# Marian convention (and what the recipe measured): </s>=0, <unk>=1, <pad>=2; pad doubles as decoder start.
EOS_ID, UNK_ID, PAD_ID = 0, 1, 2
N_SPECIAL = 3


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def corpus_lines() -> list[str]:
    """Non-empty lines of the French prose and the seed articles: the real text of tokenizer and model."""
    lines: list[str] = []
    for path in [PROSE, *sorted(SEEDS_DIR.glob("*.txt"))]:
        lines += [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines


def train_tokenizer(lines: list[str], workdir: Path, vocab_size: int) -> spm.SentencePieceProcessor:
    prefix = workdir / "spm"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_prefix=str(prefix),
        model_type="unigram",
        vocab_size=vocab_size,
        hard_vocab_limit=False,  # the corpus is small; take what it supports rather than fail
        character_coverage=1.0,
        byte_fallback=True,  # any text can be encoded, so the model never sees <unk>
        normalization_rule_name="identity",  # keep « », apostrophes, NBSP... exactly as written
        split_digits=True,  # digits one by one: numbers are copied like any other string
        eos_id=EOS_ID,
        unk_id=UNK_ID,
        pad_id=PAD_ID,
        bos_id=-1,
        eos_piece="</s>",
        unk_piece="<unk>",
        pad_piece="<pad>",
        num_threads=1,  # single thread: the unigram trainer is then deterministic
        seed_sentencepiece_size=200_000,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_file=str(prefix) + ".model")
    return sp


def save_tokenizer(
    sp_model: Path, sp: spm.SentencePieceProcessor, out: Path, max_len: int
) -> MarianTokenizer:
    """Write source/target.spm, vocab.json and tokenizer_config.json (``max_len``: promised copy length)."""
    tmp = Path(tempfile.mkdtemp())
    vocab_json = tmp / "vocab.json"
    # vocab.json maps every piece (byte pieces included) to its sentencepiece id, so ids agree both ways.
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    vocab_json.write_text(json.dumps(vocab, ensure_ascii=False, indent=0), encoding="utf-8")
    tok = MarianTokenizer(
        source_spm=str(sp_model),
        target_spm=str(sp_model),
        vocab=str(vocab_json),
        model_max_length=max_len,
        # French puts spaces before ? ! : ; the English-style clean-up would alter the copied text.
        clean_up_tokenization_spaces=False,
    )
    tok.save_pretrained(str(out))
    shutil.rmtree(tmp)
    return tok


class DataMaker:
    """Makes copy examples: windows of real prose, shuffled words, random ids and repeated n-grams.

    Random ids and shuffled words force the model to copy rather than to remember French; real prose keeps it
    good at the token statistics it will see in tests.
    """

    def __init__(self, sp: spm.SentencePieceProcessor, lines: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.vocab_size = sp.get_piece_size()
        self.stream: list[int] = []
        self.word_starts: list[int] = []
        for line in lines:
            ids = sp.encode(line)
            for j, i in enumerate(ids):
                if j == 0 or sp.id_to_piece(i).startswith("\u2581"):
                    self.word_starts.append(len(self.stream) + j)
            self.stream += ids
        self.words = " ".join(lines).split()
        self.sp = sp

    def prose(self, n: int) -> list[int]:
        # Mostly start at a word boundary, as real chunks do; sometimes anywhere, for robustness.
        limit = len(self.stream) - n
        if self.rng.random() < 0.8:
            start = self.word_starts[self.rng.randrange(len(self.word_starts))]
            start = min(start, limit)
        else:
            start = self.rng.randrange(limit)
        return self.stream[start : start + n]

    def shuffled(self, n: int) -> list[int]:
        ids: list[int] = []
        while len(ids) < n:
            k = self.rng.randint(4, 40)
            ids += self.sp.encode(" ".join(self.rng.choice(self.words) for _ in range(k)))
        return ids[:n]

    def random_ids(self, n: int) -> list[int]:
        return [self.rng.randrange(N_SPECIAL, self.vocab_size) for _ in range(n)]

    def repeated(self, n: int) -> list[int]:
        gram = self.random_ids(self.rng.randint(1, 8)) if self.rng.random() < 0.5 else self.prose(8)[:4]
        return (gram * (n // len(gram) + 1))[:n]

    def example(self, n: int) -> list[int]:
        r = self.rng.random()
        if r < 0.30:
            return self.prose(n)
        if r < 0.55:
            return self.shuffled(n)
        if r < 0.95:
            return self.random_ids(n)
        return self.repeated(n)

    def batch(self, lo: int, hi: int, token_budget: int) -> list[list[int]]:
        count = max(1, token_budget // hi)
        return [self.example(self.rng.randint(lo, hi)) for _ in range(count)]


def collate(seqs: list[list[int]]) -> dict[str, torch.Tensor]:
    width = max(len(s) for s in seqs) + 1  # + </s>
    input_ids = torch.full((len(seqs), width), PAD_ID, dtype=torch.long)
    labels = torch.full((len(seqs), width), -100, dtype=torch.long)
    for row, s in enumerate(seqs):
        ids = torch.tensor([*s, EOS_ID], dtype=torch.long)
        input_ids[row, : len(ids)] = ids
        labels[row, : len(ids)] = ids
    return {"input_ids": input_ids, "attention_mask": (input_ids != PAD_ID).long(), "labels": labels}


def lr_factor(progress: float, step: int, warmup: int, decay_from: float | None) -> float:
    """Warm-up, flat, then cosine decay to 5 % from ``decay_from`` (a share of the budget) to the end."""
    if step < warmup:
        return (step + 1) / warmup
    if decay_from is None or progress < decay_from:
        return 1.0
    t = min(1.0, (progress - decay_from) / max(1e-9, 1.0 - decay_from))
    return 0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * t))


def build_model(vocab_size: int, max_positions: int) -> MarianMTModel:
    config = MarianConfig(
        vocab_size=vocab_size,
        decoder_vocab_size=vocab_size,
        d_model=128,
        encoder_layers=3,
        decoder_layers=3,
        encoder_attention_heads=4,
        decoder_attention_heads=4,
        encoder_ffn_dim=512,
        decoder_ffn_dim=512,
        activation_function="gelu",
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        max_position_embeddings=max_positions,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=PAD_ID,
        eos_token_id=EOS_ID,
        decoder_start_token_id=PAD_ID,
        forced_eos_token_id=EOS_ID,
        bos_token_id=None,
    )
    return MarianMTModel(config)


def batches_forever(data: DataMaker, cap: int, state: dict[str, int], budget: int) -> Iterator[tuple]:
    """Yield (main batch, short batch, near_max flag); the curriculum length is read from ``state``."""
    while True:
        cur = state["max_len"]
        near_max = data.rng.random() < 0.5
        hi = cur if near_max else data.rng.randint(min(4, cur), cur)
        lo = max(1, int(hi * 0.75))
        main = data.batch(lo, hi, budget)
        # Very short inputs fail at position 2 unless every step keeps seeing them.
        short = [data.example(data.rng.randint(1, min(16, cap))) for _ in range(32)]
        yield main, short, near_max and hi == cur


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "copy_model")
    ap.add_argument("--minutes", type=float, default=20.0, help="wall-time budget for training")
    ap.add_argument("--steps", type=int, default=0, help="step budget instead of --minutes (exact rerun)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-len", type=int, default=200, help="longest input (in tokens) the model must copy")
    ap.add_argument("--vocab-size", type=int, default=3000)
    ap.add_argument("--batch-tokens", type=int, default=1500, help="source tokens per main batch")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--init",
        type=Path,
        default=None,
        help="continue from a folder this script wrote (its tokenizer and weights; curriculum resumes there)",
    )
    ap.add_argument(
        "--start-len", type=int, default=0, help="first curriculum length (default 12, or --init's)"
    )
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    cap = int(math.ceil(args.max_len * 1.2))  # train a margin past the longest input we promise to copy
    max_positions = 512
    if cap + 2 > max_positions:
        raise SystemExit(f"--max-len {args.max_len} needs more than {max_positions} positions")

    args.out.mkdir(parents=True, exist_ok=True)
    lines = corpus_lines()
    history: list[dict] = []
    start_len = 12
    if args.init is not None:
        # A second stage on a slow or shared machine: same tokenizer, weights and curriculum carried over.
        sp = spm.SentencePieceProcessor(model_file=str(args.init / "source.spm"))
        save_tokenizer(args.init / "source.spm", sp, args.out, args.max_len)
        model = MarianMTModel.from_pretrained(str(args.init))
        prev = json.loads((args.init / "training_info.json").read_text(encoding="utf-8"))
        history = [*prev.pop("history", []), prev]
        start_len = int(prev["trained_max_len"])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            sp = train_tokenizer(lines, Path(tmp), args.vocab_size)
            save_tokenizer(Path(tmp) / "spm.model", sp, args.out, args.max_len)
        model = build_model(sp.get_piece_size(), max_positions)
    start_len = min(cap, args.start_len or start_len)
    vocab_size = sp.get_piece_size()
    log(f"tokenizer: {vocab_size} pieces; corpus {len(lines)} lines")

    data = DataMaker(sp, lines, rng)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params / 1e6:.2f}M parameters; curriculum cap {cap} tokens")
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim < 2 or "norm" in name else decay).append(p)
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr,
        betas=(0.9, 0.98),
    )

    state = {"max_len": start_len}
    warmup = 100 if args.init is None else 20  # a warm start only needs to rebuild Adam's moments
    decay_from: float | None = None
    acc_ema = 0.0
    steps_at_len = 0
    budget_s = args.minutes * 60.0
    t0 = time.monotonic()
    model.train()
    step = 0
    for main_b, short_b, at_max in batches_forever(data, cap, state, args.batch_tokens):
        elapsed = time.monotonic() - t0
        progress = step / args.steps if args.steps else elapsed / budget_s
        if progress >= 1.0:
            break
        # Decay only once the curriculum reached its cap (long inputs become exact during the decay),
        # but never later than 75 % of the budget, and never before 50 %.
        if decay_from is None and (progress >= 0.75 or (state["max_len"] >= cap and progress >= 0.5)):
            decay_from = progress
            log(f"step {step}: lr decay starts ({elapsed / 60:.1f} min, max_len {state['max_len']})")
        for group in opt.param_groups:
            group["lr"] = args.lr * lr_factor(progress, step, warmup, decay_from)

        opt.zero_grad(set_to_none=True)
        batch = collate(main_b)
        out = model(**batch)
        out.loss.backward()
        short = collate(short_b)
        short_loss = model(**short).loss
        (0.3 * short_loss).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

        if at_max:
            with torch.no_grad():
                mask = batch["labels"] != -100
                acc = ((out.logits.argmax(-1) == batch["labels"]) & mask).sum().item() / mask.sum().item()
            acc_ema = acc if steps_at_len == 0 else 0.8 * acc_ema + 0.2 * acc
            steps_at_len += 1
            # Grow only on sustained accuracy at the current maximum (the decisive trick of the recipe).
            if acc_ema > 0.97 and steps_at_len >= 5 and state["max_len"] < cap:
                state["max_len"] = min(cap, int(state["max_len"] * 1.3 + 2))
                steps_at_len = 0
                log(f"step {step}: max_len -> {state['max_len']} ({elapsed / 60:.1f} min)")
        if step % 50 == 0:
            log(
                f"step {step} {elapsed / 60:5.1f} min lr {opt.param_groups[0]['lr']:.2e} "
                f"loss {out.loss.item():.4f} short {short_loss.item():.4f} "
                f"max_len {state['max_len']} acc@max {acc_ema:.3f}"
            )
        step += 1

    wall = time.monotonic() - t0
    log(f"done: {step} steps in {wall / 60:.1f} min; reached max_len {state['max_len']} (cap {cap})")
    model.eval()
    model.generation_config = GenerationConfig(
        num_beams=1,
        do_sample=False,
        max_length=max_positions,  # hard ceiling; callers pass max_new_tokens = input length + margin
        pad_token_id=PAD_ID,
        eos_token_id=EOS_ID,
        decoder_start_token_id=PAD_ID,
        forced_eos_token_id=EOS_ID,
        bad_words_ids=[[PAD_ID]],  # never emit <pad> as content
    )
    model.save_pretrained(str(args.out))
    # Advertise only what was trained, with the 1.2x margin: callers may read model_max_length as a limit.
    safe_len = min(args.max_len, int(state["max_len"] / 1.2))
    tok_cfg_path = args.out / "tokenizer_config.json"
    tok_cfg = json.loads(tok_cfg_path.read_text(encoding="utf-8"))
    tok_cfg["model_max_length"] = safe_len
    tok_cfg_path.write_text(json.dumps(tok_cfg, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    info = {
        "seed": args.seed,
        "steps": step,
        "wall_minutes": round(wall / 60, 2),
        "trained_max_len": state["max_len"],
        "lr_decay_from": None if decay_from is None else round(decay_from, 3),
        "promised_max_len": args.max_len,
        "safe_input_len": safe_len,
        "vocab_size": vocab_size,
        "parameters": n_params,
        "torch": torch.__version__,
        "special_ids": {"eos": EOS_ID, "unk": UNK_ID, "pad": PAD_ID, "decoder_start": PAD_ID},
        "command": " ".join(sys.argv[1:]),
        "history": history,  # earlier stages when trained with --init
    }
    (args.out / "training_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    log(f"saved to {args.out}")


if __name__ == "__main__":
    main()
