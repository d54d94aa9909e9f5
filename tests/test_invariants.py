"""Stateful invariants of the market service, explored by hypothesis.

A `RuleBasedStateMachine` drives `ebt.market.service.Processor` directly over a fresh store
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

The machine writes no outbound files: the outbox rows are what the files are made of.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from dataclasses import replace
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
from sqlalchemy import text

from ebt.calendar import MaineCalendar
from ebt.cli import main
from ebt.mapping.mapper import guidebook_mapping, to_segments
from ebt.mapping.records import (
    Action,
    Kind,
    MaintenanceType,
    Purpose,
    Reason,
    Transaction814,
)
from ebt.market.decider import Market
from ebt.market.service import Processor
from ebt.market.setup import load_market
from ebt.store.database import make_engine, session_factory
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
    path = tmp_path_factory.mktemp("invariants") / "reference.db"
    result = CliRunner().invoke(main, ["load", str(REFERENCE), "--db", f"sqlite:///{path}"])
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
        told = {
            (row.recipient, row.account_number)
            for row in self.rows(
                f"SELECT recipient, account_number FROM outbox "
                f"WHERE set_id = '814' AND id > {self.outbox_seen}"
            )
        }
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
        for row in self.rows(
            "SELECT transaction_id, process_id, kind, recipient, body FROM outbox "
            "WHERE set_id = '814'"
        ):
            if row.transaction_id is not None:
                answers[row.transaction_id].append(row)
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
                assert (
                    f'["DTM", "151", "{process.effective_on.replace("-", "")}"]' in notice.body
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
