"""EnvelopeWalker: trailers, control numbers, counts, duplicates and stray segments."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ebt.findings import Finding
from ebt.syntax.envelope import (
    ControlNumbers,
    EnvelopeWalker,
    Event,
    Group,
    GroupEnd,
    Interchange,
    InterchangeEnd,
    TransactionSet,
)
from ebt.syntax.separators import Separators

Segment = list[str]


def isa(control: str = "000000101") -> Segment:
    return [
        "ISA", "00", " " * 10, "00", " " * 10, "01", "111111111      ", "01",
        "007909411      ", "261120", "0930", "U", "00401", control, "0", "P", ">",
    ]  # fmt: skip


def tx(control: str = "0001", body: int = 2, count: str | None = None) -> list[Segment]:
    """ST, `body` segments, SE (SE01 = `count`, or the true count)."""
    middle = [["REF", "12", f"ACCT{i}"] for i in range(body)]
    return [
        ["ST", "814", control],
        *middle,
        ["SE", str(body + 2) if count is None else count, control],
    ]


def group(
    sets: Iterable[list[Segment]], control: str = "101", count: str | None = None
) -> list[Segment]:
    sets = list(sets)
    out = [["GS", "GE", "111111111", "007909411", "20261120", "0930", control, "X", "004010"]]
    for s in sets:
        out.extend(s)
    out.append(["GE", str(len(sets)) if count is None else count, control])
    return out


def interchange(
    groups: Iterable[list[Segment]], control: str = "000000101", count: str | None = None
) -> list[Segment]:
    groups = list(groups)
    out = [isa(control)]
    for g in groups:
        out.extend(g)
    out.append(["IEA", str(len(groups)) if count is None else count, control])
    return out


def walk(segments: list[Segment]) -> tuple[list[Event], EnvelopeWalker]:
    walker = EnvelopeWalker([Separators()], name="in.x12")
    return list(walker.walk(segments)), walker


def findings(events: list[Event], walker: EnvelopeWalker) -> list[Finding]:
    out = list(walker.findings)
    for event in events:
        if isinstance(event, TransactionSet | GroupEnd | InterchangeEnd):
            out.extend(event.findings)
    return out


def codes(segments: list[Segment]) -> list[str]:
    events, walker = walk(segments)
    return sorted(f.code for f in findings(events, walker))


def kinds(events: list[Event]) -> list[str]:
    return [type(e).__name__ for e in events]


def test_clean_interchange() -> None:
    events, walker = walk(interchange([group([tx("0001"), tx("0002", body=5)])]))
    assert kinds(events) == [
        "Interchange", "Group", "TransactionSet", "TransactionSet", "GroupEnd", "InterchangeEnd",
    ]  # fmt: skip
    assert findings(events, walker) == []
    first, second = events[2], events[3]
    assert isinstance(first, TransactionSet) and isinstance(second, TransactionSet)
    assert first.segments == tx("0001")
    assert second.segment_count == 7
    assert (first.set_id, first.control, first.line) == ("814", "0001", 3)
    assert isinstance(events[0], Interchange)
    assert events[0].control == "000000101"
    assert events[0].sender == ("01", "111111111")
    assert events[0].production
    assert isinstance(events[1], Group)
    assert (events[1].functional_id, events[1].control, events[1].version) == (
        "GE",
        "101",
        "004010",
    )
    end = events[4]
    assert isinstance(end, GroupEnd) and end.sets == 2
    assert isinstance(events[5], InterchangeEnd) and events[5].groups == 1


def test_empty_interchange_with_iea01_zero() -> None:
    assert codes(interchange([])) == []


# -- control numbers and counts at each level ----------------------------------------------


def test_se_control_mismatch() -> None:
    bad = tx("0001")
    bad[-1][2] = "0002"
    events, walker = walk(interchange([group([bad])]))
    found = findings(events, walker)
    assert [f.code for f in found] == ["SE-CONTROL"]
    assert found[0].location.element == "SE02"
    assert found[0].value == "0002"
    assert found[0].location.transaction == "0001"


@pytest.mark.parametrize("count", ["3", "5", "", "x"])
def test_se_count_mismatch(count: str) -> None:
    events, walker = walk(interchange([group([tx(count=count)])]))
    found = findings(events, walker)
    assert [f.code for f in found] == ["SE-COUNT"]
    assert found[0].location.element == "SE01"
    assert "4 from ST to SE" in found[0].message


def test_ge_control_mismatch() -> None:
    segments = interchange([group([tx()])])
    segments[-2][2] = "102"
    events, walker = walk(segments)
    found = findings(events, walker)
    assert [f.code for f in found] == ["GE-CONTROL"]
    assert isinstance(events[3], GroupEnd) and events[3].findings == found


@pytest.mark.parametrize("count", ["0", "2", "01"])
def test_ge_count_mismatch(count: str) -> None:
    assert codes(interchange([group([tx()], count=count)])) == ["GE-COUNT"]


def test_iea_control_mismatch() -> None:
    segments = interchange([group([tx()])])
    segments[-1][2] = "000000999"
    events, walker = walk(segments)
    found = findings(events, walker)
    assert [f.code for f in found] == ["IEA-CONTROL"]
    assert isinstance(events[-1], InterchangeEnd) and events[-1].findings == found


@pytest.mark.parametrize("count", ["0", "2", ""])
def test_iea_count_mismatch(count: str) -> None:
    assert codes(interchange([group([tx()])], count=count)) == ["IEA-COUNT"]


def test_counts_right_with_several_groups_and_sets() -> None:
    segments = interchange(
        [group([tx("0001"), tx("0002"), tx("0003")], "7"), group([tx("0001")], "8")]
    )
    assert codes(segments) == []
    segments[-1][1] = "1"
    assert codes(segments) == ["IEA-COUNT"]


# -- missing trailers ----------------------------------------------------------------------


def test_missing_se_before_the_next_st() -> None:
    first = tx("0001")[:-1]
    events, walker = walk(interchange([group([first, tx("0002")], count="2")]))
    found = findings(events, walker)
    assert [f.code for f in found] == ["SE-MISSING"]
    sets = [e for e in events if isinstance(e, TransactionSet)]
    assert [s.control for s in sets] == ["0001", "0002"]
    assert sets[0].findings == found
    assert sets[0].segments == first


def test_missing_se_before_ge() -> None:
    assert codes(interchange([group([tx()[:-1]])])) == ["SE-MISSING"]


def test_missing_ge() -> None:
    segments = interchange([group([tx()])])
    del segments[-2]
    events, walker = walk(segments)
    assert sorted(f.code for f in findings(events, walker)) == ["GE-MISSING"]
    assert kinds(events) == ["Interchange", "Group", "TransactionSet", "GroupEnd", "InterchangeEnd"]


def test_missing_iea_at_end_of_file() -> None:
    events, walker = walk(interchange([group([tx()])])[:-1])
    found = findings(events, walker)
    assert [f.code for f in found] == ["IEA-MISSING"]
    assert found[0].location.segment == "end of file"
    assert isinstance(events[-1], InterchangeEnd)


def test_missing_iea_before_the_next_isa() -> None:
    first = interchange([group([tx()])])[:-1]
    second = interchange([group([tx()])], control="000000102")
    events, walker = walk(first + second)
    assert [f.code for f in findings(events, walker)] == ["IEA-MISSING"]
    assert kinds(events).count("InterchangeEnd") == 2


def test_everything_missing_after_a_cut() -> None:
    segments = interchange([group([tx()])])[:4]  # ISA GS ST REF
    assert codes(segments) == ["GE-MISSING", "IEA-MISSING", "SE-MISSING"]


# -- duplicates ----------------------------------------------------------------------------


def test_duplicate_st02_in_a_group() -> None:
    events, walker = walk(interchange([group([tx("0001"), tx("0002"), tx("0001")])]))
    found = findings(events, walker)
    assert [f.code for f in found] == ["ST-DUPLICATE"]
    sets = [e for e in events if isinstance(e, TransactionSet)]
    assert sets[2].findings == found
    assert found[0].location.element == "ST02"


def test_same_st02_in_different_groups_is_fine() -> None:
    segments = interchange([group([tx("0001")], "1"), group([tx("0001")], "2")])
    assert codes(segments) == []


def test_duplicate_isa13_in_a_file() -> None:
    one = interchange([group([tx()])])
    events, walker = walk(one + one)
    found = findings(events, walker)
    assert [f.code for f in found] == ["ISA-DUPLICATE"]
    ends = [e for e in events if isinstance(e, InterchangeEnd)]
    assert ends[0].findings == [] and ends[1].findings == found


# -- stray segments ------------------------------------------------------------------------


def test_segment_between_se_and_st() -> None:
    segments = interchange([group([tx("0001"), [["REF", "12", "LOST"]], tx("0002")], count="2")])
    events, walker = walk(segments)
    found = findings(events, walker)
    assert [f.code for f in found] == ["ENVELOPE-ORDER"]
    assert found[0].location.segment == "REF"
    assert found[0].text == "REF*12*LOST"
    sets = [e for e in events if isinstance(e, TransactionSet)]
    assert all(["REF", "12", "LOST"] not in s.segments for s in sets)


def test_segment_before_the_isa_is_a_file_finding() -> None:
    events, walker = walk([["BGN", "13", "X"], *interchange([group([tx()])])])
    assert [f.code for f in walker.findings] == ["ENVELOPE-ORDER"]
    assert findings(events, walker) == walker.findings


def test_st_outside_a_group() -> None:
    segments = [isa(), *tx(), ["IEA", "0", "000000101"]]
    events, walker = walk(segments)
    found = findings(events, walker)
    assert {f.code for f in found} == {"ENVELOPE-ORDER"}
    assert not any(isinstance(e, TransactionSet) for e in events)


@pytest.mark.parametrize(
    "stray",
    [
        ["SE", "2", "0001"],
        ["GE", "0", "101"],
    ],
)
def test_trailer_without_header(stray: Segment) -> None:
    segments = interchange([])
    segments.insert(1, stray)
    assert codes(segments) == ["ENVELOPE-ORDER"]


def test_iea_without_isa() -> None:
    segments = [*interchange([group([tx()])]), ["IEA", "1", "000000101"]]
    events, walker = walk(segments)
    assert [f.code for f in walker.findings] == ["ENVELOPE-ORDER"]
    assert kinds(events).count("InterchangeEnd") == 1


def test_gs_without_isa() -> None:
    segments = interchange([group([tx()])]) + group([tx()])
    events, walker = walk(segments)
    assert sorted(f.code for f in walker.findings) == ["ENVELOPE-ORDER"] * 6
    assert kinds(events).count("Group") == 1


def test_envelope_segments_inside_a_set_end_it() -> None:
    # A GS in the middle of a set closes the set (SE-MISSING) and the group (GE-MISSING);
    # the rest of the set then stands outside any set, and the second group's GE
    # disagrees with it.
    body = tx("0001")
    body.insert(2, ["GS", "GE", "A", "B", "20261120", "0930", "102", "X", "004010"])
    segments = interchange([group([body])])
    events, walker = walk(segments)
    assert kinds(events) == [
        "Interchange", "Group", "TransactionSet", "GroupEnd", "Group", "GroupEnd",
        "InterchangeEnd",
    ]  # fmt: skip
    assert sorted(f.code for f in findings(events, walker)) == [
        "ENVELOPE-ORDER", "ENVELOPE-ORDER", "GE-CONTROL", "GE-COUNT", "GE-MISSING",
        "IEA-COUNT", "SE-MISSING",
    ]  # fmt: skip


# -- ControlNumbers ------------------------------------------------------------------------


def _control_number_strategy() -> st.SearchStrategy[str]:
    # Numbers map to text one-to-one (zero-padded to 4, as ST02 is), so that set semantics
    # and numeric pages agree; a small range makes numbers share pages.
    numeric = st.integers(0, 60).map(lambda n: f"{n:04d}")
    large = st.integers(0, 10**12).map(lambda n: f"{n:04d}")
    other = st.text(alphabet="0123456789ABZ-_ ", min_size=0, max_size=5).filter(
        lambda s: not s.isdigit()
    )
    return st.one_of(numeric, numeric, large, other)


@settings(max_examples=300, deadline=None)
@given(st.lists(_control_number_strategy(), max_size=80))
def test_control_numbers_behave_like_a_set(controls: list[str]) -> None:
    numbers = ControlNumbers()
    seen: set[str] = set()
    for control in controls:
        assert numbers.add(control) == (control not in seen), control
        seen.add(control)
    for control in seen:  # everything added is still there
        assert numbers.add(control) is False


@settings(max_examples=100, deadline=None)
@given(st.permutations(list(range(40))))
def test_control_numbers_share_pages_in_any_order(order: list[int]) -> None:
    numbers = ControlNumbers()
    for n in order:
        assert numbers.add(f"{n:04d}")
    assert numbers._pages == {4: {0: (1 << 40) - 1}}  # one page: bits 0 to 39
    assert not numbers.add("0039") and numbers.add("0040")


def test_control_numbers_keep_leading_zeros_apart() -> None:
    numbers = ControlNumbers()
    assert numbers.add("0001")
    assert numbers.add("00001")


@pytest.mark.parametrize("control", ["\xb2", "00\xb9", "\xb3\xb3\xb3\xb3"])
def test_control_numbers_with_superscript_digits(control: str) -> None:
    numbers = ControlNumbers()
    assert numbers.add(control)
    assert not numbers.add(control)
