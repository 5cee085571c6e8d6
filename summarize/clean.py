"""Turn pasted text or an HTML page into a clean article body plus metadata.

Copies of news pages carry furniture around the article: time stamps, photo captions, lists of
other headlines, share buttons, cookie banners, "Read more" links. Translating and summarising
that furniture wastes time and drags other stories into the summary, so this module separates
the body from it by general rules (line shape and position, plus keyword lists in French,
English, Spanish and German) and reports every line it took out, with its kind.

Everything here is pure: constants only at module level, and trafilatura / lxml are imported
inside the functions that need them so that importing this module stays cheap.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from html import unescape

from .clean_words import (
    _ADVERTISEMENT_LINES,
    _AGENCY_SOURCE,
    _BREADCRUMB_SEP,
    _BYLINE_CONNECTORS,
    _CAPTION_AGENCY,
    _CAPTION_CAPS,
    _CAPTION_COPY,
    _CAPTION_LEAD,
    _CAPTION_PAREN,
    _CAPTION_TAIL,
    _COOKIE_ACTION,
    _COOKIE_BUTTONS,
    _COOKIE_USE,
    _DATE_PARTS,
    _FILLER_DATE_WORDS,
    _LIST_MARKER,
    _MONTHS,
    _NAVIGATION_LINES,
    _READ_ALSO,
    _READ_MORE_LINES,
    _READING_TIME,
    _RELATED_HEADINGS,
    _RIGHTS,
    _SHARE_FILLER,
    _SHARE_PHRASE,
    _SHARE_STRONG,
    _STAFF_CREDIT,
    _SUBSCRIBE_LINES,
    _SUBSCRIBE_STRONG,
    _TIMESTAMP_LABEL,
    _TIMESTAMP_LINES,
)
from .dates import parse_date

# --- kinds of removed lines ------------------------------------------------------------------
TITLE = "title"
TIMESTAMP = "timestamp"
BYLINE = "byline"
CAPTION = "caption"
CREDIT = "credit"
COPYRIGHT = "copyright"
RELATED = "related_headlines"
SHARE = "share"
SUBSCRIBE = "subscribe"
COOKIE = "cookie"
READ_ALSO = "read_also"
NAVIGATION = "navigation"
ADVERTISEMENT = "advertisement"
READING_TIME = "reading_time"
#: a line of the page's visible text that the HTML extractor (trafilatura) left out
BOILERPLATE = "boilerplate"

#: every kind a :class:`RemovedLine` can carry
KINDS: tuple[str, ...] = (
    TITLE,
    TIMESTAMP,
    BYLINE,
    CAPTION,
    CREDIT,
    COPYRIGHT,
    RELATED,
    SHARE,
    SUBSCRIBE,
    COOKIE,
    READ_ALSO,
    NAVIGATION,
    ADVERTISEMENT,
    READING_TIME,
    BOILERPLATE,
)


@dataclass(frozen=True)
class RemovedLine:
    """One line taken out of the body: 1-based number in the normalised input, kind, text."""

    line_no: int
    kind: str
    text: str


@dataclass(frozen=True)
class Cleaned:
    """The article body and the metadata found around it.

    ``body`` keeps the input's line and paragraph breaks. ``date`` is ISO 8601 (``2024-06-17``
    or ``2024-06-17T16:01``, see :func:`summarize.dates.parse_date`) or None: read from the first
    time stamp line that holds a full date (plain text) or from the page's metadata (HTML); the
    line itself stays in ``removed``. ``removed`` lists every line that is not in the body, in
    input order, the title included (kind ``title``).
    """

    body: str
    title: str | None
    date: str | None
    url: str | None
    removed: tuple[RemovedLine, ...]


# --- normalisation ---------------------------------------------------------------------------
# Characters that str.splitlines() treats as line ends become "\n" rather than vanishing, so
# that two lines never get glued into one word.
_LINE_BREAKS = "[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]"
# Other C0/C1 controls (tab and newline excepted), the zero-width space, BOM, soft hyphen,
# invisible operators and lone surrogates: invisible, and they split words for the tokenizers.
# The zero-width joiner and non-joiner stay: they are spelling (Persian, Indic scripts) and
# they make one emoji of several (👨‍👩‍👧, 🏳️‍🌈).
_INVISIBLE = "[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\u00ad\u180e\u200b\u2060-\u2064\ufeff\ud800-\udfff]"
_SPACE_RUN = r"[^\S\n\t]{2,}"


def normalize_text(text: str) -> str:
    """Return ``text`` in a canonical form every later step can rely on.

    NFC; ``\\r\\n``/``\\r`` and the other Unicode line separators become ``\\n``; control
    characters (except ``\\n`` and ``\\t``), zero-width characters and BOMs are removed; runs of
    spaces inside a line collapse to one space; lines are stripped; runs of blank lines collapse
    to one blank line; leading and trailing blank lines are dropped. Idempotent.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(_LINE_BREAKS, "\n", text)
    # Remove before NFC so that a mark freed by a removed character still gets composed.
    text = re.sub(_INVISIBLE, "", text)
    text = unicodedata.normalize("NFC", text)
    lines = [re.sub(_SPACE_RUN, " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


_URL = r"(?:https?://|ftp://|www\.)\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"


def has_text(text: str) -> bool:
    """Tell whether ``text`` holds anything worth translating: at least one letter outside URLs
    and e-mail addresses. Text made only of URLs, emoji, digits, punctuation or whitespace has
    none (the pipeline then skips the article as ``no_text``)."""
    stripped = re.sub(_URL, " ", normalize_text(text), flags=re.IGNORECASE)
    return any(ch.isalpha() for ch in stripped)


# --- line classification -------------------------------------------------------------------
def _key(line: str) -> str:
    """The line as a lookup key: lower case, straight apostrophes, no surrounding marks."""
    key = line.lower().replace("\u2019", "'").replace("\u00a0", " ")
    key = re.sub(r"\s+", " ", key)
    return key.strip(" \t:：.…>»«›‹|•·*-–—→►▶▸▪()[]!¡?¿\"'“”")


def _words(line: str) -> list[str]:
    return line.split()


def _tokens(line: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", line.lower().replace("\u2019", "'"))


def _strip_marker(line: str) -> str:
    return re.sub(_LIST_MARKER, "", line.strip())


def _is_headline_like(line: str) -> bool:
    """A short line with letters and no final full stop, comma, colon or semicolon."""
    if line.startswith(("— ", "– ", "―")):
        return False  # a line of dialogue, not a headline in a list
    text = _strip_marker(line)
    if not text or len(text) > 160 or len(_words(text)) > 20:
        return False
    if not any(ch.isalpha() for ch in text):
        return False
    # Look past closing quotes and brackets: « … » ends a headline, « … . » ends a sentence.
    end = text.rstrip(" \"'»”’)]")
    # A final dash is a dateline ("MADRID -") opening the first paragraph, not a headline.
    return bool(end) and end[-1] not in ".,;:-–—"


def _is_label(line: str) -> bool:
    """A headline-like line of at most three words: a section name or a menu entry."""
    return _is_headline_like(line) and len(_words(_strip_marker(line))) <= 3


def _date_spans(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for pattern in _DATE_PARTS:
        spans.extend(m.span() for m in re.finditer(pattern, line, flags=re.IGNORECASE))
    return spans


def _is_timestamp(line: str) -> bool:
    """A short line that is a date and/or time, possibly behind a "Published"/"Stand" label."""
    words = _words(line)
    if not words or len(words) > 20:
        return False
    if line.rstrip().endswith(".") and len(words) > 10:
        return False
    spans = _date_spans(line)
    if not spans:
        return False
    if re.search(_TIMESTAMP_LABEL, line, flags=re.IGNORECASE):
        return True
    rest = list(line)
    for start, end in spans:
        rest[start:end] = " " * (end - start)
    content = [t for t in _tokens("".join(rest)) if t not in _FILLER_DATE_WORDS]
    content = [t for t in content if not re.fullmatch(_MONTHS, t)]
    if not content:
        return True
    # "Paris, le 17 juin 2024 à 10h": one place name is fine next to a full date and time.
    return len(content) == 1 and len(spans) >= 2


def _is_byline(line: str) -> bool:
    """ "By Jane Smith", "Par Jean Dupont et Marie Durand", "Von …", "Por …"."""
    words = _words(line)
    if len(words) < 2 or len(words) > 12 or not _is_headline_like(line):
        return False
    if words[0].lower() not in {"par", "by", "por", "von"}:
        return False
    names = [w.strip(",;()") for w in words[1:]]
    names = [w for w in names if w]
    if not names or not names[0][:1].isupper():
        return False
    return all(w[:1].isupper() or w.lower() in _BYLINE_CONNECTORS for w in names)


def _is_share(line: str) -> bool:
    """A short line made of share/social/print words: "Partager sur Facebook", "Teilen"."""
    if len(_words(line)) > 12:
        return False
    tokens = _tokens(line)
    if not tokens or not any(t in _SHARE_STRONG for t in tokens):
        return False
    known = sum(1 for t in tokens if t in _SHARE_STRONG or t in _SHARE_FILLER)
    return known / len(tokens) >= 0.75


def _is_breadcrumb(line: str) -> bool:
    """ "Accueil > Monde > Asie", "Home | News | Sport": short parts between separators."""
    parts = [p.strip() for p in re.split(_BREADCRUMB_SEP, line)]
    parts = [p for p in parts if p]
    if len(parts) < 3 or len(_words(line)) > 20:
        return False
    return all(len(_words(p)) <= 4 and not p.endswith(".") for p in parts)


def _caption_kind(line: str) -> str | None:
    """``caption`` for a described photo with its credit, ``credit`` for a bare credit."""
    if len(_words(line)) > 80:
        return None
    lead = re.match(_CAPTION_LEAD, line, flags=re.IGNORECASE)
    if lead:
        return CAPTION if len(_words(line[lead.end() :])) >= 4 else CREDIT
    for pattern, flags in (
        (_CAPTION_PAREN, re.IGNORECASE),
        (_CAPTION_TAIL, re.IGNORECASE),
        (_CAPTION_COPY, re.IGNORECASE),
        # Case matters here: "AP/" is an agency, "ap/" is not.
        (_CAPTION_AGENCY, 0),
        (_CAPTION_CAPS, 0),
    ):
        found = re.search(pattern, line, flags=flags)
        if found:
            before = line[: found.start()]
            return CAPTION if len(_tokens(before)) >= 3 else CREDIT
    return None


def _keyword_kind(line: str) -> tuple[str | None, bool]:
    """Kind of a line by its own words, wherever it stands; and whether it heads a list."""
    key = _key(line)
    if not key or len(line) > 2000:
        # Page furniture is short; a very long line is running text (and costly to scan).
        return None, False
    words = len(_words(line))
    if key in _ADVERTISEMENT_LINES:
        return ADVERTISEMENT, False
    if key in _READ_MORE_LINES:
        return READ_ALSO, False
    if key in _RELATED_HEADINGS:
        return RELATED, True
    also = re.match(_READ_ALSO, key)
    if also:
        # "Lire aussi :" alone introduces a list of headlines; with text it is one link.
        heads_list = not key[also.end() :].strip(" :>»›|–—-")
        return READ_ALSO, heads_list
    if key in _NAVIGATION_LINES:
        return NAVIGATION, False
    if key in _SUBSCRIBE_LINES:
        return SUBSCRIBE, False
    if key in _TIMESTAMP_LINES:
        return TIMESTAMP, False
    low = line.lower().replace("\u2019", "'")
    if words <= 80 and re.search(_COOKIE_USE, low):
        return COOKIE, False
    if words <= 25 and re.search(_COOKIE_ACTION, low):
        return COOKIE, False
    if words <= 40 and re.search(_SUBSCRIBE_STRONG, low):
        return SUBSCRIBE, False
    if words <= 12 and "newsletter" in low and _is_headline_like(line):
        return SUBSCRIBE, False
    if _is_share(line) or (words <= 15 and re.search(_SHARE_PHRASE, low)):
        return SHARE, False
    if words <= 12 and re.search(_READING_TIME, key):
        return READING_TIME, False
    if words <= 25 and re.search(_STAFF_CREDIT, low):
        return CREDIT, False
    if words <= 10 and re.search(_AGENCY_SOURCE, low):
        return CREDIT, False
    if words <= 25 and re.search(_RIGHTS, low):
        return COPYRIGHT, False
    if re.match(r"^(?:©|\(c\)\s|copyright\b)", low) and words <= 25:
        return COPYRIGHT if words > 6 else CREDIT, False
    caption = _caption_kind(line)
    if caption:
        return caption, False
    if _is_breadcrumb(line):
        return NAVIGATION, False
    return None, False


def _lone_line_kind(line: str) -> str:
    """Kind of a line seen without its neighbours (a line the HTML extractor dropped)."""
    kind = _keyword_kind(line)[0]
    if kind:
        return kind
    if _is_timestamp(line):
        return TIMESTAMP
    return BYLINE if _is_byline(line) else BOILERPLATE


def _classify(
    lines: Sequence[str], table_rows: AbstractSet[int] = frozenset()
) -> tuple[list[str | None], int | None]:
    """Kind of every line (None: body) and the index of the title line, if any.

    The lines at ``table_rows`` are body whatever their shape, and stand for it as prose does:
    a table's short rows look like a list of headlines, but they are the article's data.
    """
    n = len(lines)
    kinds: list[str | None] = [None] * n
    heads: list[bool] = [False] * n
    for i, line in enumerate(lines):
        if line and i not in table_rows:
            kinds[i], heads[i] = _keyword_kind(line)

    # A labelled time stamp ("Publié le …") or a bare byline is furniture wherever it stands:
    # a standfirst often comes before them, so they are not always in the leading lines.
    for i, line in enumerate(lines):
        if kinds[i] is None and line and i not in table_rows and _is_headline_like(line):
            if _is_timestamp(line) and re.match(_TIMESTAMP_LABEL, line, flags=re.IGNORECASE):
                kinds[i] = TIMESTAMP
            elif _is_byline(line) and len(_words(line)) <= 6:
                kinds[i] = BYLINE

    # Cookie banners: their buttons ("Accept all", "Refuser") sit next to the banner text.
    for i, line in enumerate(lines):
        if kinds[i] is None and line and i not in table_rows and _key(line) in _COOKIE_BUTTONS:
            near = range(max(0, i - 3), min(n, i + 4))
            if any(kinds[j] == COOKIE for j in near if j != i):
                kinds[i] = COOKIE

    # A heading such as "Most read" or "Lire aussi :" owns the headline-like lines under it,
    # up to a blank line (a byline or time stamp belongs to the article, not to the list).
    listed: list[int] = []
    for i in range(n):
        if not heads[i]:
            continue
        j = i + 1
        while j < n and not lines[j]:
            j += 1
        while j < n and lines[j] and kinds[j] is None and _is_headline_like(lines[j]):
            if j in table_rows or _is_timestamp(lines[j]) or _is_byline(lines[j]):
                break
            kinds[j] = RELATED
            listed.append(j)
            j += 1

    def is_prose(i: int) -> bool:
        line = lines[i]
        return i in table_rows or (
            bool(line)
            and kinds[i] is None
            and not _is_headline_like(line)
            and not (_is_timestamp(line) or _is_byline(line))
        )

    prose = [i for i in range(n) if is_prose(i)]
    if not prose:
        # Nothing reads as running text: shape rules would have no body to stand against.
        return kinds, None
    first, last = prose[0], prose[-1]

    # Leading furniture: time stamp, byline, section labels, other headlines, then the title.
    headlines: list[int] = []
    for i in range(first):
        if not lines[i] or kinds[i] is not None:
            continue
        if _is_timestamp(lines[i]):
            kinds[i] = TIMESTAMP
        elif _is_byline(lines[i]):
            kinds[i] = BYLINE
        else:
            headlines.append(i)
    title = _pick_title(lines, headlines, kinds)
    if title is None and not headlines:
        # A list under a heading can run straight into the article: its last line, next to
        # the body, is then the article's title.
        before = [i for i in listed if i < first]
        if before and lines[before[-1] + 1] and len(_words(lines[before[-1]])) >= 2:
            title = before[-1]
            kinds[title] = None

    # Trailing furniture: a run of several headline-like lines after the last sentence.
    tail = [i for i in range(last + 1, n) if lines[i] and kinds[i] is None]
    for i in tail:
        if _is_timestamp(lines[i]):
            kinds[i] = TIMESTAMP
        elif _is_byline(lines[i]):
            kinds[i] = BYLINE
    tail = [i for i in tail if kinds[i] is None]
    has_heading = any(heads[i] for i in range(last + 1, n))
    # A sentence ending with ":" announces a list that belongs to the article.
    if (len(tail) >= 3 or (tail and has_heading)) and not lines[last].endswith(":"):
        for i in tail:
            kinds[i] = RELATED
    return kinds, title


def _pick_title(lines: Sequence[str], headlines: list[int], kinds: list[str | None]) -> int | None:
    """Choose the title among the headline-like lines before the body; mark the others.

    Short labels (three words or fewer) are section names when a longer candidate exists. Of
    the longer lines, the last one next to the body is the title, unless it is a long
    standfirst under a shorter headline; a standfirst stays in the body. Two or more lines
    above the title are a list of other stories.
    """
    if not headlines:
        return None
    candidates = [i for i in headlines if not _is_label(lines[i])]
    if not candidates:
        # Only labels: a one-word line is a section name, a few words may be the title.
        last = headlines[-1]
        for i in headlines[:-1]:
            kinds[i] = NAVIGATION
        if len(_words(lines[last])) < 2:
            kinds[last] = NAVIGATION
            return None
        return last
    for i in headlines:
        if i not in candidates:
            kinds[i] = NAVIGATION
    title_at = len(candidates) - 1
    if len(candidates) >= 2:
        last, previous = (len(_words(lines[i])) for i in (candidates[-1], candidates[-2]))
        # "Headline\nLonger standfirst without a full stop": the headline is the title.
        if last >= 12 and last > previous:
            title_at -= 1
        elif len(candidates) == 2:
            # Title then a short subtitle: keep the subtitle in the body.
            title_at = 0
    title = candidates[title_at]
    others = candidates[:title_at]
    if len(others) >= 2:
        for i in others:
            kinds[i] = RELATED
    return title


def _assemble(lines: Sequence[str], kinds: Sequence[str | None], title: int | None) -> Cleaned:
    """Build the body from the kept lines and the record of the removed ones."""
    kept: list[str] = []
    removed: list[RemovedLine] = []
    date: str | None = None
    for i, line in enumerate(lines):
        kind = TITLE if i == title else kinds[i]
        if kind is None:
            kept.append(line)
            continue
        removed.append(RemovedLine(line_no=i + 1, kind=kind, text=line))
        if kind == TIMESTAMP and date is None:
            date = parse_date(line)  # None for a bare "Published" label or a date without a year
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip("\n")
    return Cleaned(
        body=body,
        title=lines[title] if title is not None else None,
        date=date,
        url=None,
        removed=tuple(removed),
    )


def clean_text(
    text: str, *, keep_boilerplate: bool = False, table_rows: AbstractSet[int] = frozenset()
) -> Cleaned:
    """Separate the article in plain ``text`` from the page furniture around it.

    The text is normalised first (:func:`normalize_text`); the body is then a subsequence of
    its lines, never reordered or rewritten. Removed: a leading (or trailing) time stamp, whose
    date becomes ``date`` (ISO 8601, see :func:`summarize.dates.parse_date`); a byline; photo
    captions and credits; runs of several short headline-like lines before or after the
    article; share, subscribe, cookie, copyright, advertisement and navigation lines; "Lire
    aussi" / "Read more" / "Lesen Sie auch" links. A first line that reads as a headline and is
    followed by the body becomes ``title``. Every removed line is listed in ``removed``. With
    ``keep_boilerplate`` the body is the normalised text, untouched. ``table_rows`` are the
    0-based numbers of the normalised text's lines that were a table's rows (see
    :func:`clean_markdown`): they stay in the body whatever their shape.
    """
    normalized = normalize_text(text)
    if keep_boilerplate or not normalized:
        return Cleaned(body=normalized, title=None, date=None, url=None, removed=())
    lines = normalized.split("\n")
    kinds, title = _classify(lines, table_rows)
    return _assemble(lines, kinds, title)


# --- Markdown ----------------------------------------------------------------------------------
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
    a list of headlines, and a table at either end would otherwise go as one."""
    stripped, table_rows = _strip_markdown(text)
    return clean_text(stripped, keep_boilerplate=keep_boilerplate, table_rows=table_rows)


def strip_markdown(text: str) -> str:
    """Markdown ``text`` as the plain text a reader sees, a line of text per source line of text.

    Headings, block quotes and bulleted items keep their text without their markers (numbered
    items keep their numbers, as rendered); emphasis,
    strikethrough and inline code lose their markers; a link becomes its text; images, fenced
    code blocks, HTML comments, horizontal rules, reference definitions and YAML front matter
    go. A line made only of markup that goes is dropped rather than left blank, so blank lines
    (paragraphs) stay where the source has them. The result is what :func:`clean_text` then
    cleans: a heading on the first line is a title there like any headline-shaped first line.
    """
    return _strip_markdown(text)[0]


def _strip_markdown(text: str) -> tuple[str, frozenset[int]]:
    """:func:`strip_markdown`'s text, and the 0-based numbers of its lines that are table rows."""
    lines = _without_comments(normalize_text(text)).split("\n")
    out: list[str] = []
    rows: list[int] = []
    fence: str | None = None
    start = _front_matter_end(lines)
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
    return normalize_text("\n".join(out)), frozenset(rows)


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


def _front_matter_end(lines: list[str]) -> int:
    """Where the text starts after a YAML front matter block (``---``, ``key: value`` lines,
    ``---``); 0 when there is none."""
    if not lines or lines[0] != "---" or len(lines) < 3 or not _MD_FRONT_KEY.match(lines[1]):
        return 0
    for i in range(2, len(lines)):
        line = lines[i]
        if line in ("---", "..."):
            return i + 1
        # Only YAML-looking lines: "---" then "Paris: la grève..." opens an article, not metadata.
        if line.strip() and not (_MD_FRONT_KEY.match(line) or line.startswith(("- ", " ", "\t"))):
            return 0
    return 0


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
# Characters looked at, as looks_like_html does: a large input is judged on its start.
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
_MD_SIGN_FRONT_KEYS = re.compile(r"(?:title|date|publishdate|published)\s*:", re.IGNORECASE)


def markdown_signs(text: str) -> dict[str, float]:
    """The kinds of Markdown sign in ``text``'s first _MD_SNIFF characters, each with its weight."""
    head = text[:_MD_SNIFF]
    # Blank lines before a front matter are no text, as strip_markdown's normalize_text sees it.
    lines = head.lstrip(" \t\r\n").replace("\r\n", "\n").replace("\r", "\n").split("\n")
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
