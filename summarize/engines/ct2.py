"""The CTranslate2 backend: a converted model, fed token strings from the light tokenizer.

Neither torch nor transformers is imported here: the model is converted once (see
``summarize/convert.py``, the only step that needs them), tokens come from
``summarize.tokens.LightTokenizer``, and CTranslate2 loads in a fraction of a second.  The
effective generation settings (``generation.py``) are mapped onto ``translate_batch`` so that
greedy float32 output matches the transformers backend token for token (``tests/test_ct2.py``).
"""

from __future__ import annotations

import json
import os
import platform
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..convert import METADATA_FILE, ensure_converted
from ..errors import ModelError, UsageError
from ..generation import Settings
from ..models import ResolvedModel
from ..tokens import LightTokenizer
from . import EngineOptions, Generated, drop_empty_openmp_settings, one_cap_groups
from .hf import usable_threads

# --dtype -> CTranslate2 compute type, per device ("auto": int8 on a CPU, where it is several
# times faster than float32; float16 on a GPU).
_COMPUTE_TYPES = {
    "cpu": {"auto": "int8", "float32": "float32", "bfloat16": "bfloat16", "int8": "int8"},
    "cuda": {"auto": "float16", "float32": "float32", "bfloat16": "bfloat16", "int8": "int8_float16"},
}


MAX_AUTO_WORKERS = 4

# What CTranslate2 checks before it runs its own kernels in AVX-512.
_AVX512_FLAGS = frozenset({"avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"})
ISA_VARIABLE = "CT2_FORCE_CPU_ISA"


def cpu_isa(environ: Mapping[str, str] | None = None, cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The instruction set CTranslate2's own CPU kernels run in, told without loading it.

    Those kernels (softmax, layer norm, quantising activations) run in AVX2 unless
    ``CT2_FORCE_CPU_ISA`` says otherwise: upstream keeps AVX-512 opt-in (experimental since its
    PR #1108).  Where the CPU has the whole AVX-512 set, it is about 9 %
    faster at batch 32 in int8 (``benchmarks/speed.py``) and no slower at batch 1, and float32
    outputs still match transformers token for token: this tool asks for it.  A user's own
    ``CT2_FORCE_CPU_ISA`` wins; "default" is CTranslate2's own choice.
    """
    environ = os.environ if environ is None else environ
    if environ.get(ISA_VARIABLE):
        return environ[ISA_VARIABLE]
    flags = _cpu_flags(cpuinfo)
    return "AVX512" if flags is not None and flags >= _AVX512_FLAGS else "default"


def _cpu_flags(cpuinfo: Path) -> frozenset[str] | None:
    """The CPU's feature flags, or None where the system does not list them (not Linux)."""
    try:
        with cpuinfo.open(encoding="utf-8", errors="replace") as lines:
            found = next((line for line in lines if line.startswith("flags")), None)
    except OSError:
        return None
    return frozenset(found.split(":", 1)[1].split()) if found else None


def isa_choices(machine: str | None = None, cpuinfo: Path = Path("/proc/cpuinfo")) -> tuple[str, ...]:
    """The ``CT2_FORCE_CPU_ISA`` values this CPU can run, spelt as CTranslate2 wants them."""
    machine = (machine or platform.machine()).lower()
    if machine in ("arm64", "aarch64"):
        return ("NEON", "GENERIC")
    if machine not in ("x86_64", "amd64"):
        return ("GENERIC",)
    flags = _cpu_flags(cpuinfo)
    needs = (("AVX512", _AVX512_FLAGS), ("AVX2", {"avx2"}), ("AVX", {"avx"}), ("GENERIC", set()))
    # Flags unknown: every x86 name, and CTranslate2 itself judges at the first output.
    return tuple(name for name, need in needs if flags is None or flags >= need)


def check_isa_variable() -> None:
    """Refuse a ``CT2_FORCE_CPU_ISA`` that CTranslate2 would refuse at the first output, as a bare
    ValueError: a name it does not know (it wants "AVX2", not "avx2"), or one this CPU lacks."""
    asked = os.environ.get(ISA_VARIABLE)
    choices = isa_choices()
    if asked and asked not in choices:
        raise UsageError(
            f"{ISA_VARIABLE}={asked} is not an instruction set CTranslate2 can use on this CPU",
            f"expected one of: {', '.join(choices)}; or unset it",
        )


def load_ctranslate2() -> Any:
    """Import CTranslate2, having asked first for the instruction set ``cpu_isa`` names.

    CTranslate2 settles its instruction set once per process, when its first model runs: in a
    process that ran a CTranslate2 model before this is called, ``cpu_isa`` may name another.
    """
    check_isa_variable()
    drop_empty_openmp_settings()
    if not os.environ.get(ISA_VARIABLE) and cpu_isa() == "AVX512":
        # CTranslate2 reads it once (when a model first runs, or at import when CT2_VERBOSE
        # logs its configuration), and there is no other way to ask.
        os.environ[ISA_VARIABLE] = "AVX512"
    import ctranslate2

    return ctranslate2


def compute_type_for(dtype: str, device: str) -> str:
    """The CTranslate2 compute type that ``--dtype`` means on ``device`` (cpu or cuda)."""
    table = _COMPUTE_TYPES[device]
    return table.get(dtype, table["auto"])


def storage_for(compute_type: str) -> str | None:
    """How the converted weights are stored for ``compute_type``: int8 for int8 computation.

    Loading float32 weights and quantizing them at load time gives the same int8 model, but
    the process then holds the float32 copy too while it loads: storing int8 weights keeps the
    peak memory (and the file read) about 4 times smaller.  Float computation keeps float32.
    """
    return "int8" if compute_type.startswith("int8") else None


def converted_for(model: ResolvedModel, models_dir: Path, dtype: str = "auto") -> Path:
    """The conversion ``--dtype`` needs on the CPU, made now if missing (for ``models pull``)."""
    return ensure_converted(model, models_dir, storage_for(compute_type_for(dtype, "cpu")))


def dtype_supported(dtype: str, device: str) -> bool:
    """Whether this CTranslate2 build can run ``--dtype`` on ``device`` (bfloat16 needs a recent CPU
    and a build with it; this tells without loading a model)."""
    return compute_type_for(dtype, device) in load_ctranslate2().get_supported_compute_types(device)


@dataclass(frozen=True)
class _Tokens:
    """One output as token strings, and whether the model ended it itself."""

    tokens: list[str]
    ended: bool


class CTranslate2Engine:
    """Runs a converted seq2seq model with ``ctranslate2.Translator``."""

    def __init__(self, model: ResolvedModel, options: EngineOptions) -> None:
        ctranslate2 = load_ctranslate2()

        self.model = model
        device = pick_device(ctranslate2, options.device)
        compute_type = compute_type_for(options.dtype, device)
        if compute_type not in ctranslate2.get_supported_compute_types(device):
            raise UsageError(
                f"this CTranslate2 build cannot compute in {options.dtype} on the {device}",
                "use --dtype int8 or float32, or --backend transformers",
            )
        folder = options.models_dir or default_models_dir(model)
        self.path = ensure_converted(model, Path(folder).resolve(), storage_for(compute_type))
        self.tokenizer = LightTokenizer(model.path)
        metadata = json.loads((self.path / METADATA_FILE).read_text(encoding="utf-8"))
        self._hf_vocabulary: list[str] = metadata["vocabulary"]
        self._target_vocabulary = set(_read_vocabulary(self.path, "target"))
        self._eos = str(json.loads((self.path / "config.json").read_text(encoding="utf-8"))["eos_token"])
        threads = usable_threads(options.threads)
        # On the CPU, a large batch goes faster as sub-batches side by side, one thread each,
        # than as one batch whose small per-step operations are split over the threads
        # (measured on 2 cores).  Past 4 threads, workers share them, so that a lone input
        # (a single chunk to summarise) still gets several threads.
        auto = min(threads, MAX_AUTO_WORKERS)
        self.workers = max(1, min(options.workers or auto, threads)) if device == "cpu" else 1
        try:
            self.translator = ctranslate2.Translator(
                str(self.path),
                device=device,
                compute_type=compute_type,
                inter_threads=self.workers,
                intra_threads=max(1, threads // self.workers) if device == "cpu" else 0,
            )
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"cannot load the CTranslate2 model {self.path}: {exc}",
                f"delete {self.path} to convert it again, or use --backend transformers",
            ) from exc
        dtype = {"float32": "float32", "bfloat16": "bfloat16"}.get(compute_type, "int8")
        if device == "cuda" and compute_type == "float16":
            dtype = "float16"
        # compute_type is what CTranslate2 runs (int8 on a CPU reads "int8_float32").
        self.description = {
            "backend": "ctranslate2",
            "dtype": dtype,
            "compute_type": str(self.translator.compute_type),
            "device": device,
            "cpu_isa": cpu_isa() if device == "cpu" else "default",
        }

    def generate(
        self, texts: Sequence[str], settings: Settings, max_new_tokens: Sequence[int]
    ) -> list[Generated]:
        outputs = self.generate_tokens(texts, settings, max_new_tokens)
        # The output cap was reached without an end token: the text was cut.
        return [Generated(self.tokenizer.decode(o.tokens).strip(), not o.ended) for o in outputs]

    def generate_tokens(
        self, texts: Sequence[str], settings: Settings, max_new_tokens: Sequence[int]
    ) -> list[_Tokens]:
        """Output tokens of ``texts`` (end token excluded), each cut at its own cap."""
        if not texts:
            return []
        params = settings.params
        forced_eos = params.get("forced_eos_token_id") is not None
        # transformers forces the end token in the last position when forced_eos_token_id is
        # set: the model itself then writes at most cap - 1 tokens.
        caps = [max(1, n - 1) if forced_eos else n for n in max_new_tokens]
        source = [self.tokenizer.encode(settings.prefix + t) for t in texts]
        prefix = self._forced_prefix(params)
        options = self._options(params)
        # With beams, each cap's inputs are decoded apart (see one_cap_groups); the groups are
        # queued at once and run side by side on the workers.
        groups = one_cap_groups(caps) if options["beam_size"] > 1 else [list(range(len(caps)))]
        pending = []
        for group in groups:
            pending.append(
                self.translator.translate_batch(
                    [source[i] for i in group],
                    target_prefix=[prefix] * len(group) if prefix else None,
                    max_batch_size=-(-len(group) // self.workers),
                    batch_type="examples",
                    asynchronous=True,
                    **options,
                    **self._cap_options(params, max(caps[i] for i in group)),
                )
            )
        results: list[Any] = [None] * len(caps)
        for group, handles in zip(groups, pending):
            for i, handle in zip(group, handles):
                results[i] = _result(handle)
        ends = set(options.get("end_token") or [self._eos])
        outputs = []
        for result, cap in zip(results, caps):
            tokens = list(result.hypotheses[0])
            stop = next((i for i, t in enumerate(tokens) if t in ends), None)
            if stop is not None and stop < cap:
                outputs.append(_Tokens(tokens[:stop], True))
            else:
                # Cut at this output's own cap, so that it does not depend on the other
                # outputs of its batch (the cache key names the chunk alone).
                outputs.append(_Tokens(tokens[:cap], False))
        return outputs

    # -- settings ------------------------------------------------------------------------
    def _token(self, token_id: Any) -> str | None:
        if isinstance(token_id, int) and 0 <= token_id < len(self._hf_vocabulary):
            return self._hf_vocabulary[token_id]
        return None

    def _forced_prefix(self, params: Any) -> list[str]:
        """The target-language token some models (mBART-50, NLLB) must start with."""
        token = self._token(params.get("forced_bos_token_id"))
        return [token] if token is not None else []

    def _cap_options(self, params: Any, cap: int) -> dict[str, Any]:
        # transformers counts the decoder start token in min_length; CTranslate2 does not, and
        # its default (1) would forbid an immediate end that transformers allows.
        min_length = max(0, int(params.get("min_length") or 0) - 1)
        return {"max_decoding_length": cap, "min_decoding_length": min(min_length, cap)}

    def _options(self, params: Any) -> dict[str, Any]:
        """``translate_batch`` keywords for the effective generation settings (caps apart)."""
        sampling = bool(params.get("do_sample"))
        options: dict[str, Any] = {
            "beam_size": 1 if sampling else int(params.get("num_beams") or 1),
            "max_input_length": 0,  # chunks already fit the model; never cut an input
            "return_end_token": True,  # to tell an output that ended from one that was cut
            "length_penalty": float(params.get("length_penalty", 1.0)),
            "repetition_penalty": float(params.get("repetition_penalty") or 1.0),
            "no_repeat_ngram_size": int(params.get("no_repeat_ngram_size") or 0),
        }
        if sampling:
            options.update(
                sampling_topk=int(params.get("top_k") or 50),
                sampling_topp=float(params.get("top_p") or 1.0),
                sampling_temperature=float(params.get("temperature") or 1.0),
            )
        suppressed = []
        for ids in params.get("bad_words_ids") or []:
            tokens = [self._token(i) for i in ids]
            # A sequence with a token the converted model does not have (Marian's <pad>)
            # can never be generated: nothing to suppress.
            if tokens and all(t is not None and t in self._target_vocabulary for t in tokens):
                suppressed.append(tokens)
        if suppressed:
            options["suppress_sequences"] = suppressed
        eos = params.get("eos_token_id")
        ends = [self._token(i) for i in (eos if isinstance(eos, list) else [eos])] if eos is not None else []
        ends = [t for t in ends if t is not None and t in self._target_vocabulary]
        if ends:
            options["end_token"] = ends
        return options


def default_models_dir(model: ResolvedModel) -> Path:
    """The models dir a hub model was found in (``<dir>/models--org--name/snapshots/<commit>``)."""
    path = model.path.resolve()
    if path.parent.name == "snapshots" and path.parent.parent.name.startswith("models--"):
        return path.parents[2]
    return Path("models_cache")


def _read_vocabulary(folder: Path, side: str) -> list[str]:
    for name in (f"{side}_vocabulary.json", "shared_vocabulary.json"):
        path = folder / name
        if path.is_file():
            return list(json.loads(path.read_text(encoding="utf-8")))
    raise ModelError(
        f"no vocabulary in the CTranslate2 model {folder}", f"delete {folder} to convert it again"
    )


def pick_device(ctranslate2: Any, requested: str) -> str:
    """The device CTranslate2 runs on for ``--device`` (``auto``: a GPU when it sees one)."""
    has_cuda = ctranslate2.get_cuda_device_count() > 0
    if requested == "auto":
        return "cuda" if has_cuda else "cpu"
    if requested == "cuda" and not has_cuda:
        raise UsageError("--device cuda was asked for but no CUDA GPU is visible", "use --device cpu")
    return requested


def _result(handle: Any) -> Any:
    """``handle.result()``, waited for where a signal can interrupt the wait: ``result()``
    blocks in C++, where the main thread runs no signal handler, so Ctrl-C and SIGTERM waited
    for the whole batch (a minute and more with many beams).  A thread takes the result into a
    Future, whose wait a signal's handler interrupts, with no delay added."""
    if handle.done():
        return handle.result()
    from concurrent.futures import Future  # only with a batch under way: not at start-up

    future: Future[Any] = Future()

    def take() -> None:
        try:
            future.set_result(handle.result())
        except BaseException as exc:  # raised in the caller, as result() would
            future.set_exception(exc)

    threading.Thread(target=take, name="summarize-ct2-result", daemon=True).start()
    return future.result()
