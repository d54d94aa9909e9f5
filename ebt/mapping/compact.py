"""Frozen dataclass values (typed records, facts) as compact MessagePack: each dataclass as
an array of its fields in order, not a map of their names, so a Transaction814 of mostly empty
fields takes a few hundred bytes. msgspec checks every value against its field's type as it
decodes; the dataclasses are rebuilt from the arrays.

`Codec(cls)` encodes and decodes one type, nested dataclasses, tuples of them, optional
values, dates, decimals, string enums and frozensets included.
"""

from __future__ import annotations

import dataclasses
import operator
import types
import typing
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import msgspec

T = TypeVar("T")
Build = Callable[[Any], Any]


class Codec(Generic[T]):
    """Encode and decode values of one dataclass type."""

    def __init__(self, cls: type[T]):
        shape, self._build, self._flatten = _plan(cls)
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(shape)

    def encode(self, value: T) -> bytes:
        return self._encoder.encode(self._flatten(value))

    def decode(self, data: bytes) -> T:
        built: T = self._build(self._decoder.decode(data))
        return built


def _identity(value: Any) -> Any:
    return value


def _plan(annotation: Any) -> tuple[Any, Build, Build]:
    """For a type: the msgspec type of its flattened form, how to rebuild the value from
    it, and how to flatten a value."""
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return _dataclass_plan(annotation)
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in arguments if a is not type(None)]
        if len(inner) == 1 and len(arguments) == 2:
            shape, build, flatten = _plan(inner[0])
            if build is _identity:
                return annotation, _identity, _identity
            return (
                shape | None,
                lambda v: None if v is None else build(v),
                lambda v: None if v is None else flatten(v),
            )
        return annotation, _identity, _identity
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        shape, build, flatten = _plan(arguments[0])
        if build is _identity:
            return annotation, _identity, _identity
        return (
            tuple[shape, ...],  # type: ignore[valid-type]
            lambda v: tuple(build(x) for x in v),
            lambda v: tuple(flatten(x) for x in v),
        )
    return annotation, _identity, _identity


def _dataclass_plan(cls: type[Any]) -> tuple[Any, Build, Build]:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    plans = [_plan(hints[name]) for name in names]
    shape: Any = tuple.__class_getitem__(tuple(p[0] for p in plans))
    # only the fields that are themselves dataclasses (or hold some) need work
    builds = [(i, p[1]) for i, p in enumerate(plans) if p[1] is not _identity]
    flattens = [(i, p[2]) for i, p in enumerate(plans) if p[2] is not _identity]
    values_of = operator.attrgetter(*names)
    # a frozen dataclass's __init__ sets each field through object.__setattr__; its slots'
    # own setters are several times quicker (the values are checked already, by msgspec)
    slots = getattr(cls, "__slots__", ())
    setters = [vars(cls)[n].__set__ for n in names] if set(names) <= set(slots) else None
    new = object.__new__

    def build(values: Any) -> Any:
        if builds:
            values = list(values)
            for index, make in builds:
                values[index] = make(values[index])
        if setters is None:
            return cls(*values)
        made = new(cls)
        for set_field, value in zip(setters, values, strict=True):
            set_field(made, value)
        return made

    def flatten(value: Any) -> Any:
        got = values_of(value)
        values: list[Any] = [got] if len(names) == 1 else list(got)
        for index, flat in flattens:
            values[index] = flat(values[index])
        return values

    return shape, build, flatten
