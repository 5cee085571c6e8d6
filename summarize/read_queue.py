"""The inputs read ahead by a thread, so that the model work never waits on a slow source.

The pipeline takes its windows of articles from :class:`Ready`: reading (files, stdin, URLs)
overlaps the model work, and a window takes only the items already read.  ``reading_ahead``
says whether the reader thread is still alive, so that the CLI can leave without waiting
on a read of stdin.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .read import Item

_READER = "summarize-reader"


def reading_ahead() -> bool:
    """Whether a reader thread is still alive: blocked, say, in a read of a feed on stdin."""
    return any(t.name == _READER and t.is_alive() for t in threading.enumerate())


class Ready:
    """Items read ahead by a thread, so that a window can take those already there.

    Reading (files, stdin, URLs) then also overlaps the model work.  At most ``limit`` items
    wait in memory.  An exception raised by the items' iterator is raised again by ``take``.
    """

    _END = object()

    def __init__(self, items: Iterable[Item], limit: int) -> None:
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max(1, limit))
        self._stop = threading.Event()
        self._done = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._pump, args=(iter(items),), name=_READER, daemon=True)

    def __enter__(self) -> Ready:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # a consumer that stopped early (a closed pipe): the reader stops too
        if self._done:
            # It put its last item and is ending: once it has, reading_ahead() is False and
            # the process ends the ordinary way.
            self._thread.join(0.5)

    def _pump(self, iterator: Iterator[Item]) -> None:
        try:
            for item in iterator:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(_Raised(exc))
        self._put(self._END)

    def _put(self, value: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(value, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def take(self, size: int) -> list[Item]:
        """Up to ``size`` items: waits for the first, then takes only those already read."""
        window: list[Item] = []
        while len(window) < size and not self._done:
            try:
                value = self._queue.get(block=not window)
            except queue.Empty:
                break
            if value is self._END:
                self._done = True
            elif isinstance(value, _Raised):
                self._done, self._error = True, value.exc
            else:
                window.append(value)
        if not window and self._error is not None:
            # Raised once the items read before it are out.
            error, self._error = self._error, None
            raise error
        return window


@dataclass(frozen=True)
class _Raised:
    exc: BaseException
