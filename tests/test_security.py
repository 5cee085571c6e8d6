"""Security: model files are never run as code, and output names never leave ``--output-dir``.

The model tests go through the CLI with copies of the tiny Marian model whose weights are
swapped for pickles (plain or booby-trapped), cut short, or paired with "remote code"; a
booby trap writes a marker file, which must never appear.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fault_tools import fast_args
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from summarize.cli import app
from summarize.output import DirectoryWriter, safe_name


def _invoke(args: list[str]) -> Any:
    return CliRunner().invoke(app, args)


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text("Le conseil municipal a voté le budget mardi soir.", encoding="utf-8")
    return path


@pytest.fixture
def model_copy(tiny: dict[str, Path], tmp_path: Path) -> Callable[[str], Path]:
    def copy(name: str) -> Path:
        return Path(shutil.copytree(tiny["marian"], tmp_path / "models" / name))

    return copy


def _state_dict(folder: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    return load_file(folder / "model.safetensors")


class _Trap:
    """Unpickling this runs a shell command: what a malicious pytorch_model.bin does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def _translate(model: Path, article: Path) -> Any:
    return _invoke(["run", str(article), "--format", "jsonl", "--no-cache", *fast_args(model, tokens=4)])


def _one_line_error(result: Any) -> str:
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    # The article that needed the model gets an error record; no output text is made up.
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["status"] == "error" and record["error"]["kind"].startswith("model")
    assert record["translation_en"] is None and record["summary_fr"] is None
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --- model loading --------------------------------------------------------------------------


def test_pickle_weights_only_go_through_weights_only(
    model_copy: Callable[[str], Path], article: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    folder = model_copy("pickle")
    weights = _state_dict(folder)
    (folder / "model.safetensors").unlink()
    torch.save(weights, folder / "pytorch_model.bin")
    loads: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    real_load = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: (loads.append(k), real_load(*a, **k))[1])
    for cls in (AutoModelForSeq2SeqLM, AutoTokenizer):
        real = cls.from_pretrained
        monkeypatch.setattr(
            cls, "from_pretrained", lambda *a, real=real, **k: (calls.append(k), real(*a, **k))[1]
        )
    result = _translate(folder, article)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "ok"
    assert loads and all(k.get("weights_only") is True for k in loads)
    assert len(calls) == 2 and all(k.get("trust_remote_code") is False for k in calls)


def test_a_pickle_that_needs_more_than_tensors_is_refused(
    model_copy: Callable[[str], Path], article: Path, tmp_path: Path
) -> None:
    import torch

    marker = tmp_path / "PICKLE-CODE-RAN"
    folder = model_copy("trap")
    weights = _state_dict(folder)
    (folder / "model.safetensors").unlink()
    torch.save({**weights, "trap": _Trap(marker)}, folder / "pytorch_model.bin")
    line = _one_line_error(_translate(folder, article))
    assert "refused" in line and "pytorch_model.bin" in line and "safetensors" in line
    assert not marker.exists()


def test_safetensors_win_over_a_pickle_beside_them(
    model_copy: Callable[[str], Path], article: Path, tmp_path: Path
) -> None:
    import torch

    marker = tmp_path / "PICKLE-CODE-RAN"
    plain = _translate(model_copy("plain"), article)
    both = model_copy("both")
    torch.save({**_state_dict(both), "trap": _Trap(marker)}, both / "pytorch_model.bin")
    result = _translate(both, article)
    assert result.exit_code == 0, result.stderr
    assert not marker.exists()  # the pickle was never opened
    assert json.loads(result.stdout)["translation_en"] == json.loads(plain.stdout)["translation_en"]


@pytest.mark.parametrize("model_type", [None, "unknown-model"], ids=["known-type", "unknown-type"])
def test_model_code_is_never_run(
    model_copy: Callable[[str], Path], article: Path, tmp_path: Path, model_type: str | None
) -> None:
    marker = tmp_path / "REMOTE-CODE-RAN"
    folder = model_copy("remote")
    (folder / "modeling_trap.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
        "from transformers import MarianConfig as TrapConfig, MarianMTModel as TrapModel\n"
        "from transformers import MarianTokenizer as TrapTokenizer\n",
        encoding="utf-8",
    )
    for name, auto_map in (
        (
            "config.json",
            {"AutoConfig": "modeling_trap.TrapConfig", "AutoModelForSeq2SeqLM": "modeling_trap.TrapModel"},
        ),
        ("tokenizer_config.json", {"AutoTokenizer": ["modeling_trap.TrapTokenizer", None]}),
    ):
        config = json.loads((folder / name).read_text(encoding="utf-8"))
        config["auto_map"] = auto_map
        if model_type and name == "config.json":
            config["model_type"] = model_type
        (folder / name).write_text(json.dumps(config), encoding="utf-8")
    result = _translate(folder, article)
    assert not marker.exists()
    if model_type is None:  # a family transformers knows: its own code runs, not the folder's
        assert result.exit_code == 0, result.stderr
    else:
        line = _one_line_error(result)
        assert "refused" in line and "trust_remote_code" in line


TRUNCATIONS = {
    "half": lambda data: data[: len(data) // 2],
    "header-length-only": lambda data: data[:8],
    "empty": lambda data: b"",
    "garbage-header": lambda data: b"\xff" * 64 + data[64:],
}


@pytest.mark.parametrize("cut", sorted(TRUNCATIONS))
def test_damaged_safetensors_say_verify_or_save_again(
    model_copy: Callable[[str], Path], article: Path, cut: str
) -> None:
    folder = model_copy("cut")
    weights = folder / "model.safetensors"
    weights.write_bytes(TRUNCATIONS[cut](weights.read_bytes()))
    line = _one_line_error(_translate(folder, article))
    assert "damaged or incomplete" in line and "verify the files" in line
    assert "save the model again" in line  # a local folder cannot be pulled
    assert line.count(str(folder)) == 1  # a local folder's id is its path: said once


@pytest.mark.parametrize("backend", ["ctranslate2", "transformers"])
def test_a_folder_without_weights_says_so(
    model_copy: Callable[[str], Path], article: Path, backend: str
) -> None:
    folder = model_copy("bare")
    (folder / "model.safetensors").unlink()
    args = ["run", str(article), "--format", "jsonl", "--no-cache", "--backend", backend]
    result = _invoke([*args, *fast_args(folder, tokens=4)])
    line = _one_line_error(result)
    # Not "damaged", and no pull command for a folder that was never pulled.
    assert "no weights in" in line and "neither model.safetensors nor pytorch_model.bin" in line
    assert "save the model again" in line and "models pull" not in line


def test_damaged_safetensors_of_a_pulled_model_say_pull_again(
    tiny: dict[str, Path], article: Path, tmp_path: Path
) -> None:
    commit = "c" * 40
    repo = tmp_path / "hub" / "models--tiny--marian"
    snapshot = Path(shutil.copytree(tiny["marian"], repo / "snapshots" / commit))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit, encoding="utf-8")
    weights = snapshot / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    result = _invoke(
        ["run", str(article), "--no-cache", "--offline", "--models-dir", str(tmp_path / "hub")]
        + [
            "--translation-model",
            "tiny/marian",
            "--only",
            "translation",
            "--source-lang",
            "fr",
            "-f",
            "jsonl",
        ]
    )
    line = _one_line_error(result)
    assert "damaged or incomplete" in line
    assert "verify the files or pull again: summarize models pull tiny/marian" in line


# --- output names ---------------------------------------------------------------------------

HOSTILE_IDS = [
    "../../etc/passwd",
    "..\\..\\windows\\system32",
    "/etc/passwd",
    "C:\\Users\\x",
    "a\0b",
    "\0",
    ".",
    "..",
    "...",
    "",
    " ",
    "x" * 1000,
    "é" * 400,
    "CON",
    "con.txt",
    "Nul",
    "COM1",
    "lpt9.json",
    "COM\u00b9",  # superscript one: COM1 once normalised
    "\uff0e\uff0e\uff0fetc",  # fullwidth "../etc"
    ".hidden",
    "-rf",
    "name\nwith\nnewlines",
    "\ud800",
    "a/b",
    "tab\tname",
]
RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)


def _assert_safe(name: str) -> None:
    assert name and name not in (".", "..") and not name.startswith((".", "-"))
    assert "/" not in name and "\\" not in name and "\0" not in name and "\n" not in name
    assert len(name.encode("utf-8")) <= 200
    assert not RESERVED.match(name) and not RESERVED.match(name.split(".")[0])
    assert unicodedata.normalize("NFC", name) == name


@pytest.mark.parametrize("ident", HOSTILE_IDS)
def test_safe_name_cannot_escape(ident: str, tmp_path: Path) -> None:
    name = safe_name(ident)
    _assert_safe(name)
    path = DirectoryWriter(tmp_path / "out", "jsonl").path_for(ident)
    assert path.parent == (tmp_path / "out").resolve()


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=300))
def test_safe_name_is_safe_for_any_text(ident: str) -> None:
    _assert_safe(safe_name(ident))


def test_names_that_differ_only_by_case_or_normalisation_get_their_own_files(tmp_path: Path) -> None:
    writer = DirectoryWriter(tmp_path / "out", "jsonl")
    idents = ["Report", "report", "REPORT", "caf\u00e9", "cafe\u0301", "ﬁle", "file", "a", "A"]
    paths = [writer.write({"id": ident, "n": n}) for n, ident in enumerate(idents)]
    # Distinct even on a disk that ignores case (macOS, Windows) or normalisation (macOS).
    folded = {unicodedata.normalize("NFC", p.name).casefold() for p in paths}
    assert len(folded) == len(idents)
    assert [json.loads(p.read_text(encoding="utf-8"))["n"] for p in paths] == list(range(len(idents)))


def test_a_symlink_planted_in_the_output_dir_is_neither_followed_nor_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (out / "a.json").symlink_to(victim)
    path = DirectoryWriter(out, "jsonl").write({"id": "a"})
    assert victim.read_text(encoding="utf-8") == "precious"
    # The tool never writes a link, so the link is not its own to replace: the next name.
    assert (out / "a.json").is_symlink() and (out / "a.json").resolve() == victim.resolve()
    assert path == out.resolve() / "a-2.json" and not path.is_symlink()
    assert json.loads(path.read_text(encoding="utf-8")) == {"id": "a"}


def test_hostile_ids_through_the_cli_stay_in_the_output_dir(tiny: dict[str, Path], tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    src = work / "evil.jsonl"
    lines = [
        json.dumps({"id": ident, "text": f"Article {n}."}) for n, ident in enumerate(HOSTILE_IDS) if ident
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = work / "out"
    before = {p for p in tmp_path.rglob("*")}
    result = _invoke(
        [
            "run",
            str(src),
            "--format",
            "jsonl",
            "--no-cache",
            "--output-dir",
            str(out),
            *fast_args(tiny["marian"]),
        ]
    )
    assert result.exit_code == 0, result.stderr
    written = sorted(out.iterdir())
    assert len(written) == len(lines)
    assert all(p.parent == out and p.is_file() and not p.is_symlink() for p in written)
    for p in written:
        _assert_safe(p.stem)
    assert {p for p in tmp_path.rglob("*")} - before == {out, *written}  # nothing anywhere else
    ids = sorted(json.loads(p.read_text(encoding="utf-8"))["id"] for p in written)
    assert ids == sorted(i.replace("\ud800", "\ufffd") for i in HOSTILE_IDS if i)  # each id, once
