"""Typed errors raised by the library; the CLI turns each into one line on stderr.

Every error carries a short ``message`` (what went wrong) and a ``hint`` (what to do next),
so that the edge never has to guess how to explain it.
"""

from __future__ import annotations

from collections.abc import Sequence


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


def check_one_of(name: str, value: object, choices: Sequence[str]) -> None:
    """Refuse ``value`` for the option ``name`` unless it is one of ``choices``, which it lists."""
    if value not in choices:
        raise UsageError(f"unknown {name} {value!r}", "expected one of: " + ", ".join(choices))


def check_at_least(least: int, options: object, *names: str, optional: bool = False) -> None:
    """Refuse each option ``names`` (an attribute of ``options``) unless it is an integer of at
    least ``least``, or, ``optional``, None (not set)."""
    for name in names:
        value = getattr(options, name)
        if optional and value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise UsageError(f"invalid {name} {value!r}", f"expected an integer >= {least}")


class OverLimitError(UsageError):
    """An option over the most the tool accepts: a value that would hang a run or exhaust memory.

    ``name`` is how the value was given (a field, ``num_beams``); the CLI says it with its
    option (``--beams``) through :meth:`named`.
    """

    def __init__(self, name: str, value: int, most: int, why: str) -> None:
        super().__init__(f"{name} {value} is more than {most}", f"give {most} or less: {why}")
        self.name, self.value, self.most, self.why = name, value, most, why

    def named(self, name: str) -> OverLimitError:
        """This error with the value said as ``name``."""
        return OverLimitError(name, self.value, self.most, self.why)


def check_at_most(most: int, why: str, options: object, *names: str) -> None:
    """Refuse each option ``names`` (an attribute of ``options``) that is an integer over
    ``most``; ``why`` says what a larger value costs.  Other values are check_at_least's."""
    for name in names:
        value = getattr(options, name)
        if isinstance(value, int) and not isinstance(value, bool) and value > most:
            raise OverLimitError(name, value, most, why)


class InputError(SummarizeError):
    """One article could not be read or has nothing to process."""

    kind = "input"


class ModelError(SummarizeError):
    """A model is missing, unreadable or unsafe to load."""

    kind = "model"


class ModelNotFoundError(ModelError):
    """A model that is neither stored nor a folder at hand.

    For a hub model, ``fetch`` says how to get it, and the hint adds ``local``: how to run a
    local folder instead. Which option or config key does that depends on the route that needed
    the model, so a caller that knows it names it with :meth:`instead`.
    """

    kind = "model_not_found"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        fetch: str | None = None,
        local: str = "pass a local model folder",
    ) -> None:
        super().__init__(message, f"{fetch}, or {local}" if fetch else hint)
        self.fetch = fetch

    def instead(self, local: str) -> ModelNotFoundError:
        """This error with ``local`` as the way to run a local folder (as is without ``fetch``)."""
        return self if self.fetch is None else ModelNotFoundError(self.message, fetch=self.fetch, local=local)


class CacheError(SummarizeError):
    kind = "cache"


class OutputError(SummarizeError):
    """Results cannot be written (a full disk, a folder that cannot be created...)."""

    kind = "output"
