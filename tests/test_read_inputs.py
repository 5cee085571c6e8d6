"""Which inputs are paths, URLs and patterns (summarize/read_inputs.py): file:// URLs, other
schemes, a web address typed without its scheme, quoted patterns expanded as a shell would.

No model and no network: the reader is called directly, or the CLI with ``--show-clean``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from read_samples import RESULT_TEXT
from typer.testing import CliRunner

from summarize import read_inputs, read_listing
from summarize.cli import app
from summarize.read import Article, ReadFailure, ReadOptions, iter_articles

pytestmark = pytest.mark.usefixtures("_no_debug")


# -- paths and URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a/b.txt", "a/b.txt"),
        ("file:///tmp/x%20y.txt", "/tmp/x y.txt"),
        ("FILE://localhost/tmp/a.txt", "/tmp/a.txt"),
        ("file://server/share/a.txt", None),  # another machine's file
        ("ftp://host/a.txt", None),
        ("s3://bucket/key", None),
        ("https://example.org/a", None),
        ("-", None),
        ("notes:2024.txt", "notes:2024.txt"),  # a colon, but no "://": a file name
    ],
)
def test_input_path(raw: str, expected: str | None) -> None:
    assert read_inputs.input_path(raw) == (None if expected is None else Path(expected))


@pytest.mark.parametrize(
    ("raw", "web"),
    [
        ("www.lemonde.fr/politique/reforme.html", True),
        ("lemonde.fr/politique/reforme.html", True),
        ("www.lemonde.fr", True),
        ("lemonde.fr", False),  # as likely a file
        ("notes.txt", False),
        ("news/a.txt", False),
    ],
)
def test_a_web_address_without_its_scheme_gets_a_hint(tmp_path: Path, raw: str, web: bool) -> None:
    # A page's address typed without https:// was "no such file or folder (check the path)".
    (failure,) = iter_articles([raw], ReadOptions())
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{raw}: no such file or folder"
    said = f"check the path; for a web page, give its whole address: https://{raw}"
    assert failure.error.hint == (said if web else "check the path")


def test_a_file_url_holding_a_pattern_is_expanded(tmp_path: Path) -> None:
    # file:///news/*.txt failed as "/news/*.txt: no file matches this pattern" while files matched.
    for name in ("b.txt", "a.txt", "c.md"):
        (tmp_path / name).write_text("Bonjour.\n", encoding="utf-8")
    inputs = [(tmp_path / "*.txt").as_uri(), (tmp_path / "none" / "*.txt").as_uri()]
    items = list(iter_articles(inputs, ReadOptions()))
    assert [type(item).__name__ for item in items] == ["Article", "Article", "ReadFailure"]
    assert [item.source for item in items[:2]] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert items[2].error.message == f"{tmp_path / 'none' / '*.txt'}: no file matches this pattern"


@pytest.mark.parametrize("raw", ["file://", "file://localhost", "file://./a.txt", "file://server/a.txt"])
def test_a_file_url_that_names_no_local_file_is_refused(raw: str, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Bonjour.\n", encoding="utf-8")  # the working directory
    (failure,) = list(iter_articles([raw], ReadOptions()))
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{raw}: not a file on this machine"
    assert read_listing.folder_notes([raw]) == []


def test_other_url_schemes_are_refused_and_file_urls_read(tmp_path: Path) -> None:
    good = tmp_path / "b c.txt"
    good.write_text("Bonjour à tous.\n", encoding="utf-8")
    inputs = ["ftp://host/a.txt", good.as_uri(), "s3://bucket/key"]
    items = list(iter_articles(inputs, ReadOptions()))
    assert [type(item) for item in items] == [ReadFailure, Article, ReadFailure]
    assert items[1].text == "Bonjour à tous.\n" and items[1].id == "b c"
    for failure, scheme in ((items[0], "ftp"), (items[2], "s3")):
        assert isinstance(failure, ReadFailure) and failure.error.kind == "fetch_url"
        assert failure.error.message.endswith(f"unsupported URL scheme {scheme!r}")
        assert "download it and pass the file" in (failure.error.hint or "")


# -- A quoted pattern: expanded as a shell would --------------------------------------------


def _patterned(tmp_path: Path) -> Path:
    news = tmp_path / "news"
    (news / "sub").mkdir(parents=True)
    for name in ("b.md", "a.md", ".hidden.md", "sub/c.md", "notes.txt"):
        (news / name).write_text(f"Le conseil municipal a voté ({name}).\n", encoding="utf-8")
    (news / "a-2.md").write_text(RESULT_TEXT, encoding="utf-8")  # an earlier run's result
    return news


def _show_clean(*inputs: str) -> tuple[int, list[str], list[str]]:
    result = CliRunner().invoke(app, ["run", *inputs, "--show-clean", "-f", "jsonl"])
    return (
        result.exit_code,
        [json.loads(line)["id"] for line in result.stdout.splitlines()],
        result.stderr.splitlines(),
    )


def test_a_quoted_pattern_is_expanded_sorted_without_hidden_files_or_results(tmp_path: Path) -> None:
    news = _patterned(tmp_path)
    code, ids, stderr = _show_clean("news/*.md")  # as `summarize run 'news/*.md'` gets it
    assert (code, ids) == (0, ["a", "b"])
    assert stderr == [
        "summarize: warning: news/*.md: skipped 1 result of summarize (news/a-2.md); "
        "results are not read as articles"
    ]
    assert _show_clean(f"{news}/?.md")[:2] == (0, ["a", "b"])
    assert _show_clean("news/[ab].md", "news/*.txt")[:2] == (0, ["a", "b", "notes"])
    # ** goes down into subfolders; the folders it matches are not read twice over.
    assert _show_clean("news/**/*.md")[:2] == (0, ["a", "b", "c"])
    assert _show_clean("news/**")[:2] == (0, ["a", "b", "notes", "c"])
    # A folder a pattern matches is read as a folder, as the shell would pass it.
    assert _show_clean("new?")[:2] == (0, ["a", "b", "notes"])
    # The library reads patterns as the command does.
    items = list(iter_articles(["news/*.md"], ReadOptions()))
    assert [(type(item).__name__, item.id) for item in items] == [("Article", "a"), ("Article", "b")]


def test_a_file_named_like_a_pattern_is_that_file(tmp_path: Path) -> None:
    news = _patterned(tmp_path)
    (news / "x*.md").write_text("Un fichier au nom étoilé.\n", encoding="utf-8")
    assert _show_clean("news/x*.md")[:2] == (0, ["x*"])


def test_a_pattern_that_matches_nothing_is_one_line_that_says_so(tmp_path: Path) -> None:
    _patterned(tmp_path)
    code, ids, stderr = _show_clean("news/*.html", "news/a.md")
    assert (code, ids) == (1, ["news/*.html", "a"])
    assert stderr == [
        "summarize: news/*.html: no file matches this pattern (check the pattern and its folder; "
        "* ? [...] match within a folder, ** across subfolders)"
    ]


def test_a_pattern_never_matches_the_output_folder(tmp_path: Path) -> None:
    news = _patterned(tmp_path)
    (tmp_path / "out").mkdir()
    assert read_inputs.expand_patterns(["*"], tmp_path / "out") == (["news"], [])
    assert read_inputs.expand_patterns(["*"]) == (["news", "out"], [])
    # Matched, though skipped: not a pattern that matches nothing.
    assert read_inputs.expand_patterns(["o*"], tmp_path / "out") == ([], [])
    assert read_inputs.expand_patterns([f"{news}/*.txt", "-", "https://example.org/*"]) == (
        [str(news / "notes.txt"), "-", "https://example.org/*"],
        [],
    )


def test_under_double_star_the_output_folders_files_are_not_matched(tmp_path: Path) -> None:
    # `summarize run 'news/**/*.txt' -o news/results`: the results there were matched and said
    # as skipped results, and a file of the user's beside them was read as an article.
    results = tmp_path / "news" / "results"
    results.mkdir(parents=True)
    (tmp_path / "news" / "a.txt").write_text("Le conseil municipal a voté.\n", encoding="utf-8")
    (results / "a.txt").write_text(RESULT_TEXT, encoding="utf-8")
    (results / "notes.txt").write_text("Une note à moi.\n", encoding="utf-8")
    assert read_inputs.expand_patterns(["news/**/*.txt"], results) == (["news/a.txt"], [])
    # Without an output folder, it is a folder like any other.
    assert read_inputs.expand_patterns(["news/**/*.txt"]) == (
        ["news/a.txt", "news/results/notes.txt"],
        [
            "news/**/*.txt: skipped 1 result of summarize (news/results/a.txt); "
            "results are not read as articles"
        ],
    )
