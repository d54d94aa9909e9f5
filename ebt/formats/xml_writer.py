"""Write the XML form (transactions/xml/ebt-1.0.xsd), a piece at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ebt.formats.codec import fields_of, format_scalar
from ebt.formats.envelopes import iso_date
from ebt.formats.model import (
    Event,
    GroupClose,
    GroupOpen,
    InterchangeClose,
    InterchangeOpen,
    Message,
)
from ebt.formats.xml_reader import ELEMENT_OF_SET, NAMESPACE, VERSION

HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<ebt xmlns="{NAMESPACE}" version="{VERSION}">\n'
TAIL = "</ebt>\n"


def write_xml(events: Iterable[Event]) -> Iterator[str]:
    """The XML text of translated events."""
    yield HEAD
    for event in events:
        if isinstance(event, InterchangeOpen):
            h = event.header
            attributes = {
                "control": h.control,
                "sender_qualifier": h.sender_qualifier,
                "sender": h.sender,
                "receiver_qualifier": h.receiver_qualifier,
                "receiver": h.receiver,
                "date": iso_date(h.date),
                "time": h.time,
                "usage": h.usage,
                "ack_requested": h.ack_requested,
                "authorization_qualifier": h.authorization_qualifier,
                "authorization": h.authorization,
                "security_qualifier": h.security_qualifier,
                "security": h.security,
            }
            yield f"  <interchange{_attributes(attributes)}>\n"
        elif isinstance(event, GroupOpen):
            g = event.header
            attributes = {
                "functional_id": g.functional_id,
                "sender": g.sender,
                "receiver": g.receiver,
                "date": iso_date(g.date),
                "time": g.time,
                "control": g.control,
                "agency": g.agency,
                "version": g.version,
            }
            yield f"    <group{_attributes(attributes)}>\n"
        elif isinstance(event, Message) and event.record is not None:
            yield "".join(_record(ELEMENT_OF_SET[event.set_id], event.record, event.control))
        elif isinstance(event, GroupClose):
            yield "    </group>\n"
        elif isinstance(event, InterchangeClose):
            yield "  </interchange>\n"
    yield TAIL


def _attributes(values: dict[str, str]) -> str:
    return "".join(f" {name}={quoteattr(value)}" for name, value in values.items())


def _record(name: str, record: Any, control: str) -> Iterator[str]:
    pad = "      "
    yield f'{pad}<{name} control={quoteattr(control)} kind="{record.kind.value}">\n'
    yield from _fields(record, pad + "  ")
    yield f"{pad}</{name}>\n"


def _fields(record: Any, pad: str) -> Iterator[str]:
    record_type: type = type(record)
    for spec in fields_of(record_type):
        value = getattr(record, spec.name)
        if spec.name == "kind" or value is None or value == ():
            continue
        if spec.scalar == "records":
            assert spec.item is not None
            child = _snake(spec.item.__name__)
            yield f"{pad}<{spec.name}>\n"
            for item in value:
                yield f"{pad}  <{child}>\n"
                yield from _fields(item, pad + "    ")
                yield f"{pad}  </{child}>\n"
            yield f"{pad}</{spec.name}>\n"
        elif spec.scalar == "strings":
            codes = "".join(f"<code>{escape(code)}</code>" for code in value)
            yield f"{pad}<{spec.name}>{codes}</{spec.name}>\n"
        else:
            text = escape(format_scalar(value, iso_dates=True))
            yield f"{pad}<{spec.name}>{text}</{spec.name}>\n"


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))
