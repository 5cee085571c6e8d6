"""Read, bytes to text: an article's bytes decoded (a byte-order mark, UTF-8, ``--encoding``, or an
HTML file's ``<meta>`` charset), and binary data told from text so that it never reaches the
models as text.  ``charset`` tells what a page declares; this module decides what the bytes are.
"""

from __future__ import annotations

import codecs
import contextlib

from .charset import decode_as_browsers, sniff_charset
from .errors import InputError

# Byte-order marks of UTF-16 and UTF-32 (UTF-32 LE's starts with UTF-16 LE's).
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)


# The wide byte-order marks and their codecs, as decode reads them: UTF-32 first, since its
# little-endian BOM starts with UTF-16's.
_WIDE_CODECS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# How much of each end of an input decode looks at for NUL bytes.
_BINARY_PROBE = 65536


class BinaryInputError(InputError):
    kind = "binary"


class EncodingInputError(InputError):
    kind = "encoding"


def decode(data: bytes, encoding: str | None, *, html: bool = False) -> str:
    """Decode article bytes: a BOM wins, then strict UTF-8, then ``encoding`` (or, ``html``: an
    HTML file, the charset its ``<meta>`` declares).

    An ``encoding`` in which ASCII bytes are not ASCII text (UTF-16, UTF-32) is used as asked,
    even on bytes that are valid UTF-8.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), *_WIDE_CODECS):
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
            wide = codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
        except LookupError as exc:
            raise InputError(
                f"unknown encoding {encoding!r}", "use a Python codec name such as latin-1"
            ) from exc
        # Any bytes are latin-1: an image or an archive must not reach the models as text.
        # (UTF-16 and UTF-32 text is full of NUL bytes.)
        if not wide and _looks_binary(data):
            raise _binary_error(data)
        # Valid UTF-8 stays UTF-8, so that one folder (or feed) can mix UTF-8 and Latin-1 files:
        # valid UTF-8 is hardly ever Latin-1 text.  ASCII text in UTF-16 is valid UTF-8 too, so an
        # encoding that does not read ASCII as ASCII is taken at its word.
        if _ascii_compatible(encoding):
            with contextlib.suppress(UnicodeDecodeError):
                return data.decode("utf-8")
        try:
            return _decode_given(data, encoding)
        except UnicodeDecodeError as exc:
            raise EncodingInputError(
                f"not valid {encoding} (byte {exc.start})", "pass the right --encoding"
            ) from exc
    if _looks_binary(data):
        raise _binary_error(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        declared = _declared_charset(data) if html else None
        if declared is None:
            raise EncodingInputError(
                f"not valid UTF-8 (byte {exc.start})", "pass --encoding, for example --encoding latin-1"
            ) from exc
    # A page saved in the charset its <meta> declares is read as a browser (and fetch.py) reads it.
    try:
        return decode_as_browsers(data, declared)
    except UnicodeDecodeError as exc:
        raise EncodingInputError(
            f"not valid {declared} (byte {exc.start}), the charset its <meta> declares",
            "pass the right --encoding",
        ) from exc


# Printable ASCII and the line and tab controls: what an ASCII-compatible encoding leaves as is.
_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def _ascii_compatible(encoding: str) -> bool:
    """Whether ASCII bytes are the same text in ``encoding`` (latin-1, cp1252, Shift JIS; not
    UTF-16, UTF-7 or EBCDIC)."""
    try:
        return _ASCII.decode(encoding) == _ASCII.decode("ascii")
    except (LookupError, UnicodeError):  # LookupError: unknown, or not a text encoding (rot13)
        return False


def _declared_charset(data: bytes) -> str | None:
    """The charset an HTML page's ``<meta>`` (or XML declaration) names, when it can be used.

    Only an ASCII-compatible one: a declaration read as ASCII cannot be right about UTF-16,
    which browsers ignore there too.  UTF-8 is left out, since the bytes are not UTF-8.
    """
    name = sniff_charset(data)
    if name is None or not _ascii_compatible(name) or codecs.lookup(name).name == "utf-8":
        return None
    return name


def _binary_error(data: bytes) -> InputError:
    wide = _wide_text(data)
    if wide is not None:
        # Its NUL bytes are those of UTF-16/32 without a byte-order mark: text, not an image.
        return EncodingInputError(
            f"not UTF-8: it reads as {wide} text without a byte-order mark", f"pass --encoding {wide}"
        )
    return BinaryInputError("binary data, not text", "give a text, HTML or JSONL file")


def _wide_text(data: bytes) -> str | None:
    """The UTF-16/32 codec that reads ``data`` as mostly Latin-script text, if one does."""
    head = data[:_BINARY_PROBE]
    for name in ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"):
        width = 4 if name.startswith("utf-32") else 2
        try:
            text = head[: len(head) // width * width].decode(name)
        except UnicodeDecodeError:
            continue
        if len(text) < 4:
            continue
        printable = sum(c.isprintable() or c in "\t\n\r" for c in text)
        latin = sum(c < "\u0250" for c in text)
        if printable > 0.95 * len(text) and latin > 0.5 * len(text):
            return name
    return None


# Control bytes that text in any 8-bit encoding hardly ever holds (tabs, line and page breaks
# and ESC apart); compressed or image data is about one byte in ten of them.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def is_binary_content(data: bytes, charset: str | None) -> bool:
    """Whether bytes declared as text (a page's ``charset``) are binary data: the test a file
    gets (NUL bytes, or more than 1 % control bytes), unless they are UTF-16/32 text, told by a
    BOM, by a charset that says so, or by the bytes themselves."""
    if data.startswith((codecs.BOM_UTF8, *_WIDE_BOMS)):
        return False
    try:
        wide = bool(charset) and codecs.lookup(charset).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        wide = False
    return not wide and _looks_binary(data) and _wide_text(data) is None


def _looks_binary(data: bytes) -> bool:
    """NUL bytes near either end, or more than 1 % control bytes in the first 64 KiB (and at
    least 16 of them: a short text with a stray one is cleaned, not refused)."""
    head = data[:_BINARY_PROBE]
    if b"\0" in head or b"\0" in data[-_BINARY_PROBE:]:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls >= 16 and controls > len(head) / 100


def _utf8_or(data: bytes, encoding: str) -> str:
    """``data`` as UTF-8 when it is valid UTF-8, else in ``encoding`` (UnicodeDecodeError if not)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_given(data, encoding)


def _decode_given(data: bytes, encoding: str) -> str:
    """``data`` in the ``--encoding`` given.  latin-1 (the hint's own example) is read as browsers
    read it, as windows-1252, so that the ’ “ … € of a Windows-made file survive; any other
    encoding, ascii included, is taken at its word."""
    if codecs.lookup(encoding).name == "iso8859-1":
        return decode_as_browsers(data, encoding)
    return data.decode(encoding)


def _lines_utf8_or(data: bytes, text: str, encoding: str | None) -> str:
    """JSON Lines read whole (``text``, decoded as one), each line decoded alone as a streamed
    line is: UTF-8 where it is valid UTF-8, else ``encoding``.  ``text`` as is without an
    ``encoding``, behind a BOM, or in an encoding that b"\n" bytes do not cut into lines."""
    if not encoding or data.startswith((codecs.BOM_UTF8, *_WIDE_BOMS)) or not _ascii_compatible(encoding):
        return text
    try:
        return "\n".join(_utf8_or(line, encoding) for line in data.split(b"\n"))
    except UnicodeDecodeError:  # a stateful codec: the whole decoding stands
        return text
