"""Tests of the on-disk output cache (summarize.cache)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from summarize import cache as cache_mod
from summarize.cache import SCHEMA_VERSION, Cache, CacheStats, CacheUsageError, make_key, parse_size
from summarize.errors import CacheError, UsageError

REPO = Path(__file__).resolve().parents[1]
LINUX_ONLY = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux-only tools")
POSIX_ONLY = pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals and rlimits")


# --- helpers ----------------------------------------------------------------------------------


def item(
    n: int, value: str | None = None, *, task: str = "summarize", model: str = "m/a"
) -> tuple[str, str, str]:
    """A (key, key_json, value) triple for chunk ``n``."""
    key, key_json = make_key({"v": 1, "task": task, "model_id": model, "chunk": f"chunk {n}"})
    return key, key_json, value if value is not None else f"output {n} é"


def rows(path: Path) -> dict[str, tuple]:
    """Every row of the cache file, read with plain sqlite3, by key."""
    conn = sqlite3.connect(path)
    try:
        result = conn.execute(
            "SELECT e.key, key_json, task, model_id, value, created_at, last_used, hit_count"
            " FROM entries AS e LEFT JOIN usage AS u ON u.key = e.key"
        ).fetchall()
    finally:
        conn.close()
    return {row[0]: row[1:] for row in result}


def pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def aside(path: Path, label: str) -> list[Path]:
    """Files that the cache moved aside with ``label`` (corrupt, foreign, old-schema)."""
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(f"{path.name}.{label}-"))


class FakeClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(cache_mod, "_now", fake)
    return fake


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "outputs.sqlite"


def run_python(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, env=env
    )


# --- make_key -------------------------------------------------------------------------------


def test_make_key_is_canonical_json_and_its_sha256() -> None:
    digest, text = make_key({"b": [1, 2.5, None], "a": {"y": True, "x": "é"}, "task": "summarize"})
    assert text == '{"a":{"x":"é","y":true},"b":[1,2.5,null],"task":"summarize"}'
    assert digest == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_make_key_ignores_dict_ordering() -> None:
    one = {"task": "translate", "model": {"id": "m", "revision": "abc"}, "gen": {"beams": 4, "max": 60}}
    two = {"gen": {"max": 60, "beams": 4}, "model": {"revision": "abc", "id": "m"}, "task": "translate"}
    assert make_key(one) == make_key(two)
    assert make_key(one)[0] != make_key({**one, "task": "summarize"})[0]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6), st.randoms())
def test_make_key_is_stable_across_orderings(payload: dict, rnd: random.Random) -> None:
    shuffled_items = list(payload.items())
    rnd.shuffle(shuffled_items)
    digest, text = make_key(dict(shuffled_items))
    assert (digest, text) == make_key(payload)
    assert json.loads(text) == payload
    assert make_key(json.loads(text))[1] == text  # canonical: a fixed point


@pytest.mark.parametrize(
    "payload",
    [{"x": {1, 2}}, {"x": b"bytes"}, {"x": object()}, {"x": float("nan")}, {"x": float("inf")}, {1j: 1}],
)
def test_make_key_rejects_values_json_cannot_hold(payload: dict) -> None:
    with pytest.raises(TypeError):
        make_key(payload)


def test_make_key_rejects_a_non_mapping() -> None:
    with pytest.raises(TypeError):
        make_key([("a", 1)])  # type: ignore[arg-type]


# --- parse_size -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000", 1000),
        ("0", 0),
        ("500MB", 500_000_000),
        ("500mb", 500_000_000),
        ("2G", 2_000_000_000),
        ("2 GB", 2_000_000_000),
        ("1.5GiB", 1_610_612_736),
        ("10KiB", 10_240),
        ("3k", 3000),
        ("1T", 10**12),
        ("2TiB", 2 * 1024**4),
        ("12B", 12),
        (".5M", 500_000),
        (" 7 MiB ", 7 * 1024**2),
    ],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "MB", "-1", "1.2.3", "5 XB", "1e9", "nan", "inf", "2 G B", "1,5G"])
def test_parse_size_rejects_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(CacheUsageError) as info:
        parse_size(text)
    error = info.value
    assert isinstance(error, CacheError) and isinstance(error, UsageError)
    assert error.exit_code == 2
    assert "500MB" in str(error) and "GiB" in str(error) and "1000" in str(error)


# --- basic behaviour ------------------------------------------------------------------------


def test_nothing_is_created_until_the_first_write(db: Path) -> None:
    with Cache.open(db) as cache:
        assert cache.get_many([item(1)[0]]) == {}
        assert cache.stats() == CacheStats(
            path=db,
            entries=0,
            size_bytes=0,
            last_run_hits=None,
            last_run_misses=None,
            enabled=True,
            schema_version=None,
        )
        assert not db.parent.exists()
        cache.put_many([item(1)])
        assert db.exists()
    assert cache.warnings == []


def test_round_trip_and_stored_columns(db: Path) -> None:
    items = [item(n) for n in range(5)] + [item(9, task="translate", model="m/b")]
    with Cache.open(db) as cache:
        cache.put_many(items)
        assert cache.get_many([key for key, _, _ in items]) == {key: value for key, _, value in items}
        assert cache.get_many(["absent", items[0][0], items[0][0]]) == {items[0][0]: items[0][2]}
        assert (cache.hits, cache.misses) == (7, 1)
    stored = rows(db)
    key, key_json, value = items[-1]
    assert stored[key][:4] == (key_json, "translate", "m/b", value)
    assert json.loads(stored[key][0])["chunk"] == "chunk 9"  # the key's JSON as text, not pickle
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT DISTINCT typeof(key_json), typeof(value) FROM entries").fetchall() == [
        ("text", "text")
    ]
    conn.close()
    assert pragma(db, "journal_mode") == "wal"
    assert pragma(db, "user_version") == SCHEMA_VERSION
    assert pragma(db, "application_id") == cache_mod.APPLICATION_ID
    with Cache.open(db) as again:  # and it survives a reopen
        assert again.get_many([key])[key] == value


def test_put_replaces_and_keeps_one_row_per_key(db: Path, clock: FakeClock) -> None:
    key, key_json, _ = item(1)
    with Cache.open(db) as cache:
        cache.put_many([(key, key_json, "old")])
        clock.now += 5
        cache.get_many([key])
        clock.now += 5
        cache.put_many([(key, key_json, "new"), (key, key_json, "newer")])  # --refresh
        assert cache.get_many([key]) == {key: "newer"}
    stored = rows(db)
    assert len(stored) == 1
    _, _, _, value, created_at, last_used, hit_count = stored[key]
    assert (value, created_at, last_used, hit_count) == ("newer", clock.now, clock.now, 2)


def test_hits_touch_last_used_and_hit_count(db: Path, clock: FakeClock) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(1), item(2)])
    start = clock.now
    clock.now += 100
    with Cache.open(db) as cache:
        cache.get_many([item(1)[0]])
        cache.get_many([item(1)[0], "missing"])
    stored = rows(db)
    assert stored[item(1)[0]][5:] == (start + 100, 2)
    assert stored[item(2)[0]][5:] == (start, 0)


def test_a_rejected_hit_is_a_miss(db: Path, clock: FakeClock) -> None:
    # Found, but the caller could not use the value (damaged, or made by other options).
    with Cache.open(db) as cache:
        cache.put_many([item(1), item(2), item(3)])
    start = clock.now
    clock.now += 100
    with Cache.open(db) as cache:
        cache.get_many([item(1)[0], item(2)[0]])
        cache.get_many([item(2)[0]])
        cache.reject([item(1)[0], item(2)[0], item(2)[0]])
        assert (cache.hits, cache.misses) == (1, 2)
    stored = rows(db)
    assert stored[item(1)[0]][6] == 0
    assert stored[item(2)[0]][5:] == (start + 100, 1)  # its other hit still counts
    assert stored[item(3)[0]][5:] == (start, 0)
    with Cache.open(db, readonly=True) as cache:  # no hit_count to mend, but the counts
        cache.get_many([item(1)[0]])
        cache.reject([item(1)[0]])
        assert (cache.hits, cache.misses) == (0, 1)


def test_readonly_reads_but_never_writes(db: Path, clock: FakeClock) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(1)])
    before = rows(db)
    clock.now += 100
    with Cache.open(db, readonly=True) as cache:
        assert cache.get_many([item(1)[0]]) == {item(1)[0]: item(1)[2]}
        cache.put_many([item(2)])
        cache.record_run(1, 0)
        with pytest.raises(CacheError):
            cache.clear()
        with pytest.raises(CacheError):
            cache.prune(max_size_bytes=0)
        assert cache.stats().entries == 1
        assert cache.enabled and cache.warnings == []
    assert rows(db) == before
    missing = db.parent / "nowhere" / "x.sqlite"
    with Cache.open(missing, readonly=True) as cache:
        assert cache.get_many(["k"]) == {}
        cache.put_many([item(1)])
    assert not missing.parent.exists()


def test_stats_record_run_and_size(db: Path) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(n) for n in range(3)] + [item(7, model="m/b")])
        cache.record_run(hits=12, misses=4)
        stats = cache.stats()
        on_disk = sum(p.stat().st_size for p in db.parent.iterdir() if p.name in (db.name, db.name + "-wal"))
        shm_while_open = Path(str(db) + "-shm").exists()
    assert (stats.entries, stats.last_run_hits, stats.last_run_misses) == (4, 12, 4)
    assert stats.enabled and stats.schema_version == SCHEMA_VERSION and stats.disabled_reason is None
    assert stats.by_model == (("summarize", "m/a", 3), ("summarize", "m/b", 1))
    # The WAL counts; the shared-memory index, there only while the file is open, does not.
    assert stats.size_bytes == on_disk > db.stat().st_size and shm_while_open


def test_prune_to_a_size_the_closed_file_fits_removes_nothing(db: Path) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(n) for n in range(5)])
    closed = db.stat().st_size  # one file once closed: the WAL is checkpointed, shm removed
    assert not Path(str(db) + "-shm").exists()
    with Cache.open(db) as cache:
        assert cache.prune(max_size_bytes=closed + 8192) == 0
        assert cache.stats().entries == 5


def test_clear_removes_everything_and_shrinks(db: Path) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(n, "x" * 5000) for n in range(200)])
        big = cache.stats().size_bytes
        assert cache.clear() == 200
        stats = cache.stats()
        assert stats.entries == 0 and stats.size_bytes < big / 5
        assert cache.get_many([item(1)[0]]) == {}
        cache.put_many([item(1)])
        assert cache.stats().entries == 1


def test_operations_after_close_raise(db: Path) -> None:
    cache = Cache.open(db)
    cache.close()
    cache.close()  # twice is fine
    with pytest.raises(CacheError):
        cache.get_many(["k"])


# --- prune ----------------------------------------------------------------------------------


def test_prune_by_size_removes_least_recently_used_first(db: Path, clock: FakeClock) -> None:
    count = 60
    with Cache.open(db) as cache:
        for n in range(count):  # entry n is written at time n
            clock.now += 1
            cache.put_many([item(n, f"{n:04d}" + "v" * 8000)])
        # Then use the first ten again: they become the most recently used.
        for n in range(10):
            clock.now += 1
            cache.get_many([item(n)[0]])
        order = list(range(10, count)) + list(range(10))  # least recently used first
        assert cache.prune(older_than_days=1e6) == 0  # compacts only: a fair starting size
        before = cache.stats().size_bytes
        limit = before // 2
        removed = cache.prune(max_size_bytes=limit)
        stats = cache.stats()
    assert stats.size_bytes <= limit
    kept = {key for key in rows(db)}
    assert removed == count - len(kept) and 0 < len(kept) < count
    # Exactly the least recently used went: what stays is a suffix of the LRU order.
    survivors = [n for n in order if item(n)[0] in kept]
    assert survivors == order[len(order) - len(kept) :]
    assert len(kept) > count / 4  # and not much more than needed went


def test_prune_to_zero_empties_the_cache(db: Path) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(n, "y" * 3000) for n in range(50)])
        assert cache.prune(max_size_bytes=0) == 50
        assert cache.stats().entries == 0


def test_prune_older_than(db: Path, clock: FakeClock) -> None:
    day = 86400
    with Cache.open(db) as cache:
        cache.put_many([item(0), item(1)])  # day 0
        clock.now += 5 * day
        cache.put_many([item(5)])  # day 5
        clock.now += 5 * day
        cache.get_many([item(1)[0]])  # day 10: item 1 is used again
        cache.put_many([item(10)])
        assert cache.prune(older_than_days=7) == 1
        assert set(rows(db)) == {item(n)[0] for n in (1, 5, 10)}
        assert cache.prune(older_than_days=2.5) == 1
        assert set(rows(db)) == {item(n)[0] for n in (1, 10)}
        assert cache.prune(older_than_days=0) == 0  # "now" is not older than now


@pytest.mark.parametrize(
    "kwargs", [{}, {"max_size_bytes": -1}, {"older_than_days": -1.0}, {"older_than_days": float("nan")}]
)
def test_prune_rejects_bad_arguments(db: Path, kwargs: dict) -> None:
    with Cache.open(db) as cache, pytest.raises(CacheUsageError):
        cache.prune(**kwargs)


@pytest.mark.parametrize("days", [-1.0, float("nan"), float("inf")])
def test_prune_names_the_ages_it_takes(db: Path, days: float) -> None:
    # "must be >= 0" was said of inf too, which is >= 0.
    with Cache.open(db) as cache, pytest.raises(CacheUsageError) as info:
        cache.prune(older_than_days=days)
    assert info.value.hint is not None and "finite number of days, 0 or more" in info.value.hint


# --- bad files at the cache path ------------------------------------------------------------


def test_corrupt_file_is_moved_aside_and_rebuilt(db: Path) -> None:
    db.parent.mkdir(parents=True)
    garbage = b"this is not sqlite at all " * 500
    db.write_bytes(garbage)
    (db.parent / (db.name + "-wal")).write_bytes(b"stale wal")
    with Cache.open(db) as cache:
        assert cache.enabled
        assert len(cache.warnings) == 1 and "corrupt" in cache.warnings[0]
        cache.put_many([item(1)])
        assert cache.get_many([item(1)[0]]) == {item(1)[0]: item(1)[2]}
        # The stale WAL is never replayed into the new file (SQLite drops it, or it moves too).
        assert b"stale wal" not in (db.parent / (db.name + "-wal")).read_bytes()
    moved = aside(db, "corrupt")
    assert [p.read_bytes() for p in moved if not p.name.endswith(("-wal", "-shm"))] == [garbage]
    assert pragma(db, "integrity_check") == "ok" and len(rows(db)) == 1


def test_damaged_pages_found_mid_run_are_moved_aside(db: Path) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(n, "z" * 2000) for n in range(100)])
    page_size = pragma(db, "page_size")
    with db.open("r+b") as handle:  # keep page 1 (the header and schema), wreck the rest
        handle.seek(page_size)
        handle.write(os.urandom(db.stat().st_size - page_size))
    with Cache.open(db) as cache:
        assert cache.get_many([item(n)[0] for n in range(100)]) == {}
        assert cache.enabled and any("corrupt" in w for w in cache.warnings)
        cache.put_many([item(1)])
        assert cache.get_many([item(1)[0]]) == {item(1)[0]: item(1)[2]}
    assert len(aside(db, "corrupt")) == 1


def test_foreign_sqlite_file_is_moved_aside(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.execute("INSERT INTO users VALUES ('ada')")
    conn.commit()
    conn.close()
    with Cache.open(db) as cache:
        assert cache.enabled and len(cache.warnings) == 1 and "not a summarize cache" in cache.warnings[0]
        cache.put_many([item(1)])
    (moved,) = aside(db, "foreign")
    conn = sqlite3.connect(moved)
    assert conn.execute("SELECT name FROM users").fetchall() == [("ada",)]  # left intact
    conn.close()
    assert len(rows(db)) == 1


def test_foreign_file_is_not_touched_in_readonly_mode(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage" * 300)
    with Cache.open(db, readonly=True) as cache:
        assert cache.get_many(["k"]) == {}
        assert not cache.enabled and len(cache.warnings) == 1
    assert db.read_bytes() == b"garbage" * 300 and aside(db, "corrupt") == []


def test_newer_schema_disables_the_cache_without_touching_it(db: Path) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(1)])
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = db.read_bytes()
    with Cache.open(db) as cache:
        assert not cache.enabled
        assert len(cache.warnings) == 1
        assert "newer" in cache.warnings[0] and "--cache-dir" in cache.warnings[0]
        assert cache.get_many([item(1)[0]]) == {}  # never misread
        cache.put_many([item(2)])
        cache.record_run(1, 1)
        assert cache.clear() == 0
        stats = cache.stats()
        assert not stats.enabled and stats.schema_version == SCHEMA_VERSION + 1
    assert db.read_bytes() == before and aside(db, "old-schema") == []


def test_older_schema_without_migration_is_rebuilt(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(1)])
    monkeypatch.setattr(cache_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Cache.open(db) as cache:
        assert cache.enabled and len(cache.warnings) == 1 and "old" in cache.warnings[0]
        assert cache.get_many([item(1)[0]]) == {}
        cache.put_many([item(2)])
        assert cache.stats().schema_version == SCHEMA_VERSION + 1
    assert len(aside(db, "old-schema")) == 1
    assert pragma(db, "user_version") == SCHEMA_VERSION + 1


def test_older_schema_is_migrated_when_a_step_exists(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(1)])

    def add_column(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE entries ADD COLUMN note TEXT")

    monkeypatch.setattr(cache_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr(cache_mod, "_migrations", lambda: {SCHEMA_VERSION: add_column})
    with Cache.open(db) as cache:
        assert cache.enabled and cache.warnings == []
        assert cache.get_many([item(1)[0]]) == {item(1)[0]: item(1)[2]}
    assert pragma(db, "user_version") == SCHEMA_VERSION + 1
    conn = sqlite3.connect(db)
    assert "note" in {row[1] for row in conn.execute("PRAGMA table_info(entries)")}
    conn.close()


# --- unwritable locations -------------------------------------------------------------------

SQLITE_FAILURES = ["disk I/O error", "database or disk is full"]


def _failing_connection(message: str) -> type[sqlite3.Connection]:
    class Failing(sqlite3.Connection):
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
            if sql.lstrip().upper().startswith(("BEGIN IMMEDIATE", "INSERT", "UPDATE", "DELETE")):
                raise sqlite3.OperationalError(message)
            return super().execute(sql, *args)

    return Failing


def _simulated_run(cache: Cache, articles: int = 3) -> list[str]:
    """What the pipeline does: look up, compute the misses, store, once per article."""
    outputs = []
    for article in range(articles):
        chunk_items = [item(article * 10 + n) for n in range(3)]
        found = cache.get_many([key for key, _, _ in chunk_items])
        fresh = [(k, j, v) for k, j, v in chunk_items if k not in found]
        cache.put_many(fresh)
        outputs.extend(found.get(k, v) for k, _, v in chunk_items)
    cache.record_run(cache.hits, cache.misses)
    return outputs


@pytest.mark.parametrize("message", SQLITE_FAILURES)
def test_sqlite_write_failures_turn_the_cache_off_once(
    db: Path, monkeypatch: pytest.MonkeyPatch, message: str
) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(0)])  # an existing cache, that suddenly cannot be written
    real_connect = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda *a, **k: real_connect(*a, **k, factory=_failing_connection(message))
    )
    with Cache.open(db) as cache:
        assert cache.get_many([item(0)[0]]) == {item(0)[0]: item(0)[2]}  # reads still work
        outputs = _simulated_run(cache)
        assert outputs == [item(a * 10 + n)[2] for a in range(3) for n in range(3)]
        assert not cache.enabled
        assert len(cache.warnings) == 1 and message in cache.warnings[0]
        assert cache.get_many([item(0)[0]]) == {}  # off: an always-miss cache
        assert cache.clear() == 0 and cache.prune(max_size_bytes=0) == 0
        assert cache.stats().enabled is False
    assert len(cache.warnings) == 1


def _refuse_writes(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """Every connection opened from now on fails its writes with ``message``."""
    real_connect = sqlite3.connect
    monkeypatch.setattr(
        sqlite3, "connect", lambda *a, **k: real_connect(*a, **k, factory=_failing_connection(message))
    )


def test_a_refused_write_makes_the_cache_read_only_and_hits_are_still_served(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only file (a shared cache, one baked into an image): the first refused write
    used to turn the cache off, so every later lookup of the run missed."""
    with Cache.open(db) as cache:
        cache.put_many([item(0), item(20)])
    message = "attempt to write a readonly database"
    _refuse_writes(monkeypatch, message)
    with Cache.open(db) as cache:
        outputs = _simulated_run(cache)  # article 0 is written (refused) before article 2 is read
        assert outputs == [item(a * 10 + n)[2] for a in range(3) for n in range(3)]
        assert cache.enabled and cache.unwritable_reason == message
        assert cache.hits == 2  # item(20), looked up after the refused write, came from the file
        assert cache.get_many([item(0)[0]]) == {item(0)[0]: item(0)[2]}
        assert len(cache.warnings) == 1 and "read-only" in cache.warnings[0] and message in cache.warnings[0]
        assert cache.stats().entries == 2
    assert len(cache.warnings) == 1
    assert set(rows(db)) == {item(0)[0], item(20)[0]}


@pytest.mark.parametrize("operation", ["clear", "prune by age", "prune by size"])
def test_clear_and_prune_refused_by_the_file_system_raise(
    db: Path, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    """They returned 0 removed, as if there had been nothing to remove: the CLI kept a second
    copy of the error's wording to say otherwise."""
    with Cache.open(db) as cache:
        cache.put_many([item(0), item(1)])
    message = "attempt to write a readonly database"
    _refuse_writes(monkeypatch, message)
    calls = {
        "clear": lambda c: c.clear(),
        "prune by age": lambda c: c.prune(older_than_days=0),
        "prune by size": lambda c: c.prune(max_size_bytes=0),
    }
    with Cache.open(db) as cache:
        with pytest.raises(CacheError) as raised:
            calls[operation](cache)
        assert (raised.value.message, raised.value.hint) == (
            f"cannot change the cache {db} ({message})",
            "make it writable",
        )
        assert cache.enabled and cache.warnings == []  # read-only, not off: hits are still served
    assert len(rows(db)) == 2


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_os_refusals_make_the_cache_read_only_once(
    db: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with Cache.open(db) as cache:
        outputs = _simulated_run(cache)
        assert len(outputs) == 9 and cache.enabled and cache.unwritable_reason
        assert cache.warnings == [cache.warnings[0]] and os.strerror(code) in cache.warnings[0]


@pytest.mark.parametrize("code", [errno.ENOSPC])
def test_os_errors_turn_the_cache_off_once(db: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with Cache.open(db) as cache:
        outputs = _simulated_run(cache)
        assert len(outputs) == 9 and not cache.enabled
        assert cache.warnings == [cache.warnings[0]] and os.strerror(code) in cache.warnings[0]


def test_sqlite_open_failure_turns_the_cache_off(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Cache.open(db) as cache:
        cache.put_many([item(0)])

    def refuse(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", refuse)
    with Cache.open(db) as cache:
        assert _simulated_run(cache) and not cache.enabled and len(cache.warnings) == 1


def _chattr(flag: str, path: Path) -> bool:
    try:
        return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0
    except OSError:
        return False


@LINUX_ONLY
def test_real_readonly_file(db: Path) -> None:
    """An immutable file cannot be written even by root: SQLite opens it read-only."""
    with Cache.open(db) as cache:
        cache.put_many([item(0)])
    if not _chattr("+i", db):
        pytest.skip("chattr +i is not available here")
    try:
        with Cache.open(db) as cache:
            outputs = _simulated_run(cache)
            assert len(outputs) == 9
            assert cache.enabled and cache.hits == 1 and len(cache.warnings) == 1  # item(0) was served
            assert "read-only" in cache.warnings[0]
    finally:
        _chattr("-i", db)
    assert set(rows(db)) == {item(0)[0]}


@LINUX_ONLY
def test_real_readonly_directory(tmp_path: Path) -> None:
    """An immutable directory: no new file can be created in it, even by root."""
    folder = tmp_path / "locked"
    folder.mkdir()
    if not _chattr("+i", folder):
        pytest.skip("chattr +i is not available here")
    try:
        with Cache.open(folder / "sub" / "outputs.sqlite") as cache, Cache.open(folder / "o.sqlite") as other:
            for each in (cache, other):
                assert len(_simulated_run(each)) == 9
                assert each.unwritable_reason and len(each.warnings) == 1
    finally:
        _chattr("-i", folder)


def test_closing_puts_our_results_into_the_file_while_another_process_holds_it(db: Path) -> None:
    """SQLite folds the WAL into the file only at the last close: with another process holding
    the cache, our results stayed in the WAL alone, lost to any reader that cannot use it (a
    read-only folder without the -shm)."""
    with Cache.open(db) as cache:
        cache.put_many([item(0)])
    other = sqlite3.connect(db)  # another run, still going
    try:
        other.execute("SELECT count(*) FROM entries").fetchone()
        with Cache.open(db) as cache:
            cache.put_many([item(1)])
        alone = db.parent / "alone.sqlite"
        alone.write_bytes(db.read_bytes())  # the file without its WAL
    finally:
        other.close()
    assert set(rows(alone)) == {item(0)[0], item(1)[0]}


def _make_read_only(folder: Path) -> None:
    for path in (*folder.iterdir(), folder):
        path.chmod(0o555 if path.is_dir() else 0o444)


@POSIX_ONLY
def test_a_wal_without_its_shm_in_a_read_only_folder_is_said(tmp_path: Path) -> None:
    """A read-only folder holding a WAL but no -shm (a writer killed while another run held
    the cache, then the folder copied without its -shm, or chmod -R a-w): SQLite can only open
    the file immutable, which ignores the WAL, so the results in it were silently missed."""
    from fault_tools import env, without_file_override

    live = tmp_path / "live" / "outputs.sqlite3"
    shared = tmp_path / "shared"
    with Cache.open(live) as cache:
        cache.put_many([item(0)])
        folder = sqlite3.connect(live)
        folder.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # item(0) into the file
        folder.close()
        cache.put_many([item(1)])  # in the WAL only, until the last close
        shared.mkdir()
        for name in (live.name, live.name + "-wal"):  # no -shm
            (shared / name).write_bytes((live.parent / name).read_bytes())
    _make_read_only(shared)
    try:
        cmd = [sys.executable, "-m", "summarize", "cache", "stats", "--cache-dir", str(shared)]
        done = subprocess.run(
            without_file_override(cmd), capture_output=True, text=True, env=env(), timeout=120
        )
        assert done.returncode == 0, done.stderr
        said = done.stderr.splitlines()
        assert len(said) == 1 and said[0].startswith("summarize: warning: cache:"), done.stderr
        assert "outputs.sqlite3-wal" in said[0] and "writable for one run" in said[0]
        assert "entries\t1" in done.stdout  # item(0), in the file itself
    finally:
        shared.chmod(0o755)
        for path in shared.iterdir():
            path.chmod(0o644)
    # What the warning advises: one writable open folds the WAL in.
    with Cache.open(shared / live.name) as cache:
        assert set(cache.get_many([item(0)[0], item(1)[0]])) == {item(0)[0], item(1)[0]}
    assert not (shared / (live.name + "-wal")).exists()


@LINUX_ONLY
def test_real_unwritable_system_path() -> None:
    """/sys refuses new entries even to root (where it is mounted as sysfs)."""
    target = Path("/sys/summarize-test-cache/outputs.sqlite")
    try:
        target.parent.mkdir()
    except OSError:
        pass
    else:  # pragma: no cover - an unusual system
        target.parent.rmdir()
        pytest.skip("/sys is writable here")
    with Cache.open(target) as cache:
        assert len(_simulated_run(cache)) == 9
        assert (not cache.enabled or cache.unwritable_reason) and len(cache.warnings) == 1


FULL_DISK_SCRIPT = textwrap.dedent(
    """
    import json, resource, signal, sys
    from pathlib import Path
    from summarize.cache import Cache, make_key
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
    limit = 256 * 1024  # no file may grow past this: a real "disk full"
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    stored = []
    with Cache.open(Path(sys.argv[1])) as cache:
        for n in range(200):
            key, key_json = make_key({"n": n})
            cache.put_many([(key, key_json, str(n) * 4000)])
            if cache.enabled:
                stored.append(key)
        print(json.dumps({"enabled": cache.enabled, "warnings": cache.warnings, "stored": stored}))
    """
)


@POSIX_ONLY
def test_real_full_disk_turns_the_cache_off_and_keeps_earlier_rows(db: Path) -> None:
    db.parent.mkdir(parents=True)
    result = run_python(FULL_DISK_SCRIPT, str(db))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert not report["enabled"] and len(report["warnings"]) == 1
    assert "disk" in report["warnings"][0] or "full" in report["warnings"][0]
    assert 0 < len(report["stored"]) < 200
    assert pragma(db, "integrity_check") == "ok"
    with Cache.open(db) as cache:
        assert set(cache.get_many(report["stored"])) == set(report["stored"])


# --- interruptions and lock contention --------------------------------------------------------


def test_ctrl_c_inside_a_write_keeps_earlier_commits(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Cache._put

    def interrupted(self: Cache, conn: sqlite3.Connection, batch: list) -> None:
        original(self, conn, batch)
        raise KeyboardInterrupt

    with Cache.open(db) as cache:
        cache.put_many([item(1)])
        monkeypatch.setattr(Cache, "_put", interrupted)
        with pytest.raises(KeyboardInterrupt):
            cache.put_many([item(2)])
        monkeypatch.setattr(Cache, "_put", original)
        cache.put_many([item(3)])  # and the cache is still usable
    assert set(rows(db)) == {item(1)[0], item(3)[0]}


def _hold_write_lock(path: Path, seconds: float) -> threading.Thread:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")

    def release() -> None:
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def test_writes_wait_past_the_busy_timeout_with_backoff(db: Path) -> None:
    with Cache.open(db, busy_timeout=0.02) as cache:
        cache.put_many([item(0)])
        holder = _hold_write_lock(db, 0.5)
        started = time.monotonic()
        cache.put_many([item(1)])  # the busy timeout alone would give up after 20 ms
        waited = time.monotonic() - started
        holder.join()
        assert cache.enabled and cache.warnings == [] and waited >= 0.4
        assert set(cache.get_many([item(0)[0], item(1)[0]])) == {item(0)[0], item(1)[0]}


def test_a_lock_held_for_too_long_turns_the_cache_off(db: Path) -> None:
    with Cache.open(db, busy_timeout=0.02, max_wait=0.3) as cache:
        cache.put_many([item(0)])
        holder = _hold_write_lock(db, 1.0)
        cache.put_many([item(1)])
        holder.join()
        assert not cache.enabled and len(cache.warnings) == 1 and "locked" in cache.warnings[0]


# --- several processes ----------------------------------------------------------------------

WORKER_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, random, sys, time
    from pathlib import Path
    from summarize.cache import Cache, make_key

    path, worker, start_at = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    def value(n):
        return hashlib.sha256(str(n).encode()).hexdigest() * (1 + n % 7)
    rnd = random.Random(worker)
    keys = list(range(300))
    rnd.shuffle(keys)
    time.sleep(max(0.0, start_at - time.time()))  # all workers start together
    with Cache.open(path, busy_timeout=0.05) as cache:
        if worker == 0:  # a maintenance process beside the writers
            for _ in range(15):
                cache.stats()
                cache.prune(older_than_days=365)
                cache.record_run(1, 2)
                time.sleep(0.01)
        for start in range(0, len(keys), 10):  # one "article" of ten chunks at a time
            chunk = keys[start : start + 10]
            batch = [(n, *make_key({"task": "t", "model_id": "m", "chunk": n})) for n in chunk]
            found = cache.get_many([key for _, key, _ in batch])
            for n, key, _ in batch:
                assert key not in found or found[key] == value(n), (n, found[key])
            cache.put_many([(key, key_json, value(n)) for n, key, key_json in batch if key not in found])
        cache.record_run(cache.hits, cache.misses)
        print(json.dumps({"enabled": cache.enabled, "warnings": cache.warnings, "hits": cache.hits}))
    """
)


def test_concurrent_processes_lose_nothing(db: Path) -> None:
    workers = 6
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    start_at = str(time.time() + 1.5)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_SCRIPT, str(db), str(w), start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for w in range(workers)
    ]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert err == ""
        reports.append(json.loads(out))
    assert all(r["enabled"] and r["warnings"] == [] for r in reports), reports
    assert sum(r["hits"] for r in reports) > 0  # they did share work
    stored = rows(db)
    assert len(stored) == 300
    for n in range(300):
        key, key_json = make_key({"task": "t", "model_id": "m", "chunk": n})
        expected = hashlib.sha256(str(n).encode()).hexdigest() * (1 + n % 7)
        assert stored[key][0] == key_json and stored[key][3] == expected
    assert pragma(db, "integrity_check") == "ok"
    assert aside(db, "corrupt") == aside(db, "foreign") == []


# --- SIGKILL at random points ---------------------------------------------------------------

KILLED_WRITER_SCRIPT = textwrap.dedent(
    """
    import hashlib, random, sys, time
    from pathlib import Path
    from summarize.cache import Cache

    path, run = Path(sys.argv[1]), int(sys.argv[2])
    def value(key):
        return (key * 40)[: 50 + int(key[:4], 16) % 1500]
    rnd = random.Random(run)
    written = []
    with Cache.open(path) as cache:
        for batch_no in range(100000):
            names = [f"{run}-{batch_no}-{i}" for i in range(rnd.randint(1, 8))]
            keys = [hashlib.sha256(name.encode()).hexdigest() for name in names]
            if written and batch_no % 5 == 0:  # a --refresh of an earlier row, same value
                keys.append(rnd.choice(written))
            cache.put_many([(k, '{"task":"t","model_id":"m","k":"%s"}' % k, value(k)) for k in keys])
            sys.stdout.write("".join(k + "\\n" for k in keys))  # acknowledged: committed
            sys.stdout.flush()
            written.extend(keys)
            if batch_no % 7 == 3:
                cache.get_many(rnd.sample(written, min(5, len(written))))
            if batch_no % 13 == 5:
                cache.record_run(batch_no, run)
            if batch_no % 40 == 20:
                cache.prune(older_than_days=1e6)  # compaction + WAL checkpoint, deletes nothing
            time.sleep(rnd.random() * 0.002)
    """
)


def _check_after_kill(path: Path, expected: dict[str, str], keys: list[str]) -> None:
    """The file passes integrity_check and holds ``keys`` with their expected values."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            found = dict(
                conn.execute(f"SELECT key, value FROM entries WHERE key IN ({marks})", part).fetchall()
            )
            assert found == {key: expected[key] for key in part}
    finally:
        conn.close()


@pytest.mark.slow
@POSIX_ONLY
def test_sigkill_at_random_points_keeps_every_committed_row(db: Path) -> None:
    db.parent.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rnd = random.Random(1234)
    acknowledged: dict[Path, dict[str, str]] = {}
    kills = 0
    deadline = time.monotonic() + 50
    for run in range(60):
        if time.monotonic() > deadline:
            break
        # Every fifth run starts a new file and is killed early: during start-up, creation of
        # the schema or the first commits. The others grow one shared file, killed anywhere.
        fresh = run % 5 == 0
        path = db.with_name(f"fresh-{run}.sqlite") if fresh else db
        delay = rnd.uniform(0.02, 0.15) if fresh else rnd.uniform(0.0, 0.3)
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_WRITER_SCRIPT, str(path), str(run)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err.decode()
        kills += 1
        new = [line for line in out.decode().split("\n")[:-1] if len(line) == 64]  # complete lines only
        expected = acknowledged.setdefault(path, {})
        for key in new:
            expected[key] = (key * 40)[: 50 + int(key[:4], 16) % 1500]
        if not path.exists():
            assert not new
            continue
        _check_after_kill(path, expected, list(expected) if run % 10 == 9 else new)
    assert kills >= 50 and len(acknowledged[db]) > 500
    for path, expected in acknowledged.items():
        if path.exists():
            _check_after_kill(path, expected, list(expected))
            with Cache.open(path) as cache:  # reopens cleanly, nothing moved aside
                assert cache.enabled and cache.warnings == []
                assert cache.get_many(list(expected)) == expected
    assert [p.name for p in db.parent.iterdir() if ".corrupt-" in p.name or ".foreign-" in p.name] == []


# --- import hygiene -------------------------------------------------------------------------


def test_import_is_light_and_does_nothing(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import os, sys
        before = set(os.listdir("."))
        import summarize.cache
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"torch", "transformers", "numpy"})
        assert heavy == [], heavy
        assert set(os.listdir(".")) == before
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
