"""Read the XML form: hardened lxml, streamed, each part checked against the XSD.

lxml parses with entity resolution, DTD loading and network access off and libxml2's size
limits on (`huge_tree` off: a text node over 10 MB or nesting over 256 deep stops the
parse); a document with a DOCTYPE is refused outright. Elements are handled as they close
and then cleared, so memory holds one transaction. libxml2 has no knob for the size of a
part, so the reader counts bytes: more than `ReadLimits.xml_part` read between two parts it
handles (a transaction, an interchange or group start tag) stops the read with XML-LIMIT.
Each interchange and group header and each transaction is validated against
`transactions/xml/ebt-1.0.xsd`: first by libxml2's validator (in C, microseconds a
transaction), and when it refuses, by xmlschema, whose errors become XML-SCHEMA findings
naming the element and its line (decision 0006). A refused part is first counted (elements,
attributes on each; over `ReadLimits` it is XML-LIMIT and xmlschema never sees it), and at
most `MAX_SCHEMA_ERRORS` of xmlschema's errors are taken: each of its errors costs time in
proportion to the element's attributes, so 1,000 attributes once cost a million steps.
"""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import cache
from itertools import islice
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
from ebt.syntax.envelope import MAX_STRAY_FINDINGS
from ebt.syntax.limits import ReadLimits

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
ROOT_TAG, INTERCHANGE, GROUP = NS + "ebt", NS + "interchange", NS + "group"
TRANSACTION_TAGS = frozenset(NS + name for name in RECORD_ELEMENTS)
LISTENED = [ROOT_TAG, INTERCHANGE, GROUP, *sorted(TRANSACTION_TAGS)]
BUDGET = 1 << 20  # bytes read before the first <ebt>, <interchange>, <group> or transaction
LIMIT_WORDS = ("huge", "excessive depth", "too large", "xmlsax2characters", "exceeded")
MAX_SCHEMA_ERRORS = 20  # xmlschema's errors taken for one part; the rest are counted as one
LIBXML2_ELEMENT = re.compile(r"Element '([^']{1,200})'")  # how libxml2's messages start
LONG_QUOTE = re.compile(r"('[^']{40})[^']{20,}'")  # a value quoted in a message, over 60
MAX_REASON = 400  # characters of a schema error's reason kept in a finding
PRECOUNTED_BYTES = 64 * 1024  # a transaction this big is counted before it is validated
MAX_EXPLAINED = 1_000  # elements in a refused part that xmlschema explains; libxml2 beyond
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


def schema_errors(element: Any, *, explain: bool = True) -> list[Any]:
    """The errors of an element that libxml2 refused (none when it accepts): xmlschema's,
    at most `MAX_SCHEMA_ERRORS` and then one saying more were left out; libxml2's own
    messages when not `explain` (xmlschema spends time in proportion to the square of an
    element's children) or when xmlschema finds nothing to say."""
    if gate().validate(element):
        return []
    found: list[Any] = []
    if explain:
        found = list(islice(schema().iter_errors(element), MAX_SCHEMA_ERRORS + 1))
    if len(found) > MAX_SCHEMA_ERRORS:
        found[-1] = _Libxml2Error(
            f"more errors in this part were not listed (the first {MAX_SCHEMA_ERRORS} are)",
            element,
        )
    log = islice(gate().error_log, MAX_SCHEMA_ERRORS)  # type: ignore[call-overload]
    return found or [_Libxml2Error(entry.message, line=entry.line) for entry in log]


class _Libxml2Error:
    """A libxml2 validation message in the shape of an xmlschema error."""

    def __init__(self, message: str, element: Any = None, *, line: int | None = None):
        self.reason = message
        self.message = message
        self.elem = element
        self.line = line


def local(tag: object) -> str:
    text = str(tag)
    return text[len(NS) :] if text.startswith(NS) else text


class XmlReader:
    """Events from one XML file."""

    def __init__(self, source: BinaryIO, *, name: str = "", limits: ReadLimits | None = None):
        self.source = source
        self.name = name
        self.limits = limits or ReadLimits()
        self._budget: _Budget | None = None
        self.interchange = ""
        self.group = ""
        self.interchanges = 0

    def events(self) -> Iterator[Event]:
        budget = self._budget = _Budget(self.source, self.limits.xml_part, self.name)
        parse = etree.iterparse(
            budget,
            events=("start", "end"),
            tag=LISTENED,  # fields are read from their transaction, not one event each
            resolve_entities=False,
            load_dtd=False,
            no_network=True,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        try:
            for action, element in parse:
                if budget.armed:
                    budget.armed = False
                    self._root(element.getroottree().getroot())
                budget.handled(action, element)
                if action == "start":
                    yield from self._start(element)
                else:
                    yield from self._end(element)
            if budget.armed:  # no ebt element at all
                self._root(parse.root)
        except etree.XMLSyntaxError as error:
            yield Problems([self._syntax(error)])
        except _RefusedError as refused:
            found = refused.finding
            if self.interchange and found.location.interchange is None:
                found = found.at(interchange=self.interchange, group=self.group or None)
            yield Problems([found])

    # -- start tags ------------------------------------------------------------------------

    def _start(self, element: Any) -> Iterator[Event]:
        tag = element.tag
        if tag == INTERCHANGE and _parent_is(element, ROOT_TAG, top=True):
            yield self._interchange(element)
        elif (
            tag == GROUP
            and _parent_is(element, INTERCHANGE)
            and _parent_is(element.getparent(), ROOT_TAG, top=True)
        ):
            yield self._group(element)

    def _root(self, element: Any) -> None:
        if element is None:
            raise _RefusedError(
                finding(
                    "XML-ROOT",
                    f"No <ebt> element starts in the first {BUDGET >> 10} KiB of the file.",
                    self._where(None, "<ebt>"),
                )
            )
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
        if element.tag != ROOT_TAG or element.get("version") != VERSION:
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
        where = self._where(place.line, place.what)
        over = self._over_limits(element, where, children=False)
        if isinstance(over, Finding):
            return [over]
        alone = etree.Element(element.tag)
        alone.sourceline = element.sourceline
        unnamed = []
        for key, value in element.attrib.items():
            try:
                alone.set(key, value)
            except ValueError:  # a name lxml will not set, e.g. with an undeclared prefix
                unnamed.append(key)
        found = [
            finding(
                "XML-ENVELOPE",
                f"{place}: the attribute {key[:60]!r} is not a name the schema has.",
                where,
            )
            for key in unnamed
        ]
        return found + [
            finding("XML-ENVELOPE", f"{place}: {_reason(error)}", where)
            for error in schema_errors(alone)
        ]

    # -- end tags ----------------------------------------------------------------------------

    def _end(self, element: Any) -> Iterator[Event]:
        tag = element.tag
        if tag in TRANSACTION_TAGS:
            if _parent_is(element, GROUP):  # elsewhere, its own parent's check says so
                yield from self._strays(element, TRANSACTION_TAGS, "a transaction", "<group>")
                yield self._message(element, local(tag))
                _release(element)
        elif tag == GROUP and _parent_is(element, INTERCHANGE):
            yield from self._strays(element, frozenset({GROUP}), "a <group>", "<interchange>")
            yield from self._strays_within(element, TRANSACTION_TAGS, "a transaction", "<group>")
            yield GroupClose(Place(element.sourceline, "</group>"))
            _release(element)
        elif tag == INTERCHANGE and _parent_is(element, ROOT_TAG, top=True):
            yield from self._strays(element, frozenset({INTERCHANGE}), "an <interchange>", "<ebt>")
            yield from self._strays_within(
                element, frozenset({GROUP}), "a <group>", "<interchange>"
            )
            yield InterchangeClose(Place(element.sourceline, "</interchange>"))
            _release(element)
        elif tag == ROOT_TAG and element.getparent() is None:
            yield from self._strays_within(
                element, frozenset({INTERCHANGE}), "an <interchange>", "<ebt>"
            )
            if not self.interchanges:
                message = "<ebt> holds no <interchange>: there is nothing to read."
                where = self._where(element.sourceline, "<ebt>")
                yield Problems([finding("XML-SCHEMA", message, where)])

    def _strays(
        self, element: Any, allowed: frozenset[str], expected: str, parent: str
    ) -> Iterator[Problems]:
        """Siblings before `element` that do not belong in its parent (handled ones are gone),
        the first hundred named."""
        first: deque[Any] = deque(maxlen=MAX_STRAY_FINDINGS)  # walked last to first
        count = 0
        sibling = element.getprevious()
        while sibling is not None:
            if sibling.tag not in allowed:
                first.append(sibling)
                count += 1
            sibling = sibling.getprevious()
        if count:
            yield self._stray_problems(reversed(first), count, expected, parent)

    def _stray_problems(
        self, first: Iterable[Any], count: int, expected: str, parent: str
    ) -> Problems:
        found = [self._misplaced(stray, expected, parent) for stray in first]
        if count > len(found):
            more = count - len(found)
            where = found[-1].location
            found.append(
                finding(
                    "XML-SCHEMA",
                    f"{more:,} more element{'' if more == 1 else 's'} not allowed in {parent} "
                    f"were skipped; only the first {len(found)} are named.",
                    where,
                )
            )
        return Problems(found)

    def _strays_within(
        self, element: Any, allowed: frozenset[str], expected: str, parent: str
    ) -> Iterator[Problems]:
        """Children of a closing envelope that do not belong in it (after its last part)."""
        strays = (child for child in element if child.tag not in allowed)
        first = list(islice(strays, MAX_STRAY_FINDINGS))
        if first:
            count = len(first) + sum(1 for _ in strays)
            yield self._stray_problems(first, count, expected, parent)

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
        errors = [self._schema_finding(error, where) for error in self._refusals(element, where)]
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

    def _refusals(self, element: Any, where: Location) -> list[Any]:
        """What is wrong with a transaction: nothing when libxml2's validator accepts it;
        an XML-LIMIT finding when it is over a limit; else the schema's errors. A big part is
        counted first: libxml2 logs an error per stray attribute or child, a Python object
        each (100,000 attributes, 120 MB)."""
        big = self._budget is not None and self._budget.since > PRECOUNTED_BYTES
        over = self._over_limits(element, where, children=True) if big else None
        if isinstance(over, Finding):
            return [over]
        if gate().validate(element):
            return []
        if over is None:
            over = self._over_limits(element, where, children=True)
        if isinstance(over, Finding):
            return [over]
        return schema_errors(element, explain=over <= MAX_EXPLAINED)

    def _over_limits(self, element: Any, where: Location, *, children: bool) -> Finding | int:
        """XML-LIMIT when the part has more elements or an element more attributes than the
        limits allow (libxml2 has no knob for either); else how many elements it has."""
        limits = self.limits
        nodes = element.iter(etree.Element) if children else (element,)
        count = 0
        for count, node in enumerate(nodes, start=1):
            if count > limits.xml_elements:
                return finding(
                    "XML-LIMIT",
                    f"<{local(element.tag)}> at line {element.sourceline} holds more than "
                    f"{limits.xml_elements:,} elements; it was not read.",
                    where,
                )
            if len(node.attrib) > limits.xml_attributes:
                return finding(
                    "XML-LIMIT",
                    f"<{_shown(node.tag)}> at line {node.sourceline} has "
                    f"{len(node.attrib):,} attributes; an element may have at most "
                    f"{limits.xml_attributes}, so <{local(element.tag)}> was not read.",
                    replace(
                        where,
                        line=node.sourceline,
                        origin=f"<{local(node.tag)}> line {node.sourceline}",
                    ),
                )
        return count

    def _schema_finding(self, error: Any, where: Location) -> Finding:
        if isinstance(error, Finding):
            return error
        element = error.elem
        line = element.sourceline if element is not None else getattr(error, "line", where.line)
        shown = f"<{local(element.tag)}>" if element is not None else where.origin or ""
        named = LIBXML2_ELEMENT.match(str(error.reason or ""))
        if element is None and named:
            shown = f"<{local(named.group(1))}>"
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
        if self._budget is not None and self._budget.doctype:
            # whatever libxml2 stopped at (an entity's expansion, a limit), a DOCTYPE was
            # declared: refused as such (libxml2 2.14's amplification guard words it as a limit)
            code = "XML-DTD"
        elif any(word in lower for word in LIMIT_WORDS):
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


def _parent_is(element: Any, tag: str, *, top: bool = False) -> bool:
    """`element`'s parent has `tag` (and, with `top`, is the document's root)."""
    parent = element.getparent()
    return parent is not None and parent.tag == tag and (not top or parent.getparent() is None)


class _Budget(io.RawIOBase):
    """The source, refused once `BUDGET` bytes are read while `armed` (before the parse has
    seen any element it listens for), so a document of other elements cannot grow a tree;
    and once more than `part` bytes are read after the last part the reader handled, so
    that no part (nor what stands between parts) can grow a tree past that size."""

    def __init__(self, source: BinaryIO, part: int, name: str):
        self.source = source
        self.part = part
        self.name = name
        self.armed = True
        self.read_so_far = 0
        self.mark = 0  # bytes read when the last part was handled
        self.since = 0  # bytes read between the two last parts handled (a transaction's size)
        self.last = "the start of the file"
        self.doctype = False  # a DOCTYPE was seen before the first ebt element
        self.tail = b""

    def readable(self) -> bool:
        return True

    def handled(self, action: str, element: Any) -> None:
        self.since, self.mark = self.read_so_far - self.mark, self.read_so_far
        what = local(element.tag) if action == "start" else "/" + local(element.tag)
        self.last = f"<{what}> at line {element.sourceline}"

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        self.read_so_far += len(data)
        if self.armed and not self.doctype:
            self.doctype = b"<!DOCTYPE" in self.tail + data
            self.tail = data[-8:]
        if self.armed and self.read_so_far > BUDGET:
            raise _RefusedError(
                finding(
                    "XML-ROOT",
                    f"No <ebt> element starts in the first {BUDGET >> 10} KiB of the file.",
                    Location(origin="the start of the file"),
                )
            )
        if self.read_so_far - self.mark > self.part:
            raise _RefusedError(
                finding(
                    "XML-LIMIT",
                    f"More than {self.part:,} bytes follow {self.last} before a transaction, "
                    "group or interchange closes or opens: a part may be at most that "
                    "size, so the file was not read past this point.",
                    Location(self.name, origin=self.last),
                )
            )
        buffer[: len(data)] = data
        return len(data)


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
    """The error's reason, namespace off, a long quoted value shortened to its start."""
    reason = str(error.reason or error.message).replace(NS, "")
    reason = LONG_QUOTE.sub(
        lambda m: f"{m.group(1)}...' ({len(m.group(0)) - 2:,} characters)", reason
    )
    return reason[:MAX_REASON].rstrip(".") + "."
