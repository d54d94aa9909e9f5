"""A transaction as text a person reads (`ebt show`): an 814 field by field, a 997 and an
824 as sentences, every code with its meaning from the catalogue (ebt/codes.py).

The records come as plain data (`ebt.cli.render.plain`), as `ebt show --format json`
writes them.
"""

from __future__ import annotations

import json
from typing import Any

import click

from ebt.codes import Catalogue, default_catalogue
from ebt.findings import count_of

# 814 fields that hold a code, and the catalogue list it comes from
FIELD_CODES = {
    "purpose": "purpose",
    "action": "action",
    "maintenance": "maintenance",
    "td_id_qualifier": "id-qualifier",
    "ces_id_qualifier": "id-qualifier",
    "contact_function": "contact-function",
    "contact_qualifier": "communication",
    "commodity": "commodity",
    "service": "service",
    "extra_service": "service",
    "billing_option": "billing-option",
    "bill_calculator": "billing-option",
    "state": "state",
    "bill_to_state": "state",
}
REASON_CODES = {"reject_reasons": "reject", "status_reasons": "status", "change_reasons": "change"}
NUMBER_LABELS = {"interchange": "ISA", "group": "GS", "transaction": "ST"}


def record_text(record: dict[str, Any]) -> str:
    """The record for a person: a 997 and an 824 as sentences, anything else field by field."""
    catalogue = default_catalogue()
    if record["kind"] == "functional_ack":
        return ack_text(record, catalogue)
    if record["kind"] == "application_advice":
        return advice_text(record, catalogue)
    return fields_text(record, catalogue)


def _numbers(record: dict[str, Any]) -> str:
    numbers = record.get("control_numbers") or {}
    return " / ".join(f"{NUMBER_LABELS[k]} {v}" for k, v in numbers.items())


def _meaning(catalogue: Catalogue, kind: str, code: str) -> str:
    return catalogue.meaning(kind, code) or f"not in the {catalogue.lists[kind].title} list"


def _coded(catalogue: Catalogue, kind: str, code: str, element: str) -> str:
    """`AK3 8 = segment has data element errors`: the element, the code, its meaning."""
    return f"{element} {code} = {_meaning(catalogue, kind, code)}"


# -- 814 and anything else: field by field ---------------------------------------------------


def fields_text(record: dict[str, Any], catalogue: Catalogue) -> str:
    head = click.style(str(record["kind"]), bold=True)
    lines = [f"{head}  {record.get('reference') or ''}"]
    shown = {k: v for k, v in record.items() if v not in (None, [], {}) and k != "kind"}
    width = max(len(k) for k in shown) if shown else 0
    for key, value in shown.items():
        for index, text in enumerate(_field(key, value, catalogue)):
            lines.append(f"  {key if index == 0 else '':<{width}}  {text}")
    return "\n".join(lines)


def _field(key: str, value: Any, catalogue: Catalogue) -> list[str]:
    """A field's value as one or more lines, codes with their meanings."""
    if key in FIELD_CODES and isinstance(value, str):
        return [catalogue.label(FIELD_CODES[key], value)]
    if key in REASON_CODES and isinstance(value, list):
        return [
            catalogue.label(REASON_CODES[key], reason["code"])
            + (f": {reason['text']}" if reason.get("text") else "")
            for reason in value
        ]
    if key == "control_numbers" and isinstance(value, dict):
        return [" / ".join(f"{NUMBER_LABELS[k]} {v}" for k, v in value.items())]
    return [json.dumps(value) if isinstance(value, list | dict) else str(value)]


# -- 997 ------------------------------------------------------------------------------------


def ack_text(record: dict[str, Any], catalogue: Catalogue) -> str:
    """A 997 as sentences: the group's verdict, then each set's, its segments and elements."""
    head = click.style("functional_ack", bold=True)
    lines = [f"{head}  997 ({_numbers(record)})", "  " + _group_line(record, catalogue)]
    for item in record["sets"]:
        lines.append("    " + _set_line(item, catalogue))
        for segment in item["segment_errors"]:
            lines.append("      " + _segment_line(segment, catalogue))
            lines += [
                "        " + _element_line(segment, e, catalogue) for e in segment["element_errors"]
            ]
    return "\n".join(lines)


def _verdict(catalogue: Catalogue, kind: str, element: str, status: str, errors: list[str]) -> str:
    """`rejected (AK5 R: 5 = one or more segments in error)`."""
    said = catalogue.meaning(kind, status) or f"status {status}"
    why = "; ".join(f"{e} = {_meaning(catalogue, f'{kind}-error', e)}" for e in errors)
    return f"{said} ({element} {status}" + (f": {why})" if why else ")")


def _group_line(record: dict[str, Any], catalogue: Catalogue) -> str:
    verdict = _verdict(catalogue, "ak9", "AK9", record["status"], record["errors"])
    counted = f"{record['accepted']} of {count_of(record['received'], 'set')} accepted"
    if record["included"] != record["received"]:
        counted += f" (its GE said {record['included']})"
    return f"group {record['functional_id']} {record['group_control']}: {verdict} — {counted}"


def _set_line(item: dict[str, Any], catalogue: Catalogue) -> str:
    verdict = _verdict(catalogue, "ak5", "AK5", item["status"], item["errors"])
    return f"set {item['set_id']} {item['control']}: {verdict}"


def _segment_line(segment: dict[str, Any], catalogue: Catalogue) -> str:
    loop = f" in loop {segment['loop']}" if segment.get("loop") else ""
    code = segment.get("code")
    why = f" ({_coded(catalogue, 'ak3', code, 'AK3')})" if code else ""
    return f"segment {segment['segment']} at position {segment['position']}{loop}{why}"


def _element_line(segment: dict[str, Any], error: dict[str, Any], catalogue: Catalogue) -> str:
    position = str(error["position"])
    name = f"{segment['segment']}{int(position):02d}" if position.isdigit() else position
    reference = f", data element {error['reference']}" if error.get("reference") else ""
    value = f", value {json.dumps(error['value'])}" if error.get("value") is not None else ""
    why = _coded(catalogue, "ak4", error["code"], "AK4")
    return f"element {position} ({name}{reference}){value} ({why})"


# -- 824 ------------------------------------------------------------------------------------


def advice_text(record: dict[str, Any], catalogue: Catalogue) -> str:
    """An 824 as sentences: who wrote to whom, then each original transaction's verdict and
    its errors."""
    head = click.style("application_advice", bold=True)
    purpose = catalogue.label("purpose", record["purpose"])
    lines = [
        f"{head}  {record['reference']} of {record['date']}, purpose {purpose} "
        f"({_numbers(record)})",
        f"  T&D {record.get('td_name') or ''} ({record['td_id']}), "
        f"CES {record.get('ces_name') or ''} ({record['ces_id']})",
    ]
    for number, item in enumerate(record["items"], start=1):
        lines.append(f"  {number}. {_item_line(item, catalogue)}")
        lines += [
            "       error "
            + catalogue.label("advice-error", error["code"])
            + (f": {error['text']}" if error.get("text") else "")
            for error in item["errors"]
        ]
    return "\n".join(lines)


def _item_line(item: dict[str, Any], catalogue: Catalogue) -> str:
    parts = []
    if item.get("set_id"):
        parts.append(f"{catalogue.label('set-id', item['set_id'])} {item.get('set_control') or ''}")
    if item.get("group_control"):
        parts.append(f"group {item['group_control']}")
    qualifier = catalogue.meaning("advice-reference", item["reference_qualifier"])
    parts.append(f"{qualifier or item['reference_qualifier']} {item['reference']}")
    if item.get("account"):
        parts.append(f"account {item['account']}")
    status = catalogue.meaning("advice-status", item["status"]) or "status"
    return f"{', '.join(p.strip() for p in parts)}: {status} (OTI01 {item['status']})"
