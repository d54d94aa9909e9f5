"""Decide one batch of inbound transaction sets against the account aggregates.

Each set is recorded (raw text, findings); each CES request is decided by its decision table
(`rules/`) from the facts about it, in delivery order, and the verdict applied: processes,
supplier periods, the decision with its steps, and the answers in the outbox. New rows are
collected in `BatchWrites` and written when the batch ends.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ebt.calendar import MaineCalendar
from ebt.check import SetResult
from ebt.guides.loader import default_guidebook
from ebt.mapping.mapper import guidebook_mapping, to_segments
from ebt.mapping.records import Kind, Meter, Transaction814
from ebt.market import responses, rows
from ebt.market.account import AccountAggregate
from ebt.market.facts import AccountFacts, Facts, MeterFacts, Partner, PendingFacts
from ebt.market.predicates import PREDICATES
from ebt.market.writes import BatchWrites
from ebt.rules.parameters import Parameters
from ebt.rules.tables import Answer, RuleBook, Verdict, evaluate, stored_steps
from ebt.store.schema import (
    CycleRead,
    MeterInstallation,
    ProcessKind,
    ProcessState,
    TradingPartner,
    Transaction,
)
from ebt.store.schema import (
    Meter as MeterRow,
)
from ebt.syntax.writer import segments_text

TABLES = {
    Kind.ENROLLMENT_REQUEST: "enrollment",
    Kind.DROP_REQUEST: "drop",
    Kind.CHANGE_REQUEST: "change",
    Kind.REINSTATEMENT_REQUEST: "reinstatement",
}


@dataclass(frozen=True, slots=True)
class Market:
    """What decisions need besides the store: rules, parameters, calendar, the clock."""

    rulebook: RuleBook
    parameters: Parameters
    calendar: MaineCalendar
    today: date
    now: datetime


class Reference:
    """Partners and cycle reads, read once per run."""

    def __init__(self, session: Session):
        rows = session.scalars(select(TradingPartner)).all()
        self.partners = {p.duns: _partner(p) for p in rows}
        self.by_id = {p.id: p for p in self.partners.values()}
        tds = [p for p in self.partners.values() if p.role == "T&D"]
        self.td = tds[0] if tds else None
        self.reads: dict[str, list[date]] = {}
        for cycle, day in session.execute(
            select(CycleRead.bill_cycle, CycleRead.read_date).order_by(CycleRead.read_date)
        ):
            self.reads.setdefault(cycle, []).append(day)
        self.read_sets = {cycle: frozenset(days) for cycle, days in self.reads.items()}
        self._eligible: dict[tuple[str, date, int], date | None] = {}
        self._steps: dict[tuple[Answer, ...], str] = {}

    def first_eligible_read(self, cycle: str, market: Market) -> date | None:
        """The first read of `cycle` a request received today can take effect on."""
        lead = market.parameters.lead_business_days
        key = (cycle, market.today, lead)
        if key not in self._eligible:
            reads = self.reads.get(cycle, [])
            self._eligible[key] = market.calendar.first_eligible_read(reads, market.today, lead)
        return self._eligible[key]

    def steps_json(self, steps: tuple[Answer, ...]) -> str:
        """A decision's steps as stored; the same path is written the same way."""
        text = self._steps.get(steps)
        if text is None:
            text = self._steps[steps] = stored_steps(steps)
        return text


def _partner(row: TradingPartner) -> Partner:
    options = frozenset(o.strip() for o in row.billing_options.split(",") if o.strip())
    return Partner(row.id, row.duns, row.name, row.role, row.licensed, options)


class Case(NamedTuple):
    """One accepted request on its way through the outcome's handler."""

    record: Transaction814
    facts: Facts
    aggregate: AccountAggregate
    process: rows.ProcessRow
    row: dict[str, Any]


class Decider:
    """Decides the requests of one batch against the account aggregates, in order."""

    def __init__(
        self,
        session: Session,
        market: Market,
        file_id: int,
        interchange_ids: dict[str, int],
        reference: Reference | None = None,
    ):
        self.session = session
        self.market = market
        self.file_id = file_id
        self.interchange_ids = interchange_ids
        self.reference = reference or Reference(session)  # a run passes the one it read
        self.accounts: dict[str, AccountAggregate] = {}
        self.meters: dict[int, tuple[MeterFacts, ...]] = {}
        self.seen: set[tuple[str, str]] = set()  # (CES DUNS, BGN02) of requests decided
        self.writes = BatchWrites()
        self.last_code: str | None = None
        self.mapping = guidebook_mapping(default_guidebook(), "814", market.today)

    # -- loading ---------------------------------------------------------------------------

    def load(self, batch: Sequence[SetResult]) -> None:
        numbers = {r.record.account for r in batch if isinstance(r.record, Transaction814)}
        if numbers:
            self._load_accounts(numbers)
        references = [r.record.reference for r in batch if isinstance(r.record, Transaction814)]
        if references:
            rows = self.session.execute(
                select(Transaction.sender, Transaction.reference)
                .where(Transaction.reference.in_(references))
                .where(Transaction.status.in_(("accepted", "rejected")))
            )
            self.seen.update((s or "", r or "") for s, r in rows)

    def _load_accounts(self, numbers: set[str]) -> None:
        session = self.session
        numbers = {n for n in numbers if n not in self.accounts}
        by_id = {a.id: AccountAggregate(a) for a in rows.read_accounts(session, numbers)}
        if not by_id:
            return
        processes: dict[int, rows.ProcessRow] = {}
        for process in rows.read_open_processes(session, by_id):
            by_id[process.account_id or 0].processes.append(process)
            processes[process.id or 0] = process
        for period in rows.read_periods(session, by_id, processes):
            by_id[period.account_id].periods.append(period)
        premises = {a.account.premise_id for a in by_id.values()}
        today = self.market.today
        installed = session.execute(
            select(
                MeterInstallation.premise_id,
                MeterRow.number,
                MeterRow.smart,
                MeterRow.rate_structures,
            )
            .join(MeterRow, MeterRow.id == MeterInstallation.meter_id)
            .where(MeterInstallation.premise_id.in_(premises))
            .where(MeterInstallation.installed_on <= today)
            .where(
                or_(MeterInstallation.removed_on.is_(None), MeterInstallation.removed_on > today)
            )
        )
        found: dict[int, list[MeterFacts]] = {}
        for premise_id, number, smart, rate_structures in installed:
            structures = frozenset(s.strip() for s in rate_structures.split(","))
            found.setdefault(premise_id, []).append(MeterFacts(number, smart, structures))
        for premise_id in premises:
            self.meters[premise_id] = tuple(found.get(premise_id, ()))
        for aggregate in by_id.values():
            aggregate.advance(today)
            self.accounts[aggregate.number] = aggregate

    # -- deciding --------------------------------------------------------------------------

    def take(self, result: SetResult, sender: str) -> str:
        """Record one transaction set and, if it is a CES request, decide it; `sender` is
        the partner the file came from (its channel, `ebt.channel`), whom answers go to."""
        self.last_code = None
        record = result.record
        row = self._transaction_row(result)
        if record is None:
            row["status"] = "syntax_error"
            return "syntax_error"
        if not isinstance(record, Transaction814) or record.kind not in TABLES:
            row["status"] = "received"
            return f"received:{record.kind}"
        verdict, facts = self._verdict(record, sender)
        self.seen.add((record.ces_id, record.reference))
        return self._apply(verdict, facts, row)

    def return_to_standard_offer(self, number: str) -> tuple[Verdict, Transaction814]:
        """The customer called the T&D to leave its CES: decide by the
        return_to_standard_offer table; when accepted, the CES's service ends on the first
        eligible cycle read and the CES gets a drop notice for that date."""
        self._load_accounts({number})
        aggregate = self.accounts.get(number)
        reference, today = self.reference, self.market.today
        td = reference.td
        effective = self._effective_read(aggregate)
        serving = aggregate.supplier_on(effective) if aggregate and effective else None
        ces = reference.by_id.get(serving) if serving is not None else None
        notice = responses.standard_offer_notice(number, today, td=td, ces=ces, ends=effective)
        facts = Facts(
            request=notice,
            today=today,
            td_duns=td.duns if td else "",
            reply_to="",
            sender=td,
            ces=None,
            account=self._account_facts(aggregate),
            effective_read=effective,
            reads=self._reads(aggregate),
            repeated=False,
            parameters=self.market.parameters,
        )
        table = self.market.rulebook.table_for("return_to_standard_offer", today)
        verdict = evaluate(table, facts, PREDICATES)
        process = self._process(ProcessKind.RETURN_TO_STANDARD_OFFER, verdict, facts, aggregate)
        process.ces_id = ces.id if ces else None
        self._decision(verdict, None, process, notice.reference)
        if verdict.outcome == "return_to_standard_offer":
            assert aggregate is not None and ces is not None and effective is not None
            ended = aggregate.end_supplier(supplier_id=ces.id, on=effective, process=process)
            process.effective_on = ended or effective
            self._send(notice, process, None)
        return verdict, notice

    def _transaction_row(self, result: SetResult) -> dict[str, Any]:
        tx = result.transaction
        record = result.record
        is_814 = isinstance(record, Transaction814)
        row: dict[str, Any] = {
            "interchange_id": self.interchange_ids[tx.group.interchange.control],
            "group_control": tx.group.control,
            "control": tx.control,
            "set_id": tx.set_id,
            "kind": str(record.kind) if record is not None else None,
            "reference": record.reference if is_814 else None,  # type: ignore[union-attr]
            "sender": record.ces_id if is_814 else None,  # type: ignore[union-attr]
            "account_number": record.account if is_814 else None,  # type: ignore[union-attr]
            "status": "received",
            "raw": segments_text(tx.segments, tx.group.interchange.separators),
            "received_at": self.market.now,
        }
        self.writes.transactions.append(row)
        for found in result.findings:
            where = found.location
            self.writes.findings.append(
                {
                    "file_id": self.file_id,
                    "transaction": row,
                    "code": found.code,
                    "severity": found.severity.value,
                    "message": found.message,
                    "segment": where.segment,
                    "position": where.position,
                    "element": where.element,
                    "origin": where.origin[:120] if where.origin else None,
                }
            )
        return row

    def _verdict(self, record: Transaction814, sender: str) -> tuple[Verdict, Facts]:
        reference = self.reference
        aggregate = self.accounts.get(record.account)
        facts = Facts(
            request=record,
            today=self.market.today,
            td_duns=reference.td.duns if reference.td else "",
            reply_to=sender,
            sender=reference.partners.get(sender),
            ces=reference.partners.get(record.ces_id),
            account=self._account_facts(aggregate),
            effective_read=self._effective_read(aggregate),
            reads=self._reads(aggregate),
            repeated=(record.ces_id, record.reference) in self.seen,
            parameters=self.market.parameters,
        )
        table = self.market.rulebook.table_for(TABLES[record.kind], self.market.today)
        return evaluate(table, facts, PREDICATES), facts

    def _account_facts(self, aggregate: AccountAggregate | None) -> AccountFacts | None:
        if aggregate is None:
            return None
        effective = self._effective_read(aggregate)
        account = aggregate.account
        today = self.market.today
        open_period = aggregate.open_period()
        pending = tuple(
            PendingFacts(p.kind, p.ces_id, p.effective_on, p.reference) for p in aggregate.pending()
        )
        return AccountFacts(
            number=account.number,
            status=account.status,
            services=frozenset(s.strip() for s in account.services.split(",") if s.strip()),
            bill_cycle=account.bill_cycle,
            supplier_id=aggregate.supplier_on(today),
            serves_from=open_period.supplier_id if open_period else None,
            supplier_at_effective=aggregate.supplier_on(effective) if effective else None,
            pending=pending,
            meters=self.meters.get(account.premise_id, ()),
        )

    def _reads(self, aggregate: AccountAggregate | None) -> frozenset[date]:
        if aggregate is None:
            return frozenset()
        return self.reference.read_sets.get(aggregate.account.bill_cycle, frozenset())

    def _effective_read(self, aggregate: AccountAggregate | None) -> date | None:
        if aggregate is None:
            return None
        return self.reference.first_eligible_read(aggregate.account.bill_cycle, self.market)

    # -- applying --------------------------------------------------------------------------

    def _apply(self, verdict: Verdict, facts: Facts, row: dict[str, Any]) -> str:
        record = facts.request
        aggregate = self.accounts.get(record.account)
        kind = {
            "enroll": ProcessKind.ENROLLMENT,
            "switch": ProcessKind.SWITCH,
            "drop_on_cycle": ProcessKind.DROP,
            "drop_off_cycle": ProcessKind.DROP,
            "change": ProcessKind.CHANGE,
            "reinstate": ProcessKind.REINSTATEMENT,
        }.get(verdict.outcome, _kind_of(record))
        ces = facts.ces
        process = self._process(kind, verdict, facts, aggregate)
        self._decision(verdict, row, process)
        if verdict.outcome == "reject":
            row["status"] = "rejected"
            self.last_code = verdict.code
            meaning = default_guidebook().guide_for("814", self.market.today)
            text = (
                meaning.code_lists["rejection_reason"].get(verdict.code or "", "")
                if meaning
                else ""
            )
            reply = responses.reject(record, self.market.today, verdict.code or "A13", text)
            sender = facts.sender
            if sender is not None:  # answer the party that sent it, never one it named
                reply = replace(reply, ces_id=sender.duns, ces_name=sender.name)
            self._send(reply, process, row, recipient=facts.reply_to)
            return "reject"
        row["status"] = "accepted"
        assert aggregate is not None and ces is not None
        handler = getattr(self, f"_on_{verdict.outcome}")
        handler(Case(record, facts, aggregate, process, row))
        return verdict.outcome

    def _process(
        self, kind: ProcessKind, verdict: Verdict, facts: Facts, aggregate: AccountAggregate | None
    ) -> rows.ProcessRow:
        state = ProcessState.REJECTED if verdict.outcome == "reject" else ProcessState.PENDING
        ces_id = facts.ces.id if facts.ces else None
        if aggregate is not None:
            return aggregate.start_process(
                kind=kind,
                ces_id=ces_id,
                state=state,
                reference=facts.request.reference,
                today=self.market.today,
                now=self.market.now,
            )
        process = rows.ProcessRow(
            kind=str(kind),
            account_id=None,
            ces_id=ces_id,
            state=str(state),
            reference=facts.request.reference,
            requested_on=self.market.today,
            created_at=self.market.now,
        )
        self.writes.processes.append(process)
        return process

    def _decision(
        self,
        verdict: Verdict,
        row: dict[str, Any] | None,
        process: rows.ProcessRow,
        reference: str | None = None,
    ) -> None:
        self.writes.decisions.append(
            {
                "transaction": row,
                "process": process,
                "reference": row["reference"] if row is not None else reference,
                "table_name": verdict.table,
                "table_version": verdict.version,
                "steps": self.reference.steps_json(verdict.steps),
                "outcome": verdict.outcome,
                "code": verdict.code,
                "decided_on": self.market.today,
            }
        )

    def _send(
        self,
        record: Transaction814,
        process: rows.ProcessRow,
        row: dict[str, Any] | None,
        *,
        recipient: str | None = None,
    ) -> None:
        self.writes.outbox.append(
            {
                "recipient": recipient or record.ces_id,
                "set_id": "814",
                "kind": str(record.kind),
                "body": json.dumps(to_segments(record, self.mapping)),
                "process": process,
                "transaction": row,
                "account_number": record.account,
                "created_at": self.market.now,
            }
        )

    def _accept(
        self,
        facts: Facts,
        process: rows.ProcessRow,
        row: dict[str, Any],
        effective: date | None,
        aggregate: AccountAggregate,
    ) -> None:
        """The accept, to the partner the request came from (facts.reply_to)."""
        record = facts.request
        account = aggregate.account
        meters = tuple(Meter(m.number) for m in self.meters.get(account.premise_id, ()))
        self._send(
            responses.accept(
                record,
                self.market.today,
                effective=effective,
                bill_cycle=account.bill_cycle,
                rate_class=account.rate_class,
                meters=meters,
                customer_name=account.customer_name,
            ),
            process,
            row,
            recipient=facts.reply_to,
        )

    def _on_enroll(self, case: Case) -> None:
        record, facts, aggregate, process, row = case
        effective = facts.effective_read
        assert effective is not None and facts.ces is not None
        process.effective_on = effective
        aggregate.change_supplier(
            supplier_id=facts.ces.id,
            on=effective,
            process=process,
            billing_option=record.billing_option,
            bill_calculator=record.bill_calculator,
            ces_rate_code=record.ces_rate_code,
            ces_account=record.ces_account,
        )
        self._accept(facts, process, row, effective, aggregate)

    def _on_switch(self, case: Case) -> None:
        record, facts, _, process, _ = case
        account = facts.account
        old = self.reference.by_id.get(account.supplier_at_effective or 0) if account else None
        self._on_enroll(case)
        if old is not None and facts.effective_read is not None:
            self._send(
                responses.drop_notice(
                    record,
                    self.market.today,
                    ces_id=old.duns,
                    ces_name=old.name,
                    ends=facts.effective_read,
                ),
                process,
                None,
            )

    def _on_drop_on_cycle(self, case: Case) -> None:
        record, facts, aggregate, process, row = case
        wanted = record.service_end
        effective = facts.effective_read
        later = wanted is not None and effective is not None and wanted >= effective
        ends = wanted if later and wanted in facts.reads else effective
        self._drop(record, facts, ends, aggregate, process, row)

    def _on_drop_off_cycle(self, case: Case) -> None:
        record, facts, aggregate, process, row = case
        calendar, parameters = self.market.calendar, self.market.parameters
        earliest = calendar.add_business_days(self.market.today, parameters.lead_business_days)
        wanted = record.service_end or earliest
        smart = any(m.smart for m in self.meters.get(aggregate.account.premise_id, ()))
        actual = any(r.code == "ARR" for r in record.status_reasons)
        if smart:
            process.fee = parameters.off_cycle_fee_actual_read_smart
        elif actual:
            process.fee = parameters.off_cycle_fee_actual_read
        else:
            process.fee = parameters.off_cycle_fee_prorated
        self._drop(record, facts, max(wanted, earliest), aggregate, process, row)

    def _drop(
        self,
        record: Transaction814,
        facts: Facts,
        ends: date | None,
        aggregate: AccountAggregate,
        process: rows.ProcessRow,
        row: dict[str, Any],
    ) -> None:
        assert ends is not None and facts.ces is not None
        ended = aggregate.end_supplier(supplier_id=facts.ces.id, on=ends, process=process)
        process.effective_on = ended or ends
        self._accept(facts, process, row, ended or ends, aggregate)

    def _on_change(self, case: Case) -> None:
        record, facts, aggregate, process, row = case
        assert facts.ces is not None and facts.effective_read is not None
        process.effective_on = facts.effective_read
        aggregate.change_terms(
            supplier_id=facts.ces.id,
            on=facts.effective_read,
            process=process,
            billing_option=record.billing_option,
            bill_calculator=record.bill_calculator,
            ces_rate_code=record.ces_rate_code,
            ces_account=record.ces_account,
        )
        self._accept(facts, process, row, facts.effective_read, aggregate)

    def _on_reinstate(self, case: Case) -> None:
        record, facts, aggregate, process, row = case
        ces = facts.ces
        assert ces is not None
        for pending in aggregate.pending():
            leaving = pending.kind in ("drop", "return_to_standard_offer")
            switched_away = pending.kind in ("enrollment", "switch") and pending.ces_id != ces.id
            if not (leaving or switched_away):
                continue
            aggregate.cancel_supplier_change(pending)
            if switched_away and pending.ces_id is not None:
                other = self.reference.by_id[pending.ces_id]
                self._send(
                    responses.drop_notice(
                        record,
                        self.market.today,
                        ces_id=other.duns,
                        ces_name=other.name,
                        ends=pending.effective_on or self.market.today,
                        role="C",
                    ),
                    pending,
                    None,
                )
        process.state = str(ProcessState.COMPLETED)
        process.effective_on = self.market.today
        self._accept(facts, process, row, self.market.today, aggregate)

    def flush(self) -> None:
        """Write the batch: new rows by bulk insert, changed rows by bulk update."""
        writes = self.writes
        for aggregate in self.accounts.values():
            writes.processes.extend(aggregate.processes)
            writes.periods.extend(aggregate.periods)
        writes.insert(self.session)


def _kind_of(record: Transaction814) -> ProcessKind:
    return {
        Kind.ENROLLMENT_REQUEST: ProcessKind.ENROLLMENT,
        Kind.DROP_REQUEST: ProcessKind.DROP,
        Kind.CHANGE_REQUEST: ProcessKind.CHANGE,
        Kind.REINSTATEMENT_REQUEST: ProcessKind.REINSTATEMENT,
    }.get(record.kind, ProcessKind.ENROLLMENT)
