"""HTML pages: the article a page holds, cleaned as plain text, with the page's title, date and
URL (:func:`extract_html`); and HTML told from plain text by its content (:func:`looks_like_html`).

trafilatura finds the article; clean.py's rules then clean it, and name the lines it left out.
A page's own publication date comes from its metadata before trafilatura's (htmldate's) guess,
and a data table's rows (election results, a budget) are kept in the body as text.

Pure: constants only at module level, and trafilatura / lxml / htmldate are imported inside the
functions that need them so that importing this module stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from .clean import (
    TITLE,
    Cleaned,
    RemovedLine,
    _lone_line_kind,
    clean_text,
    has_text,
    normalize_text,
)
from .clean_markdown import _row_text
from .dates import parse_date

# --- HTML recognised by its content ----------------------------------------------------------
_HTML_START = r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html\b|<head\b|<body\b)"
_HTML_TAG = (
    r"</?(?:html|head|body|div|p|span|a|article|section|main|header|footer|nav|h[1-6]|ul|ol|li|"
    r"table|tr|td|br|img|meta|link|script|style|figure|figcaption|blockquote|strong|em|b|i)\b[^<>]*>"
)


def looks_like_html(text: str) -> bool:
    """Tell whether ``text`` is an HTML document or fragment rather than plain text.

    True when it opens like a document (doctype, ``<html>``, ``<head>``, ``<body>``), or when
    known tags are frequent enough (a plain article quoting one ``<p>`` stays plain text).
    """
    head = text[:100_000]
    if re.match(_HTML_START, head, flags=re.IGNORECASE | re.DOTALL):
        return True
    tags = re.findall(_HTML_TAG, head, flags=re.IGNORECASE)
    closing = sum(1 for tag in tags if tag.startswith("</"))
    if head.lstrip().startswith("<") and len(tags) >= 3 and closing >= 1:
        return True
    return len(tags) >= 10 and closing >= 3


# --- a page's visible text ------------------------------------------------------------------
_SKIPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "svg",
        "iframe",
        "object",
        "canvas",
        "math",
        "select",
        "option",
        "datalist",
    }
)
_PARAGRAPH_TAGS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "table",
        "blockquote",
        "pre",
        "figure",
        "figcaption",
        "article",
        "section",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "form",
        "fieldset",
        "address",
        "hr",
        "details",
        "summary",
        # trafilatura's own output vocabulary
        "head",
        "list",
        "quote",
        "code",
    }
)
_BREAK_TAGS = frozenset({"br", "lb"})
_LINE_TAGS = frozenset({"li", "item", "tr", "row", "div", "dt", "dd", "caption", "legend"})
_CELL_TAGS = frozenset({"td", "th", "cell"})


def _is_hidden(element: Any) -> bool:
    attrib = element.attrib
    if "hidden" in attrib or attrib.get("aria-hidden") == "true":
        return True
    style = attrib.get("style", "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _element_text(root: Any, *, skip_hidden: bool, skipped: Iterable[str] = ()) -> str:
    """Visible text of an lxml tree with block elements as line and paragraph breaks."""
    skip = frozenset(skipped)
    # Text pieces and break requests (1: new line, 2: new paragraph, "br": one more line).
    parts: list[str | int] = []

    def add_text(text: str | None) -> None:
        if text:
            parts.append(_source_space(text))

    # An explicit stack instead of recursion: real pages nest deeper than Python's limit.
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else None
        name = tag.lower().rsplit("}", 1)[-1] if tag else None
        if closing:
            if name in _PARAGRAPH_TAGS:
                parts.append(2)
            elif name in _LINE_TAGS:
                parts.append(1)
            elif name in _CELL_TAGS:
                parts.append(" ")
            if element is not root:
                add_text(element.tail)
            continue
        if name is None or name in skip or (skip_hidden and _is_hidden(element)):
            # Comments, scripts and hidden blocks: only the text after them is visible.
            if element is not root:
                add_text(element.tail)
            continue
        if name in _BREAK_TAGS:
            parts.append(0)
        elif name in _PARAGRAPH_TAGS:
            parts.append(2)
        elif name in _LINE_TAGS:
            parts.append(1)
        add_text(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(list(element)))
    return _join_parts(parts)


def _join_parts(parts: Sequence[str | int]) -> str:
    """Join text pieces; adjacent break requests merge into the strongest one."""
    out: list[str] = []
    pending = 0
    for part in parts:
        if isinstance(part, int):
            # 0 stands for <br>: each one adds a line, so <br><br> opens a paragraph.
            pending = min(2, pending + 1) if part == 0 else max(pending, part)
            continue
        if not part.strip():
            if out and pending == 0:
                out.append(" ")
            continue
        if out and pending:
            out.append("\n" * pending)
        pending = 0
        out.append(part)
    text = "".join(out)
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _source_space(text: str) -> str:
    """HTML whitespace rule: newlines and runs of blanks in the source are one space."""
    return re.sub(r"[ \t\n\r\f\v]+", " ", text)


def _html_root(html: str) -> Any:
    """The page's lxml tree, or None for input that is no document."""
    import lxml.html  # lazy: lxml comes with trafilatura and is slow to import

    # lxml refuses str input that declares its own encoding; the text is decoded already.
    html = re.sub(r"\A\s*<\?xml[^>]*>", "", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except Exception:  # lxml raises several types on junk input; all mean "no document"
        return None


def _visible_text(root: Any) -> str:
    """All text a reader would see on the page (its lxml tree), one block per line."""
    if root is None:
        return ""
    return _element_text(root, skip_hidden=True, skipped=_SKIPPED_TAGS)


# --- a page's own publication date ---------------------------------------------------------------
# The page's metadata for when it was published, strongest first: Open Graph's article tag,
# schema.org microdata, JSON-LD, then the older name="date" forms. Never a modified date.
_PUBLISHED_META_PROPERTIES = ("article:published_time",)
_PUBLISHED_META_NAMES = ("date", "dc.date", "dc.date.issued", "dcterms.date", "pubdate")
# JSON-LD types whose datePublished is the article's (a WebPage's is the page's, often older).
_ARTICLE_LD_TYPES = frozenset(
    {"newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle"}
)
# Bounded work on huge pages: how many candidates of each kind are looked at, and how much
# JSON-LD is decoded.
_MAX_DATE_CANDIDATES = 20
_MAX_LD_CHARS = 200_000


def _page_published_date(root: Any) -> str | None:
    """The publication date the page states in its metadata, as
    :func:`summarize.dates.parse_date` gives it.

    Read before trafilatura's (htmldate's) date, which writes ``Z`` as ``+0000`` and drops the
    time of a date it reads in another form (RFC 2822), and may take a WebPage's or a modified
    date. None when the page states none that reads as a date.
    """
    if root is None:
        return None
    try:
        for value in _published_candidates(root):
            date = parse_date(normalize_text(value)[:200]) if value.strip() else None
            if date:
                return date
    except Exception:  # odd markup: the library's date is the fallback
        return None
    return None


def _published_candidates(root: Any) -> Iterator[str]:
    """The page's publication-date values, strongest source first; each source is searched only
    when the ones before it gave no date."""
    lower = "translate({attr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
    prop, name = lower.format(attr="@property"), lower.format(attr="@name")
    for key in _PUBLISHED_META_PROPERTIES:
        for el in root.xpath(f"//meta[{prop}=$key]", key=key)[:_MAX_DATE_CANDIDATES]:
            yield el.get("content") or ""
    for el in root.xpath("//*[@itemprop='datePublished']")[:_MAX_DATE_CANDIDATES]:
        yield el.get("content") or el.get("datetime") or ""
    yield from _json_ld_published(root.xpath("//script[@type='application/ld+json']"))
    for key in _PUBLISHED_META_NAMES:
        for el in root.xpath(f"//meta[{name}=$key]", key=key)[:_MAX_DATE_CANDIDATES]:
            yield el.get("content") or ""


# Attribute values (name, property, itemprop, http-equiv) that mark a date other than the
# publication date: htmldate falls back on a modified time, or a copyright year read as 1 January,
# when a page states no publication date.
_NOT_PUBLISHED = re.compile(r"modif|updat|lastmod|last-mod|copyright", re.IGNORECASE)
_DATE_ATTRIBUTES = ("name", "property", "itemprop", "http-equiv")
_LD_MODIFIED = re.compile(r'("date(?:Modified|Updated)"\s*:\s*)"[^"]*"', re.IGNORECASE)


def _dates_other_than_published(el: Any) -> bool:
    """Whether an element of a page states a modified date or a copyright year."""
    if not isinstance(el.tag, str):  # a comment or processing instruction
        return False
    if el.tag == "script":
        return bool(el.text) and _LD_MODIFIED.search(el.text) is not None
    return any(_NOT_PUBLISHED.search(el.get(name) or "") for name in _DATE_ATTRIBUTES)


def _library_date(found: object, root: Any, url: str | None) -> str | None:
    """trafilatura's (htmldate's) date for a page whose metadata gives no publication date, or
    None where it could be a modified date or a copyright year.

    ``found`` is the date trafilatura gave. On a page that marks such dates, htmldate runs again
    on a copy of the page without them, so that a date the page states elsewhere (a ``<time>``,
    the URL) is still found.
    """
    if root is None or not any(_dates_other_than_published(el) for el in root.iter()):
        return _meta_date(found)
    from copy import deepcopy

    pruned = deepcopy(root)
    # deepcopy keeps the order, so the copy's elements pair with the page's.
    for el, copy in zip(root.iter(), pruned.iter(), strict=True):
        if not _dates_other_than_published(el):
            continue
        if el.tag == "script":
            copy.text = _LD_MODIFIED.sub(r'\1""', el.text)
        else:
            # The date goes, the element and its text stay: a <time> may hold the body's words.
            for name in (*_DATE_ATTRIBUTES, "content", "datetime"):
                copy.attrib.pop(name, None)
    import htmldate  # comes with trafilatura

    try:
        return _meta_date(htmldate.find_date(pruned, url=url, **_date_params()))
    except Exception:  # odd markup: no date rather than a wrong one
        return None


def _json_ld_published(scripts: list[Any]) -> list[str]:
    """``datePublished`` of each article a page's JSON-LD describes, in order."""
    import json

    found: list[str] = []
    for script in scripts[:_MAX_DATE_CANDIDATES]:
        text = (script.text or "").strip()
        if not text or len(text) > _MAX_LD_CHARS:
            continue
        try:
            data = json.loads(text)
        except ValueError:
            continue
        # A list of items, an @graph, or one item; nested no deeper than that.
        pending = data if isinstance(data, list) else [data]
        items: list[Any] = []
        for item in pending[:_MAX_DATE_CANDIDATES]:
            items.append(item)
            if isinstance(item, dict) and isinstance(item.get("@graph"), list):
                items.extend(item["@graph"][:_MAX_DATE_CANDIDATES])
        for item in items:
            if not isinstance(item, dict):
                continue
            kinds = item.get("@type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            is_article = any(isinstance(k, str) and k.lower() in _ARTICLE_LD_TYPES for k in kinds)
            if is_article and isinstance(item.get("datePublished"), str):
                found.append(item["datePublished"])
    return found


def _line_set(text: str) -> set[str]:
    return {re.sub(r"\s+", " ", line).strip() for line in text.split("\n") if line.strip()}


def _line_pairs(spaced: dict[str, str]) -> list[tuple[str, str]]:
    """``spaced``'s rows and lines, their spaces as :func:`_line_set` writes them."""
    return [
        (re.sub(r"\s+", " ", row).strip(), re.sub(r"\s+", " ", line).strip()) for row, line in spaced.items()
    ]


def _dropped_lines(
    visible: str, body: str, title: str | None, known: dict[str, str], spaced: dict[str, str]
) -> tuple[RemovedLine, ...]:
    """Lines of the visible page text that did not make it into the body, with a kind.

    The kind comes from the cleaning of the extracted text when the line went through it, else
    from cleaning the whole visible text (which sees headings and neighbours), else
    ``boilerplate``: trafilatura dropped it for reasons of its own.  ``spaced``: the body's
    table rows as the visible text writes them (see :func:`_trafilatura_text`), kept too.
    """
    page = {r.line_no: r.kind for r in clean_text(visible).removed if r.kind != TITLE}
    kept = _line_set(body)
    kept |= {line for row, line in _line_pairs(spaced) if row in kept}
    flat_body = re.sub(r"\s+", " ", body)
    title_key = re.sub(r"\s+", " ", title).strip() if title else None
    removed: list[RemovedLine] = []
    for number, line in enumerate(visible.split("\n"), start=1):
        text = re.sub(r"\s+", " ", line).strip()
        if not text or text in kept or (len(text) > 20 and text in flat_body):
            continue
        guessed = known.get(text) or page.get(number) or _lone_line_kind(text)
        kind = TITLE if text == title_key else guessed
        removed.append(RemovedLine(line_no=number, kind=kind, text=text))
    return tuple(removed)


# --- a page's data tables ------------------------------------------------------------------------
# trafilatura keeps every <table> it meets, layout and lists of links as much as an article's
# election results or budget lines; only a table that reads as data has its rows kept as body.
# Cells that hold a block of the page's own (a heading, a list, a nested table) or a paragraph's
# worth of words are layout: trafilatura returns a layout table whole, the article in a cell.
_LAYOUT_CELL_TAGS = ("head", "list", "table", "quote")
_LAYOUT_CELL_WORDS = 40
# A mark on each piece of a data table's rows while the text is built, to find their line
# numbers: plane 16's private use area, which no news text uses (see clean_markdown._MD_ESCAPED_BASE).
_ROW_MARK = "\U0010fff0"
_CELL_MARK = "\U0010fff1"
# The cell marks of a line, with the space before each and after the last.
_CELL_MARKS = re.compile(f"(?: ?{_CELL_MARK})+ ?")


def _cell_text(cell: Any) -> str:
    return " ".join("".join(cell.itertext()).split())


def _is_number_cell(text: str) -> bool:
    """A figure such as "12 480", "41,2 %", "12 M€" or "2-1": digits are most of its characters."""
    digits = sum(ch.isdigit() for ch in text)
    return digits > 0 and 2 * digits >= sum(ch.isalnum() for ch in text)


def _link_cells(root: Any) -> frozenset[str]:
    """Texts of the page's table cells that are mostly link text (trafilatura drops the links)."""
    if root is None:
        return frozenset()
    found: set[str] = set()
    for cell in root.iter("td", "th"):
        words = _cell_text(cell).split()
        linked = sum(len(_cell_text(a).split()) for a in cell.iter("a"))
        if words and 2 * linked >= len(words):
            found.add(" ".join(words))
    return frozenset(found)


def _is_data_table(table: Any, link_cells: AbstractSet[str]) -> bool:
    """Whether a table of trafilatura's output reads as data: it has header cells (``<th>``,
    ``role="head"`` there) or most of its rows hold a figure beside other cells; few of its cells
    are links (a third at most: a league table's team names); and no cell is layout."""
    cells = [cell for cell in table.iter("cell") if _cell_text(cell)]
    if not cells or any(
        next(cell.iter(*_LAYOUT_CELL_TAGS), None) is not None
        or len(_cell_text(cell).split()) > _LAYOUT_CELL_WORDS
        for cell in cells
    ):
        return False
    if 3 * sum(_cell_text(cell) in link_cells for cell in cells) > len(cells):
        return False
    if any(cell.get("role") == "head" for cell in cells):
        return True
    rows = [[_cell_text(c) for c in row.iter("cell")] for row in table.iter("row")]
    rows = [[text for text in row if text] for row in rows]
    rows = [row for row in rows if row]
    figures = sum(len(row) >= 2 and any(_is_number_cell(text) for text in row) for row in rows)
    return figures >= 2 and 2 * figures > len(rows)


def _marked(text: str | None) -> str | None:
    if not text or not text.strip():
        return text
    rest = text.lstrip()
    return text[: len(text) - len(rest)] + _ROW_MARK + rest


def _trafilatura_text(document: Any, root: Any) -> tuple[str, frozenset[int], dict[str, str]]:
    """trafilatura's article as normalised text, the 0-based numbers of its lines that are rows
    of a data table (see :func:`_is_data_table`), for :func:`clean_text`'s ``table_rows``, and
    those rows whose cells it joined as a Markdown table's (see :func:`_row_text`), each with
    the line the page's visible text holds for it (its cells joined by spaces)."""
    body = getattr(document, "body", None)
    if body is None or not len(body):
        return normalize_text(getattr(document, "text", None) or ""), frozenset(), {}
    text = normalize_text(_element_text(body, skip_hidden=False))
    tables = list(body.iter("table"))
    if not tables:
        return text, frozenset(), {}
    links = _link_cells(root)
    data = [table for table in tables if _is_data_table(table, links)]
    if not data:
        return text, frozenset(), {}
    # Build the text again with a mark on every piece of text in a row (after its leading space,
    # which the line may drop): the lines that hold a mark are the rows, numbered as in the text
    # built without marks, which must come out the same.
    # A mark after every cell too, so that a row's cells are joined as a Markdown table's are.
    for table in data:
        for row in table.iter("row"):
            for element in row.iter():
                element.text = _marked(element.text)
                if element is not row:
                    element.tail = _marked(element.tail)
                if element.tag == "cell":
                    element.tail = _CELL_MARK + (element.tail or "")
    rows: set[int] = set()
    lines: list[str] = []
    joined: list[str] = []
    spaced: dict[str, str] = {}
    for number, line in enumerate(normalize_text(_element_text(body, skip_hidden=False)).split("\n")):
        if _ROW_MARK in line:
            rows.add(number)
        line = line.replace(_ROW_MARK, "")
        # As built without marks: a cell's end is the one space between it and the next.
        plain = _CELL_MARKS.sub(" ", line).strip()
        lines.append(plain)
        joined.append(_row_text(line.split(_CELL_MARK)) if _CELL_MARK in line else line)
        if _CELL_MARK in line and joined[-1] != plain:
            spaced[joined[-1]] = plain
    if "\n".join(lines) != text:
        return text, frozenset(), {}
    return "\n".join(joined), frozenset(rows), spaced


def extract_html(html: str, *, url: str | None = None, keep_boilerplate: bool = False) -> Cleaned:
    """Reduce an HTML page to its article with trafilatura, then clean it like plain text.

    ``title``, ``date`` (ISO 8601) and ``url`` come from the page's metadata when it has them (the
    ``url`` argument is the fallback). When trafilatura finds no article, the page's visible
    text goes through :func:`clean_text` instead. ``removed`` lists the lines of the page's
    visible text that are not in the body (numbered in that text); lines dropped by trafilatura
    itself carry the kind our line rules give them, else ``boilerplate``. With
    ``keep_boilerplate`` the body is all the visible text, normalised.
    """
    import trafilatura  # lazy: importing it takes a noticeable part of a second

    root = _html_root(html)
    visible = _visible_text(root)
    page_date = _page_published_date(root)
    if keep_boilerplate:
        meta = _metadata(trafilatura, html, url)
        return Cleaned(
            body=normalize_text(visible),
            title=_clean_meta(meta.get("title")),
            date=page_date or _library_date(meta.get("date"), root, url),
            url=_clean_meta(meta.get("url")) or url,
            removed=(),
        )

    document = None
    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params=_date_params(),
        )
    except Exception:  # trafilatura can fail on odd markup; the fallback below still works
        document = None
    extracted, rows, spaced = (
        _trafilatura_text(document, root) if document is not None else ("", frozenset(), {})
    )
    if extracted and has_text(extracted):
        meta = {
            "title": getattr(document, "title", None),
            "date": getattr(document, "date", None),
            "url": getattr(document, "url", None),
        }
        source = extracted
    else:
        meta = _metadata(trafilatura, html, url)
        source, rows, spaced = normalize_text(visible), frozenset(), {}

    cleaned = clean_text(source, table_rows=rows)
    title = _clean_meta(meta.get("title")) or cleaned.title
    body = cleaned.body
    # trafilatura keeps the <h1>; when it repeats the title, it is the title, not the body.
    if title:
        first, _, rest = body.partition("\n")
        if normalize_text(first) == normalize_text(title):
            body = rest.lstrip("\n")
    known = {r.text: r.kind for r in cleaned.removed}
    return Cleaned(
        body=body,
        title=title,
        date=page_date or _library_date(meta.get("date"), root, url) or cleaned.date,
        url=_clean_meta(meta.get("url")) or url,
        removed=_dropped_lines(normalize_text(visible), body, title, known, spaced),
    )


def _clean_meta(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = normalize_text(value).replace("\n", " ")
    return value or None


def _meta_date(value: object) -> str | None:
    # trafilatura writes ISO dates already; parsing them again keeps one format whatever it gives.
    text = _clean_meta(value)
    if text and text.endswith("T00:00:00"):
        # htmldate's way of saying "no time": a page that gives a date alone (see _date_params).
        text = text.removesuffix("T00:00:00")
    return parse_date(text) if text else None


def _date_params() -> dict[str, Any]:
    """Date search settings for htmldate (through trafilatura): only dates the page states.

    trafilatura's default is htmldate's extensive search, which falls back to guessing from any
    year in the text or the scripts ("d'ici la fin de 2022" becomes 2022-01-01, a script's
    "1995" 1995-01-01). Without it a date comes only from what marks one: meta tags, ``<time>``,
    JSON-LD, the URL, dated elements such as bylines. ``max_date`` is today, as in trafilatura's
    defaults (a fresh dict each call: htmldate's caller adds the URL to it).  A date without a
    time comes back at ``T00:00:00``, with no offset, which _meta_date reads as a date alone.
    """
    from datetime import datetime

    return {
        "extensive_search": False,
        "original_date": True,
        # The time and offset too, when the page gives them (article:published_time).
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "max_date": datetime.now().astimezone().strftime("%Y-%m-%d"),
    }


def _metadata(trafilatura: Any, html: str, url: str | None) -> dict[str, str | None]:
    """Title, date and URL of a page even when it has no extractable article."""
    try:
        meta = trafilatura.extract_metadata(html, default_url=url, date_config=_date_params())
    except Exception:  # metadata is a bonus; a page without it is still a page
        return {}
    if meta is None:
        return {}
    return {"title": meta.title, "date": meta.date, "url": meta.url}
