"""What a run tells an observer while it works: small frozen events, in the order things happen.

The library never prints: a program passes ``observer=`` to :class:`~summarize.pipeline.Summarizer`
and renders what it is told (the command line draws a progress line on a terminal).  An
observer is not an option: it never enters a cache key or a signature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelLoading:
    """A model is about to be loaded; seconds may pass before :class:`ModelLoaded`.

    ``converting``: it is first converted for CTranslate2 (its first use with this storage),
    which takes longer still (10 to 60 s for a real checkpoint).
    """

    role: str  # "summary" or "translation"
    model: str  # the id the routing names, or a folder's path
    backend: str  # "ctranslate2" or "transformers"
    dtype: str  # what really runs: "int8", "float32"...
    converting: bool = False


@dataclass(frozen=True)
class ModelLoaded:
    """The model of the last :class:`ModelLoading` is ready (``ok``), or could not be loaded."""

    role: str
    model: str
    ok: bool = True


@dataclass(frozen=True)
class Computing:
    """``articles`` articles were not served whole from the cache: cleaning and model work
    follow, which may take a while before their results come."""

    articles: int


@dataclass(frozen=True)
class ArticleDone:
    """One article's result, sent just before it is yielded (in input order)."""

    id: str
    source: str
    status: str  # ok | partial | skipped | error, as the result's
    failed: bool  # something asked for is missing (the result's ``failed``)
    computed: bool  # a model made some output of it in this run (not all from the cache)


Event = ModelLoading | ModelLoaded | Computing | ArticleDone
Observer = Callable[[Event], None]
