"""The rows one batch of decisions adds and changes, collected as plain values.

New processes and supplier periods are plain rows (`rows.py`); the transactions, findings,
decisions and outbox messages a batch adds are dictionaries of column values, holding the
transaction row and process they belong to by reference until they are written. The store
writes a batch in one database transaction (`ebt.store.unit_of_work.write_batch`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ebt.market.rows import PeriodRow, ProcessRow


@dataclass(slots=True)
class BatchWrites:
    processes: list[ProcessRow] = field(default_factory=list)
    periods: list[PeriodRow] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
