"""Read, kinds of text: whether an article's text is a page (HTML), Markdown or plain text, as
``--input-format`` says it, or else as its name, a fetched page's content type and its content
tell it.  The cleaner's tests are imported only for text that may need them.
"""

from __future__ import annotations

import urllib.parse
from pathlib import PurePath, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fetch is imported when a URL is read
    from .fetch import Fetched


ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".jsonl", ".html", ".htm")


HTML_SUFFIXES = (".html", ".htm")


MARKDOWN_SUFFIXES = (".md", ".markdown")


# (html, markdown) of each kind that is said rather than told.
_KINDS = {"text": (False, False), "markdown": (False, True), "html": (True, False)}


def _served_kind(page: Fetched) -> tuple[bool, bool]:
    """(html, markdown) of a fetched page's text when no one says its kind: told by its content
    type, its name and its content."""
    html = page.is_html or _looks_like_html(page.text.lstrip("\ufeff"))
    # Markdown by its type; served as plain text or with no type, by its name (a raw file of a
    # forge), or when the name says nothing, by its content, as a suffix-less file's is. A .txt
    # name (or .html, .jsonl) says what a file's would: not Markdown.
    suffix = _article_suffix(PurePosixPath(urllib.parse.urlsplit(page.final_url).path))
    markdown = not html and (
        page.content_type in ("text/markdown", "text/x-markdown")
        or (page.content_type in ("text/plain", "") and _is_markdown(page.text.lstrip("\ufeff"), suffix))
    )
    return html, markdown


def _told_kind(body: str, suffix: str | None) -> tuple[bool, bool]:
    """(html, markdown) of an article's text when no one says its kind: told by its name
    (``suffix``, see _article_suffix) and its content."""
    # The content decides too, not the suffix alone: a page saved as .txt (or .md) is still a
    # page, and translating its markup is no use. looks_like_html wants a document start or many
    # tags, so prose that quotes a tag or two stays text.
    if suffix in MARKDOWN_SUFFIXES:
        # Markdown holds HTML often (a centred logo, a <div>): only a whole document saved as .md
        # is a page; otherwise its tags go with the rest of the markup.
        html = body.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    else:
        # An .html file without a single tag is text saved under that name: as a page, its lines
        # would run into one paragraph and its furniture would stay.
        html = (suffix in HTML_SUFFIXES and "<" in body) or _looks_like_html(body)
    return html, not html and _is_markdown(body, suffix)


def _looks_like_html(text: str) -> bool:
    # Every file is asked now: text without a single "<" is not HTML, and need not pay for
    # importing the cleaner (15 ms, on a run otherwise served from the article memo).
    if "<" not in text[:100_000]:
        return False
    from .clean_html import looks_like_html

    return looks_like_html(text)


# What Markdown holds and plain text seldom does: without one of these, text is not Markdown
# (see clean_markdown.looks_like_markdown, whose every sign weighing enough needs one).
_MARKDOWN_HINTS = ("](", "`", "|", "]:", "][", "#", "**", "__")


def _article_suffix(path: PurePath) -> str | None:
    """The suffix that says what an article file is (.md, .txt, ...), lower case; None when the
    name says nothing (no suffix, or another one: feed.ndjson, notes): its content decides."""
    suffix = path.suffix.lower()
    return suffix if suffix in ARTICLE_SUFFIXES else None


def _is_markdown(body: str, suffix: str | None) -> bool:
    """Whether text that is not a page is Markdown: by its name (``suffix``, see
    _article_suffix), or by its content when the name says nothing.  A .txt name says plain
    text, and keeps its asterisks and # as written."""
    return suffix in MARKDOWN_SUFFIXES or (suffix is None and _looks_like_markdown(body))


def _looks_like_markdown(text: str) -> bool:
    """Whether text of no declared kind (stdin, a suffix-less file) is Markdown, judged on its
    start.  As _looks_like_html: text without any of the characters its signs need is not, and
    need not pay for importing the cleaner."""
    head = text[:100_000]
    if not head.lstrip().startswith("---") and not any(hint in head for hint in _MARKDOWN_HINTS):
        return False
    from .clean_markdown import looks_like_markdown

    return looks_like_markdown(head)
