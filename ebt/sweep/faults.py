"""Fault injection for the crash-safety tests: `EBT_CRASH_AT=<phase>:<n>` kills the process
(SIGKILL, nothing flushed or cleaned up) the n-th time the sweep passes `crash_point(phase)`.
Unset, a crash point costs one dictionary lookup."""

from __future__ import annotations

import os
import signal

VARIABLE = "EBT_CRASH_AT"
PHASES = (
    "claim",
    "parse",
    "ingest",
    "decide",
    "commit",
    "outbound",  # an outbound file staged, before it is delivered
    "deliver",  # delivered into the partner's folder, before its rows are marked sent
    "sent",  # marked sent, before it is archived
    "archive",
)
_passed: dict[str, int] = {}


def crash_point(phase: str) -> None:
    target = os.environ.get(VARIABLE)
    if not target:
        return
    name, _, count = target.partition(":")
    if name != phase:
        return
    _passed[phase] = _passed.get(phase, 0) + 1
    if _passed[phase] >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
