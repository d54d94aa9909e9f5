"""Read one EDIFACT message body through its mapping (`mappings/edifact/`) into a record.

Each segment is found by its tag and qualifier; a group segment starts a new item of its
record field (nested groups attach to the last item of their parent). A required text field
that is absent is read as empty, so that the X12 guide says what is missing, and where.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ebt.findings import Finding, Location, finding
from ebt.formats.codec import fields_of, parse_scalar
from ebt.formats.edifact_map import MessageMap, SegmentMap
from ebt.formats.model import Place
from ebt.mapping.records import Kind

Raw = list[Any]  # [tag, element, ...]; an element is a str or a list of components


def get(raw: Raw, element: int, component: int = 0) -> str:
    if element >= len(raw):
        return ""
    value = raw[element]
    if isinstance(value, list):
        return str(value[component]) if component < len(value) else ""
    return str(value) if component == 0 else ""


def components(raw: Raw, element: int) -> tuple[str, ...]:
    if element >= len(raw):
        return ()
    value = raw[element]
    values = value if isinstance(value, list) else [value]
    return tuple(str(v) for v in values if v)


def label(raw: Raw) -> str:
    qualifier = get(raw, 1)
    return f"{raw[0]}+{qualifier}" if qualifier and raw[0] not in ("UNH", "UNT") else str(raw[0])


def read_body(
    mapping: MessageMap, body: list[tuple[int, Raw]], decimal: str, at_unh: Location
) -> tuple[Any, dict[str, Place], list[Finding]]:
    """The record a message's body says, where each field came from, and what could not be
    read. A required text field that is absent is read as empty, so that the X12 guide says
    what is missing, where."""
    values: dict[str, Any] = {}
    fields: dict[str, Place] = {}
    problems: list[Finding] = []
    items: dict[int, tuple[dict[str, Any], str]] = {}  # id(SegmentMap) -> the last item
    for line, raw in body:
        tag = str(raw[0])
        segment_map = mapping.by_key.get((tag, get(raw, 1))) or mapping.by_key.get((tag, None))
        place = Place(line, label(raw))
        if segment_map is None:
            problems.append(
                finding(
                    "EDIFACT-SEGMENT",
                    f"{label(raw)} (segment {line}) is not part of a {mapping.message[0]} message "
                    "in this mapping.",
                    _on(at_unh, place, tag),
                )
            )
            continue
        target, prefix = _target(segment_map, values, items)
        if target is None:
            problems.append(
                finding(
                    "EDIFACT-SEGMENT",
                    f"{label(raw)} (segment {line}) must follow the segment it belongs to "
                    f"({_parent_label(segment_map)}).",
                    _on(at_unh, place, tag),
                )
            )
            continue
        if segment_map.group is not None:
            items[id(segment_map)] = (target, prefix)
        for name, (at, spec) in segment_map.fields.items():
            if spec.scalar == "strings":  # a list of codes: the element's components
                codes = components(raw, at.element)
                if codes:
                    target[name] = codes
                    fields[prefix + name] = Place(line, f"{label(raw)} element {at}")
                continue
            text = get(raw, at.element, at.component)
            if not text:
                continue
            path = prefix + name
            fields[path] = Place(line, f"{label(raw)} element {at}")
            if spec.scalar == "decimal":
                text = text.replace(decimal, ".") if decimal != "." else text
            try:
                target[name] = parse_scalar(spec.scalar, text, iso_dates=False)
            except ValueError as error:
                problems.append(
                    finding(
                        "EDIFACT-VALUE",
                        f"{label(raw)} element {at} ({name}): {error}.",
                        _on(at_unh, fields[path], tag),
                        value=text[:35],
                    )
                )
    return _build(mapping, values, problems, at_unh), fields, problems


def _target(
    segment_map: SegmentMap,
    values: dict[str, Any],
    items: dict[int, tuple[dict[str, Any], str]],
) -> tuple[dict[str, Any] | None, str]:
    """The dict a segment's fields go into (a new item for a group) and its field path."""
    if segment_map.group is None:
        return values, ""
    if segment_map.parent is None:
        parent, prefix = values, ""
    else:
        last = items.get(id(segment_map.parent))
        if last is None:
            return None, ""
        parent, prefix = last
    bucket = parent.setdefault(segment_map.group, [])
    item: dict[str, Any] = {}
    path = f"{prefix}{segment_map.group}[{len(bucket)}]."
    bucket.append(item)
    return item, path


def _parent_label(segment_map: SegmentMap) -> str:
    return segment_map.parent.label if segment_map.parent else segment_map.label


def _build(
    mapping: MessageMap, values: dict[str, Any], problems: list[Finding], at_unh: Location
) -> Any:
    if any(p.is_error for p in problems):
        return None
    try:
        return _construct(mapping.record, values)
    except (TypeError, ValueError) as error:
        problems.append(finding("EDIFACT-VALUE", f"The message cannot be read: {error}.", at_unh))
        return None


def _construct(record: type, values: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    for spec in fields_of(record):
        value = values.get(spec.name)
        if spec.scalar == "records" and value is not None:
            assert spec.item is not None
            kwargs[spec.name] = tuple(_construct(spec.item, item) for item in value)
        elif value is not None:
            kwargs[spec.name] = value
        elif spec.required and spec.scalar == "str":
            kwargs[spec.name] = ""
    if "kind" in {s.name for s in fields_of(record)}:
        kwargs["kind"] = _kind_of(record)
    return record(**kwargs)


def _kind_of(record: type) -> Any:
    return {
        "FunctionalAck": Kind.FUNCTIONAL_ACK,
        "ApplicationAdvice": Kind.APPLICATION_ADVICE,
    }.get(record.__name__, Kind.ENROLLMENT_REQUEST)  # the X12 checks tell the real kind


def _on(at_unh: Location, place: Place, tag: str) -> Location:
    return replace(at_unh, segment=tag, line=place.line, origin=str(place))
