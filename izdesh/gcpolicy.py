"""How Python's cycle collector runs during bulk work (the ingest's readers and writer, the
persons rebuild). By default it collects every 700 new container objects, and a full collection
walks every live object. Bulk work makes millions of objects that live until the work ends, so
the collector spends its time walking them and frees nothing: at full scale it took 11% of the
readers' CPU, 6 s of the writer's and 12.7 s of the rebuild's. Reference counting still frees
everything that is not in a cycle at once, and the few cycles made meanwhile are collected when
the work ends or at the next (rarer) collection."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

SPARSE = (100_000, 50, 100)  # youngest generation every 100,000 allocations instead of 700


def sparse_collection() -> None:
    """For a process that only does bulk work (an ingest reader): what is alive now (modules,
    tables of terms) is left out of collections for good, and collections are rarer."""
    gc.freeze()
    gc.set_threshold(*SPARSE)


@contextmanager
def sparse_collection_while() -> Iterator[None]:
    """``sparse_collection`` for a while (the ingest's writer, in the caller's process), then the
    collector as it was."""
    old = gc.get_threshold()
    sparse_collection()
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


@contextmanager
def no_collection() -> Iterator[None]:
    """The collector off (the persons rebuild: every object it makes lives to its end; the peak
    is the same without collections), then on again if it was."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
