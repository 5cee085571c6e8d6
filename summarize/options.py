"""Options for a run, built once at the edge (the CLI) and passed down, never mutated."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .engines import EngineOptions
from .errors import UsageError, check_at_least, check_one_of
from .generation import Overrides
from .routing import RoutingConfig

TASKS = ("summary", "translation")

# Translation chunks stay small: opus-mt models were trained on single sentences and drop
# content from long inputs (marian-nmt/marian#389, transformers#19396).
TRANSLATION_TARGET_TOKENS = 64
MAX_SUMMARY_ROUNDS = 3


@dataclass(frozen=True)
class ChunkOptions:
    max_chunk_tokens: int | None = None  # None: the model's own input limit
    translation_target_tokens: int = TRANSLATION_TARGET_TOKENS

    def __post_init__(self) -> None:
        # Below 16 the task prefix and special tokens leave no room for text (--max-chunk-tokens).
        check_at_least(16, self, "max_chunk_tokens", optional=True)


@dataclass(frozen=True)
class RunOptions:
    """Everything that decides what a run computes."""

    tasks: tuple[str, ...] = TASKS
    routing: RoutingConfig = field(default_factory=RoutingConfig)  # which model for which language
    source_lang: str | None = None  # None: detect each article's language
    models_dir: Path = Path("models_cache")
    offline: bool = False
    chunking: ChunkOptions = field(default_factory=ChunkOptions)
    summary_overrides: Overrides = field(default_factory=Overrides)
    translation_overrides: Overrides = field(default_factory=Overrides)
    engine: EngineOptions = field(default_factory=EngineOptions)
    max_summary_rounds: int = MAX_SUMMARY_ROUNDS
    batch_tokens: int = 4096  # padded input tokens per model batch
    max_batch_size: int = 32
    window_articles: int = 16  # articles prepared together before their chunks are batched
    cache_dir: Path | None = None  # where outputs.sqlite3 is (Summarizer opens it); None: no cache
    refresh: bool = False
    keep_boilerplate: bool = False
    debug: bool = False  # let an unexpected error end the run with its traceback
    # Where the language detector's model is kept decompressed (saves 0.4 s of every cold start;
    # the CLI uses the user cache dir); None: decompressed in memory by each run.
    detector_dir: Path | None = None

    def __post_init__(self) -> None:
        # A bad value used to be met deep inside a run, or not at all: tasks=("summery",) ran
        # nothing and said "ok", window_articles=0 dropped every article after the first.
        if isinstance(self.tasks, str) or not self.tasks:
            raise UsageError(
                f"invalid tasks {self.tasks!r}", "expected a tuple of one or more of: " + ", ".join(TASKS)
            )
        for task in self.tasks:
            check_one_of("task", task, TASKS)
        check_at_least(16, self, "batch_tokens")  # as --batch-tokens
        check_at_least(1, self, "max_batch_size", "window_articles", "max_summary_rounds")
