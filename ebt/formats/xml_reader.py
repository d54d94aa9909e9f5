"""Read the XML form: hardened lxml, streamed, each part checked against the XSD.

lxml parses with entity resolution, DTD loading and network access off and libxml2's size
limits on (`huge_tree` off: a text node over 10 MB or nesting over 256 deep stops the
parse); a document with a DOCTYPE is refused outright. Elements are handled as they close
and then cleared, so memory holds one transaction. Each interchange and group header and
each transaction is validated against `transactions/xml/ebt-1.0.xsd`: first by libxml2's
validator (in C, microseconds a transaction), and when it refuses, by xmlschema, whose
errors become XML-SCHEMA findings naming the element and its line (decision 0006).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any, BinaryIO

import xmlschema
from lxml import etree

from ebt.findings import Finding, Location, finding
from ebt.formats.codec import FieldSpec, fields_of, parse_scalar
from ebt.formats.envelopes import x12_date
from ebt.formats.model import (
    Event,
    GroupClose,
    GroupHeader,
    GroupOpen,
    InterchangeClose,
    InterchangeHeader,
    InterchangeOpen,
    Message,
    Place,
    Problems,
)
from ebt.mapping.records import ApplicationAdvice, FunctionalAck, Transaction814
from ebt.resources import data_path

NAMESPACE = "urn:ebt:transactions:1.0"
VERSION = "1.0"
SCHEMA_FILE = f"ebt-{VERSION}.xsd"
NS = "{" + NAMESPACE + "}"
RECORD_ELEMENTS: dict[str, tuple[str, type | None]] = {
    "transaction814": ("814", Transaction814),
    "application_advice": ("824", ApplicationAdvice),
    "functional_ack": ("997", FunctionalAck),
}
ELEMENT_OF_SET = {set_id: name for name, (set_id, _) in RECORD_ELEMENTS.items()}
LIMIT_WORDS = ("huge", "excessive depth", "too large", "xmlsax2characters", "exceeded")
DTD_WORDS = ("entity", "doctype", "dtd")


def schema_path() -> str:
    return str(data_path("transactions") / "xml" / SCHEMA_FILE)


@cache
def schema() -> xmlschema.XMLSchema:
    """The XSD for xmlschema, loaded once, from the package's data only (no network)."""
    return xmlschema.XMLSchema(schema_path(), allow="local", defuse="always")


@cache
def gate() -> etree.XMLSchema:
    """The same XSD for libxml2's validator: the fast yes/no before xmlschema explains."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(schema_path(), parser))


def schema_errors(element: Any) -> list[Any]:
    """xmlschema's errors for an element that libxml2 refused (none when it accepts);
    libxml2's own messages when xmlschema finds nothing to say."""
    if gate().validate(element):
        return []
    found = list(schema().iter_errors(element))
    return found or [_Libxml2Error(entry.message) for entry in gate().error_log]  # type: ignore[attr-defined]


class _Libxml2Error:
    """A libxml2 validation message in the shape of an xmlschema error."""

    def __init__(self, message: str):
        self.reason = message
        self.message = message
        self.elem = None


def local(tag: object) -> str:
    text = str(tag)
    return text[len(NS) :] if text.startswith(NS) else text


class XmlReader:
    """Events from one XML file."""

    def __init__(self, source: BinaryIO, *, name: str = ""):
        self.source = source
        self.name = name
        self.interchange = ""
        self.group = ""
        self.interchanges = 0

    def events(self) -> Iterator[Event]:
        parse = etree.iterparse(
            self.source,
            events=("start", "end"),
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        depth = 0
        try:
            for action, element in parse:
                if action == "start":
                    depth += 1
                    if depth < 4:  # the root and the envelopes; fields wait for their end
                        yield from self._start(element, depth)
                else:
                    if depth < 5:  # a transaction (whole), a group, an interchange
                        yield from self._end(element, depth)
                    depth -= 1
        except etree.XMLSyntaxError as error:
            yield Problems([self._syntax(error)])
        except _RefusedError as refused:
            yield Problems([refused.finding])

    # -- start tags ------------------------------------------------------------------------

    def _start(self, element: Any, depth: int) -> Iterator[Event]:
        if depth == 1:
            self._root(element)
        elif depth == 2 and local(element.tag) == "interchange":
            yield self._interchange(element)
        elif depth == 3 and local(element.tag) == "group":
            yield self._group(element)

    def _root(self, element: Any) -> None:
        doctype = element.getroottree().docinfo.doctype
        if doctype:
            raise _RefusedError(
                finding(
                    "XML-DTD",
                    f"The document declares a DOCTYPE ({doctype[:80]!r}); DTDs and entities "
                    "are refused, so nothing in it was read.",
                    self._where(element.sourceline, "<!DOCTYPE>"),
                )
            )
        if element.tag != NS + "ebt" or element.get("version") != VERSION:
            raise _RefusedError(
                finding(
                    "XML-ROOT",
                    f"The root element is <{_shown(element.tag)}> version "
                    f"{element.get('version')!r}; an ebt XML file is <ebt> in namespace "
                    f"{NAMESPACE} with version {VERSION!r}.",
                    self._where(element.sourceline, f"<{local(element.tag)}>"),
                )
            )

    def _interchange(self, element: Any) -> InterchangeOpen:
        a = element.attrib
        self.interchanges += 1
        self.interchange = a.get("control", "")
        place = Place(element.sourceline, "<interchange>")
        header = InterchangeHeader(
            sender_qualifier=a.get("sender_qualifier", ""),
            sender=a.get("sender", ""),
            receiver_qualifier=a.get("receiver_qualifier", ""),
            receiver=a.get("receiver", ""),
            date=x12_date(a.get("date", ""), width=6),
            time=a.get("time", ""),
            control=self.interchange,
            usage=a.get("usage", "P"),
            ack_requested=a.get("ack_requested", "0"),
            authorization_qualifier=a.get("authorization_qualifier", "00"),
            authorization=a.get("authorization", ""),
            security_qualifier=a.get("security_qualifier", "00"),
            security=a.get("security", ""),
        )
        return InterchangeOpen(header, place, self._header_errors(element, place))

    def _group(self, element: Any) -> GroupOpen:
        a = element.attrib
        self.group = a.get("control", "")
        place = Place(element.sourceline, "<group>")
        header = GroupHeader(
            functional_id=a.get("functional_id", ""),
            sender=a.get("sender", ""),
            receiver=a.get("receiver", ""),
            date=x12_date(a.get("date", ""), width=8),
            time=a.get("time", ""),
            control=self.group,
            agency=a.get("agency", "X"),
            version=a.get("version", "004010"),
        )
        return GroupOpen(header, place, self._header_errors(element, place))

    def _header_errors(self, element: Any, place: Place) -> list[Finding]:
        """The start tag alone (its attributes) against the schema."""
        alone = etree.Element(element.tag, dict(element.attrib))
        alone.sourceline = element.sourceline
        return [
            finding(
                "XML-ENVELOPE", f"{place}: {_reason(error)}", self._where(place.line, place.what)
            )
            for error in schema_errors(alone)
        ]

    # -- end tags ----------------------------------------------------------------------------

    def _end(self, element: Any, depth: int) -> Iterator[Event]:
        name = local(element.tag)
        if depth == 1 and not self.interchanges:
            message = "<ebt> holds no <interchange>: there is nothing to read."
            yield Problems(
                [finding("XML-SCHEMA", message, self._where(element.sourceline, "<ebt>"))]
            )
        elif depth == 4:
            yield self._message(element, name)
            _release(element)
        elif depth == 3:
            if name == "group":
                yield GroupClose(Place(element.sourceline, "</group>"))
            else:
                yield Problems([self._misplaced(element, "a <group>", "<interchange>")])
            _release(element)
        elif depth == 2:
            if name == "interchange":
                yield InterchangeClose(Place(element.sourceline, "</interchange>"))
            else:
                yield Problems([self._misplaced(element, "an <interchange>", "<ebt>")])
            _release(element)

    def _misplaced(self, element: Any, expected: str, parent: str) -> Finding:
        return finding(
            "XML-SCHEMA",
            f"<{_shown(element.tag)}> at line {element.sourceline} is not allowed in "
            f"{parent}: expected {expected}; it was skipped.",
            self._where(element.sourceline, f"<{local(element.tag)}>"),
        )

    def _message(self, element: Any, name: str) -> Message:
        place = Place(element.sourceline, f"<{name}>")
        control = element.get("control", "")
        set_id, record_type = RECORD_ELEMENTS.get(name, ("", None))
        where = self._where(place.line, place.what, transaction=control)
        if record_type is None:
            found = self._misplaced(
                element, "<transaction814>, <application_advice> or <functional_ack>", "<group>"
            )
            return Message("", control, None, place, [found])
        errors = [self._schema_finding(error, where) for error in schema_errors(element)]
        if errors:
            return Message(set_id, control, None, place, errors)
        fields: dict[str, Place] = {}
        kind = element.get("kind") or (
            "functional_ack"
            if set_id == "997"
            else "application_advice"
            if set_id == "824"
            else "enrollment_request"
        )
        try:
            values = _decode(element, record_type, "", fields)
            record = record_type(kind=parse_scalar("kind", kind, iso_dates=True), **values)
        except ValueError as error:  # a value the schema allows that the record does not
            found = finding("XML-SCHEMA", f"{place}: {error}.", where)
            return Message(set_id, control, None, place, [found])
        return Message(set_id, control, record, place, [], fields)

    def _schema_finding(self, error: Any, where: Location) -> Finding:
        element = error.elem
        line = element.sourceline if element is not None else where.line
        shown = f"<{local(element.tag)}>" if element is not None else where.origin or ""
        position = re.search(r"at position (\d+)", str(error.reason or ""))
        if element is not None and position and len(element) >= int(position.group(1)):
            child = element[int(position.group(1)) - 1]
            line, shown = child.sourceline, f"<{local(child.tag)}>"
        return finding(
            "XML-SCHEMA",
            f"{shown} at line {line}: {_reason(error)}",
            Location(
                self.name,
                self.interchange or None,
                self.group or None,
                where.transaction,
                line=line,
                origin=f"{shown} line {line}",
            ),
        )

    def _where(self, line: int | None, what: str, *, transaction: str | None = None) -> Location:
        return Location(
            self.name,
            self.interchange or None,
            self.group or None,
            transaction,
            line=line,
            origin=f"{what} line {line}",
        )

    def _syntax(self, error: etree.XMLSyntaxError) -> Finding:
        text = str(error.msg or error)
        lower = text.lower()
        line = error.lineno or None
        code = "XML-MALFORMED"
        if any(word in lower for word in LIMIT_WORDS):
            code = "XML-LIMIT"
        elif any(word in lower for word in DTD_WORDS):
            code = "XML-DTD"
        return finding(
            code,
            f"The XML could not be read past line {line}: {text.rstrip('.')}.",
            Location(
                self.name,
                self.interchange or None,
                self.group or None,
                line=line,
                origin=f"line {line}",
            ),
        )


class _RefusedError(Exception):
    """The document is refused at its root; the finding says why."""

    def __init__(self, found: Finding):
        super().__init__(found.message)
        self.finding = found


def _decode(
    element: Any, record_type: type, prefix: str, fields: dict[str, Place]
) -> dict[str, Any]:
    """A schema-valid element's children as record field values."""
    specs = _specs_by_tag(record_type)
    values: dict[str, Any] = {}
    for child in element:
        spec, shown = specs[child.tag]
        name = spec.name
        path = prefix + name if prefix else name
        fields[path] = Place(child.sourceline, shown)
        if spec.scalar == "str":
            values[name] = child.text or ""
        elif spec.scalar == "records":
            assert spec.item is not None
            values[name] = tuple(
                spec.item(**_decode(item, spec.item, f"{path}[{n}].", fields))
                for n, item in enumerate(child)
            )
        elif spec.scalar == "strings":
            values[name] = tuple(item.text or "" for item in child)
        else:
            values[name] = parse_scalar(spec.scalar, child.text or "", iso_dates=True)
    return values


@cache
def _specs_by_tag(record_type: type) -> dict[str, tuple[FieldSpec, str]]:
    """A record's fields by their namespaced XML tag, with the tag as shown in findings."""
    return {NS + spec.name: (spec, f"<{spec.name}>") for spec in fields_of(record_type)}


def _release(element: Any) -> None:
    """Forget an element once handled, and the siblings before it, so memory stays flat."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _shown(tag: object) -> str:
    text = str(tag)
    return local(text) if text.startswith(NS) else text.replace("{", "").replace("}", ":")


def _reason(error: Any) -> str:
    reason = str(error.reason or error.message).replace(NS, "")
    return reason.rstrip(".") + "."
