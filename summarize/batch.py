"""Batches: the pipeline in the shape a batch framework calls (Ray Data ``map_batches``).

A :class:`BatchSummarizer` is built once per worker, loads nothing until its first call, and
is then called on columnar batches (a mapping of column name to values, as Ray's
``batch_format="numpy"`` or ``"pandas"`` gives); it returns a columnar batch of records, one row
per input row, in order.  The work is the pipeline's: :class:`~summarize.pipeline.Summarizer`.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import UsageError, check_at_least, check_at_most, check_one_of
from .own_output import RECORD_KEYS
from .read import (
    DEFAULT_MAX_BYTES,
    INPUT_FORMATS,
    MAX_BYTES_COST,
    MOST_MAX_BYTES,
    Article,
    Item,
    ReadFailure,
    TooLargeError,
    article_from_object,
)

if TYPE_CHECKING:
    from .options import RunOptions
    from .pipeline import Summarizer

# The fields a JSON Lines line's article is read from, but its text: other columns are not read
# (nor converted: an embedding column may be large).
_ROW_FIELDS = ("id", "title", "url", "date", "lang", "language", "format")
# How a record's objects and arrays (models, cached, warnings, error...) are given: "json" as
# JSON text, "objects" as Python dicts and lists.
NESTED = ("json", "objects")


class BatchSummarizer:
    """Summarizes and translates columnar batches of articles, one record per row, in order.

    Each row is read as a JSON Lines line is: ``text_column`` (default ``text``) holds its text,
    and the optional ``id``, ``title``, ``url``, ``date``, ``lang`` (or ``language``) and
    ``format`` columns mean what a line's fields do; other columns are not read.  A row that a
    line's rules refuse (no text, a text that is no string, an unknown ``format``) becomes a
    record with ``status`` "error" and its ``error``, as the CLI writes it; a row with an empty
    text is "skipped", as an empty line's article is; a text over ``max_bytes`` (in UTF-8) is
    an error of kind "too_large", as a line over ``--max-bytes`` is; the other rows are not
    affected.

    The result has exactly the fields of a JSON Lines record
    (:func:`summarize.output.to_record`) as columns, each a list with one value per input row;
    a field a record lacks (``error`` when it is ok) is None.  With ``nested="json"`` (the
    default) the fields that hold objects or arrays (``chunks``, ``models``, ``cached``,
    ``warnings``, ``removed``, ``language``, ``error``) are their JSON text, so that every
    column holds strings (or None), of one type in every batch: Arrow, which Ray Data builds
    its blocks with, infers a struct from each batch's dicts, and those differ from row to row
    and batch to batch.  ``nested="objects"`` gives them as dicts and lists.

    After them come the input columns that ``keep`` names, in its order, passed through unread
    so that the records join with the inputs: each is the batch's own object (a list, a numpy
    array, a pandas Series, an Arrow array; a tuple or a one-pass iterable becomes a list).
    ``keep=True`` keeps every column but those that a record's field of the same name is read
    from (``id``, ``title``, ``url``, ``date``, ``language``).  A kept column that has the name
    of a record field is a UsageError: the result cannot hold both.

    Without an ``id`` (the column absent, or a cell that is None, NaN or ""), a row's id is
    :func:`content_id` of its text: the same text gets the same id in any batch, on any worker,
    and two texts differ in it.  The ``source`` of each record is "row N", N its index in the
    batch (and an error message starts so).

    One :class:`~summarize.pipeline.Summarizer` is created at the first call and kept for the
    next ones, so that models are loaded once per worker; :meth:`close` (or ``with``) closes its
    output cache (``options.cache_dir``, as in the CLI), and a used instance never closed is
    closed when it is garbage-collected or the interpreter exits.  Until the first call an
    instance holds only its arguments and pickles as them; a pickled copy of a used one starts unloaded.  One
    batch at a time, as Ray calls an actor (from one thread): a call made while another is
    under way raises UsageError.
    """

    def __init__(
        self,
        options: RunOptions | None = None,
        *,
        text_column: str = "text",
        input_format: str = "auto",
        nested: str = "json",
        max_bytes: int = DEFAULT_MAX_BYTES,
        keep: bool | str | Sequence[str] = (),
    ) -> None:
        """``options``: what the CLI's options decide (None: ``RunOptions()``, no cache).
        ``input_format``: the kind of every row's text, as ``--input-format`` (one of
        :data:`summarize.read.INPUT_FORMATS`), which wins over a ``format`` column.
        ``nested``: one of :data:`NESTED` (see the class).  ``max_bytes``: the largest text a
        row may hold, as ``--max-bytes`` (50 MB).  ``keep``: the input columns passed through to
        the result (see the class): their names (a str for one), True for every column, or none
        (the default).  A bad ``text_column``, ``input_format``, ``nested``, ``max_bytes`` or
        ``keep`` (a name that a record field has too) raises UsageError here, not at the first
        batch."""
        if not isinstance(text_column, str) or not text_column:
            raise UsageError(f"invalid text_column {text_column!r}", "name the column of article texts")
        check_one_of("input_format", input_format, INPUT_FORMATS)
        check_one_of("nested", nested, NESTED)
        self.options = options
        self.text_column = text_column
        self.input_format = input_format
        self.nested = nested
        self.max_bytes = max_bytes
        check_at_least(1, self, "max_bytes")  # as --max-bytes
        check_at_most(MOST_MAX_BYTES, MAX_BYTES_COST, self, "max_bytes")
        self.keep: bool | tuple[str, ...] = _kept_names(keep)
        self._summarizer: Summarizer | None = None
        self._closer: weakref.finalize | None = None  # closes _summarizer if close() is not called
        self._busy = threading.Lock()  # held by the call under way

    def __call__(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        """The records of ``batch``'s rows, as columns (see the class).

        ``batch``: column name to values (lists, tuples, numpy arrays), a pandas DataFrame or a
        pyarrow Table (Ray's batch formats "numpy", "pandas", "pyarrow"), the columns read or
        kept all of one length.  A batch without ``text_column`` or a column ``keep`` names, or
        whose columns read or kept differ in length, or one that keep=True would pass through
        under a record field's name, raises UsageError: it is the caller's mistake, not a
        row's; so does a call made while another is under way (from another thread).  A
        failure that would end a CLI run (a ``CT2_FORCE_CPU_ISA`` this CPU lacks) raises its
        SummarizeError; the instance stays usable.  A cache that cannot be used is turned off,
        as in the CLI: see :attr:`notices`.
        """
        # One summarizer's runners, reader and cache serve one batch at a time: a second
        # thread would have shared them mid-batch, or built a second summarizer.
        if not self._busy.acquire(blocking=False):
            raise UsageError(
                "this BatchSummarizer is already summarizing a batch",
                "call it one batch at a time, or build one per thread",
            )
        try:
            return self._columns(batch)
        finally:
            self._busy.release()

    def _columns(self, batch: Mapping[str, Sequence[Any]]) -> dict[str, Any]:
        from .output import to_record

        rows, kept = self._rows(batch)
        needs = f'each row needs a "{self.text_column}" string'
        items: list[Item] = [
            self._limited(
                article_from_object(
                    row,
                    # hashed only for a row that has no id of its own (as article_from_object reads it)
                    content_id(row.get(self.text_column)) if row.get("id") in (None, "") else "",
                    f"row {n}",
                    self.input_format,
                    text_key=self.text_column,
                    needs=needs,
                )
            )
            for n, row in enumerate(rows)
        ]
        as_json = self.nested == "json"
        columns: dict[str, list[Any]] = {name: [] for name in RECORD_KEYS}
        for result in self._summarizer_now().process(items):
            record = to_record(result)
            for name, values in columns.items():
                value = record.get(name)
                if as_json and isinstance(value, dict | list):
                    value = json.dumps(value, ensure_ascii=False)  # as the CLI writes it
                values.append(value)
        return {**columns, **kept}  # no kept name is a record's: refused when built or read

    def _limited(self, item: Item) -> Item:
        """``item``, or its failure when its text is over ``max_bytes``: a JSON line over
        ``--max-bytes`` is one (a text of millions of words would hold the worker for hours)."""
        if not isinstance(item, Article) or len(item.text) * 4 <= self.max_bytes:
            return item  # 4 bytes at most a character: surely within, without encoding it
        size = (
            len(item.text)
            if len(item.text) > self.max_bytes
            else len(item.text.encode("utf-8", "surrogatepass"))
        )
        if size <= self.max_bytes:
            return item
        return ReadFailure(
            item.id,
            item.source,
            TooLargeError(
                f'{item.source}: "{self.text_column}" over max_bytes ({self.max_bytes} bytes)',
                "split it, or raise BatchSummarizer(max_bytes=...)",
            ),
        )

    def _rows(self, batch: Mapping[str, Sequence[Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """``batch``'s rows, as JSON Lines objects (plain Python values, a missing value None),
        and the columns it keeps, by name, as the batch gives them."""
        table = not hasattr(batch, "keys") and hasattr(batch, "column_names")
        # A pyarrow.Table (Ray's batch_format="pyarrow") has no keys(), and its columns iterate
        # Arrow scalars: their to_pylist() gives the Python values.  A DataFrame has keys().
        keys = list(batch.column_names if table else batch.keys())  # type: ignore[attr-defined]
        names = [str(key) for key in keys]
        if self.text_column not in names:
            shown = ", ".join(repr(name) for name in names[:8]) or "none"
            raise UsageError(
                f"the batch has no {self.text_column!r} column (its columns: {shown})",
                "pass BatchSummarizer(text_column=...) naming the column of article texts",
            )
        read = {self.text_column, *_ROW_FIELDS}
        kept = self._kept(names, read)
        # A DataFrame may have two columns of one label: which one a row reads would be a guess
        # (and df["text"] is then a frame, whose iteration gives its labels, not its values).
        twice = sorted({name for name in names if (name in read or name in kept) and names.count(name) > 1})
        if twice:
            raise UsageError(
                f"the batch has {names.count(twice[0])} columns named {twice[0]!r}",
                "rename or drop all but one of them",
            )
        columns: dict[str, list[Any]] = {}
        passed: dict[str, Any] = {}
        for key, name in zip(keys, names):
            if name not in read and name not in kept:
                continue
            values = _as_column(batch.column(key) if table else batch[key], name)  # type: ignore[attr-defined]
            if name in kept:
                passed[name] = values
            if name in read:
                columns[name] = values.to_pylist() if table else list(values)
        lengths = {name: len(values) for name, values in columns.items()}
        lengths.update((name, len(passed[name])) for name in kept)
        if len(set(lengths.values())) > 1:
            said = ", ".join(f"{name}: {length}" for name, length in lengths.items())
            raise UsageError(
                f"the batch's columns differ in length ({said})",
                "give every column one value per row",
            )
        count = lengths[self.text_column]
        rows = [{name: _plain(values[n]) for name, values in columns.items()} for n in range(count)]
        return rows, {name: passed[name] for name in kept}  # in keep's order

    def _kept(self, names: list[str], read: set[str]) -> list[str]:
        """The names of the columns of a batch (``names``) that the result keeps."""
        if isinstance(self.keep, bool):  # True: False was made ()
            # Every column, but those that a record's field of the same name is read from.
            kept = [name for name in dict.fromkeys(names) if name not in read or name not in RECORD_KEYS]
            clash = [name for name in kept if name in RECORD_KEYS]
            if clash:
                raise UsageError(
                    f"keep=True passes the batch's column {clash[0]!r} through, and every record"
                    f" has a field {clash[0]!r}",
                    f"{_rename(clash[0])}, or pass keep= the names of the columns to keep",
                )
            return kept
        missing = [name for name in self.keep if name not in names]
        if missing:
            shown = ", ".join(repr(name) for name in names[:8])
            raise UsageError(
                f"the batch has no {missing[0]!r} column to keep (its columns: {shown})",
                "give every batch that column, or leave it out of keep=",
            )
        return list(self.keep)

    def _summarizer_now(self) -> Summarizer:
        if self._summarizer is None:
            from .options import RunOptions
            from .pipeline import Summarizer

            summarizer = Summarizer(self.options if self.options is not None else RunOptions())
            # Ray never calls close(): the summarizer is closed (its run's counts written) when
            # this instance is collected or the interpreter exits.  The finalizer holds the
            # summarizer, not this instance, and runs at most once.
            self._closer = weakref.finalize(self, summarizer.close)
            self._summarizer = summarizer
        return self._summarizer

    @property
    def notices(self) -> list[str]:
        """The warnings of the run so far, which the CLI prints on stderr and no record holds:
        the output cache turned off (its disk full, its folder unusable) or read-only, an
        option a model cannot honour.  Empty before the first batch, and again after
        :meth:`close`."""
        summarizer = self._summarizer
        if summarizer is None:
            return []
        cache = summarizer.cache
        return [*(cache.warnings if cache is not None else []), *summarizer.notices]

    def close(self) -> None:
        """Close the summarizer's output cache (its run's counts kept for ``cache stats``) and
        let its models go; a later call starts a new summarizer.  Outputs are in the cache as
        each model batch ends, closed or not.  Without it, a used instance is closed when it is
        garbage-collected or the interpreter exits (Ray never calls it)."""
        closer, self._closer = self._closer, None
        self._summarizer = None
        if closer is not None:
            closer()  # summarizer.close(), once: the finalizer is then dead

    def __enter__(self) -> BatchSummarizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # Its arguments only: an open cache and loaded models do not travel to another process.
        return {
            "options": self.options,
            "text_column": self.text_column,
            "input_format": self.input_format,
            "nested": self.nested,
            "max_bytes": self.max_bytes,
            "keep": self.keep,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._summarizer = None
        self._closer = None
        self._busy = threading.Lock()


def _kept_names(keep: object) -> bool | tuple[str, ...]:
    """``keep`` as BatchSummarizer keeps it: True, or the names of the columns to keep."""
    if isinstance(keep, bool):
        return True if keep else ()
    hint = "pass keep=True, or the names of the input columns to pass through"
    try:
        names = (keep,) if isinstance(keep, str) else tuple(keep)  # type: ignore[call-overload]
    except TypeError:
        raise UsageError(f"invalid keep {keep!r}", hint) from None
    for n, name in enumerate(names):
        if not isinstance(name, str) or not name:
            raise UsageError(f"invalid keep column {name!r}", hint)
        if name in names[:n]:
            raise UsageError(f"keep names the column {name!r} twice", "name each column once")
        if name in RECORD_KEYS:
            # The result's columns are the record's fields and the kept ones: one name, two values.
            read = (
                f"leave it out of keep (the record's {name!r} is read from it), or "
                if name in _ROW_FIELDS
                else ""
            )
            raise UsageError(
                f"keep names the column {name!r}, and every record has a field {name!r}",
                f"{read}{_rename(name)} and keep the new name",
            )
    return names


def _rename(name: str) -> str:
    return f"rename the column before map_batches (Ray: Dataset.rename_columns({{{name!r}: 'input_{name}'}}))"


def _as_column(values: Any, name: str) -> Any:
    """A batch's column as it is given if it has a length (a list, a numpy array, a pandas
    Series, an Arrow array), else as a list (a tuple, a one-pass iterable)."""
    try:
        if isinstance(values, str | bytes):
            raise TypeError
        if isinstance(values, tuple):
            return list(values)  # as Ray takes a column back: a list or an array, not a tuple
        try:
            len(values)
        except TypeError:
            return list(values)
        return values
    except TypeError:
        raise UsageError(
            f"the batch's column {name!r} is not a column of values ({type(values).__name__})",
            "give each column as a list or an array, one value per row",
        ) from None


def content_id(text: object) -> str:
    """The id of a row that has none: the first 32 hex digits of the SHA-256 of its text in
    UTF-8, the same in every batch, worker and run; a cell that is no string (its record an
    error) is hashed as its JSON text (``null`` for a missing one)."""
    if not isinstance(text, str):
        try:
            text = json.dumps(text, ensure_ascii=False, sort_keys=True, default=repr)
        except (TypeError, ValueError):  # keys of no JSON kind, a cycle
            text = repr(text)
    # surrogatepass: a lone surrogate (from a "\\ud800" escape) has no UTF-8 but hashes all the same
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _plain(value: Any) -> Any:
    """A cell as a JSON Lines value: numpy and Arrow scalars and arrays as Python ones, a date
    as ISO 8601, and a missing value (None, NaN, NaT, pandas' NA, a masked cell) as None."""
    as_py = getattr(value, "as_py", None)
    if callable(as_py):  # an Arrow scalar, as a pyarrow Array (not a Table) iterates them
        value = as_py()
    kind = type(value)
    # pandas' missing values, which refuse bool(), and a numpy masked array's masked cell
    if kind.__name__ in ("NaTType", "NAType", "MaskedConstant"):
        return None
    if kind.__module__ == "numpy":
        if kind.__name__ == "datetime64":
            text = str(value)  # ISO 8601, as a JSON Lines date is written
            return None if text == "NaT" else text
        value = value.tolist()  # np.str_, np.int64... as str, int; an array as a list
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime.date):  # datetime too, and pandas' Timestamp
        return value.isoformat()
    return value
