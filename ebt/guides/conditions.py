"""Named predicates that the guides' situational rules refer to.

A guide's data says *what* is required in which situation; the situation itself is a small
pure function over the transaction set, named here. The loader refuses a guide that names a
predicate missing from `PREDICATES`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


class SetView:
    """Read-only access to a validated transaction set by guide node id."""

    __slots__ = ("_positions", "_segments")

    def __init__(self, positions: Mapping[str, list[int]], segments: list[list[str]]):
        self._positions = positions  # node id -> 0-based positions of its segments
        self._segments = segments

    def segments(self, node: str) -> list[list[str]]:
        return [self._segments[p] for p in self._positions.get(node, ())]

    def present(self, target: str) -> bool:
        """Whether a node ("LIN/REF:12") or an element of it ("BGN.BGN06") was sent."""
        node, _, element = target.partition(".")
        return self.present_at(node, int(element[-2:]) if element else 0)

    def present_at(self, node: str, index: int) -> bool:
        """Whether `node` was sent (index 0) or its element `index` has a value."""
        found = self._positions.get(node)
        if not found:
            return False
        if not index:
            return True
        segments = self._segments
        return any(index < len(segments[p]) and segments[p][index] for p in found)

    def value(self, node: str, index: int) -> str:
        found = self._positions.get(node)
        if not found:
            return ""
        segment = self._segments[found[0]]
        return segment[index] if index < len(segment) else ""

    def count(self, node: str) -> int:
        return len(self._positions.get(node, ()))


Predicate = Callable[[SetView], bool]


def is_request(view: SetView) -> bool:
    return view.value("BGN", 1) == "13"


def is_response(view: SetView) -> bool:
    return view.value("BGN", 1) == "11"


def is_reject(view: SetView) -> bool:
    return view.value("LIN/ASI", 1) == "U"


def is_change_request(view: SetView) -> bool:
    return is_request(view) and view.value("LIN/ASI", 2) == "001"


def is_enrollment_request_consolidated(view: SetView) -> bool:
    """An enrollment asking for the T&D's consolidated bill: the T&D bills the CES rate."""
    enrollment = is_request(view) and view.value("LIN/ASI", 2) == "021"
    return enrollment and view.value("LIN/REF:BLT", 2) == "LDC"


def advice_rejects(view: SetView) -> bool:
    return view.value("OTI", 1) in {"TE", "TR", "IE", "IR"}


PREDICATES: Mapping[str, Predicate] = {
    "is_request": is_request,
    "is_response": is_response,
    "is_reject": is_reject,
    "is_change_request": is_change_request,
    "is_enrollment_request_consolidated": is_enrollment_request_consolidated,
    "advice_rejects": advice_rejects,
}
