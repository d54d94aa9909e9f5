"""The rows one batch of decisions, or one of the T&D's own processes, adds and changes,
collected as plain values.

New processes and supplier periods are plain rows (`rows.py`); the transactions, findings,
decisions and outbox messages a batch adds are dictionaries of column values, holding the
transaction row and process they belong to by reference until they are written. The store
writes a batch in one database transaction (`ebt.store.unit_of_work.write_batch`).

The T&D's own processes (moves, tenants' service, landlord changes, the daily activation,
meter exchanges) add the rows of `service_rows.py`; what they change in rows the store read
for them, the store finds itself (`ebt.store.service_store.SqlServiceStore.write`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ebt.market.rows import PeriodRow, ProcessRow
from ebt.market.service_rows import (
    AccountFinal,
    AgreementRow,
    FinalBillRow,
    InstallationRow,
    MeterReadRow,
    MeterRow,
    MoveRow,
    ServicePeriodRow,
    WorkItemRow,
)


@dataclass(slots=True)
class BatchWrites:
    processes: list[ProcessRow] = field(default_factory=list)
    periods: list[PeriodRow] = field(default_factory=list)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class ServiceWrites:
    """What one of the T&D's own processes adds: new rows, in the order they were made;
    `processes` also holds a process made and written earlier in the same transaction that
    this one changes (a move's)."""

    processes: list[ProcessRow] = field(default_factory=list)
    service_periods: list[ServicePeriodRow] = field(default_factory=list)
    agreements: list[AgreementRow] = field(default_factory=list)
    meters: list[MeterRow] = field(default_factory=list)
    installations: list[InstallationRow] = field(default_factory=list)
    reads: list[MeterReadRow] = field(default_factory=list)
    work_items: list[WorkItemRow] = field(default_factory=list)
    final_bills: list[FinalBillRow] = field(default_factory=list)
    moves: list[MoveRow] = field(default_factory=list)
    finals: list[AccountFinal] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)  # as `BatchWrites`'
    outbox: list[dict[str, Any]] = field(default_factory=list)
