"""Typed errors raised by the library; the CLI turns each into one line on stderr.

Every error carries a short ``message`` (what went wrong) and a ``hint`` (what to do next),
so that the edge never has to guess how to explain it.
"""

from __future__ import annotations


class SummarizeError(Exception):
    """Base class of every error the library raises on purpose."""

    #: exit code the CLI uses when this error ends the whole run
    exit_code: int = 1
    #: short machine-readable kind, written into per-article records
    kind: str = "error"

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(SummarizeError):
    """A bad option value or combination: the user must change the command."""

    exit_code = 2
    kind = "usage"


class InputError(SummarizeError):
    """One article could not be read or has nothing to process."""

    kind = "input"


class ModelError(SummarizeError):
    """A model is missing, unreadable or unsafe to load."""

    kind = "model"


class ModelNotFoundError(ModelError):
    kind = "model_not_found"


class CacheError(SummarizeError):
    kind = "cache"


class OutputError(SummarizeError):
    """Results cannot be written (a full disk, a folder that cannot be created...)."""

    kind = "output"
