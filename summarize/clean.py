"""Turn pasted text into a clean article body plus metadata.

Copies of news pages carry furniture around the article: time stamps, photo captions, lists of
other headlines, share buttons, cookie banners, "Read more" links. Translating and summarising
that furniture wastes time and drags other stories into the summary, so this module separates
the body from it by general rules (line shape and position, plus the keyword lists in French,
English, Spanish and German of clean_words.py) and reports every line it took out, with its
kind. Markdown (clean_markdown.py) and HTML pages (clean_html.py) come here once their markup is
gone; they share its normalisation and its :class:`Cleaned` result.

Everything here is pure: constants only at module level, and nothing heavy is imported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from . import clean_words
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
    time stamp line that holds a full date (plain text), from the page's metadata (HTML) or from
    a Markdown front matter; the line itself stays in ``removed``. ``removed`` lists every line
    that is not in the body, in input order, the title included (kind ``title``). ``unread_date``
    is a date the input's own metadata gives (a front matter's ``date``) that
    :func:`summarize.dates.parse_date` cannot read, as written; ``date`` is then the text's.
    """

    body: str
    title: str | None
    date: str | None
    url: str | None
    removed: tuple[RemovedLine, ...]
    unread_date: str | None = None


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
    return re.sub(clean_words.LIST_MARKER, "", line.strip())


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
    for pattern in clean_words.DATE_PARTS:
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
    if re.search(clean_words.TIMESTAMP_LABEL, line, flags=re.IGNORECASE):
        return True
    rest = list(line)
    for start, end in spans:
        rest[start:end] = " " * (end - start)
    content = [t for t in _tokens("".join(rest)) if t not in clean_words.FILLER_DATE_WORDS]
    content = [t for t in content if not re.fullmatch(clean_words.MONTHS, t)]
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
    return all(w[:1].isupper() or w.lower() in clean_words.BYLINE_CONNECTORS for w in names)


def _is_share(line: str) -> bool:
    """A short line made of share/social/print words: "Partager sur Facebook", "Teilen"."""
    if len(_words(line)) > 12:
        return False
    tokens = _tokens(line)
    if not tokens or not any(t in clean_words.SHARE_STRONG for t in tokens):
        return False
    known = sum(1 for t in tokens if t in clean_words.SHARE_STRONG or t in clean_words.SHARE_FILLER)
    return known / len(tokens) >= 0.75


def _is_breadcrumb(line: str) -> bool:
    """ "Accueil > Monde > Asie", "Home | News | Sport": short parts between separators."""
    parts = [p.strip() for p in re.split(clean_words.BREADCRUMB_SEP, line)]
    parts = [p for p in parts if p]
    if len(parts) < 3 or len(_words(line)) > 20:
        return False
    return all(len(_words(p)) <= 4 and not p.endswith(".") for p in parts)


def _caption_kind(line: str) -> str | None:
    """``caption`` for a described photo with its credit, ``credit`` for a bare credit."""
    if len(_words(line)) > 80:
        return None
    lead = re.match(clean_words.CAPTION_LEAD, line, flags=re.IGNORECASE)
    if lead:
        return CAPTION if len(_words(line[lead.end() :])) >= 4 else CREDIT
    for pattern, flags in (
        (clean_words.CAPTION_PAREN, re.IGNORECASE),
        (clean_words.CAPTION_TAIL, re.IGNORECASE),
        (clean_words.CAPTION_COPY, re.IGNORECASE),
        # Case matters here: "AP/" is an agency, "ap/" is not.
        (clean_words.CAPTION_AGENCY, 0),
        (clean_words.CAPTION_CAPS, 0),
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
    if key in clean_words.ADVERTISEMENT_LINES:
        return ADVERTISEMENT, False
    if key in clean_words.READ_MORE_LINES:
        return READ_ALSO, False
    if key in clean_words.RELATED_HEADINGS:
        return RELATED, True
    also = re.match(clean_words.READ_ALSO, key)
    if also:
        # "Lire aussi :" alone introduces a list of headlines; with text it is one link.
        heads_list = not key[also.end() :].strip(" :>»›|–—-")
        return READ_ALSO, heads_list
    if key in clean_words.NAVIGATION_LINES:
        return NAVIGATION, False
    if key in clean_words.SUBSCRIBE_LINES:
        return SUBSCRIBE, False
    if key in clean_words.TIMESTAMP_LINES:
        return TIMESTAMP, False
    low = line.lower().replace("\u2019", "'")
    if words <= 80 and re.search(clean_words.COOKIE_USE, low):
        return COOKIE, False
    if words <= 25 and re.search(clean_words.COOKIE_ACTION, low):
        return COOKIE, False
    if words <= 40 and re.search(clean_words.SUBSCRIBE_STRONG, low):
        return SUBSCRIBE, False
    if words <= 12 and "newsletter" in low and _is_headline_like(line):
        return SUBSCRIBE, False
    if _is_share(line) or (words <= 15 and re.search(clean_words.SHARE_PHRASE, low)):
        return SHARE, False
    if words <= 12 and re.search(clean_words.READING_TIME, key):
        return READING_TIME, False
    if words <= 25 and re.search(clean_words.STAFF_CREDIT, low):
        return CREDIT, False
    if words <= 10 and re.search(clean_words.AGENCY_SOURCE, low):
        return CREDIT, False
    if words <= 25 and re.search(clean_words.RIGHTS, low):
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
            if _is_timestamp(line) and re.match(clean_words.TIMESTAMP_LABEL, line, flags=re.IGNORECASE):
                kinds[i] = TIMESTAMP
            elif _is_byline(line) and len(_words(line)) <= 6:
                kinds[i] = BYLINE

    # Cookie banners: their buttons ("Accept all", "Refuser") sit next to the banner text.
    for i, line in enumerate(lines):
        if kinds[i] is None and line and i not in table_rows and _key(line) in clean_words.COOKIE_BUTTONS:
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
    :func:`summarize.clean_markdown.clean_markdown`): they stay in the body whatever their shape.
    """
    normalized = normalize_text(text)
    if keep_boilerplate or not normalized:
        return Cleaned(body=normalized, title=None, date=None, url=None, removed=())
    lines = normalized.split("\n")
    kinds, title = _classify(lines, table_rows)
    return _assemble(lines, kinds, title)
