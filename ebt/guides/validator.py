"""Validate one transaction set against the implementation guide in force.

The walk places every segment on a guide node (loops opened and closed as their trigger
segments come and go), checks order, repeats and elements, then tells which flavour of
transaction the set is and applies the flavour's requirements and the guide's situational
conditions. The result is the set's tree of loop instances (for mapping) and its findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ebt.findings import Finding, Location, finding
from ebt.guides.conditions import PREDICATES, SetView
from ebt.guides.elements import check_elements
from ebt.guides.model import ElementRule, Flavour, Guide, LoopNode, SegmentNode
from ebt.syntax.envelope import TransactionSet

Placed = tuple[SegmentNode, list[str], int]  # node, segment, position in the set


@dataclass(slots=True)
class Instance:
    """One occurrence of a loop (or the whole set, for the root) with what it holds."""

    node: LoopNode
    items: list[Placed | Instance] = field(default_factory=list)


@dataclass(slots=True)
class CheckedSet:
    transaction: TransactionSet
    guide: Guide
    root: Instance
    view: SetView
    flavour: Flavour | None
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)


@dataclass(slots=True)
class _Context:
    loop: LoopNode
    instance: Instance
    counts: dict[str, int] = field(default_factory=dict)
    last_order: int = 0


RoleOf = Callable[[SetView], str | None]


class _Walk:
    def __init__(self, tx: TransactionSet, guide: Guide, file: str):
        self.tx = tx
        self.guide = guide
        self.file = file
        self.findings: list[Finding] = list(tx.findings)
        self.occurrences: dict[str, list[list[str]]] = {}
        self.positions: dict[str, int] = {}
        self.root = Instance(guide.root)
        self.stack = [_Context(guide.root, self.root)]

    def location(
        self, segment: str, position: int, element: str | None = None, loop: str | None = None
    ) -> Location:
        tx = self.tx
        return Location(
            self.file,
            interchange=tx.group.interchange.control,
            group=tx.group.control,
            transaction=tx.control,
            segment=segment,
            position=position,
            line=tx.line + position - 1,
            element=element,
            loop=loop,
        )

    def run(self) -> None:
        for position, segment in enumerate(self.tx.segments, start=1):
            self.place(segment, position)
        while self.stack:
            self.close(self.stack.pop(), len(self.tx.segments))

    def place(self, segment: list[str], position: int) -> None:
        tag = segment[0]
        qualifier = segment[1] if len(segment) > 1 else None
        stack = self.stack
        depth = len(stack) - 1
        node: SegmentNode | LoopNode | None = None
        while depth >= 0:
            node = stack[depth].loop.find(tag, qualifier)
            if node is not None:
                break
            depth -= 1
        if node is None:
            self.unplaced(segment, position)
            return
        while len(stack) > depth + 1:
            self.close(stack.pop(), position)
        context = stack[-1]
        if node.order < context.last_order:
            self.findings.append(
                finding(
                    "SEGMENT-ORDER",
                    f"{_label(segment)} is out of order: it belongs before "
                    f"segments already sent in {_where(context.loop)}.",
                    self.location(tag, position, loop=context.loop.tag or None),
                    text=_text(segment),
                )
            )
        else:
            context.last_order = node.order
        count = context.counts[node.id] = context.counts.get(node.id, 0) + 1
        if isinstance(node, LoopNode):
            if count > node.max_use:
                self.findings.append(
                    finding(
                        "LOOP-MAX-USE",
                        f"The {node.name} loop ({_label(segment)}) occurs {count} "
                        f"times; the guide allows {node.max_use}.",
                        self.location(tag, position, loop=node.tag),
                        text=_text(segment),
                    )
                )
            instance = Instance(node)
            context.instance.items.append(instance)
            stack.append(_Context(node, instance, {node.id: 1}))
            self.record(node.trigger, segment, position, instance)
            return
        if count > node.max_use:
            self.findings.append(
                finding(
                    "SEGMENT-MAX-USE",
                    f"{node.name} ({_label(segment)}) occurs {count} times "
                    f"in {_where(context.loop)}; the guide allows {node.max_use}.",
                    self.location(tag, position),
                    text=_text(segment),
                )
            )
        self.record(node, segment, position, context.instance)

    def record(
        self, node: SegmentNode, segment: list[str], position: int, instance: Instance
    ) -> None:
        instance.items.append((node, segment, position))
        found = self.occurrences.get(node.id)
        if found is None:
            self.occurrences[node.id] = [segment]
            self.positions[node.id] = position
        else:
            found.append(segment)
        before = len(self.findings)

        def where(rule: ElementRule | None) -> Location:
            loop = node.loop_id.rpartition("/")[2].partition(":")[0] or None
            return self.location(node.tag, position, rule.ref if rule else None, loop)

        check_elements(node.elements, segment, where, self.findings)
        if len(self.findings) > before:
            text = _text(segment)
            for i in range(before, len(self.findings)):
                self.findings[i] = _with_text(self.findings[i], text)

    def close(self, context: _Context, position: int) -> None:
        for child in context.loop.children:
            if child.required and not context.counts.get(child.id):
                what = (
                    f"the {child.name} loop ({_node_label(child)})"
                    if isinstance(child, LoopNode)
                    else f"{child.name} ({_node_label(child)})"
                )
                self.findings.append(
                    finding(
                        "SEGMENT-MISSING",
                        f"{what[0].upper()}{what[1:]} is required in "
                        f"{_where(context.loop)} but was not sent.",
                        self.location(child.tag, position, loop=context.loop.tag or None),
                    )
                )

    def unplaced(self, segment: list[str], position: int) -> None:
        tag = segment[0]
        guide = self.guide
        where = self.location(tag, position, loop=self.stack[-1].loop.tag or None)
        if tag not in _dictionary_tags(guide):
            self.findings.append(
                finding(
                    "SEGMENT-UNKNOWN",
                    f"{tag!r} is not an X12 {guide.x12_version} segment id.",
                    where,
                    text=_text(segment),
                )
            )
        elif tag not in guide.ansi_segments:
            self.findings.append(
                finding(
                    "SEGMENT-NOT-IN-SET",
                    f"{tag} is not part of an X12 {guide.set_id} transaction set.",
                    where,
                    text=_text(segment),
                )
            )
        else:
            place = _where(self.stack[-1].loop)
            self.findings.append(
                finding(
                    "SEGMENT-NOT-USED",
                    f"{_label(segment)} is not used by {guide.name} "
                    f"{guide.version} in {place}; it was ignored.",
                    where,
                    text=_text(segment),
                )
            )


def _dictionary_tags(guide: Guide) -> frozenset[str]:
    return guide.ansi_segments | {"ISA", "IEA", "GS", "GE", "TA1"} | guide.known_segments


def _label(segment: list[str]) -> str:
    if len(segment) > 1 and segment[0] in _QUALIFIED:
        return f"{segment[0]}*{segment[1]}"
    return segment[0]


_QUALIFIED = frozenset({"REF", "N1", "DTM", "AMT", "NM1"})


def _node_label(node: SegmentNode | LoopNode) -> str:
    return f"{node.tag}*{node.qualifier}" if node.qualifier else node.tag


def _where(loop: LoopNode) -> str:
    return f"the {loop.name} loop ({_node_label(loop)})" if loop.id else "the transaction set"


def _text(segment: list[str]) -> str:
    return "*".join(segment)[:200]


def _with_text(found: Finding, text: str) -> Finding:
    from dataclasses import replace

    return replace(found, text=text)


def validate_set(
    tx: TransactionSet, guide: Guide, *, file: str = "", role_of: RoleOf | None = None
) -> CheckedSet:
    """Check a transaction set against `guide`; `role_of` tells who sent it ("CES" or
    "T&D") from the set's parties, to tell a drop request from a drop notice."""
    walk = _Walk(tx, guide, file)
    walk.run()
    view = SetView(walk.occurrences)
    flavour = _flavour(walk, view, role_of)
    if flavour is not None:
        _apply_flavour(walk, flavour)
    _apply_conditions(walk, view)
    walk.findings.sort(key=lambda f: f.location.position or 0)
    return CheckedSet(tx, guide, walk.root, view, flavour, walk.findings)


def _flavour(walk: _Walk, view: SetView, role_of: RoleOf | None) -> Flavour | None:
    guide = walk.guide
    candidates = [
        f for f in guide.flavours if all(view.value(node, i) == value for node, i, value in f.match)
    ]
    if len(candidates) > 1:
        role = role_of(view) if role_of else None
        chosen = [f for f in candidates if f.sender == role]
        if len(chosen) == 1:
            return chosen[0]
        names = " or ".join(f.name for f in candidates)
        walk.findings.append(
            finding(
                "TRANSACTION-UNKNOWN",
                f"Cannot tell whether this is a {names}: that depends on "
                "who sent it, and the envelope sender (ISA06/GS02) is neither the T&D in N1*8S "
                "N104 nor the CES in N1*SJ N104.",
                walk.location("N1", walk.positions.get("N1:8S", 1)),
            )
        )
        return None
    if candidates:
        return candidates[0]
    known = "; ".join(_describe(f) for f in guide.flavours)
    sent = ", ".join(
        f"{node.split('/')[-1]}{i:02d}={view.value(node, i)!r}"
        for node, i, _ in guide.flavours[0].match
    )
    walk.findings.append(
        finding(
            "TRANSACTION-UNKNOWN",
            f"This {guide.set_id} ({sent}) is not a transaction the guide knows. Known: {known}.",
            walk.location("BGN", walk.positions.get("BGN", 2)),
        )
    )
    return None


def _describe(flavour: Flavour) -> str:
    codes = "/".join(value for _, _, value in flavour.match)
    return f"{codes} {flavour.kind}"


def _apply_flavour(walk: _Walk, flavour: Flavour) -> None:
    for target in flavour.required:
        if not SetView(walk.occurrences).present(target):
            walk.findings.append(
                _rule_finding(
                    walk,
                    "RULE-REQUIRED",
                    target,
                    f"A {flavour.name} requires {_target_label(walk.guide, target)}.",
                )
            )
    for target in flavour.not_used:
        if SetView(walk.occurrences).present(target):
            walk.findings.append(
                _rule_finding(
                    walk,
                    "RULE-NOT-USED",
                    target,
                    f"A {flavour.name} does not use {_target_label(walk.guide, target)}.",
                )
            )


def _apply_conditions(walk: _Walk, view: SetView) -> None:
    for condition in walk.guide.conditions:
        holds = PREDICATES[condition.predicate](view)
        present = view.present(condition.target)
        if holds and not present:
            walk.findings.append(
                _rule_finding(
                    walk,
                    "RULE-REQUIRED",
                    condition.target,
                    f"{condition.message} [condition {condition.id}].",
                )
            )
        elif not holds and present and condition.otherwise_not_used:
            walk.findings.append(
                _rule_finding(
                    walk,
                    "RULE-NOT-USED",
                    condition.target,
                    f"{condition.message} [condition {condition.id}].",
                )
            )


def _target_label(guide: Guide, target: str) -> str:
    node_id, _, element = target.partition(".")
    node = guide.nodes[node_id]
    label = f"{node.name} ({_node_label(node)})"
    return f"{element} of {label}" if element else label


def _rule_finding(walk: _Walk, code: str, target: str, message: str) -> Finding:
    node_id, _, element = target.partition(".")
    node = walk.guide.nodes[node_id]
    position = walk.positions.get(node_id)
    if position is None:  # missing: point at the enclosing loop, else the trailer
        parent = node_id.rpartition("/")[0]
        position = walk.positions.get(parent, len(walk.tx.segments))
    return finding(code, message, walk.location(node.tag, position, element or None))
