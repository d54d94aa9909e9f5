"""Typed mapping: a good transaction's record, written back, gives the segments it came from."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ebt.acks.functional import ack_text, acknowledge
from ebt.check import FileChecker, FileFindings, SetResult
from ebt.data.guides import default_guidebook
from ebt.data.mappings import load_mapping, mapping_for
from ebt.mapping.mapper import MappingError, to_segments
from ebt.mapping.records import (
    AdviceItem,
    ApplicationAdvice,
    FunctionalAck,
    Kind,
    Meter,
    Reason,
    Transaction814,
)
from ebt.resources import data_path
from ebt.syntax.separators import Separators
from ebt.syntax.writer import envelope_segments, trim, write_segments

TD = ("01", "007909411")
CES = ("01", "111111111")
PARTIES = ["N1*8S*CENTRAL MAINE POWER*1*007909411", "N1*SJ*PINE TREE ENERGY*1*111111111"]
LIN = "LIN*1*SH*EL*SH*CE"

# Good transaction sets (between ST and SE), the guide's segment order, sender, GS01, set id.
GOOD: dict[str, tuple[str, tuple[str, str], str, list[str]]] = {
    "enrollment-request": ("814", CES, "GE", [
        "BGN*13*ENR20261120001*20261120", *PARTIES,
        "N1*8R*JANE Q DOE", "N3*12 MAIN ST*APT 2", "N4*AUGUSTA*ME*04330",
        "PER*IC*JANE Q DOE*TE*2075550123",
        LIN, "ASI*7*021", "REF*12*00012345678", "REF*11*PTE-998877", "REF*BLT*LDC",
        "REF*PC*LDC", "REF*RB*RES-FIXED-12",
    ]),
    "enrollment-request-dual-hu-bill-to": ("814", CES, "GE", [
        "BGN*13*ENR2*20261120", *PARTIES,
        "N1*8R*ACME MILLS INC", "N3*1 RIVER RD", "N4*LEWISTON*ME*04240-1234",
        "PER*IC**EM*AP@ACME.EXAMPLE",
        "N1*BT*ACME MILLS ACCOUNTS PAYABLE", "N3*PO BOX 9*SUITE 4", "N4*BOSTON*MA*02101",
        "LIN*7*SH*EL*SH*CE*SH*HU", "ASI*7*021", "REF*12*0099", "REF*45*0098",
        "REF*BLT*DUAL", "REF*PC*DUAL", "DTM*150*20261201",
    ]),
    "enrollment-accept-with-meters": ("814", TD, "GE", [
        "BGN*11*ACC1*20261122***ENR20261120001", *PARTIES,
        LIN, "ASI*WQ*021", "REF*12*00012345678", "REF*BF*07", "REF*NH*A-RES",
        "DTM*007*20261201", "DTM*150*20261201",
        "NM1*MQ*3", "REF*MG*M123456", "REF*MT*KWH", "REF*MU*20",
        "NM1*MQ*3", "REF*MG*M123457", "REF*MU*0.5",
        "NM1*MQ*3", "REF*MG*M9",
    ]),
    "enrollment-reject": ("814", TD, "GE", [
        "BGN*11*REJ1*20261122***ENR20261120001", *PARTIES,
        LIN, "ASI*U*021", "REF*7G*A76*ACCOUNT NOT FOUND", "REF*7G*API",
        "REF*12*00012345678",
    ]),
    "change-request": ("814", CES, "GE", [
        "BGN*13*CHG1*20261201", *PARTIES,
        "N1*8R*JANE Q DOE", "PER*IC*JANE Q DOE*TE*2075550199",
        LIN, "ASI*7*001", "REF*TD*REFBLT", "REF*TD*PER8R*NEW PHONE",
        "REF*12*00012345678", "REF*BLT*DUAL", "DTM*007*20270101",
    ]),
    "change-request-by-td-with-budget": ("814", TD, "GE", [
        "BGN*13*CHG2*20261201", *PARTIES,
        LIN, "ASI*7*001", "REF*TD*AMTBD", "REF*TD*NM1MQ", "REF*12*00012345678",
        "AMT*BD*125.50", "NM1*MQ*3", "REF*MG*M777", "REF*MT*AMR",
    ]),
    "change-reject": ("814", TD, "GE", [
        "BGN*11*CRJ1*20261202***CHG1", *PARTIES,
        LIN, "ASI*U*001", "REF*7G*A13*BILLING OPTION LOCKED", "REF*12*00012345678",
    ]),
    "drop-request": ("814", CES, "GE", [
        "BGN*13*DRP1*20261203", *PARTIES,
        LIN, "ASI*7*024", "REF*12*00012345678", "REF*11*PTE-998877",
    ]),
    "drop-notice": ("814", TD, "GE", [
        "BGN*13*DNT1*20261203", *PARTIES,
        LIN, "ASI*7*024", "REF*12*00012345678", "DTM*151*20270115",
    ]),
    "drop-accept": ("814", TD, "GE", [
        "BGN*11*DAC1*20261204***DRP1", *PARTIES,
        LIN, "ASI*WQ*024", "REF*1P*W09*READ ON CYCLE DATE", "REF*12*00012345678",
        "DTM*151*20270115",
    ]),
    "reinstatement-request": ("814", CES, "GE", [
        "BGN*13*RIN1*20261205", *PARTIES,
        LIN, "ASI*7*025", "REF*12*00012345678",
    ]),
    "reinstatement-accept": ("814", TD, "GE", [
        "BGN*11*RAC1*20261206***RIN1", *PARTIES,
        LIN, "ASI*WQ*025", "REF*12*00012345678", "DTM*007*20261206",
    ]),
    "advice": ("824", TD, "AG", [
        "BGN*00*ADV1*20261121", *PARTIES,
        "OTI*TR*TN*ENR20261120001*111111111*007909411*20261120*0930*101*0001*814",
        "REF*12*00012345678", "TED*A76*ACCOUNT NOT FOUND", "TED*API",
        "OTI*TA*TN*ENR20261120002",
    ]),
    "functional-ack": ("997", TD, "FA", [
        "AK1*GE*101", "AK2*814*0001", "AK5*A",
        "AK2*814*0002", "AK3*N4*7*N1*8", "AK4*2*156*7*XX", "AK3*REF*12**8", "AK4*2**1",
        "AK5*R*5", "AK9*P*2*2*1",
    ]),
}  # fmt: skip


DEFAULT_SEPARATORS = Separators()


def file_for(
    name: str, separators: Separators = DEFAULT_SEPARATORS
) -> tuple[bytes, list[list[str]]]:
    set_id, sender, group, lines = GOOD[name]
    body = [line.split("*") for line in lines]
    receiver = CES if sender == TD else TD
    segments = envelope_segments(
        [body],
        set_id=set_id,
        functional_id=group,
        sender=sender,
        receiver=receiver,
        control=101,
        when=datetime(2026, 11, 20, 9, 30),
        separators=separators,
    )
    return "".join(write_segments(segments, separators)).encode("ascii"), body


def results(data: bytes) -> list[SetResult]:
    events = list(FileChecker(io.BytesIO(data), name="in.x12").events())
    others = [f for e in events if not isinstance(e, SetResult) for f in e.findings or []]
    assert others == []
    return [e for e in events if isinstance(e, SetResult)]


def written_back(result: SetResult) -> list[list[str]]:
    assert result.record is not None and result.checked is not None
    return to_segments(result.record, mapping_for(result.checked.guide))


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_transaction_round_trips(name: str) -> None:
    data, body = file_for(name)
    [result] = results(data)
    assert result.findings == []
    assert result.record is not None
    assert result.transaction.segments[1:-1] == body
    assert written_back(result) == body


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_transaction_round_trips_up_to_trailing_empty_elements(name: str) -> None:
    # What the text says survives even where the bug above leaves trailing empty elements.
    [result] = results(file_for(name)[0])
    assert result.findings == []
    assert [trim(s) for s in written_back(result)] == result.transaction.segments[1:-1]


@pytest.mark.parametrize("name", ["enrollment-accept-with-meters", "advice", "functional-ack"])
def test_round_trip_with_other_separators(name: str) -> None:
    data, body = file_for(name, Separators("|", "^", "'", "\r\n"))
    [result] = results(data)
    assert result.findings == []
    assert [trim(s) for s in written_back(result)] == body


def test_records_say_what_the_segments_say() -> None:
    [accept] = results(file_for("enrollment-accept-with-meters")[0])
    record = accept.record
    assert isinstance(record, Transaction814)
    assert record.kind is Kind.ENROLLMENT_ACCEPT
    assert record.original_reference == "ENR20261120001"
    assert record.effective_date == date(2026, 12, 1)
    assert record.meters == (
        Meter("M123456", "KWH", Decimal("20")),
        Meter("M123457", None, Decimal("0.5")),
        Meter("M9"),
    )
    [reject] = results(file_for("enrollment-reject")[0])
    assert isinstance(reject.record, Transaction814)
    assert reject.record.reject_reasons == (Reason("A76", "ACCOUNT NOT FOUND"), Reason("API"))
    [hu] = results(file_for("enrollment-request-dual-hu-bill-to")[0])
    assert isinstance(hu.record, Transaction814)
    assert hu.record.historical_usage_requested
    assert hu.record.bill_to_city == "BOSTON"
    [advice] = results(file_for("advice")[0])
    assert isinstance(advice.record, ApplicationAdvice)
    assert advice.record.items[0] == AdviceItem(
        "TR", "TN", "ENR20261120001", "111111111", "007909411", date(2026, 11, 20), "0930",
        "101", "0001", "814", "00012345678", (Reason("A76", "ACCOUNT NOT FOUND"), Reason("API")),
    )  # fmt: skip
    [ack] = results(file_for("functional-ack")[0])
    assert isinstance(ack.record, FunctionalAck)
    assert (ack.record.status, ack.record.included, ack.record.accepted) == ("P", 2, 1)
    assert ack.record.sets[1].segment_errors[1].element_errors[0].code == "1"


def test_drop_request_and_drop_notice_told_apart_by_sender() -> None:
    [request] = results(file_for("drop-request")[0])
    [notice] = results(file_for("drop-notice")[0])
    assert request.record is not None and notice.record is not None
    assert request.record.kind is Kind.DROP_REQUEST
    assert notice.record.kind is Kind.DROP_NOTICE


def test_engine_997_round_trips() -> None:
    """A 997 the engine writes (here for a file with a bad state code) is a good 997 too."""
    data, _ = file_for("enrollment-request")
    data = data.replace(b"N4*AUGUSTA*ME", b"N4*AUGUSTA*XX")
    [ack] = list(acknowledge(io.BytesIO(data)))
    text = ack_text(ack, control=900, when=datetime(2026, 11, 21, 8, 0))
    [result] = results(text.encode("ascii"))
    assert result.findings == []
    assert result.record == ack.acks[0]
    assert written_back(result) == result.transaction.segments[1:-1]


# -- fixtures written by others: every clean set in them must round-trip --------------------


def _fixture_files() -> list[Path]:
    try:
        root = data_path("fixtures")
    except FileNotFoundError:
        return []
    return sorted(root.rglob("*.x12"))


def _same_tag_runs_sorted(segments: list[list[str]]) -> list[list[str]]:
    """The segments with each run of one segment id sorted: the validator accepts siblings
    with one id (REF*12, REF*1P, ...) in any order, and to_segments writes the guide's."""
    out: list[list[str]] = []
    run: list[list[str]] = []
    for segment in [*segments, ["<end>"]]:
        if run and segment[0] != run[0][0]:
            out.extend(sorted(run))
            run = []
        run.append(segment)
    return out


@pytest.mark.parametrize(
    "path", _fixture_files(), ids=lambda p: str(p.relative_to(data_path("fixtures")))
)
def test_clean_sets_in_fixture_files_round_trip(path: Path) -> None:
    # Trimmed: the untrimmed loop trigger is documented above, not once per fixture file.
    with path.open("rb") as source:
        events = list(FileChecker(source, name=path.name).events())
    if any(f.is_error for e in events if isinstance(e, FileFindings) for f in e.findings):
        return  # a damaged file (non-ASCII bytes, say): its sets are not "good"
    for event in events:
        if not (isinstance(event, SetResult) and not event.findings and event.record):
            continue
        tx = event.transaction
        back = [trim(s) for s in written_back(event)]
        assert _same_tag_runs_sorted(back) == _same_tag_runs_sorted(tx.segments[1:-1]), tx.line
        # and the written-back set reads as the same record
        interchange = tx.group.interchange
        segments = envelope_segments(
            [back],
            set_id=tx.set_id,
            functional_id=tx.group.functional_id,
            sender=interchange.sender,
            receiver=interchange.receiver,
            control=1,
            when=datetime.strptime(tx.group.date, "%Y%m%d"),
            separators=interchange.separators,
        )
        text = "".join(write_segments(segments, interchange.separators))
        [again] = results(text.encode("ascii"))
        assert again.record == event.record, tx.line


# -- writing records ------------------------------------------------------------------------


MAPPING_814 = mapping_for(default_guidebook().guide_for("814", date(2026, 1, 1)))

CHANGE_ACCEPT = Transaction814(
    kind=Kind.CHANGE_ACCEPT,
    purpose="11",
    reference="CAC1",
    date=date(2026, 12, 2),
    action="WQ",
    maintenance="001",
    account="0001",
    td_id="007909411",
    ces_id="111111111",
    td_id_qualifier="1",
    ces_id_qualifier="1",
    original_reference="CHG1",
    line_number="1",
    commodity="EL",
    service="CE",
)


def test_to_segments_fills_constants_and_omits_what_is_absent() -> None:
    segments = to_segments(CHANGE_ACCEPT, MAPPING_814)
    assert segments == [
        ["BGN", "11", "CAC1", "20261202", "", "", "CHG1"],
        ["N1", "8S", "", "1", "007909411"],
        ["N1", "SJ", "", "1", "111111111"],
        ["LIN", "1", "SH", "EL", "SH", "CE"],  # LIN06 'SH' only with a LIN07
        ["ASI", "WQ", "001"],
        ["REF", "12", "0001"],
    ]
    with_hu = dataclasses.replace(CHANGE_ACCEPT, extra_service="HU")
    segments = to_segments(with_hu, MAPPING_814)
    assert segments[3] == ["LIN", "1", "SH", "EL", "SH", "CE", "SH", "HU"]


def test_to_segments_writes_a_meter_loop_without_trailing_empty_elements() -> None:
    with_meter = dataclasses.replace(CHANGE_ACCEPT, meters=(Meter("M1"),))
    segments = to_segments(with_meter, MAPPING_814)
    assert segments[-2:] == [["NM1", "MQ", "3"], ["REF", "MG", "M1"]]


@pytest.mark.parametrize(
    "amount", [Decimal("100").normalize(), Decimal("0.0000001"), Decimal("2.5E+3")]
)
def test_decimal_amounts_are_written_in_plain_notation(amount: Decimal) -> None:
    record = dataclasses.replace(CHANGE_ACCEPT, budget_amount=amount)
    amt = next(s for s in to_segments(record, MAPPING_814) if s[0] == "AMT")
    assert "E" not in amt[2].upper()
    assert Decimal(amt[2]) == amount


# -- mapping data errors ---------------------------------------------------------------------


def _bad_mapping(tmp_path: Path, change: Any) -> Path:
    raw = json.loads((data_path("mappings") / "814.json").read_text())
    change(raw)
    path = tmp_path / "814.json"
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda raw: raw["fields"].update(nonsense="BGN.BGN02"), "no field 'nonsense'"),
        (lambda raw: raw["fields"].update(reference="XYZ.XYZ01"), "no guide node 'XYZ'"),
        (lambda raw: raw["fields"].update(reference="BGN.BGN99"), "no element 'BGN99'"),
        (lambda raw: raw["fields"].pop("account"), "['account'] are not mapped"),
        (lambda raw: raw.update(record="Invoice810"), "unknown record 'Invoice810'"),
        (
            lambda raw: raw["fields"].update(date={"at": "BGN.BGN03", "type": "julian"}),
            "unknown field type 'julian'",
        ),
    ],
)
def test_load_mapping_refuses_bad_data(tmp_path: Path, change: Any, message: str) -> None:
    guide = default_guidebook().guide_for("814", None)
    assert guide is not None
    with pytest.raises(MappingError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_mapping(_bad_mapping(tmp_path, change), guide)
