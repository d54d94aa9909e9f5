"""The intake's reader thread (`ebt.pipeline.ahead`): the same events in the same order, an
error raised where the events are taken, bounded look-ahead, and no thread left behind."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ebt.pipeline import switching
from ebt.pipeline.ahead import ahead


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "ebt-read-ahead"]


@given(st.lists(st.integers(), max_size=300), st.integers(1, 9), st.integers(1, 4))
def test_the_events_come_out_as_they_were_made(events: list[int], chunk: int, depth: int) -> None:
    assert list(ahead(iter(events), chunk=chunk, depth=depth)) == events
    assert not _readers()


def test_an_error_in_the_reader_is_raised_after_the_events_before_it() -> None:
    def events() -> Iterator[int]:
        yield from range(10)
        raise ValueError("segment 11 is not X12")

    taken = []
    with pytest.raises(ValueError, match="segment 11"):
        for event in ahead(events(), chunk=3):
            taken.append(event)
    assert taken == list(range(10))
    assert not _readers()


def test_the_reader_stays_a_bounded_way_ahead_and_stops_when_the_caller_does() -> None:
    made = 0
    closed = threading.Event()

    def events() -> Iterator[int]:
        nonlocal made
        try:
            while True:
                made += 1
                yield made
        finally:
            closed.set()

    taken = ahead(events(), chunk=4, depth=2)
    assert next(taken) == 1
    # one chunk taken, two waiting, one being handed: never the endless rest
    threading.Event().wait(0.3)
    assert made <= 4 * 4 + 1
    taken.close()  # the caller stops early (an error while deciding, say)
    assert closed.is_set()  # the file's reader was closed, in its own thread
    assert not _readers()


def test_progress_is_told_in_the_callers_thread() -> None:
    threads = set()
    list(ahead(iter(range(100)), chunk=10, taken=lambda: threads.add(threading.get_ident())))
    assert threads == {threading.get_ident()}


def test_the_gil_switches_quickly_while_the_reader_runs_and_as_before_after() -> None:
    """A caller's wait on the database gets the GIL back within 0.5 ms of its answer, not
    the default 5 ms the reader could hold it for; and the interval is restored after,
    even when the caller stops early."""
    before = sys.getswitchinterval()
    seen = [sys.getswitchinterval() for _ in ahead(iter(range(5)), chunk=2)]
    assert seen == [switching.QUICK] * 5
    assert sys.getswitchinterval() == before
    for _ in ahead(iter(range(100)), chunk=2):
        break
    assert sys.getswitchinterval() == before
