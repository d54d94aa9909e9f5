"""The account aggregate: one T&D account with its supplier periods and open processes.

The market service loads the aggregates a batch of requests touches, decides each request in
delivery order against them (so a second request for the same account sees the first's
effect: first in wins), and lets the batch write every change at its end (`rows.py`).
All state changes to an account go through these methods, which keep its supplier-of-record
timeline whole: one supplier per day, no gaps, no overlaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ebt.market.rows import AccountRow, PeriodRow, ProcessRow
from ebt.market.vocabulary import PeriodStatus, ProcessKind, ProcessState


@dataclass(slots=True)
class AccountAggregate:
    account: AccountRow
    periods: list[PeriodRow] = field(default_factory=list)  # by start
    processes: list[ProcessRow] = field(default_factory=list)  # pending ones, and this run's

    @property
    def number(self) -> str:
        return self.account.number

    # -- reading ---------------------------------------------------------------------------

    def live_periods(self) -> list[PeriodRow]:
        return [p for p in self.periods if p.status != PeriodStatus.CANCELLED]

    def period_on(self, day: date) -> PeriodRow | None:
        """The supplier period covering `day`."""
        for period in self.live_periods():
            if period.start <= day and (period.end is None or day < period.end):
                return period
        return None

    def supplier_on(self, day: date) -> int | None:
        """The supplier of record's partner id on `day` (None: Standard Offer)."""
        period = self.period_on(day)
        return None if period is None else period.supplier_id

    def open_period(self) -> PeriodRow | None:
        """The last period, the one with no end (or ending on a pending change)."""
        live = self.live_periods()
        return live[-1] if live else None

    def pending(self, *kinds: ProcessKind) -> list[ProcessRow]:
        wanted = {str(k) for k in kinds}
        return [
            p
            for p in self.processes
            if p.state == ProcessState.PENDING and (not wanted or p.kind in wanted)
        ]

    def pending_supplier_change(self) -> ProcessRow | None:
        """A pending enrollment, switch, drop or return to Standard Offer."""
        found = self.pending(
            ProcessKind.ENROLLMENT,
            ProcessKind.SWITCH,
            ProcessKind.DROP,
            ProcessKind.RETURN_TO_STANDARD_OFFER,
        )
        return found[0] if found else None

    # -- changing --------------------------------------------------------------------------

    def start_process(
        self,
        *,
        kind: ProcessKind,
        ces_id: int | None,
        state: ProcessState,
        reference: str | None,
        today: date,
        now: datetime,
        effective_on: date | None = None,
    ) -> ProcessRow:
        process = ProcessRow(
            kind=str(kind),
            account_id=self.account.id,
            ces_id=ces_id,
            state=str(state),
            reference=reference,
            requested_on=today,
            effective_on=effective_on,
            created_at=now,
        )
        self.processes.append(process)
        return process

    def change_supplier(
        self,
        *,
        supplier_id: int | None,
        on: date,
        process: ProcessRow,
        billing_option: str | None = None,
        bill_calculator: str | None = None,
        ces_rate_code: str | None = None,
        ces_account: str | None = None,
    ) -> PeriodRow:
        """From `on`, `supplier_id` (None: Standard Offer) is the supplier of record: the
        period covering `on` ends there, later pending periods are cancelled."""
        for period in self.live_periods():
            if period.start >= on:
                period.status = str(PeriodStatus.CANCELLED)
                superseded = period.process
                if superseded is not None and superseded.state == ProcessState.PENDING:
                    superseded.state = str(ProcessState.CANCELLED)  # e.g. a later drop
            elif period.end is None or period.end > on:
                period.end = on
        new = PeriodRow(
            account_id=self.account.id,
            supplier_id=supplier_id,
            start=on,
            end=None,
            status=str(PeriodStatus.PENDING),
            process=process,
            billing_option=billing_option,
            bill_calculator=bill_calculator,
            ces_rate_code=ces_rate_code,
            ces_account=ces_account,
        )
        self._add_period(new)
        return new

    def change_terms(
        self, *, supplier_id: int, on: date, process: ProcessRow, **terms: str | None
    ) -> PeriodRow | None:
        """From `on`, the CES's own period carries new terms (billing option, rate code, CES
        account): the period is split there so that the old terms stay on record before it.
        Other suppliers' periods, pending ones included, are not touched."""
        period = self._own_period(supplier_id, on)
        if period is None:
            return None
        changed = {k: v for k, v in terms.items() if v is not None}
        if period.start >= on:  # not begun yet: it begins with the new terms
            for name, value in changed.items():
                setattr(period, name, value)
            return period
        later = PeriodRow(
            account_id=self.account.id,
            supplier_id=supplier_id,
            start=on,
            end=period.end,
            status=str(PeriodStatus.PENDING),
            process=process,
            billing_option=period.billing_option,
            bill_calculator=period.bill_calculator,
            ces_rate_code=period.ces_rate_code,
            ces_account=period.ces_account,
        )
        for name, value in changed.items():
            setattr(later, name, value)
        period.end = on
        self._add_period(later)
        return later

    def end_supplier(self, *, supplier_id: int, on: date, process: ProcessRow) -> date | None:
        """The CES's service ends on `on` (a drop): Standard Offer serves from then until the
        next supplier of record, if one is pending. The day service actually ends (its
        period may already end earlier, on a pending switch), or None if it does not serve."""
        period = self._own_period(supplier_id, on)
        if period is None:
            own = [
                p
                for p in self.live_periods()
                if p.supplier_id == supplier_id and p.end is not None and p.end <= on
            ]
            return own[-1].end if own else None
        if period.start >= on:  # dropped before it began: Standard Offer in its place
            period.status = str(PeriodStatus.CANCELLED)
            on = period.start
        else:
            period.end = on
        for later in self.live_periods():  # its own later terms (a pending change) go too
            if later.supplier_id == supplier_id and later.start > on:
                later.status = str(PeriodStatus.CANCELLED)
        # Standard Offer until the next supplier of record, or until a final account closes
        final = self.account.closed_on
        following = next((p.start for p in self.live_periods() if p.start > on), final)
        standard_offer = PeriodRow(
            account_id=self.account.id,
            supplier_id=None,
            start=on,
            end=following,
            status=str(PeriodStatus.PENDING),
            process=process,
        )
        self._add_period(standard_offer)
        return on

    def _own_period(self, supplier_id: int, on: date) -> PeriodRow | None:
        """The CES's live period covering `on`, or else its open-ended one starting later."""
        own = [p for p in self.live_periods() if p.supplier_id == supplier_id]
        for period in own:
            if period.start <= on and (period.end is None or on < period.end):
                return period
        later = [p for p in own if p.start > on and p.end is None]
        return later[0] if later else None

    def _add_period(self, period: PeriodRow) -> None:
        self.periods.append(period)
        self.periods.sort(key=lambda p: p.start)

    def cancel_supplier_change(self, process: ProcessRow) -> None:
        """Undo a pending change of supplier: its period is cancelled and the one before it
        runs on again."""
        mine = [p for p in self.live_periods() if p.process is process]
        for period in mine:
            period.status = str(PeriodStatus.CANCELLED)
            before = [p for p in self.live_periods() if p.end == period.start]
            for previous in before:
                previous.end = period.end  # runs on to where the cancelled one would end
                self._restore_set_aside(previous.supplier_id, period.start)
        process.state = str(ProcessState.CANCELLED)

    def _restore_set_aside(self, supplier_id: int | None, since: date) -> None:
        """A drop sets aside its CES's later terms (a pending change); when the drop is
        withdrawn they take effect again from their own date."""
        for period in self.periods:
            change = period.process
            if (
                period.status == PeriodStatus.CANCELLED
                and period.supplier_id == supplier_id
                and period.start >= since
                and change is not None
                and change.kind == ProcessKind.CHANGE
                and change.state == ProcessState.PENDING
            ):
                covering = self.period_on(period.start)
                if (
                    covering is None
                    or covering.supplier_id != supplier_id
                    or covering.start >= period.start
                ):
                    continue
                period.end = covering.end
                covering.end = period.start
                period.status = str(PeriodStatus.PENDING)
                self.periods.sort(key=lambda p: p.start)

    def advance(self, today: date) -> None:
        """Bring statuses up to `today`: periods that have started are active, those that
        have ended are ended, processes whose effective date has come are completed."""
        for period in self.periods:
            if period.status == PeriodStatus.CANCELLED:
                continue
            if period.end is not None and period.end <= today:
                period.status = str(PeriodStatus.ENDED)
            elif period.start <= today:
                period.status = str(PeriodStatus.ACTIVE)
            else:
                period.status = str(PeriodStatus.PENDING)
        for process in self.processes:
            if (
                process.state == ProcessState.PENDING
                and process.effective_on is not None
                and process.effective_on <= today
            ):
                process.state = str(ProcessState.COMPLETED)
