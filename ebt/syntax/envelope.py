"""Walk the envelopes of an X12 file: interchanges, functional groups, transaction sets.

The walk turns the reader's flat stream of segments into events, checking the envelope as
it goes: trailers present, control numbers matching (ISA13 = IEA02, GS06 = GE02,
ST02 = SE02), counts (SE01, GE01, IEA01) and unique control numbers. Each transaction set is
handed out whole (ST..SE), so memory holds one set at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ebt.findings import Finding, Location, finding
from ebt.syntax.separators import Separators

MAX_SET_SEGMENTS = 10_000
MAX_STRAY_FINDINGS = 100  # segments outside any set named one by one, per interchange


@dataclass(frozen=True, slots=True)
class Interchange:
    isa: tuple[str, ...]
    separators: Separators
    line: int

    def element(self, index: int) -> str:
        return self.isa[index] if index < len(self.isa) else ""

    @property
    def control(self) -> str:
        return self.element(13)

    @property
    def sender(self) -> tuple[str, str]:
        return self.element(5), self.element(6).strip()

    @property
    def receiver(self) -> tuple[str, str]:
        return self.element(7), self.element(8).strip()

    @property
    def production(self) -> bool:
        return self.element(15) != "T"


@dataclass(frozen=True, slots=True)
class Group:
    gs: tuple[str, ...]
    interchange: Interchange
    line: int

    def element(self, index: int) -> str:
        return self.gs[index] if index < len(self.gs) else ""

    @property
    def functional_id(self) -> str:
        return self.element(1)

    @property
    def sender(self) -> str:
        return self.element(2)

    @property
    def receiver(self) -> str:
        return self.element(3)

    @property
    def date(self) -> str:
        return self.element(4)

    @property
    def control(self) -> str:
        return self.element(6)

    @property
    def version(self) -> str:
        return self.element(8)


@dataclass(slots=True)
class TransactionSet:
    """One ST..SE transaction set as received, with its envelope findings."""

    group: Group
    segments: list[list[str]]
    line: int  # file line of ST
    findings: list[Finding] = field(default_factory=list)
    segment_count: int = 0

    @property
    def set_id(self) -> str:
        st = self.segments[0]
        return st[1] if len(st) > 1 else ""

    @property
    def control(self) -> str:
        st = self.segments[0]
        return st[2] if len(st) > 2 else ""

    def location(self, **where: str | int | None) -> Location:
        loc = Location(
            file="",
            interchange=self.group.interchange.control,
            group=self.group.control,
            transaction=self.control,
        )
        return _with(loc, where)


@dataclass(slots=True)
class GroupEnd:
    group: Group
    sets: int
    findings: list[Finding]


@dataclass(slots=True)
class InterchangeEnd:
    interchange: Interchange
    groups: int
    findings: list[Finding]


Event = Interchange | Group | TransactionSet | GroupEnd | InterchangeEnd


def _with(loc: Location, where: dict[str, str | int | None]) -> Location:
    from dataclasses import replace

    return replace(loc, **where) if where else loc  # type: ignore[arg-type]


class ControlNumbers:
    """The control numbers seen so far, as bitmaps of 64 numbers a page (one dictionary per
    width), so that a million sequential numbers take about 16,000 small integers and a
    number costs the same to add whatever order the numbers come in. Numbers are compared as
    written: "0001" and "00001" are different control numbers; one too long for a machine
    word is kept as text."""

    def __init__(self) -> None:
        self._pages: dict[int, dict[int, int]] = {}  # width -> page (number // 64) -> bits
        self._other: set[str] = set()

    def add(self, control: str) -> bool:
        """Record `control`; False when it was already seen."""
        if not (control.isascii() and control.isdigit()) or len(control) > MAX_NUMBER_WIDTH:
            seen = control in self._other
            self._other.add(control)
            return not seen
        pages = self._pages.get(len(control))
        if pages is None:
            pages = self._pages[len(control)] = {}
        number = int(control)
        page, bit = number >> 6, 1 << (number & 63)
        bits = pages.get(page, 0)
        if bits & bit:
            return False
        pages[page] = bits | bit
        return True


MAX_NUMBER_WIDTH = 18  # digits: any such number fits a machine word


class EnvelopeWalker:
    """Turn segments into envelope events; `findings` holds what lies outside any envelope."""

    def __init__(self, separator_sets: list[Separators], *, name: str = ""):
        self._separator_sets = separator_sets
        self.name = name
        self.findings: list[Finding] = []
        self.interchanges = 0
        self._interchange: Interchange | None = None
        self._group: Group | None = None
        self._set: TransactionSet | None = None
        self._groups = 0
        self._sets = 0
        self._group_findings: list[Finding] = []
        self._interchange_findings: list[Finding] = []
        self._strays = 0  # segments outside any set in this interchange
        self._interchange_controls: set[str] = set()
        self._set_controls = ControlNumbers()
        self.line = 0

    def walk(self, segments: Iterable[list[str]]) -> Iterator[Event]:
        """Events for a stream of segments."""
        return self.walk_batches((segments,))

    def walk_batches(self, batches: Iterable[Iterable[list[str]]]) -> Iterator[Event]:
        """Events for a stream of segment batches (the reader's `batches()`): the fast path."""
        envelope_tags = _ENVELOPE_TAGS
        line = self.line
        for batch in batches:
            for segment in batch:
                line += 1
                tag = segment[0]
                current = self._set
                if current is not None and tag not in envelope_tags:
                    current.segment_count += 1
                    if current.segment_count <= MAX_SET_SEGMENTS:
                        current.segments.append(segment)
                    else:
                        self.line = line
                        self._append(current, segment)
                    continue
                self.line = line
                yield from self._step(tag, segment)
        self.line = line
        yield from self._close_all(at_end=True)

    def _append(self, current: TransactionSet, segment: list[str], *, count: bool = False) -> None:
        if count:
            current.segment_count += 1
        if current.segment_count <= MAX_SET_SEGMENTS:
            current.segments.append(segment)
        elif current.segment_count == MAX_SET_SEGMENTS + 1:
            current.findings.append(
                finding(
                    "SEGMENT-MAX-USE",
                    f"The transaction set runs past {MAX_SET_SEGMENTS} segments "
                    "without an SE; the rest of it was not checked.",
                    current.location(file=self.name, segment=segment[0], line=self.line),
                )
            )

    def _step(self, tag: str, segment: list[str]) -> Iterator[Event]:
        if tag == "ISA":
            yield from self._close_all(at_end=False)
            yield self._open_interchange(segment)
        elif tag == "GS":
            yield from self._open_group(segment)
        elif tag == "ST":
            yield from self._open_set(segment)
        elif tag == "SE":
            yield from self._close_set(segment)
        elif tag == "GE":
            yield from self._close_group(segment)
        elif tag == "IEA":
            yield from self._close_interchange(segment)
        elif tag == "TA1" and self._interchange is not None and self._group is None:
            pass  # an interchange acknowledgment, between ISA and the first GS
        else:
            self._stray(
                segment,
                "outside any transaction set (between SE and ST, or outside the GS/GE group)",
            )

    # -- interchanges ----------------------------------------------------------------------

    def _open_interchange(self, segment: list[str]) -> Interchange:
        index = min(self.interchanges, len(self._separator_sets) - 1)
        self.interchanges += 1
        self._interchange = Interchange(tuple(segment), self._separator_sets[index], self.line)
        self._groups = 0
        self._interchange_findings = []
        self._strays = 0
        control = self._interchange.control
        if control in self._interchange_controls:
            self._interchange_findings.append(
                finding(
                    "ISA-DUPLICATE",
                    f"ISA13 {control} was already used by an earlier interchange in this file.",
                    self._here(segment),
                )
            )
        self._interchange_controls.add(control)
        return self._interchange

    def _close_interchange(self, segment: list[str]) -> Iterator[Event]:
        yield from self._close_group_if_open(self._here(segment))
        current = self._interchange
        if current is None:
            self._stray(segment, "with no ISA before it")
            return
        where = self._here(segment)
        count, control = _get(segment, 1), _get(segment, 2)
        if control != current.control:
            self._interchange_findings.append(
                finding(
                    "IEA-CONTROL",
                    f"IEA02 is {control!r} but ISA13 is {current.control!r}.",
                    _with(where, {"element": "IEA02"}),
                    value=control,
                )
            )
        if count != str(self._groups):
            self._interchange_findings.append(
                finding(
                    "IEA-COUNT",
                    f"IEA01 says {count!r} functional groups but the interchange has "
                    f"{self._groups}.",
                    _with(where, {"element": "IEA01"}),
                    value=count,
                )
            )
        self._count_strays(where)
        yield InterchangeEnd(current, self._groups, self._interchange_findings)
        self._interchange = None

    # -- groups ----------------------------------------------------------------------------

    def _open_group(self, segment: list[str]) -> Iterator[Event]:
        yield from self._close_group_if_open(self._here(segment))
        if self._interchange is None:
            self._stray(segment, "with no ISA before it")
            return
        self._groups += 1
        self._sets = 0
        self._group_findings = []
        self._set_controls = ControlNumbers()
        self._group = Group(tuple(segment), self._interchange, self.line)
        yield self._group

    def _close_group(self, segment: list[str]) -> Iterator[Event]:
        yield from self._close_set_if_open(self._here(segment))
        current = self._group
        if current is None:
            self._stray(segment, "with no GS before it")
            return
        where = self._here(segment)
        count, control = _get(segment, 1), _get(segment, 2)
        if control != current.control:
            self._group_findings.append(
                finding(
                    "GE-CONTROL",
                    f"GE02 is {control!r} but GS06 is {current.control!r}.",
                    _with(where, {"element": "GE02"}),
                    value=control,
                )
            )
        if count != str(self._sets):
            self._group_findings.append(
                finding(
                    "GE-COUNT",
                    f"GE01 says {count!r} transaction sets but the group has {self._sets}.",
                    _with(where, {"element": "GE01"}),
                    value=count,
                )
            )
        yield GroupEnd(current, self._sets, self._group_findings)
        self._group = None

    def _close_group_if_open(self, where: Location) -> Iterator[Event]:
        yield from self._close_set_if_open(where)
        if self._group is not None:
            self._group_findings.append(
                finding(
                    "GE-MISSING",
                    f"Functional group {self._group.control} has no GE trailer.",
                    _with(where, {"group": self._group.control}),
                )
            )
            yield GroupEnd(self._group, self._sets, self._group_findings)
            self._group = None

    # -- transaction sets ------------------------------------------------------------------

    def _open_set(self, segment: list[str]) -> Iterator[Event]:
        if self._set is not None:
            yield from self._close_set_if_open(self._here(segment))
        if self._group is None:
            self._stray(segment, "outside a GS/GE functional group")
            return
        self._sets += 1
        self._set = TransactionSet(self._group, [segment], self.line, segment_count=1)
        if not self._set_controls.add(self._set.control):
            self._set.findings.append(
                finding(
                    "ST-DUPLICATE",
                    f"ST02 {self._set.control} is used by an earlier transaction set "
                    "in this group.",
                    self._set.location(
                        file=self.name, segment="ST", position=1, line=self.line, element="ST02"
                    ),
                )
            )

    def _close_set(self, segment: list[str]) -> Iterator[Event]:
        current = self._set
        if current is None:
            self._stray(segment, "with no ST before it")
            return
        self._append(current, segment, count=True)
        count, control = _get(segment, 1), _get(segment, 2)
        if control != current.control or count != str(current.segment_count):
            self._check_trailer(current, count, control)
        self._set = None
        yield current

    def _check_trailer(self, current: TransactionSet, count: str, control: str) -> None:
        where = current.location(
            file=self.name, segment="SE", position=current.segment_count, line=self.line
        )
        if control != current.control:
            current.findings.append(
                finding(
                    "SE-CONTROL",
                    f"SE02 is {control!r} but ST02 is {current.control!r}.",
                    _with(where, {"element": "SE02"}),
                    value=control,
                )
            )
        if count != str(current.segment_count):
            current.findings.append(
                finding(
                    "SE-COUNT",
                    f"SE01 says {count!r} segments but the set has "
                    f"{current.segment_count} from ST to SE.",
                    _with(where, {"element": "SE01"}),
                    value=count,
                )
            )

    def _close_set_if_open(self, where: Location) -> Iterator[Event]:
        current = self._set
        if current is not None:
            current.findings.append(
                finding(
                    "SE-MISSING",
                    f"Transaction set {current.control} has no SE trailer.",
                    current.location(file=self.name, segment=where.segment, line=where.line),
                )
            )
            self._set = None
            yield current

    def _close_all(self, *, at_end: bool) -> Iterator[Event]:
        where = Location(self.name, line=self.line, segment="end of file" if at_end else "ISA")
        yield from self._close_group_if_open(where)
        if self._interchange is not None:
            self._interchange_findings.append(
                finding(
                    "IEA-MISSING",
                    f"Interchange {self._interchange.control} has no IEA trailer.",
                    where,
                )
            )
            self._count_strays(where)
            yield InterchangeEnd(self._interchange, self._groups, self._interchange_findings)
            self._interchange = None

    # -- helpers ---------------------------------------------------------------------------

    def _here(self, segment: list[str]) -> Location:
        return Location(
            self.name,
            interchange=self._interchange.control if self._interchange else None,
            group=self._group.control if self._group else None,
            segment=segment[0][:3],
            line=self.line,
        )

    def _stray(self, segment: list[str], where: str) -> None:
        target = self._interchange_findings if self._interchange else self.findings
        self._strays += 1
        if self._strays > MAX_STRAY_FINDINGS:
            return  # counted, and told in one finding when the interchange ends
        target.append(
            finding(
                "ENVELOPE-ORDER",
                f"Segment {segment[0][:3]!r} stands {where}.",
                self._here(segment),
                text="*".join(segment)[:200],
            )
        )

    def _count_strays(self, where: Location) -> None:
        """One finding for the segments outside any set past the first hundred."""
        more = self._strays - MAX_STRAY_FINDINGS
        if more > 0:
            self._interchange_findings.append(
                finding(
                    "ENVELOPE-ORDER",
                    f"{more:,} more segment{'' if more == 1 else 's'} stood outside any "
                    "transaction set in "
                    f"this interchange; only the first {MAX_STRAY_FINDINGS} are named.",
                    where,
                )
            )
        self._strays = 0


_ENVELOPE_TAGS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


def _get(segment: list[str], index: int) -> str:
    return segment[index] if index < len(segment) else ""
