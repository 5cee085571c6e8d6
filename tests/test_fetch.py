"""Tests of summarize.fetch against a local http.server on 127.0.0.1 (never any other host)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from local_http import serving

from summarize.clean_html import extract_html, looks_like_html
from summarize.errors import InputError
from summarize.fetch import (
    ContentTypeError,
    Fetched,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    TooLargeError,
    UnreachableError,
    UnsupportedURLError,
    decode_body,
    fetch_url,
)

PAGE = Path(__file__).resolve().parent / "data" / "pages" / "fr_page.html"


UTF16 = "Café crème".encode("utf-16-le")


def _routes() -> dict[str, tuple[int, dict[str, str], bytes]]:
    html = PAGE.read_bytes()
    latin1 = "Café crème".encode("latin-1")
    meta = '<html><head><meta charset="windows-1252"></head><body>Œuvre à 5 €</body></html>'
    cp1252 = meta.encode("cp1252")
    return {
        "/article.html": (200, {"Content-Type": "text/html; charset=utf-8"}, html),
        "/latin1.txt": (200, {"Content-Type": "text/plain; charset=ISO-8859-1"}, latin1),
        "/meta.html": (200, {"Content-Type": "text/html"}, cp1252),
        "/bad-utf8.txt": (200, {"Content-Type": "text/plain"}, b"caf\xe9 ok"),
        "/bogus-charset.txt": (200, {"Content-Type": "text/plain; charset=no-such-codec"}, "été".encode()),
        "/redirect": (302, {"Location": "/article.html"}, b""),
        "/redirect-ftp": (302, {"Location": "ftp://127.0.0.1/file.txt"}, b""),
        "/missing": (404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"),
        "/broken": (500, {"Content-Type": "text/html"}, b"<h1>Oops</h1>"),
        "/image.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        "/binary": (200, {}, b"\x00\x01\x02binary" * 10),
        # An archive or an image served as text: what a file is refused for.
        "/archive.txt": (200, {"Content-Type": "text/plain"}, b"PK\x03\x04\x14\x00" + bytes(range(256)) * 4),
        "/no-nul.txt": (200, {"Content-Type": "text/plain"}, bytes(range(1, 256)) * 4),
        "/image.html": (200, {"Content-Type": "text/html"}, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 8),
        # UTF-16 without a BOM has NUL bytes too, but is text.
        "/utf16.txt": (200, {"Content-Type": "text/plain; charset=utf-16le"}, UTF16),
        "/utf16-untold.txt": (200, {"Content-Type": "text/plain"}, "Café crème au lait".encode("utf-16-le")),
        "/big.txt": (200, {"Content-Type": "text/plain"}, b"a" * 5000),
        "/feed.xml": (200, {"Content-Type": "application/rss+xml"}, b"<rss><title>x</title></rss>"),
    }


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    release = threading.Event()

    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        return

    def do_GET(self) -> None:
        # The client gives up on purpose in the timeout tests.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._serve()

    def _serve(self) -> None:
        if self.path == "/slow":
            self.release.wait(5)
            return
        if self.path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                if self.release.wait(0.05):
                    return
                self.wfile.write(b"x")
                self.wfile.flush()
            return
        if self.path == "/stream.txt":
            # No Content-Length: only the byte count read so far can enforce the cap.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"b" * 1000)
            return
        status, headers, body = self.routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would send our 127.0.0.1 requests elsewhere.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    release = threading.Event()
    handler = type("Handler", (_Handler,), {"routes": _routes(), "release": release})
    with serving(handler) as url:
        try:
            yield url
        finally:
            release.set()  # held requests end first: closing the server joins their threads


def test_fetches_and_extracts_an_article(server: str) -> None:
    fetched = fetch_url(f"{server}/article.html", timeout=5)
    assert isinstance(fetched, Fetched)
    assert fetched.content_type == "text/html"
    assert fetched.final_url == f"{server}/article.html"
    assert looks_like_html(fetched.text)
    cleaned = extract_html(fetched.text, url=fetched.final_url)
    assert cleaned.title == "Les abeilles sauvages en net recul dans les campagnes françaises"
    assert "Muséum national d'histoire naturelle" in cleaned.body


def test_follows_redirects(server: str) -> None:
    fetched = fetch_url(f"{server}/redirect", timeout=5)
    assert fetched.final_url == f"{server}/article.html"


def test_refuses_redirect_to_another_scheme(server: str) -> None:
    with pytest.raises(UnsupportedURLError):
        fetch_url(f"{server}/redirect-ftp", timeout=5)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/latin1.txt", "Café crème"),
        ("/meta.html", "Œuvre à 5 €"),
        ("/bad-utf8.txt", "café ok"),  # no charset, not UTF-8: windows-1252, as browsers read it
        ("/bogus-charset.txt", "été"),
    ],
)
def test_decodes_with_the_declared_charset(server: str, path: str, text: str) -> None:
    assert text in fetch_url(server + path, timeout=5).text


def test_accepts_xml_types(server: str) -> None:
    assert fetch_url(f"{server}/feed.xml", timeout=5).content_type == "application/rss+xml"


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/broken", 500)])
def test_http_error_status(server: str, path: str, status: int) -> None:
    with pytest.raises(HTTPStatusError) as caught:
        fetch_url(server + path, timeout=5)
    assert caught.value.status == status
    assert str(status) in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("path", ["/image.png", "/binary", "/archive.txt", "/no-nul.txt", "/image.html"])
def test_non_text_content(server: str, path: str) -> None:
    # A binary body served as text/plain or text/html was decoded as windows-1252 and
    # translated: a page of gibberish, where the same bytes in a file are refused.
    with pytest.raises(ContentTypeError):
        fetch_url(server + path, timeout=5)


@pytest.mark.parametrize("path", ["/image.png", "/archive.txt"])
def test_non_text_hint_has_no_brackets_inside_brackets(server: str, path: str) -> None:
    # The stderr line put the hint in brackets around its own: "(pass ... page (HTML or plain text))".
    from summarize.cli import _failure_line

    with pytest.raises(ContentTypeError) as caught:
        fetch_url(server + path, timeout=5)
    line = _failure_line(server + path, caught.value.message, caught.value.hint)
    assert line.endswith("(pass the address of an article page: HTML or plain text)")
    assert line.count("(") == 2


def test_utf16_text_is_not_binary(server: str) -> None:
    assert fetch_url(f"{server}/utf16.txt", timeout=5).text == "Café crème"
    assert "crème" in fetch_url(f"{server}/utf16-untold.txt", timeout=5).text.replace("\x00", "")


@pytest.mark.parametrize("path", ["/big.txt", "/stream.txt"])
def test_size_cap(server: str, path: str) -> None:
    with pytest.raises(TooLargeError) as caught:
        fetch_url(server + path, timeout=5, max_bytes=1000)
    assert "1,000 bytes" in caught.value.message


def test_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetch_url(f"{server}/slow", timeout=0.3)
    assert time.monotonic() - started < 3


def test_dripping_server_hits_the_overall_deadline(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        fetch_url(f"{server}/drip", timeout=0.5)
    assert time.monotonic() - started < 3


def test_unreachable_host() -> None:
    # A port that was just free on 127.0.0.1: nothing listens there, the connection is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(UnreachableError) as caught:
        fetch_url(f"http://127.0.0.1:{port}/", timeout=2)
    assert caught.value.hint
    assert isinstance(caught.value, InputError)
    # It starts with the address, so the stderr line (which names the source first unless the
    # message does) names it once.
    assert caught.value.message.startswith(f"http://127.0.0.1:{port}/: cannot reach it: ")
    from summarize.cli import _failure_line

    line = _failure_line(f"http://127.0.0.1:{port}/", caught.value.message, caught.value.hint)
    assert line.count(f"127.0.0.1:{port}") == 1


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/file.txt", "file:///etc/passwd", "127.0.0.1/page", "http://", "javascript:alert(1)"],
)
def test_only_http_urls(url: str) -> None:
    with pytest.raises(UnsupportedURLError) as caught:
        fetch_url(url)
    assert isinstance(caught.value, FetchError)
    assert caught.value.kind == "fetch_url"


def test_decode_body_fallbacks() -> None:
    assert decode_body("é".encode(), None) == "é"
    assert decode_body(b"\xef\xbb\xbfhello", None) == "hello"
    assert decode_body(b'<?xml version="1.0" encoding="iso-8859-1"?><a>\xe9</a>', None).endswith("<a>é</a>")
    assert decode_body(b"\xff\xfe", "utf-8") == "\ufffd\ufffd"
    # No charset anywhere and not UTF-8: read as browsers do, windows-1252, not U+FFFD.
    assert decode_body("L\u2019\u00c9tat a d\u00e9cid\u00e9 \u20ac".encode("cp1252"), None) == (
        "L\u2019\u00c9tat a d\u00e9cid\u00e9 \u20ac"
    )
