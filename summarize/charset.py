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
