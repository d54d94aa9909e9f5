"""Reading ahead: a file's events made in a thread of their own while the caller decides and
writes what came before.

Reading, checking and mapping a file is pure work on bytes; deciding and committing waits on
the database (SQLite's C code, a PostgreSQL server), and both release the GIL while they
wait. The reader runs at most `depth` chunks ahead, so memory stays bounded whatever the
file's size, and the events come out in the order they were made: only the timing changes.
An error in the reader is raised in the caller, where the events are taken; when the caller
stops early, the reader is stopped and joined before `ahead` returns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from ebt.pipeline.switching import quick_switching

T = TypeVar("T")

CHUNK = 64  # events handed over at a time
DEPTH = 16  # chunks the reader may be ahead (about a batch)
_POLL = 0.1  # seconds between the reader's looks at whether the caller stopped


class _End:
    """The reader ran out of events."""


def ahead(
    events: Iterable[T],
    *,
    taken: Callable[[], None] | None = None,
    chunk: int = CHUNK,
    depth: int = DEPTH,
) -> Iterator[T]:
    """The events of `events`, made in a reader thread up to `depth` chunks ahead; `taken`
    is called in the caller's thread as each chunk is taken (to report progress there)."""
    handed: queue.Queue[list[T] | BaseException | _End] = queue.Queue(depth)
    stop = threading.Event()

    def hand(item: list[T] | BaseException | _End) -> bool:
        while not stop.is_set():
            try:
                handed.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        source = iter(events)
        made: list[T] = []
        try:
            for event in source:
                made.append(event)
                if len(made) >= chunk:
                    if not hand(made):
                        return
                    made = []
        except BaseException as error:  # raised in the caller, after the events before it
            if hand(made):
                hand(error)
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        if hand(made):
            hand(_End())

    reader = threading.Thread(target=read, name="ebt-read-ahead", daemon=True)
    with quick_switching():  # the caller's waits on the database cost it no 5 ms each
        reader.start()
        try:
            while True:
                item = handed.get()
                if isinstance(item, _End):
                    return
                if isinstance(item, BaseException):
                    raise item
                if taken is not None:
                    taken()
                yield from item
        finally:
            stop.set()
            reader.join()
