"""The EDIFACT mappings (`mappings/edifact/`): which segment, element and component holds
each record field. Loaded once and checked against the record classes: a field, group or
record that does not exist is a `MappingError`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ebt.formats.codec import FieldSpec, fields_of, record_named
from ebt.mapping.mapper import MappingError
from ebt.resources import data_path

FOLDER = ("mappings", "edifact")


@dataclass(frozen=True, slots=True)
class At:
    """A place in a segment: element (1 = first after the tag) and component (0 = first)."""

    element: int
    component: int

    def __str__(self) -> str:
        return f"{self.element}:{self.component + 1}"


@dataclass(slots=True)
class SegmentMap:
    """One segment of a message: its tag and qualifier, the fields it carries, and for a
    group, the record field it repeats into and the groups nested under it."""

    tag: str
    qualifier: str | None
    record: type
    fields: dict[str, tuple[At, FieldSpec]] = field(default_factory=dict)
    constants: dict[At, str] = field(default_factory=dict)
    group: str | None = None  # the tuple field of the parent record
    children: list[SegmentMap] = field(default_factory=list)
    parent: SegmentMap | None = None

    @property
    def label(self) -> str:
        return f"{self.tag}+{self.qualifier}" if self.qualifier else self.tag


@dataclass(slots=True)
class MessageMap:
    set_id: str
    record: type
    message: tuple[str, str, str, str, str]  # type, version, release, agency, association
    segments: list[SegmentMap]
    by_key: dict[tuple[str, str | None], SegmentMap]


def _at(text: str, source: str) -> At:
    element, _, component = text.partition(".")
    if not (element.isdigit() and component.isdigit() and int(element) >= 1):
        raise MappingError(f"{source}: {text!r} is not 'element.component'")
    return At(int(element), int(component))


def _segment(raw: dict[str, Any], record: type, source: str) -> SegmentMap:
    group = raw.get("group")
    specs = {spec.name: spec for spec in fields_of(record)}
    inner = record
    if group is not None:
        spec = specs.get(group)
        if spec is None or spec.item is None:
            raise MappingError(f"{source}: {record.__name__} has no group field {group!r}")
        inner = spec.item
    inner_specs = {spec.name: spec for spec in fields_of(inner)}
    out = SegmentMap(raw["tag"], raw.get("qualifier"), inner, group=group)
    for name, at in raw.get("fields", {}).items():
        if name not in inner_specs:
            raise MappingError(f"{source}: {inner.__name__} has no field {name!r}")
        out.fields[name] = (_at(at, source), inner_specs[name])
    for at, value in raw.get("constants", {}).items():
        out.constants[_at(at, source)] = value
    for child in raw.get("segments", []):
        nested = _segment(child, inner, source)
        nested.parent = out
        out.children.append(nested)
    return out


def load_message_map(path: Path) -> MessageMap:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        record = record_named(raw["record"])
        segments = [_segment(s, record, str(path)) for s in raw["segments"]]
        m = raw["message"]
        header = (m["type"], m["version"], m["release"], m["agency"], m["association"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        if isinstance(error, MappingError):
            raise
        raise MappingError(f"{path}: {error!r}") from error
    by_key: dict[tuple[str, str | None], SegmentMap] = {}
    _index(segments, by_key, str(path))
    mapped = {name for s in segments if s.group is None for name in s.fields}
    mapped |= {s.group for s in segments if s.group}
    missing = [s.name for s in fields_of(record) if s.required and s.name != "kind"]
    if unmapped := [name for name in missing if name not in mapped]:
        raise MappingError(f"{path}: required fields {unmapped} are not mapped")
    return MessageMap(str(raw["set"]), record, header, segments, by_key)


def _index(
    segments: list[SegmentMap], into: dict[tuple[str, str | None], SegmentMap], source: str
) -> None:
    for s in segments:
        key = (s.tag, s.qualifier)
        if key in into:
            raise MappingError(f"{source}: segment {s.label} is mapped twice")
        into[key] = s
        _index(s.children, into, source)


@cache
def message_maps() -> dict[str, MessageMap]:
    """Every message mapping, by set id."""
    folder = data_path(FOLDER[0]) / FOLDER[1]
    maps = [load_message_map(p) for p in sorted(folder.glob("*-*.json"))]
    return {m.set_id: m for m in maps}


@cache
def envelope_map() -> dict[str, Any]:
    path = data_path(FOLDER[0]) / FOLDER[1] / "envelope.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def map_of_message(kind: str, association: str) -> MessageMap | None:
    """The mapping for a UNH02 message type and association code."""
    for m in message_maps().values():
        if m.message[0] == kind and m.message[4] == association:
            return m
    return None
