"""On-disk cache of model outputs, one row per chunk-level computation.

The cache is an embedded SQLite database (no server). A key is the sha256 of the canonical
JSON that describes one computation (see :func:`make_key`); the value is the model's output
text. The key's JSON is stored beside the value as plain text so that a row can always be
explained (and never unpickled).

Robustness rules, in short:

* WAL journal, a busy timeout, and every write in a ``BEGIN IMMEDIATE`` transaction retried
  with backoff, so several processes can share one cache without ever surfacing SQLITE_BUSY.
* A corrupt or foreign file at the cache path is moved aside (timestamp suffix) and rebuilt.
* A read-only file or folder (a shared cache, one baked into an image) is still read: the first
  write that the file system refuses makes the cache read-only, with one warning; hits are
  served, new results are dropped.
* A full disk or a cache written by a newer version turns the cache off with one warning; the
  object then behaves as an always-miss cache and the run goes on.

This module imports only the standard library: a run served from the cache must start fast and
never pull in torch or transformers.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from summarize.errors import CacheError, UsageError

__all__ = [
    "SCHEMA_VERSION",
    "Cache",
    "CacheStats",
    "CacheUsageError",
    "make_key",
    "parse_size",
]

#: version of the table layout, stored in ``PRAGMA user_version``
SCHEMA_VERSION = 1
#: marks the file as ours in its header (``PRAGMA application_id``): "SMZC"
APPLICATION_ID = 0x534D5A43

_SCHEMA = (
    """
    CREATE TABLE entries (
        key        TEXT PRIMARY KEY NOT NULL,  -- sha256 hex digest of key_json
        key_json   TEXT NOT NULL,              -- canonical JSON of what was computed
        task       TEXT,
        model_id   TEXT,
        value      TEXT NOT NULL,              -- the model's output
        created_at REAL NOT NULL               -- Unix time the value was computed
    )
    """,
    # Usage lives in its own small rows: recording a hit then rewrites ~100 bytes instead of
    # the page holding the whole entry (its chunk text and output), which keeps the all-hit
    # path cheap.
    """
    CREATE TABLE usage (
        key       TEXT PRIMARY KEY NOT NULL,
        last_used REAL NOT NULL,
        hit_count INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID
    """,
    "CREATE INDEX usage_last_used ON usage (last_used)",
    """
    CREATE TRIGGER entries_delete AFTER DELETE ON entries
    BEGIN
        DELETE FROM usage WHERE key = old.key;
    END
    """,
    "CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
)
_OUR_TABLES = frozenset({"entries", "usage", "meta"})
# Rough bytes one entry takes: its texts, plus the key four times (entries, its primary key
# index, usage, the last_used index) and fixed columns. Only ratios matter (see prune).
_ROW_BYTES = "length(CAST(e.key_json AS BLOB)) + length(CAST(e.value AS BLOB)) + 4 * length(e.key) + 96"

# SQLite's default limit on bound parameters was 999 before 3.32; stay well below it.
_BATCH = 500
_DAY = 86400.0

_T = TypeVar("_T")


class CacheUsageError(CacheError, UsageError):
    """A bad cache option value (size, age): the user must change the command."""

    exit_code = 2
    kind = "cache"


@dataclass(frozen=True)
class CacheStats:
    """What ``summarize cache stats`` shows.

    ``by_model`` holds ``(task, model_id, entries)`` triples, largest first; ``task`` and
    ``model_id`` are ``None`` when the key JSON did not name them. ``schema_version`` is the
    version found in the file (``None`` when there is no file yet).
    """

    path: Path
    entries: int
    size_bytes: int
    last_run_hits: int | None
    last_run_misses: int | None
    enabled: bool
    schema_version: int | None
    by_model: tuple[tuple[str | None, str | None, int], ...] = ()
    disabled_reason: str | None = None


def make_key(payload: Mapping[str, object]) -> tuple[str, str]:
    """Return ``(sha256 hex digest, canonical JSON)`` for a key payload.

    The JSON is canonical (sorted keys, no spaces, UTF-8 kept as is), so two payloads that are
    equal as data give the same key whatever their dict ordering. Values that JSON cannot
    represent exactly (sets, bytes, objects, NaN and infinities) raise ``TypeError``.
    """
    if not isinstance(payload, Mapping):
        raise TypeError(f"cache key payload must be a mapping, not {type(payload).__name__}")
    try:
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as exc:  # NaN/inf, or a circular reference: not a stable description
        raise TypeError(f"cache key payload is not JSON-serialisable: {exc}") from exc
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)
_SIZE_UNITS: dict[str, int] = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE_FORMS = (
    "a number of bytes (1000), or a number with a unit: B, K/KB, M/MB, G/GB, T/TB (powers of 1000) "
    "or KiB, MiB, GiB, TiB (powers of 1024), e.g. 500MB, 2G, 1.5GiB"
)


def parse_size(text: str) -> int:
    """Parse a size such as ``"500MB"``, ``"2G"``, ``"1.5GiB"`` or ``"1000"`` into bytes.

    Units are case-insensitive; K/M/G/T (with or without B) are powers of 1000 and
    KiB/MiB/GiB/TiB powers of 1024. Fractions are rounded down to whole bytes. Anything else
    raises :class:`CacheUsageError`, whose hint lists the accepted forms.
    """
    match = _SIZE_RE.match(text) if isinstance(text, str) else None
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _SIZE_UNITS:
        raise CacheUsageError(f"invalid size {text!r}", hint=f"use {_SIZE_FORMS}")
    number = float(match.group(1))
    if not math.isfinite(number):
        raise CacheUsageError(f"invalid size {text!r}", hint=f"use {_SIZE_FORMS}")
    return int(number * _SIZE_UNITS[unit])


def _now() -> float:
    """Wall-clock time in seconds (a function so that tests can move the clock)."""
    return time.time()


def _migrations() -> Mapping[int, Callable[[sqlite3.Connection], None]]:
    """Schema upgrades: ``{v: step}`` where ``step`` turns a version-``v`` file into ``v + 1``.

    Empty while there is only one schema version; a version without a step is moved aside and
    rebuilt (it is only a cache).
    """
    return {}


# --- error classification -------------------------------------------------------------------


def _is_busy(exc: BaseException) -> bool:
    """True for SQLITE_BUSY / SQLITE_LOCKED, which are worth retrying."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    name = getattr(exc, "sqlite_errorname", "") or ""  # Python 3.11+
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return True
    message = str(exc).lower()
    return "database is locked" in message or "database is busy" in message or "is locked" in message


def _is_corrupt(exc: BaseException) -> bool:
    """True when the file itself is not a usable SQLite database (corrupt or not SQLite)."""
    if not isinstance(exc, sqlite3.DatabaseError) or isinstance(
        exc, (sqlite3.ProgrammingError, sqlite3.InterfaceError)
    ):
        return False
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    message = str(exc).lower()
    return "malformed" in message or "not a database" in message or "file is encrypted" in message


def _is_unwritable(exc: BaseException) -> bool:
    """True when the file system refuses a write (read-only file, folder or mount; no
    permission) while reading may still work."""
    if isinstance(exc, sqlite3.OperationalError):
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
            return True
        message = str(exc).lower()
        return "readonly database" in message or "unable to open database file" in message
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)
    return False


def _describe_error(exc: BaseException) -> str:
    """A short human description of why the cache cannot be written."""
    if isinstance(exc, OSError) and not isinstance(exc, sqlite3.Error):
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        return f"{reason}: {exc.filename}" if exc.filename else reason
    return str(exc)


# --- file inspection ------------------------------------------------------------------------

_FRESH, _OURS, _OLDER, _NEWER, _FOREIGN = "fresh", "ours", "older", "newer", "foreign"


def _inspect(conn: sqlite3.Connection) -> tuple[str, int]:
    """Classify an open database file; return ``(state, user_version)``.

    Reading the header is what raises ``DatabaseError`` for a file that is not SQLite.
    """
    # One read transaction: three separate reads could straddle another process's creation
    # of the schema and see tables without our header marks, i.e. a "foreign" file.
    own_transaction = not conn.in_transaction
    if own_transaction:
        conn.execute("BEGIN")
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        if own_transaction and conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
    if app_id == 0 and version == 0 and not names:
        return _FRESH, version
    if app_id != APPLICATION_ID:
        return _FOREIGN, version
    if version > SCHEMA_VERSION:
        return _NEWER, version
    if version < SCHEMA_VERSION:
        return _OLDER, version
    # A file that claims to be ours but lacks our tables is damaged: rebuild it.
    return (_OURS if names >= _OUR_TABLES else _FOREIGN), version


_WAL_HEADER_BYTES = 32  # https://sqlite.org/fileformat.html#the_write_ahead_log


def _side_files(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


class Cache:
    """A chunk-level cache of model outputs in one SQLite file.

    Open it with :meth:`Cache.open` and use it as a context manager. Every public method is
    safe to call when the cache has been turned off (``enabled`` is False): reads miss and
    writes are dropped. Messages for the user accumulate in :attr:`warnings` (each once), for
    the caller to print on stderr.
    """

    def __init__(
        self,
        path: Path,
        *,
        readonly: bool = False,
        busy_timeout: float = 5.0,
        max_wait: float = 60.0,
    ) -> None:
        """Prepare a cache at ``path`` without touching the disk; prefer :meth:`open`."""
        self.path = Path(path)
        self.readonly = readonly
        #: messages for the user (each appears once); the caller prints them on stderr
        self.warnings: list[str] = []
        #: hits and misses counted by :meth:`get_many` since the cache was opened
        self.hits = 0
        self.misses = 0
        self._busy_timeout = busy_timeout
        self._max_wait = max_wait
        self._conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the file we opened
        self._disabled_reason: str | None = None
        #: why results cannot be stored, when a write was refused (the cache is then read-only)
        self.unwritable_reason: str | None = None
        #: True when the cache is off because its file is corrupt or not a summarize cache, read
        #: ``readonly``: opened for writing (clear, prune, a run), it is moved aside for a new one
        self.damaged = False
        self._file_version: int | None = None
        self._closed = False
        self._recovered = False
        # key -> (hits since last flush, time of the last hit); written with the next write.
        self._touches: dict[str, tuple[int, float]] = {}
        self._lock = threading.RLock()

    # --- public API ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        readonly: bool = False,
        busy_timeout: float = 5.0,
        max_wait: float = 60.0,
    ) -> Cache:
        """Open the cache at ``path``; never raises for a bad or unwritable file.

        Nothing is created until the first write (a missing file simply misses). A corrupt or
        foreign file is moved aside and rebuilt; an unwritable one is only read (its hits are
        served, :attr:`unwritable_reason` says why nothing is stored) and a newer schema turns
        the cache off, each with a message in :attr:`warnings`. ``readonly`` opens without ever writing
        (no last-used updates, :meth:`put_many` and :meth:`record_run` are dropped).
        ``busy_timeout`` is SQLite's wait for a lock per attempt; ``max_wait`` bounds the
        retries with backoff before the cache gives up and turns itself off.
        """
        cache = cls(path, readonly=readonly, busy_timeout=busy_timeout, max_wait=max_wait)
        with cache._lock:
            cache._guard(lambda: cache._open_for(create=False), None)
        return cache

    @property
    def enabled(self) -> bool:
        """False once the cache has been turned off; it then always misses."""
        return self._disabled_reason is None

    @property
    def disabled_reason(self) -> str | None:
        """Why the cache was turned off (None while it is on); readable after :meth:`close`."""
        return self._disabled_reason

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """Return ``{key: value}`` for the keys found; missing keys are simply absent.

        Hits are remembered and their ``last_used``/``hit_count`` written with the next write
        (or at :meth:`close`), so that the all-hit path costs one small transaction at most.
        """
        unique = list(dict.fromkeys(keys))
        with self._lock:
            found = self._guard(lambda: self._get(unique), {}, retry_corrupt=False)
            self.hits += len(found)
            self.misses += len(unique) - len(found)
        return found

    def reject(self, keys: Sequence[str]) -> None:
        """Keys that the last :meth:`get_many` found but the caller could not use (damaged, or
        made by other options): misses after all, in :attr:`hits` and in ``hit_count``.

        Called before the next write, which would otherwise store their hits already.
        """
        with self._lock:
            for key in dict.fromkeys(keys):
                self.hits -= 1
                self.misses += 1
                count, when = self._touches.get(key, (0, 0.0))
                if count > 1:
                    self._touches[key] = (count - 1, when)
                else:
                    self._touches.pop(key, None)

    def put_many(self, items: Sequence[tuple[str, str, str]]) -> None:
        """Store ``(key, key_json, value)`` items in one ``BEGIN IMMEDIATE`` transaction.

        An existing key is replaced (``--refresh``); concurrent writers of the same key leave
        one row. Dropped silently when the cache is off or read-only.
        """
        rows = [self._row(key, key_json, value) for key, key_json, value in items]
        if not self.readonly and (rows or self._touches):
            self._guard(lambda: self._write(lambda conn: self._put(conn, rows), create=True), None)
        if rows and self.unwritable_reason is not None and self.enabled:
            # Only a result that is lost is worth a word: a run served wholly from a read-only
            # cache (whose hit counts cannot be written either) says nothing.  Should reading
            # fail too, the cache is off and _disable's warning is the one line said.
            self._warn(
                f"cache: {self.path} is read-only ({self.unwritable_reason}); cached results are used "
                "but new ones are not stored (make it writable, or pass a writable --cache-dir)"
            )

    def record_run(self, hits: int, misses: int) -> None:
        """Remember the hit and miss counts of this run, for :meth:`stats`; a cache that holds
        nothing yet (no file) is not created for them."""
        if self.readonly:
            return
        values = {"last_run_hits": str(int(hits)), "last_run_misses": str(int(misses))}
        values["last_run_at"] = repr(_now())

        def apply(conn: sqlite3.Connection) -> None:
            self._flush_touches(conn)
            conn.executemany(
                "INSERT INTO meta (name, value) VALUES (?, ?)"
                " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                list(values.items()),
            )

        # A run that stored nothing (no input, or only failures) must leave no cache behind.
        self._guard(lambda: self._write(apply, create=False), None)

    def stats(self) -> CacheStats:
        """Entries, size on disk (database + WAL) and last run's counts."""
        with self._lock:
            self._check_open()
            entries, meta, by_model = 0, {}, ()
            result = self._guard(lambda: self._read_stats(), None, disable=False)
            if result is not None:
                entries, meta, by_model = result
            return CacheStats(
                path=self.path,
                entries=entries,
                size_bytes=self._disk_size(),
                last_run_hits=_int_or_none(meta.get("last_run_hits")),
                last_run_misses=_int_or_none(meta.get("last_run_misses")),
                enabled=self.enabled,
                schema_version=self._file_version,
                by_model=by_model,
                disabled_reason=self._disabled_reason,
            )

    def clear(self) -> int:
        """Delete every entry and shrink the file; return the number of entries removed."""
        self._check_writable()

        def apply(conn: sqlite3.Connection) -> int:
            self._touches.clear()
            return conn.execute("DELETE FROM entries").rowcount

        removed = self._guard(lambda: self._write(apply, create=False), 0)
        self._guard(self._compact, None)
        self._check_writable()  # a write refused on the way: nothing was removed, say so
        return int(removed or 0)

    def prune(self, *, max_size_bytes: int | None = None, older_than_days: float | None = None) -> int:
        """Remove entries, least recently used first; return how many were removed.

        ``older_than_days`` removes entries not used for that long; ``max_size_bytes`` then
        removes the least recently used until the size on disk (as :meth:`stats` counts it)
        fits. The file is compacted afterwards so that the space really goes back to the disk.
        """
        if max_size_bytes is None and older_than_days is None:
            raise CacheUsageError("nothing to prune by", hint="give --max-size or --older-than")
        if max_size_bytes is not None and max_size_bytes < 0:
            raise CacheUsageError(f"invalid size {max_size_bytes}", hint="the size must be >= 0")
        if older_than_days is not None and not (older_than_days >= 0 and math.isfinite(older_than_days)):
            raise CacheUsageError(
                f"invalid age {older_than_days}",
                hint="give --older-than a finite number of days, 0 or more (fractions too: 0.5 is 12 hours)",
            )
        self._check_writable()
        removed = 0
        if older_than_days is not None:
            cutoff = _now() - older_than_days * _DAY

            def by_age(conn: sqlite3.Connection) -> int:
                self._flush_touches(conn)
                return conn.execute(
                    "DELETE FROM entries WHERE key IN (SELECT key FROM usage WHERE last_used < ?)", (cutoff,)
                ).rowcount

            removed += int(self._guard(lambda: self._write(by_age, create=False), 0) or 0)
        self._guard(self._compact, None)
        if max_size_bytes is not None:
            removed += int(self._guard(lambda: self._prune_to_size(max_size_bytes), 0) or 0)
        self._check_writable()  # a write refused on the way: say so, not "removed 0"
        return removed

    def close(self) -> None:
        """Write pending last-used updates and close the file; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            if self._touches and not self.readonly:
                self._guard(lambda: self._write(self._flush_touches, create=False), None)
            if self._conn is not None and not self.readonly:
                # Our commits go into the file itself, not only the WAL: SQLite does it at the
                # last close, but another process may hold the cache open and then be killed,
                # and a WAL left without its -shm cannot be read in a read-only folder.
                # PASSIVE never waits for the other processes.
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self._drop_connection()
            self._closed = True

    def __enter__(self) -> Cache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "enabled" if self.enabled else f"disabled: {self._disabled_reason}"
        return f"Cache({str(self.path)!r}, {state})"

    # --- error handling -----------------------------------------------------------------

    def _guard(
        self,
        action: Callable[[], _T],
        fallback: _T,
        *,
        retry_corrupt: bool = True,
        disable: bool = True,
    ) -> _T:
        """Run ``action``; turn storage failures into a warning and ``fallback``.

        A corrupt file is moved aside and (for writes) the action retried once on a new file;
        a write that the file system refuses makes the cache read-only and runs ``action`` again
        (reads go on; writes are dropped); anything else that stops SQLite or the file system
        turns the cache off. Programming
        errors (bad SQL, wrong types) are not hidden.
        """
        with self._lock:
            self._check_open()
            deadline = time.monotonic() + self._max_wait
            delay = 0.005
            corrupt_retried = False
            while self._disabled_reason is None:
                try:
                    return action()
                except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
                    raise
                except (sqlite3.Error, OSError) as exc:
                    if _is_busy(exc) and time.monotonic() < deadline:
                        # A lock met outside the finer retries (while opening, say): start over.
                        self._drop_connection()
                        delay = _backoff(delay, deadline)
                        continue
                    if _is_corrupt(exc) and self._recover_from_corrupt(exc):
                        if retry_corrupt and not corrupt_retried:
                            corrupt_retried = True
                            continue
                        return fallback
                    if disable and not self.readonly and _is_unwritable(exc):
                        self._make_read_only(exc)  # keep serving hits: try the action again
                        continue
                    if disable:
                        self._disable(exc)
                    return fallback
            return fallback

    def _make_read_only(self, exc: BaseException) -> None:
        """A write was refused (read-only file or folder): read on, store nothing (said by
        :meth:`put_many` when a result is dropped)."""
        self.unwritable_reason = _describe_error(exc)
        self.readonly = True
        self._touches.clear()
        self._drop_connection()

    def _disable(self, exc: BaseException | str) -> None:
        """Turn the cache off for the rest of this object's life, with one warning."""
        if self._disabled_reason is not None:
            return
        if isinstance(exc, str):
            reason = exc
            message = f"cache disabled: {reason}"
        elif _is_busy(exc):
            reason = f"still locked by another process after retrying for {self._max_wait:g} s"
            message = f"cache disabled: {self.path} is {reason}; results of this run are not cached"
        else:
            reason = _describe_error(exc)
            message = (
                f"cache disabled: cannot use {self.path} ({reason}); results of this run are not "
                "cached (check the disk space and permissions, or pass another --cache-dir)"
            )
        self._disabled_reason = reason
        self._touches.clear()
        self._warn(message)
        self._drop_connection()

    def report_unreadable(self, keys: Sequence[str]) -> None:
        """Stored values that could not be decoded: the caller computes them again and overwrites
        them, so they are misses (:meth:`reject`), with one warning per run."""
        self.reject(keys)
        self._warn("some cache entries were damaged; they were computed again and replaced")

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def _check_open(self) -> None:
        if self._closed:
            raise CacheError(f"cache {self.path} is closed", hint="open it again with Cache.open")

    def _check_writable(self) -> None:
        self._check_open()
        if self.unwritable_reason is not None:  # found read-only on the way: the user's to fix
            reason = self.unwritable_reason
            raise CacheError(f"cannot change the cache {self.path} ({reason})", hint="make it writable")
        if self.readonly:
            raise CacheError(f"cache {self.path} was opened read-only", hint="open it without readonly")

    # --- connection and schema ----------------------------------------------------------

    def _connect(self, *, create: bool) -> sqlite3.Connection | None:
        """Return the open connection, opening (and, if asked, creating) the file first."""
        if self._conn is not None:
            return self._conn
        if self._disabled_reason is not None:
            return None
        try:
            # Taken before connecting: should the path be swapped meanwhile, a later move aside
            # sees a different file and leaves it alone (the safe side).
            st = os.stat(self.path)
            self._identity = (st.st_dev, st.st_ino)
        except FileNotFoundError:
            self._identity = None
            if not create or self.readonly:
                return None
            # Created lazily, on the first write: a cache-hit-free run leaves no trace.
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.readonly:
            return self._connect_read_only()
        conn = sqlite3.connect(
            str(self.path), timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        return self._adopt(conn)

    def _adopt(self, conn: sqlite3.Connection) -> sqlite3.Connection | None:
        """Prepare ``conn`` and keep it; None (closed) when the cache was turned off."""
        try:
            ready = self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        if not ready:
            conn.close()
            return None
        self._conn = conn
        return conn

    def _connect_read_only(self) -> sqlite3.Connection | None:
        uri = self.path.resolve().as_uri()
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            conn = sqlite3.connect(
                uri + query,
                uri=True,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            try:
                adopted = self._adopt(conn)
            except sqlite3.OperationalError as exc:
                # A WAL file in a folder we cannot write, without its -shm beside it: SQLite
                # cannot share the WAL index, so read the file as it stands (nobody has it open
                # for writing, or the -shm would be there).
                if query == "?mode=ro" and _is_unwritable(exc):
                    continue
                raise
            if "immutable" in query:
                self._warn_unread_wal()
            return adopted
        return None

    def _warn_unread_wal(self) -> None:
        """Opened immutable: SQLite reads the file alone, so results committed to the WAL
        but not yet copied into the file (a writer killed while another held the cache open)
        are misses. Said, since only a writable folder lets SQLite read them."""
        wal = _side_files(self.path)[0]
        try:
            frames = wal.stat().st_size > _WAL_HEADER_BYTES  # a header alone holds no result
        except OSError:
            return
        if frames:
            self._warn(
                f"cache: {wal} may hold cached results that cannot be read while {self.path.parent} "
                "is read-only (SQLite needs to create its -shm file there); make the folder and "
                "its files writable for one run, which folds them into the cache file"
            )

    def _prepare(self, conn: sqlite3.Connection) -> bool:
        """Check (and create or migrate) the schema; False when the cache was turned off."""
        state, version = self._retry(lambda: _inspect(conn))
        self._file_version = version if state != _FRESH else None
        if state == _NEWER:
            self._disable(
                f"{self.path} was written by a newer version of summarize (cache schema {version}, "
                f"this version reads {SCHEMA_VERSION}); upgrade summarize or pass another --cache-dir"
            )
            return False
        if self.readonly:
            if state == _OURS:
                conn.execute("PRAGMA query_only = ON")
                return True
            if state == _FRESH:  # an empty file: nothing to read yet, look again next time
                return False
            self.damaged = state == _FOREIGN  # an older schema is no damage: a run migrates it
            self._disable(f"{self.path} is not a usable summarize cache ({state} file); not reading it")
            return False
        if state == _FOREIGN:
            # Confirm while holding the write lock (nobody is half-way through creating it),
            # without switching someone else's database to WAL first.
            state, _ = self._retry(lambda: self._transaction(conn, _inspect))
            if state != _FOREIGN:
                return self._prepare(conn)
            conn.close()
            self._move_aside("foreign", "is not a summarize cache")
            raise _Rebuild
        if state in (_FRESH, _OLDER):
            # auto_vacuum only takes effect before the first table exists: it lets prune shrink
            # the file without a full VACUUM.
            self._retry(lambda: conn.execute("PRAGMA auto_vacuum = INCREMENTAL"))
        # WAL lets readers run beside the one writer and keeps every commit across a crash.
        self._retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
        # NORMAL is durable across process crashes in WAL mode (only power loss may drop the
        # last commits), and much cheaper than FULL.
        self._retry(lambda: conn.execute("PRAGMA synchronous = NORMAL"))
        self._retry(lambda: conn.execute("PRAGMA journal_size_limit = 4194304"))
        if state == _OURS:
            return True
        outcome = self._retry(lambda: self._transaction(conn, lambda c: self._set_up(c)))
        if outcome == _OLDER:
            conn.close()
            self._move_aside("old-schema", "uses an old cache schema that cannot be migrated")
            raise _Rebuild
        if outcome == _NEWER:
            return self._prepare(conn)  # another process upgraded it meanwhile: say so
        self._file_version = SCHEMA_VERSION
        return True

    def _set_up(self, conn: sqlite3.Connection) -> str:
        """Inside a write transaction: create or migrate the schema; return what was found."""
        state, version = _inspect(conn)  # again: another process may have done it meanwhile
        if state == _FRESH:
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return _OURS
        if state == _OLDER:
            steps = _migrations()
            while version < SCHEMA_VERSION and version in steps:
                steps[version](conn)
                version += 1
            if version < SCHEMA_VERSION:
                conn.execute("ROLLBACK")
                return _OLDER
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return _OURS
        if state == _FOREIGN:  # replaced by a foreign file between our two looks: unlikely
            raise sqlite3.DatabaseError("file is not a database (changed while opening)")
        return state

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

    def _move_aside(self, label: str, why: str) -> None:
        """Rename the file at our path (and its WAL/shm) with a timestamp suffix."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime())
        target = self.path.with_name(f"{self.path.name}.{label}-{stamp}")
        counter = 1
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.{label}-{stamp}-{os.getpid()}-{counter}")
            counter += 1
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return  # another process moved it first; it will be rebuilt below
        if self._identity is not None and self._identity != (st.st_dev, st.st_ino):
            return  # not the file we looked at: another process has rebuilt it already
        self._identity = None
        # The old WAL must never be replayed into the new file: it goes with the old one, and
        # first, so that a crash between the renames cannot leave it beside a new file.
        for side, new in zip(_side_files(self.path), _side_files(target), strict=True):
            with contextlib.suppress(FileNotFoundError):
                os.replace(side, new)
        try:
            os.replace(self.path, target)
        except FileNotFoundError:
            return
        self._warn(f"cache: {self.path} {why}; moved it to {target.name} and started a new cache")

    def _recover_from_corrupt(self, exc: BaseException) -> bool:
        """Move a corrupt file aside once; False when that is not possible (cache turned off)."""
        self._drop_connection()
        if self.readonly or self._recovered:
            self.damaged = self.readonly  # left as it is: a writable open would move it aside
            self._disable(exc)
            return False
        self._recovered = True
        if self._identity is None:
            return True  # the path changed under us: look again rather than move anything
        try:
            # Only moves the very file that failed: another process may have rebuilt it already.
            self._move_aside("corrupt", "is corrupt or not a database")
        except OSError as move_error:
            self._disable(move_error)
            return False
        return True

    # --- transactions -------------------------------------------------------------------

    def _retry(self, action: Callable[[], _T]) -> _T:
        """Run ``action``, retrying on SQLITE_BUSY with jittered exponential backoff."""
        deadline = time.monotonic() + self._max_wait
        delay = 0.005
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
            delay = _backoff(delay, deadline)

    @staticmethod
    def _transaction(conn: sqlite3.Connection, action: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``action`` inside ``BEGIN IMMEDIATE`` ... ``COMMIT``; roll back on any error."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = action(conn)
            if conn.in_transaction:
                conn.execute("COMMIT")
        except BaseException:  # Ctrl-C included: the previous commits stay, this one goes
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise
        return result

    def _write(self, action: Callable[[sqlite3.Connection], _T], *, create: bool) -> _T | None:
        if self.readonly:  # turned read-only by a refused write: drop it
            return None
        conn = self._open_for(create=create)
        if conn is None:
            return None
        return self._retry(lambda: self._transaction(conn, action))

    def _open_for(self, *, create: bool) -> sqlite3.Connection | None:
        """Connect, building a new file when the old one had to be moved aside."""
        for _ in range(3):
            try:
                return self._connect(create=create)
            except _Rebuild:
                continue
        # Something keeps putting a foreign file back at our path: stay out of its way.
        self._disable(f"{self.path} keeps being replaced by a file that is not a summarize cache")
        return None

    # --- operations ---------------------------------------------------------------------

    def _get(self, keys: list[str]) -> dict[str, str]:
        conn = self._open_for(create=False)
        if conn is None or not keys:
            return {}
        found: dict[str, str] = {}
        for start in range(0, len(keys), _BATCH):
            batch = keys[start : start + _BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._retry(
                lambda b=batch, m=marks: conn.execute(
                    f"SELECT key, value FROM entries WHERE key IN ({m})", b
                ).fetchall()
            )
            found.update(rows)
        if not self.readonly and found:
            now = _now()
            for key in found:
                count, _ = self._touches.get(key, (0, 0.0))
                self._touches[key] = (count + 1, now)
        return found

    @staticmethod
    def _row(key: str, key_json: str, value: str) -> tuple[str, str, str | None, str | None, str]:
        if not (isinstance(key, str) and isinstance(key_json, str) and isinstance(value, str)):
            raise TypeError("cache items must be (key, key_json, value) strings")
        task, model_id = _task_and_model(key_json)
        return key, key_json, task, model_id, value

    def _put(
        self, conn: sqlite3.Connection, rows: list[tuple[str, str, str | None, str | None, str]]
    ) -> None:
        self._flush_touches(conn)
        now = _now()
        # An upsert rather than INSERT OR REPLACE: same result (one row per key, the new value
        # wins) but hit_count survives a --refresh.
        conn.executemany(
            "INSERT INTO entries (key, key_json, task, model_id, value, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET key_json = excluded.key_json, task = excluded.task,"
            " model_id = excluded.model_id, value = excluded.value, created_at = excluded.created_at",
            [(*row, now) for row in rows],
        )
        conn.executemany(
            "INSERT INTO usage (key, last_used) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET last_used = excluded.last_used",
            [(row[0], now) for row in rows],
        )

    def _flush_touches(self, conn: sqlite3.Connection) -> None:
        """Write the remembered hits (inside the caller's transaction)."""
        if not self._touches:
            return
        pending = [(when, count, key) for key, (count, when) in self._touches.items()]
        conn.executemany(
            "UPDATE usage SET last_used = max(last_used, ?), hit_count = hit_count + ? WHERE key = ?",
            pending,
        )
        # Cleared only once the statement ran; a rolled-back transaction loses a few LRU hints.
        self._touches.clear()

    def _read_stats(
        self,
    ) -> tuple[int, dict[str, str], tuple[tuple[str | None, str | None, int], ...]] | None:
        conn = self._open_for(create=False)
        if conn is None:
            return None

        def read() -> tuple[int, dict[str, str], tuple[tuple[str | None, str | None, int], ...]]:
            entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
            meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
            by_model = tuple(
                conn.execute(
                    "SELECT task, model_id, count(*) AS n FROM entries"
                    " GROUP BY task, model_id ORDER BY n DESC, task, model_id"
                ).fetchall()
            )
            return entries, meta, by_model

        return self._retry(read)

    def _disk_size(self) -> int:
        """The database and its WAL; not the shared-memory index (32 KB that exists only while
        the file is open: counting it made stats over-report and prune remove too much)."""
        total = 0
        for file in (self.path, _side_files(self.path)[0]):
            with contextlib.suppress(OSError):
                total += file.stat().st_size
        return total

    def _compact(self) -> None:
        """Give free pages back to the file system and empty the WAL."""
        if self.readonly:  # turned read-only by a refused write: nothing to give back
            return
        conn = self._open_for(create=False)
        if conn is None:
            return
        if conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:  # INCREMENTAL
            # execute() would step this pragma once, freeing a single page; a script runs it
            # to completion (in its own short write transaction: we are not inside one here).
            self._retry(lambda: conn.executescript("PRAGMA incremental_vacuum;"))
        elif conn.execute("PRAGMA freelist_count").fetchone()[0]:
            self._retry(lambda: conn.execute("VACUUM"))
        # TRUNCATE also shrinks the -wal file; busy readers only make it a partial checkpoint.
        self._retry(lambda: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall())

    def _prune_to_size(self, limit: int) -> int:
        """Delete least recently used entries until the size on disk is at most ``limit``."""
        if self.readonly:  # turned read-only by a refused write (``_guard`` tries again)
            return 0
        conn = self._open_for(create=False)
        if conn is None:
            return 0
        removed = 0
        for _ in range(8):  # the size is estimated; a few rounds converge
            size = self._disk_size()
            if size <= limit:
                break

            def delete_lru(c: sqlite3.Connection, size: int = size) -> int:
                self._flush_touches(c)
                page_size = c.execute("PRAGMA page_size").fetchone()[0]
                pages = c.execute("PRAGMA page_count").fetchone()[0]
                free = c.execute("PRAGMA freelist_count").fetchone()[0]
                payload = c.execute(f"SELECT coalesce(sum({_ROW_BYTES}), 0) FROM entries AS e").fetchone()[0]
                if not payload:
                    return 0
                # Scale the excess on disk by how many bytes the file spends per payload byte.
                ratio = max(1.0, (pages - free) * page_size / payload)
                to_free = (size - limit) / ratio
                doomed: list[int] = []
                freed = 0.0
                cursor = c.execute(
                    f"SELECT e.rowid, {_ROW_BYTES} FROM entries AS e LEFT JOIN usage AS u ON u.key = e.key"
                    " ORDER BY coalesce(u.last_used, e.created_at), e.key"
                )
                for rowid, row_bytes in cursor:
                    doomed.append(rowid)
                    freed += row_bytes
                    if freed >= to_free:
                        break
                cursor.close()
                for start in range(0, len(doomed), _BATCH):
                    batch = doomed[start : start + _BATCH]
                    c.execute(f"DELETE FROM entries WHERE rowid IN ({','.join('?' * len(batch))})", batch)
                return len(doomed)

            count = self._retry(lambda fn=delete_lru: self._transaction(conn, fn))
            removed += count
            self._compact()
            if count == 0:
                break
        return removed


def _backoff(delay: float, deadline: float) -> float:
    """Sleep about ``delay`` (jittered, never past ``deadline``); return the next delay."""
    # Jitter keeps processes that collided once from colliding again in lockstep.
    time.sleep(max(0.0, min(delay * random.uniform(0.5, 1.5), deadline - time.monotonic())))
    return min(delay * 2, 0.25)


class _Rebuild(Exception):
    """Internal: the file was moved aside; connect again to build a new one."""


def _task_and_model(key_json: str) -> tuple[str | None, str | None]:
    """Pull ``task`` and the model id out of a key's JSON, for per-model statistics.

    The model id is read from ``model_id``, or ``model`` (a string, or an object with ``id``).
    """
    try:
        payload = json.loads(key_json)
    except ValueError as exc:
        raise ValueError(f"cache key_json is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        return None, None
    task = payload.get("task")
    model = payload.get("model_id", payload.get("model"))
    if isinstance(model, dict):
        model = model.get("id", model.get("model_id"))
    return (task if isinstance(task, str) else None), (model if isinstance(model, str) else None)


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
