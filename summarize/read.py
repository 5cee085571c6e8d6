"""Read: turn the command line's inputs into articles, one failure never stopping the others.

Inputs are files, folders (their article files, sorted), ``-`` for standard input, and
http(s) URLs.  Each yields ``Article``s, or a ``ReadFailure`` that names what went wrong.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

ARTICLE_SUFFIXES = (".txt", ".md", ".jsonl", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
DEFAULT_MAX_BYTES = 50_000_000
# Byte-order marks of UTF-16 and UTF-32 (UTF-32 LE's starts with UTF-16 LE's).
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)
# What surrogateescape makes of bytes that are not UTF-8; strict decoding never yields these.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")
# Inputs read from the network rather than the disk.
_URL_PREFIXES = ("http://", "https://")


@dataclass(frozen=True)
class Article:
    """One article to process, as read (not yet cleaned)."""

    id: str
    source: str
    text: str
    title: str | None = None
    url: str | None = None
    html: bool = False
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadFailure:
    """An input that yielded no article, and why."""

    id: str
    source: str
    error: InputError


Item = Article | ReadFailure


class BinaryInputError(InputError):
    kind = "binary"


class EncodingInputError(InputError):
    kind = "encoding"


class TooLargeError(InputError):
    kind = "too_large"


class UnreadableError(InputError):
    kind = "unreadable"


class InternalReadError(InputError):
    """An unexpected error (a bug) met while reading one input; the other inputs are still read."""

    kind = "internal"


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None  # None: UTF-8, or what a byte-order mark says
    max_bytes: int = DEFAULT_MAX_BYTES
    debug: bool = False  # let an unexpected error while reading end the run with its traceback


def decode(data: bytes, encoding: str | None) -> str:
    """Decode article bytes: a BOM wins, then ``encoding``, then strict UTF-8."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        # UTF-32 first: its little-endian BOM starts with UTF-16's.
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(name)
            except UnicodeDecodeError as exc:  # a truncated or damaged file behind a valid BOM
                raise EncodingInputError(
                    f"not valid {name.removesuffix('-sig').upper()} after its byte-order mark "
                    f"(byte {exc.start})",
                    "check the file, or pass --encoding",
                ) from exc
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError as exc:
            raise InputError(
                f"unknown encoding {encoding!r}", "use a Python codec name such as latin-1"
            ) from exc
        except UnicodeDecodeError as exc:
            raise EncodingInputError(
                f"not valid {encoding} (byte {exc.start})", "pass the right --encoding"
            ) from exc
    if b"\0" in data[:65536] or b"\0" in data[-65536:]:
        raise BinaryInputError("binary data (NUL bytes)", "give a text, HTML or JSONL file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingInputError(
            f"not valid UTF-8 (byte {exc.start})", "pass --encoding (for example --encoding latin-1)"
        ) from exc


def iter_articles(
    inputs: list[str], options: ReadOptions, read_stdin: Callable[[], bytes] | None = None
) -> Iterator[Item]:
    """Yield the articles of every input, in order.

    Every input yields at least one item: an ``Article`` or a ``ReadFailure``.  An unexpected
    error while reading one input becomes a ``ReadFailure`` of kind ``internal`` for that input
    and the others are still read (``options.debug``: it is raised instead).
    """
    for raw in inputs:
        if raw == "-":
            yield from _guarded("stdin", "stdin", _from_stdin(read_stdin, options), options)
        elif raw.startswith(_URL_PREFIXES):
            yield from _guarded(raw, raw, _from_url(raw, options), options)
        else:
            path = Path(raw)
            yield from _guarded(
                path.stem or path.name, str(path), _from_path(path, options, top_level=True), options
            )


def local_files(inputs: list[str]) -> frozenset[Path]:
    """The files on disk that ``inputs`` name, a folder's own files included, resolved."""
    files = set()
    for raw in inputs:
        if raw == "-" or raw.startswith(_URL_PREFIXES):
            continue
        path = Path(raw)
        with contextlib.suppress(OSError):
            if path.is_dir():
                files.update(p.resolve() for p in path.iterdir() if p.is_file())
            elif path.is_file():
                files.add(path.resolve())
    return frozenset(files)


def _guarded(name: str, source: str, items: Iterator[Item], options: ReadOptions) -> Iterator[Item]:
    """``items``, with an unexpected exception turned into a ReadFailure for this input."""
    try:
        yield from items
    except Exception as exc:  # a bug met by one input must not cost the others
        if options.debug:
            raise
        yield ReadFailure(
            name,
            source,
            InternalReadError(
                f"{source}: internal error while reading: {type(exc).__name__}: {exc}",
                "please report it (SUMMARIZE_DEBUG=1 shows the traceback)",
            ),
        )


def _from_stdin(read_stdin: Callable[[], bytes] | None, options: ReadOptions) -> Iterator[Item]:
    # A generator, so that reading happens inside iter_articles' guard.
    yield from _from_bytes("stdin", "stdin", _read_stdin(read_stdin, options), options, None)


def _read_stdin(read_stdin: Callable[[], bytes] | None, options: ReadOptions) -> bytes | InputError:
    if read_stdin is None:
        return InputError("no standard input", "pass a file, a folder or a URL")
    try:
        data = read_stdin()
    except (OSError, AttributeError, ValueError):
        # Closed descriptor (`<&-`): sys.stdin is None (AttributeError), a closed file object
        # (ValueError) or a failing read (OSError).
        return UnreadableError(
            "standard input is closed or unreadable", "pipe the articles in, or pass them as files"
        )
    if len(data) > options.max_bytes:
        return TooLargeError(
            f"standard input is over --max-bytes ({options.max_bytes} bytes)",
            "split it, or raise --max-bytes",
        )
    return data


def _from_url(url: str, options: ReadOptions) -> Iterator[Item]:
    from .fetch import fetch_url

    try:
        page = fetch_url(url, max_bytes=options.max_bytes)
    except InputError as exc:
        yield ReadFailure(url, url, exc)
        return
    yield Article(url, url, page.text, url=page.final_url, html=True)


def _from_path(path: Path, options: ReadOptions, *, top_level: bool) -> Iterator[Item]:
    name = path.stem or path.name
    try:
        info = path.stat()
    except FileNotFoundError:
        kind = "broken symbolic link" if path.is_symlink() else "no such file or folder"
        yield ReadFailure(name, str(path), UnreadableError(f"{path}: {kind}", "check the path"))
        return
    except OSError as exc:
        yield ReadFailure(name, str(path), UnreadableError(f"{path}: {exc.strerror}", "check the path"))
        return
    if stat.S_ISDIR(info.st_mode):
        if not top_level:
            return
        try:
            # Hidden names are not articles: macOS AppleDouble files (._a.txt), editor locks
            # (.#a.txt), .git and the like.
            entries = sorted(
                e for e in os.listdir(path) if not e.startswith(".") and e.lower().endswith(ARTICLE_SUFFIXES)
            )
        except OSError as exc:
            yield ReadFailure(
                name, str(path), UnreadableError(f"{path}: {exc.strerror}", "check the folder's permissions")
            )
            return
        for entry in entries:
            child = path / entry
            # Guarded one by one: a bug met by one file must not cost the rest of the folder.
            yield from _guarded(
                child.stem or child.name, str(child), _from_path(child, options, top_level=False), options
            )
        return
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device would block or never end: refuse it without opening it.
        yield ReadFailure(
            name, str(path), UnreadableError(f"{path}: not a regular file", "give a text, HTML or JSONL file")
        )
        return
    if info.st_size > options.max_bytes:
        yield ReadFailure(
            name,
            str(path),
            TooLargeError(
                f"{path} is {info.st_size} bytes, over --max-bytes ({options.max_bytes})",
                "split it, or raise --max-bytes",
            ),
        )
        return
    try:
        with path.open("rb") as fh:
            data: bytes | InputError = fh.read(options.max_bytes + 1)
    except OSError as exc:
        yield ReadFailure(
            name, str(path), UnreadableError(f"{path}: {exc.strerror}", "check the file's permissions")
        )
        return
    yield from _from_bytes(name, str(path), data, options, path.suffix.lower())


def _from_bytes(
    name: str, source: str, data: bytes | InputError, options: ReadOptions, suffix: str | None
) -> Iterator[Item]:
    if isinstance(data, InputError):
        yield ReadFailure(name, source, data)
        return
    try:
        text = decode(data, options.encoding)
    except EncodingInputError as exc:
        if suffix != ".jsonl" or options.encoding or data.startswith(_WIDE_BOMS):
            yield ReadFailure(name, source, exc)
            return
        # One line of bad bytes must not cost the other lines: each line is judged on its own
        # (the bytes that are not UTF-8 become lone surrogates, which _from_jsonl reports).
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8", "surrogateescape")
    except InputError as exc:
        yield ReadFailure(name, source, exc)
        return
    if suffix == ".jsonl" or (suffix is None and _looks_like_jsonl(text)):
        yield from _from_jsonl(name, source, text)
    else:
        # The content decides too, not the suffix alone: a page saved as .txt (or .md) is still
        # a page, and translating its markup is no use. looks_like_html wants a document start
        # or many tags, so prose that quotes a tag or two stays text.
        html = suffix in HTML_SUFFIXES or _looks_like_html(text.lstrip("\ufeff"))
        yield Article(name, source, text, html=html)


def _looks_like_html(text: str) -> bool:
    # Every file is asked now: text without a single "<" is not HTML, and need not pay for
    # importing the cleaner (15 ms, on a run otherwise served from the article memo).
    if "<" not in text[:100_000]:
        return False
    from .clean import looks_like_html

    return looks_like_html(text)


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
        if obj is not None and "text" in obj:  # the field _from_jsonl reads
            return True
        if obj is None:
            every = False
    return every


def _json_object(line: str) -> dict[str, object] | None:
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python allows
        return None
    return obj if isinstance(obj, dict) else None


def _from_jsonl(name: str, source: str, text: str) -> Iterator[Item]:
    # Only "\n" ends a JSON Lines record: splitlines() would also break at U+2028, U+0085 and
    # other characters that JSON strings may hold raw (our own output does).
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        if _ESCAPED_BYTES.search(line):
            yield ReadFailure(
                f"{name}-{number}",
                where,
                EncodingInputError(
                    f"{where}: not valid UTF-8", "fix that line, or pass --encoding (for example latin-1)"
                ),
            )
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            # Not only JSONDecodeError: an over-long integer is a plain ValueError, and nesting
            # deeper than Python allows a RecursionError.
            why = (
                f"{exc.msg} at column {exc.colno}"
                if isinstance(exc, json.JSONDecodeError)
                else "nested too deeply"
                if isinstance(exc, RecursionError)
                else str(exc)[:80]
            )
            yield ReadFailure(
                f"{name}-{number}",
                where,
                InputError(f"{where}: not valid JSON ({why})", "fix or remove that line"),
            )
            continue
        body = obj.get("text") if isinstance(obj, dict) else None
        if not isinstance(body, str):
            yield ReadFailure(
                f"{name}-{number}",
                where,
                InputError(f'{where}: no "text" string in the object', 'each line needs {"text": "..."}'),
            )
            continue
        ident = obj.get("id")
        yield Article(
            str(ident) if ident not in (None, "") else f"{name}-{number}",
            where,
            body,
            title=_opt_str(obj.get("title")),
            url=_opt_str(obj.get("url")),
            html=_looks_like_html(body),
        )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
