"""Generation settings: what the model's own files ask for, merged with the user's overrides.

transformers 5 no longer reads generation settings that older checkpoints keep only in
``config.json`` (``num_beams``, ``max_length``, ``bad_words_ids``...), so they were silently
dropped.  The tool computes the effective settings itself, from the JSON files, and passes
them explicitly to ``generate``; the same dictionary goes into the reproducibility signature.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import check_at_least, check_at_most
from .models import read_json

# Settings that influence the output and that every backend understands.
GENERATION_KEYS = (
    "num_beams",
    "max_length",
    "min_length",
    "no_repeat_ngram_size",
    "length_penalty",
    "early_stopping",
    "repetition_penalty",
    "bad_words_ids",
    "renormalize_logits",
    "forced_bos_token_id",
    "forced_eos_token_id",
    "decoder_start_token_id",
    "eos_token_id",
    "pad_token_id",
    "bos_token_id",
    "do_sample",
    "temperature",
    "top_k",
    "top_p",
    "encoder_no_repeat_ngram_size",
)
TASK_PARAMS = {"summary": "summarization", "translation": "translation"}
# A batch decodes beams x chunks hypotheses at once, each with its own attention cache: models
# ship with a few beams (4 to 6), past a dozen the output gains nothing, and --beams 100000
# grew by gigabytes without end.  64 leaves room to experiment.
MOST_BEAMS = 64
BEAMS_COST = "time and memory grow with the beams, decoded for every chunk of a batch"


@dataclass(frozen=True)
class Overrides:
    """What the user set on the command line (None: follow the model)."""

    num_beams: int | None = None
    max_new_tokens: int | None = None

    def __post_init__(self) -> None:
        check_at_least(1, self, "num_beams", "max_new_tokens", optional=True)  # --beams, --max-*-tokens
        check_at_most(MOST_BEAMS, BEAMS_COST, self, "num_beams")


@dataclass(frozen=True)
class Settings:
    """The effective settings for one task on one model."""

    params: Mapping[str, Any]  # passed to generate as they are
    prefix: str  # text put before every input (T5's "summarize: ")
    normalize_whitespace: bool  # mT5 XLSum models were trained on whitespace-collapsed text
    max_new_tokens: int | None  # user cap on output tokens per chunk
    position_limit: int  # the decoder cannot go past this many positions

    def as_dict(self) -> dict[str, Any]:
        return {
            "params": dict(self.params),
            "prefix": self.prefix,
            "normalize_whitespace": self.normalize_whitespace,
            "max_new_tokens": self.max_new_tokens,
            "position_limit": self.position_limit,
        }

    def new_tokens_for(self, task: str, input_tokens: int) -> int:
        """Output-token cap for one chunk: room for the whole output, never cut short.

        The user's ``max_new_tokens`` replaces it, above it too (a model's ``max_length`` is its
        authors' default, not a limit of the model); only the decoder's positions bound it.
        """
        if self.max_new_tokens is not None:
            return max(1, min(self.max_new_tokens, self.position_limit))
        # Caps are powers of two: with beams, each cap's inputs are decoded apart (see
        # engines.one_cap_groups), and few distinct caps keep those groups full.
        if task == "translation":
            # Translations run up to about 1.5x the source length: leave room beyond that, and
            # ignore a small max_length meant for another task so that nothing is cut short.
            cap = min(power_of_two(math.ceil(input_tokens * 1.6) + 10), self.position_limit)
        else:
            # A summary of a short text needs little room: more than its length (one slot may be
            # the forced end token), at most about twice; never more than the model's max_length.
            model_cap = int(self.params.get("max_length") or self.position_limit)
            cap = min(model_cap, self.position_limit, power_of_two(max(8, input_tokens) + 1))
        return max(1, cap)


def power_of_two(n: int) -> int:
    """The smallest power of two that is at least ``n`` (``n`` >= 1)."""
    return 1 << (n - 1).bit_length()


def effective_settings(folder: Path, task: str, overrides: Overrides) -> Settings:
    """Merge config.json's legacy fields, generation_config.json, task params and overrides."""
    config = read_json(folder / "config.json")
    generation = read_json(folder / "generation_config.json")
    params: dict[str, Any] = {k: config[k] for k in GENERATION_KEYS if config.get(k) is not None}
    params.update({k: generation[k] for k in GENERATION_KEYS if generation.get(k) is not None})
    task_params = (config.get("task_specific_params") or {}).get(TASK_PARAMS.get(task, task)) or {}
    prefix = str(task_params.get("prefix") or "")
    params.update({k: v for k, v in task_params.items() if k in GENERATION_KEYS and v is not None})
    if overrides.num_beams is not None:
        params["num_beams"] = overrides.num_beams
    if not params.get("do_sample"):
        for key in ("temperature", "top_k", "top_p"):
            params.pop(key, None)
    name = str(config.get("_name_or_path", "")) + str(folder)
    normalize = config.get("model_type") == "mt5" and "xlsum" in name.lower()
    limit = int(config.get("max_position_embeddings") or config.get("n_positions") or 1024)
    return Settings(params, prefix, normalize, overrides.max_new_tokens, limit)
