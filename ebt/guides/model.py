"""The implementation guide, compiled from its data file into values the validator walks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ebt.guides.conditions import Predicate, SetView
    from ebt.guides.elements import ElementChecker


@dataclass(frozen=True, slots=True)
class ElementRule:
    """One element position of a segment as the guide uses it."""

    ref: str  # e.g. "REF02"
    index: int  # position in the segment, 1-based
    item: str  # data element number in the dictionary, e.g. "127"
    name: str
    kind: str  # AN, ID, DT, TM, N0, R
    min_length: int
    max_length: int
    required: bool
    used: bool
    codes: Mapping[str, str] | None = None  # code -> meaning, for ID elements the guide lists


@dataclass(frozen=True, slots=True)
class SegmentNode:
    id: str  # e.g. "LIN/REF:12"
    tag: str
    qualifier: str | None
    name: str
    required: bool
    max_use: int
    order: int  # position among its siblings; siblings with one tag share it
    elements: tuple[ElementRule, ...]
    loop_id: str  # the id of the loop it sits in ("" at the top level)
    checker: ElementChecker


@dataclass(frozen=True, slots=True, eq=False)
class LoopNode:
    id: str  # e.g. "N1:8R"
    tag: str
    qualifier: str | None
    name: str
    required: bool
    max_use: int
    order: int
    children: tuple[SegmentNode | LoopNode, ...]  # the first child is the loop's trigger
    # (tag, qualifier) -> the child a segment opens or is, qualifier None = any
    lookup: Mapping[tuple[str, str | None], SegmentNode | LoopNode] = field(default_factory=dict)

    @property
    def trigger(self) -> SegmentNode:
        first = self.children[0]
        assert isinstance(first, SegmentNode)
        return first

    def find(self, tag: str, qualifier: str | None) -> SegmentNode | LoopNode | None:
        """The child node a segment with this id and qualifier belongs to."""
        lookup = self.lookup
        return lookup.get((tag, qualifier)) or lookup.get((tag, None))


@dataclass(frozen=True, slots=True)
class Condition:
    """A situational rule: when `predicate` holds, `target` is required; otherwise, if
    `otherwise_not_used`, it must be absent."""

    id: str
    predicate: str
    target: str  # node id, optionally ".ELEMENT"
    message: str
    otherwise_not_used: bool
    each: str | None = None  # a loop id: the rule applies to every occurrence of that loop

    @property
    def node(self) -> str:
        return self.target.partition(".")[0]

    @property
    def index(self) -> int:
        """The target element's position, 0 when the target is the whole segment."""
        element = self.target.partition(".")[2]
        return int(element[-2:]) if element else 0


@dataclass(frozen=True, slots=True)
class Flavour:
    """One kind of transaction within a set (an 814 enrollment request, say)."""

    kind: str
    name: str
    match: tuple[tuple[str, int, str], ...]  # (node id, element index, value)
    sender: str | None  # "CES" or "T&D" when the direction tells the kind apart
    required: tuple[str, ...]
    not_used: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False, weakref_slot=True)
class Guide:
    set_id: str
    name: str
    version: str
    valid_from: date
    x12_version: str
    functional_id: str
    ansi_segments: frozenset[str]
    known_segments: frozenset[str]
    dictionary_segments: frozenset[str]
    root: LoopNode
    nodes: Mapping[str, SegmentNode | LoopNode]
    flavours: tuple[Flavour, ...]
    conditions: tuple[Condition, ...]
    code_lists: Mapping[str, Mapping[str, str]]
    # every (node, element) a flavour matches on, and flavours by the values found there
    flavour_places: tuple[tuple[str, int], ...] = ()
    flavour_index: Mapping[tuple[str, ...], tuple[Flavour, ...]] = field(default_factory=dict)
    # each condition with its predicate function, target node and element position
    compiled_conditions: tuple[tuple[Condition, Predicate, str, int], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name} {self.version} (in force from {self.valid_from.isoformat()})"

    def flavours_matching(self, view: SetView) -> list[Flavour]:
        """The flavours whose codes (BGN01, ASI01, ASI02, ...) the set carries."""
        places = self.flavour_places
        key = tuple(view.value(node, index) for node, index in places)
        return list(self.flavour_index.get(key, ()))

    def segment_node(self, node_id: str) -> SegmentNode:
        node = self.nodes[node_id]
        return node.trigger if isinstance(node, LoopNode) else node
