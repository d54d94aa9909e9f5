"""SegmentReader: separators from the ISA, line endings, chunking, and findings about the bytes."""

from __future__ import annotations

import io

import pytest

from ebt.findings import Severity
from ebt.syntax.reader import SegmentReader
from ebt.syntax.separators import Separators

ENR = (
    "ISA*00*          *00*          *01*111111111      *01*007909411      "
    "*261120*0930*U*00401*000000101*0*P*>~\n"
    "GS*GE*111111111*007909411*20261120*0930*101*X*004010~\n"
    "ST*814*0001~\n"
    "BGN*13*ENR20261120001*20261120~\n"
    "N1*8S*CENTRAL MAINE POWER*1*007909411~\n"
    "N1*SJ*PINE TREE ENERGY*1*111111111~\n"
    "N1*8R*JANE Q DOE~\n"
    "N3*12 MAIN ST*APT 2~\n"
    "N4*AUGUSTA*ME*04330~\n"
    "PER*IC*JANE Q DOE*TE*2075550123~\n"
    "LIN*1*SH*EL*SH*CE~\n"
    "ASI*7*021~\n"
    "REF*12*00012345678~\n"
    "REF*11*PTE-998877~\n"
    "REF*BLT*LDC~\n"
    "REF*PC*LDC~\n"
    "REF*RB*RES-FIXED-12~\n"
    "SE*16*0001~\n"
    "GE*1*101~\n"
    "IEA*1*000000101~\n"
)
DATA = ENR.encode("ascii")
CHUNK_SIZES = (1, 2, 7, 105, 106, 107, 4096)


def lines_of(text: str) -> list[list[str]]:
    """The segments of `text` (one per line, '*' and '~'), split independently of the reader."""
    return [line.rstrip("~").split("*") for line in text.splitlines()]


EXPECTED = lines_of(ENR)


def restyle(text: str, element: str, component: str, terminator: str, suffix: str) -> str:
    """The example re-written with another separator set (its values hold none of them)."""
    out = []
    for line in text.splitlines():
        body = line.rstrip("~").replace("*", element)
        if body.startswith("ISA"):
            body = body[:-1] + component
        out.append(body + terminator + suffix)
    return "".join(out)


def with_isa16(segments: list[list[str]], component: str) -> list[list[str]]:
    return [[*s[:16], component] if s[0] == "ISA" else s for s in segments]


def read(data: bytes, chunk_size: int = 1 << 20) -> tuple[list[list[str]], SegmentReader]:
    reader = SegmentReader(io.BytesIO(data), name="in.x12", chunk_size=chunk_size)
    return list(reader), reader


def codes(reader: SegmentReader) -> list[str]:
    return [f.code for f in reader.findings]


def test_clean_file_reads_every_segment_without_findings() -> None:
    segments, reader = read(DATA)
    assert segments == EXPECTED
    assert reader.findings == []
    assert reader.interchanges == 1
    assert reader.bytes_read == len(DATA)


def test_isa_keeps_its_padding_and_isa16() -> None:
    segments, _ = read(DATA)
    isa = segments[0]
    assert len(isa) == 17
    assert isa[2] == " " * 10
    assert isa[6] == "111111111      "
    assert isa[16] == ">"


def test_separators_come_from_the_isa() -> None:
    text = restyle(ENR, "|", "^", "'", "\n")
    segments, reader = read(text.encode())
    assert segments == with_isa16(EXPECTED, "^")
    assert reader.separator_sets == [Separators("|", "^", "'", "\n")]
    assert reader.findings == []


def test_component_is_isa16_and_terminator_the_character_after_it() -> None:
    # ISA16 ':' and terminator '!' are read by position; '>' (the usual ISA16) is now data.
    text = restyle(ENR, "*", ":", "!", "").replace("PINE TREE ENERGY", "PINE>TREE")
    segments, reader = read(text.encode())
    assert reader.separator_sets == [Separators("*", ":", "!", "")]
    assert segments[5] == ["N1", "SJ", "PINE>TREE", "1", "111111111"]
    assert len(segments) == len(EXPECTED)


def test_element_separator_is_the_fourth_character() -> None:
    text = restyle(ENR, "\x1d", ">", "~", "\n")  # group separator, as some VANs send
    segments, reader = read(text.encode())
    assert reader.separator_sets[0].element == "\x1d"
    assert segments == EXPECTED


@pytest.mark.parametrize(
    ("suffix", "name"), [("", "none"), ("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")]
)
def test_line_ending_after_the_terminator(suffix: str, name: str) -> None:
    text = restyle(ENR, "*", ">", "~", suffix)
    segments, reader = read(text.encode())
    assert segments == EXPECTED, name
    assert reader.separator_sets[0].segment == "~"
    assert reader.separator_sets[0].suffix == suffix
    assert reader.findings == []


def test_mixed_line_endings_are_tolerated() -> None:
    text = ENR.replace("~\n", "~\r\n", 5).replace("REF*12", "\r\nREF*12")
    segments, reader = read(text.encode())
    assert segments == EXPECTED
    assert reader.findings == []


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_bare_newline_as_the_segment_terminator(newline: str) -> None:
    text = ENR.replace("~\n", newline)
    segments, reader = read(text.encode())
    assert segments == EXPECTED
    assert reader.separator_sets[0].segment == newline[0]
    assert reader.findings == []


def _two_interchanges() -> str:
    second = restyle(ENR, "|", "^", "'", "\r\n").replace("000000101", "000000102")
    return ENR + second


def test_several_interchanges_with_different_separators() -> None:
    segments, reader = read(_two_interchanges().encode())
    second = [
        [v.replace("000000101", "000000102") for v in segment]
        for segment in with_isa16(EXPECTED, "^")
    ]
    assert segments == EXPECTED + second
    assert reader.interchanges == 2
    assert reader.separator_sets == [
        Separators("*", ">", "~", "\n"),
        Separators("|", "^", "'", "\r\n"),
    ]
    assert reader.findings == []


VARIANTS = {
    "LF": ENR,
    "none": restyle(ENR, "*", ">", "~", ""),
    "CRLF": restyle(ENR, "*", ">", "~", "\r\n"),
    "newline-terminated": ENR.replace("~\n", "\n"),
    "two-interchanges": _two_interchanges(),
    "trailing-blank-lines": ENR + "\n\n",
}


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_chunk_boundaries_do_not_change_the_segments(variant: str, chunk_size: int) -> None:
    data = VARIANTS[variant].encode()
    whole, whole_reader = read(data)
    chunked, reader = read(data, chunk_size)
    assert chunked == whole
    assert codes(reader) == codes(whole_reader) == []
    assert reader.separator_sets == whole_reader.separator_sets
    assert reader.bytes_read == len(data)


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_batches_hand_out_the_same_segments(chunk_size: int) -> None:
    reader = SegmentReader(io.BytesIO(DATA), chunk_size=chunk_size)
    batches = list(reader.batches())
    assert all(batches)
    assert [s for batch in batches for s in batch] == EXPECTED


def test_utf8_bom_is_a_warning_and_the_file_still_reads() -> None:
    segments, reader = read(b"\xef\xbb\xbf" + DATA)
    assert segments == EXPECTED
    assert codes(reader) == ["FILE-BOM"]
    assert reader.findings[0].severity is Severity.WARNING


@pytest.mark.parametrize(
    "chunk_size",
    [1, 2, 3, 7, 106, 4096],
)
def test_utf8_bom_with_any_chunk_size(chunk_size: int) -> None:
    segments, reader = read(b"\xef\xbb\xbf" + DATA, chunk_size)
    assert segments == EXPECTED
    assert codes(reader) == ["FILE-BOM"]


@pytest.mark.parametrize(
    "chunk_size",
    [1, 2, 7, 106, 4096],
)
def test_leading_white_space_with_any_chunk_size(chunk_size: int) -> None:
    segments, reader = read(b"\r\n \n" + DATA, chunk_size)
    assert segments == EXPECTED
    assert reader.findings == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_file_encoding(encoding: str) -> None:
    segments, reader = read(ENR.encode(encoding))
    assert segments == []
    assert codes(reader) == ["FILE-ENCODING"]
    assert reader.findings[0].is_error


def test_html_is_file_not_x12() -> None:
    html = b"<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n"
    segments, reader = read(html)
    assert segments == []
    assert codes(reader) == ["FILE-NOT-X12"]
    assert "HTML" in reader.findings[0].message


def test_other_text_is_file_not_x12() -> None:
    segments, reader = read(b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER'\n" + b"x" * 300)
    assert segments == []
    assert codes(reader) == ["FILE-NOT-X12"]
    assert "EDIFACT" in reader.findings[0].message


@pytest.mark.parametrize("data", [b"", b"   \r\n\n\t "])
def test_empty_file(data: bytes) -> None:
    segments, reader = read(data)
    assert segments == []
    assert codes(reader) == ["FILE-EMPTY"]


@pytest.mark.parametrize("data", [b"\x1c", b"\x1d\x1e\x1f\n"])
def test_file_of_control_characters_is_not_silently_clean(data: bytes) -> None:
    segments, reader = read(data)
    assert segments == []
    assert codes(reader) in (["FILE-EMPTY"], ["FILE-NOT-X12"])


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_truncated_mid_segment(chunk_size: int) -> None:
    cut = ENR.index("SE*16*0001") + len("SE*16*00")
    segments, reader = read(DATA[:cut], chunk_size)
    assert segments == EXPECTED[:17]  # every whole segment before the cut
    assert codes(reader) == ["FILE-TRUNCATED"]
    assert reader.findings[0].location.segment == "SE"
    assert "SE*16*00" in reader.findings[0].message


@pytest.mark.parametrize("cut", [3, 4, 50, 105])
def test_truncated_inside_the_isa(cut: int) -> None:
    segments, reader = read(DATA[:cut])
    assert segments == []
    assert codes(reader) == ["FILE-TRUNCATED"]


def test_ending_after_a_whole_segment_is_not_truncation() -> None:
    # The missing trailers are the envelope walker's business, not the reader's.
    cut = ENR.index("GE*1*101")
    segments, reader = read(DATA[:cut])
    assert segments == EXPECTED[:18]
    assert reader.findings == []


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_non_ascii_byte_names_its_offset(chunk_size: int) -> None:
    offset = DATA.index(b"JANE")
    data = DATA[:offset] + b"\xc9" + DATA[offset + 1 :]
    segments, reader = read(data, chunk_size)
    assert codes(reader) == ["FILE-NON-ASCII"]
    assert f"offset {offset}" in reader.findings[0].message
    assert "0xC9" in reader.findings[0].message
    assert segments[6] == ["N1", "8R", "\xc9ANE Q DOE"]
    assert len(segments) == len(EXPECTED)


def test_non_ascii_offset_counts_the_bom() -> None:
    offset = DATA.index(b"AUGUSTA")
    data = b"\xef\xbb\xbf" + DATA[:offset] + b"\xff" + DATA[offset + 1 :]
    _, reader = read(data)
    assert codes(reader) == ["FILE-BOM", "FILE-NON-ASCII"]
    assert f"offset {offset + 3}" in reader.findings[1].message


def test_unpadded_isa_is_isa_width_but_segments_still_read() -> None:
    text = ENR.replace("*111111111      *", "*111111111*", 1)
    segments, reader = read(text.encode())
    assert codes(reader) == ["ISA-WIDTH"]
    assert segments[0][6] == "111111111"
    assert segments[0][16] == ">"
    assert segments[1:] == EXPECTED[1:]
    assert reader.separator_sets == [Separators("*", ">", "~", "\n")]


@pytest.mark.parametrize("chunk_size", [1, 7, 4096])
def test_over_padded_isa_is_isa_width(chunk_size: int) -> None:
    text = ENR.replace("*007909411      *", "*007909411        *", 1)
    segments, reader = read(text.encode(), chunk_size)
    assert codes(reader) == ["ISA-WIDTH"]
    assert segments[1:] == EXPECTED[1:]


@pytest.mark.parametrize(
    ("isa_end", "why"),
    [
        ("*~~", "two of the separators are the same"),  # ISA16 = terminator
        ("**~", "two of the separators are the same"),  # ISA16 = element separator
        ("*A~", "letter or digit"),
    ],
)
def test_clashing_separators(isa_end: str, why: str) -> None:
    text = ENR.replace("*>~\n", isa_end + "\n", 1)
    segments, reader = read(text.encode())
    assert segments == []
    assert codes(reader) == ["ISA-SEPARATORS"]
    assert why in reader.findings[0].message


def test_element_separator_equal_to_terminator() -> None:
    text = restyle(ENR, "~", ">", "~", "\n")
    segments, reader = read(text.encode())
    assert segments == []
    assert codes(reader) == ["ISA-SEPARATORS"]


@pytest.mark.parametrize("chunk_size", [1, 7, 4096])
def test_trailing_junk_after_iea(chunk_size: int) -> None:
    segments, reader = read(DATA + b"\nThis file was sent by MegaVAN.\n", chunk_size)
    assert segments == EXPECTED
    assert codes(reader) == ["FILE-TRAILING-DATA"]
    assert "MegaVAN" in reader.findings[0].message


def test_trailing_white_space_after_iea_is_fine() -> None:
    segments, reader = read(DATA + b"\r\n\n   \n")
    assert segments == EXPECTED
    assert reader.findings == []
