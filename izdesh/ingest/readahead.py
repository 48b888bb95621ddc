"""Reading ahead of the writer: the extraction loop runs in a thread of its own, so the reader
processes get their next files while the store writes the last results.

Without it the loop that hands files to the readers stood still whenever the writer held it: a
reader that finished during a 2-second transaction waited for the transaction's end. At full scale
the readers were idle for about a third of the reading phase. SQLite and psycopg release the GIL
while they execute, so the thread and the writer really run at the same time.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

JOIN_SECONDS = 5.0  # after an error in the writer: how long to wait for the loop to notice


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Buffer(Generic[T]):
    """Items between the thread and the writer, bounded by their total weight (records and text
    blocks: one spreadsheet can hold 100,000 rows, a photo none)."""

    def __init__(self, limit: int) -> None:
        self.items: deque[tuple[T | _Raised | None, int]] = deque()
        self.weight = 0
        self.limit = limit
        self.cond = threading.Condition()
        self.stopped = False

    def put(self, item: T | _Raised | None, weight: int) -> bool:
        """False when the writer has stopped: the producer gives up."""
        with self.cond:
            # One item always fits, however heavy: a huge sheet must not wait forever.
            while self.items and self.weight + weight > self.limit and not self.stopped:
                self.cond.wait()
            if self.stopped:
                return False
            self.items.append((item, weight))
            self.weight += weight
            self.cond.notify_all()
            return True

    def get(self) -> T | _Raised | None:
        with self.cond:
            while not self.items:
                self.cond.wait()
            item, weight = self.items.popleft()
            self.weight -= weight
            self.cond.notify_all()
            return item

    def stop(self) -> None:
        with self.cond:
            self.stopped = True
            self.items.clear()
            self.cond.notify_all()


def read_ahead(items: Iterator[T], weight: Callable[[T], int], limit: int) -> Iterator[T]:
    """The items of ``items``, produced by a thread that keeps up to ``limit`` of weight ahead of
    the caller. An exception in the thread is raised here; when the caller stops (an error while
    writing, Ctrl-C), the thread closes ``items`` (which stops the readers) at its next item."""
    buf: _Buffer[T] = _Buffer(limit)

    def produce() -> None:
        try:
            for x in items:
                if not buf.put(x, weight(x)):
                    break
        except BaseException as exc:  # handed to the caller, raised there
            buf.put(_Raised(exc), 0)
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
        buf.put(None, 0)

    thread = threading.Thread(target=produce, name="izdesh-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            x = buf.get()
            if x is None:
                break
            if isinstance(x, _Raised):
                raise x.exc
            yield x
    finally:
        buf.stop()
        thread.join(JOIN_SECONDS)
