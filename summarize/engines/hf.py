"""The transformers backend: tokenizer + ``AutoModelForSeq2SeqLM.generate``, run by hand.

transformers 5 has no summarization/translation pipelines, and driving ``generate`` directly
lets the tool pass the effective generation settings explicitly (see ``generation.py``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import ModelError, UsageError
from ..generation import Settings
from ..models import ResolvedModel, check_weights
from . import EngineOptions, Generated, available_cores, drop_empty_openmp_settings, one_cap_groups

# Spins of an idle OpenMP thread before it sleeps (see import_torch).
SPIN_COUNT = "10000"


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence library chatter (deprecations, progress bars) that would clutter stderr."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def import_torch() -> Any:
    """Import torch with its OpenMP threads spinning only briefly before they sleep.

    GNU OpenMP (torch's on Linux) lets an idle thread spin 300,000 times before it sleeps, which
    costs nothing on an idle machine and everything on a shared one: two runs at once on 2 cores
    took 5-10x as long as one, each spinning on the cores the other needed.  10,000 spins keep
    the speed of a run alone and take most of that back; sleeping at once (``OMP_WAIT_POLICY=
    PASSIVE``) shares best but makes a run alone 20-30 % slower (``benchmarks/contention.py``).
    libgomp reads its settings once, when torch loads it, so this comes before the first import;
    a wait policy or spin count the user set is kept (one set to nothing counts as unset).
    """
    drop_empty_openmp_settings()
    if "torch" not in sys.modules and not {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"} & os.environ.keys():
        os.environ["GOMP_SPINCOUNT"] = SPIN_COUNT
    import torch

    return torch


def usable_threads(requested: int | None) -> int:
    """What the user asked for, or the cores this process may use (its CPU affinity), never more.

    Threads past the cores only wait for them: --threads 1000 turned a 5 s run on 2 cores into
    one still going after 40 s, and a value past C's int range failed in the engine.
    """
    cores = available_cores()
    return min(requested, cores) if requested else cores


def auto_device(version_file: Path | None = None, gpus: Callable[[], int] | None = None) -> str:
    """Where ``--device auto`` runs a transformers model, told without importing torch (2 s, which
    an all-hit run must not pay): ``cuda`` when this torch build has CUDA and a GPU is visible,
    else ``cpu``.  The cache key and the record then name the device that runs.

    ``version_file`` is torch's ``version.py`` (found when None); ``gpus`` counts the visible
    GPUs (CTranslate2's count when None, which honours ``CUDA_VISIBLE_DEVICES``).
    """
    if version_file is None:
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.origin is None:
            return "cpu"
        version_file = Path(spec.origin).parent / "version.py"
    try:
        text = version_file.read_text(encoding="utf-8")
    except OSError:
        return "cpu"
    # "cuda: Optional[str] = None" in a CPU build, "= '12.8'" in a CUDA one.
    if not re.search(r"^cuda\b[^=\n]*=\s*['\"]", text, re.MULTILINE):
        return "cpu"
    if gpus is None:
        if importlib.util.find_spec("ctranslate2") is None:
            return "cuda"  # a CUDA build, and nothing torch-free to ask: torch's own choice
        from .ct2 import load_ctranslate2

        gpus = load_ctranslate2().get_cuda_device_count
    return "cuda" if gpus() > 0 else "cpu"


class TransformersEngine:
    """Runs a Hugging Face seq2seq checkpoint with PyTorch."""

    def __init__(self, model: ResolvedModel, options: EngineOptions) -> None:
        torch = import_torch()
        import transformers
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        self._torch = torch
        self.device = _pick_device(torch, options.device)
        torch.set_num_threads(usable_threads(options.threads))
        dtype = options.dtype if options.dtype != "auto" else "float32"
        folder = model.path
        check_weights(model)
        has_safetensors = any(folder.glob("*.safetensors"))
        try:
            with _quiet():
                self.tokenizer = AutoTokenizer.from_pretrained(
                    folder, local_files_only=True, trust_remote_code=False
                )
                net = AutoModelForSeq2SeqLM.from_pretrained(
                    folder,
                    local_files_only=True,
                    trust_remote_code=False,
                    # Prefer safetensors; a pickle file only ever goes through weights_only.
                    use_safetensors=has_safetensors,
                    weights_only=True,
                    dtype=torch.bfloat16 if dtype == "bfloat16" else torch.float32,
                )
        except Exception as exc:  # a library error: turn it into one line with a way out
            raise load_error(model, exc) from exc
        net.eval()
        if dtype == "int8":
            if self.device != "cpu":
                raise UsageError("--dtype int8 runs on the CPU only", "use --dtype bfloat16 on a GPU")
            from .int8 import quantise_linears

            with torch.no_grad():
                quantise_linears(net)
        self.model = net.to(self.device)
        self.description = {"backend": "transformers", "dtype": dtype, "device": self.device}

    def generate(
        self, texts: Sequence[str], settings: Settings, max_new_tokens: Sequence[int]
    ) -> list[Generated]:
        if int(settings.params.get("num_beams") or 1) == 1:
            return self._generate(texts, settings, max_new_tokens)
        outputs: dict[int, Generated] = {}
        for group in one_cap_groups(max_new_tokens):  # see one_cap_groups
            done = self._generate([texts[i] for i in group], settings, [max_new_tokens[i] for i in group])
            outputs.update(zip(group, done))
        return [outputs[i] for i in range(len(texts))]

    def _generate(
        self, texts: Sequence[str], settings: Settings, max_new_tokens: Sequence[int]
    ) -> list[Generated]:
        from transformers import GenerationConfig

        torch = self._torch
        params: dict[str, Any] = {k: v for k, v in settings.params.items() if k != "max_length"}
        cap = max(max_new_tokens)
        if params.get("min_length", 0) > cap:
            params["min_length"] = cap
        config = GenerationConfig(**params, max_new_tokens=cap)
        inputs = self.tokenizer([settings.prefix + t for t in texts], return_tensors="pt", padding=True)
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.inference_mode(), _quiet():
            out = self.model.generate(**inputs, generation_config=config)
        # Cut every output at its own cap, so that a chunk's output does not depend on the
        # other chunks of its batch (the cache key names the chunk alone). With
        # forced_eos_token_id the model itself writes at most cap - 1 tokens (the last slot is
        # the forced end token), so its own text is cut there, whatever the batch's longest cap.
        forced = config.forced_eos_token_id is not None
        start = 1 if self.model.config.is_encoder_decoder else inputs["input_ids"].shape[1]
        caps = [max(1, n - 1) if forced else n for n in max_new_tokens]
        rows = [row[start : start + c] for row, c in zip(out.tolist(), caps)]
        eos = config.eos_token_id if config.eos_token_id is not None else self.model.config.eos_token_id
        stops = set(eos if isinstance(eos, list) else [eos])
        texts_out = self.tokenizer.batch_decode(rows, skip_special_tokens=True)
        # Truncated: the output used its whole cap without ending by itself.
        return [
            Generated(text.strip(), len(row) >= c and not stops.intersection(row))
            for text, row, c in zip(texts_out, rows, caps)
        ]


def _pick_device(torch: Any, requested: str) -> str:
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda was asked for but no CUDA GPU is visible", "use --device cpu")
    return requested


def load_error(model: ResolvedModel, exc: Exception) -> ModelError:
    """One line, with the way out, for a checkpoint that transformers could not load."""
    text = str(exc)
    # A local folder cannot be pulled: the way out is to save it again.
    again = (
        f"pull again: summarize models pull {model.id}"
        if model.revision != "local"
        else "save the model again with save_pretrained"
    )
    if "weights_only" in text or "Unsupported global" in text:
        return ModelError(
            f"refused to load {model.path}: its pytorch_model.bin needs more than plain tensors",
            "use a checkpoint with model.safetensors (pickle code is never run)",
        )
    if "custom code" in text or "trust_remote_code" in text:
        return ModelError(
            f"refused to load {model.path}: it needs Python code shipped with the model",
            "summarize never runs model code (trust_remote_code); use a model transformers supports",
        )
    if "safetensors" in text.lower() or "header" in text.lower() or "incomplete" in text.lower():
        return ModelError(
            f"the weights in {model.path} are damaged or incomplete"
            if model.revision == "local"  # its id is its path
            else f"the weights of {model.id} in {model.path} are damaged or incomplete",
            f"verify the files or {again}",
        )
    first = text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
    return ModelError(
        f"cannot load {model.id} from {model.path}: {first}",
        f"verify the folder or {again}",
    )
