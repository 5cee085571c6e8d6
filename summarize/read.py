"""Read: turn the command line's inputs into articles, one failure never stopping the others.

Inputs are files, folders (their article files, sorted), ``-`` for standard input, and
http(s) URLs.  Each yields ``Article``s, or a ``ReadFailure`` that names what went wrong.
JSON Lines (a ``.jsonl`` file, or standard input) is read line by line, each article yielded as
its line comes in, and ``--max-bytes`` limits each line rather than the whole input.

Here: the articles, failures and errors, ``ReadOptions``, ``iter_articles`` and the readers of
each source (files, folders, URLs, standard input and named pipes, JSON Lines lines).  Beside
it: ``read_inputs`` (URLs, paths, patterns), ``read_listing`` (folder listings, notes, totals),
``read_decode`` (bytes to text), ``read_kinds`` (page, Markdown or plain text),
``read_json`` (JSON Lines, arrays and a line's fields told apart) and ``read_ahead`` (URLs
fetched a few at a time before the reading reaches them).
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from .errors import InputError, check_at_least, check_at_most, check_one_of
from .own_output import looks_like_own_output, recognise
from .read_decode import (
    _BINARY_PROBE,
    _WIDE_BOMS,
    EncodingInputError,
    _binary_error,
    _lines_utf8_or,
    _looks_binary,
    _utf8_or,
    decode,
)
from .read_inputs import _is_web_url, expand_patterns, input_path, is_pattern
from .read_json import (
    _JSON_KINDS,
    _given,
    _json_array_error,
    _json_object,
    _looks_like_jsonl,
    _no_text,
    _object_id,
    _opt_str,
    _plainly_articles,
)
from .read_kinds import (
    _KINDS,
    HTML_SUFFIXES,
    MARKDOWN_SUFFIXES,
    _article_suffix,
    _served_kind,
    _told_kind,
)
from .read_listing import _is_article_name

if TYPE_CHECKING:
    from .fetch import Fetched
    from .read_ahead import FetchAhead

DEFAULT_MAX_BYTES = 50_000_000
# Four hosts at once: a list of news URLs spans a few sites, and aria2c's 5 downloads at once
# (one connection a server) say how far a downloader goes unasked.
DEFAULT_FETCH_JOBS = 4
# An input is held whole in memory, so a limit past any machine's memory is no limit; beyond
# Python's index range (2**63 - 1) reading one failed as an internal error.
MOST_MAX_BYTES = 10**12
MAX_BYTES_COST = "an input is read whole into memory, so 1 TB already means no limit"
# Each job is a thread and a socket, and twice as many pages may wait in memory; curl's
# --parallel-max defaults to 50 and a browser opens 6 connections a host.
MOST_FETCH_JOBS = 32
FETCH_JOBS_COST = "each job is a thread and a connection, and twice as many pages wait in memory"
# How an article's text is read (ReadOptions.input_format, --input-format, a JSON line's
# "format"): "auto" tells it by the article's name and content, the others say it.
INPUT_FORMATS = ("auto", "text", "markdown", "html")
# What surrogateescape makes of bytes that are not UTF-8; strict decoding never yields these.
_ESCAPED_BYTES = re.compile("[\udc80-\udcff]")
# The start of a JSON Lines record, enough to judge a first line over --max-bytes on stdin.
_OPENS_OBJECT = re.compile(rb'\s*\{\s*"')


@dataclass(frozen=True)
class Article:
    """One article to process, as read (not yet cleaned)."""

    id: str
    source: str
    text: str
    title: str | None = None
    url: str | None = None
    html: bool = False
    # Markdown (a .md file that is not a page, or stdin or a suffix-less file whose content is
    # plainly Markdown, or said so by --input-format or a JSON line's "format"): its markup is
    # stripped before cleaning.
    markdown: bool = False
    # What the input itself says of the article (a JSON line's "date" and "lang"), as written:
    # the pipeline reads the date as ISO 8601 (one it cannot read is a warning) and takes the
    # code as the language instead of detecting it (an invalid one fails the article).
    date: str | None = None
    lang: str | None = None
    # A line that gives both "lang" and "language": its "language", which "lang" overrides (the
    # pipeline warns when the two do not name the same language).
    overridden_lang: str | None = None


@dataclass(frozen=True)
class ReadFailure:
    """An input that yielded no article, and why."""

    id: str
    source: str
    error: InputError


Item = Article | ReadFailure


class TooLargeError(InputError):
    kind = "too_large"


class UnreadableError(InputError):
    kind = "unreadable"


class InputFormatError(InputError):
    """A JSON line whose "format" names no kind of text: that line fails, not the run."""

    kind = "input_format"


class EmptyJsonLinesError(InputError):
    """A JSON Lines file without a line: skipped, as an empty article file is."""

    kind = "empty"


class InternalReadError(InputError):
    """An unexpected error (a bug) met while reading one input; the other inputs are still read."""

    kind = "internal"


class StdinStream(Protocol):
    """What standard input is read through: a binary stream such as ``sys.stdin.buffer``."""

    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


# read_stdin gives the stream, or (tests, callers holding it all) the whole input as bytes.
StdinReader = Callable[[], StdinStream | bytes]


@dataclass(frozen=True)
class ReadOptions:
    """How inputs are read.  A ``max_bytes`` or ``input_format`` the CLI would refuse raises
    UsageError when the options are built."""

    # For input that is not valid UTF-8 and has no byte-order mark (UTF-16/32: for all input).
    encoding: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    debug: bool = False  # let an unexpected error while reading end the run with its traceback
    # (st_dev, st_ino) of files a folder read skips: the run's own output file.
    never_read: frozenset[tuple[int, int]] = frozenset()
    # The kind of every article's text (one of INPUT_FORMATS), whatever its name, its content, a
    # URL's content type or a JSON line's "format" say; "auto": told by those.  JSON Lines stay
    # JSON Lines: the kind is each line's text's.
    input_format: str = "auto"
    # URLs fetched at once, at most one a host (--fetch-jobs); 1: each when the reading reaches it.
    fetch_jobs: int = DEFAULT_FETCH_JOBS

    def __post_init__(self) -> None:
        check_at_least(1, self, "max_bytes", "fetch_jobs")  # as --max-bytes, --fetch-jobs
        check_at_most(MOST_MAX_BYTES, MAX_BYTES_COST, self, "max_bytes")
        check_at_most(MOST_FETCH_JOBS, FETCH_JOBS_COST, self, "fetch_jobs")
        check_one_of("input_format", self.input_format, INPUT_FORMATS)


def iter_articles(
    inputs: list[str], options: ReadOptions, read_stdin: StdinReader | None = None
) -> Iterator[Item]:
    """Yield the articles of every input, in order.

    ``read_stdin`` is called once, when ``-`` is met, and returns standard input's binary
    stream (or all of its bytes).

    A pattern (``news/*.md``) is first expanded into the paths it matches (see
    :func:`expand_patterns`).  Every input yields at least one item, an ``Article`` or a
    ``ReadFailure`` (a pattern that matches nothing: a failure that says so), but for a pattern
    whose every match is skipped (this tool's results...).  An unexpected
    error while reading one input becomes a ``ReadFailure`` of kind ``internal`` for that input
    and the others are still read (``options.debug``: it is raised instead).

    URLs are fetched ahead, ``options.fetch_jobs`` at once and one at a time a host (see
    :mod:`summarize.read_ahead`); their items still come in input order.
    """
    expanded = expand_patterns(inputs, never_read=options.never_read)[0]
    ahead = _fetch_ahead(expanded, options)
    try:
        for position, raw in enumerate(expanded):
            if ahead is not None:
                ahead.reach(position)
            yield from _read_input(raw, position, options, read_stdin, ahead)
    finally:
        if ahead is not None:
            ahead.close()


def _fetch_ahead(expanded: list[str], options: ReadOptions) -> FetchAhead[Fetched] | None:
    """The fetches ahead of the reading, or None: one job, or fewer than two URLs to fetch."""
    urls = {position: raw for position, raw in enumerate(expanded) if _is_web_url(raw)}
    if options.fetch_jobs < 2 or len(urls) < 2:
        return None
    from .fetch import fetch_url
    from .read_ahead import FetchAhead

    def fetch(url: str) -> Fetched:
        return fetch_url(url, max_bytes=options.max_bytes)

    # Twice the jobs: a page taken frees a place while the others are still in flight.
    return FetchAhead(urls, fetch, options.fetch_jobs, ahead=2 * options.fetch_jobs)


def _read_input(
    raw: str,
    position: int,
    options: ReadOptions,
    read_stdin: StdinReader | None,
    ahead: FetchAhead[Fetched] | None,
) -> Iterator[Item]:
    """The items of one input, ``raw``, at ``position`` among the expanded inputs."""
    if raw == "-":
        yield from _guarded("stdin", "stdin", _from_stdin(read_stdin, options), options)
    elif _is_web_url(raw):
        fetch = None if ahead is None else (lambda: ahead.take(position))
        yield from _guarded(raw, raw, _from_url(raw, options, fetch), options)
    elif (path := input_path(raw)) is not None:
        yield from _guarded(
            path.stem or path.name, str(path), _from_path(path, options, top_level=True), options
        )
    else:
        from .fetch import UnsupportedURLError

        scheme = raw.split(":", 1)[0]
        error = (
            UnsupportedURLError(f"{raw}: not a file on this machine", "give the file's path")
            if scheme.lower() == "file"
            else UnsupportedURLError(
                f"{raw}: unsupported URL scheme {scheme!r}",
                "only http(s) pages are fetched: download it and pass the file",
            )
        )
        yield ReadFailure(raw, raw, error)


# A web address typed without its scheme: www.host..., or a dotted host name then a path
# (lemonde.fr/politique/...).  Said in the hint only when no such file exists.
_WEB_ADDRESS = re.compile(r"www\.[\w-]+\.|[\w-]+(\.[\w-]+)*\.[a-z]{2,}/", re.IGNORECASE)


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
                "please report it; SUMMARIZE_DEBUG=1 shows the traceback",
            ),
        )


def _from_stdin(read_stdin: StdinReader | None, options: ReadOptions) -> Iterator[Item]:
    """Standard input's articles: JSON Lines as each line comes in, anything else read whole.

    A generator, so that reading happens inside iter_articles' guard.
    """
    if read_stdin is None:
        yield ReadFailure("stdin", "stdin", InputError("no standard input", "pass a file, a folder or a URL"))
        return
    stream = _Stream(read_stdin, lambda _exc: _unreadable())
    yield from _from_stream("stdin", "stdin", stream, options, None, _stdin_too_large)


def _from_stream(
    name: str,
    source: str,
    stream: _Stream,
    options: ReadOptions,
    suffix: str | None,
    too_large: Callable[[int], TooLargeError],
) -> Iterator[Item]:
    """A stream's articles (stdin, a named pipe): JSON Lines as each line comes in, anything
    else read whole.

    The first non-blank line decides: a JSON object with a "text" field makes the stream JSON
    Lines, streamed (``tail -f feed.jsonl | summarize run -``), each later line judged on its own
    and ``--max-bytes`` applied per line.  So does a first line over ``--max-bytes`` that opens
    an object: it cannot be judged whole, and read whole, the stream would be over the limit
    anyway.  Otherwise all of it is read (at most ``--max-bytes``) and judged whole as before, so
    that a malformed first line still leaves a batch JSON Lines.  A stream with an article
    ``suffix`` (``.html``, ``.md``) is read whole as that.
    """
    limit = options.max_bytes
    head: list[bytes] = []  # the blank lines, then the first non-blank one
    size = 0
    try:
        while piece := stream.readline(limit + 1):
            head.append(piece)
            size += len(piece)
            line = piece.removeprefix(codecs.BOM_UTF8) if len(head) == 1 else piece
            if _overlong(piece, limit) or line.strip():
                break
            if size > limit:  # blank lines alone over the limit: no line to judge
                yield ReadFailure(name, source, too_large(limit))
                return
        first = b"".join(head)
        line_encoding = _stream_encoding(first, options.encoding)
        overlong = bool(head) and _overlong(head[-1], limit)
        if (
            suffix is not None
            or line_encoding is None
            or not _starts_json_lines(first, overlong, options.encoding)
        ):
            rest = stream.read(max(0, limit + 1 - size))
            if size + len(rest) > limit:
                yield ReadFailure(name, source, too_large(limit))
                return
            yield from _from_bytes(name, source, first + rest, options, suffix)
            return
    except UnreadableError as exc:
        yield ReadFailure(name, source, exc)
        return
    yield from _jsonl_lines(name, source, stream.readline, len(head), head[-1], line_encoding, options)


def _jsonl_stream(
    name: str, source: str, stream: _Stream, options: ReadOptions, too_large: Callable[[int], TooLargeError]
) -> Iterator[Item]:
    """A stream named ``.jsonl`` (a named pipe): JSON Lines whatever its first line, as a .jsonl
    file is, each line read as it comes."""
    limit = options.max_bytes
    try:
        first = stream.readline(limit + 1)
        encoding = _stream_encoding(first, options.encoding)
        if encoding is None:  # UTF-16/32: b"\n" bytes are not all line ends, so it is read whole
            rest = stream.read(max(0, limit + 1 - len(first)))
            if len(first) + len(rest) > limit:
                yield ReadFailure(name, source, too_large(limit))
                return
            yield from _from_bytes(name, source, first + rest, options, ".jsonl")
            return
    except UnreadableError as exc:
        yield ReadFailure(name, source, exc)
        return
    # decode's binary test, on the first line only: a stream cannot be looked at ahead.
    if _looks_binary(first) and not first.startswith(codecs.BOM_UTF8):
        yield ReadFailure(name, source, _binary_error(first))
        return
    lines = _jsonl_lines(name, source, stream.readline, 1, first, encoding, options)
    yield from _none_is_empty(name, source, lines)


class _Stream:
    """A stream's reads (stdin, a named pipe), a closed or failing descriptor turned into
    UnreadableError by ``unreadable``."""

    def __init__(self, open_stream: StdinReader, unreadable: Callable[[Exception], UnreadableError]) -> None:
        self._open_stream = open_stream
        self._unreadable = unreadable
        self._stream: StdinStream | None = None

    def readline(self, size: int) -> bytes:
        try:
            return self._open().readline(size)
        except (OSError, AttributeError, ValueError) as exc:
            raise self._unreadable(exc) from exc

    def read(self, size: int) -> bytes:
        try:
            return self._open().read(size)
        except (OSError, AttributeError, ValueError) as exc:
            raise self._unreadable(exc) from exc

    def _open(self) -> StdinStream:
        # Closed descriptor (`<&-`): sys.stdin is None (AttributeError), a closed file object
        # (ValueError) or a failing read (OSError): raised here or at the first read.
        if self._stream is None:
            got = self._open_stream()
            self._stream = io.BytesIO(got) if isinstance(got, bytes | bytearray) else got
        return self._stream


def _unreadable() -> UnreadableError:
    return UnreadableError(
        "standard input is closed or unreadable", "pipe the articles in, or pass them as files"
    )


def _stdin_too_large(limit: int) -> TooLargeError:
    return TooLargeError(
        f"standard input is over --max-bytes ({limit} bytes)", "split it, or raise --max-bytes"
    )


def _stream_encoding(first: bytes, encoding: str | None) -> str | None:
    """The encoding stdin's later lines are decoded with, or None when it cannot be cut at b"\n".

    UTF-16 and UTF-32 (a wide byte-order mark, or --encoding utf-16) hold b"\n" bytes inside
    characters: such input is read whole, as before.  A UTF-8 BOM wins over --encoding, as in
    ``decode``.
    """
    if first.startswith(_WIDE_BOMS):
        return None
    if first.startswith(codecs.BOM_UTF8) or not encoding:
        return "utf-8"
    try:
        # An ASCII-compatible codec: every b"\n" byte is a line end, as in UTF-8.
        ascii_safe = '{"text": ""}\n'.encode(encoding) == b'{"text": ""}\n'
    except (LookupError, UnicodeError):
        return None
    return encoding if ascii_safe else None


def _starts_json_lines(first: bytes, overlong: bool, encoding: str | None) -> bool:
    """Whether stdin's first non-blank line (after its blank lines) makes stdin JSON Lines.

    A JSON object with a "text" field does.  A line over --max-bytes (``overlong``, only its
    start read) does when it opens an object: JSON Lines is then the one reading that can
    still give the other lines, since stdin read whole would be over the limit too.
    """
    if overlong:
        return _OPENS_OBJECT.match(first.removeprefix(codecs.BOM_UTF8)) is not None
    try:
        line = decode(first, encoding).strip()
    except InputError:
        return False  # the whole-input path reports it, as before
    obj = _json_object(line) if line.startswith("{") else None
    return obj is not None and "text" in obj


def _overlong(piece: bytes, limit: int) -> bool:
    """Whether ``piece``, read with ``readline(limit + 1)``, is the start of a line over ``limit``."""
    return len(piece) > limit and not piece.endswith(b"\n")


def _jsonl_lines(
    name: str,
    source: str,
    readline: Callable[[int], bytes],
    number: int,
    piece: bytes,
    encoding: str,
    options: ReadOptions,
) -> Iterator[Item]:
    """Streamed JSON Lines: line ``number``, already read (``piece``), then each line as it is read.

    Each line is read ``options.max_bytes + 1`` bytes at most: one over the limit is a failure
    of its own, the rest of it skipped, never held whole.  ``readline`` raises UnreadableError.
    """
    limit = options.max_bytes
    utf8 = codecs.lookup(encoding).name == "utf-8"
    # A UTF-8 BOM can start only the first line; an over-long line's start is not decoded.
    piece = piece if _overlong(piece, limit) else piece.removeprefix(codecs.BOM_UTF8)
    while piece:
        overlong = _overlong(piece, limit)
        item = (
            _line_failure(
                name,
                source,
                number,
                TooLargeError,
                f"line over --max-bytes ({limit} bytes)",
                "split it, or raise --max-bytes",
            )
            if overlong
            else _line_item(name, source, number, piece, encoding, utf8, options.input_format)
        )
        if item is not None:
            yield item
        number += 1
        try:
            while overlong and (rest := readline(limit + 1)) and not rest.endswith(b"\n"):
                pass  # the rest of the over-long line, skipped
            piece = readline(limit + 1)
        except UnreadableError as exc:
            yield ReadFailure(f"{name}-{number}", f"{source}:{number}", exc)
            return


def _line_failure(
    name: str,
    source: str,
    number: int,
    error: type[InputError],
    what: str,
    hint: str,
    ident: object = None,
) -> ReadFailure:
    """Line ``number``'s failure, a record of its own, named as its article would have been:
    by the line's ``id`` when it has one, so that the results still join with the inputs."""
    where = f"{source}:{number}"
    return ReadFailure(_object_id(f"{name}-{number}", ident), where, error(f"{where}: {what}", hint))


def _line_item(
    name: str, source: str, number: int, piece: bytes, encoding: str, utf8: bool, input_format: str
) -> Item | None:
    """Line ``number``'s item, from its bytes: a line not in ``encoding`` costs only itself."""
    if utf8:
        # Bytes that are not UTF-8 become lone surrogates, which _jsonl_line reports.
        return _jsonl_line(name, source, number, piece.decode("utf-8", "surrogateescape"), input_format)
    try:
        line = _utf8_or(piece, encoding)  # each line judged alone: a feed may mix both
    except UnicodeDecodeError as exc:
        return _line_failure(
            name,
            source,
            number,
            EncodingInputError,
            f"not valid {encoding} (byte {exc.start})",
            "pass the right --encoding",
        )
    return _jsonl_line(name, source, number, line, input_format)


def _from_url(url: str, options: ReadOptions, fetched: Callable[[], Fetched] | None = None) -> Iterator[Item]:
    """A URL's items; ``fetched`` gives its page when it was fetched ahead (else it is fetched here)."""
    from .fetch import fetch_url

    try:
        page = fetch_url(url, max_bytes=options.max_bytes) if fetched is None else fetched()
    except InputError as exc:
        yield ReadFailure(url, url, exc)
        return
    # The declared type decides, then the content, by the rule a file's text gets: a text/plain
    # article keeps its paragraphs and its furniture rules, a page served as text/plain is a page.
    if not page.is_html and _looks_like_jsonl(page.text):
        # A JSON Lines feed (served as text/plain, JSON or with no type), judged as stdin is:
        # one article a line, not one article made of JSON.
        yield from _none_is_empty(url, url, _from_jsonl(url, url, page.text, options.input_format))
        return
    if not page.is_html and (array := _json_array_error(url, page.text)) is not None:
        yield ReadFailure(url, url, array)
        return
    html, markdown = _KINDS.get(options.input_format) or _served_kind(page)
    yield Article(url, url, page.text, url=page.final_url, html=html, markdown=markdown)


def _from_path(path: Path, options: ReadOptions, *, top_level: bool) -> Iterator[Item]:
    name = path.stem or path.name
    try:
        info = path.stat()
    except FileNotFoundError:
        if top_level and is_pattern(str(path)):
            yield ReadFailure(
                str(path),
                str(path),
                UnreadableError(
                    f"{path}: no file matches this pattern",
                    "check the pattern and its folder; * ? [...] match within a folder, ** across subfolders",
                ),
            )
            return
        kind = "broken symbolic link" if path.is_symlink() else "no such file or folder"
        hint = "check the path"
        if top_level and _WEB_ADDRESS.match(str(path)):
            hint += f"; for a web page, give its whole address: https://{path}"
        yield ReadFailure(name, str(path), UnreadableError(f"{path}: {kind}", hint))
        return
    except OSError as exc:
        yield ReadFailure(name, str(path), UnreadableError(f"{path}: {exc.strerror}", "check the path"))
        return
    if not top_level and (info.st_dev, info.st_ino) in options.never_read:
        return
    if stat.S_ISDIR(info.st_mode):
        if not top_level:
            return
        try:
            entries = sorted(e for e in os.listdir(path) if _is_article_name(e))
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
        if top_level and (stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode)):
            # Named on the command line (`summarize run <(cat a.md)`, a named pipe, /dev/stdin):
            # what the user asked for, read as stdin is.
            yield from _from_pipe(name, path, options)
            return
        # In a folder, a FIFO or device would block or never end: refuse it without opening it.
        yield ReadFailure(
            name, str(path), UnreadableError(f"{path}: not a regular file", "give a text, HTML or JSONL file")
        )
        return
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield ReadFailure(name, str(path), _file_error(path, exc))
        return
    with fh:
        # An earlier run's results (`-o` into this folder) are not articles: a folder's are
        # skipped, and folder_notes says so; one named on the command line is still read.  Told
        # from the head this read takes anyway: no second open of every file of a large folder.
        skip_results = not top_level
        if path.suffix.lower() == ".jsonl":
            yield from _from_jsonl_file(name, path, fh, info.st_size, options, skip_results)
        else:
            yield from _from_whole_file(name, path, fh, info.st_size, options, skip_results)


def _from_pipe(name: str, path: Path, options: ReadOptions) -> Iterator[Item]:
    """A FIFO or character device named on the command line, read once as it comes, as stdin
    is: it has no size, so --max-bytes is checked on what is read (at most one byte over).  A
    ``.jsonl`` name is JSON Lines, an ``.html`` one a page, an ``.md`` one Markdown; other content
    is judged as stdin's."""
    source = str(path)

    def too_large(limit: int) -> TooLargeError:
        return TooLargeError(f"{path} is over --max-bytes ({limit} bytes)", "split it, or raise --max-bytes")

    def unreadable(exc: Exception) -> UnreadableError:
        return _file_error(path, exc) if isinstance(exc, OSError) else UnreadableError(f"{path}: {exc}")

    try:
        fh = path.open("rb")  # a FIFO's open waits for its writer, as reading stdin would
    except OSError as exc:
        yield ReadFailure(name, source, _file_error(path, exc))
        return
    with fh:
        stream = _Stream(lambda: fh, unreadable)
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            yield from _jsonl_stream(name, source, stream, options, too_large)
        else:
            # A page or a Markdown file is read whole as that; other names are judged as stdin is.
            kind = suffix if suffix in HTML_SUFFIXES + MARKDOWN_SUFFIXES else None
            yield from _from_stream(name, source, stream, options, kind, too_large)


def _file_error(path: Path, exc: OSError) -> UnreadableError:
    return UnreadableError(f"{path}: {exc.strerror}", "check the file's permissions")


def _from_whole_file(
    name: str, path: Path, fh: BinaryIO, size: int, options: ReadOptions, skip_results: bool = False
) -> Iterator[Item]:
    """An article file, read whole: --max-bytes limits the file.  ``skip_results``: nothing for a
    file the tool wrote (a result)."""
    if size > options.max_bytes:
        yield ReadFailure(
            name,
            str(path),
            TooLargeError(
                f"{path} is {size} bytes, over --max-bytes ({options.max_bytes})",
                "split it, or raise --max-bytes",
            ),
        )
        return
    try:
        data = fh.read(options.max_bytes + 1)
    except OSError as exc:
        yield ReadFailure(name, str(path), _file_error(path, exc))
        return
    fh.close()  # its article may wait in the read-ahead queue: the file need not stay open
    if skip_results and looks_like_own_output(data):
        return
    # A name that says nothing of its kind (feed.ndjson, notes, /dev/stdin fed from a file) is
    # judged by its content, as stdin is: JSON Lines, a page, Markdown or plain text.
    yield from _from_bytes(name, str(path), data, options, _article_suffix(path))


def _from_jsonl_file(
    name: str, path: Path, fh: BinaryIO, size: int, options: ReadOptions, skip_results: bool = False
) -> Iterator[Item]:
    """A .jsonl file, streamed as JSON Lines on stdin are: --max-bytes limits each line, not the
    file.  ``skip_results``: nothing for a stream of records the tool wrote."""
    limit = options.max_bytes
    try:
        # decode's binary test, made on the file's two ends without reading the rest.
        head = fh.read(_BINARY_PROBE)
        fh.seek(max(0, size - _BINARY_PROBE))
        binary = _looks_binary(head + fh.read(_BINARY_PROBE))
        fh.seek(0)
        ours = skip_results and recognise(fh.read)  # reads on only through a result's long values
        fh.seek(0)
        first = fh.readline(limit + 1)
    except OSError as exc:
        yield ReadFailure(name, str(path), _file_error(path, exc))
        return
    if ours:
        return
    encoding = _stream_encoding(first, options.encoding)
    if encoding is None:  # UTF-16/32: b"\n" bytes are not all line ends, so it is read whole
        fh.seek(0)
        yield from _from_whole_file(name, path, fh, size, options)
        return
    if binary and not first.startswith(codecs.BOM_UTF8):  # a BOM decides, as in decode
        # One failure, not one per "line" of an image or an archive.
        yield ReadFailure(name, str(path), _binary_error(head))
        return

    def readline(most: int) -> bytes:
        try:
            return fh.readline(most)
        except OSError as exc:
            raise _file_error(path, exc) from exc

    lines = _jsonl_lines(name, str(path), readline, 1, first, encoding, options)
    yield from _none_is_empty(name, str(path), lines)


def _none_is_empty(name: str, source: str, items: Iterator[Item]) -> Iterator[Item]:
    """``items``, or a record saying the file is empty: a file given must not vanish in silence."""
    empty = True
    for item in items:
        empty = False
        yield item
    if empty:
        yield ReadFailure(
            name,
            source,
            EmptyJsonLinesError(f"{source} holds no JSON line", 'write one article a line: {"text": "..."}'),
        )


def _from_bytes(
    name: str, source: str, data: bytes | InputError, options: ReadOptions, suffix: str | None
) -> Iterator[Item]:
    if isinstance(data, InputError):
        yield ReadFailure(name, source, data)
        return
    try:
        text = decode(data, options.encoding, html=suffix in HTML_SUFFIXES)
    except InputError as exc:
        yield ReadFailure(name, source, exc)
        return
    # A feed saved under an article's name (export.txt) is still a feed: translating its JSON is
    # no use.  Only plainly so, every line an article object, since the name says otherwise.
    named = suffix is not None and _plainly_articles(text)
    if suffix == ".jsonl" or (suffix is None and _looks_like_jsonl(text)) or named == "lines":
        text = _lines_utf8_or(data, text, options.encoding)
        yield from _none_is_empty(name, source, _from_jsonl(name, source, text, options.input_format))
    elif (suffix is None or named == "array") and (array := _json_array_error(source, text)) is not None:
        yield ReadFailure(name, source, array)
    else:
        html, markdown = _KINDS.get(options.input_format) or _told_kind(text.lstrip("\ufeff"), suffix)
        yield Article(name, source, text, html=html, markdown=markdown)


def _from_jsonl(name: str, source: str, text: str, input_format: str) -> Iterator[Item]:
    # Only "\n" ends a JSON Lines record: splitlines() would also break at U+2028, U+0085 and
    # other characters that JSON strings may hold raw (our own output does).
    for number, line in enumerate(text.split("\n"), start=1):
        item = _jsonl_line(name, source, number, line, input_format)
        if item is not None:
            yield item


def _jsonl_line(name: str, source: str, number: int, line: str, input_format: str) -> Item | None:
    """Line ``number`` of a JSON Lines input: its article, its failure, or None when blank.

    Its text's kind: ``input_format`` unless "auto", else the line's "format", else its content.
    """
    if not line.strip():
        return None
    where = f"{source}:{number}"
    if _ESCAPED_BYTES.search(line):
        return _line_failure(
            name,
            source,
            number,
            EncodingInputError,
            "not valid UTF-8",
            "fix that line, or pass --encoding, for example --encoding latin-1",
        )
    try:
        # Without its line break: a line cut short inside a string is then "Unterminated string",
        # not "Invalid control character" at the break that JSON strings may not hold raw.
        obj = json.loads(line.rstrip("\r\n"))
    except (ValueError, RecursionError) as exc:
        # Not only JSONDecodeError: an over-long integer is a plain ValueError, and nesting
        # deeper than Python allows a RecursionError.
        why = (
            # Some of json's messages end in "at" already ("Unterminated string starting at").
            f"{exc.msg.removesuffix(' at')} at column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else "nested too deeply"
            if isinstance(exc, RecursionError)
            else str(exc)[:80]
        )
        return _line_failure(
            name, source, number, InputError, f"not valid JSON ({why})", "fix or remove that line"
        )
    return article_from_object(obj, f"{name}-{number}", where, input_format)


def article_from_object(
    obj: object,
    default_id: str,
    where: str,
    input_format: str = "auto",
    *,
    text_key: str = "text",
    needs: str = 'each line needs {"text": "..."}',
) -> Item:
    """The article a JSON object gives, as a JSON Lines line's (``where``: ``feed.jsonl:3``), or
    the failure that names what is wrong with it, never an exception.

    Its fields: ``text_key`` (a string, required), ``id`` (else ``default_id``), ``title``,
    ``url``, ``date``, ``lang`` (or ``language``) and ``format``; others are ignored.  Its
    text's kind: ``input_format`` unless "auto", else its "format", else its content.
    ``needs``: the hint of a failure for want of text.
    """
    ident = obj.get("id") if isinstance(obj, dict) else None

    def failure(error: type[InputError], what: str, hint: str) -> ReadFailure:
        # Named as its article would have been, so that the results still join with the inputs.
        return ReadFailure(_object_id(default_id, ident), where, error(f"{where}: {what}", hint))

    body = obj.get(text_key) if isinstance(obj, dict) else None
    if not isinstance(obj, dict):
        # .get: a caller's own value (a tuple, a set) is no JSON kind either.
        kind = _JSON_KINDS.get(type(obj), f"a Python {type(obj).__name__}")
        return failure(InputError, f"{kind}, not a JSON object", needs)
    if not isinstance(body, str):
        return failure(InputError, _no_text(obj, text_key), needs)
    kind = _KINDS.get(input_format)  # --input-format, typed for the run, wins over the line
    if kind is None and (said := _given(obj.get("format"))) is not None:
        if said.lower() not in INPUT_FORMATS:
            return failure(
                InputFormatError,
                f'unknown "format" {json.dumps(obj["format"], ensure_ascii=False, default=str)}',
                "expected one of: " + ", ".join(INPUT_FORMATS) + '; fix its "format", leave it out to have '
                "the kind told by the text, or pass --input-format",
            )
        kind = _KINDS.get(said.lower())  # "auto": as if absent
    if kind is None:
        # A line that says nothing of its text's kind: its content does, as stdin's does (a CMS
        # export or a scraped feed holds pages or Markdown as often as plain text).
        kind = _told_kind(body, None)
    lang, language = _given(obj.get("lang")), _given(obj.get("language"))
    return Article(
        _object_id(default_id, ident),
        where,
        body,
        title=_opt_str(obj.get("title")),
        url=_opt_str(obj.get("url")),
        html=kind[0],
        markdown=kind[1],
        date=_given(obj.get("date")),
        lang=language if lang is None else lang,
        overridden_lang=None if lang is None else language,
    )
