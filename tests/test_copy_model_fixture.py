"""The committed copy model (scripts/train_copy_model.py) loads like a hub model and copies its input exactly.

Other tests use it as a "translation" model whose expected output is known: the input itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "copy_model"
HELDOUT = HERE / "data" / "text" / "fr_heldout.txt"


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def copy_model():
    tok = AutoTokenizer.from_pretrained(str(FIXTURE))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(FIXTURE)).eval()
    return tok, model


@pytest.fixture(scope="module")
def heldout() -> list[str]:
    return [ln.strip() for ln in HELDOUT.read_text(encoding="utf-8").splitlines() if ln.strip()]


def _copy(tok, model, texts: list[str]) -> list[str]:
    enc = tok(texts, return_tensors="pt", padding=True)
    longest = int(enc["attention_mask"].sum(-1).max())
    with torch.inference_mode():
        out = model.generate(**enc, num_beams=1, do_sample=False, max_new_tokens=longest + 10)
    return tok.batch_decode(out, skip_special_tokens=True)


def test_fixture_has_marian_files() -> None:
    for name in (
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "source.spm",
        "target.spm",
        "vocab.json",
        "tokenizer_config.json",
    ):
        assert (FIXTURE / name).is_file(), name


def test_special_ids(copy_model) -> None:
    tok, model = copy_model
    # Marian conventions the pipeline relies on: </s>=0, <unk>=1, <pad>=2, decoding starts from <pad>.
    assert (tok.eos_token_id, tok.unk_token_id, tok.pad_token_id) == (0, 1, 2)
    assert model.config.decoder_start_token_id == tok.pad_token_id
    assert model.generation_config.num_beams == 1


def test_tokenizer_roundtrip_is_lossless(copy_model, heldout) -> None:
    tok, _ = copy_model
    text = " ".join(heldout[:20]) + " — 漢字 ½ ‰"  # characters outside the training text go through bytes
    ids = tok(text).input_ids
    assert tok.unk_token_id not in ids
    assert tok.decode(ids, skip_special_tokens=True) == text


def test_copies_heldout_sentences(copy_model, heldout) -> None:
    tok, model = copy_model
    picks = [heldout[i] for i in (0, 5, 12, 25, 80, 120)]
    for src, out in zip(picks, _copy(tok, model, picks), strict=True):
        assert _norm(out) == _norm(src)


def test_copies_a_100_token_chunk(copy_model, heldout) -> None:
    tok, model = copy_model
    chunk: list[str] = []
    for sentence in heldout[30:]:
        if len(tok(" ".join([*chunk, sentence]), add_special_tokens=False).input_ids) > 100:
            break
        chunk.append(sentence)
    text = " ".join(chunk)
    assert len(tok(text, add_special_tokens=False).input_ids) >= 80
    (out,) = _copy(tok, model, [text])
    assert _norm(out) == _norm(text)
