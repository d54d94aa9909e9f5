"""X12 envelope segments and the named headers of `model.py`, both ways."""

from __future__ import annotations

import datetime as dt

from ebt.formats.model import GroupHeader, InterchangeHeader
from ebt.syntax.writer import ISA_WIDTHS


def _at(values: tuple[str, ...], index: int) -> str:
    return values[index] if index < len(values) else ""


def interchange_header(isa: tuple[str, ...]) -> InterchangeHeader:
    """The named ISA values (padding stripped)."""
    v = [_at(isa, i).strip() for i in range(16)]
    return InterchangeHeader(
        sender_qualifier=v[5],
        sender=v[6],
        receiver_qualifier=v[7],
        receiver=v[8],
        date=v[9],
        time=v[10],
        control=v[13],
        usage=v[15],
        ack_requested=v[14],
        authorization_qualifier=v[1],
        authorization=v[2],
        security_qualifier=v[3],
        security=v[4],
    )


def isa_elements(header: InterchangeHeader, component: str = ">") -> tuple[str, ...]:
    """ISA with every element padded to its fixed width (a value too wide is kept whole, and
    the X12 checks say so)."""
    h = header
    values = (
        h.authorization_qualifier,
        h.authorization,
        h.security_qualifier,
        h.security,
        h.sender_qualifier,
        h.sender,
        h.receiver_qualifier,
        h.receiver,
        h.date,
        h.time,
        "U",
        "00401",
        h.control,
        h.ack_requested,
        h.usage,
        component,
    )
    return ("ISA", *(value.ljust(width) for value, width in zip(values, ISA_WIDTHS, strict=True)))


def group_header(gs: tuple[str, ...]) -> GroupHeader:
    v = [_at(gs, i) for i in range(9)]
    return GroupHeader(v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8])


def gs_elements(header: GroupHeader) -> tuple[str, ...]:
    h = header
    return (
        "GS",
        h.functional_id,
        h.sender,
        h.receiver,
        h.date,
        h.time,
        h.control,
        h.agency,
        h.version,
    )


def iso_date(x12: str) -> str:
    """CCYYMMDD or YYMMDD (the century taken as 20) as an ISO date; as given when it is not
    a date, so that the schema check names it."""
    digits = x12 if len(x12) == 8 else "20" + x12
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])).isoformat()
    except ValueError:
        return x12


def x12_date(iso: str, *, width: int) -> str:
    """An ISO date as CCYYMMDD (width 8) or YYMMDD (width 6)."""
    digits = iso.replace("-", "")
    return digits[-width:] if len(digits) == 8 and digits.isdigit() else iso
