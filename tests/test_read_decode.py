"""Bytes to text (summarize/read_decode.py): binary data told from text, UTF-16/32 without a
byte-order mark, an HTML file's declared charset, --encoding where UTF-8 fails.

No model and no network: the reader is called directly, or the CLI with ``--show-clean``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from read_samples import SHORT_LINES
from typer.testing import CliRunner

from summarize import read_decode
from summarize.cli import app
from summarize.read import Article, ReadFailure, ReadOptions, iter_articles

pytestmark = pytest.mark.usefixtures("_no_debug")


# -- binary data, wide text and a JSON Lines file's encoding --------------------------------


# A compressed file or an image: every byte value but NUL, as often as each other.
NO_NUL_BINARY = bytes(range(1, 256)) * 40


STRAY = "Bonjour\x01 " * 3 + "le monde. " * 100


LATIN_1 = "Le café coûte 2 €, dit-il.\tFin.\x1b\n".encode("cp1252") * 200


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        (NO_NUL_BINARY, None, None),
        (NO_NUL_BINARY, "latin-1", None),  # any bytes are latin-1: still refused
        (b"PK\x03\x04\x00\x00" + b"a" * 100, None, None),
        (LATIN_1, "cp1252", LATIN_1.decode("cp1252")),  # tabs, ESC: text still
        (STRAY.encode(), None, STRAY),  # a stray control byte or two
        ("Bonjour.".encode("utf-16-le"), "utf-16-le", "Bonjour."),  # NUL bytes, yet text
    ],
    ids=["binary", "binary-as-latin-1", "nul-bytes", "cp1252", "stray-control", "utf-16"],
)
def test_binary_data_is_told_from_text(data: bytes, encoding: str | None, text: str | None) -> None:
    if text is None:
        with pytest.raises(read_decode.BinaryInputError, match="binary data"):
            read_decode.decode(data, encoding)
    else:
        assert read_decode.decode(data, encoding) == text


@pytest.mark.parametrize("encoding", [None, "latin-1"])
def test_a_binary_jsonl_file_is_one_failure(tmp_path: Path, encoding: str | None) -> None:
    src = tmp_path / "image.jsonl"
    src.write_bytes(NO_NUL_BINARY.replace(b"\n", b" ") + b"\n" + NO_NUL_BINARY)
    (failure,) = list(iter_articles([str(src)], ReadOptions(encoding=encoding)))
    assert isinstance(failure, ReadFailure) and failure.error.kind == "binary"


def test_cli_encoding_hint_has_no_brackets_inside_brackets(tmp_path: Path) -> None:
    src = tmp_path / "c.txt"
    src.write_bytes(b"caf\xe9 noir")
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(b'{"id": "b", "text": "caf\xe9"}\n')
    result = CliRunner().invoke(app, ["run", str(src), str(feed), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 1
    assert [json.loads(line)["error"]["kind"] for line in result.stdout.splitlines()] == ["encoding"] * 2
    assert result.stderr.splitlines() == [
        f"summarize: {src}: not valid UTF-8 (byte 3) (pass --encoding, for example --encoding latin-1)",
        f"summarize: {feed}:1: not valid UTF-8 (fix that line, or pass --encoding, for example --encoding "
        "latin-1)",
    ]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_wide_text_without_a_bom_names_the_encoding_to_pass(tmp_path: Path, codec: str, suffix: str) -> None:
    """UTF-16/32 without a byte-order mark is text, not an image: its failure says which
    --encoding reads it, and that encoding does (binary data keeps its own failure)."""
    src = tmp_path / f"a{suffix}"
    text = '{"id": "a", "text": "Le café coûte 2 €."}\n' if suffix == ".jsonl" else "Le café coûte 2 €.\n"
    src.write_bytes(text.encode(codec))
    (failure,) = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(failure, ReadFailure) and failure.error.kind == "encoding"
    assert failure.error.hint == f"pass --encoding {codec}"
    (article,) = list(iter_articles([str(src)], ReadOptions(encoding=codec)))
    assert isinstance(article, Article) and "Le café coûte 2 €." in article.text
    binary = tmp_path / f"b{suffix}"
    binary.write_bytes(b"PK\x03\x04\x00\x00" + bytes(range(256)) * 8)
    (failure,) = list(iter_articles([str(binary)], ReadOptions()))
    assert isinstance(failure, ReadFailure) and failure.error.kind == "binary"


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        # UTF-16: b"\n" bytes inside characters are no line ends, so the file is read whole.
        ("".join(SHORT_LINES).encode("utf-16"), None, [("a", "ok"), ("b", "ok")]),
        ("".join(SHORT_LINES).encode("utf-8-sig"), "latin-1", [("a", "ok"), ("b", "ok")]),  # the BOM wins
        # Binary data is one failure, not one per "line".
        (b"PK\x03\x04\x00\x00\n" * 3, None, [("feed", "binary")]),
        # A line not in --encoding costs only itself, as on stdin.
        (
            b'{"text": "\xff"}\n' + "".join(SHORT_LINES).encode(),
            "ascii",
            [("feed-1", "encoding"), ("a", "ok"), ("b", "ok")],
        ),
    ],
    ids=["utf-16", "utf-8-bom", "binary", "bad-line-in-encoding"],
)
def test_jsonl_file_encodings(
    tmp_path: Path, data: bytes, encoding: str | None, expected: list[tuple[str, str]]
) -> None:
    src = tmp_path / "feed.jsonl"
    src.write_bytes(data)
    items = list(iter_articles([str(src)], ReadOptions(encoding=encoding)))
    kinds = [(item.id, item.error.kind if isinstance(item, ReadFailure) else "ok") for item in items]
    assert kinds == expected


# -- an HTML file's declared charset --------------------------------------------------------


DECLARED_PAGES = {
    "meta": '<!DOCTYPE html><html><head><meta charset="{cs}"><title>Le café</title></head>',
    "http-equiv": (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={cs}">'
        "<title>Le café</title></head>"
    ),
}


DECLARED_BODY = "<body><p>Le café coûte 2 € au comptoir, dit le patron.</p></body></html>\n"


@pytest.mark.parametrize("suffix", [".html", ".htm"])
@pytest.mark.parametrize("form", ["meta", "http-equiv"])
def test_an_html_file_is_read_in_the_charset_it_declares(tmp_path: Path, form: str, suffix: str) -> None:
    page = DECLARED_PAGES[form].replace("{cs}", "windows-1252") + DECLARED_BODY
    src = tmp_path / f"page{suffix}"
    src.write_bytes(page.encode("cp1252"))
    (article,) = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(article, Article) and article.html
    assert article.text == page


def test_cli_reads_an_html_file_in_its_declared_charset(tmp_path: Path) -> None:
    src = tmp_path / "page.html"
    src.write_bytes((DECLARED_PAGES["meta"].replace("{cs}", "iso-8859-1") + DECLARED_BODY).encode("cp1252"))
    result = CliRunner().invoke(app, ["run", str(src), "--show-clean", "-f", "jsonl"])
    assert result.exit_code == 0 and result.stderr == ""
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["title"] == "Le café" and "Le café coûte" in record["body"]
    # Said to be iso-8859-1, read as browsers read it (windows-1252): the euro sign is kept.
    assert "2 € au comptoir" in record["body"]


@pytest.mark.parametrize("label", ["iso-8859-1", "latin1", "us-ascii"])
def test_a_latin1_label_reads_windows_1252_quotes(tmp_path: Path, label: str) -> None:
    src = tmp_path / "page.html"
    text = "<p>L’État a dit « oui »… selon l’AFP.</p>"
    src.write_bytes((DECLARED_PAGES["meta"].replace("{cs}", label) + text).encode("cp1252"))
    (article,) = list(iter_articles([str(src)], ReadOptions()))
    assert isinstance(article, Article) and text in article.text
    # So does --encoding latin-1, the hint's own example: its bytes 0x80-0x9F are no text.
    plain = tmp_path / "a.txt"
    plain.write_bytes("L’État a dit non.".encode("cp1252"))
    (article,) = list(iter_articles([str(plain)], ReadOptions(encoding="latin-1")))
    assert isinstance(article, Article) and article.text == "L’État a dit non."
    # A byte windows-1252 leaves undefined costs only itself, as in a browser.
    plain.write_bytes("L’État a dit non.".encode("cp1252") + b" \x81")
    (article,) = list(iter_articles([str(plain)], ReadOptions(encoding="latin-1")))
    assert isinstance(article, Article) and article.text == "L’État a dit non. \x81"


@pytest.mark.parametrize(
    ("name", "declared", "data", "outcome"),
    [
        # Valid UTF-8 is UTF-8, whatever the page says (pages often declare a charset they left).
        ("page.html", "windows-1252", "Le café €".encode(), "Le café €"),
        # A BOM still decides.
        ("page.html", "windows-1252", "Le café €".encode("utf-8-sig"), "Le café €"),
        # Only an HTML file's declaration counts.
        ("page.txt", "windows-1252", "Le café".encode("cp1252"), "encoding"),
        # A declaration readable as ASCII cannot be right about UTF-16.
        ("page.html", "utf-16", "Le café".encode("cp1252"), "encoding"),
        ("page.html", "no-such-charset", "Le café".encode("cp1252"), "encoding"),
        # A byte windows-1252 leaves undefined is kept alone, as browsers keep it.
        ("page.html", "windows-1252", b"Le caf\xe9 \x81", "Le café \x81"),
        # Bytes that are not in another declared charset: the page fails.
        ("page.html", "shift_jis", b"Le caf\x81\x20", "encoding"),
    ],
    ids=["utf-8", "bom", "not-html", "utf-16", "unknown", "undefined-in-1252", "not-in-charset"],
)
def test_a_declared_charset_is_used_only_where_utf8_fails(
    tmp_path: Path, name: str, declared: str, data: bytes, outcome: str
) -> None:
    head = f'<html><head><meta charset="{declared}"></head>'.encode("ascii")
    src = tmp_path / name
    src.write_bytes(data.replace(b"Le caf", head + b"Le caf", 1))
    (item,) = list(iter_articles([str(src)], ReadOptions()))
    if outcome == "encoding":
        assert isinstance(item, ReadFailure) and item.error.kind == "encoding"
    else:
        assert isinstance(item, Article) and item.text.endswith(outcome) and "\ufeff" not in item.text


# -- --encoding applies where UTF-8 fails: one folder or feed can mix both ------------------


MIXED = {"utf8.txt": ("Le maire a annoncé un plan.", "utf-8"), "latin.txt": ("Le café a fermé.", "latin-1")}


@pytest.mark.parametrize("encoding", [None, "latin-1", "cp1252"])
def test_encoding_leaves_utf8_files_as_utf8(tmp_path: Path, encoding: str | None) -> None:
    for name, (text, codec) in MIXED.items():
        (tmp_path / name).write_bytes(text.encode(codec))
    items = list(iter_articles([str(tmp_path)], ReadOptions(encoding=encoding)))
    got = {Path(i.source).name: i.text if isinstance(i, Article) else i.error.kind for i in items}
    expected_latin = "encoding" if encoding is None else MIXED["latin.txt"][0]
    assert got == {"utf8.txt": MIXED["utf8.txt"][0], "latin.txt": expected_latin}


def test_encoding_applies_line_by_line_in_json_lines(tmp_path: Path) -> None:
    lines = [
        '{"id": "u", "text": "Le maire a annoncé un plan."}\n'.encode(),
        '{"id": "l", "text": "Le café a fermé."}\n'.encode("latin-1"),
    ]
    src = tmp_path / "feed.jsonl"
    src.write_bytes(b"".join(lines))
    streamed = list(iter_articles([str(src)], ReadOptions(encoding="latin-1")))
    # Read whole: stdin whose first line is not JSON, so that the batch is judged all at once.
    data = b"{pas du JSON\n" + b"".join(lines)
    whole = list(iter_articles(["-"], ReadOptions(encoding="latin-1"), read_stdin=lambda: data))
    expected = [("u", "Le maire a annoncé un plan."), ("l", "Le café a fermé.")]
    assert [(i.id, i.text) for i in streamed if isinstance(i, Article)] == expected
    assert [(i.id, i.text) for i in whole if isinstance(i, Article)] == expected
    assert [type(i) for i in whole] == [ReadFailure, Article, Article]


@pytest.mark.parametrize(
    ("data", "encoding", "text"),
    [
        # ASCII text in UTF-16 is valid UTF-8 (with NUL bytes): an explicit UTF-16 request stands.
        ("Bonjour.".encode("utf-16-le"), "utf-16-le", "Bonjour."),
        ("Bonjour.".encode("utf-32-be"), "utf-32-be", "Bonjour."),
        # A BOM decides, over --encoding and over UTF-8.
        ("Le café".encode("utf-8-sig"), "latin-1", "Le café"),
        ("\ufeffLe café".encode("utf-16-le"), "latin-1", "Le café"),
        ("Le café".encode(), "latin-1", "Le café"),
        ("Le café".encode("latin-1"), "latin-1", "Le café"),
    ],
)
def test_what_decides_an_encoding(data: bytes, encoding: str, text: str) -> None:
    assert read_decode.decode(data, encoding) == text


def test_cli_encoding_over_a_mixed_folder(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for name, (text, codec) in MIXED.items():
        (folder / name).write_bytes(text.encode(codec))
    args = ["run", str(folder), "--encoding", "latin-1", "--show-clean", "-f", "jsonl"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and result.stderr == ""
    bodies = [json.loads(line)["body"] for line in result.stdout.splitlines()]
    assert bodies == ["Le café a fermé.", "Le maire a annoncé un plan."]  # latin.txt, then utf8.txt
