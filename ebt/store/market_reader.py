"""The store's side of the market core's port (`ebt.market.ports.MarketReader`): partners,
cycle reads, a batch's accounts with their periods and pending processes, the meters at their
premises, and the requests already decided — each read with a few plain SELECTs into the
market's own plain objects."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ebt.market.account import AccountAggregate
from ebt.market.facts import MeterFacts, Partner
from ebt.market.reference import Reference
from ebt.market.rows import ProcessRow
from ebt.store.bulk import read_accounts, read_open_processes, read_periods
from ebt.store.schema import CycleRead, Meter, MeterInstallation, TradingPartner, Transaction


def read_reference(session: Session) -> Reference:
    """The registered partners and the cycle read schedule."""
    partners = [_partner(p) for p in session.scalars(select(TradingPartner))]
    reads = [(c, d) for c, d in session.execute(select(CycleRead.bill_cycle, CycleRead.read_date))]
    return Reference(partners, reads)


def _partner(row: TradingPartner) -> Partner:
    options = frozenset(o.strip() for o in row.billing_options.split(",") if o.strip())
    return Partner(row.id, row.duns, row.name, row.role, row.licensed, options)


class SqlMarketReader:
    """`MarketReader` over one session."""

    def __init__(self, session: Session):
        self.session = session

    def reference(self) -> Reference:
        return read_reference(self.session)

    def accounts(self, numbers: Collection[str]) -> list[AccountAggregate]:
        session = self.session
        by_id = {a.id: AccountAggregate(a) for a in read_accounts(session, numbers)}
        if not by_id:
            return []
        processes: dict[int, ProcessRow] = {}
        for process in read_open_processes(session, by_id):
            by_id[process.account_id or 0].processes.append(process)
            processes[process.id or 0] = process
        for period in read_periods(session, by_id, processes):
            by_id[period.account_id].periods.append(period)
        return sorted(by_id.values(), key=lambda a: a.number)

    def meters(self, premise_ids: Collection[int], on: date) -> dict[int, tuple[MeterFacts, ...]]:
        found: dict[int, list[MeterFacts]] = {p: [] for p in premise_ids}
        if not premise_ids:
            return {}
        installed = self.session.execute(
            select(
                MeterInstallation.premise_id,
                Meter.number,
                Meter.smart,
                Meter.rate_structures,
            )
            .join(Meter, Meter.id == MeterInstallation.meter_id)
            .where(MeterInstallation.premise_id.in_(list(premise_ids)))
            .where(MeterInstallation.installed_on <= on)
            .where(or_(MeterInstallation.removed_on.is_(None), MeterInstallation.removed_on > on))
            .order_by(MeterInstallation.premise_id, Meter.number)
        )
        for premise_id, number, smart, rate_structures in installed:
            structures = frozenset(s.strip() for s in rate_structures.split(","))
            found[premise_id].append(MeterFacts(number, smart, structures))
        return {premise: tuple(meters) for premise, meters in found.items()}

    def decided_requests(self, references: Collection[str]) -> set[tuple[str, str]]:
        rows = self.session.execute(
            select(Transaction.sender, Transaction.reference)
            .where(Transaction.reference.in_(list(references)))
            .where(Transaction.status.in_(("accepted", "rejected")))
        )
        return {(sender or "", reference or "") for sender, reference in rows}
