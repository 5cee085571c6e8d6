"""Reliability: a bad file, a killed process or a second copy of the tool never costs finished work.

Every test runs the real code on tiny random-weight models (``tests/tiny_models.py``); the runs
that need a process of their own (pipes, signals, concurrency, privileges) start the CLI as a
subprocess.  ``tests/fault_tools.py`` holds the fault-injection helpers, shared with
``benchmarks/faults.py`` which runs the same campaigns at a larger size.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shlex
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fault_tools import (
    MEMORY_PROBE,
    WORDS,
    bad_inputs,
    by_own_shell,
    check_cache,
    cli,
    env,
    fast_args,
    fd_count,
    jsonl,
    records,
    start_cli,
    texts,
    tiny_disk,
    without_file_override,
    write_jsonl,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from summarize.chunk import ChunkSettings, make_chunks
from summarize.clean import clean_text, normalize_text
from summarize.cli import app
from summarize.read import DEFAULT_MAX_BYTES, Article, ReadFailure, ReadOptions, iter_articles
from summarize.segment import segment
from summarize.tokens import LightTokenizer

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def marian(tiny: dict[str, Path]) -> Path:
    return tiny["marian"]


def _invoke(args: list[str], stdin: str | bytes | None = None) -> Any:
    return CliRunner().invoke(app, args, input=stdin)


def _run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cli(*args), capture_output=True, text=True, env=env(), timeout=600, **kwargs)


def _by_name(recs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {Path(r["source"]).name: r for r in recs}


def _squash(text: str) -> str:
    return "".join(text.split())


NO_MODEL = ["--translation-model", "/nonexistent/model", "--summary-model", "/nonexistent/model"]

# --- input ------------------------------------------------------------------------------------


def test_empty_and_blank_articles_are_skipped_without_any_model(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\t\r\n\u3000 ", encoding="utf-8")
    (tmp_path / "lines.jsonl").write_text('{"id": "j", "text": "  \\n  "}\n', encoding="utf-8")
    # A JSON Lines file without a line, streamed (UTF-8) or read whole (UTF-16): one record
    # each, as an empty article file gets, not nothing at all.
    (tmp_path / "none.jsonl").write_bytes(b"")
    (tmp_path / "gaps.jsonl").write_text("\n \n\n", encoding="utf-8")
    (tmp_path / "wide.jsonl").write_text("\n", encoding="utf-16")
    # The models do not exist: any attempt to load one would fail the run.
    result = _invoke(["run", str(tmp_path), "--format", "jsonl", *NO_MODEL])
    assert result.exit_code == 0, result.stderr
    recs = records(result.stdout)
    assert len(recs) == 6
    assert {r["id"] for r in recs} == {"empty", "blank", "j", "none", "gaps", "wide"}
    assert "holds no JSON line" in next(r for r in recs if r["id"] == "none")["error"]["message"]
    for record in recs:
        assert record["status"] == "skipped"
        assert record["error"]["kind"] == "empty" and record["error"]["message"]
        assert record["summary_fr"] is None and record["translation_en"] is None


BOM_TEXT = "Le café « Chez Ève » a fermé.\n\nÀ Noël, 10 € le menu."


@pytest.mark.parametrize(
    "encoded",
    [
        b"\xef\xbb\xbf" + BOM_TEXT.encode("utf-8"),
        b"\xff\xfe" + BOM_TEXT.encode("utf-16-le"),
        b"\xfe\xff" + BOM_TEXT.encode("utf-16-be"),
        b"\xff\xfe\x00\x00" + BOM_TEXT.encode("utf-32-le"),
        b"\x00\x00\xfe\xff" + BOM_TEXT.encode("utf-32-be"),
    ],
    ids=["utf-8-bom", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"],
)
def test_byte_order_marks_are_decoded(tmp_path: Path, encoded: bytes) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(encoded)
    [item] = iter_articles([str(path)], ReadOptions())
    assert isinstance(item, Article) and item.text == BOM_TEXT
    shown = _invoke(["run", str(path), "--show-clean", "--format", "jsonl"])
    assert json.loads(shown.stdout)["body"] == BOM_TEXT


def test_utf16_article_runs_end_to_end(marian: Path, tmp_path: Path) -> None:
    path = tmp_path / "utf16.txt"
    path.write_bytes(b"\xff\xfe" + "Le conseil a voté le budget.".encode("utf-16-le"))
    result = _invoke(["run", str(path), "--format", "jsonl", *fast_args(marian)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ok"


def test_invalid_utf8_names_encoding_and_latin1_decodes_it(marian: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Le café de la gare a fermé.".encode("latin-1"))
    (tmp_path / "ok.txt").write_text("Il pleut.", encoding="utf-8")
    failed = _invoke(["run", str(tmp_path), "--format", "jsonl", *fast_args(marian)])
    assert failed.exit_code == 1
    recs = _by_name(records(failed.stdout))
    assert recs["latin.txt"]["status"] == "error" and recs["latin.txt"]["error"]["kind"] == "encoding"
    assert "--encoding" in recs["latin.txt"]["error"]["hint"]
    assert "latin.txt" in failed.stderr and "--encoding" in failed.stderr
    assert recs["ok.txt"]["status"] == "ok"  # the other article still ran
    decoded = _invoke(["run", str(path), "--format", "jsonl", "--encoding", "latin-1", *fast_args(marian)])
    assert decoded.exit_code == 0, decoded.stderr
    assert json.loads(decoded.stdout)["status"] == "ok"
    shown = _invoke(["run", str(path), "--show-clean", "--format", "jsonl", "--encoding", "latin-1"])
    assert json.loads(shown.stdout)["body"] == "Le café de la gare a fermé."


def test_damaged_text_behind_a_bom_is_an_error_for_that_file_only(tmp_path: Path) -> None:
    (tmp_path / "cut16.txt").write_bytes(b"\xff\xfe" + "Bonjour".encode("utf-16-le")[:-1])
    (tmp_path / "bad8.txt").write_bytes(b"\xef\xbb\xbfcaf\xe9")
    (tmp_path / "z.txt").write_text("Bonjour.", encoding="utf-8")
    items = list(iter_articles([str(tmp_path)], ReadOptions()))
    kinds = {Path(i.source).name: i.error.kind if isinstance(i, ReadFailure) else "ok" for i in items}
    assert kinds == {"bad8.txt": "encoding", "cut16.txt": "encoding", "z.txt": "ok"}


def test_nul_bytes_are_refused_as_binary(marian: Path, tmp_path: Path) -> None:
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "ok.txt").write_text("Il pleut.", encoding="utf-8")
    result = _invoke(["run", str(tmp_path), "--format", "jsonl", *fast_args(marian)])
    assert result.exit_code == 1
    recs = _by_name(records(result.stdout))
    assert recs["image.txt"]["error"]["kind"] == "binary" and recs["image.txt"]["translation_en"] is None
    assert "image.txt" in result.stderr and "binary" in result.stderr
    assert recs["ok.txt"]["status"] == "ok"


def test_inputs_over_max_bytes_are_refused(marian: Path, tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("Le conseil a voté. " * 100, encoding="utf-8")  # 1,900 bytes
    (tmp_path / "small.txt").write_text("Le conseil a voté.", encoding="utf-8")
    result = _invoke(["run", str(tmp_path), "--format", "jsonl", "--max-bytes", "1000", *fast_args(marian)])
    assert result.exit_code == 1
    recs = _by_name(records(result.stdout))
    assert recs["big.txt"]["error"]["kind"] == "too_large"
    assert "--max-bytes" in recs["big.txt"]["error"]["message"] and "big.txt" in result.stderr
    assert recs["small.txt"]["status"] == "ok"
    piped = _invoke(["run", "-", "--format", "jsonl", "--max-bytes", "1000", *NO_MODEL], stdin="x" * 1001)
    assert piped.exit_code == 1 and json.loads(piped.stdout)["error"]["kind"] == "too_large"


def test_default_max_bytes_is_50_mb_as_documented() -> None:
    import inspect

    from summarize import cli as cli_module

    assert DEFAULT_MAX_BYTES == 50_000_000
    assert inspect.signature(cli_module.run).parameters["max_bytes"].default == DEFAULT_MAX_BYTES
    assert ReadOptions().max_bytes == DEFAULT_MAX_BYTES
    lines = (REPO / "README.md").read_text().splitlines()
    row = next(line for line in lines if "--max-bytes" in line and line.startswith("|"))  # the options table
    assert "50 MB" in row


@pytest.mark.slow
def test_20_mb_text_runs_with_bounded_memory(marian: Path, tmp_path: Path) -> None:
    """read → clean → segment → chunk on 20 MB, in a process of its own measuring peak RSS.

    A full model run over 20 MB would take hours on a CPU; the text path is what could hold
    copies of the input or build per-character structures.
    """
    size = 20_000_000
    seed = REPO / "seeds" / "000_7fb48d97fe35ba3a.txt"
    probe = subprocess.run(
        by_own_shell(
            [sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "big.txt"), str(marian), str(size), str(seed)]
        ),
        capture_output=True,
        text=True,
        env=env(),
        timeout=900,
    )
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)
    print(f"\n20 MB text path: {report}")
    assert report["bytes"] >= size and report["fits"]
    assert report["covered"] >= 0.95 * report["body"] > 0
    assert abs(report["peak_kb"] - report["peak_hwm_kb"]) < 0.1 * report["peak_kb"]  # its own peak
    grown = (report["peak_kb"] - report["base_kb"]) * 1024
    # Measured about 12x the input (the text, its cleaned copy, sentence and chunk objects):
    # linear, with room; holding per-character objects or the article many times would not fit.
    assert grown < 16 * report["bytes"], report


class _Recorder:
    """An engine that records what it is given and echoes it."""

    description = {"backend": "recorder"}

    def __init__(self) -> None:
        self.inputs: list[tuple[str, str]] = []

    def generate(self, texts: Any, settings: Any, max_new_tokens: Any) -> list[Any]:
        from summarize.engines import Generated

        self.inputs += [(settings.prefix, t) for t in texts]
        return [Generated(t, False) for t in texts]  # an echo: what comes back is what went in


@pytest.mark.parametrize("kind", ["letters", "one-letter"])
def test_200k_characters_without_a_stop_or_a_space_fit_the_budget(
    tiny: dict[str, Path], monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    from transformers import AutoTokenizer

    import summarize.pipeline as pipeline
    from summarize.engines import EngineOptions
    from summarize.options import RunOptions
    from summarize.routing import RoutingConfig

    rng = random.Random(7)
    text = (
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyzéèàçùœ") for _ in range(200_000))
        if kind == "letters"
        else "é" * 200_000
    )
    engines: dict[Path, _Recorder] = {}
    monkeypatch.setattr(
        "summarize.runner.load_engine", lambda model, options: engines.setdefault(model.path, _Recorder())
    )
    options = RunOptions(
        routing=RoutingConfig(summary_model=str(tiny["t5"]), translation_model=str(tiny["marian"])),
        source_lang="fr",
        engine=EngineOptions(backend="transformers", dtype="float32"),  # no conversion: engines are fakes
    )
    summarizer = pipeline.Summarizer(options)
    [result] = summarizer.process([Article("long", "long", text)])
    assert result.status == "ok" and result.chunks["translation"] > 1 and result.chunks["summary"] > 1
    assert set(engines) == {tiny["t5"], tiny["marian"]}
    for (role, model), runner in summarizer._runners.items():
        count = AutoTokenizer.from_pretrained(runner.model.path)
        seen = engines[runner.model.path].inputs
        assert seen, role
        budget = runner.chunk_settings.budget
        # Counted by the model's own tokenizer, with the task prefix and special tokens.
        assert max(len(count(prefix + t)["input_ids"]) for prefix, t in seen) <= budget, model
    # Nothing of the body was dropped or repeated on the way through the model and back.
    assert _squash(result.translation_en or "") == text


def test_200k_characters_without_a_stop_or_a_space_run_through_the_cli(marian: Path, tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    rng = random.Random(3)
    path.write_text("".join(rng.choice("abcdefghijklmnopqrstuvwxyzéèà") for _ in range(200_000)))
    result = _invoke(["run", str(path), "--format", "jsonl", *fast_args(marian, tokens=1)])
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "ok" and record["chunks"]["translation"] > 100


def test_control_characters_are_cleaned(marian: Path, tmp_path: Path) -> None:
    path = tmp_path / "controls.txt"
    path.write_text("Le\x01 conseil\x1b a\u200b voté\x7f le\ufeff budget.\x07\r\nIl\u2028pleut.\x0c")
    shown = _invoke(["run", str(path), "--show-clean", "--format", "jsonl"])
    assert json.loads(shown.stdout)["body"] == "Le conseil a voté le budget.\nIl\npleut."
    result = _invoke(["run", str(path), "--format", "jsonl", *fast_args(marian)])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ok"


@pytest.mark.parametrize(
    "content",
    [
        "https://example.org/article?id=3\nwww.example.com/page\ncontact@example.org",
        "😀🎉👍 🇫🇷\n\n🙂",
        "\x01\x02\x03\x1b\x7f\u200b\ufeff",
        "https://t.co/x 🔥🔥 12:45 — !!!",
    ],
    ids=["urls", "emoji", "controls", "mixed"],
)
def test_nothing_left_after_cleaning_is_skipped_as_no_text(tmp_path: Path, content: str) -> None:
    path = tmp_path / "article.txt"
    path.write_text(content, encoding="utf-8")
    result = _invoke(["run", str(path), "--format", "jsonl", *NO_MODEL])  # no model is ever loaded
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "skipped" and record["error"]["kind"] == "no_text"
    # Nothing was removed as furniture: the hint must not send the user to --keep-boilerplate.
    assert record["error"]["hint"] == "check the input"


KEEP_HINT = "check the input, or pass --keep-boilerplate"


def test_a_list_of_web_addresses_says_how_to_read_the_pages(tmp_path: Path) -> None:
    # urls.txt, one address a line: skipped as "nothing to translate is left after cleaning"
    # (pass --keep-boilerplate), where the user meant the pages.
    path = tmp_path / "my urls.txt"
    path.write_text("https://example.org/a\nHTTPS://example.org/b\n\n", encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"text": "https://example.org/a"}\n', encoding="utf-8")
    result = _invoke(["run", str(path), str(feed), "--format", "jsonl", *NO_MODEL])
    assert result.exit_code == 0, result.stderr
    errors = [json.loads(line)["error"] for line in result.stdout.splitlines()]
    assert [e["kind"] for e in errors] == ["no_text"] * 2
    assert {e["message"] for e in errors} == {"nothing to translate: the article is a list of web addresses"}
    way = "to read those pages, pass the addresses as inputs: xargs summarize run"
    # The file's name quoted for the shell; a JSON Lines line ("feed.jsonl:1") is no file to name.
    assert [e["hint"] for e in errors] == [f"{way} < '{path}'", way]


@pytest.mark.parametrize(
    ("name", "content", "keep", "hint"),
    [
        ("a.txt", "Partager sur Facebook\nLire aussi : le budget\n", False, KEEP_HINT),
        # --keep-boilerplate given, or nothing but markup: the hint said "or pass --keep-boilerplate".
        ("a.txt", "😀🎉👍\n", True, "check the input"),
        ("a.md", "---\ntitle: x\n---\n![photo](a.png)\n<!-- note -->\n", False, "check the input"),
        ("a.md", "---\ntitle: x\n---\n![photo](a.png)\n<!-- note -->\n", True, "check the input"),
    ],
)
def test_no_text_hint_names_keep_boilerplate_only_where_it_helps(
    tmp_path: Path, name: str, content: str, keep: bool, hint: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    args = ["run", str(path), "--format", "jsonl", *NO_MODEL, *(["--keep-boilerplate"] if keep else [])]
    result = _invoke(args)
    assert result.exit_code == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["status"] == "skipped" and record["error"]["kind"] == "no_text"
    assert record["error"]["hint"] == hint


def test_every_bad_input_gets_its_own_record(marian: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    bad = bad_inputs(folder, unreadable=False)
    for n in range(3):
        (folder / f"good{n}.txt").write_text(f"Le conseil {n} a voté.", encoding="utf-8")
    result = _invoke(["run", str(folder), "--format", "jsonl", *fast_args(marian)])
    assert result.exit_code == 1
    recs = _by_name(records(result.stdout))
    assert len(recs) == len(bad) + 3
    for item in bad:
        assert (recs[item.name]["status"], recs[item.name]["error"]["kind"]) == (item.status, item.kind)
        if item.status == "error":
            assert item.name in result.stderr
    assert all(recs[f"good{n}.txt"]["status"] == "ok" for n in range(3))
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


@pytest.mark.slow
def test_a_folder_of_2000_files_with_unreadable_ones(marian: Path, tmp_path: Path) -> None:
    """Every good file is processed, every bad one reported, the open file count stays flat.

    The run drops the capabilities that let root read a ``chmod 000`` file, so that file fails
    with a real EACCES; the others fail with ELOOP, EIO, ENOENT or as special files.
    """
    folder = tmp_path / "in"
    bad = bad_inputs(folder, copies=8, prefix=lambda n: f"{n * 250:05d}-")
    names = {b.name for b in bad}
    n = 0
    while len(names) < 2000:
        name = f"{n:05d}.txt"
        (folder / name).write_text(f"Le conseil {n} a voté.\n", encoding="utf-8")
        names.add(name)
        n += 1
    assert len(os.listdir(folder)) == 2000
    cmd = without_file_override(cli("run", str(folder), *fast_args(marian, tokens=1), "--format", "jsonl"))
    proc = start_cli(cmd)
    assert proc.stdout is not None and proc.stderr is not None
    got: list[dict[str, Any]] = []
    fds: list[int] = []
    for line in proc.stdout:
        got.append(json.loads(line))
        if len(got) % 25 == 0 and proc.poll() is None:
            with contextlib.suppress(FileNotFoundError):  # it may have just exited
                fds.append(fd_count(proc.pid))  # setpriv execs python: same pid
    stderr = proc.stderr.read()
    assert proc.wait(timeout=600) == 1, stderr[-2000:]
    recs = _by_name(got)
    assert len(got) == len(recs) == 2000
    for item in bad:
        record = recs[item.name]
        assert (record["status"], record["error"]["kind"]) == (item.status, item.kind), record
        if item.status == "error":
            assert record["error"]["message"] and item.name in stderr
    good = [r for name, r in recs.items() if name not in {b.name for b in bad}]
    assert len(good) == 2000 - len(bad)
    assert all(r["status"] == "ok" and r["translation_en"] is not None for r in good)
    assert sum("locked.txt" in line and "ermission" in line for line in stderr.splitlines()) == 8
    assert "Traceback" not in stderr
    # Flat: a leak of one descriptor per bad file would add 64 from the first samples to the
    # last.  Medians, because a sample may catch a file the reader has open for a moment.
    early, late = statistics.median(fds[1:11]), statistics.median(fds[-10:])
    assert len(fds) > 40 and late - early <= 2, fds


def test_reading_a_folder_of_bad_files_leaks_no_descriptor(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    bad = bad_inputs(folder, copies=20, unreadable=False)
    for n in range(200):
        (folder / f"good{n:03d}.txt").write_text("Le conseil a voté.", encoding="utf-8")
    before = fd_count()
    seen = []
    for item in iter_articles([str(folder)], ReadOptions()):
        seen.append(item)
        assert fd_count() <= before + 1
    assert fd_count() == before
    failures = {Path(i.source).name: i.error.kind for i in seen if isinstance(i, ReadFailure)}
    assert failures == {b.name: b.kind for b in bad if b.status == "error"}


def test_malformed_jsonl_lines_are_reported_with_their_line_numbers(marian: Path, tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        b'{"id": "a", "text": "Le ciel est bleu."}',  # 1
        b"{not json}",  # 2
        b"[1, 2]",  # 3: not an object
        b'{"id": "d"}',  # 4: no text
        b'{"text": 5}',  # 5: text not a string
        b"[" * 100_000,  # 6: nested deeper than Python allows
        b'{"text": "x", "n": ' + b"1" * 5000 + b"}",  # 7: an integer over Python's limit
        b'{"id": "h", "text": "caf\xe9"}',  # 8: not UTF-8
        b"",  # 9: blank, ignored
        '{"id": "j", "text": "Une ligne\u2028deux lignes\u0085trois."}'.encode(),  # 10: raw U+2028
        b'{"id": "k", "text": "La mer est calme."}',  # 11
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = _invoke(["run", str(path), "--format", "jsonl", *fast_args(marian)])
    assert result.exit_code == 1
    recs = records(result.stdout)
    by_source = {r["source"].rsplit(":", 1)[1]: r for r in recs}
    assert sorted(by_source, key=int) == ["1", "2", "3", "4", "5", "6", "7", "8", "10", "11"]
    for number in ("2", "3", "4", "5", "6", "7", "8"):
        record = by_source[number]
        assert record["status"] == "error" and f"batch.jsonl:{number}" in record["error"]["message"]
        assert f"batch.jsonl:{number}" in result.stderr
    assert by_source["8"]["error"]["kind"] == "encoding"
    for number in ("1", "10", "11"):
        assert by_source[number]["status"] == "ok" and by_source[number]["translation_en"] is not None
    assert [by_source[n]["id"] for n in ("1", "10", "11")] == ["a", "j", "k"]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


# --- processes and pipes ----------------------------------------------------------------------


def test_closed_pipe_ends_the_run_quietly(marian: Path, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", texts(2000, "pipe"))
    cache = tmp_path / "pipe-cache"
    err, rc = tmp_path / "stderr", tmp_path / "rc"
    command = shlex.join(
        cli("run", str(src), *fast_args(marian, tokens=1), "--format", "jsonl", "--cache-dir", str(cache))
    )
    script = f"{command} 2>{shlex.quote(str(err))} | head -1; echo ${{PIPESTATUS[0]}} >{shlex.quote(str(rc))}"
    shown = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env(), timeout=600)
    assert rc.read_text().strip() == "0"
    assert err.read_text() == ""  # no traceback, no "Exception ignored ... BrokenPipeError"
    assert json.loads(shown.stdout)["id"] == "a00000"  # exactly the first record
    # The run stopped when the reader went away (and what it finished is kept).
    assert 0 < check_cache(cache / "outputs.sqlite3").rows < 2000


@pytest.mark.parametrize("closed", ["stderr", "stdout"])
def test_a_closed_stream_costs_no_result(marian: Path, tmp_path: Path, closed: str) -> None:
    # `2>&-` (a daemon, a cron line): Python starts with sys.stderr None.  The results must still
    # come out, and a closed stdout is said as such before any work, not as an internal error.
    src = write_jsonl(tmp_path / "in.jsonl", texts(3, "closed"))
    fd = 2 if closed == "stderr" else 1
    done = _run(["run", str(src), *fast_args(marian), "--format", "jsonl"], preexec_fn=lambda: os.close(fd))
    if closed == "stderr":
        assert done.returncode == 0
        assert [r["status"] for r in records(done.stdout)] == ["ok"] * 3
    else:
        assert done.returncode == 1
        assert done.stderr.splitlines() == [
            "summarize: error: standard output is closed: the results have nowhere to go; "
            "redirect it to a file, or pass --output-dir DIR"
        ]


def test_a_closed_pipe_on_stderr_costs_no_result(marian: Path, tmp_path: Path) -> None:
    # `summarize run news/ -o out/ 2>&1 | head -1`: the reader of the messages goes away, but the
    # results have their own place; the run must write them all and exit with its real code.
    src = write_jsonl(tmp_path / "in.jsonl", texts(200, "stderr"))
    out = tmp_path / "out"
    args = ["run", str(tmp_path / "missing0.txt"), str(src), str(tmp_path / "missing1.txt")]
    proc = start_cli(cli(*args, *fast_args(marian), "--format", "jsonl", "--output-dir", str(out)))
    assert proc.stderr is not None and proc.stdout is not None
    assert "missing0.txt: no such file" in proc.stderr.readline()
    proc.stderr.close()  # as head does after its line; later messages meet a closed pipe
    assert proc.stdout.read() == ""
    assert proc.wait(timeout=600) == 1  # two inputs failed
    written = [json.loads(p.read_text(encoding="utf-8")) for p in _finished_files(out)]
    assert len(written) == 202
    assert sum(r["status"] == "ok" for r in written) == 200


def _finished_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))


def _start_as_from_a_terminal(cmd: list[str]) -> subprocess.Popen[str]:
    """``cmd`` with its output piped back, taking Ctrl-C as a user's run does: a job started in
    the background (`cmd &`) inherits SIGINT ignored, and Python keeps it so."""
    return subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


@pytest.mark.parametrize(
    ("signum", "exit_code", "to_dir"),
    [(signal.SIGINT, 130, False), (signal.SIGTERM, 143, True)],
    ids=["SIGINT-stdout", "SIGTERM-output-dir"],
)
def test_a_signal_keeps_the_finished_articles(
    marian: Path, tmp_path: Path, signum: int, exit_code: int, to_dir: bool
) -> None:
    items = texts(1000, "signal")
    src = write_jsonl(tmp_path / "in.jsonl", items)
    out_dir = tmp_path / "out"
    args = ["run", str(src), *fast_args(marian), "--format", "jsonl"]
    proc = _start_as_from_a_terminal(cli(*args, *(["--output-dir", str(out_dir)] if to_dir else [])))
    assert proc.stdout is not None and proc.stderr is not None
    k = 3
    done: list[dict[str, Any]] = []
    if to_dir:
        deadline = time.monotonic() + 300
        while not out_dir.exists() or len(_finished_files(out_dir)) < k:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.005)
        proc.send_signal(signum)
        proc.stdout.read()
    else:
        for line in proc.stdout:
            done.append(json.loads(line))
            if len(done) == k:
                break
        proc.send_signal(signum)
        done += records(proc.stdout.read())
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) == exit_code, stderr
    said = "terminated" if signum == signal.SIGTERM else "interrupted"
    assert f"summarize: {said}; finished results are kept in the cache" in stderr
    assert "Traceback" not in stderr
    if to_dir:
        done = [json.loads(p.read_text(encoding="utf-8")) for p in _finished_files(out_dir)]
        assert not any(p.name.startswith(".tmp-") for p in out_dir.iterdir())
    assert k <= len(done) < len(items)
    # A re-run over those articles serves every one from the cache, unchanged.
    ids = [r["id"] for r in done]
    again_src = write_jsonl(tmp_path / "again.jsonl", [items[int(i[1:])] for i in ids], ids)
    again = _run(["run", str(again_src), *fast_args(marian), "--format", "jsonl"])
    assert again.returncode == 0, again.stderr
    rerun = records(again.stdout)
    assert [r["id"] for r in rerun] == ids
    assert all(r["cached"] == {"translation": True} for r in rerun)
    assert [r["translation_en"] for r in rerun] == [r["translation_en"] for r in done]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_ends_a_run_at_once_while_ctranslate2_decodes(tmp_path: Path, signum: int) -> None:
    """CTranslate2 decodes in C++, where Python runs no signal handler, and shutdown waits for
    the batches queued on its workers: Ctrl-C waited for the whole model batch (87 s here)."""
    copy_model = Path(__file__).resolve().parent / "fixtures" / "copy_model"
    rng = random.Random(7)
    words = [rng.choice(WORDS) for _ in range(400)]
    long = " ".join(f"Le {word} a voté le budget numéro {i}." for i, word in enumerate(words))
    cmd = cli(
        "run", "-", "--only", "translation", "--source-lang", "fr", "--translation-model",
        str(copy_model), "--backend", "ctranslate2", "--beams", "64", "--batch-tokens", "1000000",
        "--batch-size", "10000", "--format", "jsonl", "--models-dir", str(tmp_path / "models"),
        "--no-cache",
    )  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a terminal
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    # A fed stdin: the short article's record comes back (the model is loaded), then the long
    # one is sent and decoded as one model batch, for a minute.
    proc.stdin.write(jsonl([{"text": "Le maire a parlé."}]))
    proc.stdin.flush()
    assert json.loads(proc.stdout.readline())["status"] == "ok"
    proc.stdin.write(jsonl([{"text": long}]))
    proc.stdin.close()
    time.sleep(2)
    proc.send_signal(signum)
    try:
        code = proc.wait(timeout=15)
    finally:
        proc.kill()
    assert code == (130 if signum == signal.SIGINT else 143)
    said = "interrupted" if signum == signal.SIGINT else "terminated"
    assert proc.stderr.read().strip().startswith(f"summarize: {said}")


def test_an_interrupted_run_without_a_usable_cache_does_not_say_it_kept_its_results(
    marian: Path, tmp_path: Path
) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)  # the cache cannot be made: the run goes on without storing, with a warning
    src = write_jsonl(tmp_path / "in.jsonl", texts(1000, "nocache"))
    cmd = cli("run", str(src), *fast_args(marian), "--format", "jsonl", "--cache-dir", str(parent / "cache"))
    proc = _start_as_from_a_terminal(without_file_override(cmd))
    assert proc.stdout is not None and proc.stderr is not None
    json.loads(proc.stdout.readline())  # a first record: the run is under way
    proc.send_signal(signal.SIGINT)
    proc.stdout.read()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=300) == 130, stderr
    assert "is read-only" in stderr
    assert "kept in the cache" not in stderr
    assert "summarize: interrupted; the cache is read-only (see the warning above)" in stderr


@pytest.mark.slow
def test_sigkill_at_random_points_never_damages_the_cache(marian: Path, tmp_path: Path) -> None:
    """50 runs killed at random points (49 forked from a warm process, 1 fresh interpreter)."""
    campaign = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("fault_tools.py")),
            "kill",
            "--model",
            str(marian),
            "--work",
            str(tmp_path / "campaign"),
            "--trials",
            "50",
            "--articles",
            "40",
            "--exec-trials",
            "1",
            "--seed",
            "11",
        ],
        capture_output=True,
        text=True,
        env=env(),
        timeout=900,
    )
    assert campaign.returncode == 0, campaign.stderr[-3000:]
    report = json.loads(campaign.stdout)
    print(f"\nSIGKILL campaign: {report}")
    assert report["trials"] == 50 and report["killed"] >= 25
    # The kills did land while rows were being committed, and killed runs had printed results.
    assert report["killed_after_writes"] >= 5 and report["records_printed_by_killed"] > 0
    assert report["integrity_failures"] == 0, report["failures"]
    assert report["rows_lost"] == 0 and report["results_lost"] == 0, report["failures"]
    assert report["tracebacks"] == 0 and report["bad_exits"] == 0, report["failures"]


def _without_cached(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "cached"} for r in recs]


@pytest.mark.slow
def test_four_processes_share_one_cache(marian: Path, tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", texts(200, "together"))
    args = ["run", str(src), *fast_args(marian, tokens=3), "--format", "jsonl"]
    alone = _invoke([*args, "--cache-dir", str(tmp_path / "alone")])  # in-process: one start less
    assert alone.exit_code == 0, alone.stderr
    shared = tmp_path / "shared"
    procs = [start_cli(cli(*args, "--cache-dir", str(shared))) for _ in range(4)]
    outs = [p.communicate(timeout=600) for p in procs]
    expected = _without_cached(records(alone.stdout))
    assert len(expected) == 200
    for proc, (stdout, stderr) in zip(procs, outs):
        assert proc.returncode == 0, stderr
        assert stderr == ""  # no error, no warning reaches the user
        assert _without_cached(records(stdout)) == expected
    together, reference = (
        check_cache(shared / "outputs.sqlite3"),
        check_cache(tmp_path / "alone" / "outputs.sqlite3"),
    )
    assert together.ok and reference.ok
    assert together.values == reference.values  # one row per key, the same keys and values


def test_two_runs_at_once_share_one_cache_and_both_store(tmp_path: Path) -> None:
    """`xargs -P2`: two processes, each with its own articles and one in common, start together
    on a new cache (and a new models folder, where both convert the model). Both succeed
    without a word on stderr, and a third run over everything is served from the cache alone."""
    copy_model = Path(__file__).resolve().parent / "fixtures" / "copy_model"
    model_args = ["--summary-model", str(copy_model), "--translation-model", str(copy_model)]
    args = [*model_args, "--source-lang", "fr", "--models-dir", str(tmp_path / "models"), "-f", "jsonl"]
    args += ["--cache-dir", str(tmp_path / "shared")]
    common = texts(1, "commun")
    inputs = [write_jsonl(tmp_path / f"{n}.jsonl", [*texts(30, f"lot{n}"), *common]) for n in (1, 2)]
    procs = [start_cli(cli("run", str(src), *args)) for src in inputs]
    outs = [p.communicate(timeout=600) for p in procs]
    for proc, (stdout, stderr) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, stderr
        assert stderr == ""
        assert len(records(stdout)) == 31
    third = _run(["run", *map(str, inputs), *args, "--verbose"])
    assert third.returncode == 0, third.stderr
    recs = records(third.stdout)
    assert len(recs) == 62
    assert all(r["cached"] == {"summary": True, "translation": True} for r in recs)
    assert "0 misses" in third.stderr.splitlines()[-1]
    alone = [_without_cached(records(out)) for out, _ in outs]
    assert alone == [_without_cached(recs[:31]), _without_cached(recs[31:])]
    assert check_cache(tmp_path / "shared" / "outputs.sqlite3").ok


@pytest.mark.parametrize("case", ["read-only-folder", "read-only-cache", "disk-full"])
def test_an_unwritable_cache_warns_and_results_are_still_written(
    marian: Path, tmp_path: Path, case: str
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", texts(5, "nocache"))
    args = ["run", str(src), *fast_args(marian), "--format", "jsonl"]
    preexec = None
    if case == "read-only-folder":
        parent = tmp_path / "ro"
        parent.mkdir()
        parent.chmod(0o555)
        cache_dir = parent / "cache"
    elif case == "read-only-cache":
        cache_dir = tmp_path / "ro-cache"
        other = write_jsonl(tmp_path / "other.jsonl", texts(2, "x"))
        first = _invoke(["run", str(other), *args[2:], "--cache-dir", str(cache_dir)])
        assert first.exit_code == 0 and (cache_dir / "outputs.sqlite3").exists()
        for path in (cache_dir, *cache_dir.iterdir()):
            path.chmod(0o555 if path.is_dir() else 0o444)
    with tiny_disk(tmp_path / "disk") if case == "disk-full" else contextlib.nullcontext() as disk:
        if disk is not None:
            cache_dir = Path(str(disk["path"])) / "cache"
            preexec = disk["preexec"]
        done = subprocess.run(
            without_file_override(cli(*args, "--cache-dir", str(cache_dir))),
            capture_output=True,
            text=True,
            env=env(),
            timeout=600,
            preexec_fn=preexec,  # type: ignore[arg-type]
        )
        assert done.returncode == 0, done.stderr
        recs = records(done.stdout)
        assert len(recs) == 5 and all(r["status"] == "ok" and r["translation_en"] for r in recs)
        said = "warning: cache disabled" if case == "disk-full" else "is read-only"
        assert said in done.stderr and str(cache_dir) in done.stderr
        assert len([line for line in done.stderr.splitlines() if "warning" in line]) == 1
        assert "Traceback" not in done.stderr
        # Whatever the failed writes left behind is still a sound database.
        assert check_cache(cache_dir / "outputs.sqlite3").ok


def test_a_read_only_cache_still_serves_its_hits(marian: Path, tmp_path: Path) -> None:
    """A shared cache, or one baked into an image, that this user cannot write: it used to be
    turned off at the first write (or at once, for a folder without its -shm), so nothing came
    from it. Hits are served, new results are computed and not stored, said once."""
    cache_dir = tmp_path / "shared-cache"
    known = write_jsonl(tmp_path / "known.jsonl", texts(3, "known"))
    mixed = write_jsonl(tmp_path / "mixed.jsonl", [*texts(2, "new"), *texts(3, "known")])
    args = [*fast_args(marian), "--format", "jsonl", "--cache-dir", str(cache_dir)]
    first = _run(["run", str(known), *args])
    assert first.returncode == 0, first.stderr
    for path in (*cache_dir.iterdir(), cache_dir):
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        # The new articles come first: their results are refused before the known ones are read.
        done = subprocess.run(
            without_file_override(cli("run", str(mixed), *args, "--verbose")),
            capture_output=True, text=True, env=env(), timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        recs = records(done.stdout)
        assert [r["cached"] for r in recs] == [{"translation": False}] * 2 + [{"translation": True}] * 3
        assert [r["translation_en"] for r in recs[2:]] == [r["translation_en"] for r in records(first.stdout)]
        warnings = [line for line in done.stderr.splitlines() if "warning" in line]
        assert len(warnings) == 1 and "is read-only" in warnings[0], done.stderr
        assert "--cache-dir" in warnings[0]
        assert "cache: 3 hits, 2 misses" in done.stderr
        # Served wholly from the cache: nothing is lost, so nothing is said.
        again = subprocess.run(
            without_file_override(cli("run", str(known), *args)),
            capture_output=True, text=True, env=env(), timeout=600,
        )  # fmt: skip
        assert again.returncode == 0 and again.stderr == "", again.stderr
        assert all(r["cached"] == {"translation": True} for r in records(again.stdout))
        stats = subprocess.run(
            without_file_override(cli("cache", "stats", "--cache-dir", str(cache_dir))),
            capture_output=True, text=True, env=env(), timeout=120,
        )  # fmt: skip
        assert stats.returncode == 0 and stats.stderr == "", stats.stderr
        assert "entries translation" in stats.stdout and "last run\t0 hits, 3 misses" in stats.stdout
        cleared = subprocess.run(
            without_file_override(cli("cache", "clear", "--cache-dir", str(cache_dir))),
            capture_output=True, text=True, env=env(), timeout=120,
        )  # fmt: skip
        assert cleared.returncode == 1 and cleared.stdout == ""
        assert cleared.stderr.startswith("summarize: error: cannot change the cache"), cleared.stderr
        assert len(cleared.stderr.splitlines()) == 1
    finally:
        cache_dir.chmod(0o755)
        for path in cache_dir.iterdir():
            path.chmod(0o644)
    assert check_cache(cache_dir / "outputs.sqlite3").ok


# --- properties of the text path --------------------------------------------------------------

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)  # surrogates included
PROSE_PIECES = st.sampled_from(
    ["Le conseil a voté.", "M. Dupont", "art. 3", " ", "\n", "\n\n", "...", "!?", "«", "»", "\u0301",
     "😀", "🇫🇷", "https://ex.org/a.b", "\x00", "\x1b", "\u200b", "\u2028", "\t", "abc" * 30, "l'État"]
)  # fmt: skip
TEXTS = st.one_of(ANY_TEXT, st.lists(st.one_of(PROSE_PIECES, ANY_TEXT), max_size=30).map("".join))
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(TEXTS)
def test_cleaning_never_crashes_on_any_unicode(text: str) -> None:
    normalized = normalize_text(text)
    body = clean_text(text).body
    assert not any("\ud800" <= ch <= "\udfff" for ch in normalized)
    # Lines are kept or dropped, never cut or rewritten.
    assert {line for line in body.split("\n") if line} <= set(normalized.split("\n"))


@PROPERTY
@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=400) | TEXTS.map(normalize_text))
def test_segmenting_keeps_every_character_in_place(text: str) -> None:
    paragraphs = segment(text, "fr")
    pieces = []
    for para in paragraphs:
        assert text[para.start : para.end] == para.text
        for sentence in para.sentences:
            assert text[sentence.start : sentence.end] == sentence.text
            pieces.append(sentence.text)
    assert _squash("".join(pieces)) == _squash(text)


@pytest.fixture(scope="module")
def counters(tiny: dict[str, Path]) -> dict[str, Any]:
    return {name: LightTokenizer(tiny[name]).count for name in ("marian", "t5", "barthez")}


@PROPERTY
@given(
    TEXTS,
    st.sampled_from(["marian", "t5", "barthez"]),
    st.sampled_from([16, 40, 512]),
    st.booleans(),
)
def test_chunks_always_fit_and_lose_nothing(
    counters: dict[str, Any], text: str, family: str, budget: int, cross: bool
) -> None:
    count = counters[family]
    prefix = "summarize: " if family == "t5" else ""
    body = clean_text(text).body
    chunks = make_chunks(segment(body, "fr"), count, ChunkSettings(budget, min(budget, 24), cross), prefix)
    for chunk in chunks:
        assert count(prefix + chunk.text) == chunk.tokens <= budget
    assert _squash("".join(c.text for c in chunks)) == _squash(body)


def test_a_long_run_of_combining_marks_is_chunked(counters: dict[str, Any]) -> None:
    text = "e" + "\u0301" * 5000 + " fin."  # "Zalgo" text: once a stack overflow
    chunks = make_chunks(segment(text), counters["marian"], ChunkSettings(16, 16, False))
    assert all(c.tokens <= 16 for c in chunks)
    assert _squash("".join(c.text for c in chunks)) == _squash(text)


@pytest.fixture(scope="module")
def echo_pipeline(tiny: dict[str, Path]) -> Any:
    """A Summarizer: the whole pipeline, language detection included, every model echoing.

    Whatever language is detected, its route resolves to the tiny Marian (the T5 summarises),
    so that any text goes all the way through without a model download.
    """
    import summarize.pipeline as pipeline
    import summarize.runner as runner
    from summarize.engines import EngineOptions
    from summarize.models import ModelRef
    from summarize.options import RunOptions
    from summarize.routing import RoutingConfig

    real_resolve = runner.resolve

    def resolve(ref: Any, models_dir: Path, *, offline: bool, **kwargs: Any) -> Any:
        model = tiny["t5"] if ref.id == str(tiny["t5"]) else tiny["marian"]
        return real_resolve(ModelRef(str(model)), models_dir, offline=offline)

    patch = pytest.MonkeyPatch()
    patch.setattr(runner, "resolve", resolve)
    patch.setattr(runner, "load_engine", lambda model, options: _Recorder())
    options = RunOptions(
        routing=RoutingConfig(summary_model=str(tiny["t5"])),
        offline=True,
        engine=EngineOptions(backend="transformers", dtype="float32"),  # no conversion: engines are fakes
    )
    yield pipeline.Summarizer(options)  # one for all examples: its language detector loads once
    patch.undo()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXTS, min_size=1, max_size=4))
def test_the_whole_pipeline_never_raises_and_loses_nothing(echo_pipeline: Any, bodies: list[str]) -> None:
    articles = [Article(f"a{n}", f"a{n}", text) for n, text in enumerate(bodies)]
    results = list(echo_pipeline.process(articles))
    assert [r.id for r in results] == [a.id for a in articles]
    for article, result in zip(articles, results):
        assert result.status in ("ok", "skipped"), result.error
        if result.status == "ok":
            body = clean_text(normalize_text(article.text)).body
            # Echoed by every model: the translation is the body, nothing dropped or doubled.
            assert _squash(result.translation_en or "") == _squash(body)
            assert result.summary_fr is not None
