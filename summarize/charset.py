"""The charset a page declares: shared by pages fetched over http(s) and HTML files on disk."""

from __future__ import annotations

import codecs
import re

_META = re.compile(r"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", flags=re.IGNORECASE)
_XML_DECLARATION = re.compile(r"""<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", flags=re.IGNORECASE)


def sniff_charset(data: bytes) -> str | None:
    """Charset from a BOM or an HTML ``<meta>`` (or an XML declaration) near the top of the page."""
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return name
    head = data[:4096].decode("ascii", errors="replace")
    found = _META.search(head) or _XML_DECLARATION.search(head)
    return found.group(1) if found else None


# windows-1252 leaves five bytes undefined; browsers (WHATWG) read each as the control
# character of the same number, and go on with the rest of the text.
_UNDEFINED_IN_1252 = {0xDC00 + b: b for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def decode_as_browsers(data: bytes, name: str, errors: str = "strict") -> str:
    """``data`` in the charset ``name``, read as browsers read it (WHATWG): a page or file said to
    be latin-1, ASCII or windows-1252 is windows-1252, whose 0x80-0x9F bytes are ’ “ ” … € and
    the like.  Decoded as latin-1 they would be control characters, which cleaning deletes
    ("l’État" would become "lÉtat").  A true latin-1 text never holds those bytes."""
    if codecs.lookup(name).name in ("iso8859-1", "ascii", "cp1252"):
        # surrogateescape marks each undefined byte alone (U+DC81...), then it is put back.
        return data.decode("cp1252", errors="surrogateescape").translate(_UNDEFINED_IN_1252)
    return data.decode(name, errors=errors)
