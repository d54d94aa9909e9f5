"""Check an X12 file end to end: read, walk envelopes, validate each set, map it to a record.

This is the one pipeline that `ebt validate`, `ebt show`, `ebt ack` and (later) the sweeps
share. It yields events in file order and holds one transaction set at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import BinaryIO

from ebt.data.guides import default_guidebook
from ebt.data.mappings import mapping_for
from ebt.findings import Finding, Location, Severity, a_or_an, finding
from ebt.guides.conditions import SetView
from ebt.guides.elements import check_elements
from ebt.guides.loader import GuideBook
from ebt.guides.model import ElementRule, Guide
from ebt.guides.validator import CheckedSet, validate_set
from ebt.mapping.mapper import to_record
from ebt.mapping.records import Record
from ebt.syntax.envelope import (
    EnvelopeWalker,
    Group,
    GroupEnd,
    Interchange,
    InterchangeEnd,
    TransactionSet,
)
from ebt.syntax.limits import ReadLimits
from ebt.syntax.reader import SegmentReader
from ebt.syntax.writer import ISA_WIDTHS

ISA_ELEMENT_WIDTHS = sum(ISA_WIDTHS)


@dataclass(slots=True)
class SetResult:
    """One transaction set: its validation, its record (when it could be read) and findings."""

    transaction: TransactionSet
    checked: CheckedSet | None
    record: Record | None
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        return any(f.is_error for f in self.findings)


@dataclass(slots=True)
class InterchangeStart:
    interchange: Interchange
    findings: list[Finding]


@dataclass(slots=True)
class GroupStart:
    group: Group
    findings: list[Finding]


@dataclass(slots=True)
class FileFindings:
    """Problems with the file's bytes or with segments outside any envelope."""

    findings: list[Finding]


Event = InterchangeStart | GroupStart | SetResult | GroupEnd | InterchangeEnd | FileFindings


@lru_cache(maxsize=256)
def _group_date(value: str) -> date | None:
    """GS04 as a date, or None when it is not one (a finding says so)."""
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None


def _role_of(group: Group) -> Callable[[SetView], str | None]:
    senders = {group.sender.strip(), group.interchange.sender[1]}

    def role(view: SetView) -> str | None:
        if view.value("N1:8S", 4) in senders:
            return "T&D"
        if view.value("N1:SJ", 4) in senders:
            return "CES"
        return None

    return role


class FileChecker:
    """Check one file; iterate `events()`; `reader` and `walker` hold running totals."""

    def __init__(
        self,
        source: BinaryIO,
        *,
        name: str = "",
        book: GuideBook | None = None,
        records: bool = True,
        limits: ReadLimits | None = None,
    ):
        self.name = name
        self.book = book or default_guidebook()
        self.records = records
        self.limits = limits or ReadLimits()
        self.reader = SegmentReader(source, name=name, max_segment=self.limits.segment)
        self.walker = EnvelopeWalker(self.reader.separator_sets, name=name)
        self.transactions = 0
        self._reported = 0
        self._long_placed = 0  # reader.long_segments placed in a set or reported

    def events(self) -> Iterator[Event]:
        for event in self.walker.walk_batches(self.reader.batches()):
            yield from self._byte_findings()
            if isinstance(event, Interchange):
                yield InterchangeStart(event, self._check_isa(event))
            elif isinstance(event, Group):
                yield GroupStart(event, self._check_gs(event))
            elif isinstance(event, TransactionSet):
                self.transactions += 1
                if len(self.reader.long_segments) > self._long_placed:
                    yield from self._long_before(event.line)
                yield self._check_set(event)
            else:
                yield event
        yield from self._byte_findings()
        yield from self._long_before(None)
        if self.walker.findings:
            yield FileFindings(self.walker.findings)

    def _long_before(self, line: int | None) -> Iterator[FileFindings]:
        """Over-long segments before `line` (all, for None) that no set holds: the file's."""
        found = self.reader.long_segments
        start = end = self._long_placed
        while end < len(found) and (line is None or (found[end].location.line or 0) < line):
            end += 1
        if end > start:
            self._long_placed = end
            yield FileFindings(found[start:end])

    def _long_within(self, tx: TransactionSet) -> list[Finding]:
        """The over-long segments of a set, located in it (the set is rejected for them)."""
        found = self.reader.long_segments
        out = []
        last = tx.line + tx.segment_count - 1
        while self._long_placed < len(found):
            line = found[self._long_placed].location.line or 0
            if line > last:
                break
            out.append(
                found[self._long_placed].at(
                    interchange=tx.group.interchange.control,
                    group=tx.group.control,
                    transaction=tx.control,
                    position=line - tx.line + 1,
                )
            )
            self._long_placed += 1
        return out

    def _byte_findings(self) -> Iterator[FileFindings]:
        found = self.reader.findings
        if len(found) > self._reported:
            new = found[self._reported :]
            self._reported = len(found)
            yield FileFindings(new)

    def _envelope_findings(
        self,
        tag: str,
        segment: tuple[str, ...],
        where: Location,
        code: str,
        skip: frozenset[str] = frozenset(),
    ) -> list[Finding]:
        """Element checks of ISA or GS; errors become `code` (ISA-VALUE, GS-VALUE) except
        those whose element code is in `skip`."""
        rules = self.book.envelope.segments[tag]
        out: list[Finding] = []

        def at(rule: ElementRule | None) -> Location:
            return Location(
                where.file,
                where.interchange,
                where.group,
                None,
                tag,
                None,
                where.line,
                rule.ref if rule else None,
            )

        check_elements(rules, list(segment), at, out)
        out = [f for f in out if f.code not in skip]
        text = "*".join(segment)[:200]
        return [
            finding(
                code,
                f.message,
                f.location,
                text=text,
                value=f.value,
                element_position=f.element_position,
            )
            if f.is_error
            else f
            for f in out
        ]

    def _check_isa(self, interchange: Interchange) -> list[Finding]:
        where = Location(self.name, interchange=interchange.control, line=interchange.line)
        # when the ISA is not fixed width the reader has said so (ISA-WIDTH): not again per element
        fixed = sum(len(e) for e in interchange.isa[1:]) == ISA_ELEMENT_WIDTHS
        skip = frozenset() if fixed else frozenset({"ELEMENT-TOO-SHORT", "ELEMENT-TOO-LONG"})
        return self._envelope_findings("ISA", interchange.isa, where, "ISA-VALUE", skip)

    def _check_gs(self, group: Group) -> list[Finding]:
        where = Location(
            self.name, interchange=group.interchange.control, group=group.control, line=group.line
        )
        found = self._envelope_findings("GS", group.gs, where, "GS-VALUE")
        if group.version != "004010":
            found = [f for f in found if f.location.element != "GS08"]
            found.append(
                finding(
                    "GS-VERSION",
                    f"GS08 is {group.version!r}; this engine reads X12 004010 only.",
                    Location(
                        self.name,
                        group.interchange.control,
                        group.control,
                        None,
                        "GS",
                        None,
                        group.line,
                        "GS08",
                    ),
                    value=group.version,
                )
            )
        return found

    def _check_set(self, tx: TransactionSet) -> SetResult:
        guide = self.book.guide_for(tx.set_id, _group_date(tx.group.date))
        expected_group = self.book.functional_id(tx.set_id)
        problems = [f.at(file=self.name) for f in tx.findings] if tx.findings else []
        if len(self.reader.long_segments) > self._long_placed:
            problems.extend(self._long_within(tx))
        if guide is None or tx.group.functional_id != expected_group:
            return self._misplaced(tx, guide, expected_group, problems)
        if self.reader.findings and _has_non_ascii(tx.segments):
            problems.extend(_non_ascii_findings(tx, self.name))
        tx.findings = problems
        checked = validate_set(tx, guide, file=self.name, role_of=_role_of(tx.group))
        record = None
        if self.records and not checked.has_errors:
            record = to_record(checked, mapping_for(guide))
        return SetResult(tx, checked, record, checked.findings)

    def _misplaced(
        self,
        tx: TransactionSet,
        guide: Guide | None,
        expected_group: str | None,
        problems: list[Finding],
    ) -> SetResult:
        """A set with no guide, or in the wrong kind of group."""
        where = Location(
            self.name, tx.group.interchange.control, tx.group.control, tx.control, "ST", 1, tx.line
        )
        if expected_group is None or (guide is None and not self.book.guides.get(tx.set_id)):
            problems.append(
                finding(
                    "ST-UNSUPPORTED",
                    f"Transaction set {tx.set_id!r} is not one this engine "
                    "handles (814, 824, 997).",
                    _at(where, "ST01"),
                    value=tx.set_id,
                )
            )
            return SetResult(tx, None, None, problems)
        if guide is None:
            first = self.book.guides[tx.set_id][0]
            problems.append(
                finding(
                    "GUIDE-NOT-IN-FORCE",
                    f"No {tx.set_id} guide was in force on the group date "
                    f"{tx.group.date!r} (GS04); the earliest is {first.label}.",
                    where,
                )
            )
            return SetResult(tx, None, None, problems)
        if tx.group.functional_id != expected_group:
            problems.append(
                finding(
                    "ST-GROUP-MISMATCH",
                    f"{a_or_an(tx.set_id).capitalize()} belongs in a group with GS01 "
                    f"{expected_group!r}, but this group's GS01 is {tx.group.functional_id!r}.",
                    _at(where, "ST01"),
                    value=tx.set_id,
                )
            )
        if self.reader.findings and _has_non_ascii(tx.segments):
            problems.extend(_non_ascii_findings(tx, self.name))
        tx.findings = problems
        checked = validate_set(tx, guide, file=self.name, role_of=_role_of(tx.group))
        return SetResult(tx, checked, None, checked.findings)


def _has_non_ascii(segments: list[list[str]]) -> bool:
    return not all(element.isascii() for segment in segments for element in segment)


def _non_ascii_findings(tx: TransactionSet, file: str) -> list[Finding]:
    """Name the element holding each non-ASCII character, so that the 997 rejects the set."""
    out = []
    for position, segment in enumerate(tx.segments, start=1):
        for index, element in enumerate(segment[1:], start=1):
            if not element.isascii():
                ref = f"{segment[0][:3]}{index:02d}"
                out.append(
                    finding(
                        "ELEMENT-BAD-CHARACTER",
                        f"{ref} holds a non-ASCII character: {element!r}.",
                        Location(
                            file,
                            tx.group.interchange.control,
                            tx.group.control,
                            tx.control,
                            segment[0][:3],
                            position,
                            tx.line + position - 1,
                            ref,
                        ),
                        text="*".join(segment)[:200],
                        value=element,
                        element_position=index,
                    )
                )
    return out


def _at(where: Location, element: str) -> Location:
    return Location(
        where.file,
        where.interchange,
        where.group,
        where.transaction,
        where.segment,
        where.position,
        where.line,
        element,
    )


@dataclass(slots=True)
class FileReport:
    """The summary `ebt validate` prints for one file."""

    path: str
    syntax: str = "x12"
    interchanges: int = 0
    transactions: int = 0
    errors: int = 0
    warnings: int = 0
    findings: list[Finding] = field(default_factory=list)
    omitted: int = 0  # findings counted but not kept (past `limit`)
    limit: int = 1000

    def add(self, found: list[Finding]) -> None:
        for item in found:
            if item.severity is Severity.ERROR:
                self.errors += 1
            else:
                self.warnings += 1
            if len(self.findings) < self.limit:
                self.findings.append(item)
            else:
                self.omitted += 1


def findings_of(event: Event) -> list[Finding]:
    """The findings an event carries."""
    return list(event.findings)
