"""End to end through the CLI with tiny real models: stdout carries results only."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fault_tools import jsonl, records_by_id
from typer.testing import CliRunner

from summarize.cli import app
from summarize.engines.ct2 import isa_choices

REPO = Path(__file__).resolve().parent.parent
COPY_MODEL = REPO / "tests" / "fixtures" / "copy_model"


@pytest.fixture
def models(tiny: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("SUMMARIZE_SUMMARY_MODEL", str(tiny["t5"]))
    monkeypatch.setenv("SUMMARIZE_TRANSLATION_MODEL", str(tiny["marian"]))
    return tiny


def _invoke(args: list[str], stdin: str | None = None):
    return CliRunner().invoke(app, args, input=stdin, prog_name="summarize")


def test_seed_end_to_end_jsonl(models: dict[str, Path]) -> None:
    result = _invoke(["run", str(REPO / "seeds"), "--format", "jsonl", "--max-chunk-tokens", "128"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["summary_fr"].strip() and record["translation_en"].strip()
    assert record["chunks"]["summary"] > 1 and record["chunks"]["translation"] > 1
    assert record["models"]["translation"]["id"] == str(models["marian"])
    assert record["models"]["summary"]["commit"].startswith("local-")
    assert isinstance(record["warnings"], list)
    assert "Traceback" not in result.stderr


def test_the_detector_model_is_kept_decompressed_in_the_user_cache(models: dict[str, Path]) -> None:
    result = _invoke(["run", "-", "--only", "translation", "--no-cache"], stdin="Le ciel est bleu sur Paris.")
    assert result.exit_code == 0, result.stderr
    kept = Path(os.environ["XDG_CACHE_HOME"]) / "summarize" / "py3langid"
    assert [p.suffix for p in kept.iterdir()] == [".npz"]


def test_seed_end_to_end_subprocess(models: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "summarize",
            "run",
            str(REPO / "seeds" / "000_7fb48d97fe35ba3a.txt"),
            "--format",
            "jsonl",
            "--only",
            "translation",
            "--max-chunk-tokens",
            "128",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)  # stdout holds exactly one JSON document
    assert record["translation_en"] and record["summary_fr"] is None
    assert "Traceback" not in proc.stderr


def test_formats_text_and_json(models: dict[str, Path]) -> None:
    text = _invoke(["run", "-", "--only", "translation"], stdin="Bonjour à tous. Il pleut.\n")
    assert text.exit_code == 0 and text.stdout.startswith("== stdin")
    assert "Translation (en):" in text.stdout
    doc = _invoke(["run", "-", "--only", "translation", "--format", "json"], stdin="Bonjour.\n")
    assert json.loads(doc.stdout)[0]["id"] == "stdin"


def test_jsonl_input_and_failure_isolation(models: dict[str, Path], tmp_path: Path) -> None:
    src = tmp_path / "batch.jsonl"
    src.write_text(
        '{"id": "a", "text": "Le ciel est bleu."}\n{not json}\n{"id": "c", "title": "Titre", '
        '"text": "La mer est calme."}\n',
        encoding="utf-8",
    )
    result = _invoke(["run", str(src), "--format", "jsonl", "--only", "translation"])
    assert result.exit_code == 1  # one article failed, the others are written
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", "batch-2", "c"]
    assert records[1]["status"] == "error" and "batch.jsonl:2" in records[1]["error"]["message"]
    assert "batch.jsonl:2" in result.stderr
    assert records[2]["title"] == "Titre" and records[2]["translation_en"]


def test_dates_are_iso_8601_or_null_in_the_records(models: dict[str, Path], tmp_path: Path) -> None:
    body = "Le conseil municipal a adopté mardi soir le budget de la ville, après un long débat.\n"
    (tmp_path / "a.txt").write_text("Publié le 17/06/2024 à 16h01\n\n" + body, encoding="utf-8")
    (tmp_path / "b.md").write_text(
        "# Le budget adopté\n\n*Publié le 1er juin 2024*\n\n" + body, encoding="utf-8"
    )
    (tmp_path / "c.txt").write_text("Dernière mise à jour à 16h01 le 17/06\n" + body, encoding="utf-8")
    (tmp_path / "d.txt").write_text("Publié le 31/05/2024\n" + body, encoding="utf-8")
    result = _invoke(["run", str(tmp_path), "--format", "jsonl", "--only", "translation"])
    assert result.exit_code == 0, result.stderr
    records = records_by_id(result.stdout)
    assert {name: r["date"] for name, r in records.items()} == {
        "a": "2024-06-17T16:01",
        "b": "2024-06-01",
        "c": None,  # no year: no date made up
        "d": "2024-05-31",
    }
    assert records["b"]["title"] == "Le budget adopté"
    # The time stamp line itself is still listed as removed, as written.
    stamps = {
        name: [x["text"] for x in r["removed"] if x["kind"] == "timestamp"] for name, r in records.items()
    }
    assert stamps == {
        "a": ["Publié le 17/06/2024 à 16h01"],
        "b": ["Publié le 1er juin 2024"],
        "c": ["Dernière mise à jour à 16h01 le 17/06"],
        "d": ["Publié le 31/05/2024"],
    }
    # What `jq 'select(.date >= "2024-06-01")'` does: plain string order is date order.
    assert sorted(n for n, r in records.items() if r["date"] and r["date"] >= "2024-06-01") == ["a", "b"]


def test_output_dir_names_stay_inside(models: dict[str, Path], tmp_path: Path) -> None:
    src = tmp_path / "evil.jsonl"
    src.write_text(
        '{"id": "../../etc/passwd", "text": "Un."}\n{"id": "/abs/path", "text": "Deux."}\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    result = _invoke(
        ["run", str(src), "--format", "jsonl", "--only", "translation", "--output-dir", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and all(p.parent == out for p in out.iterdir())
    assert not (tmp_path / "etc").exists()


def test_missing_model_message_and_exit_code(tmp_path: Path) -> None:
    result = _invoke(
        ["run", str(REPO / "seeds"), "--offline", "--models-dir", str(tmp_path / "none"), "-f", "jsonl"]
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "Helsinki-NLP/opus-mt-fr-en" in lines[0]  # the first model the French seed needs
    assert "summarize models pull" in lines[0] and "local model folder" in lines[0]
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["status"] == "error" and record["error"]["kind"] == "model_not_found"
    assert record["error"]["task"] == "translation"


def test_a_model_missing_for_some_articles_is_said_once(models: dict[str, Path], tmp_path: Path) -> None:
    english = "The government announced on Tuesday that the new railway line will open next spring."
    src = tmp_path / "mixed.jsonl"
    rows = [
        ("fr1", "Le ciel est bleu sur la ville."),
        ("en1", english),
        ("en2", english + " Works start soon."),
    ]
    src.write_text(jsonl({"id": i, "text": t} for i, t in rows), encoding="utf-8")
    args = ["run", str(src), "-f", "jsonl", "--offline", "--models-dir", str(tmp_path / "m"), "--no-cache"]
    result = _invoke(args)
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # The English text needs no model: only the French summary is missing.
    assert [r["status"] for r in records] == ["ok", "partial", "partial"]
    assert [r["translation_en"] for r in records[1:]] == [t for _, t in rows[1:]]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert "opus-mt-en-fr" in lines[0] and "mixed.jsonl" in lines[0] and "no French summary" in lines[0]
    assert lines[1] == "summarize: 1 more article failed the same way as above"


def test_output_dir_problems_are_known_before_any_model_runs(models: dict[str, Path], tmp_path: Path) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("x", encoding="utf-8")
    text = "Le ciel est bleu."
    result = _invoke(["run", "-", "--only", "translation", "-o", str(a_file)], stdin=text)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"summarize: error: --output-dir {a_file} is a file, not a folder; pick a folder"
    ]
    result = _invoke(["run", "-", "--only", "translation", "-o", str(a_file / "sub")], stdin=text)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "cannot write to the output folder" in result.stderr and "Traceback" not in result.stderr


def test_output_files_follow_the_umask_and_step_around_folders(
    models: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    (out / "a.json").mkdir(parents=True)  # a folder already has the first article's name
    src = tmp_path / "two.jsonl"
    src.write_text('{"id": "a", "text": "Un."}\n{"id": "b", "text": "Deux."}\n', encoding="utf-8")
    old = os.umask(0o027)
    try:
        result = _invoke(["run", str(src), "-f", "jsonl", "--only", "translation", "-o", str(out)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in out.iterdir() if p.is_file())
    assert written == ["a-2.json", "b.json"]
    assert all((out / name).stat().st_mode & 0o777 == 0o640 for name in written)
    assert json.loads((out / "a-2.json").read_text(encoding="utf-8"))["id"] == "a"


def test_results_never_overwrite_the_inputs(models: dict[str, Path], tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    texts = {"a.txt": "Le ciel est bleu.", "b.txt": "La mer est calme."}
    for name, text in texts.items():
        (news / name).write_text(text, encoding="utf-8")
    # The input folder itself: the next run would read the results as articles.
    for out in (news, tmp_path / "." / "news"):
        result = _invoke(["run", str(news), "--only", "translation", "-o", str(out)])
        assert result.exit_code == 2 and result.stdout == ""
        assert "is also an input folder" in result.stderr and "results" in result.stderr
    assert sorted(p.name for p in news.iterdir()) == ["a.txt", "b.txt"]
    # Files named one by one, written beside themselves: never over them.
    files = [str(news / name) for name in texts]
    result = _invoke(["run", *files, "--only", "translation", "-o", str(news)])
    assert result.exit_code == 0, result.stderr
    assert {name: (news / name).read_text(encoding="utf-8") for name in texts} == texts
    written = sorted(p.name for p in news.iterdir() if p.name not in texts)
    assert written == ["a-2.txt", "b-2.txt"]
    assert f"{news / 'b.txt'} is an input, so it is left as it is: this result is written to" in result.stderr
    assert (news / "a-2.txt").read_text(encoding="utf-8").startswith("== a")
    # --show-clean prints on stdout: an output folder is a mistake, not silently ignored.
    result = _invoke(["run", str(news / "a.txt"), "--show-clean", "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "drop --output-dir" in result.stderr and not (tmp_path / "x").exists()


def test_results_never_overwrite_a_file_the_tool_did_not_write(
    models: dict[str, Path], tmp_path: Path
) -> None:
    news = tmp_path / "news"
    news.mkdir()
    theirs = {"a.txt": "Article original: le maire a parlé.\n", "a.json": '{"id": "a", "notes": "mine"}\n'}
    for name, text in theirs.items():
        (news / name).write_text(text, encoding="utf-8")
    (news / "a.md").write_text("Le conseil municipal a voté.", encoding="utf-8")
    for fmt, suffix in (("text", ".txt"), ("json", ".json")):
        for _ in range(2):  # a re-run writes over its own result, under the same name
            result = _invoke(["run", str(news / "a.md"), "-f", fmt, "--only", "translation", "-o", str(news)])
            assert result.exit_code == 0, result.stderr
            assert result.stderr.splitlines() == [
                f"summarize: warning: {news / ('a' + suffix)} was not written by summarize, so it is left "
                f"as it is: this result is written to {news / ('a-2' + suffix)}",
                f"summarize: wrote 1 file to {news}",
            ]
    assert {name: (news / name).read_text(encoding="utf-8") for name in theirs} == theirs
    assert sorted(p.name for p in news.iterdir()) == ["a-2.json", "a-2.txt", "a.json", "a.md", "a.txt"]
    assert json.loads((news / "a-2.json").read_text(encoding="utf-8"))["source"] == str(news / "a.md")
    # A later run over the folder reads the articles, not the results put beside them.
    result = _invoke(["run", str(news), "-f", "jsonl", "--only", "translation", "-o", str(news / "results")])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (news / "results").iterdir()) == ["a-2.json", "a.json"]
    assert "skipped 1 result of summarize (a-2.txt)" in result.stderr


def test_bad_encoding_and_version() -> None:
    result = _invoke(["run", "-", "--encoding", "nosuch"], stdin="Bonjour.")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "summarize: error: unknown encoding 'nosuch'; use a Python codec name such as latin-1 or cp1252"
    ]
    for codec in ("rot13", "base64"):  # known to Python, but not an encoding of text
        result = _invoke(["run", "-", "--encoding", codec], stdin="Bonjour.")
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.strip().splitlines() == [
            f"summarize: error: '{codec}' is not a text encoding; use a Python codec name such as latin-1 "
            "or cp1252"
        ]
    from summarize import __version__

    version = _invoke(["--version"])
    assert version.exit_code == 0 and version.stdout == f"summarize {__version__}\n"


def _stdin_of_kind(kind: str, data: bytes, tmp_path: Path) -> int:
    """A descriptor of that kind holding ``data`` (/dev/null: nothing), for a child's stdin."""
    if kind == "devnull":
        return os.open(os.devnull, os.O_RDONLY)
    if kind == "file":
        (tmp_path / "stdin.txt").write_bytes(data)
        return os.open(tmp_path / "stdin.txt", os.O_RDONLY)
    if kind == "pipe":
        read_end, write_end = os.pipe()
        os.write(write_end, data)
        os.close(write_end)
        return read_end
    mine, theirs = socket.socketpair()
    with mine:
        mine.sendall(data)
    return theirs.detach()


@pytest.mark.parametrize(
    ("kind", "fed"), [("devnull", False), ("pipe", True), ("socket", True), ("file", True)]
)
def test_no_input_reads_stdin_only_when_something_feeds_it(kind: str, fed: bool, tmp_path: Path) -> None:
    # cron, `ssh -n`, CI and `xargs` with no input give /dev/null: bad usage, not an empty article.
    stdin = _stdin_of_kind(kind, b"Il pleut.\n", tmp_path)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "summarize", "run", "--show-clean"],
            stdin=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            cwd=REPO,
            timeout=120,
        )
    finally:
        os.close(stdin)
    if fed:
        assert proc.returncode == 0 and proc.stderr == ""
        assert proc.stdout == "== stdin\nIl pleut.\n"
    else:
        assert proc.returncode == 2 and proc.stdout == ""
        assert (
            proc.stderr
            == "summarize: error: no input; pass files, folders, URLs or - for stdin, or pipe text in\n"
        )


def test_show_clean_json_is_one_array_and_failures_count(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Le ciel est bleu.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("La mer est calme.", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"caf\xe9 noir")
    result = _invoke(["run", str(tmp_path), "--show-clean", "-f", "json"])
    assert result.exit_code == 1
    shown = json.loads(result.stdout)
    assert [r.get("body") for r in shown] == ["Le ciel est bleu.", "La mer est calme.", None]
    # The failure is a record too, as with run, so the output joins with the inputs by id.
    assert shown[2]["id"] == "c" and shown[2]["error"]["kind"] == "encoding"
    assert "error" not in shown[0]
    (line,) = result.stderr.strip().splitlines()
    assert "c.txt" in line and "--encoding" in line  # the hint comes with the failure
    text = _invoke(["run", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--show-clean"])
    assert text.exit_code == 0
    assert text.stdout == "== a\nLe ciel est bleu.\n\n== b\nLa mer est calme.\n"


@pytest.mark.parametrize(
    ("args", "said", "help_of"),
    [
        (["run", "-", "--format", "xml"], "invalid value for '--format'", "summarize run"),
        (["run", "-", "--max-chunk-tokens", "0"], "0 is not in the range x>=16", "summarize run"),
        (["run", "-", "--frobnicate"], "no such option: --frobnicate", "summarize run"),
        (["cache", "prune", "--older-than", "-1"], "value for '--older-than'", "summarize cache prune"),
        (["models", "list", "--bogus"], "no such option: --bogus", "summarize models list"),
        (["frob"], "no such command 'frob'", "summarize"),
        # Click raises these without the command's context: the help named is still the command's
        (["run", "--beams"], "option '--beams' requires an argument", "summarize run"),
        (["cache", "prune", "--max-size"], "requires an argument", "summarize cache prune"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], said: str, help_of: str) -> None:
    # Click's own refusals read like the tool's: one line on stderr that says where to look.
    result = _invoke(args, stdin="x")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("summarize: error: ") and said in result.stderr
    assert result.stderr.rstrip().endswith(f"see '{help_of} --help'")


def test_a_refused_option_names_its_variable_only_when_the_value_came_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--models-dir DIR` typed on the command line was refused as "'--models-dir' (env var:
    # 'SUMMARIZE_MODELS_DIR')", sending the user after a variable never set. Tests run as root,
    # who reads every folder: the folder is made unreadable to Click's own check instead.
    unreadable = tmp_path / "models"
    unreadable.mkdir()
    access = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode, **kw: str(path) != str(unreadable) and access(path, mode, **kw)
    )
    typed = _invoke(["cache", "stats", "--models-dir", str(unreadable)])
    assert typed.exit_code == 2 and typed.stdout == ""
    assert typed.stderr == (
        f"summarize: error: invalid value for '--models-dir': Path {str(unreadable)!r} is not readable; "
        "see 'summarize cache stats --help'\n"
    )
    monkeypatch.setenv("SUMMARIZE_MODELS_DIR", str(unreadable))
    from_variable = _invoke(["cache", "stats"])
    assert from_variable.exit_code == 2
    assert "'--models-dir' (env var: 'SUMMARIZE_MODELS_DIR'): Path" in from_variable.stderr


def test_a_bare_group_still_prints_its_help() -> None:
    result = _invoke(["cache"])
    assert result.exit_code == 2 and "prune" in result.stderr + result.stdout and "error" not in result.stderr


@pytest.mark.parametrize(
    "command", [["run"], ["models", "list"], ["models", "pull"], ["cache", "stats"], ["cache", "prune"]]
)
def test_help_names_what_each_option_takes(command: list[str]) -> None:
    # Click's type names said nothing a user could act on: '--older-than <float range>'.
    result = _invoke([*command, "--help"])
    assert result.exit_code == 0
    for vague in ("<str>", "<int range>", "<float range>", "<integer>", "<float>"):
        assert vague not in result.stdout
    if command == ["cache", "prune"]:
        assert "--older-than <days>" in result.stdout and "--max-size <size>" in result.stdout


def test_run_help_names_the_json_lines_fields() -> None:
    # run --help said a .jsonl file is read, not what its lines may hold.
    result = _invoke(["run", "--help"])
    assert result.exit_code == 0
    said = " ".join(result.stdout.split())  # as wrapped to any width
    # "language" too: a line that has only it is read by it, as the README's table says.
    fields = "id, title, url, date, lang (or language), format"
    assert 'one {"text": ...} object a line, with optional ' + fields in said
    # The same fields as the README's JSON Lines table.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("- **JSON Lines**", 1)[1].split("is as if absent", 1)[0]
    assert "| `lang` (or `language`) |" in table
    fields = re.findall(r"^  \| `(\w+)`(?:, `(\w+)`)?", table, flags=re.M)
    assert {f for pair in fields for f in pair if f} == {
        "text",
        "id",
        "title",
        "url",
        "date",
        "lang",
        "format",
    }


def test_run_help_gives_every_exit_code_of_the_readme(tmp_path: Path) -> None:
    # It said "1 some failed": an output that cannot be written exits 1 too (the README's table).
    said = " ".join(_invoke(["run", "--help"]).stdout.split())
    readme = (REPO / "README.md").read_text(encoding="utf-8").split("## Exit codes", 1)[1]
    codes = re.findall(r"^\| (\d+) \|", readme.split("\n\n", 2)[1], flags=re.M)
    assert codes == ["0", "1", "2", "130", "143"]
    assert all(f" {code} " in said for code in codes)
    assert "1 some failed or the output could not be written, 2 bad usage" in said
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    out = tmp_path / "afile" / "out"  # a folder that cannot be made
    wrote = _invoke(["run", "-", "--only", "translation", "--no-cache", "-o", str(out)], stdin="Bonjour.")
    assert wrote.exit_code == 1 and f"cannot write to the output folder {out}" in wrote.stderr


def test_prune_help_gives_the_size_units_as_they_are_read() -> None:
    # It said "e.g. 500MB, 2G": whether a G is 1000 or 1024 MB, and what a bare number is, was
    # left to guess.
    from summarize.cache import parse_size

    result = _invoke(["cache", "prune", "--help"])
    said = " ".join(result.stdout.split())
    assert "bytes, or with a unit, K/KB, M/MB, G/GB, T/TB (powers of 1000) or KiB, MiB, GiB, TiB" in said
    assert "(powers of 1024), e.g. 500MB, 2G" in said
    assert [parse_size(size) for size in ("1000", "1K", "1KB", "2G", "1KiB", "1GiB")] == [
        1000,
        1000,
        1000,
        2 * 1000**3,
        1024,
        1024**3,
    ]


def test_help_imports_neither_torch_nor_transformers() -> None:
    code = (
        "import sys; from summarize.cli import app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(app, ['run', '--help']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_an_article_that_lacks_two_models_names_both(tmp_path: Path) -> None:
    # Pulling the first one named must not be taken for the whole fix.
    args = ["run", "-", "--models-dir", str(tmp_path), "--offline", "--no-cache", "-f", "jsonl"]
    result = _invoke(args, stdin="Le maire a inauguré samedi la nouvelle médiathèque de la ville.")
    assert result.exit_code == 1
    error = json.loads(result.stdout)["error"]
    assert error["message"].startswith("no English translation: model Helsinki-NLP/opus-mt-fr-en")
    assert "; no French summary: model moussaKam/barthez-orangesum-abstract" in error["message"]
    for model in ("Helsinki-NLP/opus-mt-fr-en", "moussaKam/barthez-orangesum-abstract"):
        assert f"summarize models pull {model}" in error["hint"]
    (line,) = result.stderr.splitlines()
    assert "opus-mt-fr-en" in line and "barthez-orangesum-abstract" in line


def test_models_list_shows_the_conversions_and_says_none(tiny: dict[str, Path], tmp_path: Path) -> None:
    empty = _invoke(["models", "list", "--models-dir", str(tmp_path)])
    assert empty.stdout.splitlines()[0] == f"# stored in {tmp_path}: none"
    assert "# converted" not in empty.stdout
    pulled = _invoke(["models", "pull", str(tiny["marian"]), "--models-dir", str(tmp_path)])
    assert pulled.exit_code == 0, pulled.stderr
    listed = _invoke(["models", "list", "--models-dir", str(tmp_path)]).stdout.splitlines()
    start = listed.index("# converted for CTranslate2 (folder, size)")
    name, size, folder = listed[start + 1].split("\t")
    assert Path(folder) == tmp_path / "ctranslate2" / name and (Path(folder) / "model.bin").is_file()
    assert size.endswith("KB") and listed[start + 2].startswith("# total on disk: ")
    assert listed[start + 3].startswith("# routing")


def test_models_list(tiny: dict[str, Path], tmp_path: Path) -> None:
    result = _invoke(["models", "list", "--models-dir", str(tmp_path)])
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines() if not line.startswith("#")]
    assert ["fr", "translation", "Helsinki-NLP/opus-mt-fr-en", "missing"] in rows
    assert "summarize models pull Helsinki-NLP/opus-mt-fr-en" in result.stderr


DETECTED = "; leave --source-lang out to have each article's language detected"


@pytest.mark.parametrize(
    ("args", "end"),
    [(["models", "list", "--lang", "es,fe"], ""), (["run", "-", "--source-lang", "fe"], DETECTED)],
)
def test_a_mistyped_language_is_refused_before_any_output(args: list[str], end: str, tmp_path: Path) -> None:
    result = _invoke([*args, "--models-dir", str(tmp_path)], stdin="Bonjour.")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "summarize: error: 'fe' is not an ISO 639-1 language code; use codes such as fr, en, de, es, it, pt"
        + end
    )


@pytest.mark.parametrize("value", ["auto", "detect"])
def test_source_lang_auto_says_how_to_have_the_language_detected(value: str, tmp_path: Path) -> None:
    # `--source-lang auto` was "not a language code; use ISO 639-1 codes such as fr, en, de", and
    # no word of what auto asks for: detection, which is what leaving the option out does.
    result = _invoke(["run", "-", "--source-lang", value, "--models-dir", str(tmp_path)], stdin="Bonjour.")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        f"summarize: error: {value!r} is not a language code; use ISO 639-1 codes such as fr, en, de"
        + DETECTED
    )


FOREIGN_ISA = "NEON" if platform.machine().lower() in ("x86_64", "amd64") else "AVX512"


@pytest.mark.parametrize("value", ["avx2", "SSE2", FOREIGN_ISA])
def test_an_instruction_set_ctranslate2_cannot_use_is_refused_before_any_output(
    value: str, models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CTranslate2 itself says so only at its first output, after the records before it.
    monkeypatch.setenv("CT2_FORCE_CPU_ISA", value)
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("", encoding="utf-8")  # a skipped record, were it to run
    (tmp_path / "news" / "b.txt").write_text("Il pleut sur la ville depuis ce matin.", encoding="utf-8")
    args = ["run", str(tmp_path / "news"), "--source-lang", "fr", "--models-dir", str(tmp_path)]
    result = _invoke(args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        f"summarize: error: CT2_FORCE_CPU_ISA={value} is not an instruction set CTranslate2 can use on "
        f"this CPU; expected one of: {', '.join(isa_choices())}; or unset it"
    )


def test_models_list_says_a_missing_folder_is_not_found_not_to_pull(tmp_path: Path) -> None:
    nowhere = tmp_path / "no-such-model"
    result = _invoke(["models", "list", "--models-dir", str(tmp_path), "--summary-model", str(nowhere)])
    rows = [line.split("\t") for line in result.stdout.splitlines() if not line.startswith("#")]
    assert ["fr", "summary", str(nowhere), "no such folder"] in rows
    assert f"1 model folder not found: {nowhere}; check the paths given" in result.stderr
    assert "models pull Helsinki-NLP/opus-mt-fr-en\n" in result.stderr  # hub ids: still pull
    assert str(nowhere) not in result.stderr.split("models pull")[1].splitlines()[0]


def test_models_list_follows_the_model_options(models: dict[str, Path], tmp_path: Path) -> None:
    # SUMMARIZE_SUMMARY_MODEL / SUMMARIZE_TRANSLATION_MODEL (set by the fixture), as `run` reads them.
    result = _invoke(["models", "list", "--models-dir", str(tmp_path)])
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines() if not line.startswith("#")]
    assert ["fr", "translation", str(models["marian"]), "local folder"] in rows
    assert ["fr", "summary", str(models["t5"]), "local folder"] in rows
    assert result.stderr == ""


def test_models_pull_keeps_what_is_stored_and_goes_on_after_a_failure(
    tiny: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    mdir = tmp_path / "models"
    commit = "c" * 40
    repo = mdir / "models--tiny--marian"
    shutil.copytree(tiny["marian"], repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit, encoding="utf-8")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    args = ["models", "pull", "tiny/none", "tiny/marian", str(tmp_path / "no-folder"), "--no-convert"]
    result = _invoke([*args, "--models-dir", str(mdir)])
    assert result.exit_code == 1
    assert result.stdout == f"tiny/marian\t{repo / 'snapshots' / commit}\talready stored\n"
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and "tiny/none" in errors[0] and "no-folder does not exist" in errors[1]


def test_cache_commands_say_when_there_is_no_usable_cache(tmp_path: Path) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("x", encoding="utf-8")
    for command in (["stats"], ["clear"], ["prune", "--older-than", "1"]):
        result = _invoke(["cache", *command, "--cache-dir", str(a_file)])
        assert result.exit_code == 1 and result.stdout == ""
        (line,) = result.stderr.strip().splitlines()
        # This command's error, not run's warning ("results of this run are not cached").
        assert line.startswith(f"summarize: error: cannot use the cache {a_file}")
        assert line.endswith("; pass another --cache-dir") and "this run" not in line


def test_models_list_names_a_language_once(tmp_path: Path) -> None:
    once = _invoke(["models", "list", "--lang", "fr", "--models-dir", str(tmp_path)])
    again = _invoke(["models", "list", "--lang", "fr,FR,fra", "--models-dir", str(tmp_path)])
    assert again.exit_code == 0 and again.stdout == once.stdout


def test_a_models_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    a_file = tmp_path / "afile"
    a_file.write_text("x", encoding="utf-8")
    for command in (["models", "list"], ["models", "pull", "x/y"], ["run", "-"]):
        result = _invoke([*command, "--models-dir", str(a_file)], stdin="Bonjour.")
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.strip().splitlines() == [
            f"summarize: error: the models dir {a_file} is a file, not a folder; pass another --models-dir"
        ]


def test_cache_commands_after_two_runs(models: dict[str, Path], tmp_path: Path) -> None:
    cache = ["--cache-dir", str(tmp_path / "cache")]
    run = ["run", str(REPO / "seeds"), "--format", "jsonl", "--max-chunk-tokens", "128", *cache]
    first = _invoke(run)
    assert first.exit_code == 0, first.stderr
    stats = dict(line.split("\t") for line in _invoke(["cache", "stats", *cache]).stdout.splitlines())
    chunks = json.loads(first.stdout)["chunks"]
    assert stats["last run"].endswith(" misses") and stats["last run"].startswith("0 hits")
    # A local model is counted under its content fingerprint (its cache does not follow its path).
    commit = json.loads(first.stdout)["models"]["translation"]["commit"]
    assert int(stats[f"entries translation {commit}"]) == chunks["translation"]
    assert int(stats["entries article"]) == 1 and int(stats["entries language"]) == 1
    assert int(stats["entries"]) == sum(int(v) for k, v in stats.items() if k.startswith("entries "))
    second = _invoke(run)
    assert json.loads(second.stdout)["cached"] == {"summary": True, "translation": True}
    again = dict(line.split("\t") for line in _invoke(["cache", "stats", *cache]).stdout.splitlines())
    assert again["last run"].endswith(" 0 misses") and not again["last run"].startswith("0 hits")
    cleared = _invoke(["cache", "clear", *cache])
    assert cleared.exit_code == 0 and cleared.stdout.strip() == f"removed {stats['entries']} entries"
    assert (
        dict(line.split("\t") for line in _invoke(["cache", "stats", *cache]).stdout.splitlines())["entries"]
        == "0"
    )


def test_verbose_counts_and_cache_state(models: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["run", "-", "--only", "translation", "-v", "-o", str(out)]
    result = _invoke([*args, "--no-cache"], stdin="Le ciel est bleu.")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "summarize: 1 article, 0 failed; cache: off" in lines
    assert f"summarize: wrote 1 file to {out}" in lines  # said with --verbose too
    assert any(line.startswith("summarize: signature translation ") for line in lines)
    result = _invoke(args, stdin="Le ciel est bleu.")
    assert "summarize: 1 article, 0 failed; cache: 0 hits, 1 misses" in result.stderr.splitlines()


def test_the_verbose_signature_is_the_same_when_served_from_the_cache(
    models: dict[str, Path], tmp_path: Path
) -> None:
    # The signature lines came in the order the run made its runners: translation first when
    # computed, summary first when the article came from the cache, so two runs of one setup
    # could not be compared with diff.
    args = ["run", "-", "-v", "--cache-dir", str(tmp_path / "c")]
    computed = _invoke(args, stdin="Le ciel est bleu. La mer est calme.")
    cached = _invoke(args, stdin="Le ciel est bleu. La mer est calme.")
    assert computed.exit_code == cached.exit_code == 0, computed.stderr

    def signatures(result: object) -> list[str]:
        return [line for line in result.stderr.splitlines() if line.startswith("summarize: signature ")]

    assert len(signatures(computed)) == 2 and signatures(computed) == sorted(signatures(computed))
    assert signatures(cached) == signatures(computed)
    assert "cache: 0 misses" not in computed.stderr and "hits, 0 misses" in cached.stderr
    assert "signature" not in computed.stdout


def test_a_chunk_budget_over_the_models_limit_is_said_once_per_model(
    models: dict[str, Path], tmp_path: Path
) -> None:
    for name in "ab":
        (tmp_path / f"{name}.txt").write_text("Le ciel est bleu. La mer est calme.\n", encoding="utf-8")
    result = _invoke(["run", str(tmp_path), "--format", "jsonl", "--max-chunk-tokens", "100000"])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    said = [line for line in result.stderr.splitlines() if "--max-chunk-tokens 100000" in line]
    # One line for each model (summary and translation), not one per article.
    assert len(said) == 2, result.stderr
    assert all(line.startswith("summarize: warning: ") and "input limit" in line for line in said)
    quiet = _invoke(["run", str(tmp_path), "--format", "jsonl", "--max-chunk-tokens", "64"])
    assert quiet.exit_code == 0 and "--max-chunk-tokens" not in quiet.stderr


def test_show_clean_lists_removed_lines_as_run_records_do(tmp_path: Path, models: dict[str, Path]) -> None:
    (tmp_path / "a.txt").write_text(
        "Grève à la SNCF\n\nLe trafic est perturbé mardi. Les syndicats appellent à la grève.\n"
        "\nPartager sur Facebook\n",
        encoding="utf-8",
    )
    args = ["run", str(tmp_path), "-f", "jsonl"]
    (shown,) = map(json.loads, _invoke([*args, "--show-clean"]).stdout.splitlines())
    (ran,) = map(json.loads, _invoke(args).stdout.splitlines())
    assert shown["removed"] and shown["removed"] == ran["removed"]
    assert set(shown["removed"][0]) == {"line", "kind", "text"}


def test_cache_commands_on_a_folder_that_does_not_exist_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A typo in --cache-dir must not read as an empty cache, nor create anything.
    typo = tmp_path / "typo"
    for command in (["stats"], ["clear"], ["prune", "--older-than", "1"]):
        result = _invoke(["cache", *command, "--cache-dir", str(typo)])
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == f"summarize: error: no cache at {typo}: no such folder; check --cache-dir\n"
    assert not typo.exists()
    # Set by a variable, the variable is what to check: the command line names no --cache-dir.
    for variable in ("SUMMARIZE_CACHE_DIR", "SUMMARIZE_MODELS_DIR"):
        monkeypatch.setenv(variable, str(typo))
        if variable == "SUMMARIZE_MODELS_DIR":
            monkeypatch.delenv("SUMMARIZE_CACHE_DIR")
        result = _invoke(["cache", "stats"])
        assert result.stderr == f"summarize: error: no cache at {typo}: no such folder; check {variable}\n"
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path))
    # The default place may be missing: nothing has run yet.
    monkeypatch.delenv("SUMMARIZE_CACHE_DIR")
    monkeypatch.delenv("SUMMARIZE_MODELS_DIR")
    fresh = _invoke(["cache", "stats"])
    assert fresh.exit_code == 0 and "entries\t0" in fresh.stdout


def test_cache_stats_leaves_a_damaged_file_where_it_is(tmp_path: Path) -> None:
    (tmp_path / "outputs.sqlite3").write_text("not a database", encoding="utf-8")
    result = _invoke(["cache", "stats", "--cache-dir", str(tmp_path)])
    assert result.exit_code == 1 and result.stdout == ""
    assert "cannot use the cache" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs.sqlite3"]


def test_models_list_check_fails_on_what_a_run_would_refuse(tmp_path: Path, tiny: dict[str, Path]) -> None:
    empty = tmp_path / "notamodel"
    empty.mkdir()
    args = ["models", "list", "--translation-model", str(tiny["marian"])]
    bad = _invoke([*args, "--summary-model", str(empty), "--check"])
    assert bad.exit_code == 1
    assert f"fr\tsummary\t{empty}\tnot a model folder" in bad.stdout.splitlines()
    assert f"cannot load {empty} (not a model folder)" in bad.stderr
    # A folder with config.json but no weights file cannot be loaded either.
    (empty / "config.json").write_text("{}", encoding="utf-8")
    bare = _invoke([*args, "--summary-model", str(empty), "--check"])
    assert bare.exit_code == 1 and f"fr\tsummary\t{empty}\tno weights" in bare.stdout.splitlines()
    # Nor with weights but no tokenizer, nor with a config.json that is not JSON.
    shutil.copyfile(tiny["marian"] / "model.safetensors", empty / "model.safetensors")
    assert f"fr\tsummary\t{empty}\tno tokenizer" in _invoke([*args, "--summary-model", str(empty)]).stdout
    (empty / "config.json").write_text("{oops", encoding="utf-8")
    broken = _invoke([*args, "--summary-model", str(empty), "--check"])
    assert broken.exit_code == 1 and f"fr\tsummary\t{empty}\tunreadable config.json" in broken.stdout
    # Without --check the listing is the answer: exit 0, as before.
    assert _invoke([*args, "--summary-model", str(empty)]).exit_code == 0
    good = _invoke([*args, "--summary-model", str(tiny["t5"]), "--check"])
    assert good.exit_code == 0 and good.stderr == ""


def test_an_empty_input_name_is_bad_usage() -> None:
    # `summarize run "$FILE"` with FILE unset would read the whole current folder.
    result = _invoke(["run", "", "--show-clean"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("summarize: error: an input is an empty name;")


def test_an_empty_output_dir_name_is_bad_usage(tmp_path: Path) -> None:
    # `summarize run news -o "$OUT"` with OUT unset wrote every result into the current folder.
    (tmp_path / "a.txt").write_text("Le conseil municipal a voté le budget.\n", encoding="utf-8")
    result = _invoke(["run", "a.txt", "-o", "", "--only", "translation", "--source-lang", "fr"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        "summarize: error: --output-dir is an empty name; check the variable that gives it, "
        "or pass -o . for the current folder"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_results_named_again_as_inputs_in_the_output_folder_are_skipped(
    models: dict[str, Path], tmp_path: Path
) -> None:
    # `summarize run g/*.txt -o g/`, run three times: the shell's glob names the results too.
    folder = tmp_path / "g"
    folder.mkdir()
    (folder / "a.txt").write_text("Le conseil municipal a voté le budget.\n", encoding="utf-8")
    for _ in range(3):
        named = sorted(str(p) for p in folder.glob("*.txt"))
        result = _invoke(["run", *named, "-o", str(folder)])
        assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["a-2.txt", "a.txt"]
    assert f"skipped {folder / 'a-2.txt'}: a result of summarize in the output folder" in result.stderr


@pytest.mark.parametrize("pattern", [False, True])
def test_a_folder_read_skips_the_file_stdout_writes_to(tmp_path: Path, pattern: bool) -> None:
    # `summarize run news/ -f jsonl > news/all.jsonl`: the shell makes all.jsonl before the run.
    # So with a quoted pattern, `summarize run 'news/*' ...`, which the shell would have expanded
    # before it made the file.
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Il pleut.\n", encoding="utf-8")
    with (news / "all.jsonl").open("w", encoding="utf-8") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "summarize", "run", f"{news}/*" if pattern else str(news), "--show-clean"]
            + ["-f", "jsonl"],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            cwd=REPO,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in (news / "all.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["a"]


def test_a_quoted_pattern_with_an_output_folder_skips_the_folder_and_its_results(tmp_path: Path) -> None:
    # `summarize run 'news/*' -o news/out`: the pattern matches the output folder, which is not
    # refused as an input folder; on a re-run, the results a pattern matches are not read.
    copy_model = REPO / "tests" / "fixtures" / "copy_model"
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.md").write_text("Le conseil municipal a voté le budget.\n", encoding="utf-8")
    options = ["-o", "news/out", "--only", "translation", "--source-lang", "fr", "-f", "json"]
    options += ["--translation-model", str(copy_model)]
    first = _invoke(["run", "news/*", *options])
    assert first.exit_code == 0, first.stderr
    assert sorted(p.name for p in (tmp_path / "news" / "out").iterdir()) == ["a.json"]
    second = _invoke(["run", "news/*", "news/out/*", *options])
    assert second.exit_code == 0, second.stderr
    assert sorted(p.name for p in (tmp_path / "news" / "out").iterdir()) == ["a.json"]
    assert second.stderr.splitlines() == [
        "summarize: warning: news/out/*: skipped 1 result of summarize (news/out/a.json); "
        "results are not read as articles",
        "summarize: wrote 1 file to news/out",
    ]


def test_a_folder_run_does_not_warn_of_its_output_folder_inside_it(tmp_path: Path) -> None:
    # `summarize run news -o news/` is refused with "pick another folder, such as news/results";
    # each run that took the advice then warned of results/ as a skipped subfolder, telling how
    # to read it. Another subfolder is still named.
    copy_model = REPO / "tests" / "fixtures" / "copy_model"
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Le conseil municipal a voté le budget.\n", encoding="utf-8")
    options = ["--only", "translation", "--source-lang", "fr", "--translation-model", str(copy_model)]
    for _ in range(2):
        result = _invoke(["run", str(news), "-o", str(news / "results"), *options])
        assert result.exit_code == 0, result.stderr
        assert result.stderr.splitlines() == [f"summarize: wrote 1 file to {news / 'results'}"]
    (news / "2024").mkdir()
    result = _invoke(["run", str(news), "-o", str(news / "results"), *options])
    assert result.exit_code == 0, result.stderr
    assert f"{news}: skipped 1 subfolder (2024);" in result.stderr


def test_duplicate_ids_each_get_a_file_and_stderr_says_where(tmp_path: Path) -> None:
    copy_model = REPO / "tests" / "fixtures" / "copy_model"
    feed = jsonl(
        {"id": ident, "text": f"Le conseil municipal a voté le budget {n}."}
        for n, ident in enumerate(["dup", "dup", "dup-2"])
    )
    args = ["run", "-", "-o", "out", "--only", "translation", "--source-lang", "fr", "-f", "json"]
    result = _invoke([*args, "--translation-model", str(copy_model)], stdin=feed)
    assert result.exit_code == 0, result.stderr
    ids = {p.name: json.loads(p.read_text(encoding="utf-8"))["id"] for p in (tmp_path / "out").iterdir()}
    assert ids == {"dup.json": "dup", "dup-2.json": "dup-2", "dup-3.json": "dup"}
    assert result.stderr.splitlines() == [
        "summarize: warning: out/dup.json is taken by an earlier article of this run: "
        "this result is written to out/dup-2.json",
        "summarize: warning: the result of the article 'dup' is moved from out/dup-2.json to out/dup-3.json, "
        "so that the article 'dup-2' keeps its own name",
        "summarize: wrote 3 files to out",
    ]


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        (["--no-cache", "--refresh"], ("--no-cache", "--refresh")),
        (["--refresh", "--no-cache"], ("--no-cache", "--refresh")),
        (["--no-cache", "--cache-dir", "elsewhere"], ("--no-cache", "--cache-dir")),
        (["--show-clean", "--refresh"], ("--show-clean", "--refresh")),
    ],
)
def test_contradictory_options_are_a_usage_error(
    tmp_path: Path, extra: list[str], names: tuple[str, str]
) -> None:
    """They were accepted without a word: --no-cache quietly beat --refresh and --cache-dir."""
    result = _invoke(
        ["run", "-", "--offline", "--models-dir", str(tmp_path / "m"), *extra], stdin="Le ciel est bleu."
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("summarize: error: ")
    assert all(name in lines[0] for name in names)
    assert not (tmp_path / "elsewhere").exists() and not (tmp_path / "m").exists()


def test_no_cache_beats_a_cache_dir_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SUMMARIZE_CACHE_DIR is a default set long ago: --no-cache on the command line wins, silently."""
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path / "env-cache"))
    args = ["run", "-", "--no-cache", "--translation-model", str(COPY_MODEL), "--only", "translation"]
    result = _invoke([*args, "--source-lang", "fr", "-f", "jsonl"], stdin="Le ciel est bleu.")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["translation_en"] == "Le ciel est bleu."
    assert result.stderr == ""
    assert not (tmp_path / "env-cache").exists()


@pytest.mark.parametrize(
    ("only", "extra", "said"),
    [
        (
            "translation",
            ["--summary-model", "T5", "--max-summary-tokens", "5", "--max-translation-tokens", "40"],
            ["--summary-model", "--max-summary-tokens"],
        ),
        # A summary of another language runs translations into French: those options serve it.
        (
            "summary",
            ["--translation-model", "MARIAN", "--max-translation-tokens", "40", "--beams", "2"],
            ["--translation-model"],
        ),
        # The variables (set by the fixture) and the config file serve every run: never a word.
        ("translation", ["--config", "CONFIG"], []),
        ("summary", ["--config", "CONFIG"], []),
    ],
)
def test_an_option_that_only_leaves_without_effect_is_said_once(
    models: dict[str, Path], tmp_path: Path, only: str, extra: list[str], said: list[str]
) -> None:
    """`--only translation --max-summary-tokens 5` was accepted without a word."""
    config = tmp_path / "config.toml"
    config.write_text(f'[models]\nsummary = "{models["t5"]}"\ntranslation = "{models["marian"]}"\n')
    values = {"T5": str(models["t5"]), "MARIAN": str(models["marian"]), "CONFIG": str(config)}
    args = ["run", "-", "--only", only, "--source-lang", "fr", "-f", "jsonl", "--no-cache"]
    args += ["--backend", "transformers", "--dtype", "float32", *(values.get(a, a) for a in extra)]
    result = _invoke(args, stdin="Le conseil municipal a voté le budget mardi soir.")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"summarize: warning: {option} has no effect with --only {only}" for option in said
    ]
    record = json.loads(result.stdout)  # the run goes on: its record, alone on stdout
    assert record["status"] == "ok"
    assert (record["summary_fr"] is None) == (only == "translation")
    assert (record["translation_en"] is None) == (only == "summary")


@pytest.mark.parametrize("where", ["default", "--cache-dir", "--models-dir", "SUMMARIZE_CACHE_DIR"])
@pytest.mark.parametrize("damage", ["not sqlite", "foreign sqlite"])
def test_cache_stats_on_a_damaged_file_names_the_command_that_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, damage: str
) -> None:
    """Its hint was "pass another --cache-dir": `cache clear` moves the file aside instead."""
    import shlex

    folder = tmp_path / ("models_cache" if where == "default" else "my cache")
    folder.mkdir()
    db = folder / "outputs.sqlite3"
    if damage == "not sqlite":
        db.write_bytes(b"garbage" * 300)
    else:
        import sqlite3

        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute("CREATE TABLE users (name TEXT)")
            conn.commit()
    options = {"--cache-dir": ["--cache-dir", str(folder)], "--models-dir": ["--models-dir", str(folder)]}
    monkeypatch.delenv("SUMMARIZE_MODELS_DIR")
    monkeypatch.delenv("SUMMARIZE_CACHE_DIR")
    if where == "SUMMARIZE_CACHE_DIR":
        monkeypatch.setenv(where, str(folder))
    result = _invoke(["cache", "stats", *options.get(where, [])])
    assert result.exit_code == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    shown = Path("models_cache", db.name) if where == "default" else db  # as the user named it
    assert line.startswith("summarize: error: ") and str(shown) in line
    fix = line.split("; run `")[1].removesuffix("` to move it aside and start a new cache")
    named = "" if where == "default" else f" --cache-dir {shlex.quote(str(folder))}"  # 'my cache'
    assert fix == "summarize cache clear" + named
    assert [p.name for p in folder.iterdir()] == ["outputs.sqlite3"]  # looking changed nothing
    monkeypatch.delenv("SUMMARIZE_CACHE_DIR", raising=False)  # the command alone must do it
    cleared = _invoke(shlex.split(fix)[1:])
    assert cleared.exit_code == 0 and cleared.stdout == "removed 0 entries\n", cleared.stderr
    again = _invoke(["cache", "stats", "--cache-dir", str(folder)])
    assert again.exit_code == 0 and "entries\t0" in again.stdout, again.stderr


@pytest.mark.parametrize("command", [["clear"], ["prune", "--older-than", "0"], ["prune", "--max-size", "0"]])
def test_cache_clear_on_a_read_only_cache_says_the_libraries_error_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    import sqlite3

    from summarize.cache import Cache
    from summarize.errors import CacheError

    db = tmp_path / "outputs.sqlite3"
    with Cache.open(db) as cache:
        cache.put_many([("k", '{"k": 1}', "v")])
    message = "attempt to write a readonly database"

    class ReadOnly(sqlite3.Connection):
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
            if sql.lstrip().upper().startswith(("BEGIN IMMEDIATE", "DELETE")):
                raise sqlite3.OperationalError(message)
            return super().execute(sql, *args)

    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: real_connect(*a, **k, factory=ReadOnly))
    with Cache.open(db) as cache, pytest.raises(CacheError) as raised:
        cache.clear()
    result = _invoke(["cache", *command, "--cache-dir", str(tmp_path)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"summarize: error: {raised.value.message}; {raised.value.hint}\n"
    assert raised.value.message == f"cannot change the cache {db} ({message})"


def test_a_json_lines_date_is_the_records_and_one_that_is_no_date_is_a_warning(
    models: dict[str, Path], tmp_path: Path
) -> None:
    # A feed's "date" was dropped: the record had the text's date, or null.
    text = "Publié le 17/06/2024 à 16h01\n\nLe conseil municipal a voté le budget de la ville mardi soir."
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"id": "iso", "date": "2026-01-01T10:00:00+02:00", "text": text},
        {"id": "bad", "date": "hier soir", "text": text},
        {"id": "number", "date": 20260101, "text": "Le conseil municipal a voté le budget de la ville."},
    ]
    feed.write_text(jsonl(lines), encoding="utf-8")
    result = _invoke(["run", str(feed), "-f", "jsonl", "--only", "translation"])
    assert result.exit_code == 0, result.stderr
    records = records_by_id(result.stdout)
    assert {k: r["date"] for k, r in records.items()} == {
        "iso": "2026-01-01T10:00+02:00",
        "bad": "2024-06-17T16:01",
        "number": None,
    }
    dated = {k: [w for w in r["warnings"] if w["kind"] == "date_unreadable"] for k, r in records.items()}
    assert dated["iso"] == [] and all(r["status"] == "ok" for r in records.values())
    assert dated["bad"][0]["message"] == (
        "the input's date 'hier soir' is not a date (the text's date, 2024-06-17T16:01, is kept); "
        "write it as ISO 8601, such as 2024-06-17 or 2024-06-17T16:01+02:00"
    )
    assert dated["number"][0]["message"].startswith(
        "the input's date '20260101' is not a date (the record has no date)"
    )
    # In a text result, it is one of the record's warning lines.
    text_result = _invoke(["run", str(feed), "--only", "translation"])
    assert "warning: the input's date 'hier soir' is not a date" in text_result.stdout


def test_show_clean_shows_a_json_lines_title_as_a_run_records_it(
    tmp_path: Path, models: dict[str, Path]
) -> None:
    # --show-clean showed the text's own title where the run's record has the line's.
    text = "Le titre du texte\n\nLe conseil municipal a voté le budget de la ville mardi soir."
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"id": "given", "title": "Le titre du flux", "text": text},
        {"id": "blank", "title": " ", "text": text},  # as if absent: the text's
        {"id": "none", "text": text},
        {"id": "newline", "title": "Deux\nlignes", "text": text},
    ]
    feed.write_text(jsonl(lines), encoding="utf-8")
    ran = _invoke(["run", str(feed), "-f", "jsonl", "--only", "translation"])
    assert ran.exit_code == 0, ran.stderr
    titles = records_by_id(ran.stdout, "title")
    assert titles == {
        "given": "Le titre du flux",
        "blank": "Le titre du texte",
        "none": "Le titre du texte",
        "newline": "Deux\nlignes",
    }
    shown = _invoke(["run", str(feed), "--show-clean", "-f", "jsonl"])
    assert shown.exit_code == 0, shown.stderr
    assert records_by_id(shown.stdout, "title") == titles

    # The text layout's header line is the run's: "== ID — TITLE", on one line.
    def heads(args: list[str]) -> list[str]:
        out = _invoke(["run", str(feed), *args]).stdout
        return [line for line in out.splitlines() if line.startswith("==")]

    assert heads(["--show-clean"]) == [
        "== given — Le titre du flux",
        "== blank — Le titre du texte",
        "== none — Le titre du texte",
        "== newline — Deux\\nlignes",
    ]
    assert heads(["--only", "translation"]) == heads(["--show-clean"])


def test_a_markdown_front_matter_gives_the_record_its_title_and_date(tmp_path: Path) -> None:
    # A Jekyll post's front matter was thrown away: the record's title was its heading's, its
    # date null. A JSON line's own title and date still win over the front matter's.
    body = "Le conseil municipal a voté le budget de la ville mardi soir."
    post = (
        "---\nlayout: post\ntitle: 'Budget : le vote'\ndate: 2024-06-17 16:01:00 +0200\n---\n\n# Budget\n\n"
    )
    (tmp_path / "post.md").write_text(post + body, encoding="utf-8")
    feed = tmp_path / "feed.jsonl"
    lines = [
        {
            "id": "line",
            "format": "markdown",
            "title": "Le titre du flux",
            "date": "2025-12-31",
            "text": post + body,
        },
        {"id": "bare", "format": "markdown", "text": post + body},
    ]
    feed.write_text(jsonl(lines), encoding="utf-8")
    inputs = [str(tmp_path / "post.md"), str(feed)]
    options = ["--only", "translation", "--source-lang", "fr", "--translation-model", str(COPY_MODEL)]
    ran = _invoke(["run", *inputs, "-f", "jsonl", *options])
    assert ran.exit_code == 0, ran.stderr
    records = records_by_id(ran.stdout)
    expected = {
        "post": ("Budget : le vote", "2024-06-17T16:01+02:00", body),
        "line": ("Le titre du flux", "2025-12-31", body),
        "bare": ("Budget : le vote", "2024-06-17T16:01+02:00", body),
    }
    assert {k: (r["title"], r["date"], r["translation_en"]) for k, r in records.items()} == expected
    shown = records_by_id(_invoke(["run", *inputs, "--show-clean", "-f", "jsonl"]).stdout)
    assert {k: (r["title"], r["date"], r["body"]) for k, r in shown.items()} == expected


def test_show_clean_shows_the_url_a_run_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # --show-clean's records had no "url" where the run's record has the line's or the page's.
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path / "cache"))
    text = "Le conseil municipal a voté le budget de la ville mardi soir, après un long débat."
    page = (
        '<html><head><title>Budget</title><link rel="canonical" href="https://example.org/budget">'
        f"</head><body><article><p>{text}</p><p>{text}</p></article></body></html>"
    )
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"id": "given", "url": "https://example.org/a", "text": text},
        {"id": "blank", "url": " ", "text": text},  # as if absent
        {"id": "none", "text": text},
        {"id": "page", "text": page},  # the page's canonical link
        {"id": "both", "url": "https://example.org/b", "text": page},  # the line's wins
    ]
    feed.write_text(jsonl(lines), encoding="utf-8")
    model = ["--translation-model", str(COPY_MODEL), "--only", "translation"]
    ran = _invoke(["run", str(feed), "-f", "jsonl", *model])
    assert ran.exit_code == 0, ran.stderr
    urls = records_by_id(ran.stdout, "url")
    assert urls == {
        "given": "https://example.org/a",
        "blank": None,
        "none": None,
        "page": "https://example.org/budget",
        "both": "https://example.org/b",
    }
    shown = _invoke(["run", str(feed), "--show-clean", "-f", "jsonl"])
    assert shown.exit_code == 0, shown.stderr
    assert records_by_id(shown.stdout, "url") == urls


@pytest.mark.parametrize("given", [None, "0"])
@pytest.mark.parametrize(
    "command", [["run", "--show-clean"], ["models", "pull", "--offline", "--no-convert"]]
)
def test_the_hub_clients_download_bars_stay_off_a_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str], given: str | None
) -> None:
    # CliRunner's stderr is no terminal: as under `models pull 2>log` or cron.
    if given is None:
        monkeypatch.delenv("HF_HUB_DISABLE_PROGRESS_BARS", raising=False)
    else:
        monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", given)
    article = tmp_path / "a.txt"
    article.write_text("Le conseil municipal a voté le budget mardi soir.\n", encoding="utf-8")
    target = [str(article)] if command[0] == "run" else [str(tmp_path / "no-model")]
    _invoke([*command, *target, "--models-dir", str(tmp_path / "m")])
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == (given or "1")  # the user's own is kept


def test_the_hub_client_reads_the_setting_when_it_is_first_imported() -> None:
    # What the test above relies on: the client is not imported by then, and honours the value.
    code = (
        "import sys; from summarize.cli import _no_download_bars_off_a_terminal as quiet; "
        "assert 'huggingface_hub' not in sys.modules; quiet(); "
        "from huggingface_hub.utils import are_progress_bars_disabled; print(are_progress_bars_disabled())"
    )
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "True"
