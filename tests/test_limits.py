"""Numeric options have a most as well as a least: a value that would hang a run, grow its
memory without end or fail inside an engine is refused when the options are built (the same
UsageError for a program as for the command line), and threads past the cores are lowered.

Measured before the limits, on 2 cores with the copy model: ``--beams 100000`` grew past 3 GB
in 30 s (16 GB in 11 minutes) without a word, ``--threads 1000`` turned a 5 s run into one
still going after 40 s, ``--max-bytes 2**63-1`` failed every input as an internal error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarize.batch import BatchSummarizer
from summarize.cli import app
from summarize.engines import EngineOptions, available_cores, threads_notice
from summarize.engines.hf import usable_threads
from summarize.errors import OverLimitError, UsageError
from summarize.generation import MOST_BEAMS, Overrides
from summarize.options import RunOptions
from summarize.pipeline import Summarizer
from summarize.read import MOST_FETCH_JOBS, MOST_MAX_BYTES, ReadOptions

README = Path(__file__).resolve().parents[1] / "README.md"
HUGE = 10**30
BEAMS_HINT = "give 64 or less: time and memory grow with the beams, decoded for every chunk of a batch"
BYTES_HINT = "give 1000000000000 or less: an input is read whole into memory, so 1 TB already means no limit"
JOBS_HINT = "give 32 or less: each job is a thread and a connection, and twice as many pages wait in memory"

# (case, what a program builds, message, hint)
LIBRARY: list[tuple[str, Callable[[], object], str, str]] = [
    ("beams", lambda: Overrides(num_beams=65), "num_beams 65 is more than 64", BEAMS_HINT),
    ("beams huge", lambda: Overrides(num_beams=HUGE), f"num_beams {HUGE} is more than 64", BEAMS_HINT),
    (
        "max_bytes",
        lambda: ReadOptions(max_bytes=10**12 + 1),
        "max_bytes 1000000000001 is more than 1000000000000",
        BYTES_HINT,
    ),
    (
        "batch max_bytes",
        lambda: BatchSummarizer(max_bytes=2**63 - 1),
        "max_bytes 9223372036854775807 is more than 1000000000000",
        BYTES_HINT,
    ),
    ("fetch_jobs", lambda: ReadOptions(fetch_jobs=33), "fetch_jobs 33 is more than 32", JOBS_HINT),
]


@pytest.mark.parametrize(
    ("build", "message", "hint"), [case[1:] for case in LIBRARY], ids=[case[0] for case in LIBRARY]
)
def test_a_value_over_the_most_is_a_usage_error(build: Callable[[], object], message: str, hint: str) -> None:
    with pytest.raises(UsageError) as caught:
        build()
    assert (caught.value.message, caught.value.hint, caught.value.exit_code) == (message, hint, 2)


def test_the_most_itself_is_accepted() -> None:
    assert (MOST_BEAMS, MOST_MAX_BYTES, MOST_FETCH_JOBS) == (64, 10**12, 32)
    Overrides(num_beams=MOST_BEAMS)
    ReadOptions(max_bytes=MOST_MAX_BYTES, fetch_jobs=MOST_FETCH_JOBS)
    BatchSummarizer(max_bytes=MOST_MAX_BYTES)


def test_an_over_limit_error_is_said_with_the_name_it_is_given() -> None:
    error = OverLimitError("num_beams", 100, 64, "why").named("--beams")
    assert (error.message, error.hint) == ("--beams 100 is more than 64", "give 64 or less: why")


# (option, value, the line on stderr after "summarize: error: ")
CLI = [
    ("--beams", "65", f"--beams 65 is more than 64; {BEAMS_HINT}"),
    ("--beams", "100000", f"--beams 100000 is more than 64; {BEAMS_HINT}"),
    ("--max-bytes", str(2**63 - 1), f"--max-bytes {2**63 - 1} is more than 1000000000000; {BYTES_HINT}"),
    ("--fetch-jobs", "1000", f"--fetch-jobs 1000 is more than 32; {JOBS_HINT}"),
]


@pytest.mark.parametrize(("option", "value", "said"), CLI, ids=[f"{c[0]} {c[1]}" for c in CLI])
def test_the_cli_refuses_a_value_over_the_most_in_one_line(option: str, value: str, said: str) -> None:
    # No model is needed: the value is refused before any is looked for.
    result = CliRunner().invoke(app, ["run", "-", option, value], input="Un article.", prog_name="summarize")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"summarize: error: {said}\n"


def test_threads_past_the_cores_are_lowered_to_them() -> None:
    cores = available_cores()
    assert usable_threads(None) == cores
    assert usable_threads(cores) == cores
    assert usable_threads(cores + 1) == cores
    assert usable_threads(HUGE) == cores  # past C's int range, the engines failed on it
    assert usable_threads(1) == 1


def test_threads_past_the_cores_are_told() -> None:
    cores = available_cores()
    said = f"--threads {cores + 1} is more than the {cores} cores this process may use: it runs on {cores}"
    assert threads_notice(EngineOptions(threads=cores)) is None
    assert threads_notice(EngineOptions()) is None
    options = RunOptions(engine=EngineOptions(backend="transformers", threads=cores + 1))
    assert Summarizer(options).notices == [said]
    assert Summarizer(RunOptions(engine=EngineOptions(backend="transformers", threads=cores))).notices == []


def test_the_cli_says_that_threads_past_the_cores_run_on_the_cores() -> None:
    # An empty article needs no model: the warning comes with its record.
    args = ["run", "-", "--no-cache", "--format", "jsonl", "--threads", str(HUGE)]
    result = CliRunner().invoke(app, args, input="\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "skipped"
    cores = available_cores()
    assert result.stderr == (
        f"summarize: warning: --threads {HUGE} is more than the {cores} cores this process may use: "
        f"it runs on {cores}\n"
    )


def test_the_readme_options_table_says_the_limits() -> None:
    rows = [line for line in README.read_text(encoding="utf-8").splitlines() if line.startswith("| `--")]

    def row(option: str) -> str:
        return next(line for line in rows if f"`{option} N`" in line)

    assert f"`--beams` at most {MOST_BEAMS} " in row("--beams")
    assert f"at most {MOST_MAX_BYTES // 10**12} TB" in row("--max-bytes")
    assert f"at most {MOST_FETCH_JOBS} |" in row("--fetch-jobs")
    assert "a larger N is lowered to them, with a warning" in row("--threads")
