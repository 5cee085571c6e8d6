"""The options a program builds are checked where they are built: a bad value is a UsageError
that says which values are allowed, never a run that does something else."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarize.cli import Backend, Device, DType, Format, InputFormat, Only, app
from summarize.engines import BACKENDS, CT2_GPU_DTYPE, DEVICES, DTYPES, EngineOptions
from summarize.errors import UsageError
from summarize.generation import Overrides
from summarize.options import TASKS, ChunkOptions, RunOptions
from summarize.output import FORMATS, DirectoryWriter, StreamWriter
from summarize.read import INPUT_FORMATS, ReadOptions

CHOICES = "expected one of: "

BAD: list[tuple[str, Callable[[], object], str, str]] = [
    # (case, what a program builds, message, hint)
    (
        "dtype",
        lambda: EngineOptions(dtype="fp16"),
        "unknown dtype 'fp16'",
        CHOICES + "auto, float32, bfloat16, int8",
    ),
    ("device", lambda: EngineOptions(device="gpu"), "unknown device 'gpu'", CHOICES + "cpu, cuda, auto"),
    (
        "backend",
        lambda: EngineOptions(backend="onnx"),
        "unknown backend 'onnx'",
        CHOICES + "auto, transformers, ctranslate2",
    ),
    # float16 is what auto resolves to for CTranslate2 on a GPU, and only that.
    (
        "float16 elsewhere",
        lambda: EngineOptions(backend="transformers", dtype="float16", device="cuda"),
        "unknown dtype 'float16'",
        CHOICES + "auto, float32, bfloat16, int8",
    ),
    ("threads", lambda: EngineOptions(threads=0), "invalid threads 0", "expected an integer >= 1"),
    ("threads text", lambda: EngineOptions(threads="4"), "invalid threads '4'", "expected an integer >= 1"),  # type: ignore[arg-type]
    ("workers", lambda: EngineOptions(workers=-1), "invalid workers -1", "expected an integer >= 1"),
    (
        "task",
        lambda: RunOptions(tasks=("summery",)),
        "unknown task 'summery'",
        CHOICES + "summary, translation",
    ),
    (
        "tasks as a string",
        lambda: RunOptions(tasks="summary"),  # type: ignore[arg-type]
        "invalid tasks 'summary'",
        "expected a tuple of one or more of: summary, translation",
    ),
    (
        "no task",
        lambda: RunOptions(tasks=()),
        "invalid tasks ()",
        "expected a tuple of one or more of: summary, translation",
    ),
    (
        "batch_tokens",
        lambda: RunOptions(batch_tokens=8),
        "invalid batch_tokens 8",
        "expected an integer >= 16",
    ),
    (
        "max_batch_size",
        lambda: RunOptions(max_batch_size=0),
        "invalid max_batch_size 0",
        "expected an integer >= 1",
    ),
    (
        "window_articles",
        lambda: RunOptions(window_articles=0),
        "invalid window_articles 0",
        "expected an integer >= 1",
    ),
    (
        "max_summary_rounds",
        lambda: RunOptions(max_summary_rounds=0),
        "invalid max_summary_rounds 0",
        "expected an integer >= 1",
    ),
    (
        "max_chunk_tokens",
        lambda: ChunkOptions(max_chunk_tokens=8),
        "invalid max_chunk_tokens 8",
        "expected an integer >= 16",
    ),
    ("num_beams", lambda: Overrides(num_beams=0), "invalid num_beams 0", "expected an integer >= 1"),
    (
        "max_new_tokens",
        lambda: Overrides(max_new_tokens=0),
        "invalid max_new_tokens 0",
        "expected an integer >= 1",
    ),
    ("max_bytes", lambda: ReadOptions(max_bytes=0), "invalid max_bytes 0", "expected an integer >= 1"),
    ("fetch_jobs", lambda: ReadOptions(fetch_jobs=0), "invalid fetch_jobs 0", "expected an integer >= 1"),
    (
        "input_format",
        lambda: ReadOptions(input_format="pdf"),
        "unknown input_format 'pdf'",
        CHOICES + "auto, text, markdown, html",
    ),
    (
        "stream format",
        lambda: StreamWriter(io.StringIO(), "yaml"),
        "unknown format 'yaml'",
        CHOICES + "text, json, jsonl",
    ),
    (
        "folder format",
        lambda: DirectoryWriter(Path("out"), "yaml"),
        "unknown format 'yaml'",
        CHOICES + "text, json, jsonl",
    ),
    # dataclasses.replace builds the options again: it is checked too.
    (
        "replace",
        lambda: dataclasses.replace(EngineOptions(), dtype="fp16"),
        "unknown dtype 'fp16'",
        CHOICES + "auto, float32, bfloat16, int8",
    ),
]


@pytest.mark.parametrize(
    ("build", "message", "hint"), [case[1:] for case in BAD], ids=[case[0] for case in BAD]
)
def test_a_bad_value_is_a_usage_error_that_lists_the_choices(
    build: Callable[[], object], message: str, hint: str
) -> None:
    with pytest.raises(UsageError) as caught:
        build()
    assert (caught.value.message, caught.value.hint) == (message, hint)
    assert caught.value.exit_code == 2


def test_every_choice_and_the_defaults_are_accepted() -> None:
    for backend in BACKENDS:
        for dtype in DTYPES:
            for device in DEVICES:
                EngineOptions(backend=backend, dtype=dtype, device=device, threads=1, workers=1)
    for tasks in (TASKS, ("summary",), ("translation",)):
        RunOptions(tasks=tasks)
    RunOptions(batch_tokens=16, max_batch_size=1, window_articles=1, max_summary_rounds=1)
    ChunkOptions(max_chunk_tokens=16)
    Overrides(num_beams=1, max_new_tokens=1)
    ReadOptions(max_bytes=1, fetch_jobs=1)
    for input_format in INPUT_FORMATS:
        ReadOptions(input_format=input_format)
    assert RunOptions().engine == EngineOptions()
    for fmt in FORMATS:
        StreamWriter(io.StringIO(), fmt)


def test_options_resolved_for_ctranslate2_on_a_gpu_are_accepted() -> None:
    # What dtype auto becomes there (the cache key and the record name it): not a choice, but
    # the pipeline builds such options.
    from summarize.runner import _auto_dtype

    asked = EngineOptions(backend="ctranslate2", device="cuda")
    resolved = dataclasses.replace(asked, dtype=_auto_dtype(asked, "ctranslate2"))
    assert resolved.dtype == CT2_GPU_DTYPE == "float16"


def test_the_cli_choices_are_the_library_choices() -> None:
    # Only, Format and InputFormat are spelled out in the CLI (importing their modules would slow every
    # start): this keeps them equal to the library's.
    for enum, choices in (
        (Backend, BACKENDS),
        (DType, DTYPES),
        (Device, DEVICES),
        (Only, TASKS),
        (Format, FORMATS),
        (InputFormat, INPUT_FORMATS),
    ):
        assert tuple(member.value for member in enum) == choices


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--dtype", "fp16", "'fp16' is not one of 'auto', 'float32', 'bfloat16', 'int8'"),
        ("--device", "gpu", "'gpu' is not one of 'cpu', 'cuda', 'auto'"),
        ("--backend", "onnx", "'onnx' is not one of 'auto', 'transformers', 'ctranslate2'"),
        ("--input-format", "pdf", "'pdf' is not one of 'auto', 'text', 'markdown', 'html'"),
    ],
)
def test_the_cli_still_refuses_a_bad_choice_in_one_line(option: str, value: str, said: str) -> None:
    result = CliRunner().invoke(app, ["run", "-", option, value], input="x", prog_name="summarize")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        f"summarize: error: invalid value for '{option}': {said}; see 'summarize run --help'\n"
    )
