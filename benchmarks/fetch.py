"""Fetching URL inputs one after the other vs ahead of the reading (``--fetch-jobs``).

Run from the repository root::

    .venv/bin/python benchmarks/fetch.py                    # 40 URLs on 4 hosts, 0.2 s each
    .venv/bin/python benchmarks/fetch.py --urls 200 --hosts 8 --delay 0.5

Local servers on 127.0.0.1 (one port a host) answer each request after a fixed ``--delay``,
as a news site's 0.5-2 s would.  The same URLs (spread over the hosts in turn) are read with
``iter_articles`` and each ``--jobs`` value (1: one after the other, as before), then again
with every URL on one host, where one request at a time a host leaves nothing to gain.  Only
the reading is timed: no model runs.  Printed: the seconds each took, its ratio to jobs 1,
and the most requests any host had at once (always 1).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_PAGE = (
    "Le conseil municipal adopte le budget\n\n"
    "Le conseil municipal a adopté mardi soir le budget de la ville pour l'année prochaine.\n"
).encode()


class _Count:
    """Requests in flight by port, and the most any port had at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.flight: dict[int, int] = {}
        self.most = 0


def _handler(delay: float, count: _Count) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            port = self.server.server_address[1]
            with count.lock:
                count.flight[port] = count.flight.get(port, 0) + 1
                count.most = max(count.most, count.flight[port])
            time.sleep(delay)
            with count.lock:
                count.flight[port] -= 1
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(_PAGE)))
            self.end_headers()
            self.wfile.write(_PAGE)

    return Handler


@contextlib.contextmanager
def _servers(n: int, delay: float, count: _Count) -> Iterator[list[str]]:
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _handler(delay, count)) for _ in range(n)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield [f"http://127.0.0.1:{s.server_address[1]}" for s in servers]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _time(urls: list[str], jobs: int) -> float:
    from summarize.read import Article, ReadOptions, iter_articles

    start = time.perf_counter()
    items = list(iter_articles(urls, ReadOptions(fetch_jobs=jobs)))
    took = time.perf_counter() - start
    if len(items) != len(urls) or not all(isinstance(item, Article) for item in items):
        raise SystemExit(f"benchmarks/fetch.py: a URL failed: {items!r:.300}")
    if [item.id for item in items] != urls:
        raise SystemExit("benchmarks/fetch.py: items out of input order")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--urls", type=int, default=40)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds each request takes")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4, 8])
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    for proxy in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):  # 127.0.0.1 stays here
        os.environ.pop(proxy, None)

    count = _Count()
    with _servers(args.hosts, args.delay, count) as hosts:
        cases = {
            f"{args.hosts} hosts": [f"{hosts[n % len(hosts)]}/a{n}" for n in range(args.urls)],
            "1 host": [f"{hosts[0]}/a{n}" for n in range(args.urls)],
        }
        print(f"{args.urls} URLs, {args.delay:g} s a request")
        print(f"{'inputs':<10} {'jobs':>4} {'seconds':>8} {f'vs jobs {args.jobs[0]}':>9} {'most a host':>11}")
        for name, urls in cases.items():
            base = None
            for jobs in args.jobs:
                count.most = 0
                took = _time(urls, jobs)
                base = took if base is None else base
                print(f"{name:<10} {jobs:>4} {took:>8.2f} {base / took:>8.2f}x {count.most:>11}")


if __name__ == "__main__":
    main()
