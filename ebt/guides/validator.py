"""Validate one transaction set against the implementation guide in force.

The walk places every segment on a guide node (loops opened and closed as their trigger
segments come and go) and checks order and repeats. That part depends only on the set's
*shape* — its sequence of segment ids and qualifiers — so it is done once per shape and
cached. Then each segment's elements are checked, the flavour of the transaction is told, and
the flavour's requirements and the guide's situational conditions are applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from ebt.codegen import compile_function
from ebt.findings import Finding, Location, a_or_an, finding
from ebt.guides.conditions import SetView
from ebt.guides.model import Condition, ElementRule, Flavour, Guide, LoopNode, SegmentNode
from ebt.syntax.envelope import TransactionSet

MAX_SHAPES = 4096  # shapes remembered per guide; real files repeat a handful


@dataclass(slots=True)
class Tree:
    """One occurrence of a loop (or the whole set, for the root): the 0-based positions of
    its segments and its inner loops, in order."""

    node: LoopNode
    items: list[int | Tree] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Problem:
    """A structural finding; the same for every set of one shape."""

    code: str
    message: str
    position: int  # 1-based; ST = 1
    segment: str
    loop: str | None
    quote: bool  # show the segment's text


class Shape:
    """Where each segment of a set of this shape sits in the guide, and what is wrong with
    the shape itself."""

    __slots__ = ("checks", "limits", "nodes", "plans", "positions", "problems", "suspects", "tree")

    def __init__(self, nodes: list[SegmentNode | None], tree: Tree, problems: list[_Problem]):
        self.nodes = tuple(nodes)
        self.tree = tree
        self.problems = tuple(problems)
        self.positions: dict[str, list[int]] = {}
        # every element check of every segment, in one flat list: (position, *ElementChecker.fast)
        self.checks: list[tuple[int, int, bool, int, int, Any, Any]] = []
        # (position, how many elements the segment may carry before one is unused or too many)
        self.limits: list[tuple[int, int]] = []
        for position, node in enumerate(nodes):
            if node is None:
                continue
            self.positions.setdefault(node.id, []).append(position)
            checker = node.checker
            self.checks.extend((position, *fast) for fast in checker.fast)
            first_unused = checker.unused[0] - 1 if checker.unused else checker.count
            self.limits.append((position, first_unused))
        self.plans: dict[int, Any] = {}  # the mapper's read plans, by record map
        self.suspects = _compile_suspects(self)


def _compile_suspects(shape: Shape) -> Callable[[list[list[str]]], list[int]]:
    """A function of the set's segments giving the positions of segments that fail any
    element check: the checks of `shape.checks` and `shape.limits` as straight-line code."""
    namespace: dict[str, Any] = {}
    body = ["bad = []"]
    by_position: dict[int, list[str]] = {}
    for number, (position, index, required, low, high, codes, kind_ok) in enumerate(shape.checks):
        wrong = [f"not {low} <= len(v) <= {high}"]
        if codes is not None:
            namespace[f"C{number}"] = codes
            wrong.append(f"v not in C{number}")
        if kind_ok is not None:
            namespace[f"K{number}"] = kind_ok
            wrong.append(f"not K{number}(v)")
        present = f"n > {index} and (v := s[{index}])"
        test = " or ".join(wrong)
        by_position.setdefault(position, []).append(
            f"not ({present}) or {test}" if required else f"({present}) and ({test})"
        )
    for position, limit in shape.limits:
        by_position.setdefault(position, []).insert(0, f"n > {limit + 1} or (n > 1 and not s[-1])")
    for position, tests in sorted(by_position.items()):
        body.append(f"s = S[{position}]; n = len(s)")
        body.append(f"if {' or '.join(f'({t})' for t in tests)}: bad.append({position})")
    body.append("return bad")
    return compile_function("suspects", body, namespace)


def plain_suspects(shape: Shape) -> Callable[[list[list[str]]], list[int]]:
    """`_compile_suspects`'s twin as a plain loop over the same checks: the property tests
    hold the two equal, and bench/codegen.py weighs them."""
    by_position: dict[int, list[tuple[int, bool, int, int, Any, Any]]] = {}
    for position, *check in shape.checks:
        by_position.setdefault(position, []).append(tuple(check))
    limits = dict(shape.limits)
    order = sorted(set(by_position) | set(limits))

    def suspects(segments: list[list[str]]) -> list[int]:
        bad = []
        for position in order:
            s = segments[position]
            n = len(s)
            limit = limits.get(position)
            if limit is not None and (n > limit + 1 or (n > 1 and not s[-1])):
                bad.append(position)
                continue
            for index, required, low, high, codes, kind_ok in by_position.get(position, ()):
                v = s[index] if n > index else ""
                if not v:
                    if required:
                        bad.append(position)
                        break
                    continue
                if (
                    not low <= len(v) <= high
                    or (codes is not None and v not in codes)
                    or (kind_ok is not None and not kind_ok(v))
                ):
                    bad.append(position)
                    break
        return bad

    return suspects


@dataclass(slots=True)
class CheckedSet:
    transaction: TransactionSet
    guide: Guide
    shape: Shape
    view: SetView
    flavour: Flavour | None
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)


@dataclass(slots=True)
class _Context:
    loop: LoopNode
    tree: Tree
    counts: dict[str, int] = field(default_factory=dict)
    last_order: int = 0


RoleOf = Callable[[SetView], str | None]


class _ShapeWalk:
    """Place a sequence of (segment id, qualifier) on the guide."""

    def __init__(self, guide: Guide):
        self.guide = guide
        self.problems: list[_Problem] = []
        self.nodes: list[SegmentNode | None] = []
        self.root = Tree(guide.root)
        self.stack = [_Context(guide.root, self.root)]

    def run(self, segments: list[list[str]]) -> Shape:
        for index, segment in enumerate(segments):
            qualifier = segment[1] if len(segment) > 1 else None
            self.place(segment[0], qualifier, index)
        while self.stack:
            self.close(self.stack.pop(), len(segments))
        return Shape(self.nodes, self.root, self.problems)

    def problem(
        self,
        code: str,
        message: str,
        position: int,
        segment: str,
        *,
        loop: str | None = None,
        quote: bool = True,
    ) -> None:
        self.problems.append(_Problem(code, message, position, segment, loop, quote))

    def place(self, tag: str, qualifier: str | None, index: int) -> None:
        position = index + 1
        stack = self.stack
        depth = len(stack) - 1
        node: SegmentNode | LoopNode | None = None
        while depth >= 0:
            node = stack[depth].loop.find(tag, qualifier)
            if node is not None:
                break
            depth -= 1
        if node is None:
            self.nodes.append(None)
            self.unplaced(tag, qualifier, position)
            return
        while len(stack) > depth + 1:
            self.close(stack.pop(), position)
        context = stack[-1]
        label = _label(tag, qualifier)
        if node.order < context.last_order:
            self.problem(
                "SEGMENT-ORDER",
                f"{label} is out of order: it belongs before "
                f"segments already sent in {_where(context.loop)}.",
                position,
                tag,
                loop=context.loop.tag or None,
            )
        else:
            context.last_order = node.order
        count = context.counts[node.id] = context.counts.get(node.id, 0) + 1
        if isinstance(node, LoopNode):
            if count > node.max_use:
                self.problem(
                    "LOOP-MAX-USE",
                    f"The {node.name} loop ({label}) occurs {count} "
                    f"times; the guide allows {node.max_use}.",
                    position,
                    tag,
                    loop=node.tag,
                )
            tree = Tree(node)
            context.tree.items.append(tree)
            stack.append(_Context(node, tree, {node.id: 1}))
            tree.items.append(index)
            self.nodes.append(node.trigger)
            return
        if count > node.max_use:
            self.problem(
                "SEGMENT-MAX-USE",
                f"{node.name} ({label}) occurs {count} times in "
                f"{_where(context.loop)}; the guide allows {node.max_use}.",
                position,
                tag,
                loop=context.loop.tag or None,
            )
        context.tree.items.append(index)
        self.nodes.append(node)

    def close(self, context: _Context, position: int) -> None:
        for child in context.loop.children:
            if child.required and not context.counts.get(child.id):
                what = (
                    f"the {child.name} loop ({_node_label(child)})"
                    if isinstance(child, LoopNode)
                    else f"{child.name} ({_node_label(child)})"
                )
                self.problem(
                    "SEGMENT-MISSING",
                    f"{what[0].upper()}{what[1:]} is required in "
                    f"{_where(context.loop)} but was not sent.",
                    position,
                    child.tag,
                    loop=context.loop.tag or None,
                    quote=False,
                )

    def unplaced(self, tag: str, qualifier: str | None, position: int) -> None:
        guide = self.guide
        loop = self.stack[-1].loop
        if tag not in _dictionary_tags(guide):
            self.problem(
                "SEGMENT-UNKNOWN",
                f"{tag!r} is not an X12 {guide.x12_version} segment id.",
                position,
                tag[:3],
                loop=loop.tag or None,
            )
        elif tag not in guide.ansi_segments:
            self.problem(
                "SEGMENT-NOT-IN-SET",
                f"{tag} is not part of an X12 {guide.set_id} transaction set.",
                position,
                tag,
                loop=loop.tag or None,
            )
        else:
            self.problem(
                "SEGMENT-NOT-USED",
                f"{_label(tag, qualifier)} is not used by "
                f"{guide.name} {guide.version} in {_where(loop)}; it was ignored.",
                position,
                tag,
                loop=loop.tag or None,
            )


class _Shapes:
    """The shapes seen for one guide, and which segment ids carry a qualifier there."""

    def __init__(self, guide: Guide):
        self.qualified = frozenset(n.tag for n in guide.nodes.values() if n.qualifier)
        self.shapes: dict[tuple[str, ...], Shape] = {}


_SHAPES: WeakKeyDictionary[Guide, _Shapes] = WeakKeyDictionary()


def shape_of(segments: list[list[str]], guide: Guide) -> Shape:
    """The shape of a set: computed once per distinct sequence of segment ids/qualifiers."""
    known = _SHAPES.get(guide)
    if known is None:
        known = _SHAPES[guide] = _Shapes(guide)
    qualified = known.qualified
    key = tuple([s[0] + "*" + s[1] if len(s) > 1 and s[0] in qualified else s[0] for s in segments])
    shape = known.shapes.get(key)
    if shape is None:
        shape = _ShapeWalk(guide).run(segments)
        if len(known.shapes) >= MAX_SHAPES:
            known.shapes.clear()
        known.shapes[key] = shape
    return shape


class _Check:
    """The findings of one set, located."""

    def __init__(self, tx: TransactionSet, guide: Guide, shape: Shape, file: str):
        self.tx = tx
        self.guide = guide
        self.shape = shape
        self.file = file
        self.findings: list[Finding] = list(tx.findings)

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

    def position_of(self, node_id: str, default: int) -> int:
        found = self.shape.positions.get(node_id)
        return found[0] + 1 if found else default

    def structure(self) -> None:
        segments = self.tx.segments
        trailer_missing = any(f.code == "SE-MISSING" for f in self.findings)
        for p in self.shape.problems:
            if trailer_missing and p.code == "SEGMENT-MISSING" and p.segment == "SE":
                continue  # the envelope walk has said so (SE-MISSING)
            text = (
                _text(segments[p.position - 1]) if p.quote and p.position <= len(segments) else None
            )
            self.findings.append(
                finding(
                    p.code, p.message, self.location(p.segment, p.position, loop=p.loop), text=text
                )
            )

    def elements(self) -> None:
        """One pass over every checked element of the set; a segment that fails any check is
        then checked again, slowly, to say exactly what is wrong."""
        segments = self.tx.segments
        for position in self.shape.suspects(segments):
            node = self.shape.nodes[position]
            assert node is not None
            self.element_findings(node, segments[position], position + 1)

    def element_findings(self, node: SegmentNode, segment: list[str], position: int) -> None:
        loop = node.loop_id.rpartition("/")[2].partition(":")[0] or None
        text = _text(segment)

        def where(rule: ElementRule | None) -> Location:
            return self.location(node.tag, position, rule.ref if rule else None, loop)

        found: list[Finding] = []
        node.checker.check(segment, where, found)
        self.findings.extend(_with_text(f, text) for f in found)


def validate_set(
    tx: TransactionSet, guide: Guide, *, file: str = "", role_of: RoleOf | None = None
) -> CheckedSet:
    """Check a transaction set against `guide`; `role_of` tells who sent it ("CES" or
    "T&D") from the set's parties, to tell a drop request from a drop notice."""
    shape = shape_of(tx.segments, guide)
    check = _Check(tx, guide, shape, file)
    check.structure()
    check.elements()
    view = SetView(shape.positions, tx.segments)
    flavour = _flavour(check, view, role_of)
    if flavour is not None:
        _apply_flavour(check, view, flavour)
    _apply_conditions(check, view)
    if len(check.findings) > 1:
        check.findings.sort(key=lambda f: f.location.position or 0)
    return CheckedSet(tx, guide, shape, view, flavour, check.findings)


def _flavour(check: _Check, view: SetView, role_of: RoleOf | None) -> Flavour | None:
    guide = check.guide
    candidates = guide.flavours_matching(view)
    if len(candidates) > 1:
        role = role_of(view) if role_of else None
        chosen = [f for f in candidates if f.sender == role]
        if len(chosen) == 1:
            return chosen[0]
        names = " or ".join(f.name for f in candidates)
        check.findings.append(
            finding(
                "TRANSACTION-UNKNOWN",
                f"Cannot tell whether this is a {names}: that depends on "
                "who sent it, and the envelope sender (ISA06/GS02) is neither the T&D in N1*8S "
                "N104 nor the CES in N1*SJ N104.",
                check.location("N1", check.position_of("N1:8S", 1)),
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
    check.findings.append(
        finding(
            "TRANSACTION-UNKNOWN",
            f"This {guide.set_id} ({sent}) is not a transaction the guide knows. Known: {known}.",
            check.location("BGN", check.position_of("BGN", 2)),
        )
    )
    return None


def _dictionary_tags(guide: Guide) -> frozenset[str]:
    return guide.dictionary_segments | guide.ansi_segments


def _label(tag: str, qualifier: str | None) -> str:
    return f"{tag}*{qualifier}" if qualifier and tag in _QUALIFIED else tag


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


def _describe(flavour: Flavour) -> str:
    codes = "/".join(value for _, _, value in flavour.match)
    return f"{codes} {flavour.kind}"


def _apply_flavour(check: _Check, view: SetView, flavour: Flavour) -> None:
    for target in flavour.required:
        if not view.present(target):
            label = _target_label(check.guide, target)
            check.findings.append(
                _rule_finding(
                    check,
                    "RULE-REQUIRED",
                    target,
                    f"{a_or_an(flavour.name).capitalize()} requires {label}.",
                )
            )
    for target in flavour.not_used:
        if view.present(target):
            label = _target_label(check.guide, target)
            check.findings.append(
                _rule_finding(
                    check,
                    "RULE-NOT-USED",
                    target,
                    f"{a_or_an(flavour.name).capitalize()} does not use {label}.",
                )
            )


def _apply_conditions(check: _Check, view: SetView) -> None:
    guide = check.guide
    for condition, predicate, node, index in guide.compiled_conditions:
        if condition.each is None:
            _apply_condition(check, condition, predicate(view), view.present_at(node, index))
            continue
        for tree in _occurrences(check.shape.tree, condition.each):
            scoped = SetView(_positions_in(tree, check.shape), check.tx.segments)
            holds, present = predicate(scoped), scoped.present_at(node, index)
            _apply_condition(check, condition, holds, present, _first_position(tree))


def _apply_condition(
    check: _Check, condition: Condition, holds: bool, present: bool, at: int | None = None
) -> None:
    if holds and not present:
        message = f"{condition.message} [condition {condition.id}]."
        check.findings.append(_rule_finding(check, "RULE-REQUIRED", condition.target, message, at))
    elif not holds and present and condition.otherwise_not_used:
        message = f"{condition.message} [condition {condition.id}]."
        check.findings.append(_rule_finding(check, "RULE-NOT-USED", condition.target, message, at))


def _occurrences(tree: Tree, loop_id: str) -> list[Tree]:
    found = []
    for item in tree.items:
        if isinstance(item, Tree):
            found.extend([item] if item.node.id == loop_id else _occurrences(item, loop_id))
    return found


def _positions_in(tree: Tree, shape: Shape) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for item in tree.items:
        if isinstance(item, Tree):
            for node_id, found in _positions_in(item, shape).items():
                out.setdefault(node_id, []).extend(found)
        else:
            node = shape.nodes[item]
            if node is not None:
                out.setdefault(node.id, []).append(item)
    return out


def _first_position(tree: Tree) -> int:
    first = tree.items[0]
    return first + 1 if isinstance(first, int) else _first_position(first)


def _target_label(guide: Guide, target: str) -> str:
    node_id, _, element = target.partition(".")
    node = guide.nodes[node_id]
    label = f"{node.name} ({_node_label(node)})"
    return f"{element} of {label}" if element else label


def _rule_finding(
    check: _Check, code: str, target: str, message: str, at: int | None = None
) -> Finding:
    """`at`: the position of the loop occurrence the rule was checked in, if any."""
    node_id, _, element = target.partition(".")
    node = check.guide.nodes[node_id]
    # a missing segment is pointed at by its enclosing loop, else by the trailer
    parent = at or check.position_of(node_id.rpartition("/")[0], len(check.tx.segments))
    position = parent if at and code == "RULE-REQUIRED" else check.position_of(node_id, parent)
    return finding(
        code,
        message,
        check.location(node.tag, position, element or None),
        element_position=int(element[-2:]) if element else None,
    )
