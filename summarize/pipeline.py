"""The pipeline: read → clean → segment → chunk → engine → reassemble, with the cache beside it.

``Summarizer.process`` takes articles and yields one ``ArticleResult`` per article, in input
order.  Articles are taken in windows: the chunks of a whole window (cache misses only, the
same text once) are sorted by length and run in token-budgeted batches, then put back in
order, so that a long batch of articles streams results while memory stays bounded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from . import __version__
from .chunk import Chunk, ChunkSettings, make_chunks
from .engines import Engine, Generated, load_engine
from .errors import InputError, SummarizeError
from .generation import Overrides, Settings, effective_settings
from .guard import check_translation
from .models import ModelRef, ResolvedModel, read_json, resolve
from .options import RunOptions
from .read import Article, Item, ReadFailure
from .reassemble import reassemble
from .segment import segment
from .tokens import LightTokenizer

KEY_FORMAT = 1


@dataclass
class ArticleResult:
    """Everything the tool knows about one article after the run."""

    id: str
    source: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    summary_fr: str | None = None
    translation_en: str | None = None
    chunks: dict[str, int] = field(default_factory=dict)
    models: dict[str, dict[str, str]] = field(default_factory=dict)
    cached: dict[str, bool] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"  # ok | skipped | error
    error: dict[str, str] | None = None

    @property
    def failed(self) -> bool:
        return self.status == "error"


@dataclass
class RunStats:
    hits: int = 0
    misses: int = 0


class TaskRunner:
    """One task (summary or translation) on one model: chunking, cache and engine."""

    def __init__(
        self, task: str, ref: ModelRef, overrides: Overrides, options: RunOptions, cache: Any, stats: RunStats
    ) -> None:
        self.task = task
        self.options = options
        self.model: ResolvedModel = resolve(ref, options.models_dir, offline=options.offline)
        self.tokenizer = LightTokenizer(self.model.path)
        self.settings: Settings = effective_settings(self.model.path, task, overrides)
        limit = _input_limit(self.model)
        budget = min(limit, options.chunking.max_chunk_tokens or limit)
        target = min(budget, options.chunking.translation_target_tokens) if task == "translation" else budget
        self.chunk_settings = ChunkSettings(budget, target, cross_paragraphs=task == "summary")
        self.cache = cache
        self.stats = stats
        self._engine: Engine | None = None

    # -- reproducibility -------------------------------------------------------------------
    def signature(self) -> dict[str, Any]:
        """What decides this task's outputs; the cache key is this plus the chunk text."""
        engine = self.options.engine
        return {
            "key_format": KEY_FORMAT,
            "version": __version__,
            "task": self.task,
            "model": self.model.describe(),
            "tokenizer": self.model.tokenizer_hash,
            "generation": self.settings.as_dict(),
            "chunker": {
                "budget": self.chunk_settings.budget,
                "target": self.chunk_settings.target,
                "cross_paragraphs": self.chunk_settings.cross_paragraphs,
                "segmenter": "sentencex+abbr",
            },
            "engine": {"backend": engine.backend, "dtype": engine.dtype},
        }

    def describe(self) -> dict[str, str]:
        out = dict(self.model.describe())
        out.update({"backend": self.options.engine.backend, "dtype": self.options.engine.dtype})
        if self._engine is not None:
            out.update(self._engine.description)
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
        if self.cache is not None and not self.options.refresh:
            stored = self.cache.get_many([k for k, _ in keys.values()])
            for text, (digest, _) in keys.items():
                if digest in stored:
                    found[text] = _decode_value(stored[digest])
        hit_texts = set(found)
        misses = [t for t in unique if t not in found]
        self.stats.hits += len(unique) - len(misses)
        self.stats.misses += len(misses)
        for batch in self._batches(misses):
            outputs = self.engine.generate(batch, self.settings, [self._cap(t) for t in batch])
            found.update(zip(batch, outputs))
            if self.cache is not None:
                # One transaction per batch: a crash keeps every finished batch.
                self.cache.put_many(
                    [(keys[t][0], keys[t][1], _encode_value(o)) for t, o in zip(batch, outputs)]
                )
        return [found[t] for t in texts], [t in hit_texts for t in texts]

    def _cap(self, text: str) -> int:
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
            self._engine = load_engine(self.model, self.options.engine)
        return self._engine


def _encode_value(out: Generated) -> str:
    import json

    return json.dumps({"text": out.text, "truncated": out.truncated}, ensure_ascii=False)


def _decode_value(value: str) -> Generated:
    import json

    data = json.loads(value)
    return Generated(str(data["text"]), bool(data.get("truncated", False)))


def _input_limit(model: ResolvedModel) -> int:
    """Tokens the model accepts as input: the tokenizer's limit, else its position table."""
    tok = read_json(model.path / "tokenizer_config.json").get("model_max_length")
    config = read_json(model.path / "config.json")
    positions = config.get("max_position_embeddings") or config.get("n_positions")
    candidates = [int(v) for v in (tok, positions) if isinstance(v, int | float) and 0 < v < 1_000_000]
    return min(candidates) if candidates else 512


@dataclass
class _Prepared:
    article: Article
    result: ArticleResult
    body: str = ""
    translation_chunks: list[Chunk] = field(default_factory=list)
    summary_chunks: list[Chunk] = field(default_factory=list)


class Summarizer:
    """Runs the whole pipeline over articles; owns its task runners and nothing global."""

    def __init__(self, options: RunOptions, cache: Any = None) -> None:
        self.options = options
        self.cache = cache
        self.stats = RunStats()
        self._runners: dict[str, TaskRunner] = {}

    def runner(self, task: str) -> TaskRunner:
        if task not in self._runners:
            ref = self.options.summary_model if task == "summary" else self.options.translation_model
            overrides = (
                self.options.summary_overrides if task == "summary" else self.options.translation_overrides
            )
            self._runners[task] = TaskRunner(task, ref, overrides, self.options, self.cache, self.stats)
        return self._runners[task]

    def signatures(self) -> dict[str, dict[str, Any]]:
        return {task: self.runner(task).signature() for task in self.options.tasks}

    def process(
        self, items: Iterable[Item], on_done: Callable[[ArticleResult], None] | None = None
    ) -> Iterator[ArticleResult]:
        """Yield one result per item, in order, working a window of articles at a time."""
        for task in self.options.tasks:
            self.runner(task)  # resolve models up front: a missing one stops the run at once
        iterator = iter(items)
        size = 1
        # Windows grow 1, 2, 4... so the first result shows at once and later ones batch well.
        while window := list(islice(iterator, size)):
            yield from self._process_window(window)
            size = min(size * 2, self.options.window_articles)

    # -- one window ----------------------------------------------------------------------
    def _process_window(self, items: list[Item]) -> list[ArticleResult]:
        prepared = [self._prepare(item) for item in items]
        live = [p for p in prepared if p.result.status == "ok"]
        if "translation" in self.options.tasks:
            self._translate(live)
        if "summary" in self.options.tasks:
            self._summarize(live)
        return [p.result for p in prepared]

    def _prepare(self, item: Item) -> _Prepared:
        if isinstance(item, ReadFailure):
            result = ArticleResult(item.id, item.source, status="error")
            result.error = _error_dict(item.error)
            return _Prepared(_placeholder(item), result)
        result = ArticleResult(item.id, item.source, title=item.title, url=item.url)
        prep = _Prepared(item, result)
        try:
            self._clean(prep)
            for task in self.options.tasks:
                runner = self.runner(task)
                chunks = runner.chunks(prep.body)
                result.chunks[task] = len(chunks)
                result.models[task] = runner.describe()
                if task == "translation":
                    prep.translation_chunks = chunks
                else:
                    prep.summary_chunks = chunks
        except InputError as exc:
            result.status = "skipped" if exc.kind in ("empty", "no_text") else "error"
            result.error = _error_dict(exc)
        return prep

    def _clean(self, prep: _Prepared) -> None:
        from .clean import clean_text, extract_html, has_text, normalize_text

        article, result = prep.article, prep.result
        keep = self.options.keep_boilerplate
        cleaned = (
            extract_html(article.text, url=article.url, keep_boilerplate=keep)
            if article.html
            else clean_text(normalize_text(article.text), keep_boilerplate=keep)
        )
        result.title = result.title or cleaned.title
        result.url = result.url or cleaned.url
        result.date = cleaned.date
        result.removed = [{"line": r.line_no, "kind": r.kind, "text": r.text} for r in cleaned.removed]
        if not article.text.strip():
            raise _Skip("empty", "the article is empty", "give it some text")
        if not has_text(cleaned.body):
            raise _Skip(
                "no_text",
                "nothing to translate is left after cleaning",
                "check the input, or pass --keep-boilerplate",
            )
        prep.body = cleaned.body

    def _translate(self, live: list[_Prepared]) -> None:
        runner = self.runner("translation")
        texts = [c.text for p in live for c in p.translation_chunks]
        outputs, hits = runner.run(texts)
        position = 0
        for prep in live:
            n = len(prep.translation_chunks)
            outs, cached = outputs[position : position + n], hits[position : position + n]
            position += n
            outs = self._guard(runner, prep, list(outs))
            prep.result.translation_en = reassemble(prep.translation_chunks, [o.text for o in outs])
            prep.result.cached["translation"] = all(cached)

    def _guard(self, runner: TaskRunner, prep: _Prepared, outs: list[Generated]) -> list[Generated]:
        """Retry suspicious chunks sentence by sentence; flag those that stay suspicious."""
        for index, (chunk, out) in enumerate(zip(prep.translation_chunks, outs)):
            problem = check_translation(chunk.text, out)
            if problem is None:
                continue
            if len(chunk.parts) > 1:
                parts, _ = runner.run(list(chunk.parts))
                joined = Generated(" ".join(p.text for p in parts), any(p.truncated for p in parts))
                retry = [check_translation(t, p) for t, p in zip(chunk.parts, parts)]
                if not any(retry):
                    outs[index] = joined
                    continue
                outs[index] = joined
                problem = next(r for r in retry if r)
            prep.result.warnings.append(
                {
                    "kind": "incomplete_translation",
                    "chunk": index,
                    "paragraph": chunk.paragraph,
                    "reason": problem,
                    "message": f"chunk {index + 1} of {len(outs)} may be incomplete: {problem}",
                }
            )
        return outs

    def _summarize(self, live: list[_Prepared]) -> None:
        runner = self.runner("summary")
        current = {id(p): [c.text for c in p.summary_chunks] for p in live}
        all_cached = {id(p): True for p in live}
        pending = list(live)
        for depth in range(1, self.options.max_summary_rounds + 1):
            if not pending:
                break
            texts = [t for p in pending for t in current[id(p)]]
            outputs, hits = runner.run(texts)
            position, still = 0, []
            for prep in pending:
                inputs = current[id(prep)]
                outs = outputs[position : position + len(inputs)]
                all_cached[id(prep)] &= all(hits[position : position + len(inputs)])
                position += len(inputs)
                joined = " ".join(o.text for o in outs if o.text)
                if len(inputs) == 1:
                    prep.result.summary_fr = joined
                    continue
                before = sum(runner.tokenizer.count(t) for t in inputs)
                after_chunks = runner.chunks(joined)
                after = sum(c.tokens for c in after_chunks)
                if after >= 0.9 * before or depth == self.options.max_summary_rounds:
                    # The model does not shorten (or the depth bound is reached): stop here
                    # rather than loop, and say so.
                    prep.result.summary_fr = joined
                    reason = (
                        "the summary model did not shorten the text"
                        if after >= 0.9 * before
                        else f"the depth bound ({self.options.max_summary_rounds} rounds) was reached"
                    )
                    prep.result.warnings.append(
                        {
                            "kind": "summary_not_converged",
                            "rounds": depth,
                            "message": f"{reason}; the summary is the joined partial summaries "
                            f"({after} tokens from {before})",
                        }
                    )
                    continue
                current[id(prep)] = [c.text for c in after_chunks]
                still.append(prep)
            pending = still
        for prep in live:
            prep.result.cached["summary"] = all_cached[id(prep)]


class _Skip(InputError):
    def __init__(self, kind: str, message: str, hint: str) -> None:
        super().__init__(message, hint)
        self.kind = kind


def _placeholder(failure: ReadFailure) -> Article:
    return Article(failure.id, failure.source, "")


def _error_dict(exc: SummarizeError) -> dict[str, str]:
    out = {"kind": exc.kind, "message": exc.message}
    if exc.hint:
        out["hint"] = exc.hint
    return out
