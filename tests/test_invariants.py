"""Stateful invariants of the market service, explored by hypothesis.

A `RuleBasedStateMachine` drives `ebt.pipeline.process.Processor` directly over a fresh store
loaded from fixtures/reference: random streams of enrollments, drops, changes and
reinstatements from the three CESs for a handful of accounts (a few sent through another
CES's envelope, a few repeating an earlier reference), the clock moving on by random business
days, and earlier files sent again. After every step:

- **timeline**: for every account, the supplier periods that are not cancelled cover every
  day from the first start, with no gap, no overlap and no empty or reversed period: exactly
  one supplier (or Standard Offer) per day; the last one is open (or ends when the account
  closes);
- **answers**: every inbound request set is recorded; every decided request has exactly one
  814 answer (an accept when accepted, a reject when rejected) addressed to the sender of
  its interchange; the only other 814s are drop notices, one to the old CES for each
  accepted switch and one to the incoming CES for each enrollment or switch a reinstatement
  cancelled, each for the date of the switch;
- **privacy**: a CES only ever receives 814s about accounts it serves, served, was to serve
  (a cancelled period), is switching away from, or asked about, and none of them names
  another CES;
- **told**: a CES's days of service on an account never change without an 814 to it about
  that account in the same step (a switch away, a drop accept, a reinstatement...);
- **replay**: processing a file again is reported as a duplicate and changes no row.

The T&D's own actions come in the same streams: customers' moves between the watched accounts
(`ebt.services.moves.move`, seamless or not, any dates around today), tenants' stops and a
new tenant's starts in a building with a landlord agreement (`ebt.services.tenants`), their
cancellations, the daily activation (`ebt.services.activation.activate`) and meter exchanges
(`ebt.services.meter_exchange`). After every step, besides the above:

- **finals**: no account is both finaled and served: a final account's supplier periods and
  service periods all end by its final date;
- **reversions**: at every premise, service periods (tenants' and the landlord's
  reversions) never overlap;
- **exchanges**: every exchanged meter's reads join without a gap: the removed meter's
  last read and the new meter's first read are on the day one comes out and the other goes
  in at the same premise;
- **final bills**: every accepted move has exactly one final bill, a rejected one none.

The machine writes no outbound files: the outbox rows are what the files are made of.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, text

from ebt.calendar import MaineCalendar
from ebt.cli import main
from ebt.data.mappings import guidebook_mapping
from ebt.data.market import load_market
from ebt.mapping.mapper import to_segments
from ebt.mapping.records import (
    Action,
    Kind,
    MaintenanceType,
    Purpose,
    Reason,
    Transaction814,
)
from ebt.market.decider import Market
from ebt.market.meter_exchange import Exchange, ExchangeError, NewMeter
from ebt.market.moves import MoveRequest
from ebt.market.tenancy import ServiceError
from ebt.pipeline.process import Processor
from ebt.services.activation import activate
from ebt.services.meter_exchange import exchange_meter
from ebt.services.moves import move
from ebt.services.tenants import cancel, tenant_start, tenant_stop
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import Process
from ebt.syntax.separators import Separators
from ebt.syntax.writer import envelope_segments, write_segments

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "fixtures" / "reference"
TD = ("049876543", "CASCO BAY ELECTRIC DELIVERY")
CES = {
    "081234567": "PINE TREE POWER SUPPLY",
    "082345678": "ACADIA ENERGY",
    "083456789": "KATAHDIN SOLAR SUPPLY",  # dual billing only
}
# A handful of accounts: on Standard Offer and served by each CES, cycles 07 and 11, flat,
# TOU and demand meters, smart and manual; and one number the utility does not have.
ACCOUNTS = (
    "00412345678",  # Standard Offer, cycle 07, manual flat meter
    "00123098765",  # Pine Tree, cycle 07, smart TOU meter
    "00398765432",  # Acadia, cycle 07, smart flat meter
    "00567001234",  # Katahdin, cycle 07, smart demand meter
    "00314083003",  # Standard Offer, cycle 11, TOU meter
    "00655443322",  # Katahdin, cycle 11
    "00999000111",  # not an account of this utility
)
WATCHED = ", ".join(f"'{number}'" for number in ACCOUNTS)  # for SQL: the others never change
KINDS = {
    Kind.ENROLLMENT_REQUEST: MaintenanceType.ENROLLMENT,
    Kind.DROP_REQUEST: MaintenanceType.DROP,
    Kind.CHANGE_REQUEST: MaintenanceType.CHANGE,
    Kind.REINSTATEMENT_REQUEST: MaintenanceType.REINSTATEMENT,
}
ANSWERS = {
    "enrollment_request": ("enrollment_accept", "enrollment_reject"),
    "drop_request": ("drop_accept", "drop_reject"),
    "change_request": ("change_accept", "change_reject"),
    "reinstatement_request": ("reinstatement_accept", "reinstatement_reject"),
}
START = dt.date(2026, 11, 2)
CALENDAR = MaineCalendar()
MOVERS = ACCOUNTS[:6]  # the accounts a customer may move out of, or into
TENANTS = ("00412345678", "00314083003")  # on Standard Offer, in buildings with agreements
NEW_TENANT = {  # opened for a tenant to come, at 47 Brackett St Apt 3
    "account_number": "00500000004",
    "customer_name": "NEW TENANT",
    "premise_number": "P000000004",
    "bill_cycle": "07",
    "status": "active",
    "opened_on": "2027-12-01",
    "rate_class": "A",
    "services": "EL",
}
MUTABLE_TABLES = (
    "inbound_files",
    "interchanges",
    "transactions",
    "findings",
    "decisions",
    "processes",
    "supplier_periods",
    "outbox",
    "control_numbers",
)


@pytest.fixture(scope="module")
def reference_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("invariants")
    path = folder / "reference.db"
    result = CliRunner().invoke(main, ["load", str(REFERENCE), "--db", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    extra = folder / "tenant.json"
    extra.write_text(json.dumps({"accounts": [NEW_TENANT]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["load", str(extra), "--db", f"sqlite:///{path}"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def base_market() -> Market:
    return load_market(dt.datetime.combine(START, dt.time(9)))


request = st.fixed_dictionaries(
    {
        "ces": st.sampled_from(sorted(CES)),
        "kind": st.sampled_from(sorted(KINDS)),
        "account": st.sampled_from(ACCOUNTS),
        # drops: no date, a day up to ten weeks out (mostly off cycle) or one of the
        # account's next three cycle reads (on cycle, if far enough ahead)
        "end": st.one_of(
            st.none(),
            st.tuples(st.just("days"), st.integers(0, 70)),
            st.tuples(st.just("read"), st.integers(0, 2)),
        ),
        "billing_option": st.sampled_from(["LDC", "DUAL"]),
        "rate_code": st.sampled_from(["RES-FIXED-12", "TOU-RES-12", "DMD-SMB-24"]),
        # one in ten through another CES's envelope; one in ten repeats a reference
        "spoof": st.integers(0, 9),
        "repeat": st.integers(0, 9),
    }
)


def kind_name(record: Transaction814) -> str:
    return str(record.kind).removesuffix("_request")


class MarketMachine(RuleBasedStateMachine):
    template: Path
    market: Market

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="ebt-invariants-"))
        db = self.folder / "ebt.db"
        with sqlite3.connect(self.template) as src, sqlite3.connect(db) as dst:
            src.backup(dst)
        src.close()
        dst.close()
        self.engine = make_engine(f"sqlite:///{db}")
        self.sessions = session_factory(self.engine)
        self.today = START
        self.files: list[tuple[str, bytes]] = []
        self.sets_sent = 0
        self.control = 100
        self.references: list[tuple[str, str]] = []  # (CES, BGN02) sent so far
        self.asked: dict[str, set[str]] = defaultdict(set)  # account -> envelope senders
        self.log: dict[str, list[str]] = defaultdict(list)  # account -> what was sent, for failures
        self.mapping = guidebook_mapping(None, "814", START)
        self.reads: dict[str, list[dt.date]] = defaultdict(list)  # account -> cycle reads
        for row in self.rows(
            "SELECT a.number, r.read_date FROM accounts a "
            "JOIN cycle_reads r ON r.bill_cycle = a.bill_cycle "
            f"WHERE a.number IN ({WATCHED}) ORDER BY r.read_date"
        ):
            self.reads[row.number].append(dt.date.fromisoformat(str(row.read_date)))
        self.service = self.service_by_ces()  # each CES's days of service, as last checked
        self.outbox_seen = self.last_outbox_id()
        self.exchanges: list[tuple[str, str, dt.date]] = []  # (removed, installed, on)

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- the world moving on ---------------------------------------------------------------

    def processor(self) -> Processor:
        now = dt.datetime.combine(self.today, dt.time(9))
        return Processor(self.sessions, replace(self.market, today=self.today, now=now))

    @rule(days=st.integers(1, 6))
    def advance(self, days: int) -> None:
        self.today = CALENDAR.add_business_days(self.today, days)

    @rule(requests=st.lists(request, min_size=1, max_size=4))
    def send(self, requests: list[dict[str, Any]]) -> None:
        when = dt.datetime.combine(self.today, dt.time(9))
        separators = Separators()
        segments: list[list[str]] = []
        for item in requests:
            ces = item["ces"]
            envelope = ces
            if item["spoof"] == 0:
                envelope = next(c for c in sorted(CES) if c != ces)
            earlier = [ref for sender, ref in self.references if sender == ces]
            if item["repeat"] == 0 and earlier:
                reference = earlier[-1]
            else:
                reference = f"{ces[-3:]}-{len(self.references) + 1:05d}"
                self.references.append((ces, reference))
            record = self.request(item, ces, reference)
            self.control += 1
            segments += envelope_segments(
                [to_segments(record, self.mapping)],
                set_id="814",
                functional_id="GE",
                sender=("01", envelope),
                receiver=("01", TD[0]),
                control=self.control,
                when=when,
                separators=separators,
            )
            self.asked[item["account"]].add(envelope)
            self.log[item["account"]].append(
                f"{self.today} {kind_name(record)} {reference} from {ces}"
                + (f" (envelope {envelope})" if envelope != ces else "")
                + (f" ending {record.service_end}" if record.service_end else "")
            )
        data = "".join(write_segments(segments, separators)).encode("ascii")
        name = f"in-{len(self.files) + 1:04d}.x12"
        summary = self.processor().process_bytes(data, name)
        assert not summary.duplicate
        assert summary.transactions == len(requests)
        self.sets_sent += len(requests)
        self.files.append((name, data))

    def request(self, item: dict[str, Any], ces: str, reference: str) -> Transaction814:
        kind = item["kind"]
        values: dict[str, Any] = {}
        if kind == Kind.ENROLLMENT_REQUEST:
            values = {
                "billing_option": item["billing_option"],
                "bill_calculator": item["billing_option"],
                "ces_rate_code": item["rate_code"],
                "customer_name": "CUSTOMER",
            }
        elif kind == Kind.DROP_REQUEST and item["end"] is not None:
            how, count = item["end"]
            if how == "days":
                values = {"service_end": self.today + dt.timedelta(days=count)}
            else:
                reads = [d for d in self.reads.get(item["account"], ()) if d >= self.today]
                if reads:
                    values = {"service_end": reads[min(count, len(reads) - 1)]}
        elif kind == Kind.CHANGE_REQUEST:
            values = {
                "change_reasons": (Reason("REFRB"), Reason("REFBLT")),
                "ces_rate_code": item["rate_code"],
                "billing_option": item["billing_option"],
            }
        return Transaction814(
            kind=kind,
            purpose=Purpose.REQUEST,
            reference=reference,
            date=self.today,
            action=Action.REQUEST,
            maintenance=KINDS[kind],
            account=item["account"],
            td_id=TD[0],
            td_name=TD[1],
            td_id_qualifier="1",
            ces_id=ces,
            ces_name=CES[ces],
            ces_id_qualifier="1",
            line_number="1",
            commodity="EL",
            service="CE",
            **values,
        )

    # -- the T&D's own actions -------------------------------------------------------------

    def market_today(self) -> Market:
        now = dt.datetime.combine(self.today, dt.time(9))
        return replace(self.market, today=self.today, now=now)

    @rule(
        old=st.sampled_from(MOVERS),
        new=st.sampled_from((*MOVERS, "00999000111", None)),
        out=st.integers(0, 25),
        shift=st.integers(-3, 3),
        standard_offer=st.integers(0, 4),
    )
    def move(self, old: str, new: str | None, out: int, shift: int, standard_offer: int) -> None:
        move_out = self.today + dt.timedelta(days=out)
        request = MoveRequest(
            old_account=old,
            new_account=None if new == old else new,
            move_out=move_out,
            move_in=move_out + dt.timedelta(days=shift),
            called_on=self.today,
            standard_offer=standard_offer == 0,
            final_read=None,
            start_read=None,
        )
        try:
            result = move(self.sessions, self.market_today(), request)
        except ServiceError:  # refused plainly (its service there starts later): nothing kept
            return
        self.log[old].append(
            f"{self.today} move out {move_out} to {request.new_account} in {request.move_in}: "
            f"{result.verdict.outcome} {result.verdict.code or ''}"
        )
        if request.new_account:
            self.log[request.new_account].append(f"{self.today} move in from {old}")

    @rule(account=st.sampled_from(TENANTS), days=st.integers(0, 20))
    def tenant_stops(self, account: str, days: int) -> None:
        on = self.today + dt.timedelta(days=days)
        try:
            tenant_stop(
                self.sessions,
                self.market.rulebook,
                account_number=account,
                on=on,
                reading=Decimal(7),
                today=self.today,
                now=dt.datetime.combine(self.today, dt.time(9)),
            )
        except ServiceError:
            return  # refused plainly (a CES serves it; already final): nothing kept
        self.log[account].append(f"{self.today} tenant stop {on}")

    @rule(days=st.integers(0, 20), read=st.booleans())
    def new_tenant_starts(self, days: int, read: bool) -> None:
        on = self.today + dt.timedelta(days=days)
        try:
            tenant_start(
                self.sessions,
                account_number=NEW_TENANT["account_number"],
                on=on,
                reading=Decimal(3) if read else None,
                today=self.today,
                now=dt.datetime.combine(self.today, dt.time(9)),
            )
        except ServiceError:
            return  # the unit is still occupied with no stop: refused, nothing kept

    @rule(data=st.data())
    def cancel_pending(self, data: st.DataObject) -> None:
        with self.sessions() as session:
            pending = sorted(
                session.scalars(
                    select(Process.id)
                    .where(Process.kind.in_(("tenant_start", "tenant_stop")))
                    .where(Process.state == "pending")
                )
            )
        if not pending:
            return
        chosen = data.draw(st.sampled_from(pending), label="cancel")
        try:
            cancel(self.sessions, chosen, self.today)
        except ServiceError:
            return

    @rule()
    def daily_activation(self) -> None:
        activate(self.sessions, self.today)

    @rule(account=st.sampled_from(MOVERS))
    def meter_exchange(self, account: str) -> None:
        meters = self.rows(
            "SELECT m.number, m.rate_structures FROM meters m "
            "JOIN meter_installations i ON i.meter_id = m.id "
            "JOIN accounts a ON a.premise_id = i.premise_id "
            f"WHERE a.number = '{account}' AND i.removed_on IS NULL ORDER BY m.number"
        )
        if not meters:
            return
        installed = f"AM{len(self.exchanges) + 1:07d}"
        exchange = Exchange(
            removed=meters[0].number,
            removed_read=Decimal(100),
            new=NewMeter(installed, rate_structures=meters[0].rate_structures),
            first_read=Decimal(0),
            on=self.today,
        )
        try:
            exchange_meter(self.sessions, self.market_today(), exchange)
        except ExchangeError:
            return  # put in today: cannot come out the same day
        self.exchanges.append((exchange.removed, installed, self.today))

    @precondition(lambda self: bool(self.files))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        name, payload = data.draw(st.sampled_from(self.files), label="file sent again")
        before = self.snapshot()
        summary = self.processor().process_bytes(payload, name)
        assert summary.duplicate, f"{name} was processed again"
        assert self.snapshot() == before, f"sending {name} again changed the store"

    # -- what must always hold -------------------------------------------------------------

    def rows(self, sql: str) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(text(sql)))

    def snapshot(self) -> dict[str, list[str]]:
        return {
            table: sorted(map(repr, self.rows(f"SELECT * FROM {table}")))
            for table in MUTABLE_TABLES
        }

    def last_outbox_id(self) -> int:
        return int(self.rows("SELECT coalesce(max(id), 0) FROM outbox")[0][0])

    def service_by_ces(self) -> dict[tuple[str, str], list[tuple[str, str | None]]]:
        """(CES, account) -> the CES's days of service as merged [start, end) spans."""
        spans: dict[tuple[str, str], list[tuple[str, str | None]]] = defaultdict(list)
        for row in self.rows(
            'SELECT p.duns, a.number, s.start, s."end" FROM supplier_periods s '
            "JOIN accounts a ON a.id = s.account_id "
            "JOIN trading_partners p ON p.id = s.supplier_id "
            'WHERE s.status != \'cancelled\' AND (s."end" IS NULL OR s.start < s."end") '
            f"AND a.number IN ({WATCHED}) "
            "ORDER BY p.duns, a.number, s.start"
        ):
            merged = spans[(row.duns, row.number)]
            if merged and merged[-1][1] == row.start:
                merged[-1] = (merged[-1][0], row.end)
            else:
                merged.append((row.start, row.end))
        return dict(spans)

    @invariant()
    def every_change_of_service_is_told(self) -> None:
        now = self.service_by_ces()
        told: set[tuple[str, str]] = set()
        for row in self.rows(
            f"SELECT recipient, account_number, body FROM outbox "
            f"WHERE set_id = '814' AND id > {self.outbox_seen}"
        ):
            told.add((row.recipient, row.account_number))
            for segment in json.loads(row.body):  # a move's change notice: the old account too
                if segment[:2] == ["REF", "45"]:
                    told.add((row.recipient, segment[2]))
        for key in sorted(set(now) | set(self.service)):
            before, after = self.service.get(key, []), now.get(key, [])
            if before != after:
                ces, account = key
                assert key in told, (
                    f"{CES[ces]}'s service on {account} changed from {before} to {after} on "
                    f"{self.today} and it was sent nothing about it; sent: {self.log[account]}"
                )
        self.service = now
        self.outbox_seen = self.last_outbox_id()

    @invariant()
    def supplier_timeline_is_whole(self) -> None:
        periods: dict[str, list[Any]] = defaultdict(list)
        for row in self.rows(
            'SELECT a.number, a.closed_on, s.supplier_id, s.start, s."end" '
            "FROM supplier_periods s JOIN accounts a ON a.id = s.account_id "
            f"WHERE s.status != 'cancelled' AND a.number IN ({WATCHED}) "
            "ORDER BY a.number, s.start, s.id"
        ):
            periods[row.number].append(row)
        for number, rows in periods.items():

            def where(problem: str, number: str = number, rows: list[Any] = rows) -> str:
                spans = [(r.supplier_id, r.start, r.end) for r in rows]
                return (
                    f"{problem}: account {number}, periods (supplier id, start, end) {spans}; "
                    f"sent: {self.log[number]}"
                )

            for period, following in itertools.pairwise(rows):
                assert period.end is not None, where("two open periods (overlap)")
                assert period.start < period.end, where("an empty or reversed period")
                assert period.end == following.start, where("a gap or an overlap")
            last = rows[-1]  # open, or ending when the account closes
            assert last.end == last.closed_on, where("the last period's end")

    @invariant()
    def every_request_answered_once(self) -> None:
        (recorded,) = self.rows("SELECT count(*) FROM transactions")[0]
        assert recorded == self.sets_sent, f"{self.sets_sent} sets sent, {recorded} recorded"
        decided = {
            row.id: row
            for row in self.rows(
                "SELECT t.id, t.kind, t.status, t.reference, i.sender FROM transactions t "
                "JOIN interchanges i ON i.id = t.interchange_id "
                "WHERE t.status IN ('accepted', 'rejected')"
            )
        }
        answers: dict[int, list[Any]] = defaultdict(list)
        notices: dict[int, list[Any]] = defaultdict(list)
        own: dict[int, list[Any]] = {  # the T&D's own processes: moves, meter exchanges
            row.id: []
            for row in self.rows(
                "SELECT id FROM processes WHERE kind IN ('move', 'meter_exchange')"
            )
        }
        for row in self.rows(
            "SELECT transaction_id, process_id, kind, recipient, body FROM outbox "
            "WHERE set_id = '814'"
        ):
            if row.transaction_id is not None:
                answers[row.transaction_id].append(row)
            elif row.process_id in own:
                own[row.process_id].append(row)
            else:
                assert row.kind == "drop_notice", f"an unprompted {row.kind}"
                notices[row.process_id].append(row)
        assert set(answers) <= set(decided), "an answer to a request that was not decided"
        for tx_id, tx in decided.items():
            got = answers.get(tx_id, [])
            assert len(got) == 1, f"{tx.kind} {tx.reference} answered {len(got)} times"
            accept, reject = ANSWERS[tx.kind]
            wanted = accept if tx.status == "accepted" else reject
            assert got[0].kind == wanted, f"{tx.kind} {tx.reference} {tx.status}: {got[0].kind}"
            assert got[0].recipient == tx.sender, (
                f"{tx.reference} from {tx.sender} answered to {got[0].recipient}"
            )
        duns = {row.id: row.duns for row in self.rows("SELECT id, duns FROM trading_partners")}
        processes = {
            row.id: row
            for row in self.rows("SELECT id, kind, state, ces_id, effective_on FROM processes")
        }
        for process_id in set(notices) | {
            p.id for p in processes.values() if p.kind in ("switch", "enrollment")
        }:
            process = processes.get(process_id)
            sent = notices.get(process_id, [])
            assert process is not None and process.kind in ("switch", "enrollment"), (
                f"a drop notice for process {process_id} ({process and process.kind})"
            )
            on_switch = [n for n in sent if n.recipient != duns[process.ces_id]]
            on_cancel = [n for n in sent if n.recipient == duns[process.ces_id]]
            for notice in sent:
                assert ["DTM", "151", process.effective_on.replace("-", "")] in json.loads(
                    notice.body
                ), (
                    f"the drop notice for {process.kind} {process_id} is not for its date "
                    f"{process.effective_on}: {notice.body}"
                )
            wanted_switch = 1 if process.kind == "switch" and process.state != "rejected" else 0
            wanted_cancel = 1 if process.state == "cancelled" else 0
            assert len(on_switch) == wanted_switch, (
                f"{process.kind} {process_id} ({process.state}): {len(on_switch)} notices "
                "to the old CES"
            )
            assert len(on_cancel) == wanted_cancel, (
                f"{process.kind} {process_id} ({process.state}): {len(on_cancel)} notices "
                "to the incoming CES"
            )
        self.own_notices_are_right(own, duns)

    def own_notices_are_right(self, own: dict[int, list[Any]], duns: dict[int, str]) -> None:
        """A seamless move sends its CES one change notice, a finaled one one drop notice
        for the move-out date; a meter exchange one change notice (meter change) to the
        CES serving; a rejected move nothing."""
        outcomes = {
            row.process_id: row.outcome
            for row in self.rows("SELECT process_id, outcome FROM decisions")
        }
        processes = {
            row.id: row
            for row in self.rows(
                "SELECT id, kind, state, ces_id, effective_on FROM processes "
                "WHERE kind IN ('move', 'meter_exchange')"
            )
        }
        for process_id, sent in own.items():
            process = processes[process_id]
            kinds = sorted(n.kind for n in sent)
            ces = duns.get(process.ces_id) if process.ces_id else None
            if process.kind == "meter_exchange":
                assert kinds == (["change_request"] if ces else []), (process, kinds)
                continue
            wanted = {
                "seamless_move": ["change_request"],
                "final_move": ["drop_notice"],
            }.get(outcomes[process_id], [])
            to_ces = sorted(n.kind for n in sent if n.recipient == ces)
            assert to_ces == wanted, f"move {process_id} ({outcomes[process_id]}): {kinds}"
            for notice in sent:
                if notice.recipient != ces:  # a CES whose pending service the move cancelled
                    assert notice.kind == "drop_notice", f"move {process_id}: {notice.kind}"
                elif notice.kind == "drop_notice":
                    day = process.effective_on.replace("-", "")
                    assert ["DTM", "151", day] in json.loads(notice.body), notice.body

    @invariant()
    def ces_hears_only_about_its_accounts(self) -> None:
        involved: dict[str, set[str]] = defaultdict(set)
        for row in self.rows(
            "SELECT a.number, p.duns FROM supplier_periods s "
            "JOIN accounts a ON a.id = s.account_id "
            "JOIN trading_partners p ON p.id = s.supplier_id"
        ):
            involved[row.number].add(row.duns)
        for row in self.rows(
            "SELECT recipient, account_number, kind, body FROM outbox WHERE set_id = '814'"
        ):
            known = involved[row.account_number] | self.asked[row.account_number]
            assert row.recipient in known, (
                f"{row.recipient} was sent a {row.kind} about {row.account_number}, which it "
                "neither serves, served, is switching from, nor asked about"
            )
            for other, name in CES.items():
                if other != row.recipient:
                    assert other not in row.body and name not in row.body, (
                        f"a {row.kind} to {row.recipient} about {row.account_number} names "
                        f"{name}: {row.body}"
                    )

    @invariant()
    def no_account_is_both_finaled_and_served(self) -> None:
        for row in self.rows(
            'SELECT a.number, a.closed_on, s.start, s."end", s.supplier_id '
            "FROM supplier_periods s JOIN accounts a ON a.id = s.account_id "
            "WHERE a.status = 'final' AND s.status != 'cancelled' "
            f"AND a.number IN ({WATCHED}) "
            'AND (s."end" IS NULL OR s."end" > a.closed_on)'
        ):
            raise AssertionError(
                f"account {row.number} is final from {row.closed_on} but has a supplier "
                f"period {row.start}..{row.end}; sent: {self.log[row.number]}"
            )
        for row in self.rows(
            'SELECT a.number, a.closed_on, s.start, s."end" FROM service_periods s '
            "JOIN accounts a ON a.id = s.account_id "
            "WHERE a.status = 'final' AND s.status != 'cancelled' "
            'AND (s."end" IS NULL OR s."end" > a.closed_on)'
        ):
            raise AssertionError(
                f"account {row.number} is final from {row.closed_on} but takes service "
                f"{row.start}..{row.end}; sent: {self.log[row.number]}"
            )

    @invariant()
    def reversions_never_overlap_a_tenant(self) -> None:
        periods: dict[int, list[Any]] = defaultdict(list)
        for row in self.rows(
            'SELECT premise_id, account_id, role, start, "end" FROM service_periods '
            "WHERE status != 'cancelled' ORDER BY premise_id, start, id"
        ):
            periods[row.premise_id].append(row)
        for premise, rows in periods.items():
            for period, following in itertools.pairwise(rows):
                assert period.end is not None and period.end <= following.start, (
                    f"premise {premise}: {period.role} {period.account_id} "
                    f"{period.start}..{period.end} overlaps {following.role} "
                    f"{following.account_id} from {following.start}"
                )
                assert period.end is None or period.start < period.end, (premise, period)

    @invariant()
    def exchanged_meters_join(self) -> None:
        for removed, installed, on in self.exchanges:
            day = on.isoformat()
            rows = self.rows(
                "SELECT m.number, i.premise_id, i.installed_on, i.removed_on FROM meters m "
                "JOIN meter_installations i ON i.meter_id = m.id "
                f"WHERE m.number IN ('{removed}', '{installed}')"
            )
            old = [r for r in rows if r.number == removed and str(r.removed_on) == day]
            new = [r for r in rows if r.number == installed]
            assert len(old) == 1 and len(new) == 1, (removed, installed, rows)
            assert str(new[0].installed_on) == day and new[0].premise_id == old[0].premise_id
            reads = {
                (r.number, r.kind)
                for r in self.rows(
                    "SELECT m.number, r.kind FROM meter_reads r JOIN meters m ON m.id = r.meter_id "
                    f"WHERE r.read_on = '{day}' AND m.number IN ('{removed}', '{installed}')"
                )
            }
            assert {(removed, "exchange"), (installed, "first")} <= reads, (
                f"{removed} → {installed} on {day}: reads {reads}"
            )

    @invariant()
    def every_move_has_one_final_bill(self) -> None:
        for row in self.rows(
            "SELECT p.id, p.state, count(b.id) AS bills FROM processes p "
            "LEFT JOIN final_bills b ON b.process_id = p.id "
            "WHERE p.kind = 'move' GROUP BY p.id, p.state"
        ):
            wanted = 0 if row.state == "rejected" else 1
            assert row.bills == wanted, f"move {row.id} ({row.state}): {row.bills} final bills"


def test_market_invariants(reference_template: Path, base_market: Market) -> None:
    gc.freeze()  # the service collects garbage per batch: leave pytest's objects out of it
    MarketMachine.template = reference_template
    MarketMachine.market = base_market
    run_state_machine_as_test(
        MarketMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


class _Drawn:
    """A stand-in for hypothesis's `data` that draws the last item it is offered."""

    def draw(self, strategy: Any, label: str | None = None) -> Any:
        return strategy.elements[-1]


def test_a_cancelled_start_gives_back_no_service_past_a_move_out(
    reference_template: Path, base_market: Market
) -> None:
    """Found by the state machine: a tenant's stop is moved earlier by a new tenant's start,
    the tenant moves out, then the new tenant's start is cancelled. The stop it had moved
    comes back only as far as the account's final date."""
    MarketMachine.template = reference_template
    MarketMachine.market = base_market
    machine = MarketMachine()
    try:
        machine.tenant_stops(account="00412345678", days=1)
        machine.new_tenant_starts(days=0, read=False)
        machine.move(new="00412345678", old="00412345678", out=0, shift=0, standard_offer=0)
        machine.cancel_pending(_Drawn())  # type: ignore[arg-type]
        machine.no_account_is_both_finaled_and_served()
        machine.reversions_never_overlap_a_tenant()
    finally:
        machine.teardown()
