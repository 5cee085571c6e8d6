"""Fetch an article page over http(s) with the standard library only.

One request, a timeout on the whole download, a cap on its size, and a typed error with a hint
for each way it can fail, so the CLI can report a bad URL in one line and go on with the rest.
"""

from __future__ import annotations

import codecs
import time
import urllib.parse
from dataclasses import dataclass
from typing import IO, Any

from summarize import __version__
from summarize.charset import decode_as_browsers, sniff_charset
from summarize.errors import InputError

_CHUNK = 64 * 1024
_USER_AGENT = f"summarize/{__version__} (+https://pypi.org/project/summarize/)"
_TEXT_TYPES = frozenset(
    {
        "application/xhtml+xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/json",
        "application/ld+json",
        "application/x-ndjson",  # JSON Lines
        "application/jsonl",
        "application/jsonlines",
    }
)
# Declared types that are markup, extracted as HTML (XML too: read as plain text, its tags would
# be translated); other text types (text/plain, JSON, none) are judged by their content.
_MARKUP_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml", "text/xml"})


class FetchError(InputError):
    """A URL could not be fetched, or what came back is not a text page."""

    kind = "fetch"


class UnsupportedURLError(FetchError):
    """Not an http(s) URL."""

    kind = "fetch_url"


class UnreachableError(FetchError):
    """The host could not be resolved or did not accept the connection."""

    kind = "fetch_unreachable"


class HTTPStatusError(FetchError):
    """The server answered with an error status."""

    kind = "fetch_http"

    def __init__(self, message: str, hint: str | None = None, *, status: int) -> None:
        super().__init__(message, hint)
        self.status = status


class FetchTimeoutError(FetchError):
    """The server was too slow to answer or to send the page."""

    kind = "fetch_timeout"


class TooLargeError(FetchError):
    """The page is bigger than the size cap."""

    kind = "fetch_too_large"


class ContentTypeError(FetchError):
    """The URL points to something that is not text (an image, a PDF, an archive…)."""

    kind = "fetch_content_type"


@dataclass(frozen=True)
class Fetched:
    """A downloaded page: decoded text, the URL after redirects, the declared media type."""

    text: str
    final_url: str
    content_type: str

    @property
    def is_html(self) -> bool:
        """Whether the server declared a markup page: HTML, XHTML or XML (text/plain: not)."""
        return self.content_type in _MARKUP_TYPES or self.content_type.endswith("+xml")


def _opener() -> Any:
    """An urllib opener that follows redirects to http(s) only (urllib also follows ftp://)."""
    import urllib.request  # lazy: it pulls in http.client, ssl and email, slow for --help

    class HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(
            self, req: Any, fp: IO[bytes], code: int, msg: str, headers: Any, newurl: str
        ) -> Any:
            scheme = urllib.parse.urlsplit(newurl).scheme.lower()
            if scheme not in {"http", "https"}:
                raise UnsupportedURLError(
                    f"{req.full_url} redirects to a non-http(s) address: {newurl}",
                    "open the page in a browser and pass the article's final http(s) address",
                )
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return urllib.request.build_opener(HttpOnlyRedirects())


def _check_url(url: str) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:  # "http://[::1": an unclosed IPv6 bracket, a bad netloc
        raise UnsupportedURLError(
            f"not a valid URL: {url!r} ({exc})",
            "check the address, or copy it again from the browser's address bar",
        ) from exc
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise UnsupportedURLError(
            f"not an http(s) URL: {url!r}",
            "give an address starting with http:// or https://, or a path to a local file",
        )


def _media_type(headers: Any) -> tuple[str, str | None]:
    """Media type (lower case, no parameters) and declared charset of a response."""
    raw = headers.get("Content-Type")
    if not raw:
        return "", None
    media = raw.split(";", 1)[0].strip().lower()
    return media, headers.get_content_charset()


def _is_text_type(media: str) -> bool:
    return not media or media.startswith("text/") or media.endswith("+xml") or media in _TEXT_TYPES


def decode_body(data: bytes, declared: str | None) -> str:
    """Decode a page: the header's charset, else the page's own, else UTF-8 when it is valid
    UTF-8, else windows-1252 (what browsers fall back to for a Western page that names none)."""
    for name in (declared, sniff_charset(data)):
        if not name:
            continue
        try:
            codecs.lookup(name)
        except LookupError:
            continue  # an unknown name from a careless server: try the next clue
        return decode_as_browsers(data, name, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # An old page that names no charset is almost always Latin-1/windows-1252: UTF-8 with
        # replacement would turn each accented letter into U+FFFD.
        return decode_as_browsers(data, "windows-1252")


def _read_capped(response: Any, url: str, max_bytes: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("deadline")
        # read1 returns after one network read, so a server dripping bytes cannot hold us
        # past the deadline inside a single call.
        chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(url, max_bytes)
        chunks.append(chunk)


def _too_large(url: str, max_bytes: int) -> TooLargeError:
    return TooLargeError(
        f"{url} is larger than {max_bytes:,} bytes",
        "raise --max-bytes if the page is one article",
    )


def fetch_url(url: str, *, timeout: float = 20.0, max_bytes: int = 10_000_000) -> Fetched:
    """Download ``url`` (http or https only) and decode it to text.

    ``timeout`` bounds each network wait and the whole download; ``max_bytes`` bounds the
    page's size. Redirects are followed (to http(s) only); ``final_url`` is where they ended.
    Raises a :class:`FetchError` subclass, with a hint, when the URL is not http(s), the host is
    unreachable, the server answers an error status, time runs out, the page is too large or
    its content type is not text.
    """
    import ssl
    import urllib.error
    import urllib.request

    _check_url(url)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": _USER_AGENT,
            "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5",
        },
    )
    opener = _opener()
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            final_url = response.geturl()
            media, charset = _media_type(response.headers)
            if not _is_text_type(media):
                raise ContentTypeError(
                    f"{url} is not a text page (content type {media})",
                    "pass the address of an article page: HTML or plain text",
                )
            length = response.headers.get("Content-Length")
            if length and length.strip().isdigit() and int(length) > max_bytes:
                raise _too_large(url, max_bytes)
            data = _read_capped(response, url, max_bytes, deadline)
    except FetchError:
        raise
    except urllib.error.HTTPError as err:
        hint = (
            "check the address; the page may have moved or been removed"
            if 400 <= err.code < 500
            else "the server has a problem; try again later"
        )
        raise HTTPStatusError(f"{url} answered HTTP {err.code} {err.reason}", hint, status=err.code) from None
    except TimeoutError as err:
        raise _timeout(url, timeout) from err
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise _timeout(url, timeout) from err
        if isinstance(err.reason, ssl.SSLError):
            raise UnreachableError(
                f"{url}: TLS error: {err.reason}",
                "check the address and the machine's certificates",
            ) from err
        raise UnreachableError(
            f"{url}: cannot reach it: {err.reason}",
            "check the address and the network connection",
        ) from err
    except (OSError, ValueError) as err:  # connection reset, bad port number, malformed URL…
        raise UnreachableError(
            f"{url}: cannot fetch it: {err}", "check the address and the network connection"
        ) from err

    from .read_decode import is_binary_content

    if is_binary_content(data, charset):
        # An image or an archive served as text/plain (or with no type at all): translated, its
        # bytes would be a page of gibberish.
        raise ContentTypeError(
            f"{url} is not a text page (binary content)",
            "pass the address of an article page: HTML or plain text",
        )
    return Fetched(text=decode_body(data, charset), final_url=final_url, content_type=media)


def _timeout(url: str, timeout: float) -> FetchTimeoutError:
    return FetchTimeoutError(
        f"{url} did not answer within {timeout:g} s",
        # No option changes the timeout: point to what the user can actually do.
        "check the address or your connection, or save the page and pass the file",
    )
