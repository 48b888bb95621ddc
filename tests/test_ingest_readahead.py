"""The extraction loop's read-ahead thread (izdesh.ingest.readahead): order kept, bounded by weight,
errors raised in the writer, and a writer that stops closes the loop (which stops the readers)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from izdesh.ingest.readahead import read_ahead


def test_items_arrive_in_order() -> None:
    assert list(read_ahead(iter(range(1000)), weight=lambda x: 1, limit=7)) == list(range(1000))


def test_the_thread_keeps_at_most_the_limit_ahead() -> None:
    produced: list[int] = []

    def source() -> Iterator[int]:
        for i in range(100):
            produced.append(i)
            yield i

    it = read_ahead(source(), weight=lambda x: 10, limit=30)  # 3 items of weight 10 fit
    assert next(it) == 0
    time.sleep(0.3)  # the thread runs ahead as far as it may
    # taken: 0; buffered: at most 3; the thread may hold one more, waiting for room
    assert 2 <= len(produced) <= 5
    assert list(it) == list(range(1, 100))


def test_one_item_heavier_than_the_limit_still_passes() -> None:
    assert list(read_ahead(iter([5, 500, 5]), weight=lambda x: x, limit=10)) == [5, 500, 5]


def test_an_error_in_the_loop_is_raised_in_the_writer() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise ValueError("a reader broke")

    it = read_ahead(source(), weight=lambda x: 1, limit=10)
    assert next(it) == 1
    with pytest.raises(ValueError, match="a reader broke"):
        next(it)


def test_a_writer_that_stops_closes_the_loop() -> None:
    closed = threading.Event()

    def source() -> Iterator[int]:
        try:
            for i in range(10**9):
                yield i
        finally:
            closed.set()  # where _extract_all stops its reader processes

    it = read_ahead(source(), weight=lambda x: 1, limit=5)
    assert next(it) == 0
    it.close()  # the writer failed or was interrupted
    assert closed.wait(5)
