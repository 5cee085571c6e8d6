"""Fault campaign: kills, signals, closed pipes, concurrent runs and hostile inputs, at scale.

The same faults as ``tests/test_reliability.py``, many more times, on tiny random-weight models
built with ``tests/tiny_models.py`` (the pipeline, cache and I/O run for real; generation is
one greedy token per chunk).  It prints one row per campaign:

* inputs tried: runs killed or interrupted, articles or files fed in;
* tracebacks seen: a Python traceback or "internal error" on stderr, or an unexpected exit code;
* results lost: a record that was printed (or, for inputs, due) but is missing afterwards, or
  that a re-run could not serve from the cache unchanged;
* integrity failures: cache checks where ``PRAGMA integrity_check`` failed or a row did not
  match (key = sha256(key_json), value parses).

A full model run over 20 MB would take hours on a CPU: the "large file" rows run the whole
CLI on a smaller file (``--large-mb``), and the text path alone (read, clean, segment, chunk)
on 20 MB, each with its peak RSS.

Run: ``python benchmarks/faults.py [--quick] [--kills 200] [--procs 6] [--articles 500]``
(as root, hostile inputs include a ``chmod 000`` file: the CLI then runs through ``setpriv``
without the capabilities that let root read it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from fault_tools import (  # noqa: E402
    MEMORY_PROBE,
    PEAK_WRAPPER,
    bad_inputs,
    by_own_shell,
    check_cache,
    cli,
    env,
    fast_args,
    records,
    start_cli,
    texts,
    without_file_override,
    write_jsonl,
)


@dataclass
class Row:
    campaign: str
    tried: int = 0
    tracebacks: int = 0
    lost: int = 0
    integrity: int = 0
    seconds: float = 0.0
    note: str = ""


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), capture_output=True, text=True, env=env(), **kwargs)


def _bad_stderr(stderr: str) -> bool:
    return "Traceback" in stderr or "internal error" in stderr or "Exception ignored" in stderr


def _clock(row: Row, started: float) -> Row:
    row.seconds = round(time.monotonic() - started, 1)
    return row


def campaign_kill(model: Path, work: Path, kills: int, procs: int) -> Row:
    """SIGKILL at random points, ``procs`` runs sharing the cache each time."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(REPO / "tests" / "fault_tools.py"), "kill", "--model", str(model)]
        + ["--work", str(work), "--trials", str(kills), "--articles", "60", "--procs", str(procs)]
        + ["--exec-trials", str(max(1, kills // 20)), "--seed", "1"],
        capture_output=True,
        text=True,
        env=env(),
    )
    if done.returncode != 0:
        return _clock(Row("SIGKILL", note=f"campaign failed: {done.stderr[-300:]}", tracebacks=1), started)
    report = json.loads(done.stdout)
    return _clock(
        Row(
            f"SIGKILL x{procs} procs",
            tried=report["killed"] + report["finished"],
            tracebacks=report["tracebacks"] + report["bad_exits"],
            lost=report["results_lost"] + report["rows_lost"],
            integrity=report["integrity_failures"],
            note=f"{report['killed']} killed ({report['killed_after_writes']} after commits), "
            f"{report['records_printed_by_killed']} printed records re-served",
        ),
        started,
    )


def campaign_signals(model: Path, work: Path, rounds: int, rng: random.Random) -> Row:
    """SIGINT / SIGTERM after a random number of records; a re-run serves them from the cache."""
    started = time.monotonic()
    row = Row("SIGINT/SIGTERM")
    for n in range(rounds):
        signum, code = rng.choice([(signal.SIGINT, 130), (signal.SIGTERM, 143)])
        items = texts(800, f"sig{n}")
        src = write_jsonl(work / f"sig-{n}.jsonl", items)
        cache = ["--cache-dir", str(work / f"sig-cache-{n}")]
        proc = start_cli(cli("run", str(src), *fast_args(model), "--format", "jsonl", *cache))
        assert proc.stdout is not None and proc.stderr is not None
        k = rng.randrange(1, 60)
        done: list[dict[str, Any]] = []
        for line in proc.stdout:
            done.append(json.loads(line))
            if len(done) >= k:
                break
        proc.send_signal(signum)
        done += records(proc.stdout.read())
        stderr = proc.stderr.read()
        row.tried += 1
        row.tracebacks += proc.wait() != code or _bad_stderr(stderr)
        ids = [r["id"] for r in done]
        again_src = write_jsonl(work / f"sig-again-{n}.jsonl", [items[int(i[1:])] for i in ids], ids)
        again = records(_run(["run", str(again_src), *fast_args(model), "--format", "jsonl", *cache]).stdout)
        same = {r["id"]: r for r in again}
        row.lost += sum(
            r["id"] not in same
            or not same[r["id"]]["cached"].get("translation")
            or same[r["id"]]["translation_en"] != r["translation_en"]
            for r in done
        )
        row.integrity += not check_cache(work / f"sig-cache-{n}" / "outputs.sqlite3").ok
    return _clock(row, started)


def campaign_pipe(model: Path, work: Path, rounds: int, rng: random.Random) -> Row:
    """``summarize run ... | head -n K``: exit 0, nothing on stderr."""
    started = time.monotonic()
    row = Row("closed pipe (| head)")
    src = write_jsonl(work / "pipe.jsonl", texts(1500, "pipe"))
    for n in range(rounds):
        fmt = rng.choice(["jsonl", "json", "text"])
        keep = rng.randrange(1, 40)
        err, rc = work / f"pipe-{n}.err", work / f"pipe-{n}.rc"
        command = " ".join(
            cli("run", str(src), *fast_args(model, tokens=1), "--format", fmt)
            + ["--cache-dir", str(work / f"pipe-cache-{n % 3}")]
        )
        subprocess.run(
            ["bash", "-c", f"{command} 2>{err} | head -n {keep} >/dev/null; echo ${{PIPESTATUS[0]}} >{rc}"],
            env=env(),
            check=True,
        )
        row.tried += 1
        row.tracebacks += rc.read_text().strip() != "0" or err.read_text() != ""
        row.integrity += not check_cache(work / f"pipe-cache-{n % 3}" / "outputs.sqlite3").ok
    return _clock(row, started)


def campaign_concurrent(model: Path, work: Path, procs: int, articles: int, rounds: int) -> Row:
    """``procs`` runs over the same articles and cache at once, against one run alone."""
    started = time.monotonic()
    row = Row(f"{procs} processes, 1 cache")
    for n in range(rounds):
        src = write_jsonl(work / f"conc-{n}.jsonl", texts(articles, f"conc{n}"))
        args = ["run", str(src), *fast_args(model, tokens=3), "--format", "jsonl"]
        alone = _run([*args, "--cache-dir", str(work / f"alone-{n}")])
        expected = [{k: v for k, v in r.items() if k != "cached"} for r in records(alone.stdout)]
        shared = work / f"shared-{n}"
        running = [start_cli(cli(*args, "--cache-dir", str(shared))) for _ in range(procs)]
        for proc in running:
            stdout, stderr = proc.communicate()
            row.tried += articles
            row.tracebacks += proc.returncode != 0 or stderr != ""
            got = [{k: v for k, v in r.items() if k != "cached"} for r in records(stdout)]
            row.lost += sum(a != b for a, b in zip(got, expected)) + abs(len(got) - len(expected))
        together = check_cache(shared / "outputs.sqlite3")
        reference = check_cache(work / f"alone-{n}" / "outputs.sqlite3")
        row.integrity += not together.ok or together.values != reference.values
    return _clock(row, started)


def _random_junk(rng: random.Random) -> bytes:
    """Bytes that a batch tool meets in the wild: mangled text, binary, odd encodings."""
    base = rng.choice(
        [
            "Le conseil municipal a voté le budget.",
            "Ça va ? « Oui » — l'État, 12 €.",
            "https://ex.org " * 5,
            "😀" * 30,
            "e" + "\u0301" * 3000,
            "a" * 5000,
        ]
    )
    how = rng.randrange(6)
    if how == 0:
        return rng.randbytes(rng.randrange(0, 3000))
    if how == 1:
        data = base.encode(rng.choice(["utf-16", "utf-32", "utf-8-sig", "latin-1", "cp1252"]), "replace")
        return data[: rng.randrange(0, len(data) + 1)]
    if how == 2:
        data = bytearray(base.encode())
        for _ in range(rng.randrange(1, 10)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if how == 3:
        return "".join(
            chr(rng.choice([rng.randrange(0x20), rng.randrange(0x80, 0xA0)])) for _ in range(50)
        ).encode()
    if how == 4:
        return (base + "\x00" + base).encode()
    return base.encode()


def _random_jsonl_line(rng: random.Random, n: int) -> bytes:
    good = json.dumps({"id": f"l{n}", "text": f"Le conseil {n} a voté."}, ensure_ascii=False).encode()
    how = rng.randrange(7)
    if how == 0:
        return good
    if how == 1:
        return good[: rng.randrange(len(good))]
    if how == 2:
        return b"[" * rng.randrange(1, 200_000)
    if how == 3:
        return b'{"text": "a", "n": ' + b"9" * rng.randrange(4000, 9000) + b"}"
    if how == 4:
        return rng.randbytes(rng.randrange(1, 200)).replace(b"\n", b" ")
    if how == 5:
        return json.dumps({"id": "\ud800", "title": "\udfff", "text": "Bonjour."}).encode()
    return json.dumps({"id": {"nested": [1, 2]}, "text": ["not", "a", "string"]}).encode()


def campaign_inputs(model: Path, work: Path, copies: int, junk: int, rng: random.Random) -> Row:
    """Hostile files and JSON Lines in one folder: one record each, never a crash."""
    started = time.monotonic()
    row = Row("hostile inputs")
    folder = work / "inputs"
    bad = bad_inputs(folder, copies=copies)
    for n in range(junk):
        (folder / f"junk{n:05d}.txt").write_bytes(_random_junk(rng))
    lines = [_random_jsonl_line(rng, n) for n in range(junk)]
    (folder / "lines.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    for n in range(200):
        (folder / f"good{n:04d}.txt").write_text(f"Le conseil {n} a voté le budget.", encoding="utf-8")
    cache = work / "inputs-cache"
    done = subprocess.run(
        without_file_override(
            cli(
                "run",
                str(folder),
                *fast_args(model, tokens=1),
                "--format",
                "jsonl",
                "--cache-dir",
                str(cache),
            )
        ),
        capture_output=True,
        text=True,
        env=env(),
    )
    got = records(done.stdout)
    due = len(bad) + junk + 200 + sum(1 for line in lines if line.strip())
    row.tried = due
    row.tracebacks = int(done.returncode not in (0, 1) or _bad_stderr(done.stderr))
    by_name = {Path(r["source"]).name: r for r in got}
    wrong = sum(
        (by_name.get(b.name, {}).get("status"), (by_name.get(b.name, {}).get("error") or {}).get("kind"))
        != (b.status, b.kind)
        for b in bad
    )
    good_ok = sum(by_name.get(f"good{n:04d}.txt", {}).get("status") == "ok" for n in range(200))
    row.lost = max(0, due - len(got)) + wrong + (200 - good_ok)
    row.integrity = int(not check_cache(cache / "outputs.sqlite3").ok)
    row.note = f"{len(bad)} special files, {junk} junk files, {junk} junk JSONL lines, 200 good"
    return _clock(row, started)


def _peak_run(args: list[str]) -> tuple[int, float, subprocess.CompletedProcess[str]]:
    """Run the CLI with ``args``; its own peak RSS in KB (printed by PEAK_WRAPPER), seconds."""
    started = time.monotonic()
    done = subprocess.run(
        by_own_shell([sys.executable, "-c", PEAK_WRAPPER, *args]), capture_output=True, text=True, env=env()
    )
    found = re.search(r"peak-rss-kb (\d+)", done.stderr)
    done.stderr = re.sub(r"\npeak-rss-kb \d+\n?|^peak-rss-kb \d+\n?", "", done.stderr)
    return (int(found.group(1)) if found else -1), time.monotonic() - started, done


def campaign_large(model: Path, work: Path, large_mb: float) -> Row:
    """The whole CLI on a large file, and the text path on 20 MB; peak RSS of each."""
    started = time.monotonic()
    seed = (REPO / "seeds" / "000_7fb48d97fe35ba3a.txt").read_text(encoding="utf-8")
    big = work / "large.txt"
    with big.open("w", encoding="utf-8") as fh:
        part = 0
        while fh.tell() < large_mb * 1e6:
            fh.write(f"Partie {part}.\n\n{seed}\n\n")
            part += 1
    small = work / "small.txt"
    small.write_text("Le conseil a voté.", encoding="utf-8")
    baseline, _, _ = _peak_run(["run", str(small), *fast_args(model, tokens=1), "--no-cache"])
    peak, seconds, done = _peak_run(
        ["run", str(big), *fast_args(model, tokens=1), "--format", "jsonl", "--cache-dir", str(work / "lc")]
    )
    record = records(done.stdout)
    row = Row(f"large file ({big.stat().st_size / 1e6:.1f} MB, full CLI)", tried=1)
    row.tracebacks = int(done.returncode != 0 or _bad_stderr(done.stderr))
    row.lost = int(len(record) != 1 or record[0]["status"] != "ok")
    row.integrity = int(not check_cache(work / "lc" / "outputs.sqlite3").ok)
    chunks = record[0]["chunks"].get("translation") if record else None
    row.note = (
        f"peak RSS {peak / 1024:.0f} MB (one-line article: {baseline / 1024:.0f} MB), "
        f"{seconds:.0f} s, {chunks} chunks"
    )
    return _clock(row, started)


def text_path_20mb(model: Path, work: Path) -> str:
    seed = REPO / "seeds" / "000_7fb48d97fe35ba3a.txt"
    done = subprocess.run(
        by_own_shell(
            [sys.executable, "-c", MEMORY_PROBE, str(work / "t20.txt"), str(model), "20000000", str(seed)]
        ),
        capture_output=True,
        text=True,
        env=env(),
    )
    if done.returncode != 0:
        return f"text path on 20 MB failed: {done.stderr[-300:]}"
    report = json.loads(done.stdout)
    return (
        f"text path on {report['bytes'] / 1e6:.0f} MB (read, clean, segment, chunk): peak RSS "
        f"{report['peak_kb'] / 1024:.0f} MB ({(report['peak_kb'] - report['base_kb']) / 1024:.0f} MB over "
        f"the {report['base_kb'] / 1024:.0f} MB after imports), {report['chunks']} chunks, "
        f"{report['seconds']} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    parser.add_argument("--kills", type=int, default=200, help="SIGKILL trials")
    parser.add_argument("--procs", type=int, default=6, help="concurrent processes")
    parser.add_argument("--articles", type=int, default=500, help="articles per concurrent run")
    parser.add_argument("--rounds", type=int, default=10, help="signal and pipe rounds")
    parser.add_argument("--large-mb", type=float, default=1.0, help="size of the full-CLI large file")
    parser.add_argument("--models", type=Path, help="a folder of tiny models already built")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.kills, args.procs, args.articles, args.rounds, args.large_mb = 20, 4, 100, 3, 0.2
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="summarize-faults-") as tmp:
        work = Path(tmp)
        os.environ["SUMMARIZE_MODELS_DIR"] = str(work / "models-dir")
        os.environ["HF_HUB_OFFLINE"] = "1"
        if args.models:
            model = args.models / "marian"
        else:
            import tiny_models

            model = tiny_models.build_marian(work / "models" / "marian")
        rows = [
            campaign_kill(model, work / "kill", args.kills, 2),
            campaign_signals(model, work, args.rounds, rng),
            campaign_pipe(model, work, args.rounds, rng),
            campaign_concurrent(model, work, args.procs, args.articles, 2 if not args.quick else 1),
            campaign_inputs(model, work, 10 if not args.quick else 2, 500 if not args.quick else 60, rng),
            campaign_large(model, work, args.large_mb),
        ]
        memory = text_path_20mb(model, work)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, tiny Marian, --threads 1")
    header = ("campaign", "inputs tried", "tracebacks seen", "results lost", "integrity failures", "s")
    widths = [max(len(header[0]), *(len(r.campaign) for r in rows)), 12, 15, 12, 18, 6]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for r in rows:
        cells = (r.campaign, r.tried, r.tracebacks, r.lost, r.integrity, r.seconds)
        print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + (f"  {r.note}" if r.note else ""))
    print(memory)
    if any(r.tracebacks or r.lost or r.integrity for r in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
