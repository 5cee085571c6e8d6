"""Fault injection shared by ``tests/test_reliability.py`` and ``benchmarks/faults.py``; ``jsonl``
writes a JSON Lines feed for any test.

* ``bad_inputs`` lays out a folder of hostile inputs (bad bytes, special files, files root
  cannot read...), with what each one must turn into.
* ``check_cache`` opens an output cache with plain ``sqlite3`` and checks it the way a user's
  next run depends on: ``PRAGMA integrity_check``, and every row's key is the sha256 of its key
  JSON and its value parses.
* ``kill_campaign`` runs the CLI again and again and SIGKILLs it at random points.  To afford
  many kills, most runs are forked from a process that has already imported torch and
  transformers (a fork costs milliseconds, a fresh interpreter seconds); each child runs the
  real console entry point, ``summarize.cli.main``, and is killed as a whole process.  A few
  runs (``exec_trials``) are fresh ``python -m summarize`` processes.  It must run in a process
  that has not run any torch operation yet (forking after one may hang OpenMP): use it through
  ``python tests/fault_tools.py kill ...``, which prints the summary as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

# Tiny model, one greedy token per chunk, one thread: the pipeline, cache and I/O run for real
# while generation costs next to nothing.  One thread matters: torch's default (every core)
# spins on a busy machine and makes each tiny matmul take milliseconds.
# The transformers backend: these tests are about its loader, and its slower runs give the
# kill tests time to land mid-run (CTranslate2 finishes a tiny model before a signal arrives).
FAST = [
    "--only",
    "translation",
    "--source-lang",
    "fr",
    "--beams",
    "1",
    "--threads",
    "1",
    "--backend",
    "transformers",
]
WORDS = (
    "conseil municipal budget école hôpital route gare marché tribunal musée stade port "
    "usine ferme forêt rivière pont mairie préfecture région"
).split()


def fast_args(model: Path, *, tokens: int = 2) -> list[str]:
    """CLI options for a quick translation-only run on ``model``."""
    return ["--translation-model", str(model), *FAST, "--max-translation-tokens", str(tokens)]


def cli(*args: str) -> list[str]:
    """The command line of a fresh CLI process."""
    return [sys.executable, "-m", "summarize", *args]


def start_cli(cmd: list[str]) -> subprocess.Popen[str]:
    """Start ``cmd`` (a CLI command line) with its output captured as text."""
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())


def env() -> dict[str, str]:
    """The environment for CLI children: this one, with the repo importable and warnings off."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "PYTHONWARNINGS": "ignore",
    }


def texts(n: int, tag: str) -> list[str]:
    """``n`` short, distinct French sentences (``tag`` keeps sets of different runs apart)."""
    return [f"Le {WORDS[i % len(WORDS)]} {tag} numéro {i} a voté le budget mardi soir." for i in range(n)]


def jsonl(lines: Iterable[object], *, ensure_ascii: bool = True) -> str:
    """A JSON Lines feed: each of ``lines`` as JSON on a line of its own, each line ended."""
    return "".join(json.dumps(line, ensure_ascii=ensure_ascii) + "\n" for line in lines)


def write_jsonl(path: Path, items: Sequence[str], ids: Sequence[str] | None = None) -> Path:
    """A JSON Lines input with one article per text."""
    ids = ids or [f"a{i:05d}" for i in range(len(items))]
    lines = ({"id": i, "text": t} for i, t in zip(ids, items))
    path.write_text(jsonl(lines, ensure_ascii=False), encoding="utf-8")
    return path


def records(stdout: str) -> list[dict]:
    """The complete JSON Lines records of ``stdout`` (a killed run may leave half a line)."""
    return [json.loads(line) for line in stdout.split("\n")[:-1] if line.strip()]


def records_by_id(stdout: str, field: str | None = None) -> dict[str, Any]:
    """The JSON Lines records of ``stdout`` by their ``id`` (or, with ``field``, that field of each)."""
    return {r["id"]: r if field is None else r[field] for r in records(stdout)}


# --- privileges ------------------------------------------------------------------------------


def without_file_override(cmd: list[str]) -> list[str]:
    """``cmd`` run so that file permissions apply to it, even as root.

    Root reads a ``chmod 000`` file.  Dropping the capabilities that let it (DAC override and
    read search) from the bounding set makes permissions bite, while the process keeps its
    uid and can still read everything a normal owner can.
    """
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("running as root needs setpriv (util-linux) to test unreadable files")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all", *cmd]


# --- hostile inputs --------------------------------------------------------------------------


@dataclass(frozen=True)
class BadInput:
    """One hostile input: its file name, and the record status and error kind it must give."""

    name: str
    status: str  # "error" or "skipped"
    kind: str


def bad_inputs(
    folder: Path, *, copies: int = 1, unreadable: bool = True, prefix: Callable[[int], str] | None = None
) -> list[BadInput]:
    """Lay out hostile inputs in ``folder`` (``copies`` of each); return what each must give.

    ``unreadable`` adds a ``chmod 000`` file, which only a run started through
    :func:`without_file_override` (or by a normal user) cannot read.  ``prefix(n)`` starts the
    names of copy ``n`` (to place them among other files in the sorted folder listing).
    """
    folder.mkdir(parents=True, exist_ok=True)
    made: list[BadInput] = []
    for n in range(copies):

        def add(name: str, status: str, kind: str, data: bytes | None = None, n: int = n) -> Path:
            path = folder / ((prefix(n) if prefix else f"bad{n:03d}-") + name)
            if data is not None:
                path.write_bytes(data)
            made.append(BadInput(path.name, status, kind))
            return path

        add("nul.txt", "error", "binary", b"PK\x03\x04\x00\x00binary\x00data")
        add("latin1.txt", "error", "encoding", "Le café de la gare.".encode("latin-1"))
        add("utf16-cut.txt", "error", "encoding", "\ufeffBonjour".encode("utf-16-le")[:-1])
        add("empty.txt", "skipped", "empty", b"")
        add("blank.txt", "skipped", "empty", b"  \n\t\r\n  ")
        add("urls.txt", "skipped", "no_text", b"https://example.org/a\nwww.example.com\n")
        add("emoji.txt", "skipped", "no_text", "😀🎉 👍\n🇫🇷".encode())
        add("controls.txt", "skipped", "no_text", b"\x01\x02\x03\x1b\x7f\x0c\x1f")
        os.symlink(folder / "does-not-exist.txt", add("broken.txt", "error", "unreadable"))
        loop = add("loop.txt", "error", "unreadable")
        os.symlink(loop.name, loop)  # points at itself: ELOOP on every open
        # /proc/self/mem is a regular file whose first page is unmapped: read() fails with EIO.
        os.symlink("/proc/self/mem", add("eio.txt", "error", "unreadable"))
        os.mkfifo(add("fifo.txt", "error", "unreadable"))
        if unreadable:
            locked = add("locked.txt", "error", "unreadable", b"Texte secret.")
            locked.chmod(0)
    return made


# --- cache checks ----------------------------------------------------------------------------


@dataclass
class CacheCheck:
    integrity: str  # "ok", or what SQLite says is wrong
    rows: int = 0
    bad_rows: int = 0  # key != sha256(key_json), or a value that is not our JSON
    values: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and self.bad_rows == 0


def check_cache(db: Path) -> CacheCheck:
    """Check the cache file at ``db`` (a missing file is an empty, sound cache)."""
    if not db.exists():
        return CacheCheck("ok")
    conn = sqlite3.connect(db, timeout=30)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        integrity = "ok" if result == [("ok",)] else "; ".join(str(r[0]) for r in result)[:300]
        check = CacheCheck(integrity)
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'entries'").fetchall():
            return check  # created but never written (a full disk, say): an empty cache
        for key, key_json, value in conn.execute("SELECT key, key_json, value FROM entries"):
            check.rows += 1
            check.values[key] = value
            try:
                parsed, key_data = json.loads(value), json.loads(key_json)
                # Chunk outputs, detected languages and whole-article records each have their shape.
                wanted = {"article": ("result", dict), "language": ("language", dict)}
                field_name, kind = wanted.get(key_data.get("task"), ("text", str))
                sound = isinstance(parsed.get(field_name), kind)
            except (ValueError, AttributeError):
                sound = False
            if not sound or hashlib.sha256(key_json.encode("utf-8")).hexdigest() != key:
                check.bad_rows += 1
        return check
    except sqlite3.DatabaseError as exc:
        return CacheCheck(f"unreadable: {exc}")
    finally:
        conn.close()


# --- kill campaign ---------------------------------------------------------------------------


@dataclass
class KillReport:
    trials: int = 0
    killed: int = 0  # runs killed before they finished
    killed_after_writes: int = 0  # ... of which had already committed rows
    finished: int = 0
    exec_trials: int = 0
    tracebacks: int = 0  # finished runs whose stderr holds a traceback or an internal error
    bad_exits: int = 0  # finished runs with an exit code other than 0
    integrity_failures: int = 0  # checks where integrity_check failed or a row was damaged
    rows_lost: int = 0  # committed rows that a later check no longer found
    records_printed_by_killed: int = 0
    results_lost: int = 0  # printed records that a re-run could not serve from the cache
    final_rows: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


def _warm_imports(model: Path) -> None:
    """Import what a run imports, without running any torch operation (see module doc)."""
    import importlib

    import transformers  # noqa: F401
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, GenerationConfig  # noqa: F401

    import summarize.cli  # noqa: F401
    import summarize.engines.hf  # noqa: F401
    import summarize.pipeline  # noqa: F401

    model_type = json.loads((model / "config.json").read_text(encoding="utf-8")).get("model_type", "")
    with contextlib.suppress(ImportError):
        importlib.import_module(f"transformers.models.{model_type}.modeling_{model_type}")
        importlib.import_module(f"transformers.models.{model_type}.tokenization_{model_type}")


def _fork_cli(args: list[str], out: Path, err: Path) -> int:
    """Start a child that runs the CLI entry point with ``args``; return its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    files = [os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) for path in (out, err)]
    pid = os.fork()
    if pid:
        for fd in files:
            os.close(fd)
        return pid
    code = 1
    try:
        os.dup2(files[0], 1)
        os.dup2(files[1], 2)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.argv = ["summarize", *args]
        from summarize.cli import main

        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - a child must never return into the parent's code
        traceback.print_exc()
        code = 99
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _exec_cli(args: list[str], out: Path, err: Path) -> subprocess.Popen[bytes]:
    with out.open("wb") as fo, err.open("wb") as fe:
        return subprocess.Popen(cli(*args), stdout=fo, stderr=fe, env=env())


def _wait(pid: int, deadline: float | None) -> int | None:
    """Exit code of ``pid`` once it ends (negative: killed by that signal); None past ``deadline``."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(0.005)


@dataclass
class _Run:
    """One CLI run of a trial, and when to kill it: once it has printed ``after`` records
    (0: at once), plus ``extra`` seconds."""

    out: Path
    err: Path
    after: int
    extra: float
    pid: int = 0
    proc: subprocess.Popen[bytes] | None = None
    armed_at: float | None = None
    code: int | None = None
    killed: bool = False

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc is not None else _wait(self.pid, time.monotonic())

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()
        else:
            _wait(self.pid, None)
        self.killed = True


def _drive(runs: list[_Run]) -> None:
    """Watch ``runs`` until each has finished or been killed at its point."""
    pending = list(runs)
    while pending:
        for run in list(pending):
            code = run.poll()
            if code is not None:
                run.code = code
                pending.remove(run)
                continue
            now = time.monotonic()
            if run.armed_at is None:
                with contextlib.suppress(OSError):
                    if run.out.read_bytes().count(b"\n") >= run.after:
                        run.armed_at = now
            elif now >= run.armed_at + run.extra:
                run.kill()
                pending.remove(run)
        time.sleep(0.001)


def kill_campaign(
    model: Path,
    work: Path,
    *,
    trials: int = 50,
    articles: int = 60,
    seed: int = 0,
    procs: int = 1,
    exec_trials: int = 0,
) -> KillReport:
    """Run the CLI ``trials`` times on one cache, SIGKILLing each run at a random point.

    Each trial writes new articles (so that the run has rows to commit); every fifth re-runs
    an earlier trial's input with ``--refresh`` (overwriting rows).  A run is killed a random
    moment after it printed a random number of records (so the kills land while it commits
    rows, whatever the machine's speed); one in five is killed before its first record, while
    it loads or opens the cache.  ``procs`` runs share the cache in each trial, each killed at
    its own point.  After every trial the cache is checked; at the end one run re-reads every
    record a killed run had printed, which must all come from the cache, unchanged.
    """
    _warm_imports(model)
    rng = random.Random(seed)
    work.mkdir(parents=True, exist_ok=True)
    cache_dir = work / "cache"
    db = cache_dir / "outputs.sqlite3"
    base = ["--cache-dir", str(cache_dir), *fast_args(model), "--format", "jsonl"]
    report = KillReport()
    started = time.monotonic()
    known: dict[str, str] = {}
    printed: dict[str, str] = {}  # text -> translation printed by a run that was then killed
    inputs: list[tuple[Path, list[str]]] = []
    # How long a run takes to print its first record: the range of the early kills.
    first_record = {"fork": 1.0, "exec": 5.0}

    for trial in range(trials):
        report.trials += 1
        mode = "exec" if trial >= trials - exec_trials else "fork"
        report.exec_trials += mode == "exec"
        if trial % 5 == 4:
            source, batch = rng.choice(inputs)
            extra = ["--refresh"]
        else:
            batch = texts(articles, f"t{trial}")
            source = write_jsonl(work / f"in-{trial}.jsonl", batch)
            inputs.append((source, batch))
            extra = []
        before = check_cache(db).rows
        runs: list[_Run] = []
        for p in range(procs):
            early = rng.random() < 0.2
            run = _Run(
                work / f"{trial}-{p}.out",
                work / f"{trial}-{p}.err",
                after=0 if early else rng.randrange(1, articles),
                extra=rng.uniform(0, first_record[mode]) if early else rng.uniform(0, 0.05),
            )
            args = ["run", str(source), *base, *extra]
            if mode == "fork":
                run.pid = _fork_cli(args, run.out, run.err)
            else:
                run.proc = _exec_cli(args, run.out, run.err)
                run.pid = run.proc.pid
            runs.append(run)
        _drive(runs)
        check = check_cache(db)
        if not check.ok:
            report.integrity_failures += 1
            report.failures.append(f"trial {trial}: integrity {check.integrity}, {check.bad_rows} bad rows")
        report.rows_lost += sum(k not in check.values for k in known)
        known.update(check.values)
        for run in runs:
            stderr = run.err.read_text(encoding="utf-8", errors="replace")
            if run.killed:
                report.killed += 1
                report.killed_after_writes += check.rows > before
                for record in records(run.out.read_text(encoding="utf-8")):
                    printed[batch[int(record["id"][1:])]] = record["translation_en"]
            else:
                report.finished += 1
                report.bad_exits += run.code != 0
                if "Traceback" in stderr or "internal error" in stderr:
                    report.tracebacks += 1
                    report.failures.append(f"trial {trial}: {stderr[-500:]}")
    report.records_printed_by_killed = len(printed)
    # Everything a killed run printed was committed first: a re-run serves all of it.
    if printed:
        items = list(printed)
        source = write_jsonl(work / "in-verify.jsonl", items)
        pid = _fork_cli(["run", str(source), *base], work / "verify.out", work / "verify.err")
        code = _wait(pid, None)
        again = records((work / "verify.out").read_text(encoding="utf-8"))
        if code != 0 or len(again) != len(items):
            report.failures.append(f"verify run: exit {code}, {len(again)} of {len(items)} records")
            report.results_lost += len(items) - len(again)
        for record in again:
            text = items[int(record["id"][1:])]
            if not record["cached"].get("translation") or record["translation_en"] != printed[text]:
                report.results_lost += 1
    report.final_rows = check_cache(db).rows
    report.seconds = round(time.monotonic() - started, 1)
    return report


# --- memory ------------------------------------------------------------------------------


def by_own_shell(cmd: list[str]) -> list[str]:
    """``cmd`` started by a small shell that forks it, so that its ru_maxrss is its own.

    Linux keeps ru_maxrss across execve: a process exec'd straight from a large one (pytest
    with torch loaded) starts with that one's peak.
    """
    return ["sh", "-c", '"$@"; exit $?', "sh", *cmd]


# The text path (read → clean → segment → chunk) on a large file, in a process of its own:
# argv = target file, model folder, size in bytes, seed article.  Prints a JSON report with the
# peak RSS (ru_maxrss, cross-checked with /proc's VmHWM) after imports and at the end.
MEMORY_PROBE = r"""
import json, resource, sys, time
from pathlib import Path
from typing import Any
target, model, size = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
from summarize.chunk import ChunkSettings, make_chunks
from summarize.clean import clean_text, normalize_text
from summarize.read import ReadOptions, iter_articles
from summarize.segment import segment
from summarize.tokens import LightTokenizer
count = LightTokenizer(model).count
count("Préchauffage des imports.")
seed = Path(sys.argv[4]).read_text(encoding="utf-8")
with target.open("w", encoding="utf-8") as fh:  # written in pieces: never held whole here
    written = part = 0
    while written < size:
        block = f"Partie {part}.\n\n{seed}\n\n"
        fh.write(block)
        written += len(block.encode("utf-8"))
        part += 1
def hwm():  # this process's own peak RSS in KB (ru_maxrss, cross-checked with VmHWM)
    status = Path("/proc/self/status").read_text()
    vm = int(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM:")))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, vm
base, base_hwm = hwm()
started = time.perf_counter()
[article] = iter_articles([str(target)], ReadOptions())
body = clean_text(normalize_text(article.text)).body
del article
chunks = make_chunks(segment(body, "fr"), count, ChunkSettings(512, 64, False))
peak, peak_hwm = hwm()
print(json.dumps({"base_kb": base, "peak_kb": peak, "base_hwm_kb": base_hwm, "peak_hwm_kb": peak_hwm,
                  "bytes": target.stat().st_size,
                  "chunks": len(chunks), "fits": max(c.tokens for c in chunks) <= 512,
                  "covered": sum(len(c.text) for c in chunks), "body": len(body),
                  "seconds": round(time.perf_counter() - started, 1)}))
"""

# Runs the CLI (argv: its arguments) and prints "peak-rss-kb N" on stderr at exit.
PEAK_WRAPPER = r"""
import atexit, resource, sys
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
atexit.register(lambda: print("peak-rss-kb", peak(), file=sys.stderr))
sys.argv = ["summarize", *sys.argv[1:]]
from summarize.cli import main
main()
"""


# --- entry point (for the test and the benchmark) --------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    kill = sub.add_parser("kill", help="SIGKILL campaign; prints a JSON report")
    kill.add_argument("--model", type=Path, required=True)
    kill.add_argument("--work", type=Path, required=True)
    kill.add_argument("--trials", type=int, default=50)
    kill.add_argument("--articles", type=int, default=60)
    kill.add_argument("--seed", type=int, default=0)
    kill.add_argument("--procs", type=int, default=1)
    kill.add_argument("--exec-trials", type=int, default=0)
    args = parser.parse_args(argv)
    report = kill_campaign(
        args.model,
        args.work,
        trials=args.trials,
        articles=args.articles,
        seed=args.seed,
        procs=args.procs,
        exec_trials=args.exec_trials,
    )
    print(json.dumps(asdict(report)))


def fd_count(pid: int | str = "self") -> int:
    """Open file descriptors of a process (Linux)."""
    return len(os.listdir(f"/proc/{pid}/fd"))


@contextlib.contextmanager
def tiny_disk(folder: Path, free_bytes: int = 0) -> Iterator[dict[str, object]]:
    """A place where writing soon fails for lack of space.

    Yields ``{"path": folder, "preexec": fn or None, "how": ...}``: a tiny tmpfs mounted on
    ``folder`` and filled up when this process may mount one (root), else ``preexec`` sets a
    file-size limit (RLIMIT_FSIZE) in the child, so that its writes fail with EFBIG instead.
    """
    folder.mkdir(parents=True, exist_ok=True)
    mounted = False
    if os.geteuid() == 0 and shutil.which("mount"):
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
        )
        mounted = done.returncode == 0
    try:
        if mounted:
            filler = folder / "filler"
            with contextlib.suppress(OSError), filler.open("wb") as fh:
                while True:
                    fh.write(b"\0" * 4096)
                    fh.flush()
            if free_bytes:
                with filler.open("r+b") as fh:
                    fh.truncate(max(0, filler.stat().st_size - free_bytes))
            yield {"path": folder, "preexec": None, "how": "full tmpfs"}
        else:

            def limit() -> None:
                import resource

                resource.setrlimit(resource.RLIMIT_FSIZE, (free_bytes, free_bytes))

            yield {"path": folder, "preexec": limit, "how": "RLIMIT_FSIZE"}
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


if __name__ == "__main__":
    main()
