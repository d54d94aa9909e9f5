"""The interpreter's GIL switch interval while the pipeline's helper threads run.

A thread that waits on the database (a batch's reads, a commit, a pool's ping) gets the GIL
back only when the thread holding it lets go: by default after 5 ms. With a reader working
ahead (`ahead`) or a writer behind (`WriteBehind`), each round trip of the other thread could
cost that much on top of the server's answer. While any helper runs, the interval is 0.5 ms;
when the last one stops it is what it was before the first began.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

QUICK = 0.0005  # seconds

_lock = threading.Lock()
_helpers = 0
_interval = sys.getswitchinterval()


def quicken() -> None:
    """A helper thread starts: switch quickly until it stops (`restore`)."""
    global _helpers, _interval
    with _lock:
        if _helpers == 0:
            _interval = sys.getswitchinterval()
            sys.setswitchinterval(QUICK)
        _helpers += 1


def restore() -> None:
    """A helper thread stopped: the interval as it was, once none runs."""
    global _helpers
    with _lock:
        _helpers -= 1
        if _helpers == 0:
            sys.setswitchinterval(_interval)


@contextmanager
def quick_switching() -> Iterator[None]:
    quicken()
    try:
        yield
    finally:
        restore()
