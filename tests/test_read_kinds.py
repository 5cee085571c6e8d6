"""A text's kind (summarize/read_kinds.py): a page, Markdown or plain text, told by its name, its
content type and its content, or said by --input-format and a JSON line's "format".

No model; URLs are served by a local http.server. The reader is called directly, or the CLI
with ``--show-clean``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fault_tools import jsonl
from read_samples import SAVED_PAGE, _stdin
from typer.testing import CliRunner

from summarize import read_inputs
from summarize.cli import app
from summarize.read import Article, Item, ReadFailure, ReadOptions, iter_articles

pytestmark = pytest.mark.usefixtures("_no_debug")


# -- an HTML page saved under a text suffix -------------------------------------------------


PROSE_WITH_A_TAG = (
    "Le nouvel éditeur du site met le texte en gras avec la balise <b> au lieu des astérisques.\n"
    "Les rédacteurs devront s'y habituer d'ici la fin du mois.\n"
)


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_html_page_saved_as_text_is_extracted_as_html(tmp_path: Path, suffix: str) -> None:
    from summarize.pipeline import clean_article

    page = tmp_path / f"page{suffix}"
    page.write_text(SAVED_PAGE, encoding="utf-8")
    items = list(iter_articles([str(page)], ReadOptions()))
    assert len(items) == 1 and isinstance(items[0], Article)
    assert items[0].html
    cleaned = clean_article(items[0], keep_boilerplate=False)
    assert cleaned.title == "Le plan vélo"
    assert cleaned.body.startswith("La ville veut doubler")
    assert "<" not in cleaned.body and "Accueil" not in cleaned.body


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_text_saved_as_html_without_a_tag_is_text(tmp_path: Path, suffix: str) -> None:
    # It went through the page extractor: its lines ran into one paragraph, its title and time
    # stamp stayed in the body.
    from summarize.pipeline import clean_article

    src = tmp_path / f"article{suffix}"
    text = "Le conseil adopte le budget\n\nPublié le 12 mars 2024\n\nLe conseil a voté.\n\nIl pleut.\n"
    src.write_text(text, encoding="utf-8")
    (item,) = iter_articles([str(src)], ReadOptions())
    assert isinstance(item, Article) and not item.html
    cleaned = clean_article(item, keep_boilerplate=False)
    assert (cleaned.title, cleaned.date) == ("Le conseil adopte le budget", "2024-03-12")
    assert cleaned.body == "Le conseil a voté.\n\nIl pleut."
    page = tmp_path / f"page{suffix}"
    page.write_text("<p>Le conseil a voté.</p>", encoding="utf-8")  # one tag is enough for a file named .html
    (item,) = iter_articles([str(page)], ReadOptions())
    assert isinstance(item, Article) and item.html


@pytest.mark.parametrize("suffix", [".txt", ".md"])
def test_prose_mentioning_a_tag_stays_text(tmp_path: Path, suffix: str) -> None:
    from summarize.pipeline import clean_article

    note = tmp_path / f"note{suffix}"
    note.write_text(PROSE_WITH_A_TAG, encoding="utf-8")
    items = list(iter_articles([str(note)], ReadOptions()))
    assert items == [Article("note", str(note), PROSE_WITH_A_TAG, markdown=suffix == ".md")]
    body = clean_article(items[0], keep_boilerplate=False).body
    # In Markdown a bare <b> is markup, hidden when rendered; in plain text it is text.
    expected = PROSE_WITH_A_TAG.strip()
    assert body == (expected.replace(" <b>", "") if suffix == ".md" else expected)


def test_cli_show_clean_extracts_an_html_page_saved_as_txt(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(SAVED_PAGE, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(page), "--show-clean", "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert "<" not in result.stdout
    assert record["title"] == "Le plan vélo"
    assert record["date"] is None


# -- Markdown: told by its name, or by its content where no name says -----------------------


MARKDOWN_ARTICLE = (
    "# Grève à la SNCF\n\n"
    "*Publié le 17 juin 2024*\n\n"
    "![Un train à quai](img.jpg)\n\n"
    "Les **cheminots** ont voté une [grève reconductible](https://example.com/greve) à partir de lundi.\n\n"
    "Leurs revendications :\n\n"
    "- une hausse des salaires ;\n"
    "- des embauches.\n"
)


MARKDOWN_BODY = (
    "Les cheminots ont voté une grève reconductible à partir de lundi.\n\n"
    "Leurs revendications :\n\n"
    "une hausse des salaires ;\n"
    "des embauches."
)


@pytest.mark.parametrize(
    ("suffix", "text", "html", "markdown"),
    [
        (".md", MARKDOWN_ARTICLE, False, True),
        (".MD", MARKDOWN_ARTICLE, False, True),
        # Markdown's other common suffix was plain text: its asterisks and # were translated.
        (".markdown", MARKDOWN_ARTICLE, False, True),
        (".txt", MARKDOWN_ARTICLE, False, False),  # a .txt is read as written, asterisks and all
        (".md", SAVED_PAGE, True, False),  # a page saved as .md is a page
    ],
)
def test_markdown_files_are_marked_markdown(
    tmp_path: Path, suffix: str, text: str, html: bool, markdown: bool
) -> None:
    src = tmp_path / f"article{suffix}"
    src.write_text(text, encoding="utf-8")
    (item,) = iter_articles([str(src)], ReadOptions())
    assert isinstance(item, Article)
    assert (item.html, item.markdown) == (html, markdown)


@pytest.mark.parametrize("keep_boilerplate", [False, True])
def test_cli_show_clean_strips_the_markup_of_a_md_file(tmp_path: Path, keep_boilerplate: bool) -> None:
    src = tmp_path / "greve.md"
    src.write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    args = ["run", str(src), "--show-clean", "--format", "jsonl"]
    result = CliRunner().invoke(app, args + (["--keep-boilerplate"] if keep_boilerplate else []))
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    if keep_boilerplate:
        # Markup is format, not furniture: it goes even when the furniture stays.
        head = "Grève à la SNCF\n\nPublié le 17 juin 2024\n\n"
        assert (record["title"], record["date"], record["body"]) == (None, None, head + MARKDOWN_BODY)
        return
    assert (record["title"], record["date"], record["body"]) == (
        "Grève à la SNCF",
        "2024-06-17",
        MARKDOWN_BODY,
    )
    assert [(r["kind"], r["text"]) for r in record["removed"]] == [
        ("title", "Grève à la SNCF"),
        ("timestamp", "Publié le 17 juin 2024"),
    ]


# What a CMS export (Hugo, Jekyll) gives: front matter, then the article in Markdown.
HUGO_ARTICLE = (
    "---\n"
    'title: "Grève à la SNCF"\n'
    "date: 2024-06-17T08:30:00+02:00\n"
    "tags: [transports]\n"
    "---\n\n" + MARKDOWN_ARTICLE
)


# Plain prose but for a table in a quote, which strip_markdown reads as a table.
QUOTED_TABLE = (
    "Le conseil municipal a voté le budget hier soir.\n\n"
    "> | Poste | Montant |\n> | --- | --- |\n> | Écoles | 12 M€ |\n\n"
    "Le vote a eu lieu à main levée.\n"
)


@pytest.mark.parametrize(
    ("text", "markdown"),
    [(MARKDOWN_ARTICLE, True), (HUGO_ARTICLE, True), (QUOTED_TABLE, True), (PROSE_WITH_A_TAG, False)],
    ids=["markdown", "front-matter", "quoted-table", "plain"],
)
def test_markdown_on_stdin_or_in_a_suffix_less_file_is_told_by_its_content(
    tmp_path: Path, text: str, markdown: bool
) -> None:
    # No name says what stdin or `notes` hold: their content does, as it does for a page.
    notes = tmp_path / "notes"
    notes.write_text(text, encoding="utf-8")
    stdin, named = _stdin(text) + list(iter_articles([str(notes)], ReadOptions()))
    assert isinstance(stdin, Article) and isinstance(named, Article)
    assert (stdin.html, stdin.markdown) == (named.html, named.markdown) == (False, markdown)


def test_markdown_through_a_pipe_without_a_suffix_is_told_by_its_content(
    fifo: Callable[[str, bytes], Path],
) -> None:
    # /dev/stdin, <(cat article.md): a pipe with no suffix is judged as stdin is.
    (item,) = iter_articles([str(fifo("stdin", MARKDOWN_ARTICLE.encode()))], ReadOptions())
    assert isinstance(item, Article) and item.markdown and not item.html


@pytest.mark.parametrize("name", ["-", "notes", "notes.txt"])
def test_cli_show_clean_strips_markdown_on_stdin_and_in_a_suffix_less_file(tmp_path: Path, name: str) -> None:
    args = ["run", name, "--show-clean", "--format", "jsonl"]
    if name != "-":
        (tmp_path / name).write_text(MARKDOWN_ARTICLE, encoding="utf-8")
        args[1] = str(tmp_path / name)
    result = CliRunner().invoke(app, args, input=MARKDOWN_ARTICLE if name == "-" else None)
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    if name == "notes.txt":
        # A .txt name says plain text: the way to keep a text taken for Markdown as written.
        assert "**cheminots**" in record["body"] and "[grève reconductible](https" in record["body"]
        return
    expected = ("Grève à la SNCF", "2024-06-17", MARKDOWN_BODY)
    assert (record["title"], record["date"], record["body"]) == expected


# Plain text with a stray "# " line and one *word*: not signs enough to be Markdown.
STRAY_MARKS = (
    "# 1 des ventes cette semaine, le roman *Les Misérables* revient en tête.\n\n"
    "Il coûte 3 * 5 euros, soit 15 euros.\n"
)


MARKDOWN_FEED = jsonl(
    (
        {"id": "md", "text": MARKDOWN_ARTICLE},
        {"id": "plain", "text": STRAY_MARKS},
        {"id": "page", "text": SAVED_PAGE},
    ),
    ensure_ascii=False,
)


def test_a_json_lines_lines_markdown_is_told_by_its_content(tmp_path: Path) -> None:
    # A line's text was plain text unless it was a page: Markdown (a CMS export, a scraped feed)
    # went to the models with its # and **.
    feed = tmp_path / "feed.jsonl"
    feed.write_text(MARKDOWN_FEED, encoding="utf-8")
    for items in (_stdin(MARKDOWN_FEED), list(iter_articles([str(feed)], ReadOptions()))):
        assert [(i.id, i.html, i.markdown) for i in items if isinstance(i, Article)] == [
            ("md", False, True),
            ("plain", False, False),
            ("page", True, False),  # a page holding Markdown's signs is a page
        ]


@pytest.mark.parametrize("where", ["stdin", "file"])
def test_cli_show_clean_strips_the_markdown_of_a_json_lines_line(tmp_path: Path, where: str) -> None:
    args = ["run", "-", "--show-clean", "--format", "jsonl"]
    if where == "file":
        args[1] = str(tmp_path / "feed.jsonl")
        (tmp_path / "feed.jsonl").write_text(MARKDOWN_FEED, encoding="utf-8")
    result = CliRunner().invoke(app, args, input=MARKDOWN_FEED if where == "stdin" else None)
    assert result.exit_code == 0, result.stderr
    md, plain, _ = [json.loads(line) for line in result.stdout.splitlines()]
    # As the same text in a .md file gives.
    assert (md["title"], md["date"], md["body"]) == ("Grève à la SNCF", "2024-06-17", MARKDOWN_BODY)
    # A stray # and * are text, kept as written.
    assert (plain["title"], plain["body"]) == (None, STRAY_MARKS.strip())


# -- a page fetched by URL: its content type, then its content, decide HTML -----------------


PLAIN_ARTICLE = (
    "Le conseil municipal adopte le budget\n\n"
    "Publié le 12 mars 2024 à 10h30\n\n"
    "Le conseil municipal a adopté mardi soir le budget de la ville pour l'année prochaine, "
    "après un long débat.\n\n"
    "Lire aussi : Les travaux du tramway prennent du retard\n\n"
    "L'opposition a voté contre, dénonçant une hausse des impôts locaux jugée trop forte par ses élus.\n"
)


MARKDOWN_PAGE = "# Le plan vélo\n\nLa ville **double** ses pistes cyclables.\n"


# One line's text is a whole page: the feed is still JSON Lines, not a page.
JSONL_FEED = (
    '{"id": "a", "text": "Il pleut sur Paris."}\n{"text": "<html><body><p>Il neige.</p></body></html>"}\n'
)


FEED = "<rss><channel><title>Le Journal</title><item><title>Le plan vélo</title></item></channel></rss>"


@pytest.fixture(scope="module")
def pages() -> Iterator[str]:
    """A local http.server on 127.0.0.1 serving each route's body with its content type."""
    from http.server import BaseHTTPRequestHandler

    from local_http import serving

    routes = {
        "/plain.txt": ("text/plain; charset=utf-8", PLAIN_ARTICLE),
        "/saved-page.txt": ("text/plain; charset=utf-8", SAVED_PAGE),
        "/tag.txt": ("text/plain; charset=utf-8", PROSE_WITH_A_TAG),
        "/page.html": ("text/html; charset=utf-8", SAVED_PAGE),
        "/untyped": ("", PLAIN_ARTICLE),
        "/feed.xml": ("application/rss+xml", FEED),
        "/feed.txt": ("text/plain; charset=utf-8", JSONL_FEED),
        "/feed.ndjson": ("application/x-ndjson", JSONL_FEED),
        "/note.md": ("text/markdown; charset=utf-8", MARKDOWN_PAGE),
        "/raw/note.md": ("text/plain; charset=utf-8", MARKDOWN_PAGE),
        "/note.txt": ("text/plain; charset=utf-8", MARKDOWN_PAGE),
        "/notes/velo": ("text/plain; charset=utf-8", MARKDOWN_PAGE),
        "/notes/velo-untyped": ("", MARKDOWN_PAGE),
        "/notes/velo-x": ("text/x-markdown", MARKDOWN_PAGE),
        "/notes/stray": ("text/plain; charset=utf-8", STRAY_MARKS),
        "/notes/stray-untyped": ("", STRAY_MARKS),
        "/articles.json": ("application/json", '[{"text": "Il pleut."}, {"text": "Il neige."}]'),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
            return

        def do_GET(self) -> None:
            media, text = routes[self.path]
            body = text.encode("utf-8")
            self.send_response(200)
            if media:
                self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as url:
        yield url


@pytest.fixture
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would send our 127.0.0.1 requests elsewhere.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def _fetched(url: str) -> Article:
    (item,) = iter_articles([url], ReadOptions())
    assert isinstance(item, Article), item
    return item


@pytest.mark.usefixtures("_no_proxy")
def test_plain_text_url_keeps_its_paragraphs_and_loses_its_furniture(pages: str) -> None:
    from summarize.pipeline import clean_article

    article = _fetched(f"{pages}/plain.txt")
    assert not article.html
    assert article.url == f"{pages}/plain.txt"
    cleaned = clean_article(article, keep_boilerplate=False)
    assert cleaned.title == "Le conseil municipal adopte le budget"
    assert cleaned.date == "2024-03-12T10:30"
    assert cleaned.body.split("\n\n") == [
        "Le conseil municipal a adopté mardi soir le budget de la ville pour l'année prochaine, "
        "après un long débat.",
        "L'opposition a voté contre, dénonçant une hausse des impôts locaux jugée trop forte par ses élus.",
    ]
    assert [r.kind for r in cleaned.removed] == ["title", "timestamp", "read_also"]


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize(
    ("path", "html"),
    [
        ("/plain.txt", False),
        ("/tag.txt", False),  # prose quoting a tag stays text, as in a .txt file
        ("/untyped", False),  # no content type: the content decides
        ("/saved-page.txt", True),  # a page served as text/plain is still a page
        ("/page.html", True),
        ("/feed.xml", True),  # XML is markup: read as text, its tags would be translated
    ],
)
def test_url_content_type_then_content_decide_html(pages: str, path: str, html: bool) -> None:
    assert _fetched(pages + path).html is html


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize("scheme", ["HTTP", "Http"])
def test_an_url_scheme_in_capitals_is_fetched(pages: str, scheme: str) -> None:
    # A scheme is case-insensitive (RFC 3986): HTTP:// was refused as "unsupported URL scheme
    # 'HTTP'", a hint that said only http(s) is fetched.
    url = scheme + pages.removeprefix("http") + "/plain.txt"
    article = _fetched(url)
    assert article.id == url and "Le conseil municipal" in article.text
    assert read_inputs.input_path(url) is None and not read_inputs.is_pattern(url + "?a=[1]")


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize("path", ["/feed.txt", "/feed.ndjson"])
def test_a_json_lines_feed_url_is_one_article_a_line(pages: str, path: str) -> None:
    # Served as text/plain it was one article made of JSON (and a page, for the tags of a
    # line); as application/x-ndjson it was refused as "not a text page".
    url = pages + path
    items = list(iter_articles([url], ReadOptions()))
    assert [(type(item).__name__, item.id, item.source) for item in items] == [
        ("Article", "a", f"{url}:1"),
        ("Article", f"{url}-2", f"{url}:2"),
    ]
    assert items[0].text == "Il pleut sur Paris." and not items[0].html and items[1].html


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize(
    ("path", "markdown"), [("/note.md", True), ("/raw/note.md", True), ("/note.txt", False)]
)
def test_a_markdown_url_is_markdown(pages: str, path: str, markdown: bool) -> None:
    # Served as text/markdown (or as text/plain under a .md name, as forges serve raw files), it
    # was plain text: its # and ** went to the translator.
    article = _fetched(pages + path)
    assert (article.html, article.markdown) == (False, markdown)


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize(
    ("path", "markdown"),
    [
        ("/notes/velo", True),  # text/plain
        ("/notes/velo-untyped", True),  # no content type
        ("/notes/stray", False),
        ("/notes/stray-untyped", False),
        ("/untyped", False),
        ("/note.txt", False),  # a .txt name still says plain text, as a file's does
    ],
)
def test_a_plain_text_url_with_no_name_to_say_so_is_markdown_by_its_content(
    pages: str, path: str, markdown: bool
) -> None:
    # Served as text/plain or with no type under a name that says nothing, Markdown was plain
    # text: its # and ** went to the translator. It is now judged as stdin is.
    article = _fetched(pages + path)
    assert (article.html, article.markdown) == (False, markdown)


@pytest.mark.usefixtures("_no_proxy")
def test_a_text_x_markdown_url_is_markdown_whatever_its_name(pages: str) -> None:
    assert _fetched(f"{pages}/notes/velo-x").markdown


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize("path", ["/notes/velo", "/notes/velo-untyped"])
def test_cli_show_clean_strips_the_markdown_of_a_plain_text_url(pages: str, path: str) -> None:
    result = CliRunner().invoke(app, ["run", pages + path, "--show-clean", "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["title"], record["body"]) == ("Le plan vélo", "La ville double ses pistes cyclables.")


@pytest.mark.usefixtures("_no_proxy")
def test_a_json_array_url_is_refused_with_the_way_to_json_lines(pages: str) -> None:
    (failure,) = iter_articles([f"{pages}/articles.json"], ReadOptions())
    assert isinstance(failure, ReadFailure)
    assert failure.error.message == f"{pages}/articles.json: a JSON array of 2 objects, not JSON Lines"
    # jq reads no URL: the way starts with curl (it was "jq -c '.[]' http://...").
    way = f"curl -s {pages}/articles.json | jq -c '.[]' | summarize run -"
    assert failure.error.hint == f"give one object a line, for example: {way}"


@pytest.mark.usefixtures("_no_proxy")
def test_cli_show_clean_of_a_plain_text_url(pages: str) -> None:
    result = CliRunner().invoke(app, ["run", f"{pages}/plain.txt", "--show-clean", "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["title"] == "Le conseil municipal adopte le budget"
    assert "\n\n" in record["body"] and "Lire aussi" not in record["body"]


# -- --input-format and a JSON line's "format": the kind said, not told ---------------------


FLAGS = {"text": (False, False), "markdown": (False, True), "html": (True, False)}  # (html, markdown)


# A Markdown link alone: one kind of sign, too few for its content to tell it is Markdown.
LONE_LINK = (
    "Le rapport\n\nLa Cour des comptes publie [son rapport](https://example.com/rapport) sur la dette.\n"
)


TAGLESS = "Le conseil adopte le budget\n\nPublié le 12 mars 2024\n\nLe conseil a voté.\n\nIl pleut.\n"


def _read_as(
    route: str, text: str, input_format: str, tmp_path: Path, fifo: Callable[[str, bytes], Path]
) -> list[Item]:
    """``text`` read through ``route`` under ``--input-format input_format``."""
    options = ReadOptions(input_format=input_format)
    line = json.dumps({"id": "a", "text": text}) + "\n"
    if route == "stdin":
        return list(iter_articles(["-"], options, read_stdin=lambda: text.encode()))
    if route == "jsonl-stdin":
        return list(iter_articles(["-"], options, read_stdin=lambda: line.encode()))
    if route == "pipe":
        return list(iter_articles([str(fifo("notes", text.encode()))], options))
    name = {"jsonl-file": "feed.jsonl", "no-suffix": "notes"}.get(route, f"article{route}")
    (tmp_path / name).write_text(line if route == "jsonl-file" else text, encoding="utf-8")
    return list(iter_articles([str(tmp_path / name)], options))


@pytest.mark.parametrize("kind", ["text", "markdown", "html"])
@pytest.mark.parametrize(
    ("route", "text"),
    [
        (".md", MARKDOWN_ARTICLE),
        (".md", SAVED_PAGE),  # a whole page saved as .md: a page under auto
        (".txt", MARKDOWN_ARTICLE),
        (".html", SAVED_PAGE),
        (".html", TAGLESS),  # no tag: plain text under auto
        ("no-suffix", LONE_LINK),
        ("stdin", MARKDOWN_ARTICLE),
        ("pipe", SAVED_PAGE),
        ("jsonl-file", MARKDOWN_ARTICLE),
        ("jsonl-stdin", SAVED_PAGE),
    ],
)
def test_input_format_says_the_kind_on_every_route(
    route: str, text: str, kind: str, tmp_path: Path, fifo: Callable[[str, bytes], Path]
) -> None:
    # Whatever the name and content tell, and whatever rule auto has for them: the kind said.
    (item,) = _read_as(route, text, kind, tmp_path, fifo)
    assert isinstance(item, Article), item
    assert (item.html, item.markdown) == FLAGS[kind]
    # The framing stays: a JSON line is still read as JSON Lines (a file's BOM is no text).
    assert item.text.lstrip("\ufeff") == text.lstrip("\ufeff")
    assert item.source.endswith(":1") == route.startswith("jsonl")


@pytest.mark.usefixtures("_no_proxy")
@pytest.mark.parametrize("kind", ["text", "markdown", "html"])
@pytest.mark.parametrize("path", ["/page.html", "/note.md", "/plain.txt", "/feed.txt"])
def test_input_format_says_the_kind_of_a_url_whatever_its_content_type(
    pages: str, path: str, kind: str
) -> None:
    items = list(iter_articles([pages + path], ReadOptions(input_format=kind)))
    # A JSON Lines feed stays one article a line, each line's text of the kind said.
    assert len(items) == (2 if path == "/feed.txt" else 1)
    assert all(isinstance(i, Article) and (i.html, i.markdown) == FLAGS[kind] for i in items)


ABSENT = object()


@pytest.mark.parametrize(
    ("input_format", "given", "text", "expected"),
    [
        ("auto", ABSENT, MARKDOWN_ARTICLE, "markdown"),  # told by its content
        ("auto", ABSENT, STRAY_MARKS, "text"),
        ("auto", None, MARKDOWN_ARTICLE, "markdown"),  # null and blank are as if absent
        ("auto", "  ", STRAY_MARKS, "text"),
        ("auto", "auto", MARKDOWN_ARTICLE, "markdown"),
        ("auto", "text", MARKDOWN_ARTICLE, "text"),  # the line's format wins over its content
        ("auto", "markdown", STRAY_MARKS, "markdown"),
        ("auto", " HTML ", STRAY_MARKS, "html"),  # case and spaces do not matter
        ("text", "markdown", MARKDOWN_ARTICLE, "text"),  # --input-format, typed for the run, wins
        ("markdown", "html", SAVED_PAGE, "markdown"),
        ("html", "pdf", STRAY_MARKS, "html"),  # a wrong format included, as a wrong lang is
        ("markdown", ABSENT, STRAY_MARKS, "markdown"),
    ],
)
def test_a_jsonl_lines_format_between_input_format_and_its_content(
    input_format: str, given: object, text: str, expected: str
) -> None:
    line = {"id": "a", "text": text} | ({} if given is ABSENT else {"format": given})
    options = ReadOptions(input_format=input_format)
    (item,) = iter_articles(["-"], options, read_stdin=lambda: (json.dumps(line) + "\n").encode())
    assert isinstance(item, Article), item
    assert (item.html, item.markdown) == FLAGS[expected]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("md", '"md"'),
        ("plain", '"plain"'),
        ("text/html", '"text/html"'),
        (1, "1"),
        (True, "true"),
        (["html"], '["html"]'),
    ],
)
def test_a_wrong_format_fails_that_line_only(given: object, said: str) -> None:
    lines = [
        {"id": "a", "text": "Il pleut."},
        {"id": "b", "text": "Il neige.", "format": given},
        {"text": "Il vente."},
    ]
    a, b, c = _stdin(jsonl(lines))
    assert isinstance(a, Article) and isinstance(c, Article)
    assert isinstance(b, ReadFailure) and (b.id, b.source, b.error.kind) == ("b", "stdin:2", "input_format")
    assert b.error.message == f'stdin:2: unknown "format" {said}'
    assert b.error.hint is not None and b.error.hint.startswith(
        "expected one of: auto, text, markdown, html;"
    )


def _cleaned(args: list[str], stdin: str | None = None) -> tuple[int, list[dict], str]:
    result = CliRunner().invoke(app, ["run", *args, "--show-clean", "-f", "jsonl"], input=stdin)
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_cli_input_format_markdown_strips_a_lone_link_and_text_keeps_markdown(tmp_path: Path) -> None:
    # A lone link was plain text, its URL translated; a .md file's markup could not be kept.
    code, (auto,), _ = _cleaned(["-"], LONE_LINK)
    assert code == 0 and "[son rapport](https://example.com/rapport)" in auto["body"]
    code, (forced,), _ = _cleaned(["-", "--input-format", "markdown"], LONE_LINK)
    assert code == 0 and forced["body"] == "La Cour des comptes publie son rapport sur la dette."
    (tmp_path / "greve.md").write_text(MARKDOWN_ARTICLE, encoding="utf-8")
    code, (kept,), _ = _cleaned([str(tmp_path / "greve.md"), "--input-format", "text"])
    assert code == 0 and "Les **cheminots** ont voté une [grève reconductible](https" in kept["body"]


def test_cli_input_format_decides_where_auto_has_rules_of_its_own(tmp_path: Path) -> None:
    # A whole page saved as .md is Markdown when said so: its tags go with the markup.
    (tmp_path / "page.md").write_text(SAVED_PAGE, encoding="utf-8")
    code, (page,), _ = _cleaned([str(tmp_path / "page.md"), "--input-format", "markdown"])
    said = page["body"] + " ".join(r["text"] for r in page["removed"])
    # Not extracted (a page's title comes from its <title>), nor kept as written (its <p>).
    assert code == 0 and page["title"] is None and "<p>" not in said and "La ville veut doubler" in said
    # An .html file without a tag is a page when said so: its lines run into one paragraph.
    (tmp_path / "note.html").write_text(TAGLESS, encoding="utf-8")
    code, (tagless,), _ = _cleaned([str(tmp_path / "note.html"), "--input-format", "html"])
    assert code == 0 and "\n" not in tagless["body"] and "Le conseil a voté. Il pleut." in tagless["body"]


def test_cli_a_wrong_format_is_one_failed_record(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    lines = [
        {"id": "a", "text": MARKDOWN_ARTICLE, "format": "md"},
        {"id": "b", "text": "**Il** pleut.", "format": "markdown"},
    ]
    feed.write_text(jsonl(lines, ensure_ascii=False), encoding="utf-8")
    code, (a, b), stderr = _cleaned([str(feed)])
    assert code == 1
    assert a["id"] == "a" and a["error"]["kind"] == "input_format"
    assert b["body"] == "Il pleut."
    assert stderr.splitlines() == [
        f'summarize: {feed}:1: unknown "format" "md" (expected one of: auto, text, markdown, html; fix its '
        '"format", leave it out to have the kind told by the text, or pass --input-format)'
    ]
    # --input-format, typed for the run, wins over every line's: nothing fails.
    code, records, _ = _cleaned([str(feed), "--input-format", "text"])
    assert code == 0 and [r["body"] for r in records][1] == "**Il** pleut."
    # A run's record says the same: the line failed, with its id, before any model was needed.
    no_model = ["--translation-model", "/nonexistent/model", "--summary-model", "/nonexistent/model"]
    result = CliRunner().invoke(app, ["run", str(feed), "-f", "jsonl", "--no-cache", *no_model])
    record = json.loads(result.stdout.splitlines()[0])
    assert result.exit_code == 1 and (record["id"], record["status"]) == ("a", "error")
    assert (
        record["error"]["kind"] == "input_format"
        and record["error"]["message"] == f'{feed}:1: unknown "format" "md"'
    )
