"""Decide one batch of inbound transaction sets against the account aggregates.

Each set is recorded (its text and findings); each CES request is decided by its process's
decision table (`rules/`) from the facts about it, in delivery order, and the verdict applied
by the handler the process registers for the outcome (`requests.py`): processes, supplier
periods, the decision with its steps, and the answers in the outbox. The accounts a batch
touches are read once through the store's port (`ports.MarketReader`); every new and changed
row is collected in `BatchWrites` for the store to write when the batch ends. No database
here: the core decides over plain objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from ebt.mapping.mapper import to_segments
from ebt.mapping.records import Kind, Meter, Transaction814
from ebt.market import responses
from ebt.market.account import AccountAggregate
from ebt.market.facts import AccountFacts, Facts, MeterFacts, PendingFacts
from ebt.market.inbound import InboundSet
from ebt.market.outcomes import OUTCOMES
from ebt.market.ports import MarketReader
from ebt.market.predicates import PREDICATES
from ebt.market.recorded import Span, record
from ebt.market.reference import Market, Reference
from ebt.market.rows import ProcessRow
from ebt.market.vocabulary import ProcessKind, ProcessState
from ebt.market.writes import BatchWrites
from ebt.rules.tables import RuleBook, RuleError, Verdict, evaluate
from ebt.syntax.writer import segments_json

__all__ = ["Case", "Decider", "Handler", "Market", "Reference", "RequestProcess", "reads_of"]


class Case(NamedTuple):
    """One accepted request on its way through the outcome's handler."""

    record: Transaction814
    facts: Facts
    aggregate: AccountAggregate
    process: ProcessRow
    row: dict[str, Any]


Handler = Callable[["Decider", Case], None]


@dataclass(frozen=True, slots=True)
class RequestProcess:
    """A process a CES starts with a request: its decision table, what a rejected request is
    recorded as, and a handler for every other outcome the table can end in."""

    table: str
    process: ProcessKind
    handlers: Mapping[str, Handler]

    def check(self, rulebook: RuleBook, *, every_handler_used: bool = True) -> None:
        """Every outcome every version of the table can end in has a handler (or is a
        rejection), and (unless a draft is checked) every handler an outcome; raise
        RuleError otherwise."""
        for table in rulebook.versions(self.table):
            ends = {o.name for o in table.outcomes()} - {"reject"}
            unused = set(self.handlers) - ends if every_handler_used else set()
            if ends - set(self.handlers) or unused:
                raise RuleError(
                    f"table {table.name} {table.version} ends in {sorted(ends)}, but the "
                    f"{self.process} process handles {sorted(self.handlers)}"
                )
            for name in ends:
                if OUTCOMES[name].process is None:
                    raise RuleError(f"outcome {name!r} names no process for {self.table}")


def reads_of(batch: Sequence[InboundSet]) -> tuple[list[str], list[str]]:
    """All a batch's deciding reads of the store that other batches write (`Decider.load`):
    its requests' account numbers and their references, each sorted."""
    records = [s.record for s in batch if isinstance(s.record, Transaction814)]
    return sorted({r.account for r in records}), sorted({r.reference for r in records})


class Decider:
    """Decides the requests of one batch against the account aggregates, in order."""

    def __init__(
        self,
        reader: MarketReader,
        market: Market,
        requests: Mapping[Kind, RequestProcess],
        *,
        file_id: int = 0,
        interchange_ids: Mapping[str, int] | None = None,
        reference: Reference | None = None,
    ):
        self.reader = reader
        self.market = market
        self.requests = requests
        self.file_id = file_id
        self.interchange_ids = interchange_ids or {}
        self.reference = reference or reader.reference()  # a run passes the one it read
        self.accounts: dict[str, AccountAggregate] = {}
        self.meters: dict[int, tuple[MeterFacts, ...]] = {}
        self.seen: set[tuple[str, str]] = set()  # (CES DUNS, BGN02) of requests decided
        self.writes = BatchWrites()
        self.last_code: str | None = None
        self.mapping = market.mapping("814")

    # -- loading ---------------------------------------------------------------------------

    def load(self, batch: Sequence[InboundSet]) -> None:
        """Read what the batch's requests are about, once: their accounts, and whether a
        request with the same reference was decided before."""
        numbers, references = reads_of(batch)
        if numbers:
            self.load_accounts(numbers)
        if references:
            self.seen.update(self.reader.decided_requests(references))

    def load_accounts(self, numbers: Sequence[str]) -> None:
        wanted = [n for n in numbers if n not in self.accounts]
        if not wanted:
            return
        today = self.market.today
        found, meters = self.reader.accounts(wanted, today)
        self.meters.update(meters)
        for aggregate in found:
            aggregate.advance(today)
            self.accounts[aggregate.number] = aggregate

    # -- deciding --------------------------------------------------------------------------

    def take(self, item: InboundSet) -> str:
        """Record one transaction set and, if it is a CES request, decide it, answering the
        partner it came from (`item.sender`)."""
        self.last_code = None
        record = item.record
        row = self._transaction_row(item)
        if record is None:
            row["status"] = "syntax_error"
            return "syntax_error"
        request = self.requests.get(record.kind)
        if request is None or not isinstance(record, Transaction814):
            row["status"] = "received"
            return f"received:{record.kind}"
        facts = self.facts(record, item.sender)
        table = self.market.rulebook.table_for(request.table, self.market.today)
        verdict = evaluate(table, facts, PREDICATES)
        self.seen.add((record.ces_id, record.reference))
        return self._apply(request, verdict, facts, row)

    def facts(self, record: Transaction814, sender: str) -> Facts:
        reference = self.reference
        aggregate = self.accounts.get(record.account)
        market = self.market
        return Facts(
            request=record,
            today=market.today,
            td_duns=reference.td.duns if reference.td else "",
            reply_to=sender,
            sender=reference.partners.get(sender),
            ces=reference.partners.get(record.ces_id),
            account=self._account_facts(aggregate),
            effective_read=self.effective_read(aggregate),
            earliest_date=market.calendar.add_business_days(
                market.today, market.parameters.lead_business_days
            ),
            reads=self._reads(aggregate),
            repeated=(record.ces_id, record.reference) in self.seen,
            parameters=market.parameters,
        )

    def policy(self, name: str, facts: Facts, case: Case) -> str:
        """Decide a utility's policy table (`off_cycle_fee`, `drop_date_on_cycle`, ...) for
        an accepted request, recorded as a decision of the request's process (no reference
        of its own: `ebt explain` shows it after the request's); its outcome."""
        table = self.market.rulebook.table_for(name, self.market.today)
        verdict = evaluate(table, facts, PREDICATES)
        self.decision(verdict, None, case.process)  # with the process, not as a request's
        return verdict.outcome

    def _transaction_row(self, item: InboundSet) -> dict[str, Any]:
        record = item.record
        is_814 = isinstance(record, Transaction814)
        row: dict[str, Any] = {
            "interchange_id": self.interchange_ids[item.interchange],
            "group_control": item.group,
            "control": item.control,
            "set_id": item.set_id,
            "kind": str(record.kind) if record is not None else None,
            "reference": record.reference if is_814 else None,  # type: ignore[union-attr]
            "sender": record.ces_id if is_814 else None,  # type: ignore[union-attr]
            "account_number": record.account if is_814 else None,  # type: ignore[union-attr]
            "status": "received",
            "raw": item.raw,
            "received_at": self.market.now,
        }
        self.writes.transactions.append(row)
        for found in item.findings:
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

    def _account_facts(self, aggregate: AccountAggregate | None) -> AccountFacts | None:
        if aggregate is None:
            return None
        effective = self.effective_read(aggregate)
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

    def effective_read(self, aggregate: AccountAggregate | None) -> date | None:
        if aggregate is None:
            return None
        return self.reference.first_eligible_read(aggregate.account.bill_cycle, self.market)

    # -- applying --------------------------------------------------------------------------

    def _apply(
        self, request: RequestProcess, verdict: Verdict, facts: Facts, row: dict[str, Any]
    ) -> str:
        record = facts.request
        aggregate = self.accounts.get(record.account)
        outcome = OUTCOMES[verdict.outcome]
        process = self.process(outcome.process or request.process, verdict, facts, aggregate)
        self.decision(verdict, row, process, facts=self.recorded(facts, aggregate))
        if verdict.outcome == "reject":
            self._reject(verdict, facts, process, row)
            return "reject"
        row["status"] = "accepted"
        assert aggregate is not None and facts.ces is not None
        request.handlers[verdict.outcome](self, Case(record, facts, aggregate, process, row))
        return verdict.outcome

    def _reject(
        self, verdict: Verdict, facts: Facts, process: ProcessRow, row: dict[str, Any]
    ) -> None:
        row["status"] = "rejected"
        self.last_code = verdict.code
        meaning = self.market.guide("814")
        text = meaning.code_lists["rejection_reason"].get(verdict.code or "", "") if meaning else ""
        reply = responses.reject(facts.request, self.market.today, verdict.code or "A13", text)
        sender = facts.sender
        if sender is not None:  # answer the party that sent it, never one it named
            reply = replace(reply, ces_id=sender.duns, ces_name=sender.name)
        self.send(reply, process, row, recipient=facts.reply_to)

    def process(
        self, kind: ProcessKind, verdict: Verdict, facts: Facts, aggregate: AccountAggregate | None
    ) -> ProcessRow:
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
        process = ProcessRow(
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

    def recorded(self, facts: Facts, aggregate: AccountAggregate | None) -> bytes:
        """The facts as kept with the decision, for `ebt replay`."""
        periods = aggregate.live_periods() if aggregate is not None else []
        return record(facts, tuple(Span(p.start, p.end, p.supplier_id) for p in periods))

    def decision(
        self,
        verdict: Verdict,
        row: dict[str, Any] | None,
        process: ProcessRow,
        reference: str | None = None,
        *,
        facts: bytes | None = None,
    ) -> None:
        self.writes.decisions.append(
            {
                "facts": facts,
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

    def send(
        self,
        record: Transaction814,
        process: ProcessRow,
        row: dict[str, Any] | None,
        *,
        recipient: str | None = None,
    ) -> None:
        self.writes.outbox.append(
            {
                "recipient": recipient or record.ces_id,
                "set_id": "814",
                "kind": str(record.kind),
                "body": segments_json(to_segments(record, self.mapping)),
                "process": process,
                "transaction": row,
                "account_number": record.account,
                "created_at": self.market.now,
            }
        )

    def accept(self, case: Case, effective: date | None) -> None:
        """The accept, to the partner the request came from (facts.reply_to)."""
        account = case.aggregate.account
        meters = tuple(Meter(m.number) for m in self.meters.get(account.premise_id, ()))
        self.send(
            responses.accept(
                case.record,
                self.market.today,
                effective=effective,
                bill_cycle=account.bill_cycle,
                rate_class=account.rate_class,
                meters=meters,
                customer_name=account.customer_name,
            ),
            case.process,
            case.row,
            recipient=case.facts.reply_to,
        )

    def flush(self) -> BatchWrites:
        """What the batch wrote: its new rows, and every row of the accounts it read (the
        store writes those whose values changed)."""
        writes = self.writes
        for aggregate in self.accounts.values():
            writes.processes.extend(aggregate.processes)
            writes.periods.extend(aggregate.periods)
        return writes
