"""Every page's JSON twin: the same values the page shows, as plain JSON (dates as ISO
text, money as a string), for tests and scripts — as Datasette does."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from markupsafe import Markup

from ebt.queries.paging import Page
from ebt.rules.tables import Outcome, Table


def plain(value: Any) -> Any:
    """`value` made of dicts, lists, strings, numbers, booleans and None."""
    if value is None or (
        isinstance(value, bool | int | float | str) and not isinstance(value, Markup)
    ):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | Enum):
        return str(value)
    if isinstance(value, Table):
        return _table(value)
    if isinstance(value, Outcome):
        return {"outcome": value.name, "code": value.code}
    if isinstance(value, Page):
        return {
            "rows": plain(value.rows),
            "page": value.number,
            "per_page": value.per_page,
            "next": value.next,
            "previous": value.previous,
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items() if not isinstance(v, Markup)}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def _table(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "version": table.version,
        "valid_from": table.valid_from.isoformat(),
        "about": table.about,
        "start": table.start,
        "steps": {
            step_id: {
                "question": step.question,
                "predicate": step.predicate,
                "yes": plain(step.yes),
                "no": plain(step.no),
            }
            for step_id, step in table.steps.items()
        },
    }
