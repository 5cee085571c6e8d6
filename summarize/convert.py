"""Convert a Hugging Face seq2seq model to the CTranslate2 format, once, and find it again.

A converted model lives under ``<models dir>/ctranslate2/``, in a folder named after the
model's commit (or a local folder's content fingerprint, never its path), its tokenizer and
this module's conversion format, so that new weights, a new tokenizer or a fix here all mean a
new conversion, and an unchanged model is never converted twice.  Converting imports torch
and transformers (the converter reads the checkpoint through them); finding an existing
conversion imports neither.

The stock ``ctranslate2`` converter needs three fix-ups with transformers 5 and with models
saved by ``save_pretrained`` (see ``_make_converter``):

* BART and mBART configurations no longer carry ``normalize_before``, which the converter
  reads: mBART is pre-norm (``True``), BART post-norm (``False``).
* A Marian model whose ``<pad>`` is not the last id (any model not converted from Marian's own
  format) loses a real token's weights: the converter drops the last row, assuming it is the
  pad.  Such a model is re-ordered first so that ``<pad>`` is last.
* An mBART model whose config names no ``tokenizer_class`` (BARThez-style checkpoints) gets no
  decoder start token; the converted config is given the model's own one (its ``</s>``).

Next to CTranslate2's files, ``summarize.json`` keeps the vocabulary in the Hugging Face id
order, so that generation settings written as ids (``bad_words_ids``, ``eos_token_id``...)
can be turned into the token strings CTranslate2 works with, without transformers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .errors import ModelError
from .models import ResolvedModel, check_weights, disk_size, read_json

# Bump when the conversion below changes what it writes: older conversions are then redone.
CONVERSION_FORMAT = 1
METADATA_FILE = "summarize.json"
# A temporary conversion folder untouched this long belongs to a dead process (a conversion
# takes minutes): old enough that one running now in another process is never removed.
STALE_SECONDS = 6 * 3600
# model_type values (config.json) that the converter handles and that the tests cover.
SUPPORTED_MODEL_TYPES = frozenset({"marian", "bart", "mbart", "t5", "mt5", "m2m_100"})
# mBART is pre-norm, BART post-norm; transformers 5 configs no longer say so.
_NORMALIZE_BEFORE = {"mbart": True, "bart": False}


def supports_ctranslate2(model_type: str) -> bool:
    """Whether a model of this ``model_type`` (its config.json) can run with CTranslate2."""
    return model_type in SUPPORTED_MODEL_TYPES


def converted_path(model: ResolvedModel, models_dir: Path, quantization: str | None = None) -> Path:
    """Where the CTranslate2 conversion of ``model`` lives (whether or not it exists yet).

    A local folder's conversion is named by its content alone ("local-<fingerprint>"): the
    same model typed as ``./m`` or ``/abs/m``, moved or copied, is converted once.
    """
    commit = re.sub(r"[^\w.-]+", "-", model.commit)[:24]
    if model.commit.startswith("local-"):  # hub commits are hex
        name = "local"
    else:
        name = re.sub(r"[^\w.-]+", "-", model.id).strip("-.")[-60:] or "model"
    key = f"{name}--{commit}-{model.tokenizer_hash[:8]}--{quantization or 'float32'}-f{CONVERSION_FORMAT}"
    return models_dir / "ctranslate2" / key


def list_converted(models_dir: Path) -> list[tuple[Path, int]]:
    """Every finished conversion in ``models_dir`` with its size on disk, by folder name."""
    root = models_dir / "ctranslate2"
    folders = sorted(p for p in root.iterdir() if is_converted(p)) if root.is_dir() else []
    return [(p, disk_size([p])) for p in folders]


def is_converted(folder: Path) -> bool:
    """Whether ``folder`` holds a finished conversion (an unfinished one never has this name)."""
    return (folder / "model.bin").is_file() and (folder / METADATA_FILE).is_file()


def can_convert(model: ResolvedModel, models_dir: Path, quantization: str | None = None) -> bool:
    """Whether the conversion is there or could be written (what ``--backend auto`` checks first)."""
    target = converted_path(model, models_dir, quantization)
    if is_converted(target):
        return True
    folder = target.parent
    while not folder.exists():
        if folder.parent == folder:
            return False
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def ensure_converted(model: ResolvedModel, models_dir: Path, quantization: str | None = None) -> Path:
    """The converted model's folder, converting ``model`` first if it never was.

    The weights are stored in float32, or in ``quantization`` ("int8": what the engine asks
    for when it computes in int8, see ``engines/ct2.py``); CTranslate2 converts them at load
    time to the compute type asked for.  The conversion is written to a temporary folder
    beside the target and renamed into place, so that a crash or a second process converting
    at the same time never leaves a half-written model under the real name.
    """
    target = converted_path(model, models_dir, quantization)
    if is_converted(target):
        # A conversion killed (SIGKILL, power loss) before a later one succeeded left its
        # temporary folder beside the target: only a run that finds the target cleans it up.
        _remove_stale(target)
        return target
    if not supports_ctranslate2(model.model_type):
        raise ModelError(
            f"CTranslate2 cannot run {model.id} (model type {model.model_type!r})",
            "use --backend transformers (or auto)",
        )
    check_weights(model)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(target)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise ModelError(
            f"cannot write the CTranslate2 conversion of {model.id} in {target.parent}: "
            f"{exc.strerror or exc}",
            "make the models dir writable, or run the checkpoint as it is "
            "(`run --backend transformers`, `models pull --no-convert`)",
        ) from exc
    try:
        out = work / "model"
        _convert(model, out, quantization)
        try:
            os.rename(out, target)
        except OSError:
            # Another process finished first: its copy is as good as ours.
            if not is_converted(target):
                raise
    except ModelError:
        raise
    except Exception as exc:  # the converter raises many kinds; each means "not converted"
        # Conversion loads the checkpoint with transformers: explain its failures the same way
        # (damaged weights, pickle refused, model code refused) as the transformers backend.
        from .engines.hf import load_error

        raise load_error(model, exc) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _remove_stale(target: Path) -> None:
    """Delete what killed conversions of ``target`` left behind, once ``STALE_SECONDS`` old.

    One directory listing: cheap enough for every time the converted model is opened.
    """
    import time

    try:
        leftovers = list(target.parent.glob(f".{target.name}.*.tmp"))
    except OSError:
        return
    for leftover in leftovers:
        try:
            if time.time() - leftover.stat().st_mtime > STALE_SECONDS:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass


def _convert(model: ResolvedModel, out: Path, quantization: str | None) -> None:
    """Run the (fixed-up) converter on ``model.path``, writing the result to ``out``."""
    import warnings

    from .engines.hf import import_torch

    import_torch()  # first, so that its idle threads soon sleep (see import_torch)
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    converter = _make_converter(model.path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converter.convert(str(out), quantization=quantization, force=True)
    vocabulary: list[str] = converter.hf_vocabulary
    _set_decoder_start(model, out, vocabulary)
    metadata = {
        "format": CONVERSION_FORMAT,
        "model": model.describe(),
        "model_type": model.model_type,
        "tokenizer": model.tokenizer_hash,
        "quantization": quantization or "float32",
        "vocabulary": vocabulary,
    }
    (out / METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")


def _set_decoder_start(model: ResolvedModel, out: Path, vocabulary: list[str]) -> None:
    """Give the converted model the decoder start token transformers uses for this model.

    Marian starts from a zero embedding (CTranslate2's ``start_from_zero_embedding``), so its
    start token does not matter; other families start from a real token, which the stock
    converter leaves out for mBART checkpoints without a ``tokenizer_class``.
    """
    if model.model_type == "marian":
        return
    config = read_json(model.path / "config.json")
    generation = read_json(model.path / "generation_config.json")
    start = generation.get("decoder_start_token_id", config.get("decoder_start_token_id"))
    if not isinstance(start, int) or not 0 <= start < len(vocabulary):
        return
    path = out / "config.json"
    converted = json.loads(path.read_text(encoding="utf-8"))
    converted["decoder_start_token"] = vocabulary[start]
    path.write_text(json.dumps(converted, indent=2, ensure_ascii=False), encoding="utf-8")


def _make_converter(folder: Path) -> Any:
    """A ``TransformersConverter`` for ``folder`` with the fix-ups the module docstring lists.

    The class is built here so that importing this module never imports ctranslate2's
    converters (which import torch and transformers).
    """
    import torch
    from ctranslate2.converters import TransformersConverter

    class _Converter(TransformersConverter):  # type: ignore[misc]
        """Loads safely (safetensors, weights-only pickles, no remote code) and fixes the model."""

        def __init__(self) -> None:
            super().__init__(str(folder), trust_remote_code=False)
            self.hf_vocabulary: list[str] = []
            self._order: list[int] | None = None

        def load_model(self, model_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            kwargs["dtype"] = torch.float32  # kept in float32 on disk; quantized at load time
            has_safetensors = any(folder.glob("*.safetensors"))
            net = model_class.from_pretrained(
                model_name_or_path,
                local_files_only=True,
                use_safetensors=has_safetensors,
                weights_only=True,
                **kwargs,
            )
            config = net.config
            model_type = getattr(config, "model_type", "")
            if model_type in _NORMALIZE_BEFORE and not hasattr(config, "normalize_before"):
                config.normalize_before = _NORMALIZE_BEFORE[model_type]
            pad, size = config.pad_token_id, config.vocab_size
            if model_type == "marian" and isinstance(pad, int) and pad != size - 1:
                self._order = [i for i in range(size) if i != pad] + [pad]
                _reorder_vocabulary(net, self._order)
            return net

        def load_tokenizer(self, tokenizer_class: Any, model_name_or_path: str, **kwargs: Any) -> Any:
            tokenizer = tokenizer_class.from_pretrained(model_name_or_path, local_files_only=True, **kwargs)
            vocab = tokenizer.get_vocab()
            self.hf_vocabulary = [t for t, _ in sorted(vocab.items(), key=lambda item: item[1])]
            if self._order is None:
                return tokenizer
            # The converter takes the vocabulary from the tokenizer: give it the new order too.
            new_ids = {old: new for new, old in enumerate(self._order)}
            return _VocabularyView(tokenizer, {t: new_ids.get(i, i) for t, i in vocab.items()})

    return _Converter()


def _reorder_vocabulary(net: Any, order: list[int]) -> None:
    """Permute every vocabulary-sized weight of ``net`` (rows of embeddings and output layer)."""
    import torch

    index = torch.tensor(order)
    size = len(order)
    seen: set[int] = set()
    with torch.no_grad():
        for module in (
            net.get_input_embeddings(),
            net.get_output_embeddings(),
            getattr(net.get_encoder(), "embed_tokens", None),
            getattr(net.get_decoder(), "embed_tokens", None),
        ):
            weight = getattr(module, "weight", None)
            # Tied weights are one tensor: permute it once.
            if weight is None or id(weight) in seen or weight.shape[0] != size:
                continue
            seen.add(id(weight))
            weight.copy_(weight[index])
        bias = getattr(net, "final_logits_bias", None)
        if bias is not None and bias.shape[-1] == size:
            bias.copy_(bias[..., index])


class _VocabularyView:
    """A tokenizer whose ``get_vocab`` reports re-ordered ids; everything else is the tokenizer's."""

    def __init__(self, tokenizer: Any, vocab: dict[str, int]) -> None:
        self._tokenizer = tokenizer
        self._vocab = vocab

    def get_vocab(self) -> dict[str, int]:
        return dict(self._vocab)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)
