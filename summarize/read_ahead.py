"""Read ahead: the URLs among the inputs fetched a few at a time, before the reading reaches them.

A run over many URLs would otherwise wait on the network for each page in turn.  Here up to
``jobs`` pages are fetched at once, never two at a time from one host (its scheme, host and
port, as browsers count connections: a run over one site asks it for one page at a time, as a
sequential run does), and only for the inputs at most ``ahead`` places past the one being read,
so that at most ``ahead`` pages wait in memory whatever the number of inputs.  The reading
still takes each page in input order, when it reaches its URL.

The threads are daemons and stop once the reading is closed: Ctrl-C, a closed pipe or a
consumer that stops early never waits on a slow server.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_FETCHER = "summarize-fetch"


def host_of(url: str) -> str:
    """The host a URL is fetched from, as ``scheme://host:port``: two ports are two hosts.

    The URL as given: a redirect to another host is not counted there.  A URL too malformed
    to split is its own host (fetching it fails at once anyway).
    """
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    return f"{scheme}://{parts.hostname or ''}:{port or _DEFAULT_PORTS.get(scheme, '')}"


class FetchAhead(Generic[T]):
    """Fetch ``urls`` (input position to URL) ahead of the reading, with ``fetch``.

    Call :meth:`reach` with each input's position as the reading comes to it, :meth:`take`
    for a URL's page (or its exception, raised again), and :meth:`close` when done.  A URL
    named twice is fetched twice, as a sequential run does: each of its places is its own
    input, and keeping the first page until the second place would not bound memory.
    """

    def __init__(self, urls: dict[int, str], fetch: Callable[[str], T], jobs: int, ahead: int) -> None:
        self._urls = urls
        self._hosts = {position: host_of(url) for position, url in urls.items()}
        self._fetch = fetch
        self._ahead = max(1, ahead)
        self._order = sorted(urls)
        # Every URL before _order[_next_at] is started; _started holds those started after it
        # (inside the window, so a few): no list of thousands of URLs to search or shift.
        self._next_at = 0
        self._started: set[int] = set()
        self._busy: set[str] = set()  # hosts with a request in flight
        self._done: dict[int, tuple[bool, T | BaseException]] = {}
        self._at = 0  # the position the reading is at
        self._closed = False
        self._changed = threading.Condition()
        self._threads = [
            threading.Thread(target=self._work, name=_FETCHER, daemon=True)
            for _ in range(max(1, min(jobs, len(set(self._hosts.values())))))
        ]
        for thread in self._threads:
            thread.start()

    def reach(self, position: int) -> None:
        """The reading is at input ``position``: the window of fetches moves on with it."""
        with self._changed:
            if position > self._at:
                self._at = position
                self._changed.notify_all()

    def take(self, position: int) -> T:
        """The page of the URL at ``position``, once fetched; its fetch's exception is raised."""
        self.reach(position)
        with self._changed:
            while position not in self._done:
                self._changed.wait()
            ok, outcome = self._done.pop(position)
            self._changed.notify_all()  # a place in the window is free
        if not ok:
            raise cast(BaseException, outcome)
        return cast(T, outcome)

    def close(self) -> None:
        """Start no more fetches; those in flight end on their own (daemon threads)."""
        with self._changed:
            self._closed = True
            self._done.clear()
            self._changed.notify_all()

    def _next(self) -> int | None:
        """The first URL not started, inside the window, whose host has no request in flight."""
        for index in range(self._next_at, len(self._order)):
            position = self._order[index]
            if position >= self._at + self._ahead:
                return None
            if position not in self._started and self._hosts[position] not in self._busy:
                return position
        return None

    def _start(self, position: int) -> None:
        self._started.add(position)
        while self._next_at < len(self._order) and self._order[self._next_at] in self._started:
            self._started.discard(self._order[self._next_at])
            self._next_at += 1

    def _work(self) -> None:
        while True:
            with self._changed:
                while True:
                    if self._closed or self._next_at == len(self._order):
                        return
                    position = self._next()
                    if position is not None:
                        break
                    self._changed.wait()
                host = self._hosts[position]
                self._start(position)
                self._busy.add(host)
            try:
                outcome: tuple[bool, T | BaseException] = (True, self._fetch(self._urls[position]))
            except BaseException as exc:  # raised again by take, in the reading's thread
                outcome = (False, exc)
            with self._changed:
                self._busy.discard(host)
                if not self._closed:
                    self._done[position] = outcome
                self._changed.notify_all()
