"""A light tokenizer read straight from a model folder, without transformers or torch.

The chunker needs exact token counts and the CTranslate2 engine needs token strings; both
must work on a run that never imports torch (a cache hit, or CTranslate2).  A folder's
``tokenizer.json`` is read with the ``tokenizers`` library; Marian-style folders (``source.spm``)
and bare sentencepiece folders are read with ``sentencepiece``.  ``tests/test_tokens.py`` checks
that the counts equal the transformers tokenizer's on every family the tests build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engines import drop_empty_openmp_settings
from .errors import ModelError


@dataclass(frozen=True)
class _Specials:
    prefix: tuple[str, ...]
    suffix: tuple[str, ...]


class LightTokenizer:
    """Counts, encodes to pieces and decodes pieces the way the model's own tokenizer does."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._kind, self._impl, self._target, self._specials = _load(folder)

    def count(self, text: str) -> int:
        """Number of input tokens the model sees for ``text``, special tokens included."""
        if self._kind == "tokenizers":
            return len(self._impl.encode(text).ids)
        return len(self._impl.encode(text)) + len(self._specials.prefix) + len(self._specials.suffix)

    def encode(self, text: str) -> list[str]:
        """Token strings of ``text`` as fed to the encoder, special tokens included."""
        if self._kind == "tokenizers":
            # Through the ids, so that unknown characters read "<unk>" as the model sees them.
            return [self._impl.id_to_token(i) for i in self._impl.encode(text).ids]
        pieces = self._impl.encode(text, out_type=str)
        return [*self._specials.prefix, *pieces, *self._specials.suffix]

    def decode(self, pieces: list[str]) -> str:
        """Text of the decoder's output tokens, special tokens dropped."""
        if self._kind == "tokenizers":
            ids = [self._impl.token_to_id(p) for p in pieces]
            return self._impl.decode([i for i in ids if i is not None], skip_special_tokens=True)
        specials = {"</s>", "<s>", "<pad>", "<unk>"}
        return self._target.decode_pieces([p for p in pieces if p not in specials])


# The files _load reads a tokenizer from, any one of them: what a model folder must hold.
TOKENIZER_FILES = ("source.spm", "tokenizer.json", "spiece.model", "sentencepiece.bpe.model")


def _load(folder: Path) -> tuple[str, Any, Any, _Specials]:
    drop_empty_openmp_settings()  # sentencepiece bundles libgomp too
    config = _read_json(folder / "tokenizer_config.json")
    tokenizer_json = folder / "tokenizer.json"
    if (folder / "source.spm").exists():  # Marian: sentencepiece source/target models + eos
        import sentencepiece as spm

        source = spm.SentencePieceProcessor(model_file=str(folder / "source.spm"))
        target_file = folder / "target.spm"
        target = spm.SentencePieceProcessor(
            model_file=str(target_file if target_file.exists() else folder / "source.spm")
        )
        return "spm", source, target, _Specials((), (config.get("eos_token") or "</s>",))
    if tokenizer_json.exists():
        from tokenizers import Tokenizer

        return "tokenizers", Tokenizer.from_file(str(tokenizer_json)), None, _Specials((), ())
    for name, specials in (
        ("spiece.model", _Specials((), ("</s>",))),
        ("sentencepiece.bpe.model", _Specials(("<s>",), ("</s>",))),
    ):
        if (folder / name).exists():
            import sentencepiece as spm

            sp = spm.SentencePieceProcessor(model_file=str(folder / name))
            return "spm", sp, sp, specials
    raise ModelError(
        f"no tokenizer files in {folder}",
        "the folder needs tokenizer.json, source.spm or a sentencepiece model; pull it again",
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}", "verify the model folder or pull it again") from exc
