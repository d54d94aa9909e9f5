"""Landlord–tenant service at a premise (domain §6): starts, stops, reversions, cancellations.

A tenant's stop ends the tenant's period (its end in the future: a pending stop) and, when
the landlord agreement says so (the `landlord_reversion` table), starts the landlord's
reversion account on the day after the tenant's last day. A new tenant's start ends whatever
covers its start date there (moving the previous tenant's pending stop, or the landlord's, to
match) and cancels a reversion that would begin later. What a start or stop changed is kept
in its process (`detail`), so that cancelling it puts the timeline back, cascading to the
reversion it caused.

Everything here decides over plain rows (`service_rows.py`) in a `ServiceUnit`; the store
reads and writes them (`ebt.store.service_store`), the services commit
(`ebt.services.tenants`, `ebt.services.moves`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from ebt.market.move_rules import REVERSION_PREDICATES, ReversionFacts
from ebt.market.notices import notice_reference
from ebt.market.outcomes import TableHandlers
from ebt.market.ports import Premises
from ebt.market.premises import PremiseService, ServiceUnit, detail, note
from ebt.market.rows import AccountRow, ProcessRow
from ebt.market.service_rows import AgreementRow, ServicePeriodRow
from ebt.market.vocabulary import PeriodStatus, ProcessKind, ProcessState, ServiceRole
from ebt.rules.tables import RuleBook, Verdict, evaluate


class ServiceError(ValueError):
    """A start or stop the premise's timeline cannot take (said plainly for the caller)."""


@dataclass(frozen=True, slots=True)
class Stopped:
    """What a stop did: the tenant's period, and the reversion decided for the premise."""

    period: ServicePeriodRow | None
    verdict: Verdict | None
    reference: str | None
    reversion: ServicePeriodRow | None


# -- stops and reversions ------------------------------------------------------------------


def stop_service(
    unit: ServiceUnit, rulebook: RuleBook, *, account: AccountRow, end: date, process: ProcessRow
) -> Stopped:
    """The account's service at its premise ends on `end` (its last day is the day before);
    the landlord agreement decides whether the landlord's reversion account takes it from
    `end`, until the next tenant's start, if one is pending."""
    premise = unit.premise(account.premise_id)
    period = premise.of_account(account.id)
    if period is None or (period.end is not None and period.end <= end):
        return Stopped(period, None, None, None)
    if period.start >= end:
        raise ServiceError(
            f"account {account.number}'s service at its premise starts on {period.start}: "
            f"it cannot stop before ({end}); cancel its start instead"
        )
    note(process, stopped=[period, period.end.isoformat() if period.end else None])
    period.end = end
    period.stopped_by(process)
    if any(p.start == end for p in premise.others(period)):
        return Stopped(period, None, None, None)  # the next tenant starts that very day
    return _revert(unit, rulebook, premise, account, end, process)


@dataclass(frozen=True, slots=True)
class _Reversion:
    """A reversion decided: where, for whom, and the process that records it."""

    unit: ServiceUnit
    premise: PremiseService
    account: AccountRow  # the account whose service stops
    landlord: AccountRow | None
    on: date
    verdict: Verdict
    reference: str
    process: ProcessRow


def _revert(
    unit: ServiceUnit,
    rulebook: RuleBook,
    premise: PremiseService,
    account: AccountRow,
    on: date,
    stop: ProcessRow,
) -> Stopped:
    store = unit.store
    agreement = agreement_for(store, premise.premise_id, premise.service, on)
    landlord = store.account(agreement.landlord_account_id) if agreement else None
    facts = ReversionFacts(
        stopping_is_landlord=landlord is not None and landlord.id == account.id,
        agreement_found=agreement is not None,
        in_season=agreement is not None and in_season(agreement, on),
        reverts=agreement is not None and agreement.reverts,
        landlord_active=landlord is not None and landlord.status == "active",
    )
    table = rulebook.table_for(REVERSIONS.table, unit.today)
    verdict = evaluate(table, facts, REVERSION_PREDICATES)
    reference = notice_reference("L", account.number, premise.premise_id, on)
    process = unit.new_process(
        kind=ProcessKind.LANDLORD_REVERSION,
        account_id=landlord.id if landlord else account.id,
        reference=reference,
        effective_on=on,
        state=ProcessState.PENDING if verdict.outcome == "revert" else ProcessState.COMPLETED,
    )
    unit.decision(verdict, process, reference)
    note(stop, reversion=process)
    case = _Reversion(unit, premise, account, landlord, on, verdict, reference, process)
    return REVERSIONS.handlers[verdict.outcome](case)


def _to_landlord(case: _Reversion) -> Stopped:
    """The landlord's reversion account takes the service from the stop, until the next
    tenant's start."""
    if case.landlord is None:
        return _no_reversion(case)
    premise, on = case.premise, case.on
    following = next((p.start for p in premise.starting_on_or_after(on)), None)
    reversion = premise.add(
        case.landlord.id, ServiceRole.LANDLORD, on, following, PeriodStatus.PENDING, case.process
    )
    return Stopped(None, case.verdict, case.reference, reversion)


def _no_reversion(case: _Reversion) -> Stopped:
    return Stopped(None, case.verdict, case.reference, None)


def _refer(case: _Reversion) -> Stopped:
    """The service would revert, but not to an open account: a person finds who takes it."""
    case.unit.work_item(
        "reversion",
        account_id=case.account.id,
        process=case.process,
        text=(
            f"service at premise of account {case.account.number} would revert to the "
            f"landlord on {case.on}, but the landlord's account is not open: find who "
            "takes the service"
        ),
    )
    return _no_reversion(case)


REVERSIONS: TableHandlers[Callable[[_Reversion], Stopped]] = TableHandlers(
    "landlord_reversion",
    {"revert": _to_landlord, "no_reversion": _no_reversion, "refer": _refer},
)


class Seasonal(Protocol):
    """An agreement's season: MM-DD to MM-DD, or none (all year)."""

    @property
    def season_start(self) -> str | None: ...

    @property
    def season_end(self) -> str | None: ...


def agreement_for(store: Premises, premise_id: int, service: str, on: date) -> AgreementRow | None:
    """The agreement of the premise, else (none in force there) of its parent premise, for
    `service` in force on `on`: the one whose season holds `on` (a premise may have one
    agreement per season), else the first out of season (the decision then says so)."""
    premise = store.premise(premise_id)
    for candidate in (premise_id, premise.parent_id if premise else None):
        if candidate is None:
            continue
        in_force = [a for a in store.agreements([candidate], service) if a.in_force(on)]
        if in_force:
            return next((a for a in in_force if in_season(a, on)), in_force[0])
    return None


def in_season(agreement: Seasonal, on: date) -> bool:
    """Whether `on` falls in the agreement's season (MM-DD to MM-DD, inclusive, wrapping
    the new year); no season is all year."""
    if not agreement.season_start or not agreement.season_end:
        return True
    day = on.strftime("%m-%d")
    first, last = agreement.season_start, agreement.season_end
    return first <= day <= last if first <= last else (day >= first or day <= last)


# -- starts --------------------------------------------------------------------------------


def start_service(
    unit: ServiceUnit,
    *,
    account: AccountRow,
    premise_id: int,
    on: date,
    process: ProcessRow,
    existing_ok: bool = False,
) -> ServicePeriodRow:
    """The account takes the service at the premise from `on` (pending until activated):
    the period covering `on` (a previous tenant's pending stop, or the landlord's
    reversion) now ends on `on`, and a reversion that would begin later is cancelled.
    With `existing_ok`, an account that already takes the service from `on` (an account
    opened for the customer's move-in) keeps its period."""
    premise = unit.premise(premise_id)
    mine = [p for p in premise.live() if p.account_id == account.id and p.start >= on]
    serving = premise.covering(on)
    if mine or (serving is not None and serving.account_id == account.id):
        found = mine[0] if mine else serving
        if existing_ok and found is not None:
            return found
        raise ServiceError(f"account {account.number} already takes the service there on {on}")
    moved: list[list[Any]] = []
    cancelled: list[ServicePeriodRow] = []
    if serving is not None:
        if serving.role == ServiceRole.TENANT and serving.end is None:
            other = unit.store.account(serving.account_id)
            raise ServiceError(
                f"account {other.number if other else serving.account_id} still takes the "
                f"service there with no stop; stop it first (ebt tenant stop)"
            )
        moved.append([serving, serving.end.isoformat() if serving.end else None])
        serving.end = on
    following: date | None = None
    for later in premise.starting_on_or_after(on):
        if later.role == ServiceRole.LANDLORD:
            later.status = str(PeriodStatus.CANCELLED)
            cancelled.append(later)
            _cancel_process(unit.process_of(later))
        elif following is None:
            following = later.start
    note(process, started_at=premise_id, moved=moved, cancelled=cancelled)
    return premise.add(account.id, ServiceRole.TENANT, on, following, PeriodStatus.PENDING, process)


def _cancel_process(process: ProcessRow | None) -> None:
    if process is not None and process.state == ProcessState.PENDING:
        process.state = str(ProcessState.CANCELLED)


# -- cancelling ----------------------------------------------------------------------------


def cancel(unit: ServiceUnit, process: ProcessRow) -> list[str]:
    """Cancel a pending tenant start or stop and what it caused; what was done, in words.
    An account that has since become final (moved out) keeps its stop."""
    if process.state != ProcessState.PENDING:
        raise ServiceError(f"process {process.id} is {process.state}: only pending ones cancel")
    account = unit.store.account(process.account_id) if process.account_id else None
    if account is not None and account.status != "active":
        raise ServiceError(
            f"account {account.number} is {account.status}: its service can no longer change"
        )
    cancelling = CANCELLATIONS.get(process.kind)
    if cancelling is None:
        raise ServiceError(f"process {process.id} is a {process.kind}: give a tenant start or stop")
    return cancelling(unit, process)


def _clipped(unit: ServiceUnit, period: ServicePeriodRow, end: date | None) -> date | None:
    """`end`, or the start of the next live period if that comes first: putting a stop
    back never makes two periods overlap (a later start or stop may have taken its place)."""
    others = unit.premise(period.premise_id, period.service).others(period)
    bound = min((p.start for p in others if p.start > period.start), default=None)
    if bound is None:
        return end
    return bound if end is None or end > bound else end


def _covered(unit: ServiceUnit, period: ServicePeriodRow) -> bool:
    day = period.start
    others = unit.premise(period.premise_id, period.service).others(period)
    return any(p.start <= day and (p.end is None or day < p.end) for p in others)


def _cancel_start(unit: ServiceUnit, process: ProcessRow) -> list[str]:
    store = unit.store
    done: list[str] = []
    for period in store.periods_of_process(process.id or 0):
        if period.status != PeriodStatus.PENDING:
            raise ServiceError(f"the start of process {process.id} is already {period.status}")
        period.status = str(PeriodStatus.CANCELLED)
        done.append(f"start on {period.start} cancelled")
    carried = detail(process)
    for period_id in carried.get("cancelled", []):
        reversion = store.service_period(period_id)
        if reversion is None or _covered(unit, reversion):
            continue
        reversion.status = str(PeriodStatus.PENDING)
        reversion.end = _clipped(unit, reversion, reversion.end)
        revived = unit.process_of(reversion)
        if revived is not None and revived.state == ProcessState.CANCELLED:
            revived.state = str(ProcessState.PENDING)
        done.append(f"the landlord's reversion from {reversion.start} is back")
    for period_id, end in carried.get("moved", []):
        moved = store.service_period(period_id)
        if moved is not None and moved.status != PeriodStatus.CANCELLED:
            wanted = date.fromisoformat(end) if end else None
            back = _before_final(unit.store, moved.account_id, wanted)
            moved.end = _clipped(unit, moved, back)
            said = f"stop on {moved.end}" if moved.end else "no stop"
            done.append(f"the pending stop it matched is cancelled (back to {said})")
    process.state = str(ProcessState.CANCELLED)
    return done


def _before_final(store: Premises, account_id: int, end: date | None) -> date | None:
    """`end`, or the account's final date if that comes first: a final account's service
    never runs past it (the customer may have moved out since the stop was moved)."""
    account = store.account(account_id)
    final = account.closed_on if account is not None else None
    if final is None:
        return end
    return final if end is None or end > final else end


def _cancel_stop(unit: ServiceUnit, process: ProcessRow) -> list[str]:
    store = unit.store
    carried = detail(process)
    done: list[str] = []
    reversion = store.process(carried["reversion"]) if carried.get("reversion") else None
    stopped = carried.get("stopped")
    period = store.service_period(stopped[0]) if stopped else None
    if period is not None and period.end is not None and period.end <= unit.today:
        raise ServiceError(f"the stop on {period.end} has already happened")
    if reversion is not None:
        for cancelled in store.periods_of_process(reversion.id or 0):
            cancelled.status = str(PeriodStatus.CANCELLED)
            done.append(f"the landlord's reversion from {cancelled.start} is cancelled")
        if reversion.state == ProcessState.PENDING:
            reversion.state = str(ProcessState.CANCELLED)
    if period is not None and stopped:
        period.end = _clipped(unit, period, date.fromisoformat(stopped[1]) if stopped[1] else None)
        period.stopped_by(None)
        done.append("stop cancelled: the tenant keeps the service")
    process.state = str(ProcessState.CANCELLED)
    return done


CANCELLATIONS: Mapping[str, Callable[[ServiceUnit, ProcessRow], list[str]]] = {
    ProcessKind.TENANT_START: _cancel_start,
    ProcessKind.TENANT_STOP: _cancel_stop,
}
