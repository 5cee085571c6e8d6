"""One task (summary or translation) on one model: chunking, the output cache and engine calls.

``TaskRunner`` chunks a text as its model reads it, serves the chunks it has cached and runs
the others in length-sorted, token-budgeted batches; its signature (what decides its outputs)
keys the cache.  ``resolve_engine_options`` says what ``auto`` means for a model (the backend,
dtype and device that really run), ``loaded_conversion`` which CTranslate2 conversion a run
loads.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .chunk import Chunk, ChunkSettings, make_chunks
from .engines import (
    CT2_GPU_DTYPE,
    Engine,
    EngineOptions,
    Generated,
    library_versions,
    load_engine,
    pick_backend,
)
from .errors import ModelError
from .events import ModelLoaded, ModelLoading, Observer
from .generation import Overrides, Settings, effective_settings
from .models import ModelRef, ResolvedModel, read_json, resolve
from .options import RunOptions
from .segment import segment
from .tokens import LightTokenizer

KEY_FORMAT = 2  # 2: output caps are powers of two


@dataclass
class RunStats:
    hits: int = 0
    misses: int = 0


class TaskRunner:
    """One task (summary or translation) on one model: chunking, cache and engine."""

    def __init__(
        self,
        task: str,
        ref: ModelRef,
        overrides: Overrides,
        options: RunOptions,
        cache: Any,
        stats: RunStats,
        notices: list[str] | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.task = task
        self.observer = observer
        self.options = options
        self.model: ResolvedModel = resolve(ref, options.models_dir, offline=options.offline)
        self.settings: Settings = effective_settings(self.model.path, task, overrides)
        limit = _input_limit(self.model)
        asked = options.chunking.max_chunk_tokens
        if asked and asked > limit and notices is not None:
            # The model cannot read more; say so rather than let the user believe it did.
            notices.append(
                f"--max-chunk-tokens {asked} is over the input limit of {self.model.id} "
                f"({limit} tokens): its {task} chunks use {limit}"
            )
        budget = min(limit, asked or limit)
        target = min(budget, options.chunking.translation_target_tokens) if task == "translation" else budget
        self.chunk_settings = ChunkSettings(budget, target, cross_paragraphs=task == "summary")
        self.cache = cache
        self.stats = stats
        self._engine: Engine | None = None
        self._load_error: ModelError | None = None
        self._tokenizer: LightTokenizer | None = None
        # Keys this run computed: --refresh recomputes an output once, not at every window
        # that repeats its chunk.
        self._computed: set[str] = set()
        self.engine_options = resolve_engine_options(options, self.model)

    @property
    def tokenizer(self) -> LightTokenizer:
        # Loaded on first use: a run served from the article memo never needs it.
        if self._tokenizer is None:
            self._tokenizer = LightTokenizer(self.model.path)
        return self._tokenizer

    # -- reproducibility -------------------------------------------------------------------
    def signature(self) -> dict[str, Any]:
        """What decides this task's outputs; the cache key is this plus the chunk text."""
        engine = self.engine_options
        return {
            "key_format": KEY_FORMAT,
            "version": __version__,
            "task": self.task,
            # A local folder is known by its content ("local-<fingerprint>"), not its path:
            # moved or copied, it keeps its cache.
            "model": {**self.model.describe(), "id": self.model.commit}
            if self.model.revision == "local"
            else self.model.describe(),
            "tokenizer": self.model.tokenizer_hash,
            "generation": self.settings.as_dict(),
            "chunker": {
                "budget": self.chunk_settings.budget,
                "target": self.chunk_settings.target,
                "cross_paragraphs": self.chunk_settings.cross_paragraphs,
                "segmenter": "sentencex+abbr",
            },
            # An upgrade of the library or another device can change the last digits, and so
            # a word: their outputs are not reused (as sacrebleu's signature names its version).
            "engine": {
                "backend": engine.backend,
                "dtype": engine.dtype,
                "device": engine.device,
                "libraries": self._libraries,
                **self._cpu_isa,
            },
        }

    @functools.cached_property
    def _libraries(self) -> dict[str, str]:
        return library_versions(self.engine_options.backend)

    @functools.cached_property
    def _cpu_isa(self) -> dict[str, str]:
        # CTranslate2's own kernels run in another instruction set (engines/ct2.py): the last
        # digits may differ, so their outputs are kept apart.
        if self.engine_options.backend != "ctranslate2" or self.engine_options.device != "cpu":
            return {}
        from .engines.ct2 import cpu_isa

        return {"cpu_isa": cpu_isa()}

    @functools.cached_property
    def digest(self) -> str:
        """The signature's hash: what an article memo checks before it is trusted."""
        from .cache import make_key

        return make_key(self.signature())[0]

    def describe(self) -> dict[str, str]:
        out = dict(self.model.describe())
        # Only what was decided up front: the record must not depend on whether this process
        # happened to load the engine or was served from the cache.
        engine = self.engine_options
        out.update({"backend": engine.backend, "dtype": engine.dtype, "device": engine.device})
        return out

    # -- work ------------------------------------------------------------------------------
    def chunks(self, body: str, lang: str | None = None) -> list[Chunk]:
        if self.settings.normalize_whitespace:
            body = re.sub(r"[ \t]+", " ", body)
        return make_chunks(
            segment(body, lang), self.tokenizer.count, self.chunk_settings, prefix=self.settings.prefix
        )

    def run(self, texts: Sequence[str]) -> tuple[list[Generated], list[bool]]:
        """Outputs for ``texts`` (and whether each came from the cache), computing misses only."""
        from .cache import make_key

        unique = list(dict.fromkeys(texts))
        signature = self.signature()
        keys = {t: make_key({**signature, "text": t}) for t in unique}
        found: dict[str, Generated] = {}
        wanted = [k for k, _ in keys.values() if not self.options.refresh or k in self._computed]
        if self.cache is not None and wanted:
            stored = self.cache.get_many(wanted)
            for text, (digest, _) in keys.items():
                if digest in stored:
                    value = _decode_value(stored[digest])
                    if value is None:
                        # Damaged on disk: computed again below, and the entry overwritten.
                        self.cache.report_unreadable([digest])
                    else:
                        found[text] = value
        hit_texts = set(found)
        misses = [t for t in unique if t not in found]
        self.stats.hits += len(unique) - len(misses)
        self.stats.misses += len(misses)
        for batch in self._batches(misses):
            outputs = self.engine.generate(batch, self.settings, [self.cap(t) for t in batch])
            found.update(zip(batch, outputs))
            if self.cache is not None:
                # One transaction per batch: a crash keeps every finished batch.
                self.cache.put_many(
                    [(keys[t][0], keys[t][1], _encode_value(o)) for t, o in zip(batch, outputs)]
                )
                if self.options.refresh:
                    self._computed.update(keys[t][0] for t in batch)
        return [found[t] for t in texts], [t in hit_texts for t in texts]

    def cap(self, text: str) -> int:
        """The output-token cap of ``text``, as its batch is decoded."""
        return self.settings.new_tokens_for(self.task, self.tokenizer.count(self.settings.prefix + text))

    def _batches(self, texts: list[str]) -> Iterator[list[str]]:
        """Length-sorted batches whose padded size stays within the token budget."""
        sized = sorted(((self.tokenizer.count(self.settings.prefix + t), t) for t in texts), reverse=True)
        batch: list[str] = []
        longest = 0
        for n, text in sized:
            longest = max(longest, n)
            if batch and (
                longest * (len(batch) + 1) > self.options.batch_tokens
                or len(batch) >= self.options.max_batch_size
            ):
                yield batch
                batch, longest = [], n
            batch.append(text)
        if batch:
            yield batch

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            # A model that failed to load fails again at once for the next article.
            if self._load_error is not None:
                raise self._load_error
            tell = self.observer
            engine = self.engine_options
            if tell is not None:
                converting = engine.backend == "ctranslate2" and not _is_converted(self.model, engine)
                tell(ModelLoading(self.task, self.model.id, engine.backend, engine.dtype, converting))
            ok = False
            try:
                self._engine = load_engine(self.model, engine)
                ok = True
            except ModelError as exc:
                self._load_error = exc
                raise
            finally:
                if tell is not None:
                    tell(ModelLoaded(self.task, self.model.id, ok))
        return self._engine


def resolve_engine_options(options: RunOptions, model: ResolvedModel) -> EngineOptions:
    """What ``auto`` means for this model: the backend and dtype that will really run.

    On the CPU that is CTranslate2 (for the families it converts) in int8, which copies as
    exactly as float32 on the copy model (benchmarks/int8_fidelity.py); the cache key and the
    record name the resolved pair, never "auto".
    """
    engine = options.engine
    backend = pick_backend(engine.backend, model.model_type, engine.device, engine.dtype)
    if engine.device == "auto" and backend == "ctranslate2" and importlib.util.find_spec("ctranslate2"):
        # The device CTranslate2 itself will pick, asked without torch: the key and the record
        # name the device that runs.
        from .engines.ct2 import load_ctranslate2, pick_device

        engine = dataclasses.replace(engine, device=pick_device(load_ctranslate2(), "auto"))
    elif engine.device == "auto" and backend == "transformers":
        from .engines.hf import auto_device

        engine = dataclasses.replace(engine, device=auto_device())
    dtype = _auto_dtype(engine, backend)
    if engine.backend == "auto" and backend == "ctranslate2":
        from .convert import can_convert
        from .engines.ct2 import compute_type_for, storage_for

        device = "cuda" if engine.device == "cuda" else "cpu"
        if not can_convert(model, options.models_dir, storage_for(compute_type_for(dtype, device))):
            # Never converted, and the models dir is read-only: run the checkpoint as it is.
            backend = "transformers"
            dtype = _auto_dtype(engine, backend)
    return dataclasses.replace(engine, backend=backend, dtype=dtype, models_dir=options.models_dir)


def loaded_conversion(model: ResolvedModel, options: RunOptions) -> Path | None:
    """The finished CTranslate2 conversion that a run with ``options`` loads for ``model``;
    None when the run would load the checkpoint itself, or convert it first.

    Such a run never reads the checkpoint's weights: a damaged weights file beside its
    conversion does not stop it.
    """
    from .convert import is_converted

    engine = resolve_engine_options(options, model)
    if engine.backend != "ctranslate2":
        return None
    path = _conversion(model, engine, options.models_dir)
    return path if is_converted(path) else None


def _conversion(model: ResolvedModel, engine: EngineOptions, models_dir: Path) -> Path:
    """Where the CTranslate2 engine with ``engine`` (resolved) keeps ``model``'s conversion."""
    from .convert import converted_path
    from .engines.ct2 import compute_type_for, storage_for

    device = "cuda" if engine.device == "cuda" else "cpu"
    return converted_path(model, models_dir, storage_for(compute_type_for(engine.dtype, device)))


def _is_converted(model: ResolvedModel, engine: EngineOptions) -> bool:
    """Whether loading ``model`` with ``engine`` (resolved, CTranslate2) finds its conversion made."""
    from .convert import is_converted
    from .engines.ct2 import default_models_dir

    folder = engine.models_dir or default_models_dir(model)  # as the engine picks it
    return is_converted(_conversion(model, engine, Path(folder).resolve()))


def _auto_dtype(engine: EngineOptions, backend: str) -> str:
    if engine.dtype != "auto":
        return engine.dtype
    if engine.device == "cuda":
        return CT2_GPU_DTYPE if backend == "ctranslate2" else "bfloat16"
    return "int8"  # the CPU ("auto" is resolved to the device before this)


def _encode_value(out: Generated) -> str:
    return json.dumps({"text": out.text, "truncated": out.truncated}, ensure_ascii=False)


def _decode_value(value: str) -> Generated | None:
    """A cached output, or None when the stored value cannot be read (it is then a miss)."""
    try:
        data = json.loads(value)
        text, truncated = data["text"], data.get("truncated", False)
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(text, str) or not isinstance(truncated, bool):
        return None
    return Generated(text, truncated)


def _input_limit(model: ResolvedModel) -> int:
    """Tokens the model accepts as input: the tokenizer's limit, else its position table."""
    tok = read_json(model.path / "tokenizer_config.json").get("model_max_length")
    config = read_json(model.path / "config.json")
    positions = config.get("max_position_embeddings") or config.get("n_positions")
    candidates = [int(v) for v in (tok, positions) if isinstance(v, int | float) and 0 < v < 1_000_000]
    return min(candidates) if candidates else 512
