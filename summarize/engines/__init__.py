"""Engines run a seq2seq model on batches of texts.  This module is the interface and registry.

An engine module is imported only when a model actually has to run, so ``--help``, the
``models``/``cache`` commands and an all-hit run never import torch or transformers.  An engine
keeps no global state: it is built from a resolved model and options, and owned by its caller
(so the same code can run inside a distributed ``map_batches`` worker).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import UsageError, check_at_least, check_one_of

if TYPE_CHECKING:  # types only: the CLI imports this module for EngineOptions' defaults
    from ..generation import Settings
    from ..models import ResolvedModel

# name -> "module:Class", imported lazily.
ENGINES = {
    "transformers": "summarize.engines.hf:TransformersEngine",
    "ctranslate2": "summarize.engines.ct2:CTranslate2Engine",
}
# The choices of --backend, --dtype and --device: EngineOptions refuses any other value, and
# the CLI's choices are built from these.
BACKENDS = ("auto", *ENGINES)
DTYPES = ("auto", "float32", "bfloat16", "int8")
DEVICES = ("cpu", "cuda", "auto")
# What dtype "auto" resolves to for CTranslate2 on a GPU (runner._auto_dtype): options
# resolved for such a run carry it, so it is accepted there, and only there.
CT2_GPU_DTYPE = "float16"


def drop_empty_openmp_settings() -> None:
    """Unset ``OMP_WAIT_POLICY`` and ``GOMP_SPINCOUNT`` where they are set to nothing.

    Both CTranslate2 and torch bundle GNU OpenMP, which reads them when the library loads: an
    empty value (``GOMP_SPINCOUNT=`` in a script, or a template with nothing filled in) is not
    unset to libgomp, which prints ``libgomp: Invalid value for environment variable ...`` on
    stderr, once per copy, and keeps its own default.  Call it before importing either library.
    """
    for name in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT"):
        if name in os.environ and not os.environ[name].strip():
            del os.environ[name]


@dataclass(frozen=True)
class EngineOptions:
    """How to run a model; part of the reproducibility signature where it changes the output."""

    # The CLI's defaults are these (it reads them from here): a program gets the same fast
    # default as the command line, CTranslate2 in int8 on the CPU where the model allows.
    backend: str = "auto"
    dtype: str = "auto"
    device: str = "cpu"
    threads: int | None = None  # None: the cores this process may use; more is lowered to them
    # CTranslate2 batches run side by side on this many workers (None: one per thread, at most
    # 4); the output does not depend on it.
    workers: int | None = None
    models_dir: Path | None = None  # where converted (CTranslate2) models are kept

    def __post_init__(self) -> None:
        # A typo (dtype="fp16") used to run silently as something else, and be recorded as asked.
        check_one_of("backend", self.backend, BACKENDS)
        if (self.dtype, self.backend, self.device) != (CT2_GPU_DTYPE, "ctranslate2", "cuda"):
            check_one_of("dtype", self.dtype, DTYPES)
        check_one_of("device", self.device, DEVICES)
        check_at_least(1, self, "threads", "workers", optional=True)


def available_cores() -> int:
    """The cores this process may use (its CPU affinity): the default threads, and the most."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads_notice(options: EngineOptions) -> str | None:
    """What to tell the user when ``options.threads`` is more than :func:`available_cores`."""
    cores = available_cores()
    if options.threads is None or options.threads <= cores:
        return None
    return (
        f"--threads {options.threads} is more than the {cores} cores this process may use: it runs on {cores}"
    )


@dataclass(frozen=True)
class Generated:
    """One output: its text, and whether it stopped at its token cap instead of ending."""

    text: str
    truncated: bool


class Engine(Protocol):
    """What every backend provides."""

    #: how this loaded engine really runs (backend, dtype, device; CTranslate2 adds its
    #: compute_type and cpu_isa), for tests and debugging. The record's ``models`` entry does
    #: not read it: it is built from the resolved options (``runner.TaskRunner.describe``),
    #: so that a record does not depend on whether the engine was loaded or the cache answered.
    description: dict[str, str]

    def generate(
        self, texts: Sequence[str], settings: Settings, max_new_tokens: Sequence[int]
    ) -> list[Generated]:
        """Outputs for ``texts`` (one batch), each cut at its own ``max_new_tokens``."""
        ...


def pick_backend(requested: str, model_type: str, device: str, dtype: str = "auto") -> str:
    """The backend ``--backend auto`` means for a model: CTranslate2 on the CPU where it can.

    CTranslate2 is faster on a CPU (int8) and starts without torch; on a GPU, for model
    families its converter does not handle, and for a ``dtype`` this CTranslate2 build cannot
    compute on this CPU (bfloat16 on most builds), the transformers backend runs the model.
    """
    if requested != "auto":
        return requested
    from ..convert import supports_ctranslate2

    if not supports_ctranslate2(model_type) or device not in ("cpu", "auto"):
        return "transformers"
    if importlib.util.find_spec("ctranslate2") is None:
        return "transformers"
    if dtype in ("auto", "int8", "float32") and device == "cpu":
        # Every CTranslate2 CPU build computes these; importing it to ask would cost an
        # all-hit run 30 ms for nothing.
        return "ctranslate2"
    from .ct2 import dtype_supported, load_ctranslate2

    # torch-free, unlike torch.cuda.is_available()
    if device == "auto" and load_ctranslate2().get_cuda_device_count() > 0:
        return "transformers"

    return "ctranslate2" if dtype_supported(dtype, "cpu") else "transformers"


def one_cap_groups(caps: Sequence[int]) -> list[list[int]]:
    """Indices of ``caps`` grouped by equal value (first seen first).

    Engines decode a batch up to its longest cap and cut each output at its own.  That is exact
    for greedy decoding, but a beam search that reaches its cap keeps other hypotheses at a short
    cap than at a long one: with beams, each cap's inputs are decoded apart, so that an output
    never depends on what it was batched with.
    """
    groups: dict[int, list[int]] = {}
    for index, cap in enumerate(caps):
        groups.setdefault(cap, []).append(index)
    return list(groups.values())


# The libraries whose numerics decide a backend's outputs.
LIBRARIES = {"ctranslate2": ("ctranslate2",), "transformers": ("transformers", "torch")}


def library_versions(backend: str) -> dict[str, str]:
    """Versions of the libraries that compute ``backend``'s outputs, read without importing them."""
    return {name: _installed_version(name) for name in LIBRARIES.get(backend, ())}


def _installed_version(name: str) -> str:
    # The dist-info folder beside the package names its version: a directory listing, where
    # importlib.metadata would cost an all-hit run 30 ms of imports.
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return "not installed"
    for folder in Path(spec.origin).parent.parent.glob(f"{name}-*.dist-info"):
        return folder.name[len(name) + 1 : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def load_engine(model: ResolvedModel, options: EngineOptions) -> Engine:
    """Build the engine named by ``options.backend`` for ``model``."""
    target = ENGINES.get(options.backend)
    if target is None:
        raise UsageError(
            f"unknown backend {options.backend!r}", "expected one of: " + ", ".join(sorted(ENGINES))
        )
    module_name, class_name = target.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(model, options)
