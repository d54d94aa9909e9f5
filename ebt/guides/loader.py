"""Build the element dictionary and the implementation guides from their parsed data.

The files of `transactions/` are read by `ebt.data.guides`; this module turns what they hold
into the guide book and checks it: every segment and element the guides name exists in the
dictionary, every code list and predicate they refer to exists, and every flavour and
condition points at a real node. A mistake in the data is a `GuideError` naming the file
(`source`) at load time, never a surprise while a file is being read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ebt.guides.conditions import PREDICATES
from ebt.guides.elements import ElementChecker
from ebt.guides.model import Condition, ElementRule, Flavour, Guide, LoopNode, SegmentNode


class GuideError(ValueError):
    """The guide data is inconsistent: a configuration error, not bad input."""


@dataclass(frozen=True, slots=True)
class Dictionary:
    version: str
    elements: Mapping[str, tuple[str, int, int, str]]  # item -> (type, min, max, name)
    segments: Mapping[str, tuple[str, ...]]  # segment id -> element items
    sets: Mapping[str, Mapping[str, Any]]

    def element_rules(
        self,
        tag: str,
        usage: Mapping[str, str],
        codes: Mapping[str, Mapping[str, str]],
        *,
        qualifier_index: int | None = None,
    ) -> tuple[ElementRule, ...]:
        items = self.segments.get(tag)
        if items is None:
            raise GuideError(f"segment {tag} is not in the {self.version} dictionary")
        refs = {f"{tag}{i:02d}" for i in range(1, len(items) + 1)}
        unknown = (set(usage) | set(codes)) - refs
        if unknown:
            raise GuideError(f"{tag} has no element {sorted(unknown)}")
        rules = []
        for index, item in enumerate(items, start=1):
            ref = f"{tag}{index:02d}"
            kind, low, high, name = self.elements[item]
            rules.append(
                ElementRule(
                    ref=ref,
                    index=index,
                    item=item,
                    name=name,
                    kind=kind,
                    min_length=low,
                    max_length=high,
                    required=usage.get(ref) == "M",
                    used=ref in usage,
                    codes=None if index == qualifier_index else codes.get(ref),
                )
            )
        return tuple(rules)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Element rules for ISA, GS, GE and IEA."""

    segments: Mapping[str, tuple[ElementRule, ...]]


@dataclass(frozen=True, slots=True)
class GuideBook:
    """Every guide, by set id, in order of the date it came into force."""

    dictionary: Dictionary
    envelope: Envelope
    guides: Mapping[str, tuple[Guide, ...]]

    def guide_for(self, set_id: str, on: date | None) -> Guide | None:
        """The guide in force on `on` (the latest when the date is unknown)."""
        versions = self.guides.get(set_id, ())
        if on is None:
            return versions[-1] if versions else None
        chosen = None
        for guide in versions:
            if guide.valid_from <= on:
                chosen = guide
        return chosen

    def functional_id(self, set_id: str) -> str | None:
        found = self.dictionary.sets.get(set_id)
        return None if found is None else str(found["functional_id"])


def build_dictionary(raw: Any, source: str) -> Dictionary:
    """The element dictionary from the parsed `x12-<version>.json` (`source` names it)."""
    elements = {k: (v[0], int(v[1]), int(v[2]), v[3]) for k, v in raw["elements"].items()}
    segments = {k: tuple(v["elements"]) for k, v in raw["segments"].items()}
    for tag, items in segments.items():
        missing = [item for item in items if item not in elements]
        if missing:
            raise GuideError(f"{source}: segment {tag} uses unknown elements {missing}")
    return Dictionary(raw["version"], elements, segments, raw["sets"])


def _code_map(spec: Any, lists: Mapping[str, Mapping[str, str]], where: str) -> dict[str, str]:
    if isinstance(spec, str):
        if spec not in lists:
            raise GuideError(f"{where}: unknown code list {spec!r}")
        return dict(lists[spec])
    if isinstance(spec, list):
        return {str(code): "" for code in spec}
    if isinstance(spec, dict):
        return {str(k): str(v) for k, v in spec.items()}
    raise GuideError(f"{where}: a code list is a name, a list or a mapping")


def build_envelope(raw: Any, dictionary: Dictionary, source: str) -> Envelope:
    """The envelope rules from the parsed `envelope-<version>.json`."""
    lists = raw.get("code_lists", {})
    segments = {}
    for tag, spec in raw["segments"].items():
        codes = (
            {ref: _code_map(c, lists, f"{source}: {ref}") for ref, c in spec["codes"].items()}
            if "codes" in spec
            else {}
        )
        segments[tag] = dictionary.element_rules(tag, spec["elements"], codes)
    return Envelope(segments)


class _GuideCompiler:
    def __init__(self, raw: Mapping[str, Any], dictionary: Dictionary, source: str):
        self.raw = raw
        self.dictionary = dictionary
        self.source = source
        self.lists: Mapping[str, Mapping[str, str]] = raw.get("code_lists", {})
        self.nodes: dict[str, SegmentNode | LoopNode] = {}

    def compile(self) -> Guide:
        raw = self.raw
        set_id = str(raw["set"])
        ansi = self.dictionary.sets.get(set_id)
        if ansi is None:
            raise GuideError(f"{self.source}: set {set_id} is not in the dictionary")
        root = self._loop("", "", None, "transaction set", True, 1, 0, raw["structure"])
        flavours = tuple(self._flavour(k, v) for k, v in raw["flavours"].items())
        conditions = tuple(self._condition(c) for c in raw.get("conditions", ()))
        known = frozenset(node.tag for node in self.nodes.values())
        places = tuple(dict.fromkeys((n, i) for f in flavours for n, i, _ in f.match))
        index: dict[tuple[str, ...], list[Flavour]] = {}
        for flavour in flavours:
            wanted = {(n, i): v for n, i, v in flavour.match}
            if set(wanted) != set(places):
                raise GuideError(
                    f"{self.source}: every flavour must match on the same "
                    f"elements {places}; {flavour.kind} does not"
                )
            index.setdefault(tuple(wanted[p] for p in places), []).append(flavour)
        return Guide(
            set_id=set_id,
            name=str(raw["guide"]),
            version=str(raw["version"]),
            valid_from=date.fromisoformat(raw["valid_from"]),
            x12_version=raw["x12_version"],
            functional_id=str(ansi["functional_id"]),
            ansi_segments=frozenset(ansi["segments"]),
            known_segments=known,
            dictionary_segments=frozenset(self.dictionary.segments),
            root=root,
            nodes=self.nodes,
            flavours=flavours,
            conditions=conditions,
            code_lists=self.lists,
            flavour_places=places,
            flavour_index={k: tuple(v) for k, v in index.items()},
            compiled_conditions=tuple(
                (c, PREDICATES[c.predicate], c.node, c.index) for c in conditions
            ),
        )

    def _loop(
        self,
        node_id: str,
        tag: str,
        qualifier: str | None,
        name: str,
        required: bool,
        max_use: int,
        order: int,
        items: Sequence[Mapping[str, Any]],
    ) -> LoopNode:
        children: list[SegmentNode | LoopNode] = []
        lookup: dict[tuple[str, str | None], SegmentNode | LoopNode] = {}
        first_order: dict[str, int] = {}
        for position, item in enumerate(items):
            trigger = bool(node_id) and position == 0
            child = self._child(
                node_id, item, first_order.setdefault(_tag(item), position), trigger=trigger
            )
            children.append(child)
            if trigger:
                continue  # a repeated trigger opens a new loop, found one level up
            key = (child.tag, child.qualifier)
            if key in lookup:
                raise GuideError(f"{self.source}: {child.id} appears twice in one loop")
            lookup[key] = child
        return LoopNode(
            node_id, tag, qualifier, name, required, max_use, order, tuple(children), lookup
        )

    def _child(
        self, parent: str, item: Mapping[str, Any], order: int, *, trigger: bool
    ) -> SegmentNode | LoopNode:
        if "loop" in item:
            first = item["segments"][0]
            node_id = (f"{parent}/" if parent else "") + _node_name(first)
            loop = self._loop(
                node_id,
                first["segment"],
                first.get("qualifier"),
                first.get("name", first["segment"]),
                item["usage"] == "M",
                int(item["max"]),
                order,
                item["segments"],
            )
            self.nodes[node_id] = loop
            return loop
        node_id = parent if trigger else (f"{parent}/" if parent else "") + _node_name(item)
        tag = item["segment"]
        codes = {
            ref: _code_map(spec, self.lists, f"{self.source}: {node_id} {ref}")
            for ref, spec in item.get("codes", {}).items()
        }
        qualifier = item.get("qualifier")
        rules = self.dictionary.element_rules(
            tag, item.get("elements", {}), codes, qualifier_index=1 if qualifier else None
        )
        node = SegmentNode(
            node_id,
            tag,
            qualifier,
            item.get("name", tag),
            item["usage"] == "M",
            int(item["max"]),
            order,
            rules,
            parent,
            ElementChecker(rules),
        )
        if not trigger:
            self.nodes[node_id] = node
        return node

    def _target(self, target: str, where: str) -> str:
        node_id, _, element = target.partition(".")
        if node_id not in self.nodes:
            raise GuideError(f"{self.source}: {where} names unknown node {node_id!r}")
        if element:
            segment = self._segment(node_id)
            if element not in {rule.ref for rule in segment.elements}:
                raise GuideError(f"{self.source}: {where} names unknown element {target!r}")
        return target

    def _segment(self, node_id: str) -> SegmentNode:
        node = self.nodes[node_id]
        return node.trigger if isinstance(node, LoopNode) else node

    def _flavour(self, kind: str, raw: Mapping[str, Any]) -> Flavour:
        match = []
        sender = None
        for ref, value in raw["match"].items():
            if ref == "sender":
                sender = str(value)
                continue
            node_id = self._node_of_element(ref)
            match.append((node_id, int(ref[-2:]), str(value)))
        required = tuple(self._target(t, kind) for t in raw.get("required", ()))
        not_used = tuple(self._target(t, kind) for t in raw.get("not_used", ()))
        return Flavour(kind, str(raw["name"]), tuple(match), sender, required, not_used)

    def _node_of_element(self, ref: str) -> str:
        tag = ref[:-2]
        for node_id, node in self.nodes.items():
            if node.tag == tag and (isinstance(node, LoopNode) or node.qualifier is None):
                return node_id
        if tag in {"BGN", "ST"}:
            return tag
        raise GuideError(f"{self.source}: flavour match names {ref}, which no node has")

    def _condition(self, raw: Mapping[str, Any]) -> Condition:
        predicate = str(raw["when"])
        if predicate not in PREDICATES:
            raise GuideError(
                f"{self.source}: condition {raw['id']} uses unknown predicate "
                f"{predicate!r}; known: {sorted(PREDICATES)}"
            )
        target = self._target(str(raw["require"]), str(raw["id"]))
        each = raw.get("each")
        if each is not None and not isinstance(self.nodes.get(each), LoopNode):
            raise GuideError(
                f"{self.source}: condition {raw['id']} applies to each {each!r}, "
                "which is not a loop"
            )
        return Condition(
            str(raw["id"]),
            predicate,
            target,
            str(raw["message"]),
            raw.get("otherwise") == "not_used",
            each,
        )


def _tag(item: Mapping[str, Any]) -> str:
    return str(item["segments"][0]["segment"] if "loop" in item else item["segment"])


def _node_name(item: Mapping[str, Any]) -> str:
    qualifier = item.get("qualifier")
    return f"{item['segment']}:{qualifier}" if qualifier else str(item["segment"])


def build_guide(raw: Any, dictionary: Dictionary, source: str) -> Guide:
    """One guide version from its parsed file, checked against the dictionary."""
    try:
        return _GuideCompiler(raw, dictionary, source).compile()
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, GuideError):
            raise
        raise GuideError(f"{source}: {error!r}") from error


def build_guidebook(
    dictionary: Dictionary, envelope: Envelope, guides: Iterable[Guide]
) -> GuideBook:
    """The guide book: every guide by set id, in order of the date it came into force; two
    versions of one set coming into force on the same date are refused."""
    by_set: dict[str, list[Guide]] = {}
    for guide in guides:
        by_set.setdefault(guide.set_id, []).append(guide)
    ordered = {k: tuple(sorted(v, key=lambda g: g.valid_from)) for k, v in by_set.items()}
    for set_id, versions in ordered.items():
        dates = [g.valid_from for g in versions]
        if len(set(dates)) != len(dates):
            raise GuideError(f"two {set_id} guides come into force on the same date")
    return GuideBook(dictionary, envelope, ordered)


def default_guidebook() -> GuideBook:
    """The bundled guides, read once per process by `ebt.data.guides.default_guidebook`.

    Kept here for the format readers that import it from this module; the market core is
    given its guides (`ebt.market.reference.Market`) and never calls it (tests/test_layering.py
    allows this one import of the edge, and no other module of the core this name)."""
    from ebt.data.guides import default_guidebook as bundled

    return bundled()
