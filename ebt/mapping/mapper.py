"""Turn a validated transaction set into a typed record, and a record back into segments.

The map between record fields and guide nodes is data (`mappings/<set>.json`, read by
`ebt.data.mappings`). It is compiled once against the guide: a field naming a node, element or
record attribute that does not exist is a `MappingError` naming the file when it loads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from ebt.codegen import compile_function
from ebt.guides.model import Guide, LoopNode, SegmentNode
from ebt.guides.validator import CheckedSet, Shape, Tree
from ebt.mapping.records import RECORD_TYPES, Kind, Record
from ebt.syntax.writer import trim


class MappingError(ValueError):
    """The mapping data does not fit the guide or the records: a configuration error."""


@lru_cache(maxsize=4096)
def _parse_date(value: str) -> date:
    if len(value) != 8 or not value.isdigit():
        raise ValueError(f"{value!r} is not CCYYMMDD")
    return date(int(value[:4]), int(value[4:6]), int(value[6:]))


def _parse_decimal(value: str) -> Decimal:
    return Decimal(value)


PARSERS: Mapping[str, Callable[[str], Any]] = {
    "str": str,
    "date": _parse_date,
    "decimal": _parse_decimal,
    "int": int,
    "list": str,
}


@lru_cache(maxsize=4096)
def _format_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _format(value: Any) -> str:
    if type(value) is str:
        return value
    if isinstance(value, date):
        return _format_date(value)
    if isinstance(value, Decimal):
        return format(value, "f")  # never scientific notation: 1E+2 is not an X12 number
    return str(value)


@dataclass(frozen=True, slots=True)
class FieldMap:
    name: str
    places: tuple[tuple[str, int], ...]  # (node id, element index); several for a list
    type: str


@dataclass(slots=True)
class RecordMap:
    """How one record type sits under one guide node (the root, or a group's node)."""

    record: type
    node_id: str
    fields: list[FieldMap] = field(default_factory=list)
    by_node: dict[str, list[FieldMap]] = field(default_factory=dict)
    groups: dict[str, tuple[str, RecordMap]] = field(default_factory=dict)  # node -> field
    # node -> (field, element index, parser, is a list): the read path, compiled
    reads: dict[str, list[tuple[str, int, Callable[[str], Any], bool]]] = field(
        default_factory=dict
    )
    specs: dict[str, Any] = field(default_factory=dict)  # write specs by node, built lazily
    writer: Callable[[Any], list[list[str]]] | None = None  # generated on first write
    streamer: Callable[[Any], Iterator[list[str]]] | None = None  # the same, as a generator
    constants: dict[tuple[str, int], tuple[str, int | None]] = field(default_factory=dict)

    def constants_at(self, node_id: str) -> list[tuple[int, str, int | None]]:
        """The constant elements of one node: (index, value, the element it goes with)."""
        return [
            (index, value, needs)
            for (node, index), (value, needs) in self.constants.items()
            if node == node_id
        ]

    def mapped_nodes(self) -> set[str]:
        nodes = set(self.by_node) | {node for node, _ in self.constants}
        return nodes | set(self.groups)


class _Compiler:
    def __init__(self, guide: Guide, source: str):
        self.guide = guide
        self.source = source

    def compile(self, raw: Mapping[str, Any], prefix: str) -> RecordMap:
        name = str(raw["record"])
        record = RECORD_TYPES.get(name)
        if record is None:
            raise MappingError(f"{self.source}: unknown record {name!r}")
        attributes = {f.name: f for f in dataclasses.fields(record)}
        result = RecordMap(record, prefix)
        for field_name, spec in raw.get("fields", {}).items():
            if field_name not in attributes:
                raise MappingError(f"{self.source}: {name} has no field {field_name!r}")
            places, kind = self._spec(spec, prefix)
            fm = FieldMap(field_name, places, kind)
            result.fields.append(fm)
            for node_id, index in places:
                result.by_node.setdefault(node_id, []).append(fm)
                read = (field_name, index, PARSERS[kind], kind == "list")
                result.reads.setdefault(node_id, []).append(read)
        for ref, spec in raw.get("constants", {}).items():
            node_id, index = self._place(ref, prefix)
            value, needs = (spec, None) if isinstance(spec, str) else (spec["value"], spec["with"])
            result.constants[(node_id, index)] = (value, int(needs[-2:]) if needs else None)
        for field_name, spec in raw.get("groups", {}).items():
            if field_name not in attributes:
                raise MappingError(f"{self.source}: {name} has no field {field_name!r}")
            node_id = self._node(spec["node"], prefix)
            result.groups[node_id] = (field_name, self.compile(spec, node_id))
        missing = [
            a
            for a, f in attributes.items()
            if f.default is dataclasses.MISSING
            and a != "kind"
            and a not in {m.name for m in result.fields}
        ]
        if missing:
            raise MappingError(f"{self.source}: {name} fields {missing} are not mapped")
        return result

    def _spec(self, spec: Any, prefix: str) -> tuple[tuple[tuple[str, int], ...], str]:
        if isinstance(spec, str):
            return (self._place(spec, prefix),), "str"
        at = spec["at"]
        kind = str(spec.get("type", "str"))
        if kind not in PARSERS:
            raise MappingError(f"{self.source}: unknown field type {kind!r}")
        refs = at if isinstance(at, list) else [at]
        return tuple(self._place(ref, prefix) for ref in refs), kind

    def _node(self, relative: str, prefix: str) -> str:
        node_id = f"{prefix}/{relative}" if prefix else relative
        if node_id not in self.guide.nodes:
            raise MappingError(f"{self.source}: no guide node {node_id!r}")
        return node_id

    def _place(self, ref: str, prefix: str) -> tuple[str, int]:
        relative, _, element = ref.rpartition(".")
        node_id = self._node(relative, prefix) if relative else prefix
        segment = self.guide.segment_node(node_id)
        if element not in {rule.ref for rule in segment.elements}:
            raise MappingError(f"{self.source}: {node_id} has no element {element!r}")
        return node_id, int(element[-2:])


@dataclass(frozen=True, slots=True)
class SetMapping:
    set_id: str
    guide: Guide
    root: RecordMap


def build_mapping(raw: Any, guide: Guide, source: str) -> SetMapping:
    """The mapping of `guide`'s set from its parsed file (`source` names it), compiled
    against that guide version."""
    try:
        return SetMapping(guide.set_id, guide, _Compiler(guide, source).compile(raw, ""))
    except (ValueError, KeyError, TypeError) as error:
        if isinstance(error, MappingError):
            raise
        raise MappingError(f"{source}: {error!r}") from error


def mapping_for(guide: Guide) -> SetMapping:
    """The bundled mapping of `guide`'s set, read once per guide by
    `ebt.data.mappings.mapping_for`.

    Kept here for the format readers that import it from this module; the market core is
    given its mappings (`ebt.market.reference.Market`) and never calls it
    (tests/test_layering.py allows this one import of the edge, and no other module of the
    core this name)."""
    from ebt.data.mappings import mapping_for as bundled

    return bundled(guide)


# -- X12 to record -------------------------------------------------------------------------


@dataclass(slots=True)
class ReadPlan:
    """Where one record's fields are in sets of one shape: compiled once per shape."""

    fields: list[tuple[int, int, str, Callable[[str], Any], bool]] = field(default_factory=list)
    groups: dict[str, tuple[RecordMap, list[ReadPlan]]] = field(default_factory=dict)


def to_record(checked: CheckedSet, mapping: SetMapping | None = None) -> Record | None:
    """The typed record for a validated set, or None when its flavour is unknown or a field
    cannot be read (the validator has said why)."""
    if checked.flavour is None:
        return None
    mapping = mapping or mapping_for(checked.guide)
    shape = checked.shape
    read = shape.plans.get(id(mapping.root))
    if read is None:
        plan = _plan(shape, shape.tree, mapping.root)
        read = shape.plans[id(mapping.root)] = _compile_reader(plan)
    try:
        values = read(checked.transaction.segments)
        record: Record = mapping.root.record(kind=Kind(checked.flavour.kind), **values)
    except (TypeError, ValueError, ArithmeticError):  # decimal errors are ArithmeticErrors
        return None
    return record


def _compile_reader(plan: ReadPlan) -> Callable[[list[list[str]]], dict[str, Any]]:
    """The read plan as straight-line code: a function of the set's segments giving the
    record's field values (see `ebt.codegen`)."""
    namespace: dict[str, Any] = {}
    body = ["kw = {}"]
    lists: dict[str, str] = {}
    current = -1
    for number, (position, index, name, parse, is_list) in enumerate(plan.fields):
        if position != current:
            body.append(f"s = S[{position}]; n = len(s)")
            current = position
        value = "v"
        if parse is not str:
            namespace[f"P{number}"] = parse
            value = f"P{number}(v)"
        if is_list:
            local = lists.setdefault(name, f"L{len(lists)}")
            body.insert(0, f"{local} = []")
            body.append(f"if n > {index} and (v := s[{index}]): {local}.append({value})")
        else:
            body.append(f"if n > {index} and (v := s[{index}]): kw[{name!r}] = {value}")
    for name, local in lists.items():
        body.append(f"if {local}: kw[{name!r}] = tuple({local})")
    for group_number, (name, (inner, plans)) in enumerate(plan.groups.items()):
        makers = []
        for instance_number, instance in enumerate(plans):
            maker = f"G{group_number}_{instance_number}"
            namespace[maker] = _compile_record(inner, instance)
            makers.append(f"{maker}(S)")
        body.append(f"kw[{name!r}] = ({', '.join(makers)},)")
    body.append("return kw")
    return compile_function("read", body, namespace)


def plain_reader(plan: ReadPlan) -> Callable[[list[list[str]]], dict[str, Any]]:
    """`_compile_reader`'s twin as a plain loop over the same plan: the property tests hold
    the two equal, and bench/codegen.py weighs them."""
    groups = [
        (name, inner, [plain_reader(instance) for instance in plans])
        for name, (inner, plans) in plan.groups.items()
    ]

    def read(segments: list[list[str]]) -> dict[str, Any]:
        kw: dict[str, Any] = {}
        lists: dict[str, list[Any]] = {}
        for position, index, name, parse, is_list in plan.fields:
            s = segments[position]
            if len(s) > index and (v := s[index]):
                value = v if parse is str else parse(v)
                if is_list:
                    lists.setdefault(name, []).append(value)
                else:
                    kw[name] = value
        for name, values in lists.items():
            kw[name] = tuple(values)
        for name, inner, readers in groups:
            kw[name] = tuple(inner.record(**each(segments)) for each in readers)
        return kw

    return read


def _compile_record(record_map: RecordMap, plan: ReadPlan) -> Callable[[list[list[str]]], Any]:
    read = _compile_reader(plan)
    record = record_map.record
    return lambda segments: record(**read(segments))


def _plan(
    shape: Shape, tree: Tree, record_map: RecordMap, into: ReadPlan | None = None
) -> ReadPlan:
    plan = into or ReadPlan()
    for item in tree.items:
        if isinstance(item, Tree):
            group = record_map.groups.get(item.node.id)
            if group is None:
                _plan(shape, item, record_map, plan)
            else:
                name, inner = group
                plan.groups.setdefault(name, (inner, []))[1].append(_plan(shape, item, inner))
            continue
        node = shape.nodes[item]
        assert node is not None
        group = record_map.groups.get(node.id) if node.id != record_map.node_id else None
        if group is not None:
            name, inner = group
            single = ReadPlan(
                [(item, *read[1:2], read[0], *read[2:]) for read in inner.reads.get(node.id, ())]
            )
            plan.groups.setdefault(name, (inner, []))[1].append(single)
            continue
        for field_name, index, parse, is_list in record_map.reads.get(node.id, ()):
            plan.fields.append((item, index, field_name, parse, is_list))
    return plan


# -- record to X12 -------------------------------------------------------------------------


def to_segments(record: Record, mapping: SetMapping) -> list[list[str]]:
    """The body of the transaction set (without ST and SE) for `record`."""
    writer = mapping.root.writer
    if writer is None:
        writer = mapping.root.writer = _compile_writer(mapping)
    return writer(record)


def to_segments_plain(record: Record, mapping: SetMapping) -> list[list[str]]:
    """`to_segments` by walking the guide for every record: what the generated writer must
    agree with (tests compare the two)."""
    root = mapping.guide.root
    body = [c for c in root.children if c.tag not in ("ST", "SE")]
    out: list[list[str]] = []
    for child in body:
        out.extend(_write_child(child, mapping.root, record))
    return out


def _write_child(
    child: SegmentNode | LoopNode, record_map: RecordMap, record: Any
) -> list[list[str]]:
    group = record_map.groups.get(child.id)
    if group is not None:
        out: list[list[str]] = []
        for item in getattr(record, group[0]):
            out.extend(_write_node(child, group[1], item, always=True))
        return out
    return _write_node(child, record_map, record, always=False)


def _write_node(
    node: SegmentNode | LoopNode, record_map: RecordMap, record: Any, *, always: bool
) -> list[list[str]]:
    if isinstance(node, SegmentNode):
        segment = _segment(node, record_map, record)
        if segment is None:
            return [trim(_fixed(node, record_map))] if always else []
        return [segment]
    trigger = _segment(node.trigger, record_map, record)
    rest: list[list[str]] = []
    for child in node.children[1:]:
        rest.extend(_write_child(child, record_map, record))
    if trigger is None and not rest and not always:
        return []
    if trigger is None:
        trigger = trim(_fixed(node.trigger, record_map))
    return [trigger, *rest]


def _segment(node: SegmentNode, record_map: RecordMap, record: Any) -> list[str] | None:
    spec = record_map.specs.get(node.id)
    if spec is None:
        spec = record_map.specs[node.id] = _write_spec(node, record_map)
    fields, base, optional = spec
    elements: list[str] | None = None
    for name, is_list, places in fields:
        value = getattr(record, name)
        if value is None or value == ():
            continue
        if elements is None:
            elements = list(base)
        for index, item in zip(places, value if is_list else (value,), strict=False):
            elements[index] = _format(item)
    if elements is None:
        return None
    for index, needs in optional:
        if not elements[needs]:
            elements[index] = ""
    return trim(elements)


WriteSpec = tuple[list[tuple[str, bool, list[int]]], list[str], list[tuple[int, int]]]


def _write_spec(node: SegmentNode, record_map: RecordMap) -> WriteSpec:
    """What writing `node` needs, worked out once: its fields (name, is a list, element
    indexes), its fixed elements, and the constants that go only with another element."""
    fields = [
        (fm.name, fm.type == "list", [index for n, index in fm.places if n == node.id])
        for fm in record_map.by_node.get(node.id, ())
    ]
    optional = [
        (index, needs) for index, _, needs in record_map.constants_at(node.id) if needs is not None
    ]
    return fields, _fixed(node, record_map), optional


def _fixed(node: SegmentNode, record_map: RecordMap) -> list[str]:
    elements = [node.tag] + [""] * len(node.elements)
    if node.qualifier:
        elements[1] = node.qualifier
    for index, constant, _ in record_map.constants_at(node.id):
        elements[index] = constant
    return elements


class _WriterSource:
    """The source of one generated writer: straight-line code over the guide's nodes, the
    same walk as `to_segments_plain` done once. Element indexes and names bound in the
    namespace go into the source; constants and field names are bound values."""

    def __init__(self, *, stream: bool = False) -> None:
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"T": trim, "F": _format, "list": list}
        self.count = 0
        self.stream = stream  # a generator: the set's own segments are yielded, not listed

    def put(self, out: str, value: str, *, many: bool = False) -> str:
        """The statement that adds `value` (a segment, or with `many` a list) to `out`."""
        if self.stream and out == "out":
            return f"yield from {value}" if many else f"yield {value}"
        return f"{out}.extend({value})" if many else f"{out}.append({value})"

    def name(self, prefix: str, value: Any = None) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        if value is not None:
            self.namespace[name] = value
        return name

    def child(
        self, child: SegmentNode | LoopNode, record_map: RecordMap, rec: str, out: str, depth: int
    ) -> None:
        group = record_map.groups.get(child.id)
        if group is None:
            self.node(child, record_map, rec, out, depth, always=False)
            return
        item = self.name("r")
        self.lines.append(
            "    " * depth + f"for {item} in getattr({rec}, {self.name('N', group[0])}):"
        )
        self.node(child, group[1], item, out, depth + 1, always=True)

    def node(
        self,
        node: SegmentNode | LoopNode,
        record_map: RecordMap,
        rec: str,
        out: str,
        depth: int,
        *,
        always: bool,
    ) -> None:
        pad = "    " * depth
        if isinstance(node, SegmentNode):
            seg = self.segment(node, record_map, rec, depth)
            self.lines.append(pad + f"if {seg} is not None: {self.put(out, seg)}")
            if always:
                fixed = self.name("X", trim(_fixed(node, record_map)))
                self.lines.append(pad + f"else: {self.put(out, f'list({fixed})')}")
            return
        trigger = self.segment(node.trigger, record_map, rec, depth)
        rest = self.name("o")
        self.lines.append(pad + f"{rest} = []")
        for inner in node.children[1:]:
            self.child(inner, record_map, rec, rest, depth)
        fixed = self.name("X", trim(_fixed(node.trigger, record_map)))
        test = "True" if always else f"{trigger} is not None or {rest}"
        first = f"{trigger} if {trigger} is not None else list({fixed})"
        self.lines += [
            pad + f"if {test}:",
            pad + f"    {self.put(out, first)}",
            pad + f"    {self.put(out, rest, many=True)}",
        ]

    def segment(self, node: SegmentNode, record_map: RecordMap, rec: str, depth: int) -> str:
        """Code that leaves the segment (or None) in a variable; the variable's name."""
        pad = "    " * depth
        fields, base, optional = _write_spec(node, record_map)
        seg = self.name("e")
        self.lines.append(pad + f"{seg} = None")
        # elements after the last that can hold a value are always trimmed: never made
        used = [i for i, v in enumerate(base) if v] + [i for _, _, at in fields for i in at]
        fixed = self.name("B", base[: max(used) + 1])
        for field_name, is_list, places in fields:
            value = self.name("v")
            present = f"{value} is not None"
            if is_list:
                present += f" and {value} != ()"
            self.lines += [
                pad + f"{value} = getattr({rec}, {self.name('N', field_name)})",
                pad + f"if {present}:",
                pad + f"    if {seg} is None: {seg} = list({fixed})",
            ]
            if is_list:
                for position, index in enumerate(places):
                    self.lines.append(
                        pad + f"    if len({value}) > {position}: "
                        f"{seg}[{index}] = F({value}[{position}])"
                    )
            else:
                for index in places[:1]:  # a plain string as it is, anything else formatted
                    self.lines.append(
                        pad + f"    {seg}[{index}] = {value} if {value}.__class__ is str "
                        f"else F({value})"
                    )
        self.lines.append(pad + f"if {seg} is not None:")
        for index, needs in optional:
            self.lines.append(pad + f"    if not {seg}[{needs}]: {seg}[{index}] = ''")
        # trim: the list is the writer's own, so its trailing empty elements are popped
        self.lines.append(pad + f"    while len({seg}) > 1 and not {seg}[-1]: {seg}.pop()")
        return seg


def _compile_writer(mapping: SetMapping, *, stream: bool = False) -> Callable[[Any], Any]:
    """The record writer for `mapping`, generated once (see `ebt.codegen`): a function
    that returns the list of segments, or with `stream` a generator of them."""
    source = _WriterSource(stream=stream)
    for child in mapping.guide.root.children:
        if child.tag not in ("ST", "SE"):
            source.child(child, mapping.root, "R", "out", 0)
    if stream:
        body = [*source.lines, "return", "yield"]  # a generator even for an empty body
        return compile_function("stream", body, source.namespace, args="R")
    body = ["out = []", *source.lines, "return out"]
    return compile_function("write", body, source.namespace, args="R")


def iter_segments(record: Record, mapping: SetMapping) -> Iterator[list[str]]:
    """`to_segments`, one segment at a time: memory does not grow with a group's size (a 997
    answering a hundred thousand sets is never a list of all its segments)."""
    streamer = mapping.root.streamer
    if streamer is None:
        streamer = mapping.root.streamer = _compile_writer(mapping, stream=True)
    result: Iterator[list[str]] = streamer(record)
    return result
