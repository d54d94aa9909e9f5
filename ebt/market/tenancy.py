"""Landlord–tenant service at a premise (domain §6): starts, stops, reversions, cancellations.

The service periods of a premise form a timeline like the supplier periods of an account:
periods cover [start, end) and never overlap. A tenant's stop ends the tenant's period (its
end in the future: a pending stop) and, when the landlord agreement says so (the
`landlord_reversion` table), starts the landlord's reversion account on the day after the
tenant's last day. A new tenant's start ends whatever covers its start date there (moving the
previous tenant's pending stop, or the landlord's, to match) and cancels a reversion that
would begin later. What a start or stop changed is kept in its process (`detail`), so that
cancelling it puts the timeline back, cascading to the reversion it caused.

A premise whose service was never recorded gets its periods from the accounts there when
first touched (one active period per account not closed, from the day it was opened; an
account opened for a day still to come gets its period from its start).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ebt.market.move_rules import REVERSION_PREDICATES, ReversionFacts
from ebt.market.notices import notice_reference
from ebt.rules.tables import RuleBook, Verdict, evaluate
from ebt.store.schema import (
    Account,
    Decision,
    LandlordAgreement,
    PeriodStatus,
    Premise,
    Process,
    ProcessKind,
    ProcessState,
    ServicePeriod,
    ServiceRole,
    WorkItem,
)


class ServiceError(ValueError):
    """A start or stop the premise's timeline cannot take (said plainly for the caller)."""


@dataclass(frozen=True, slots=True)
class Stopped:
    """What a stop did: the tenant's period, and the reversion decided for the premise."""

    period: ServicePeriod | None
    verdict: Verdict | None
    reference: str | None
    reversion: ServicePeriod | None


def new_process(
    session: Session,
    *,
    kind: ProcessKind,
    account_id: int | None,
    today: date,
    now: datetime,
    reference: str | None,
    effective_on: date | None,
    state: ProcessState = ProcessState.PENDING,
) -> Process:
    process = Process(
        kind=str(kind),
        account_id=account_id,
        state=str(state),
        reference=reference,
        requested_on=today,
        effective_on=effective_on,
        created_at=now,
    )
    session.add(process)
    session.flush()
    return process


def record_decision(
    session: Session, verdict: Verdict, process: Process, reference: str, today: date
) -> None:
    steps = [
        {"step": a.step, "question": a.question, "predicate": a.predicate, "answer": a.answer}
        for a in verdict.steps
    ]
    session.add(
        Decision(
            process_id=process.id,
            reference=reference,
            table_name=verdict.table,
            table_version=verdict.version,
            steps=json.dumps(steps),
            outcome=verdict.outcome,
            code=verdict.code,
            decided_on=today,
        )
    )


def _detail(process: Process) -> dict[str, Any]:
    return dict(json.loads(process.detail)) if process.detail else {}


def _note(process: Process, **items: Any) -> None:
    detail = _detail(process)
    detail.update(items)
    process.detail = json.dumps(detail)


class PremiseService:
    """The service periods of one premise for one service, oldest first."""

    def __init__(
        self, session: Session, premise_id: int, service: str = "EL", today: date | None = None
    ):
        self.session = session
        self.today = today
        self.premise_id = premise_id
        self.service = service
        self.periods = list(
            session.scalars(
                select(ServicePeriod)
                .where(ServicePeriod.premise_id == premise_id)
                .where(ServicePeriod.service == service)
                .order_by(ServicePeriod.start, ServicePeriod.id)
            )
        )
        if not self.periods:
            self._seed()

    def _seed(self) -> None:
        accounts = self.session.scalars(
            select(Account)
            .where(Account.premise_id == self.premise_id)
            .where(Account.status != "closed")
            .order_by(Account.opened_on)
        )
        landlords = set(
            self.session.scalars(
                select(LandlordAgreement.landlord_account_id).where(
                    LandlordAgreement.premise_id == self.premise_id
                )
            )
        )
        for account in accounts:
            if self.today is not None and account.opened_on > self.today:
                continue  # opened for a tenant to come: its start makes its period
            role = ServiceRole.LANDLORD if account.id in landlords else ServiceRole.TENANT
            self.add(account.id, role, account.opened_on, account.closed_on, PeriodStatus.ACTIVE)

    def add(
        self,
        account_id: int,
        role: ServiceRole,
        start: date,
        end: date | None,
        status: PeriodStatus,
        process: Process | None = None,
    ) -> ServicePeriod:
        period = ServicePeriod(
            premise_id=self.premise_id,
            account_id=account_id,
            service=self.service,
            role=str(role),
            start=start,
            end=end,
            status=str(status),
            process_id=process.id if process else None,
        )
        self.session.add(period)
        self.session.flush()
        self.periods.append(period)
        self.periods.sort(key=lambda p: (p.start, p.id))
        return period

    def live(self) -> list[ServicePeriod]:
        return [p for p in self.periods if p.status != PeriodStatus.CANCELLED]

    def covering(self, day: date) -> ServicePeriod | None:
        for period in self.live():
            if period.start <= day and (period.end is None or day < period.end):
                return period
        return None

    def of_account(self, account_id: int) -> ServicePeriod | None:
        """The account's last live period here."""
        own = [p for p in self.live() if p.account_id == account_id]
        return own[-1] if own else None

    def starting_on_or_after(self, day: date) -> list[ServicePeriod]:
        return [p for p in self.live() if p.start >= day]


# -- stops and reversions ------------------------------------------------------------------


def stop_service(
    session: Session,
    rulebook: RuleBook,
    *,
    account: Account,
    end: date,
    process: Process,
    today: date,
    now: datetime,
) -> Stopped:
    """The account's service at its premise ends on `end` (its last day is the day before);
    the landlord agreement decides whether the landlord's reversion account takes it from
    `end`, until the next tenant's start, if one is pending."""
    premise = PremiseService(session, account.premise_id, today=today)
    period = premise.of_account(account.id)
    if period is None or (period.end is not None and period.end <= end):
        return Stopped(period, None, None, None)
    if period.start >= end:
        raise ServiceError(
            f"account {account.number}'s service at its premise starts on {period.start}: "
            f"it cannot stop before ({end}); cancel its start instead"
        )
    _note(process, stopped=[period.id, period.end.isoformat() if period.end else None])
    period.end = end
    period.stop_process_id = process.id
    if any(p.start == end for p in premise.live() if p is not period):
        return Stopped(period, None, None, None)  # the next tenant starts that very day
    return _revert(session, rulebook, premise, account, end, process, today, now)


def _revert(
    session: Session,
    rulebook: RuleBook,
    premise: PremiseService,
    account: Account,
    on: date,
    stop: Process,
    today: date,
    now: datetime,
) -> Stopped:
    agreement = agreement_for(session, premise.premise_id, premise.service, on)
    landlord = session.get(Account, agreement.landlord_account_id) if agreement else None
    facts = ReversionFacts(
        stopping_is_landlord=landlord is not None and landlord.id == account.id,
        agreement_found=agreement is not None,
        in_season=agreement is not None and in_season(agreement, on),
        reverts=agreement is not None and agreement.reverts,
        landlord_active=landlord is not None and landlord.status == "active",
    )
    verdict = evaluate(rulebook.table_for("landlord_reversion", today), facts, REVERSION_PREDICATES)
    reference = notice_reference("L", account.number, premise.premise_id, on)
    process = new_process(
        session,
        kind=ProcessKind.LANDLORD_REVERSION,
        account_id=landlord.id if landlord else account.id,
        today=today,
        now=now,
        reference=reference,
        effective_on=on,
        state=ProcessState.PENDING if verdict.outcome == "revert" else ProcessState.COMPLETED,
    )
    record_decision(session, verdict, process, reference, today)
    _note(stop, reversion=process.id)
    if verdict.outcome == "refer":
        session.add(
            WorkItem(
                kind="reversion",
                account_id=account.id,
                process_id=process.id,
                description=(
                    f"service at premise of account {account.number} would revert to the "
                    f"landlord on {on}, but the landlord's account is not open: find who "
                    "takes the service"
                ),
                status="open",
                created_at=now,
            )
        )
    if verdict.outcome != "revert" or landlord is None:
        return Stopped(None, verdict, reference, None)
    following = next((p.start for p in premise.starting_on_or_after(on)), None)
    reversion = premise.add(
        landlord.id, ServiceRole.LANDLORD, on, following, PeriodStatus.PENDING, process
    )
    return Stopped(None, verdict, reference, reversion)


def agreement_for(
    session: Session, premise_id: int, service: str, on: date
) -> LandlordAgreement | None:
    """The agreement of the premise, else (none in force there) of its parent premise, for
    `service` in force on `on`: the one whose season holds `on` (a premise may have one
    agreement per season), else the first out of season (the decision then says so)."""
    premise = session.get(Premise, premise_id)
    for candidate in (premise_id, premise.parent_id if premise else None):
        if candidate is None:
            continue
        in_force = [
            agreement
            for agreement in session.scalars(
                select(LandlordAgreement)
                .where(LandlordAgreement.premise_id == candidate)
                .where(LandlordAgreement.service == service)
                .order_by(LandlordAgreement.id)
            )
            if _in_force(agreement, on)
        ]
        if in_force:
            return next((a for a in in_force if in_season(a, on)), in_force[0])
    return None


def _in_force(agreement: LandlordAgreement, on: date) -> bool:
    after_start = agreement.valid_from is None or agreement.valid_from <= on
    before_end = agreement.valid_to is None or on < agreement.valid_to
    return after_start and before_end


def in_season(agreement: LandlordAgreement, on: date) -> bool:
    """Whether `on` falls in the agreement's season (MM-DD to MM-DD, inclusive, wrapping
    the new year); no season is all year."""
    if not agreement.season_start or not agreement.season_end:
        return True
    day = on.strftime("%m-%d")
    first, last = agreement.season_start, agreement.season_end
    return first <= day <= last if first <= last else (day >= first or day <= last)


# -- starts --------------------------------------------------------------------------------


def start_service(
    session: Session,
    *,
    account: Account,
    premise_id: int,
    on: date,
    process: Process,
    now: datetime,
    existing_ok: bool = False,
) -> ServicePeriod:
    """The account takes the service at the premise from `on` (pending until activated):
    the period covering `on` (a previous tenant's pending stop, or the landlord's
    reversion) now ends on `on`, and a reversion that would begin later is cancelled.
    With `existing_ok`, an account that already takes the service from `on` (an account
    opened for the customer's move-in) keeps its period."""
    premise = PremiseService(session, premise_id, today=process.requested_on)
    mine = [p for p in premise.live() if p.account_id == account.id and p.start >= on]
    serving = premise.covering(on)
    if mine or (serving is not None and serving.account_id == account.id):
        found = mine[0] if mine else serving
        if existing_ok and found is not None:
            return found
        raise ServiceError(f"account {account.number} already takes the service there on {on}")
    moved: list[list[Any]] = []
    cancelled: list[int] = []
    covering = premise.covering(on)
    if covering is not None:
        if covering.role == ServiceRole.TENANT and covering.end is None:
            other = session.get(Account, covering.account_id)
            raise ServiceError(
                f"account {other.number if other else covering.account_id} still takes the "
                f"service there with no stop; stop it first (ebt tenant stop)"
            )
        moved.append([covering.id, covering.end.isoformat() if covering.end else None])
        covering.end = on
    following: date | None = None
    for later in premise.starting_on_or_after(on):
        if later.role == ServiceRole.LANDLORD:
            later.status = str(PeriodStatus.CANCELLED)
            cancelled.append(later.id)
            _cancel_process(session, later.process_id)
        elif following is None:
            following = later.start
    _note(process, started_at=premise_id, moved=moved, cancelled=cancelled)
    return premise.add(account.id, ServiceRole.TENANT, on, following, PeriodStatus.PENDING, process)


def _cancel_process(session: Session, process_id: int | None) -> None:
    process = session.get(Process, process_id) if process_id else None
    if process is not None and process.state == ProcessState.PENDING:
        process.state = str(ProcessState.CANCELLED)


# -- cancelling ----------------------------------------------------------------------------


def cancel(session: Session, process: Process, today: date) -> list[str]:
    """Cancel a pending tenant start or stop and what it caused; what was done, in words.
    An account that has since become final (moved out) keeps its stop."""
    if process.state != ProcessState.PENDING:
        raise ServiceError(f"process {process.id} is {process.state}: only pending ones cancel")
    account = session.get(Account, process.account_id) if process.account_id else None
    if account is not None and account.status != "active":
        raise ServiceError(
            f"account {account.number} is {account.status}: its service can no longer change"
        )
    if process.kind == ProcessKind.TENANT_START:
        return _cancel_start(session, process, today)
    if process.kind == ProcessKind.TENANT_STOP:
        return _cancel_stop(session, process, today)
    raise ServiceError(f"process {process.id} is a {process.kind}: give a tenant start or stop")


def _others(session: Session, period: ServicePeriod) -> list[ServicePeriod]:
    """The other live periods of the same premise and service."""
    return [
        p
        for p in session.scalars(
            select(ServicePeriod)
            .where(ServicePeriod.premise_id == period.premise_id)
            .where(ServicePeriod.service == period.service)
            .where(ServicePeriod.status != str(PeriodStatus.CANCELLED))
        )
        if p.id != period.id
    ]


def _clipped(session: Session, period: ServicePeriod, end: date | None) -> date | None:
    """`end`, or the start of the next live period if that comes first: putting a stop
    back never makes two periods overlap (a later start or stop may have taken its place)."""
    bound = min((p.start for p in _others(session, period) if p.start > period.start), default=None)
    if bound is None:
        return end
    return bound if end is None or end > bound else end


def _covered(session: Session, period: ServicePeriod) -> bool:
    day = period.start
    return any(p.start <= day and (p.end is None or day < p.end) for p in _others(session, period))


def _cancel_start(session: Session, process: Process, today: date) -> list[str]:
    done: list[str] = []
    for period in session.scalars(
        select(ServicePeriod).where(ServicePeriod.process_id == process.id)
    ):
        if period.status != PeriodStatus.PENDING:
            raise ServiceError(f"the start of process {process.id} is already {period.status}")
        period.status = str(PeriodStatus.CANCELLED)
        done.append(f"start on {period.start} cancelled")
    session.flush()
    detail = _detail(process)
    for period_id in detail.get("cancelled", []):
        reversion = session.get(ServicePeriod, period_id)
        if reversion is None or _covered(session, reversion):
            continue
        reversion.status = str(PeriodStatus.PENDING)
        reversion.end = _clipped(session, reversion, reversion.end)
        revived = session.get(Process, reversion.process_id) if reversion.process_id else None
        if revived is not None and revived.state == ProcessState.CANCELLED:
            revived.state = str(ProcessState.PENDING)
        done.append(f"the landlord's reversion from {reversion.start} is back")
        session.flush()
    for period_id, end in detail.get("moved", []):
        moved = session.get(ServicePeriod, period_id)
        if moved is not None and moved.status != PeriodStatus.CANCELLED:
            wanted = date.fromisoformat(end) if end else None
            back = _before_final(session, moved.account_id, wanted)
            moved.end = _clipped(session, moved, back)
            said = f"stop on {moved.end}" if moved.end else "no stop"
            done.append(f"the pending stop it matched is cancelled (back to {said})")
    process.state = str(ProcessState.CANCELLED)
    return done


def _before_final(session: Session, account_id: int, end: date | None) -> date | None:
    """`end`, or the account's final date if that comes first: a final account's service
    never runs past it (the customer may have moved out since the stop was moved)."""
    account = session.get(Account, account_id)
    final = account.closed_on if account is not None else None
    if final is None:
        return end
    return final if end is None or end > final else end


def _cancel_stop(session: Session, process: Process, today: date) -> list[str]:
    detail = _detail(process)
    done: list[str] = []
    reversion = session.get(Process, detail["reversion"]) if detail.get("reversion") else None
    stopped = detail.get("stopped")
    period = session.get(ServicePeriod, stopped[0]) if stopped else None
    if period is not None and period.end is not None and period.end <= today:
        raise ServiceError(f"the stop on {period.end} has already happened")
    if reversion is not None:
        for cancelled in session.scalars(
            select(ServicePeriod).where(ServicePeriod.process_id == reversion.id)
        ):
            cancelled.status = str(PeriodStatus.CANCELLED)
            done.append(f"the landlord's reversion from {cancelled.start} is cancelled")
        if reversion.state == ProcessState.PENDING:
            reversion.state = str(ProcessState.CANCELLED)
        session.flush()
    if period is not None and stopped:
        period.end = _clipped(
            session, period, date.fromisoformat(stopped[1]) if stopped[1] else None
        )
        period.stop_process_id = None
        done.append("stop cancelled: the tenant keeps the service")
    process.state = str(ProcessState.CANCELLED)
    return done
