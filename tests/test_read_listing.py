"""Folders (summarize/read_listing.py): hidden files skipped, what a folder does not read said
before reading, an earlier run's results skipped.

No model and no network: the reader is called directly, or the CLI with ``--show-clean``.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from read_samples import RESULT_TEXT
from typer.testing import CliRunner

from summarize import read_listing
from summarize.cli import app
from summarize.read import Article, ReadOptions, iter_articles

pytestmark = pytest.mark.usefixtures("_no_debug")


# -- hidden files in folders ----------------------------------------------------------------


def test_folder_skips_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Bonjour.\n", encoding="utf-8")
    (tmp_path / "._a.txt").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")  # AppleDouble
    (tmp_path / ".#b.txt").symlink_to("user@host.1234:1700000000")  # an Emacs lock: dangling
    (tmp_path / ".hidden.md").write_text("Pas un article.\n", encoding="utf-8")
    items = list(iter_articles([str(tmp_path)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a")]


def test_hidden_file_named_explicitly_is_read(tmp_path: Path) -> None:
    hidden = tmp_path / ".note.txt"
    hidden.write_text("Bonjour.\n", encoding="utf-8")
    items = list(iter_articles([str(hidden)], ReadOptions()))
    assert len(items) == 1 and isinstance(items[0], Article)
    assert items[0].text == "Bonjour.\n"


# -- what a folder does not read, said ------------------------------------------------------


KINDS = ".txt, .md, .markdown, .jsonl, .html, .htm"


READ = f"only its files ending in {KINDS} are read"


NOTHING = f"no article in it (files ending in {KINDS}); nothing to read"


@pytest.mark.parametrize(
    ("files", "note"),
    [
        (["a.txt", "B.HTML", "c.markdown", ".hidden"], None),  # everything read (hidden names never are)
        (["a.txt", "e.pdf", "noext", "d.text", "sub/"],
         f"skipped 3 other files (d.text, e.pdf, noext) and 1 subfolder (sub); {READ}; "
         "to read its subfolders, name them, or pass a pattern such as '{folder}/**/*.txt'"),
        (["a.md", "f1.pdf", "f2.pdf", "f3.pdf", "f4.pdf"],
         f"skipped 4 other files (f1.pdf, f2.pdf, f3.pdf, ...); {READ}"),
        ([], NOTHING),
        (["x.pdf", ".a.txt"], NOTHING),
        # A folder of folders (news/2024/03/...) said "nothing to read", and no more.
        (["x.pdf", ".a.txt", "y.txt/", "2024/"],
         f"no article in it (files ending in {KINDS}), only 2 subfolders (2024, y.txt); subfolders are "
         "not read: name them, or pass a pattern such as '{folder}/**/*.txt'"),
    ],
)  # fmt: skip
def test_a_folder_says_what_it_does_not_read(tmp_path: Path, files: list[str], note: str | None) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for name in files:
        if name.endswith("/"):
            (folder / name).mkdir()
        else:
            (folder / name).write_text("Bonjour.\n", encoding="utf-8")
    inputs = [str(folder), "-", "https://example.org/a", str(tmp_path / "missing")]
    note = None if note is None else note.replace("{folder}", str(folder))
    assert read_listing.folder_notes(inputs) == ([] if note is None else [f"{folder}: {note}"])


def test_cli_warns_of_an_empty_folder_and_goes_on(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "a.txt").write_text("Bonjour le monde.\n", encoding="utf-8")
    args = ["run", str(tmp_path / "empty"), str(tmp_path / "a.txt"), "--show-clean"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0
    assert result.stdout.startswith("== a")
    assert result.stderr.splitlines() == [f"summarize: warning: {tmp_path / 'empty'}: {NOTHING}"]


# -- an earlier run's results in a folder ---------------------------------------------------


def _result_line(ident: str) -> str:
    from summarize.own_output import RECORD_KEYS

    record = dict.fromkeys(RECORD_KEYS)
    del record["error"]
    return json.dumps({**record, "id": ident, "translation_en": "The council voted.", "status": "ok"})


def test_a_folder_skips_a_result_saved_with_windows_line_ends(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_bytes("== Le conseil ==\r\n\r\nLe conseil municipal a voté.\r\n".encode())
    (news / "a-2.txt").write_bytes(RESULT_TEXT.replace("\n", "\r\n").encode())  # re-saved on Windows
    items = list(iter_articles([str(news)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a")]
    assert read_listing.folder_notes([str(news)]) == [
        f"{news}: skipped 1 result of summarize (a-2.txt); results are not read as articles"
    ]


def test_a_folder_run_skips_results_saved_with_a_bom(tmp_path: Path) -> None:
    """Older Windows Notepad saves UTF-8 behind a byte-order mark: such a result was read as an
    article. A user's article with a BOM is still read. (A .json file is no article a folder
    run reads: its own BOM'd results are in tests/test_output.py.)"""
    news = tmp_path / "news"
    news.mkdir()
    bom = codecs.BOM_UTF8
    (news / "a.txt").write_bytes(bom + "== Le conseil ==\r\n\r\nLe conseil municipal a voté.\r\n".encode())
    (news / "a-2.txt").write_bytes(bom + RESULT_TEXT.replace("\n", "\r\n").encode())
    (news / "all.jsonl").write_bytes(bom + f"{_result_line('a')}\n{_result_line('b')}\n".encode())
    result = CliRunner().invoke(app, ["run", str(news), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a"]
    assert result.stderr.splitlines() == [
        f"summarize: warning: {news}: skipped 2 results of summarize (a-2.txt, all.jsonl); "
        "results are not read as articles"
    ]


def test_a_folder_skips_an_earlier_runs_results_and_says_so(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    (news / "a-2.txt").write_text(RESULT_TEXT, encoding="utf-8")  # `summarize run news/a.txt -o news/`
    (news / "all.jsonl").write_text(_result_line("a") + "\n" + _result_line("b") + "\n", encoding="utf-8")
    (news / "e.pdf").write_bytes(b"%PDF")
    items = list(iter_articles([str(news)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a")]
    assert read_listing.folder_notes([str(news)]) == [
        f"{news}: skipped 2 results of summarize (a-2.txt, all.jsonl) and 1 other file (e.pdf); "
        f"{READ}, and results are not read as articles"
    ]
    (news / "e.pdf").unlink()
    assert read_listing.folder_notes([str(news)]) == [
        f"{news}: skipped 2 results of summarize (a-2.txt, all.jsonl); results are not read as articles"
    ]
    (news / "a.txt").unlink()
    assert read_listing.folder_notes([str(news)]) == [
        f"{news}: no article in it (files ending in {KINDS}), only 2 results of summarize "
        "(a-2.txt, all.jsonl); nothing to read"
    ]
    # Named on the command line, a file is read whatever it holds.
    items = list(iter_articles([str(news / "a-2.txt")], ReadOptions()))
    assert len(items) == 1 and isinstance(items[0], Article) and items[0].text == RESULT_TEXT


def test_a_folder_skips_results_with_a_long_title(tmp_path: Path) -> None:
    """Past the 16 KiB head, a result's title hid what the file was: it was read as an article."""
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    title = "Titre " * 5_000
    (news / "a-2.txt").write_text(RESULT_TEXT.replace("Titre", title), encoding="utf-8")
    record = {**json.loads(_result_line("a")), "title": title}
    (news / "all.jsonl").write_text(json.dumps(record) + "\n" + _result_line("b") + "\n", encoding="utf-8")
    (news / "one.json").write_text(json.dumps(record), encoding="utf-8")
    items = list(iter_articles([str(news)], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a")]


def test_cli_says_which_results_a_folder_run_skips(tmp_path: Path) -> None:
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    (news / "a-2.txt").write_text(RESULT_TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(news), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a"]
    assert result.stderr.splitlines() == [
        f"summarize: warning: {news}: skipped 1 result of summarize (a-2.txt); "
        "results are not read as articles"
    ]
