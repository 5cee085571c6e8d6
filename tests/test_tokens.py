"""The light tokenizer counts exactly like the transformers tokenizer, without importing it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from summarize.tokens import LightTokenizer

SAMPLES = [
    "",
    "x",
    "M. Ji a déclaré que la Chine « coopère » avec 17 pays, soit 3,5 % de plus.",
    "Emoji 😀 and maths ∑√ and 中文 and русский",
    "a" * 500,
    "  spaces   inside  ",
    "l'ONU\tet\nl'UE",
]


@pytest.mark.parametrize("family", ["marian", "t5", "barthez"])
def test_counts_match_transformers(tiny: dict[str, Path], seed_text: str, family: str) -> None:
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(tiny[family])
    light = LightTokenizer(tiny[family])
    for text in SAMPLES + seed_text.splitlines():
        assert light.count(text) == len(hf(text)["input_ids"]), text
        assert light.encode(text) == hf.convert_ids_to_tokens(hf(text)["input_ids"])


def test_light_tokenizer_imports_neither_torch_nor_transformers(tiny: dict[str, Path]) -> None:
    code = (
        f"from summarize.tokens import LightTokenizer; from pathlib import Path; import sys; "
        f"LightTokenizer(Path({str(tiny['marian'])!r})).count('Bonjour.'); "
        f"LightTokenizer(Path({str(tiny['t5'])!r})).count('Bonjour.'); "
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
