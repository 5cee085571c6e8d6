"""Tests of summarize.clean_html: article extraction from a page, its data tables, and the
date the page states."""

from __future__ import annotations

from pathlib import Path

import pytest
from clean_pages import BODY_FR, HEADLINE, HTML_PAGES, PAGES, parse_annotated

from summarize.clean import RELATED, Cleaned
from summarize.clean_html import extract_html, looks_like_html
from summarize.clean_markdown import strip_markdown


@pytest.mark.parametrize("path", HTML_PAGES, ids=lambda p: p.stem)
def test_annotated_html_page(path: Path) -> None:
    page = parse_annotated(path.with_suffix(".expect"))
    html = path.read_text(encoding="utf-8")
    assert looks_like_html(html)
    cleaned = extract_html(html)
    body_lines = cleaned.body.split("\n")
    for line in page.keep:
        assert line in body_lines
    removed = {r.text: r.kind for r in cleaned.removed}
    for kind, text in page.drop:
        assert text not in cleaned.body
        assert text in removed, text
        if kind:
            assert removed[text] == kind, text
    assert cleaned.title == page.title
    assert cleaned.date == page.meta.get("date")
    assert cleaned.url == page.meta.get("url")
    assert "\n\n" in cleaned.body  # paragraphs stay paragraphs


def test_html_keep_boilerplate_returns_all_visible_text() -> None:
    html = (PAGES / "fr_page.html").read_text(encoding="utf-8")
    cleaned = extract_html(html, keep_boilerplate=True)
    assert cleaned.removed == ()
    assert "Les plus lus" in cleaned.body
    assert "Partager" in cleaned.body
    assert "dataLayer" not in cleaned.body  # scripts are never visible text
    assert cleaned.title == "Les abeilles sauvages en net recul dans les campagnes françaises"


def test_html_fallback_when_trafilatura_finds_nothing() -> None:
    html = (
        "<html><head><title>Court</title></head><body><div>Il pleut.</div><div>Partager</div></body></html>"
    )
    cleaned = extract_html(html, url="https://example.org/a")
    assert "Il pleut." in cleaned.body
    assert "Partager" not in cleaned.body
    assert cleaned.url == "https://example.org/a"


def test_html_br_and_paragraphs() -> None:
    html = "<p>un<br>deux<br><br>trois</p><div><div>quatre</div><div>cinq <b>six</b></div></div>"
    cleaned = extract_html(html, keep_boilerplate=True)
    assert cleaned.body == "un\ndeux\n\ntrois\n\nquatre\ncinq six"


def test_extract_html_survives_junk() -> None:
    for junk in ("", "<", "<?xml version='1.0' encoding='utf-8'?><html></html>", "<html>\x00</html>"):
        assert isinstance(extract_html(junk), Cleaned)


# --- tables -----------------------------------------------------------------------------------
HEADLINES = ["Le maire inaugure la médiathèque", "Le tramway prend du retard", "Rennes gagne à Lyon"]


def test_an_html_pages_table_of_links_still_goes() -> None:
    # A page's <table> is often layout or a list of links, which trafilatura keeps as a table:
    # its rows are not protected as a Markdown table's are unless it reads as data (below).
    links = "".join(f"<tr><td><a href='/{i}'>{text}</a></td></tr>" for i, text in enumerate(HEADLINES))
    article = f"<h1>{HEADLINE}</h1><p>{BODY_FR}</p><table>{links}</table>"
    page = f"<html><body><article>{article}</article></body></html>"
    cleaned = extract_html(page)
    assert (cleaned.title, cleaned.body) == (HEADLINE, BODY_FR.replace("\n", " "))
    assert [(r.kind, r.text) for r in cleaned.removed] == [("title", HEADLINE)] + [
        (RELATED, h) for h in HEADLINES
    ]


# A news page's data table (results by candidate, a budget by line) is article content: its rows
# stay body wherever the table stands, while a table of links or a layout table still goes.
PARAGRAPHS = [line.replace("\n", " ") for line in BODY_FR.split("\n")]
RESULTS = [
    ("Marie Dupont", "12 480", "41,2"),
    ("Jean Martin", "9 310", "30,7"),
    ("Paul Roux", "3 390", "11,2"),
]
RESULTS_HTML = (
    "<table><thead><tr><th>Candidat</th><th>Voix</th><th>%</th></tr></thead><tbody>"
    + "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td></tr>" for a, b, c in RESULTS)
    + "</tbody></table>"
)
# Its rows as a Markdown table's: cells joined by ", ".
RESULTS_ROWS = "Candidat, Voix, %\n" + "\n".join(", ".join(row) for row in RESULTS)
BUDGET_HTML = (
    "<table>"
    + "".join(
        f"<tr><td>{a}</td><td>{b}</td></tr>"
        for a, b in [("Écoles", "12 M€"), ("Voirie", "8 M€"), ("Culture", "3 M€")]
    )
    + "</table>"
)


def _article_page(*blocks: str) -> str:
    article = f"<article><h1>{HEADLINE}</h1>{''.join(blocks)}</article>"
    return f"<html><body><nav><a href='/'>Accueil</a></nav>{article}</body></html>"


@pytest.mark.parametrize(
    ("blocks", "body"),
    [
        # after the last paragraph, where results and budgets usually stand
        ([f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>", RESULTS_HTML], [*PARAGRAPHS, RESULTS_ROWS]),
        # right under the headline, before the text
        ([RESULTS_HTML, f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>"], [RESULTS_ROWS, *PARAGRAPHS]),
        # between two paragraphs
        (
            [f"<p>{PARAGRAPHS[0]}</p>", RESULTS_HTML, f"<p>{PARAGRAPHS[1]}</p>"],
            [PARAGRAPHS[0], RESULTS_ROWS, PARAGRAPHS[1]],
        ),
        # no <th>: most rows hold a figure beside a label
        (
            [f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>", BUDGET_HTML],
            [*PARAGRAPHS, "Écoles, 12 M€\nVoirie, 8 M€\nCulture, 3 M€"],
        ),
    ],
    ids=["end", "start", "middle", "figures_without_th"],
)
def test_an_html_pages_data_table_stays_in_the_body(blocks: list[str], body: list[str]) -> None:
    cleaned = extract_html(_article_page(*blocks))
    assert (cleaned.title, cleaned.body) == (HEADLINE, "\n\n".join(body))
    assert [(r.kind, r.text) for r in cleaned.removed] == [("navigation", "Accueil"), ("title", HEADLINE)]


def test_a_data_rows_lines_all_stay_and_furniture_after_the_table_goes() -> None:
    # trafilatura makes a <br> in a cell a paragraph: the row spans lines, and every one of them
    # is the row's; the three rows after it keep their numbers (misnumbered, they would go).
    later = [("Jean Martin", "9 310"), ("Paul Roux", "3 390"), ("Luc Petit", "1 020")]
    rows = "".join(f"<tr><td>{name}</td><td>{votes}</td></tr>" for name, votes in later)
    first = "<tr><td>Marie Dupont<br>(DVG)</td><td>12 480</td></tr>"
    table = f"<table><tr><th>Candidat</th><th>Voix</th></tr>{first}{rows}</table>"
    paragraphs = [f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS]
    cleaned = extract_html(_article_page(*paragraphs, table, "<p>Partager sur Facebook</p>"))
    table_text = "Candidat, Voix\nMarie Dupont\n\n(DVG)\n\n12 480\n" + "\n".join(", ".join(r) for r in later)
    assert cleaned.body == "\n\n".join([*PARAGRAPHS, table_text])
    assert [(r.kind, r.text) for r in cleaned.removed][-1] == ("share", "Partager sur Facebook")


# Crosses into clean_markdown: it pins that extract_html joins a row as strip_markdown does.
def test_an_html_pages_data_rows_are_joined_as_a_markdown_tables() -> None:
    """A page's data table and the same table in Markdown give the same rows: cells joined by
    ", " (by spaces, "Marie Dupont 12 480 41,2" ran into one phrase), none after a cell that
    ends with a mark of its own, nothing for an empty cell."""
    rows = [("Pos.", "Candidat", "Voix"), ("1", "Marie Dupont", "12 480"), ("Total :", "", "21 790")]
    html = "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    markdown = "\n".join(["| " + " | ".join(row) + " |" for row in rows[:1]] + ["|---|---|---|"])
    markdown += "\n" + "\n".join("| " + " | ".join(row) + " |" for row in rows[1:])
    cleaned = extract_html(_article_page(f"<p>{PARAGRAPHS[0]}</p>", html + "</table>"))
    expected = "Pos. Candidat, Voix\n1, Marie Dupont, 12 480\nTotal : 21 790"
    assert strip_markdown(markdown) == expected
    assert cleaned.body == "\n\n".join([PARAGRAPHS[0], expected])
    # The rows, joined otherwise than the page's visible text writes them, are not "removed".
    assert [(r.kind, r.text) for r in cleaned.removed] == [("navigation", "Accueil"), ("title", HEADLINE)]


def test_an_html_pages_table_of_links_under_a_header_still_goes() -> None:
    # A <th> makes no data table of headline links: the page's cells are mostly link text.
    links = "".join(f"<tr><td><a href='/{i}'>{text}</a></td></tr>" for i, text in enumerate(HEADLINES))
    table = f"<table><tr><th>Les plus lus</th></tr>{links}</table>"
    cleaned = extract_html(_article_page(f"<p>{PARAGRAPHS[0]}</p>", f"<p>{PARAGRAPHS[1]}</p>", table))
    assert (cleaned.title, cleaned.body) == (HEADLINE, "\n\n".join(PARAGRAPHS))
    assert [r.text for r in cleaned.removed if r.kind == RELATED] == ["Les plus lus", *HEADLINES]


ARTICLE_HTML = f"<h1>{HEADLINE}</h1><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>"


@pytest.mark.parametrize(
    "rows",
    [
        # its menu in <th> cells of links, its footer a row of links
        [
            "".join(f"<th><a href='/{name}'>{name}</a></th>" for name in ("Accueil", "Politique", "Sport")),
            f"<td colspan='3'>{ARTICLE_HTML}</td>",
            "<td><a href='/p'>Partager</a></td><td><a href='/m'>Mentions légales</a></td><td>© 2024</td>",
        ],
        # no links: a masthead <th>, figures beside the article, a copyright footer
        [
            "<th colspan='2'>Le Quotidien de Quimper</th>",
            f"<td>Météo 18 °C<br>CAC 40 +0,4 %</td><td>{ARTICLE_HTML}</td>",
            "<td colspan='2'>© 2024 Le Quotidien de Quimper. Tous droits réservés.</td>",
        ],
    ],
    ids=["menu_of_links", "masthead_and_figures"],
)
def test_an_html_pages_layout_table_still_goes(rows: list[str]) -> None:
    # An old page laid out in a table: trafilatura returns the table whole, the article in one
    # of its cells, so its other rows are no data whatever header cells or figures they hold.
    page = "<html><body><table>" + "".join(f"<tr>{row}</tr>" for row in rows) + "</table></body></html>"
    cleaned = extract_html(page)
    assert (cleaned.title, cleaned.body) == (HEADLINE, "\n\n".join(PARAGRAPHS))
    assert all(word not in cleaned.body for word in ("Accueil", "Quimper", "Météo", "Mentions légales"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!DOCTYPE html><html><body><p>x</p></body></html>", True),
        ("  <html lang='fr'>", True),
        ("<div><p>Un</p><p>Deux</p></div>", True),
        ("Le code <p> ouvre un paragraphe en HTML.", False),
        ("a < b et c > d", False),
        ("Texte simple.", False),
    ],
)
def test_looks_like_html(text: str, expected: bool) -> None:
    assert looks_like_html(text) is expected


# --- HTML dates: only a date the page states ---------------------------------------------------
_DATE_BODY = (
    "<p>La ville veut doubler le nombre de pistes cyclables sur son territoire, selon le maire, "
    "qui a présenté son plan mardi devant le conseil municipal réuni en séance plénière.</p>"
    "<p>Les associations saluent une avancée mais demandent des garanties sur le financement et "
    "le calendrier des travaux prévus dans les quartiers du nord de la ville.</p>"
)


def _dated_page(head: str = "", header: str = "", body: str = _DATE_BODY) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>Le plan vélo</title>{head}</head><body>"
        "<nav><a href='/'>Accueil</a></nav>"
        f"<article><header><h1>Le plan vélo</h1>{header}</header>{body}</article></body></html>"
    )


_JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
    '"headline": "Le plan vélo", "datePublished": "2021-06-15T08:30:00+02:00"}</script>'
)


@pytest.mark.parametrize("keep_boilerplate", [False, True], ids=["extract", "keep"])
@pytest.mark.parametrize(
    ("html", "date"),
    [
        pytest.param(_dated_page(), None, id="no-date-anywhere"),
        pytest.param(
            _dated_page(body=_DATE_BODY.replace("sur son territoire", "d'ici la fin de 2022")),
            None,
            id="year-only-in-body-text",
        ),
        pytest.param(
            "<html><head><script src='/app.js?v=1995'></script>"
            "<script>window.cfg = {build: '1995'};</script></head>"
            "<body><script>document.write('1995')</script></body></html>",
            None,
            id="scripts-only",
        ),
        pytest.param(
            _dated_page(head='<meta property="article:published_time" content="2024-03-05T10:00:00Z">'),
            "2024-03-05T10:00Z",  # as the same stamp in a text or a JSON Lines line gives it
            id="meta-published-time",
        ),
        pytest.param(
            _dated_page(head='<meta property="article:published_time" content="2024-06-17T16:01:00+02:00">'),
            "2024-06-17T16:01+02:00",
            id="meta-published-time-offset",
        ),
        pytest.param(
            _dated_page(header='<time datetime="2023-11-02">2 novembre 2023</time>'),
            "2023-11-02",
            id="time-datetime-in-header",
        ),
        pytest.param(_dated_page(head=_JSON_LD), "2021-06-15T08:30+02:00", id="json-ld-date-published"),
        pytest.param(
            _dated_page(head='<link rel="canonical" href="https://example.org/2020/07/14/plan-velo">'),
            "2020-07-14",
            id="date-in-url",
        ),
        pytest.param(
            _dated_page(header='<p class="byline">Par Marie Dupont, publié le 12 janvier 2024</p>'),
            "2024-01-12",
            id="dated-byline",
        ),
    ],
)
def test_html_date_is_only_a_date_the_page_states(
    html: str, date: str | None, keep_boilerplate: bool
) -> None:
    # trafilatura's default (htmldate's extensive search) guessed 2022-01-01 from "fin de 2022"
    # and 1995-01-01 from the scripts.
    cleaned = extract_html(html, keep_boilerplate=keep_boilerplate)
    assert cleaned.date == date


def _ld(data: str) -> str:
    return f'<script type="application/ld+json">{data}</script>'


_MODIFIED_META = '<meta property="article:modified_time" content="2024-06-18T09:30:00+02:00">'


# The page's own publication-date metadata is read first, through parse_date, so that a stamp
# comes out as it would from a text or a JSON Lines line; the library's date only without one.
@pytest.mark.parametrize("keep_boilerplate", [False, True], ids=["extract", "keep"])
@pytest.mark.parametrize(
    ("head", "header", "date"),
    [
        pytest.param(
            '<meta property="article:published_time" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",  # the library gave +00:00 (htmldate's +0000)
            id="og-published-z",
        ),
        pytest.param(
            '<meta property="article:published_time" content="Mon, 17 Jun 2024 16:01:00 +0200">',
            "",
            "2024-06-17T16:01+02:00",  # the library gave 2024-06-17: time and zone lost
            id="og-published-rfc2822",
        ),
        pytest.param(
            '<meta itemprop="datePublished" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",
            id="itemprop-meta-z",
        ),
        pytest.param(
            "",
            '<time itemprop="datePublished" datetime="2024-06-17T14:01:00Z">17 juin 2024</time>',
            "2024-06-17T14:01Z",
            id="itemprop-time-z",
        ),
        pytest.param(
            _ld(
                '{"@context": "https://schema.org", "@graph": ['
                '{"@type": "WebPage", "datePublished": "2019-01-01T00:00:00Z"}, '
                '{"@type": "NewsArticle", "dateModified": "2024-06-18T09:30:00+02:00", '
                '"datePublished": "2024-06-17T16:01:00+02:00"}]}'
            ),
            "",
            "2024-06-17T16:01+02:00",  # the library took the WebPage's 2019-01-01
            id="json-ld-graph-article-not-webpage",
        ),
        pytest.param(
            _ld(
                '[{"@type": "BreadcrumbList"}, {"@type": ["BlogPosting"], '
                '"datePublished": "2024-06-17T14:01:00Z"}]'
            ),
            "",
            "2024-06-17T14:01Z",
            id="json-ld-list-z",
        ),
        pytest.param(
            '<meta name="date" content="Mon, 17 Jun 2024 16:01:00 +0200">',
            "",
            "2024-06-17T16:01+02:00",  # the library gave 2024-06-17
            id="meta-name-date-rfc2822",
        ),
        pytest.param(
            '<meta name="dc.date" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",
            id="meta-dc-date-z",
        ),
        pytest.param(
            '<meta name="pubdate" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",
            id="meta-pubdate-z",
        ),
        pytest.param(
            _MODIFIED_META + '<meta name="dc.date" content="2024-06-17T14:01:00Z">',
            "",
            "2024-06-17T14:01Z",  # the published date, not the modified one
            id="modified-and-published",
        ),
        pytest.param(
            _MODIFIED_META + '<meta property="article:published_time" content="2024-06-17T16:01:00+02:00">',
            "",
            "2024-06-17T16:01+02:00",
            id="modified-and-og-published",
        ),
        # Never a modified date, nor a copyright year: the library fell back on them (2024-06-18,
        # 2023-01-01) when a page stated no publication date. A date stated elsewhere still is.
        pytest.param(_MODIFIED_META, "", None, id="modified-only"),
        pytest.param(
            '<meta property="og:updated_time" content="2024-06-18T09:30:00+02:00">',
            "",
            None,
            id="og-updated-only",
        ),
        pytest.param('<meta name="last-modified" content="2024-06-18">', "", None, id="last-modified"),
        pytest.param(
            "",
            '<time itemprop="dateModified" datetime="2024-06-18T09:30:00+02:00">18 juin</time>',
            None,
            id="itemprop-modified-only",
        ),
        pytest.param(
            _ld('{"@type": "NewsArticle", "dateModified": "2024-06-18T09:30:00+02:00"}'),
            "",
            None,
            id="json-ld-modified-only",
        ),
        pytest.param('<meta itemprop="copyrightYear" content="2023">', "", None, id="copyright-year"),
        pytest.param(
            _MODIFIED_META,
            '<time datetime="2024-06-05">5 juin 2024</time>',
            "2024-06-05",  # the library took the modified date over it
            id="modified-and-a-time",
        ),
        pytest.param(
            _MODIFIED_META + '<link rel="canonical" href="https://example.org/2024/06/09/plan-velo">',
            "",
            "2024-06-09",
            id="modified-and-a-dated-url",
        ),
        pytest.param(
            '<meta property="article:published_time" content="bientôt">',
            "",
            None,  # no date there, none anywhere else
            id="unreadable-published",
        ),
    ],
)
def test_html_page_date_is_its_published_metadata_as_parse_date_reads_it(
    head: str, header: str, date: str | None, keep_boilerplate: bool
) -> None:
    html = _dated_page(head=head, header=header)
    assert extract_html(html, keep_boilerplate=keep_boilerplate).date == date
