"""Build small random-weight seq2seq models of the real architectures, with real tokenizers.

No model hub is reachable from CI, so the tests (and the benchmarks) make their own models:
a sentencepiece tokenizer trained on text the repository ships, and a model of the real
family (Marian, T5, BART/BARThez) with random weights, saved with ``save_pretrained`` so that
it is loaded back through exactly the code users run.  The shapes are parameters so the
benchmarks can build real-sized models with the same code.
"""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpus_lines() -> list[str]:
    """Text the repo ships: the seed articles and the test prose, one paragraph per line."""
    files = sorted((REPO / "seeds").glob("*.txt")) + sorted((REPO / "tests" / "data" / "text").glob("*.txt"))
    lines = []
    for f in files:
        lines += [ln.strip() for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines


def _train_spm(vocab_size: int, **extra: object) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus_lines()),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        byte_fallback=True,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
        **extra,
    )
    return buf.getvalue()


# Random weights never choose the end token, so every output would run to its length cap and
# the tests would spend minutes decoding noise. A small bias on the end token's logit ends
# outputs after about a dozen tokens; it is one weight of the real architecture, nothing faked.
EOS_BIAS = 0.1


def _bias_towards_eos(model: object, eos_id: int, bias: float | None) -> None:
    if bias is not None:
        model.final_logits_bias[0, eos_id] = bias  # type: ignore[attr-defined]


def build_marian(
    out: Path,
    *,
    vocab_size: int = 800,
    d_model: int = 32,
    layers: int = 2,
    ffn: int = 64,
    heads: int = 2,
    max_positions: int = 512,
    seed: int = 0,
    eos_bias: float | None = EOS_BIAS,
) -> Path:
    """A MarianMT model (the opus-mt family) with a real MarianTokenizer."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    model = _train_spm(vocab_size, eos_id=0, unk_id=1, pad_id=2, bos_id=-1)
    for name in ("source.spm", "target.spm"):
        (out / name).write_bytes(model)
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=model)
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tok = MarianTokenizer(
        str(out / "source.spm"),
        str(out / "target.spm"),
        str(out / "vocab.json"),
        model_max_length=max_positions,
    )
    tok.save_pretrained(out)
    torch.manual_seed(seed)
    config = MarianConfig(
        vocab_size=len(vocab),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions,
        pad_token_id=2,
        eos_token_id=0,
        decoder_start_token_id=2,
        forced_eos_token_id=0,
        share_encoder_decoder_embeddings=True,
    )
    model = MarianMTModel(config).eval()
    _bias_towards_eos(model, config.eos_token_id, eos_bias)
    model.save_pretrained(out)
    # Older opus-mt checkpoints keep their generation settings in config.json only, and have no
    # generation_config.json: transformers 5 ignores those, and the tool must carry them over.
    (out / "generation_config.json").unlink(missing_ok=True)
    saved = json.loads((out / "config.json").read_text(encoding="utf-8"))
    saved.update(num_beams=2, max_length=max_positions, bad_words_ids=[[2]])
    (out / "config.json").write_text(json.dumps(saved, indent=2), encoding="utf-8")
    return out


def build_t5(
    out: Path,
    *,
    vocab_size: int = 800,
    d_model: int = 32,
    layers: int = 2,
    ffn: int = 64,
    heads: int = 2,
    seed: int = 0,
    prefix: str = "summarize: ",
) -> Path:
    """A T5 model with a real T5Tokenizer and the ``summarize: `` task prefix in its config."""
    import torch
    from transformers import GenerationConfig, T5Config, T5ForConditionalGeneration, T5Tokenizer

    out.mkdir(parents=True, exist_ok=True)
    (out / "spiece.model").write_bytes(_train_spm(vocab_size, pad_id=0, eos_id=1, unk_id=2, bos_id=-1))
    tok = T5Tokenizer.from_pretrained(out, extra_ids=0, model_max_length=512)
    tok.save_pretrained(out)
    torch.manual_seed(seed)
    config = T5Config(
        vocab_size=len(tok),
        d_model=d_model,
        d_kv=d_model // heads,
        d_ff=ffn,
        num_layers=layers,
        num_decoder_layers=layers,
        num_heads=heads,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
        feed_forward_proj="relu",
        task_specific_params={
            "summarization": {
                "prefix": prefix,
                "num_beams": 2,
                "max_length": 16,
                "min_length": 5,
                "no_repeat_ngram_size": 3,
            }
        },
    )
    model = T5ForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        decoder_start_token_id=0, eos_token_id=1, pad_token_id=0, num_beams=1, max_length=64
    )
    model.save_pretrained(out)
    return out


def build_barthez(
    out: Path,
    *,
    vocab_size: int = 800,
    d_model: int = 32,
    layers: int = 2,
    ffn: int = 64,
    heads: int = 2,
    max_positions: int = 512,
    seed: int = 0,
    eos_bias: float | None = EOS_BIAS,
) -> Path:
    """An mBART-shaped model with a BarthezTokenizer, like moussaKam/barthez-orangesum-abstract."""
    import torch
    from transformers import BarthezTokenizer, GenerationConfig, MBartConfig, MBartForConditionalGeneration

    out.mkdir(parents=True, exist_ok=True)
    (out / "sentencepiece.bpe.model").write_bytes(
        _train_spm(vocab_size, bos_id=0, pad_id=1, eos_id=2, unk_id=3)
    )
    tok = BarthezTokenizer.from_pretrained(out, model_max_length=max_positions)
    tok.save_pretrained(out)
    torch.manual_seed(seed)
    config = MBartConfig(
        vocab_size=len(tok),
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=ffn,
        decoder_ffn_dim=ffn,
        max_position_embeddings=max_positions,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.eos_token_id,
    )
    model = MBartForConditionalGeneration(config).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        decoder_start_token_id=tok.eos_token_id,
        forced_eos_token_id=tok.eos_token_id,
        num_beams=2,
        max_length=32,
        no_repeat_ngram_size=3,
    )
    _bias_towards_eos(model, tok.eos_token_id, eos_bias)
    model.save_pretrained(out)
    return out


BUILDERS = {"marian": build_marian, "t5": build_t5, "barthez": build_barthez}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("family", choices=sorted(BUILDERS))
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(BUILDERS[args.family](args.out))


if __name__ == "__main__":
    main()
