"""Read, JSON in the input: whether a text is JSON Lines, a feed saved under an article's name,
or a JSON array or object to refuse with the ``jq`` command that makes it JSON Lines; and a JSON
line's fields and id as text.  read.py turns each line into its ``Article`` or ``ReadFailure``.
"""

from __future__ import annotations

import json

from .errors import InputError
from .read_inputs import _is_web_url

# What may come before a JSON text: a BOM left by decoding, and JSON's whitespace.
_JSON_LEAD = "\ufeff \t\r\n"


def _object_id(default: str, ident: object) -> str:
    """A JSON Lines article's id: the line's own, else ``default`` (``FILE-LINE``)."""
    return _id_text(ident) if ident not in (None, "") else default


def _plainly_articles(text: str) -> str | None:
    """What JSON ``text`` plainly is, for a file whose name says it is an article: "lines" when
    every non-blank line is a JSON object with a "text" string (JSON Lines), "array" when the
    whole is a JSON array of such objects; else None (an article, as its name says)."""
    body = text.lstrip(_JSON_LEAD)
    if body.startswith("{"):
        lines = [line for line in body.split("\n") if line.strip()]
        return "lines" if all(_is_article_object(_json_object(line)) for line in lines) else None
    if body.startswith("["):
        try:
            items = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if isinstance(items, list) and items and all(_is_article_object(item) for item in items):
            return "array"
    return None


def _is_article_object(obj: object) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("text"), str)


def _json_array_error(source: str, text: str) -> InputError | None:
    """The error for a JSON array of objects (articles.json, an API's answer), or one object
    written over several lines, which read as an article would be its JSON translated: say how
    to make it JSON Lines.  None for other text."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body.startswith(("[", "{")):
        return None
    try:
        items = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(items, dict):
        what, jq = "a JSON object over several lines", "."
    elif isinstance(items, list) and items and all(isinstance(x, dict) for x in items):
        what, jq = f"a JSON array of {len(items)} object{'s' if len(items) > 1 else ''}", ".[]"
    else:
        return None
    import shlex

    if source == "stdin":
        way = f"jq -c '{jq}' | summarize run -"
    elif _is_web_url(source):  # jq reads no URL
        way = f"curl -s {shlex.quote(source)} | jq -c '{jq}' | summarize run -"
    else:
        way = f"jq -c '{jq}' {shlex.quote(source)} | summarize run -"
    return InputError(f"{source}: {what}, not JSON Lines", f"give one object a line, for example: {way}")


def _looks_like_jsonl(text: str) -> bool:
    """Whether text of unknown kind (standard input) is JSON Lines rather than one article.

    Judged on all the non-empty lines, not the first alone, so that one malformed line (the
    first included) is reported as such instead of turning the whole batch into one article:
    most lines must start with ``{``, and either one of them is an object with a text field or
    every line is an object.  Prose that merely starts with ``{`` parses as neither.
    """
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    braced = [line for line in lines if line.startswith("{")]
    if not braced or len(braced) * 2 <= len(lines):
        return False
    every = len(braced) == len(lines)
    for line in braced:
        obj = _json_object(line)
        if obj is not None and "text" in obj:  # the field read._from_jsonl reads
            return True
        if obj is None:
            every = False
    return every


_JSON_KINDS = {
    list: "an array", str: "a string", int: "a number", float: "a number", bool: "true or false",
    type(None): "null", bytes: "bytes",  # bytes: a batch row's (summarize.batch)
}  # fmt: skip


def _json_object(line: str) -> dict[str, object] | None:
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python allows
        return None
    return obj if isinstance(obj, dict) else None


def _no_text(obj: dict[str, object], key: str = "text") -> str:
    """What a JSON object without a "text" (``key``) string has instead, so that a feed whose
    articles are under "body" or "content" says so at once."""
    if key in obj:
        return f'"{key}" is {_JSON_KINDS.get(type(obj[key]), "an object")}, not a string'
    if not obj:
        return f'an empty object, no "{key}"'
    keys = [json.dumps(name, ensure_ascii=False) for name in list(obj)[:6]]
    more = ", ..." if len(obj) > 6 else ""
    return f'no "{key}" field, only {", ".join(keys)}{more}'


def _id_text(ident: object) -> str:
    """A JSON Lines id as text: a string as is, a number as written; another JSON value (an
    object, an array, true) as JSON, which the user can find in the input, not Python's repr of
    it; a value JSON has not (a batch row's UUID or Decimal) as its str()."""
    if isinstance(ident, str):
        return ident
    if isinstance(ident, int | float) and not isinstance(ident, bool):
        return str(ident)
    if isinstance(ident, dict | list | bool) or ident is None:
        return json.dumps(ident, ensure_ascii=False, default=str)
    return str(ident)


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _given(value: object) -> str | None:
    """A JSON Lines field the pipeline reads (a date, a language code), as text: None when it is
    absent, null or blank; a string as is; anything else as JSON (`20240617`, `{"code": "fr"}`),
    which the pipeline then refuses, naming it as the line wrote it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else _id_text(value)
