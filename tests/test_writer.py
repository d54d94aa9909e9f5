"""Writer: the fixed-width ISA, envelopes whose counts are right, and text that reads back."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ebt.check import FileChecker, SetResult
from ebt.findings import Location
from ebt.mapping.records import Kind, Transaction814
from ebt.syntax.reader import SegmentReader
from ebt.syntax.separators import ISA_LENGTH, IsaHead, Separators, read_isa
from ebt.syntax.writer import (
    envelope_segments,
    isa_segment,
    segment_text,
    trim,
    write_segments,
)

WHEN = datetime(2026, 11, 20, 9, 30)
CES = ("01", "111111111")
TD = ("01", "007909411")

BODY = [
    ["BGN", "13", "ENR20261120001", "20261120"],
    ["N1", "8S", "CENTRAL MAINE POWER", "1", "007909411"],
    ["N1", "SJ", "PINE TREE ENERGY", "1", "111111111"],
    ["N1", "8R", "JANE Q DOE"],
    ["N3", "12 MAIN ST", "APT 2"],
    ["N4", "AUGUSTA", "ME", "04330"],
    ["PER", "IC", "JANE Q DOE", "TE", "2075550123"],
    ["LIN", "1", "SH", "EL", "SH", "CE"],
    ["ASI", "7", "021"],
    ["REF", "12", "00012345678"],
    ["REF", "11", "PTE-998877"],
    ["REF", "BLT", "LDC"],
    ["REF", "PC", "LDC"],
    ["REF", "RB", "RES-FIXED-12"],
]


def body(reference: str) -> list[list[str]]:
    return [[*BODY[0][:2], reference, BODY[0][3]], *BODY[1:]]


SEPARATOR_SETS = [
    Separators(),
    Separators("*", ">", "~", ""),
    Separators("*", ">", "~", "\r\n"),
    Separators("|", "^", "'", "\n"),
    Separators("\x1d", "\x1f", "\x1e", ""),
]


def isa_text(separators: Separators, **kw: object) -> str:
    args: dict[str, object] = {
        "sender": CES,
        "receiver": TD,
        "control": 101,
        "when": WHEN,
        "separators": separators,
    }
    args.update(kw)
    return segment_text(isa_segment(**args), separators)  # type: ignore[arg-type]


@pytest.mark.parametrize("separators", SEPARATOR_SETS)
def test_isa_segment_is_fixed_width(separators: Separators) -> None:
    text = isa_text(separators)
    assert len(text) == ISA_LENGTH + len(separators.suffix)
    assert text[3] == separators.element
    assert text[104] == separators.component
    assert text[105] == separators.segment
    head = read_isa(text, Location())
    assert isinstance(head, IsaHead)
    assert head.findings == ()
    assert head.separators == separators
    assert head.length == len(text)


def test_isa_segment_values() -> None:
    isa = isa_segment(
        sender=("ZZ", "CES1"),
        receiver=TD,
        control=42,
        when=WHEN,
        separators=Separators(),
        production=False,
        ack_requested=True,
    )
    assert len(isa) == 17
    assert [len(v) for v in isa[1:]] == [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1]
    assert isa[5:9] == ["ZZ", "CES1           ", "01", "007909411      "]
    assert isa[9:] == ["261120", "0930", "U", "00401", "000000042", "1", "T", ">"]


def test_trim_drops_trailing_empty_elements_only() -> None:
    assert trim(["LIN", "1", "", "EL", "", ""]) == ["LIN", "1", "", "EL"]
    assert trim(["DTM", "", ""]) == ["DTM"]


def test_write_segments_writes_segments_as_given() -> None:
    seps = Separators()
    isa = isa_segment(sender=CES, receiver=TD, control=1, when=WHEN, separators=seps)
    isa[2] = ""  # an empty ISA element keeps its place
    text = "".join(write_segments([isa, ["REF", "12", "A", "", ""], ["SE", "2", "0001"]], seps))
    lines = text.splitlines()
    assert lines[0].startswith("ISA*00**00*")
    assert lines[1:] == ["REF*12*A**~", "SE*2*0001~"]  # trimming is the builder's job


FIXTURES = sorted((Path(__file__).parent.parent / "fixtures" / "x12").glob("*/*.x12"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_readable_fixture_is_written_back_byte_for_byte(path: Path) -> None:
    """Read, then write each segment with its interchange's separators: the same bytes.
    Files the reader cannot take whole (not X12, truncated, encoding, a segment cut to the
    limit) are left out."""
    data = path.read_bytes()
    reader = SegmentReader(io.BytesIO(data), name=path.name)
    segments = list(reader)
    whole = segments and not reader.long_segments
    if any(f.code.startswith(("FILE-", "ISA-")) for f in reader.findings) or not whole:
        pytest.skip("the reader does not take this file whole")
    out = []
    interchange = -1
    for segment in segments:
        interchange += segment[0] == "ISA"
        out.append(segment_text(segment, reader.separator_sets[interchange]))
    assert "".join(out).encode("latin-1") == data


def _interchange(
    bodies: list[list[list[str]]], separators: Separators, **kw: object
) -> list[list[str]]:
    args: dict[str, object] = {
        "set_id": "814",
        "functional_id": "GE",
        "sender": CES,
        "receiver": TD,
        "control": 101,
        "when": WHEN,
        "separators": separators,
    }
    args.update(kw)
    return envelope_segments(bodies, **args)  # type: ignore[arg-type]


def test_envelope_segments_counts_and_control_numbers() -> None:
    bodies = [body("R1"), body("R2")[:5], body("R3")]
    segments = _interchange(bodies, Separators(), control=7)
    tags = [s[0] for s in segments]
    assert tags[0] == "ISA" and tags[1] == "GS" and tags[-2:] == ["GE", "IEA"]
    sts = [i for i, t in enumerate(tags) if t == "ST"]
    ses = [i for i, t in enumerate(tags) if t == "SE"]
    assert len(sts) == len(ses) == 3
    for number, (st, se) in enumerate(zip(sts, ses, strict=True), start=1):
        assert segments[st] == ["ST", "814", f"{number:04d}"]
        assert segments[se] == ["SE", str(se - st + 1), f"{number:04d}"]
        assert segments[st + 1 : se] == bodies[number - 1]
    assert segments[-2] == ["GE", "3", "7"]
    assert segments[-1] == ["IEA", "1", "000000007"]
    assert segments[0][13] == "000000007"
    assert segments[1] == ["GS", "GE", "111111111", "007909411", "20261120", "0930", "7", "X",
                           "004010"]  # fmt: skip


def test_envelope_without_bodies_has_no_group() -> None:
    ta1 = ["TA1", "000000101", "261120", "0930", "R", "022"]
    segments = _interchange([], Separators(), before_groups=[ta1])
    assert [s[0] for s in segments] == ["ISA", "TA1", "IEA"]
    assert segments[-1] == ["IEA", "0", "000000101"]


def test_envelope_group_ids_override_gs02_gs03() -> None:
    segments = _interchange([body("R1")], Separators(), group_ids=("APPSEND", "APPRECV"))
    assert segments[1][2:4] == ["APPSEND", "APPRECV"]


def _check(data: bytes) -> list[Any]:
    return list(FileChecker(io.BytesIO(data), name="out.x12").events())


@pytest.mark.parametrize("separators", SEPARATOR_SETS)
def test_written_interchange_validates_clean(separators: Separators) -> None:
    bodies = [body("ENR1"), body("ENR2"), body("ENR3")]
    text = "".join(write_segments(_interchange(bodies, separators), separators))
    events = _check(text.encode("ascii"))
    found = [f for e in events for f in (getattr(e, "findings", None) or [])]
    assert found == []
    results = [e for e in events if isinstance(e, SetResult)]
    assert [r.transaction.control for r in results] == ["0001", "0002", "0003"]
    records = [r.record for r in results]
    assert all(isinstance(r, Transaction814) for r in records)
    assert [r.reference for r in records] == ["ENR1", "ENR2", "ENR3"]  # type: ignore[union-attr]
    assert {r.kind for r in records} == {Kind.ENROLLMENT_REQUEST}  # type: ignore[union-attr]


@pytest.mark.parametrize("separators", SEPARATOR_SETS)
def test_written_text_reads_back_as_the_same_segments(separators: Separators) -> None:
    segments = _interchange([body("ENR1"), body("ENR2")], separators)
    text = "".join(write_segments(segments, separators))
    reader = SegmentReader(io.BytesIO(text.encode("ascii")), chunk_size=64)
    assert list(reader) == segments
    assert reader.findings == []
    assert reader.separator_sets == [separators]


def test_wrong_count_written_by_hand_is_caught() -> None:
    # The check above is not vacuous: the same text with SE01 off by one is an error.
    seps = Separators()
    segments = _interchange([body("ENR1")], seps)
    se = next(s for s in segments if s[0] == "SE")
    se[1] = str(int(se[1]) + 1)
    events = _check("".join(write_segments(segments, seps)).encode())
    codes = [f.code for e in events for f in (getattr(e, "findings", None) or [])]
    assert codes == ["SE-COUNT"]


@pytest.mark.parametrize(
    ("sender", "control"),
    [(("01", "1234567890123456"), 1), (("ZZZ", "CES1"), 1), (CES, 10**9)],
    ids=["long-id", "long-qualifier", "big-control"],
)
def test_isa_segment_never_writes_a_wrong_width(sender: tuple[str, str], control: int) -> None:
    seps = Separators()
    try:
        isa = isa_segment(sender=sender, receiver=TD, control=control, when=WHEN, separators=seps)
    except ValueError:
        return  # refusing is fine
    assert len(segment_text(isa, seps)) == ISA_LENGTH
