"""The XML and EDIFACT forms: the same records as X12, findings located in the original,
hostile XML refused, broken EDIFACT found, acknowledgments in the sender's syntax, and
`ebt translate` / `ebt process` on all three."""

from __future__ import annotations

import io
import json
import resource
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ebt.check import SetResult
from ebt.cli import main
from ebt.findings import KINDS
from ebt.formats.detect import checker_for, sniff
from ebt.formats.translate import translate
from ebt.formats.xml_reader import schema

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
X12_GOOD = FIXTURES / "x12" / "good"
XML_GOOD = sorted((FIXTURES / "xml" / "good").glob("*.xml"))
EDI_GOOD = sorted((FIXTURES / "edifact" / "good").glob("*.edi"))
XML_BAD = sorted((FIXTURES / "xml" / "bad").glob("*.xml"))
EDI_BAD = sorted((FIXTURES / "edifact" / "bad").glob("*.edi"))
TODAY = "2026-11-20"


def ebt(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def validated(path: Path) -> dict[str, Any]:
    result = ebt("validate", path, "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    report: dict[str, Any] = json.loads(result.stdout)["files"][0]
    return report


def shown(path: Path) -> list[dict[str, Any]]:
    result = ebt("show", path, "--format", "json")
    assert result.exit_code == 0, result.output
    records: list[dict[str, Any]] = json.loads(result.stdout)["transactions"]
    return records


def expected_code(path: Path) -> str:
    return path.name.split("--")[0].upper()


# -- telling the syntaxes apart --------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "syntax"),
    [
        (b"ISA*00*", "x12"),
        (b"\xef\xbb\xbfISA*00*", "x12"),
        (b"UNA:+.? 'UNB+", "edifact"),
        (b"\r\n UNB+UNOC:4+", "edifact"),
        (b'<?xml version="1.0"?><ebt/>', "xml"),
        (b"<ebt xmlns='urn:ebt:transactions:1.0'/>", "xml"),
        (b"<!DOCTYPE html><html>", "x12"),  # an HTML page: the X12 reader says what it is
        (b"account,name\n", "x12"),
        (b"", "x12"),
    ],
)
def test_the_syntax_is_told_by_the_first_bytes(head: bytes, syntax: str) -> None:
    assert sniff(head) == syntax


def test_validate_reports_the_syntax_it_read() -> None:
    assert validated(XML_GOOD[0])["syntax"] == "xml"
    assert validated(EDI_GOOD[0])["syntax"] == "edifact"


# -- good files: the same records as X12 -----------------------------------------------------


@pytest.mark.parametrize(
    "path", XML_GOOD + EDI_GOOD, ids=lambda p: f"{p.parent.parent.name}/{p.name}"
)
def test_good_files_are_valid(path: Path) -> None:
    report = validated(path)
    assert report["errors"] == 0, report["findings"]
    assert report["transactions"] >= 1


TWINS = {
    "messages-without-groups": "814-enrollment-request",
    "other-separators-with-release": "814-enrollment-request",
}


@pytest.mark.parametrize(
    "path", XML_GOOD + EDI_GOOD, ids=lambda p: f"{p.parent.parent.name}/{p.name}"
)
def test_the_rules_see_the_same_records_as_from_x12(path: Path) -> None:
    twin = X12_GOOD / f"{TWINS.get(path.stem, path.stem)}.x12"
    records, expected = shown(path), shown(twin)
    if path.stem == "other-separators-with-release":  # its name holds released | and !
        assert records[0].pop("customer_name") == "MARGARET L O|REILLY! THIBODEAU"
        expected[0].pop("customer_name")
    assert records == expected


def test_a_value_holding_an_x12_separator_is_refused(tmp_path: Path) -> None:
    path = FIXTURES / "edifact" / "bad" / "element-bad-character--x12-separator-in-name.edi"
    (item,) = validated(path)["findings"]
    assert item["code"] == "ELEMENT-BAD-CHARACTER" and item["element"] == "N102"
    assert item["origin"].startswith("NAD+8R element 4:1")
    result = ebt("translate", path, "--to", "x12", "-o", tmp_path / "out.x12")
    assert result.exit_code == 1 and "X12 separator" in result.output
    assert not list(tmp_path.iterdir())


def test_xml_good_files_are_valid_against_the_xsd_whole() -> None:
    for path in XML_GOOD:
        schema().validate(str(path))


# -- bad files: the code they are named for, located in the original ---------------------------


@pytest.mark.parametrize(
    "path", XML_BAD + EDI_BAD, ids=lambda p: f"{p.parent.parent.name}/{p.name}"
)
def test_bad_files_report_their_code_where_it_is(path: Path) -> None:
    report = validated(path)
    codes = {f["code"] for f in report["findings"]}
    assert expected_code(path) in codes, codes
    assert expected_code(path) in KINDS
    for item in report["findings"]:
        assert item["message"].rstrip()[-1] in ".)'\"", item["message"]
        assert item["origin"], item  # the XML element or EDIFACT segment, as received


def test_an_xml_schema_error_names_the_element_and_its_line() -> None:
    path = FIXTURES / "xml" / "bad" / "xml-schema--misspelt-element.xml"
    (item,) = validated(path)["findings"]
    line = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if "<referense>" in text
    )
    assert item["origin"] == f"<referense> line {line}"
    assert item["line"] == line


def test_a_guide_finding_is_moved_to_the_xml_element_that_carried_the_field() -> None:
    path = FIXTURES / "xml" / "bad" / "element-too-long--account-over-30.xml"
    (item,) = validated(path)["findings"]
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "<account>" in text)
    assert item["code"] == "ELEMENT-TOO-LONG" and item["element"] == "REF02"
    assert item["origin"] == f"<account> line {line}"


def test_a_guide_finding_is_moved_to_the_edifact_segment_that_carried_the_field() -> None:
    path = FIXTURES / "edifact" / "bad" / "element-code--state-xx.edi"
    (item,) = validated(path)["findings"]
    number = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "NAD+8R" in text)
    assert item["code"] == "ELEMENT-CODE" and item["line"] == number
    assert item["origin"] == f"NAD+8R element 7:1, segment {number}"


@pytest.mark.parametrize(
    ("fixture", "code", "value"),
    [
        ("unt-count--one-short.edi", "UNT-COUNT", "16"),
        ("unt-control--mismatch.edi", "UNT-CONTROL", "0002"),
        ("une-count--says-two.edi", "UNE-COUNT", "2"),
        ("unz-control--mismatch.edi", "UNZ-CONTROL", "000000102"),
    ],
)
def test_edifact_trailers_are_checked_like_x12(fixture: str, code: str, value: str) -> None:
    (item,) = validated(FIXTURES / "edifact" / "bad" / fixture)["findings"]
    assert item["code"] == code and value in item["message"]


# -- hostile XML -----------------------------------------------------------------------------


def codes_of(data: bytes) -> tuple[set[str], list[Any]]:
    events = list(checker_for(io.BytesIO(data), name="hostile.xml").events())
    found = [f for e in events for f in e.findings]
    return {f.code for f in found}, found


def test_billion_laughs_is_refused_without_expanding() -> None:
    data = (FIXTURES / "xml" / "bad" / "xml-dtd--billion-laughs.xml").read_bytes()
    codes, found = codes_of(data)
    assert codes == {"XML-DTD"}
    assert all("lollol" not in f.message for f in found)


def test_an_external_entity_is_not_read() -> None:
    data = (FIXTURES / "xml" / "bad" / "xml-dtd--external-entity-file.xml").read_bytes()
    codes, found = codes_of(data)
    assert codes == {"XML-DTD"}
    secret = Path("/etc/passwd").read_text(errors="replace").split(":")[0]
    assert all(secret not in f.message for f in found)


def test_an_external_dtd_is_not_fetched() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        port = server.getsockname()[1]
        url = f"http://127.0.0.1:{port}/ebt.dtd"
        data = (
            f'<?xml version="1.0"?>\n<!DOCTYPE ebt SYSTEM "{url}">\n'
            '<ebt xmlns="urn:ebt:transactions:1.0" version="1.0">&remote;</ebt>\n'
        ).encode()
        codes, _ = codes_of(data)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody called
    assert codes and codes <= {"XML-DTD", "XML-MALFORMED"}


class HugeTextNode(io.RawIOBase):
    """An XML file whose <city> holds `size` bytes of text, made as it is read."""

    def __init__(self, size: int):
        head = (X12_GOOD.parent.parent / "xml" / "good" / "814-enrollment-request.xml").read_bytes()
        self.head, self.tail = head.split(b"PORTLAND", 1)
        self.size = size
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            data, self.head = self.head[: len(buffer)], self.head[len(buffer) :]
        elif self.size:
            data = b"A" * min(len(buffer), self.size)
            self.size -= len(data)
        else:
            data, self.tail = self.tail[: len(buffer)], self.tail[len(buffer) :]
        buffer[: len(data)] = data
        self.given += len(data)
        return len(data)


def test_a_one_gigabyte_text_node_is_refused_early_in_little_memory() -> None:
    source = HugeTextNode(1 << 30)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    codes, found = codes_of_stream(source)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert codes == {"XML-LIMIT"}, found
    assert source.given < 64 << 20  # stopped after a few tens of MB, not 1 GB
    assert grown_kib < 256 << 10


def codes_of_stream(source: io.RawIOBase) -> tuple[set[str], list[Any]]:
    stream = io.BufferedReader(source)
    events = list(checker_for(stream, name="huge.xml").events())  # type: ignore[arg-type]
    found = [f for e in events for f in e.findings]
    return {f.code for f in found}, found


def test_deep_nesting_is_refused() -> None:
    codes, _ = codes_of((FIXTURES / "xml" / "bad" / "xml-limit--nested-300-deep.xml").read_bytes())
    assert codes == {"XML-LIMIT"}


# -- translation -----------------------------------------------------------------------------


def test_translate_writes_nothing_for_a_file_with_errors(tmp_path: Path) -> None:
    out = tmp_path / "out.xml"
    result = ebt(
        "translate", FIXTURES / "x12" / "bad" / "se-count--one-short.x12", "--to", "xml", "-o", out
    )
    assert result.exit_code == 1
    assert "SE-COUNT" in result.output and not out.exists()
    assert not list(tmp_path.glob(".translate-*"))


@pytest.mark.parametrize("target", ["xml", "edifact", "x12"])
def test_translate_every_good_x12_file_and_back(target: str, tmp_path: Path) -> None:
    for path in sorted(X12_GOOD.glob("*.x12")):
        middle = tmp_path / f"{path.stem}.{target}"
        result = ebt("translate", path, "--to", target, "-o", middle)
        assert result.exit_code == 0, result.output
        back = ebt("translate", middle, "--to", "x12")
        assert back.exit_code == 0, back.output
        original = [e.record for e in events_of(path.read_bytes()) if isinstance(e, SetResult)]
        again = [e.record for e in events_of(back.stdout.encode()) if isinstance(e, SetResult)]
        assert again == original, path.name


def events_of(data: bytes) -> list[Any]:
    return list(checker_for(io.BytesIO(data), name="x").events())


def test_release_characters_survive_edifact() -> None:
    x12 = (X12_GOOD / "814-enrollment-request.x12").read_text()
    tricky = "O'BRIEN + SONS: 50% ?"
    data = x12.replace("MARGARET L THIBODEAU~\nN3", f"{tricky}~\nN3").encode()
    pieces, outcome = translate(io.BytesIO(data), to="edifact")
    edi = "".join(pieces)
    assert not outcome.errors
    assert "O?'BRIEN ?+ SONS?: 50% ??" in edi
    back = [e.record for e in events_of(edi.encode("latin-1")) if isinstance(e, SetResult)]
    assert back[0] is not None and back[0].customer_name == tricky  # type: ignore[union-attr]


# -- acknowledgments in the sender's syntax --------------------------------------------------------


def test_ack_of_edifact_is_a_contrl_naming_the_segment_in_error() -> None:
    path = FIXTURES / "edifact" / "bad" / "element-code--state-xx.edi"
    result = ebt("--today", TODAY, "ack", path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "UNA:+.? '"
    assert any(line.startswith("UNH+1+CONTRL:D:3:UN") for line in lines)
    assert "UCI+000000101+081234567:01+049876543:01+7'" in lines
    assert "UCM+0001+UTILMD:D:11A:UN+4'" in lines
    nad = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "NAD+8R" in t)
    unh = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if t.startswith("UNH"))
    assert f"UCS+{nad - unh + 1}'" in lines
    assert "UCD+12+7:1'" in lines
    unt = next(line for line in lines if line.startswith("UNT"))
    assert unt == f"UNT+{sum(1 for line in lines if line[:3] not in ('UNA', 'UNB', 'UNZ'))}+1'"


def test_ack_of_a_broken_edifact_interchange_rejects_it() -> None:
    result = ebt(
        "--today", TODAY, "ack", FIXTURES / "edifact" / "bad" / "unz-count--says-two-groups.edi"
    )
    assert result.exit_code == 0
    assert "UCI+000000101+081234567:01+049876543:01+4+29'" in result.stdout.splitlines()


def test_ack_of_xml_is_the_997_in_xml_and_valid_against_the_xsd() -> None:
    result = ebt(
        "--today", TODAY, "ack", FIXTURES / "xml" / "bad" / "element-too-long--account-over-30.xml"
    )
    assert result.exit_code == 0, result.output
    document = etree.fromstring(result.stdout.encode())
    schema().validate(document)
    ns = {"e": "urn:ebt:transactions:1.0"}
    assert document.xpath("//e:functional_ack/e:status/text()", namespaces=ns) == ["R"]
    assert document.xpath("//e:element_error/e:code/text()", namespaces=ns) == ["5"]


# -- the market sees one thing --------------------------------------------------------------------


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("syntax", ["xml", "edifact"])
def test_process_decides_xml_and_edifact_as_x12(
    store_url: str, tmp_path: Path, syntax: str
) -> None:
    run("load", str(FIXTURES / "reference"), "--db", store_url)
    folder = FIXTURES / syntax / "good"
    requests = sorted(folder.glob("814-*-request.*"))
    assert len(requests) == 4
    output = run(
        "--today", TODAY, "process", *map(str, requests), "--db", store_url, "--out", str(tmp_path)
    )
    assert "enroll 1" in output
    view = json.loads(run("account", "show", "00412345678", "--db", store_url, "--format", "json"))
    assert view["supplier_periods"][-1]["supplier"] == "081234567"
    assert any(tmp_path.glob("*.x12"))


def test_process_keeps_where_a_finding_was_in_the_xml(store_url: str, tmp_path: Path) -> None:
    from sqlalchemy import select

    from ebt.store.database import make_engine
    from ebt.store.schema import FindingRow

    run("load", str(FIXTURES / "reference"), "--db", store_url)
    bad = FIXTURES / "xml" / "bad" / "element-too-long--account-over-30.xml"
    run("--today", TODAY, "process", str(bad), "--db", store_url, "--out", str(tmp_path))
    engine = make_engine(store_url)
    with engine.connect() as db:
        origins = db.scalars(
            select(FindingRow.origin).where(FindingRow.code == "ELEMENT-TOO-LONG")
        ).all()
    engine.dispose()
    assert len(origins) == 1 and origins[0] is not None and origins[0].startswith("<account> line ")


# -- damaged input never raises ---------------------------------------------------------------


def all_events(data: bytes, name: str) -> list[Any]:
    return list(checker_for(io.BytesIO(data), name=name).events())


@pytest.mark.parametrize(
    "path",
    [
        FIXTURES / "edifact" / "good" / "814-enrollment-reject.edi",
        FIXTURES / "xml" / "good" / "814-enrollment-reject.xml",
    ],
    ids=lambda p: p.suffix,
)
def test_every_truncation_never_raises_and_is_found(path: Path) -> None:
    data = path.read_bytes().rstrip()
    cut_points = range(len(data) - 1, 0, -max(1, len(data) // 300))
    for cut in cut_points:
        events = all_events(data[:cut], path.name)
        errors = [f for e in events for f in e.findings if f.is_error]
        assert errors, f"no error for the first {cut} bytes"


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=300),
    st.sampled_from([b"UNA:+.? '", b"UNB+UNOC:4+", b"<?xml version='1.0'?><ebt"]),
)
def test_arbitrary_bytes_after_a_known_start_never_raise(tail: bytes, head: bytes) -> None:
    all_events(head + tail, "fuzz")


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_byte_flips_in_edifact_never_raise(data: st.DataObject) -> None:
    original = bytearray((FIXTURES / "edifact" / "good" / "814-enrollment-reject.edi").read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(original) - 1))
        original[at] = data.draw(st.sampled_from(b"'+:?\n A9\x00\xff"))
    all_events(bytes(original), "flipped.edi")


def test_a_document_of_other_elements_is_refused_after_a_mebibyte() -> None:
    source = io.BytesIO(b"<foo>" + b"<a/>" * 600_000 + b"</foo>")
    codes, found = codes_of(source.getvalue())
    assert codes == {"XML-ROOT"}
    assert "first 1024 KiB" in found[0].message


@pytest.mark.parametrize(
    ("edit", "stray", "parent"),
    [
        ((b"<group ", b"<note>hi</note><group "), "<note>", "<interchange>"),
        ((b"</group>", b"<stray/></group>"), "<stray>", "<group>"),
        ((b"</transaction814>", b"</transaction814><bogus><x/></bogus>"), "<bogus>", "<group>"),
    ],
)
def test_elements_out_of_place_are_named(
    edit: tuple[bytes, bytes], stray: str, parent: str
) -> None:
    good = (FIXTURES / "xml" / "good" / "multi-transaction.xml").read_bytes()
    codes, found = codes_of(good.replace(*edit, 1))
    assert codes == {"XML-SCHEMA"}
    (item,) = found
    assert (
        item.message.startswith(f"{stray} at line ") and f"not allowed in {parent}" in item.message
    )


def test_translate_help_ends_with_examples() -> None:
    result = ebt("translate", "--help")
    assert result.exit_code == 0
    last = result.stdout.strip().split("Examples:")[-1].strip().splitlines()
    assert last and all(line.strip().startswith("ebt translate ") for line in last)


def test_translate_needs_a_target() -> None:
    assert ebt("translate", X12_GOOD / "814-enrollment-request.x12").exit_code == 2


@pytest.mark.parametrize(
    ("ending", "truncated"),
    [("UNZ+1+000000101'\n", False), ("UNZ+1+000000101?'", True), ("UNZ+1+0001??'  \r\n", False)],
)
def test_a_last_segment_without_its_terminator_is_truncation(ending: str, truncated: bool) -> None:
    text = (FIXTURES / "edifact" / "good" / "814-enrollment-request.edi").read_text()
    data = (text[: text.index("UNZ+")] + ending).encode("latin-1")
    codes = {f.code for e in all_events(data, "t.edi") for f in e.findings}
    assert ("FILE-TRUNCATED" in codes) is truncated, codes
