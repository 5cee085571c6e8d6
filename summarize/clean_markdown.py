"""Markdown articles: their markup stripped to the plain text a reader sees, then cleaned as
plain text (:func:`clean_markdown`); and Markdown told from plain text by its content, for
input whose name or type says nothing (:func:`looks_like_markdown`).

Pure: constants only at module level.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from html import unescape
from typing import Any

from .clean import _INVISIBLE, _LINE_BREAKS, Cleaned, clean_text, normalize_text
from .dates import parse_date

# --- markup stripped ---------------------------------------------------------------------------
# Line shapes, on normalised lines (stripped: indentation is gone, so an indented code block is
# read as text; nested list items would otherwise be taken for one).
_MD_FENCE = re.compile(r"^(`{3,}|~{3,})")
# "#hashtag" is no heading.  The closing "#"s are cut in code: a regex for them backtracks
# quadratically over a long run of tabs.
_MD_HEADING = re.compile(r"^#{1,6}(?:[ \t]+(.*))?$")
_MD_RULE = re.compile(r"^(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,}|={3,})$")  # also setext underlines
_MD_QUOTE = re.compile(r"^(?:>\s?)+")
# "+ 3 % sur un an" is a rise, not a list item: a "+" before a number stays.
# An ordered item keeps its number, which the reader sees ("12. März 2024" is also a date).
_MD_BULLET = re.compile(r"^(?:[-*]|\+(?!\s+\d))\s+(?:\[[ xX]\]\s+)?")
# "[ref]: https://... "title"", a reference link's target (a URL, a path or <...>); "[Note]: le
# ministre a dit" and "[Vidéo]: Macron" are text.
_MD_DEFINITION = re.compile(
    r"^\[[^\]^]+\]:\s*(?:<[^>]*>|[^\s/.#]*[/.#]\S*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?$"
)
_MD_FOOTNOTE = re.compile(r"^\[\^[^\]]+\]:\s*")
_MD_FRONT_KEY = re.compile(r"^[A-Za-z_][\w-]*\s*:")
# Inline markup. Every span is bounded, so that a long line full of unclosed "[" or "*" costs
# time in proportion to its length, not to its square.  A code span opens only at the start
# of a backtick run, and takes the whole run (possessive): trying each shorter run at each
# backtick of a long unclosed run would be cubic.
_MD_CODE_SPAN = re.compile(r"(?<!`)(`++)(.{1,1000}?)(?<!`)\1(?!`)")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_TARGET = r"(?:\((?:[^()]|\([^()]{0,200}\)){0,2000}\)|\[[^\]]{0,200}\])"  # (url "title") or [ref]
_MD_IMAGE = re.compile(rf"!\[[^\]]{{0,1000}}\]{_MD_TARGET}")
_MD_LINK = re.compile(rf"\[([^\]]{{0,1000}})\]{_MD_TARGET}")
_MD_FOOTNOTE_REF = re.compile(r"\[\^[^\]]{1,100}\]")
# An HTML tag inside Markdown (<div class="note">, <b>, <br/>, </p>): the tag goes, its text stays.
# A letter must follow "<": "< 3 %" and "<3" are text.
_MD_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]{0,30}(?:\s[^<>]{0,1000})?/?>")
# A line break (GFM's only way to break a line in a table cell), and a block's tag (a cell, a
# paragraph: <td>a</td><td>b</td>, <p>un</p><p>deux</p>), as a browser shows them: a space
# between the two words. An inline tag (<b>, <a>, <span>) goes with nothing in its place.
_MD_BREAK_TAG = re.compile(
    r"<(?:br\s*/?|/?(?:address|article|aside|blockquote|caption|dd|details|div|dl|dt|figcaption|"
    r"figure|footer|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|"
    r"thead|tr|ul)(?:\s[^<>]{0,1000})?/?)>",
    re.IGNORECASE,
)
# A table's rule row: |---|:---:|, with or without the outer pipes, as GFM writes it (one "-"
# is enough there). It makes a table only under a header row of as many cells, and holds a "|":
# "---" alone is a horizontal rule, or a setext heading's underline.
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$")
_MD_CELL_BAR = re.compile(r"(?<!\\)\|")  # a "|" that is no escaped "\|"
# A list item's marker before a table's header row ("- | a | b |", "1. | a | b |"): GFM reads the
# table in the item, its other rows indented to the item's text. A number is kept, as rendered.
_MD_ITEM = re.compile(r"(?:[-*]|\+(?!\s+\d)|(\d{1,9}[.)]))\s+")
# A line that opens another block, which ends a table (GFM) and is no header row: a heading, a
# quote, a list item, a fence.
_MD_TABLE_BREAK = re.compile(r"^(?:#{1,6}(?:\s|$)|>|(?:[-*]|\+(?!\s+\d))\s|`{3,}|~{3,})")
_MD_AUTOLINK = re.compile(
    r"<((?:https?|ftp)://[^\s<>]{1,2000}|[^\s<>@]{1,200}@[^\s<>@]{1,200})>", re.IGNORECASE
)
# A run of 1-3 "*" or "_" (or "~~") opens before a non-space and closes after one, with no
# letter or digit outside: "5 * 3", "note*", "snake_case" and "__init__"'s inner "_" stay.
_MD_EMPHASIS = re.compile(
    r"(?<![\w*])(\*{1,3})(?![\s*])(.{1,1000}?)(?<![\s*])\1(?![\w*])|"
    r"(?<![\w_])(_{1,3})(?![\s_])(.{1,1000}?)(?<![\s_])\3(?![\w_])|"
    r"(?<![\w~])~~(?![\s~])(.{1,1000}?)(?<![\s~])~~(?![\w~])"
)
# An entity or numeric character reference, as CommonMark reads one: its ";" is required
# ("?a=1&para=2" holds none, though HTML would take "&para" for a "¶").
_MD_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Escaped punctuation (\*, \_) waits in plane 16's private use area, which no news text uses,
# while the markup around it is read.
_MD_ESCAPED_BASE = 0x10FF00
_MD_ESCAPED = re.compile("[\U0010ff21-\U0010ff7e]")


def clean_markdown(text: str, *, keep_boilerplate: bool = False) -> Cleaned:
    """Markdown ``text`` without its markup (:func:`strip_markdown`), then cleaned as plain text
    (:func:`clean_text`), a table's rows kept in the body: short cells on short lines look like
    a list of headlines, and a table at either end would otherwise go as one.

    A front matter's ``title`` is ``title``, in place of a heading's, and its date (``date``,
    else ``publishDate``, ``pubDate`` or ``published``, as Hugo looks for one) is ``date``, read
    by :func:`parse_date`; one it cannot read is ``unread_date``, and the text's date is kept.
    Its ``url`` or ``source`` is ``url`` when it is a web address (Hugo's ``url`` is a path).
    With ``keep_boilerplate`` too: they are what the input says of itself, not furniture.
    """
    stripped, table_rows, front = _strip_markdown(text)
    cleaned = clean_text(stripped, keep_boilerplate=keep_boilerplate, table_rows=table_rows)
    if front is None:
        return cleaned
    values = _toml_values(front[1]) if front[0] == "+++" else _yaml_values(front[1])
    date, unread = _front_date(values)
    return dataclasses.replace(
        cleaned,
        title=_front_title(values) or cleaned.title,
        date=date or cleaned.date,
        url=_front_url(values) or cleaned.url,
        unread_date=unread,
    )


def strip_markdown(text: str) -> str:
    """Markdown ``text`` as the plain text a reader sees, a line of text per source line of text.

    Headings, block quotes and bulleted items keep their text without their markers (numbered
    items keep their numbers, as rendered); emphasis,
    strikethrough and inline code lose their markers; a link becomes its text; images, fenced
    code blocks, HTML comments, horizontal rules, reference definitions and YAML front matter
    go, and so does a TOML (``+++``) front matter. A line made only of markup that goes is dropped
    rather than left blank, so blank lines (paragraphs) stay where the source has them. The
    result is what :func:`clean_text` then cleans: a heading on the first line is a title there
    like any headline-shaped first line.
    """
    return _strip_markdown(text)[0]


def _strip_markdown(text: str) -> tuple[str, frozenset[int], tuple[str, list[str]] | None]:
    """:func:`strip_markdown`'s text, the 0-based numbers of its lines that are table rows, and
    the front matter it opened with (see :func:`_front_block`)."""
    lines = _without_comments(normalize_text(text)).split("\n")
    out: list[str] = []
    rows: list[int] = []
    fence: str | None = None
    # Told on the lines as written, whose indentation says what a value's lines are; it ends at
    # the first closing line, here as there.
    front = _front_block(text)
    start = 0
    if front is not None:
        ends = _FRONT_CLOSERS[front[0]]
        start = next((i + 1 for i in range(1, len(lines)) if lines[i] in ends), 0)
    closers = _longest_fences_after(lines)
    columns = 0  # the number of cells of the table being read; 0 outside a table
    depth = 0  # how many quotes ("> > ") hold that table: its rows are at the same depth
    for number in range(start, len(lines)):
        raw = lines[number]
        if fence is not None:
            if raw.startswith(fence) and not raw.strip(fence[0]):
                fence = None
            continue
        opened = _MD_FENCE.match(raw)
        # An unclosed fence runs to the end of the document in CommonMark; here it drops only
        # its own line, since a stray ``` must not take the rest of an article with it unseen.
        if opened and closers[number][opened.group(1)[0]] >= len(opened.group(1)):
            fence = opened.group(1)
            columns = 0  # a fence ends a table
            continue
        line = raw.replace("\0", "").strip()
        if not line or opened:
            columns = 0  # so does a blank line (a comment's too), or a stray fence
        if not line:
            # One blank line for a run, none first, as normalize_text leaves them: so the
            # numbers in ``rows`` are those of the returned text's lines.
            if "\0" not in raw and out and out[-1]:
                out.append("")
            continue
        # A table in a quote (GFM reads one there) is read from its lines less their ">".
        line_depth, inner = _quoted(line)
        if columns and (line_depth != depth or not _is_table_row(inner)):
            columns = 0
        item = ""
        if not columns and number + 1 < len(lines):
            # A table starts at a header row with its rule row under it, and nowhere else.
            below = lines[number + 1].replace("\0", "").strip()
            columns, item, header = _table_header(line, below)
            depth = line_depth
            if columns:
                inner = header
        if columns:
            if _MD_TABLE_RULE.match(inner):
                continue  # its rule row, or a row of dashes in it: no text
            # A row: its cells as a line of text ("Paris, 50 %"), padded or cut to the header's
            # number as GFM does; a cell is inline text only ("# 1" in a cell is no heading).
            cells = (_md_inline_text(cell) for cell in _table_cells(inner)[:columns])
            line = " ".join(x for x in (item, _row_text(cells)) if x)
            if line:
                rows.append(len(out))
                out.append(line)
            continue
        if _MD_RULE.match(line) or _MD_DEFINITION.match(line) or opened:
            continue  # an unclosed fence's own line goes; the text after it is kept
        if "|" in inner and _MD_TABLE_RULE.match(inner):
            continue  # a rule row under no header: no text, as a horizontal rule
        line = _md_block_text(line)
        line = _md_inline_text(line).strip()
        if line:
            out.append(line)
    # Each line is already stripped and not blank: normalising it keeps the lines where they are.
    return normalize_text("\n".join(out)), frozenset(rows), front if start else None


def _quoted(line: str) -> tuple[int, str]:
    """How many quote markers open ``line`` ("> > a" holds 2), and its text after them."""
    opened = _MD_QUOTE.match(line)
    if not opened:
        return 0, line
    return opened.group(0).count(">"), line[opened.end() :].strip()


# A cell that ends with one of these needs no comma after it ("Total :, 12" doubles a mark).
_CELL_END_MARKS = frozenset(",;:.!?…")


def _row_text(cells: Iterable[str]) -> str:
    """A table row (Markdown or a page's data table) as one line of text: its non-empty cells,
    stripped, joined by ", " ("Paris, 50 %"), or by a space after a cell that ends with a mark
    of its own.  Spaces alone would run the cells into one phrase ("Marie Dupont 12 480 41,2")."""
    line = ""
    for cell in filter(None, (cell.strip() for cell in cells)):
        if line:
            line += " " if line[-1] in _CELL_END_MARKS else ", "
        line += cell
    return line


def _table_header(line: str, below: str) -> tuple[int, str, str]:
    """The table that opens at ``line`` with ``below`` under it (both stripped): its number of
    cells (0: none), the number of the list item its header sits in ("" for none or a bullet),
    and the header row less the quote and list markers before it. Both lines are in as many
    quotes; the header may open a list item ("- | a | b |"), its rule row is then indented."""
    depth, header = _quoted(line)
    below_depth, rule = _quoted(below)
    if below_depth != depth:
        return 0, "", header
    item = _MD_ITEM.match(header)
    if item and (columns := _table_columns(header[item.end() :], rule)):
        return columns, item.group(1) or "", header[item.end() :]
    return _table_columns(header, rule), "", header


def _table_cells(row: str) -> list[str]:
    """A table row's cells, with or without its outer pipes: ``| a | b |`` and ``a | b`` hold
    ``a`` and ``b``. An escaped ``\\|`` is a "|" in a cell, as in GFM, and so is a "|" inside
    a code span (`` `a|b` ``), which GFM would split there: one cell keeps what was written,
    where GFM's two would be cut to the header's number and lose text."""
    inner = _MD_CODE_SPAN.sub(lambda m: _MD_CELL_BAR.sub(r"\\|", m.group()), row.strip())
    inner = inner.removeprefix("|")
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _MD_CELL_BAR.split(inner)]


def _is_table_row(line: str) -> bool:
    """Whether ``line`` goes on a table: it holds a "|" and opens no other block. (GFM also
    reads a line with no "|" as a row of one cell; here it ends the table, since the line
    after a table is more often the article going on, or furniture, than a short row.)"""
    return bool(_MD_CELL_BAR.search(line)) and not _MD_TABLE_BREAK.match(line)


def _table_columns(header: str, rule: str) -> int:
    """The number of cells of the table that ``header`` opens when ``rule`` is the line under
    it, 0 when they open none. GFM's test: a rule row, as many cells in both, and here a "|"
    in both (one cell and no "|" is a setext heading: ``Titre`` then ``---``)."""
    if not (_MD_TABLE_RULE.match(rule) and "|" in rule and _is_table_row(header)):
        return 0
    count = len(_table_cells(header))
    return count if count == len(_table_cells(rule)) else 0


def _without_comments(text: str) -> str:
    """``text`` with each ``<!-- ... -->`` (over lines too) as one "\\0" (a character that
    normalize_text removed), so that a line left holding only comments can be told from a blank
    line. Searched with str.find, not a regex: many unclosed "<!--" would cost quadratic time."""
    pieces: list[str] = []
    at = 0
    while (start := text.find("<!--", at)) != -1 and (end := text.find("-->", start + 4)) != -1:
        pieces.append(text[at:start] + "\0")
        at = end + 3
    pieces.append(text[at:])
    return "".join(pieces)


def _front_matter_end(lines: Sequence[str]) -> int:
    """Where the text starts after the front matter block that opens ``lines`` (as written, less
    trailing spaces: indentation tells a value's lines): YAML (``---``, ``key: value`` lines,
    ``---``) or Hugo's TOML (``+++``, what TOML reads, ``+++``); 0 when there is none."""
    opener = lines[0].strip() if lines else ""
    if opener not in _FRONT_CLOSERS:
        return 0
    for i in range(1, len(lines)):
        if lines[i].strip() in _FRONT_CLOSERS[opener]:
            block = lines[1:i]
            if opener == "+++":
                # "+++" is no common line, but a block that TOML does not read is text.
                return i + 1 if _toml(block) else 0
            # Only YAML-looking lines: "---" then "Paris: la grève..." opens an article, not
            # metadata. Indented lines are a value's (a list's, a map's, a ">" block's).
            if not block or not _MD_FRONT_KEY.match(block[0]):
                return 0
            for line in block:
                if line.strip() and not (
                    _MD_FRONT_KEY.match(line) or line.startswith(("- ", " ", "\t", "#"))
                ):
                    return 0
            return i + 1
    return 0


# --- front matter values ------------------------------------------------------------------------
# The keys of a page's date, in the order Hugo looks for one, less its modified dates (lastmod,
# modified): Jekyll and Hugo write "date", Astro's blog "pubDate", Obsidian's Web Clipper
# "published" (which Jekyll also uses as a yes/no flag: a boolean is no date).
_FRONT_DATE_KEYS = ("date", "publishdate", "pubdate", "published")
# The keys of the article's address: Obsidian's Web Clipper writes "source"; only a web address
# counts ("url: /2024/greve/" is Hugo's path for the page, "source: AFP" an agency).
_FRONT_URL_KEYS = ("url", "source")
_FRONT_URL = re.compile(r"https?://[^\s/]+\S*", re.IGNORECASE)
# The lines that close a front matter opened by "---" (YAML's document end too) or "+++" (TOML).
_FRONT_CLOSERS = {"---": ("---", "..."), "+++": ("+++",)}
_LINE_END = re.compile(r"\r\n|\r|\n|" + _LINE_BREAKS)
# A top-level "key: value" line (YAML wants a space after the colon, else "a:b" is one word).
_YAML_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*))?")
_YAML_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_YAML_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_YAML_COMMENT = re.compile(r"[ \t]+#")
_YAML_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_YAML_ESCAPES = {
    **{c: c for c in ' "/\\\t'},
    **{"0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r"},
    **{"e": "\x1b", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"},
}
# Values that are not text in YAML: null, and the booleans (YAML 1.1's yes/no/on/off too, which
# Jekyll's parser reads as such).
_YAML_NOT_TEXT = frozenset({"~", "null", "true", "false"})
_YAML_BOOLEANS_1_1 = frozenset({"yes", "no", "on", "off", "y", "n"})
# "2024-06-17 16:01:00 +0200", as Jekyll writes a date: the zone joined to its time, as ISO has it.
_YAML_STAMP = re.compile(
    r"(\d{4}-\d{1,2}-\d{1,2})(?:[Tt]|[ \t]+)(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
    r"[ \t]*(Z|[+-]\d{2}(?::?\d{2})?)?"
)


def _front_block(text: str) -> tuple[str, list[str]] | None:
    """The front matter that opens Markdown ``text``, after blank lines (see
    :func:`_front_matter_end`): its opening line ("---" or "+++") and the lines inside, as written
    less invisible characters and trailing spaces; None when there is none."""
    lines: list[str] = []
    for raw in _lines_of(text):
        line = unicodedata.normalize("NFC", re.sub(_INVISIBLE, "", raw)).rstrip()
        if not lines and not line.strip():
            continue  # blank lines before it, as normalize_text drops them
        lines.append(line)
        opener = lines[0].strip()
        if opener not in _FRONT_CLOSERS:
            return None
        if len(lines) > 1 and line.strip() in _FRONT_CLOSERS[opener]:
            return (opener, lines[1:-1]) if _front_matter_end(lines) else None
    return None


def _lines_of(text: str) -> Iterator[str]:
    """``text``'s lines, one at a time: a front matter is read without splitting the whole text."""
    at = 0
    for end in _LINE_END.finditer(text):
        yield text[at : end.start()]
        at = end.end()
    yield text[at:]


def _toml(block: Sequence[str]) -> dict[str, Any] | None:
    """The TOML that ``block``'s lines hold, or None when they hold none."""
    try:
        return tomllib.loads("\n".join(block))
    # TOMLDecodeError, a date that does not exist, or lists in lists thousands deep.
    except (ValueError, RecursionError):
        return None


def _toml_values(block: list[str]) -> dict[str, str]:
    """A TOML front matter's top-level values, by key in lower case (Hugo's keys take any case),
    each as text: a date as ISO 8601, a number as written. Booleans, lists and tables are left out."""
    import datetime

    values: dict[str, str] = {}
    for key, value in (_toml(block) or {}).items():
        if isinstance(value, datetime.date | datetime.time):
            values[key.lower()] = value.isoformat()
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            values[key.lower()] = str(value)
    return values


def _yaml_values(block: list[str]) -> dict[str, str]:
    """A YAML front matter's top-level scalars, by key in lower case, read strictly: a key at the
    margin, then a value on its line, plain, 'single' or "double" quoted (with YAML's escapes),
    with an optional trailing comment. A plain value goes on over indented lines, joined by
    spaces. Block scalars (``>``, ``|``), flow collections, anchors, aliases and tags are left out."""
    values: dict[str, str] = {}
    key: str | None = None  # the key whose value indented lines go on with
    plain = False
    for line in block:
        if not line.strip():
            continue
        if line[0] in " \t":
            if key is not None and line.lstrip().startswith("#"):
                plain = False  # a comment; no value goes on past one (YAML refuses the line)
            elif key is not None:
                if plain:
                    values[key] += " " + _YAML_COMMENT.split(line.strip(), maxsplit=1)[0]
                else:
                    values.pop(key, None)  # a quoted value cannot go on: YAML refuses it
                    key = None
            continue  # a nested map's or a list's line
        key = None
        found = _YAML_KEY.fullmatch(line)
        if found is None:
            continue  # a comment, or a list's "- item" at the margin under its key
        name = found.group(1).lower()
        value, plain = _yaml_scalar((found.group(2) or "").strip())
        if value is None:
            values.pop(name, None)
            continue
        values[name] = value
        key = name
    return values


def _yaml_scalar(raw: str) -> tuple[str | None, bool]:
    """The text of a YAML value written on one line (None when it is none, or not sure), and
    whether it is plain (unquoted)."""
    if not raw or raw[0] == "#":
        return None, False  # a map, a list or nothing follows (a comment is nothing: null)
    if raw[0] in "\"'":
        quoted = (_YAML_DOUBLE if raw[0] == '"' else _YAML_SINGLE).match(raw)
        rest = raw[quoted.end() :] if quoted else ""
        if quoted is None or (rest and not _YAML_COMMENT.match(rest)):
            return None, False  # unclosed (it goes on over lines), or text after it
        if raw[0] == "'":
            return quoted.group(1).replace("''", "'"), False
        try:
            return _YAML_ESCAPE.sub(_yaml_escaped, quoted.group(1)), False
        except ValueError:
            return None, False
    if raw[0] in "[]{}>|&*!%@`,?" or raw == "-" or raw.startswith(("- ", "-\t")):
        return None, False  # a flow list or map, a block scalar, an anchor, alias or tag
    value = _YAML_COMMENT.split(raw, maxsplit=1)[0]
    if value.lower() in _YAML_NOT_TEXT:
        return None, False
    # "title: Paris: la grève" is refused by YAML (a map on a map's line); it can only mean the
    # text, which is kept.
    return value, True


def _yaml_escaped(found: re.Match[str]) -> str:
    """The character a double-quoted YAML escape stands for; ValueError for one YAML has not."""
    number = found.group(1) or found.group(2) or found.group(3)
    if number is not None:
        return chr(int(number, 16))  # ValueError past U+10FFFF
    escape = found.group(4)
    if escape not in _YAML_ESCAPES:
        raise ValueError(f"YAML has no escape \\{escape}")
    return _YAML_ESCAPES[escape]


def _front_title(values: dict[str, str]) -> str | None:
    """A front matter's ``title``, on one line, or None when it has none."""
    title = " ".join(normalize_text(values.get("title", "")).split())
    return title or None


def _front_url(values: dict[str, str]) -> str | None:
    """A front matter's web address (see _FRONT_URL_KEYS), or None when it has none."""
    for key in _FRONT_URL_KEYS:
        url = values.get(key, "").strip()
        if _FRONT_URL.fullmatch(url):
            return url
    return None


def _front_date(values: dict[str, str]) -> tuple[str | None, str | None]:
    """A front matter's date, as :func:`parse_date` gives it, and the value it gives when that
    cannot be read (None when it can, or when there is none)."""
    for key in _FRONT_DATE_KEYS:
        given = values.get(key)
        if given is None or given.strip().lower() in _YAML_BOOLEANS_1_1:
            continue
        stamp = _YAML_STAMP.fullmatch(given.strip())
        if stamp:
            zone = stamp.group(3) or ""
            zone = f"{zone}:00" if len(zone) == 3 else zone  # "+02" is "+02:00"
            given_iso = f"{stamp.group(1)}T{stamp.group(2)}{zone}"
        else:
            given_iso = given
        date = parse_date(normalize_text(given_iso)[:200])
        return (date, None) if date else (None, given)
    return None, None


def _longest_fences_after(lines: list[str]) -> list[dict[str, int]]:
    """For each line, the longest run of "`" and of "~" that makes a whole line after it: a code
    fence opened there is closed when that run is at least as long (one pass, not one a fence)."""
    longest = {"`": 0, "~": 0}
    after: list[dict[str, int]] = [longest] * len(lines)
    for number in range(len(lines) - 1, 0, -1):
        line = lines[number]
        if line[:1] in longest and not line.strip(line[0]):
            longest = {**longest, line[0]: max(longest[line[0]], len(line))}
        after[number - 1] = longest
    return after


def _md_block_text(line: str) -> str:
    """A line without its heading, block quote, list item or footnote markers."""
    heading = _MD_HEADING.match(line)
    if heading:
        text = heading.group(1) or ""
        bare = text.rstrip("#")  # "## Title ##": the closing run goes when a space precedes it
        return bare.rstrip() if bare != text and (not bare or bare[-1] in " \t") else text
    for _ in range(4):  # "> - item", "- > quote", "> > nested"
        stripped = _MD_BULLET.sub("", _MD_QUOTE.sub("", _MD_FOOTNOTE.sub("", line)), count=1)
        if stripped == line:
            break
        line = stripped
    return line


def _md_inline_text(line: str) -> str:
    """A line without inline markup; code spans keep their text as written."""
    pieces: list[str] = []
    at = 0
    for code in _MD_CODE_SPAN.finditer(line):
        pieces.append(_md_inline_markup(line[at : code.start()]))
        content = code.group(2)
        # One space inside each backtick run is padding (`` `x` ``), not text.
        if len(content) > 2 and content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]
        pieces.append(content)
        at = code.end()
    pieces.append(_md_inline_markup(line[at:]))
    return "".join(pieces)


def _md_inline_markup(text: str) -> str:
    text = _MD_ESCAPE.sub(lambda m: chr(_MD_ESCAPED_BASE + ord(m.group(1))), text)
    text = _MD_HTML_TAG.sub("", _MD_BREAK_TAG.sub(" ", text))
    text = _MD_IMAGE.sub("", text)
    text = _MD_FOOTNOTE_REF.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    for _ in range(6):  # nested emphasis ("**un *mot* fort**") comes off one layer a pass
        stripped = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(4) or m.group(5), text)
        if stripped == text:
            break
        text = stripped
    text = re.sub(r" {2,}", " ", text)  # where an image was, between two words
    # Last: the character a reference gives is never markup ("&#42;" is a "*").
    text = _MD_ENTITY.sub(lambda m: unescape(m.group()), text)
    return _MD_ESCAPED.sub(lambda m: chr(ord(m.group()) - _MD_ESCAPED_BASE), text)


# --- Markdown recognised by its content ------------------------------------------------------------
# For input whose name or type says nothing (stdin, a suffix-less file): what makes it Markdown.
# Each kind of sign weighs by how seldom plain news text holds it, and counts once, whatever the
# number of its instances (many "- " bullets are still one sign). Plain text shows the weak ones
# (a "- " list, a "> " quote, "*this*", a "Title" then "=====" line) and, seldom, one "# " line;
# Markdown is where they add up to _MD_ENOUGH, so several kinds of signs are always needed but
# for a YAML front matter naming a title or date, which is three signs in one (its "---" opening,
# its keys, its closing "---"), and a table: a "|" header row, then a rule row of as many cells
# ("|---|---|", "--- | :-:", "|-|"), in a quote or a list item too, which no plain-text file of
# 3,097 measured holds (a plain-text table's header has no "|": turtle.py's docstrings, Perl's).
_MD_ENOUGH = 2.5
# Characters looked at, as clean_html.looks_like_html does: a large input is judged on its start.
_MD_SNIFF = 100_000
# [text](https://...), [text](/path), [text](#anchor), with an optional "title": not "[1]" or "(voir [2])".
_MD_SIGN_LINK = re.compile(
    r"\[[^\[\]\n]{1,500}\]\(<?(?:https?://|mailto:|\.{0,2}/|#)[^\s()<>]{0,2000}>?(?:\s+\"[^\"\n]{0,200}\")?\)"
)
_MD_SIGN_IMAGE = re.compile(r"!\[[^\[\]\n]{0,500}\]\([^\s()]{1,2000}(?:\s+\"[^\"\n]{0,200}\")?\)")
# "#1 en France", "#Paris2024", "C#" are none; nor is "#\t@(#)README": "#" and a tab is a comment.
_MD_SIGN_HEADING = re.compile(r"#{1,6} +\S")
_MD_SIGN_STRONG = re.compile(
    r"(?<![\w*])\*\*(?![\s*])[^*\n]{1,500}(?<![\s*])\*\*(?![\w*])|"
    r"(?<![\w_])__(?![\s_])[^_\n]{0,500} [^_\n]{0,500}(?<![\s_])__(?![\w_])"  # __init__ is a name
)
# "*conditions apply", "5 * 3", "2*3*4" are none: an opening "*" before a word, a closing one after.
_MD_SIGN_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?![\s*])[^*\n]{1,500}(?<![\s*])\*(?![\w*])|"
    r"(?<![\w_])_(?![\s_])[^_\n]{1,500}(?<![\s_])_(?![\w_])"
)
_MD_SIGN_CODE = re.compile(r"(?<!`)`[^`\n]{1,500}`(?!`)")
_MD_SIGN_BULLET = re.compile(r"[-*+][ \t]+\S")
# [text][ref]; "[1][2]", two footnote calls, is none.
_MD_SIGN_REFERENCE = re.compile(r"\[(?!\d+\])[^\[\]\n]{1,500}\]\[[^\[\]\n]{0,200}\]")
_MD_SIGN_REF_TARGET = re.compile(r"\[[^\]^\n]{1,200}\]:[ \t]*<?(?:https?://|/)\S")
_MD_SIGN_SETEXT = re.compile(r"(?:={3,}|-{3,})")
_MD_SIGN_TABLE_RULE = re.compile(r"\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?")
# What front matter names for a news article's own title and date.
_MD_SIGN_FRONT_KEYS = re.compile(r"(?:title|date|publishdate|pubdate|published)\s*[:=]", re.IGNORECASE)


def markdown_signs(text: str) -> dict[str, float]:
    """The kinds of Markdown sign in ``text``'s first _MD_SNIFF characters, each with its weight."""
    head = text[:_MD_SNIFF]
    # Blank lines (and a BOM) before a front matter are no text, as strip_markdown's
    # normalize_text sees them.
    lines = head.lstrip("\ufeff \t\r\n").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    signs: dict[str, float] = {}
    start = _front_matter_end([line.rstrip() for line in lines])
    if start:
        keys = lines[1 : start - 1]
        signs["front matter"] = 3.0 if any(_MD_SIGN_FRONT_KEYS.match(k) for k in keys) else 2.0
    headings = bullets = 0
    fence: str | None = None
    previous = ""
    for number in range(start, len(lines)):
        raw = lines[number]
        line = raw.strip()
        if fence is not None:  # a code block's lines are code, not signs
            if line == fence:
                signs["fenced code"] = 2.0
                fence = None
            continue
        if line.startswith("```") and "`" not in line[3:].lstrip("`"):
            fence = line[: len(line) - len(line.lstrip("`"))]  # closed by the same run
            continue
        if _MD_SIGN_HEADING.match(line):
            # Indented four spaces (or a tab), or in a run of "#" lines, it is code or a block
            # of comments ("# make check", a script's notes), not a heading.
            near = lines[max(0, number - 1) : number] + lines[number + 1 : number + 2]
            if not raw.startswith(("    ", "\t")) and not any(n.lstrip().startswith("#") for n in near):
                headings += 1
        elif _MD_SIGN_BULLET.match(line):
            bullets += 1
        elif line.startswith(">"):
            signs["quote"] = 0.5
        elif previous and _MD_SIGN_SETEXT.fullmatch(line):
            signs["setext heading"] = 0.5
        if "|" in line and "-" in line and "|" in previous:
            # A table as strip_markdown reads one (GFM's: a header row, then a rule row of as
            # many cells, in a quote or a list item too) is enough alone (see _MD_ENOUGH); a "|"
            # line over a rule row of another number of cells is a strong sign only.
            if _table_header(previous, line)[0]:
                signs["table"] = _MD_ENOUGH
            elif _MD_SIGN_TABLE_RULE.fullmatch(line):
                signs["table"] = max(2.0, signs.get("table", 0.0))
        if _MD_SIGN_REF_TARGET.match(line):
            signs["reference target"] = 1.5
        previous = line
    if headings:
        # However many: "# " lines are also comments, or hashtags typed with a space.
        signs["heading"] = 1.5
    if bullets >= 2:
        signs["list"] = 0.5
    for kind, pattern, weight in (
        ("link", _MD_SIGN_LINK, 2.0),
        ("image", _MD_SIGN_IMAGE, 2.0),
        ("reference", _MD_SIGN_REFERENCE, 1.0),
        ("strong emphasis", _MD_SIGN_STRONG, 1.0),
        ("code span", _MD_SIGN_CODE, 0.5),  # technical plain text quotes `commands` too
        ("emphasis", _MD_SIGN_EMPHASIS, 0.5),
    ):
        if pattern.search(head):
            signs[kind] = weight
    return signs


def looks_like_markdown(text: str) -> bool:
    """Tell whether ``text``, of no declared kind, is Markdown rather than plain text.

    Conservative: the signs in its first _MD_SNIFF characters must weigh _MD_ENOUGH, which one
    kind of sign alone never does but a front matter that names a title or date, or a table
    (a header row, then its rule row of as many cells). A link
    ``[text](https://...)``, an image, a fenced code block, a table weigh most, then reference
    links, a "# " heading and ``**bold**``; a "- " list, a "> " quote, ``*emphasis*``,
    ```code``` and an underlined title least, since plain text writes them too.
    """
    return sum(markdown_signs(text).values()) >= _MD_ENOUGH
