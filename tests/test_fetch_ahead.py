"""URLs fetched ahead (summarize.read_ahead): a few at once, one at a time a host, read in order.

Every server is a local http.server on 127.0.0.1 (never any other host); each port is a host.
The handlers count the requests in flight under a lock, and hold a request on an event rather
than a delay, so that what is checked is the order of events, never a speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from local_http import serving
from typer.testing import CliRunner

from summarize.cli import app
from summarize.read import Article, Item, ReadFailure, ReadOptions, iter_articles
from summarize.read_ahead import host_of

REPO = Path(__file__).resolve().parent.parent
FEED = '{"id": "a", "text": "Il pleut sur Paris."}\n{"text": "Il neige sur Lyon."}\n'


@dataclass
class _Log:
    """What the servers saw, shared by all of them, changed under ``lock``."""

    lock: threading.Condition = field(default_factory=threading.Condition)
    seen: list[str] = field(default_factory=list)  # "port/path", as the requests came
    finished: list[str] = field(default_factory=list)
    flight: dict[int, int] = field(default_factory=dict)  # requests in flight, by port
    most_per_host: int = 0
    most_at_once: int = 0
    release: threading.Event = field(default_factory=threading.Event)  # ends /held requests

    def wait_for(self, test: object, timeout: float = 10.0) -> None:
        with self.lock:
            self.lock.wait_for(test, timeout)  # type: ignore[arg-type]


def _handler(log: _Log) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
            return

        def do_GET(self) -> None:
            port = self.server.server_address[1]
            name = f"{port}{self.path}"
            with log.lock:
                log.seen.append(name)
                log.flight[port] = log.flight.get(port, 0) + 1
                log.most_per_host = max(log.most_per_host, log.flight[port])
                log.most_at_once = max(log.most_at_once, sum(log.flight.values()))
                log.lock.notify_all()
            self.done = False
            try:
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._serve(name)
            finally:
                self._done(name)

        def _done(self, name: str) -> None:
            # Before the answer is sent: the client's next request must not find this one
            # still counted.
            if self.done:
                return
            self.done = True
            with log.lock:
                log.flight[self.server.server_address[1]] -= 1
                log.finished.append(name)
                log.lock.notify_all()

        def _serve(self, name: str) -> None:
            path = self.path
            if path.startswith("/after-others"):
                # Held until every other request has been answered (or 5 s, one at a time).
                log.wait_for(lambda: len(log.finished) >= int(path.rsplit("=", 1)[1]), 5)
            elif path.startswith("/together"):
                # Held until `need` requests (2) have been in flight at once, or `wait` seconds
                # (0.5) have passed, so that requests that may overlap do.  (Not "are in flight":
                # once one of them is answered, the others would wait again.)
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
                need = int(query.get("need", ["2"])[0])
                log.wait_for(lambda: log.most_at_once >= need, float(query.get("wait", ["0.5"])[0]))
            elif path == "/held":
                log.release.wait(30)
            if path == "/missing":
                self._answer(404, "text/html", b"<h1>Not found</h1>")
            elif path == "/image.png":
                self._answer(200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
            elif path == "/redirect":
                self._done(name)
                self.send_response(302)
                self.send_header("Location", "/page?redirected")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path.startswith("/feed"):
                self._answer(200, "application/x-ndjson", FEED.encode())
            elif path == "/big":
                self._answer(200, "text/plain", b"Un article trop long. " * 100)
            else:
                text = (
                    f"Article {name}.\n\nLe maire a inaugur\u00e9 samedi la nouvelle m\u00e9diath\u00e8que."
                )
                self._answer(200, "text/plain; charset=utf-8", text.encode())

        def _answer(self, status: int, media: str, body: bytes) -> None:
            self._done(f"{self.server.server_address[1]}{self.path}")
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy from the environment would send our 127.0.0.1 requests elsewhere.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def _servers() -> Iterator[tuple[_Log, list[str]]]:
    """Four servers on 127.0.0.1, four hosts, started once: their log and base URLs."""
    log = _Log()
    with contextlib.ExitStack() as stack:
        yield log, [stack.enter_context(serving(_handler(log))) for _ in range(4)]


@pytest.fixture
def log(_servers: tuple[_Log, list[str]]) -> Iterator[_Log]:
    """The servers' log, empty at the start of each test."""
    log = _servers[0]
    yield log
    log.release.set()  # held requests end, so that the next test starts with none in flight
    log.wait_for(lambda: not any(log.flight.values()))
    with log.lock:
        log.seen.clear()
        log.finished.clear()
        log.most_per_host = log.most_at_once = 0
        log.release.clear()


@pytest.fixture
def hosts(_servers: tuple[_Log, list[str]], log: _Log) -> list[str]:
    return _servers[1]


def _summary(items: list[Item]) -> list[tuple[str, ...]]:
    return [
        ("article", item.id, item.source, item.text, str(item.url), str(item.html))
        if isinstance(item, Article)
        else ("failure", item.id, item.source, item.error.kind, item.error.message, str(item.error.hint))
        for item in items
    ]


def test_items_come_in_input_order_when_pages_come_out_of_order(hosts: list[str], log: _Log) -> None:
    # The first page is answered only once the three after it are: fetched one after the
    # other, it would come first (after 5 s).
    urls = [f"{hosts[0]}/after-others=3", f"{hosts[1]}/b", f"{hosts[2]}/c", f"{hosts[3]}/d"]
    items = list(iter_articles(urls, ReadOptions(fetch_jobs=4)))
    assert [item.id for item in items] == urls
    assert all(isinstance(item, Article) for item in items)
    assert log.finished[-1].endswith("/after-others=3")  # the pages did come out of order
    assert [item.text.split("\n")[0] for item in items] == [  # each item has its own page
        f"Article {url.rsplit(':', 1)[1]}." for url in urls
    ]


def test_one_request_at_a_time_a_host_and_several_across_hosts(hosts: list[str], log: _Log) -> None:
    # Three pages on each of three hosts, each host's together, as a list of one site's
    # articles is: never two at once from one host, yet more than one at once in all.
    urls = [f"{base}/together?{n}" for base in hosts[:3] for n in range(3)]
    items = list(iter_articles(urls, ReadOptions(fetch_jobs=4)))
    assert [item.id for item in items] == urls
    assert log.most_per_host == 1
    assert log.most_at_once > 1
    assert len(log.seen) == len(urls)


def test_a_host_is_its_scheme_host_and_port() -> None:
    assert host_of("http://127.0.0.1:8001/a") != host_of("http://127.0.0.1:8002/a")
    assert host_of("HTTP://Example.org/a") == host_of("http://example.org:80/b")
    assert host_of("https://example.org/a") != host_of("http://example.org/a")
    assert host_of("http://[::1/a") == "http://[::1/a"  # malformed: its own host, never an error


def test_same_items_as_one_at_a_time(hosts: list[str], tmp_path: Path) -> None:
    # Failures (an HTTP status, a content type, --max-bytes, an unreachable host), a redirect,
    # a JSON Lines feed and a file among pages: the same items, kinds, messages and hints,
    # in the same order, as when each URL is fetched when the reading reaches it.
    article = tmp_path / "note.txt"
    article.write_text("Le conseil municipal a adopté le budget.\n", encoding="utf-8")
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{free.getsockname()[1]}"  # nothing listens there once closed
    urls = [
        f"{hosts[0]}/a",
        f"{hosts[1]}/missing",
        f"{hosts[2]}/feed",
        str(article),
        f"{hosts[3]}/image.png",
        f"{hosts[0]}/big",
        f"{gone}/x",
        f"{hosts[1]}/redirect",
        f"{hosts[2]}/c",
    ]
    ahead = list(iter_articles(urls, ReadOptions(fetch_jobs=4, max_bytes=1000)))
    one_by_one = list(iter_articles(urls, ReadOptions(fetch_jobs=1, max_bytes=1000)))
    assert _summary(ahead) == _summary(one_by_one)
    assert [(type(item).__name__, item.id) for item in ahead] == [
        ("Article", urls[0]),
        ("ReadFailure", urls[1]),
        ("Article", "a"),  # the feed's two lines, in their place
        ("Article", f"{urls[2]}-2"),
        ("Article", "note"),
        ("ReadFailure", urls[4]),
        ("ReadFailure", urls[5]),
        ("ReadFailure", urls[6]),
        ("Article", urls[7]),
        ("Article", urls[8]),
    ]
    kinds = [item.error.kind for item in ahead if isinstance(item, ReadFailure)]
    assert kinds == ["fetch_http", "fetch_content_type", "fetch_too_large", "fetch_unreachable"]
    assert isinstance(ahead[-2], Article) and ahead[-2].url == f"{hosts[1]}/page?redirected"


def test_a_url_named_twice_is_two_items_fetched_twice(hosts: list[str], log: _Log) -> None:
    urls = [f"{hosts[0]}/a", f"{hosts[1]}/b", f"{hosts[0]}/a"]
    items = list(iter_articles(urls, ReadOptions(fetch_jobs=4)))
    assert _summary(items)[0] == _summary(items)[2]
    assert sorted(log.seen) == sorted(f"{url.rsplit(':', 1)[1]}" for url in urls)


def test_pages_are_fetched_only_a_few_inputs_ahead(hosts: list[str], log: _Log) -> None:
    # Two jobs read four inputs ahead: however many URLs follow, at most four pages are
    # fetched before the reading takes them, and each item taken lets one more be fetched.
    urls = [f"{hosts[n % 4]}/p{n}" for n in range(12)]
    items = iter_articles(urls, ReadOptions(fetch_jobs=2))
    try:
        assert next(items).id == urls[0]
        log.wait_for(lambda: len(log.seen) >= 4)
        time.sleep(0.3)  # time for any request beyond the window to show
        assert len(log.seen) == 4
        assert next(items).id == urls[1]
        log.wait_for(lambda: len(log.seen) >= 5)
        time.sleep(0.3)
        assert len(log.seen) == 5
        assert [item.id for item in items] == urls[2:]
    finally:
        items.close()
    assert len(log.seen) == 12


def test_reading_stopped_early_starts_no_more_fetches(hosts: list[str], log: _Log) -> None:
    urls = [f"{hosts[n % 4]}/p{n}" for n in range(12)]
    items = iter_articles(urls, ReadOptions(fetch_jobs=2))
    assert next(items).id == urls[0]
    items.close()
    for thread in threading.enumerate():
        if thread.name == "summarize-fetch":
            thread.join(10)  # those in flight end, the others at once
    assert len(log.seen) <= 4
    assert not [t for t in threading.enumerate() if t.name == "summarize-fetch"]


@pytest.mark.parametrize(
    ("given", "at_once", "hold"),
    [
        ([], 3, "need=3&wait=5"),  # the default, 4: all three hosts at once
        (["--fetch-jobs", "2"], 2, "need=2&wait=5"),
        (["--fetch-jobs", "1"], 1, "need=2&wait=0.2"),  # a second in flight would be seen
    ],
    ids=["default", "two", "one"],
)
def test_cli_fetch_jobs_says_how_many_hosts_at_once(
    hosts: list[str], log: _Log, given: list[str], at_once: int, hold: str
) -> None:
    urls = [f"{base}/together?{hold}&n={n}" for n in range(2) for base in hosts[:3]]
    result = CliRunner().invoke(app, ["run", "--show-clean", "-f", "jsonl", *given, *urls])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == urls
    assert log.most_at_once == at_once
    assert log.most_per_host == 1


def test_cli_refuses_fetch_jobs_below_one(hosts: list[str]) -> None:
    result = CliRunner().invoke(app, ["run", "--show-clean", "--fetch-jobs", "0", f"{hosts[0]}/a"])
    assert result.exit_code == 2
    assert "--fetch-jobs" in result.stderr


@pytest.mark.parametrize(
    ("signame", "code", "said", "run"),
    [
        ("SIGINT", 130, "interrupted", ["--show-clean"]),  # read in the main thread
        ("SIGTERM", 143, "terminated", ["--show-clean"]),
        # Read by the pipeline's reader thread, itself waiting on a held fetch.
        ("SIGINT", 130, "interrupted", ["--only", "translation", "--no-cache"]),
    ],
    ids=["show-clean-ctrl-c", "show-clean-sigterm", "run-ctrl-c"],
)
def test_a_signal_ends_a_run_whose_fetches_are_held(
    hosts: list[str],
    tmp_path: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    signame: str,
    code: int,
    said: str,
    run: list[str],
) -> None:
    # The fetch threads wait on servers that do not answer: exiting must not wait for them.
    if "--show-clean" not in run:
        tiny = request.getfixturevalue("tiny")
        monkeypatch.setenv("SUMMARIZE_SUMMARY_MODEL", str(tiny["t5"]))
        monkeypatch.setenv("SUMMARIZE_TRANSLATION_MODEL", str(tiny["marian"]))
    urls = [f"{hosts[0]}/a", f"{hosts[1]}/held", f"{hosts[2]}/held", f"{hosts[3]}/held"]
    with (tmp_path / "stderr").open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "summarize", "run", *run, "-f", "jsonl", *urls],
            stdout=subprocess.PIPE,
            stderr=err,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            cwd=REPO,
            # As from a terminal: a background job inherits SIGINT ignored; a user's run sees Ctrl-C.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    assert proc.stdout is not None
    try:
        assert json.loads(proc.stdout.readline())["id"] == urls[0]
        proc.send_signal(getattr(signal, signame))
        assert proc.wait(timeout=15) == code  # the servers still hold the other pages
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (tmp_path / "stderr").read_text().splitlines() == [f"summarize: {said}"]


@pytest.mark.parametrize("jobs", [1, 4])
def test_a_bug_met_by_one_fetch_costs_only_its_url(
    hosts: list[str], monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    # Raised in a fetch thread, it reaches the reading as it did when fetched there: an
    # `internal` failure for that URL, the others read.
    import summarize.fetch

    fetch = summarize.fetch.fetch_url

    def buggy(url: str, **kwargs: int) -> summarize.fetch.Fetched:
        if url.endswith("/bug"):
            raise RuntimeError("a bug")
        return fetch(url, **kwargs)

    monkeypatch.setattr(summarize.fetch, "fetch_url", buggy)
    urls = [f"{hosts[0]}/a", f"{hosts[1]}/bug", f"{hosts[2]}/c"]
    items = list(iter_articles(urls, ReadOptions(fetch_jobs=jobs)))
    assert [(type(item).__name__, item.id) for item in items] == [
        ("Article", urls[0]),
        ("ReadFailure", urls[1]),
        ("Article", urls[2]),
    ]
    failure = items[1]
    assert isinstance(failure, ReadFailure) and failure.error.kind == "internal"
    assert failure.error.message == f"{urls[1]}: internal error while reading: RuntimeError: a bug"


def test_the_fetch_jobs_default_is_one_value_everywhere() -> None:
    # Three copies of one default (the CLI option, ReadOptions, the README) could drift apart.
    import inspect

    from summarize import cli as cli_module
    from summarize.read import DEFAULT_FETCH_JOBS

    assert inspect.signature(cli_module.run).parameters["fetch_jobs"].default == DEFAULT_FETCH_JOBS
    assert ReadOptions().fetch_jobs == DEFAULT_FETCH_JOBS
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"{DEFAULT_FETCH_JOBS} at once (`--fetch-jobs N`" in readme
