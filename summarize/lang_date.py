"""The article's language and date as its record gives them: what the input says (``--source-lang``,
a JSON line's "lang", "language" and "date") against what detection and the text say, and the
warnings when they disagree or cannot be trusted or read.
"""

from __future__ import annotations

from typing import Any

from .errors import InputError
from .options import RunOptions
from .read import Article
from .routing import LanguageCodeError, normalize_lang, user_lang


def language_warning(language: dict[str, Any]) -> dict[str, str] | None:
    """The warning for a detection not to be trusted (built anew on a cache hit, so that its
    wording is this version's)."""
    if language.get("reliable", True):
        return None
    # Imported only now: a cached reliable detection must not cost the module's import.
    from .lang import REASON_AMBIGUOUS, REASON_MIXED, REASON_TOO_SHORT

    if language.get("reason") == REASON_MIXED:
        return None
    why = {
        REASON_TOO_SHORT: "too short to tell the language",
        REASON_AMBIGUOUS: "no language clearly wins",
    }.get(language.get("reason"), "language unknown")
    return {
        "kind": "language_uncertain",
        "message": f"{why}: took it as {language['code']}; pass --source-lang to say which",
    }


class LanguageInputError(InputError):
    """The input gives the article a language code that is none: the article fails, not the run."""

    kind = "language_code"


def input_lang(article: Article, options: RunOptions) -> str | None:
    """The article's language when it is not to be detected: ``--source-lang`` (typed for the
    whole run, it wins), else the code the input gives (a JSON line's "lang"), else None."""
    if options.source_lang:
        return options.source_lang
    return None if article.lang is None else given_lang(article.lang)


def given_lang(lang: str) -> str:
    """The language code the input gives an article (a JSON line's "lang"), as the run takes
    it; the memo key holds the same, so that "FR" and "fr" share an entry."""
    try:
        return user_lang(lang)
    except LanguageCodeError as exc:
        raise LanguageInputError(
            f"the article's language {exc.message}",
            f'{exc.hint}; fix its "lang" in the input, leave it out to have the language detected, '
            "or pass --source-lang",
        ) from None


def lang_conflict(article: Article, options: RunOptions) -> dict[str, str] | None:
    """A warning when the input names two languages that are not the same (a JSON line's "lang"
    and "language": ``fr`` and ``FRA`` are the same, ``fr`` and ``de`` are not), or None.

    "lang" wins, as it would alone: the warning says which was taken and that the other was
    not, so that a feed whose two fields disagree is not read as one of them without a word.
    ``--source-lang`` overrides both: there is then nothing to warn about.
    """
    lang, other = article.lang, article.overridden_lang
    if options.source_lang or lang is None or other is None:
        return None

    def code(value: str) -> str:
        try:
            return normalize_lang(value)
        except LanguageCodeError:
            return value.strip().lower()  # no code: compared as written

    if code(lang) == code(other):
        return None
    return {
        "kind": "language_conflict",
        "lang": lang,
        "language": other,
        "message": f'the input\'s "lang" {lang!r} and "language" {other!r} disagree; '
        '"lang" wins: fix or remove the wrong one',
    }


def input_date(given: str | None, text_date: str | None) -> tuple[str | None, dict[str, str] | None]:
    """The record's date, and a warning or None. When the input gives one (a JSON line's
    "date"): that date as ISO 8601 (see :func:`summarize.dates.parse_date`), which wins over
    ``text_date`` (the one the text or page gives); when it cannot be read, ``text_date`` and a
    warning that says so. Without one, ``text_date``."""
    if given is None:
        return text_date, None
    from .dates import parse_date

    date = parse_date(given)
    if date is not None:
        return date, None
    return text_date, date_unreadable(given, text_date, "input's")


def date_unreadable(given: str, kept: str | None, whose: str) -> dict[str, str]:
    """The warning that the date ``given`` (the ``whose`` date: "input's", "front matter's") is
    no date, and that the record's is ``kept``, the text's date."""
    said = f"the text's date, {kept}, is kept" if kept else "the record has no date"
    return {
        "kind": "date_unreadable",
        "date": given,
        "message": f"the {whose} date {given!r} is not a date ({said}); "
        "write it as ISO 8601, such as 2024-06-17 or 2024-06-17T16:01+02:00",
    }
