"""The query layer (ebt/queries): each query over a store swept from the bundled utility's
files, for the T&D's staff and for a supplier's user, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from console_support import ACADIA, BAD_FILE, KATAHDIN, NOW, PINE_TREE, Store, make_store
from sqlalchemy import select

from ebt.queries import accounts, decisions, files, listing, rules, today, workitems
from ebt.queries.codes import meaning
from ebt.queries.scope import Scope
from ebt.queries.sweeps import last_sweeps
from ebt.store.schema import Account, InboundFile, SupplierPeriod, TradingPartner

EVERYTHING = Scope.everything()
PINE = Scope.supplier(PINE_TREE)
ACADIA_SCOPE = Scope.supplier(ACADIA)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    schemas = request.getfixturevalue("postgres_schemas") if request.param != "sqlite" else None
    made, schema = make_store(request.param, tmp_path_factory.mktemp("store"), schemas)
    yield made
    made.sessions.kw["bind"].dispose()
    if schema:
        schemas.drop(schema)  # type: ignore[union-attr]


def _file_id(store: Store, name: str) -> int:
    with store.sessions() as session:
        found = session.scalar(select(InboundFile.id).where(InboundFile.name == name))
    assert found is not None
    return found


def test_the_ledger_lists_every_file_for_the_td_and_only_its_own_for_a_ces(store: Store) -> None:
    with store.sessions() as session:
        everyone = files.list_files(session, EVERYTHING, files.FileFilter(), now=NOW)
        pine = files.list_files(session, PINE, files.FileFilter(), now=NOW)
        acadia = files.list_files(session, ACADIA_SCOPE, files.FileFilter(), now=NOW)
        sent_to_pine = files.list_files(session, PINE, files.FileFilter(direction="out"), now=NOW)
    assert len(everyone.rows) == 5
    assert [f.partner for f in pine.rows] == [PINE_TREE]
    assert {f.partner for f in acadia.rows} == {ACADIA} and len(acadia.rows) == 2
    assert sent_to_pine.rows and {f.partner for f in sent_to_pine.rows} == {PINE_TREE}


def test_the_ledger_filters_by_partner_state_and_date(store: Store) -> None:
    with store.sessions() as session:

        def names(**where: object) -> set[str]:
            found = files.list_files(session, EVERYTHING, files.FileFilter(**where), now=NOW)  # type: ignore[arg-type]
            return {f.name for f in found.rows}

        assert len(names(partner=KATAHDIN)) == 2
        assert names(state="error") == set()
        assert len(names(state="archived")) == 5
        assert names(since=date(2026, 11, 21)) == set()
        assert len(names(until=date(2026, 11, 20))) == 5
        awaiting = files.list_files(
            session, EVERYTHING, files.FileFilter(direction="out", state="awaiting 997"), now=NOW
        )
        overdue = files.list_files(
            session,
            EVERYTHING,
            files.FileFilter(direction="out", state="overdue"),
            now=NOW + timedelta(days=2),
        )
    assert awaiting.rows and {f.state for f in awaiting.rows} == {"awaiting 997"}
    assert {f.name for f in overdue.rows} == {f.name for f in awaiting.rows}


def test_pages_read_one_row_past_the_page_and_say_more_follow(store: Store) -> None:
    with store.sessions() as session:
        first = files.list_files(session, EVERYTHING, files.FileFilter(), now=NOW, per_page=2)
        third = files.list_files(
            session, EVERYTHING, files.FileFilter(), now=NOW, per_page=2, page=3
        )
    assert len(first.rows) == 2 and first.more and first.next == 2 and first.previous is None
    assert len(third.rows) == 1 and not third.more and third.previous == 2


def test_a_file_shows_its_envelopes_findings_decisions_answers_and_997(store: Store) -> None:
    bad = _file_id(store, BAD_FILE)
    reinstatement = _file_id(store, "814-reinstatement-request.x12")
    with store.sessions() as session:
        view = files.inbound_file(session, EVERYTHING, bad)
        good = files.inbound_file(session, EVERYTHING, reinstatement)
    assert view is not None and good is not None
    assert [(i.control, i.sender) for i in view.interchanges] == [("000000777", KATAHDIN)]
    assert [(g.control, g.sets) for g in view.interchanges[0].groups] == [("777", 1)]
    assert [(f.code, f.segment, f.element, f.position) for f in view.findings] == [
        ("ELEMENT-DATE", "DTM", "DTM02", 10)
    ]
    assert any("AK9 R" in a.summary for a in view.acknowledgments)
    (row,) = good.transactions.rows
    assert (row.outcome, row.code, row.reference) == ("reject", "A13", "ACA-RIN-20261105-0003")
    assert [a.summary for a in row.answers] == ["ASI U*025, REF*7G A13"]
    assert row.answers[0].file_name and row.answers[0].file_name.startswith(ACADIA)


def test_another_suppliers_file_is_not_found_for_a_ces(store: Store) -> None:
    bad = _file_id(store, BAD_FILE)
    with store.sessions() as session:
        assert files.inbound_file(session, PINE, bad) is None
        assert files.inbound_file(session, Scope.supplier(KATAHDIN), bad) is not None
        assert files.inbound_file_id(session, PINE, BAD_FILE) is None
        sent = files.list_files(session, EVERYTHING, files.FileFilter(direction="out"), now=NOW)
        to_acadia = next(f for f in sent.rows if f.partner == ACADIA)
        assert files.outbound_file(session, PINE, to_acadia.id, now=NOW) is None
        view = files.outbound_file(session, ACADIA_SCOPE, to_acadia.id, now=NOW)
    assert view is not None and view.messages.rows


def test_the_listing_puts_each_finding_at_its_segment_and_element(store: Store) -> None:
    with store.sessions() as session:
        view = files.inbound_file(session, EVERYTHING, _file_id(store, BAD_FILE))
    assert view is not None
    listed = listing.listing(view.original, view.findings, interchanges=1)
    flagged = [s for s in listed.segments if s.findings]
    assert [(s.number, s.id, s.position) for s in flagged] == [(12, "DTM", 10)]
    assert flagged[0].flagged(2) and not flagged[0].flagged(1)
    assert listed.segments[0].id == "ISA" and listed.segments[-1].id == "IEA"
    assert not listed.unplaced
    page = listing.listing(view.original, view.findings, start=5, count=3)
    assert [s.number for s in page.segments] == [5, 6, 7] and page.more


def test_a_listing_says_when_the_original_is_gone(tmp_path: Path) -> None:
    gone = listing.listing(str(tmp_path / "nothing.x12"), ())
    assert gone.kind == "missing" and "no longer there" in (gone.note or "")
    assert listing.listing(None, ()).note == "the original is not kept"


def test_accounts_are_found_by_number_meter_name_and_address(store: Store) -> None:
    with store.sessions() as session:
        by_number = accounts.find_accounts(session, EVERYTHING, "account", "00412345678")
        by_name = accounts.find_accounts(session, EVERYTHING, "name", "thibodeau")
        by_address = accounts.find_accounts(session, EVERYTHING, "address", "brackett")
        literal = accounts.find_accounts(session, EVERYTHING, "name", "%")
    assert [a.number for a in by_number.rows] == ["00412345678"]
    assert "00412345678" in {a.number for a in by_name.rows}
    assert "00412345678" in {a.number for a in by_address.rows}
    assert literal.rows == ()  # % is taken literally


def test_a_ces_finds_only_accounts_it_serves_or_asked_about(store: Store) -> None:
    with store.sessions() as session:
        served = accounts.find_accounts(session, ACADIA_SCOPE, "account", "00398765432")
        asked = accounts.find_accounts(session, PINE, "account", "00412345678")
        other = accounts.find_accounts(session, PINE, "account", "00398765432")
        assert accounts.account(session, PINE, "00398765432", NOW.date()) is None
    assert [a.number for a in served.rows] == ["00398765432"]
    assert [a.number for a in asked.rows] == ["00412345678"]
    assert other.rows == ()


def test_an_account_shows_its_timeline_processes_and_decided_transactions(store: Store) -> None:
    with store.sessions() as session:
        view = accounts.account(session, EVERYTHING, "00412345678", NOW.date())
    assert view is not None
    assert [(p.supplier_name, p.status) for p in view.periods] == [
        ("Standard Offer", "active"),
        ("PINE TREE POWER SUPPLY", "pending"),
    ]
    assert view.periods[0].standard_offer and not view.periods[1].standard_offer
    assert [(p.kind, p.state, p.ces) for p in view.processes] == [
        ("enrollment", "pending", PINE_TREE)
    ]
    (row,) = view.transactions.rows
    assert (row.outcome, row.reference) == ("enroll", "PTP-ENR-20261102-0001")


def test_a_ces_sees_another_suppliers_period_without_its_name(store: Store) -> None:
    with store.sessions() as session:
        account = session.scalar(select(Account).where(Account.number == "00398765432"))
        pine = session.scalar(select(TradingPartner).where(TradingPartner.duns == PINE_TREE))
        assert account is not None and pine is not None
        session.add(
            SupplierPeriod(
                account_id=account.id,
                supplier_id=pine.id,
                start=date(2014, 1, 1),
                end=date(2015, 1, 20),
                status="ended",
            )
        )
        session.commit()
        mine = accounts.account(session, PINE, "00398765432", NOW.date())
        theirs = accounts.account(session, ACADIA_SCOPE, "00398765432", NOW.date())
    assert mine is not None and theirs is not None
    names = [p.supplier_name for p in mine.periods]
    assert "ACADIA ENERGY" not in names and accounts.ANOTHER_SUPPLIER in names
    assert all(p.supplier in (None, PINE_TREE) for p in mine.periods)
    assert mine.transactions.rows == ()  # acadia's change is not pine tree's
    assert "PINE TREE POWER SUPPLY" not in [p.supplier_name for p in theirs.periods]
    assert theirs.transactions.rows


def test_today_counts_files_transactions_and_rejects_with_meanings(store: Store) -> None:
    with store.sessions() as session:
        view = today.today(session, EVERYTHING, NOW)
        later = today.today(session, EVERYTHING, NOW + timedelta(days=2))
        pine = today.today(session, PINE, NOW)
    assert len(view.days) == 30 and view.days[-1] == NOW.date()
    assert view.files_in_today == {"archived": 5}
    assert [s.total for s in view.files_per_day] == [5, sum(view.files_out_today.values())]
    assert {s.key: s.total for s in view.transactions_per_day} == {
        "accepted": 3,
        "rejected": 1,
        "syntax_error": 1,
    }
    assert [(s.key, s.label, s.total) for s in view.rejects_per_day] == [("A13", "A13 other", 1)]
    assert view.work_items_open == 2 and view.overdue_count == 0
    assert later.overdue_count == view.files_out_today.get("awaiting 997", 0) > 0
    assert {s.kind for s in view.sweeps} == {"inbound", "outbound"}
    assert pine.files_in_today == {"archived": 1} and pine.rejects_per_day == ()
    assert pine.work_items == () and pine.sweeps == ()


def test_business_days_skip_weekends_and_maine_holidays() -> None:
    days = today.business_days(date(2026, 4, 21), 3)  # Mon 20 April is Patriots' Day
    assert days == (date(2026, 4, 16), date(2026, 4, 17), date(2026, 4, 21))


def test_explain_gives_the_path_the_outcome_and_the_codes_meaning(store: Store) -> None:
    with store.sessions() as session:
        (found,) = decisions.explanations(session, EVERYTHING, reference="ACA-RIN-20261105-0003")
        hidden = decisions.explanations(session, PINE, reference="ACA-RIN-20261105-0003")
        again = decisions.explanations(session, EVERYTHING, decision_id=found.id)
    assert (found.outcome, found.code, found.code_meaning) == ("reject", "A13", "other")
    assert found.table is not None and found.table_name == "reinstatement"
    assert found.steps[0].step == found.table.start
    assert all(s.question and not s.question.startswith("(step") for s in found.steps)
    assert found.file_id is not None and found.account == "00734500019"
    assert hidden == () and again == (found,)


def test_work_items_list_filter_and_resolve(store: Store) -> None:
    with store.sessions() as session:
        listed = workitems.work_items(session, EVERYTHING)
        kinds = workitems.work_item_kinds(session, EVERYTHING)
        assert workitems.work_items(session, PINE).rows == ()
        with pytest.raises(workitems.WorkItemError):
            workitems.resolve(session, PINE, listed.rows[0].id, NOW)
        by_kind = workitems.work_items(session, EVERYTHING, kind="final_bill_transfer")
        (item,) = by_kind.rows
        workitems.resolve(session, EVERYTHING, item.id, NOW)
        session.commit()
        with pytest.raises(workitems.WorkItemError, match="already resolved"):
            workitems.resolve(session, EVERYTHING, item.id, NOW)
        resolved = workitems.work_items(session, EVERYTHING, status="resolved")
        assert workitems.work_item(session, PINE, item.id) is None
    assert {"start_without_read", "final_bill_transfer"} <= set(kinds)
    assert item.id in {i.id for i in resolved.rows}
    assert len(listed.rows) >= 2


def test_rules_list_each_table_and_the_parameters_in_force() -> None:
    on = date(2026, 11, 20)
    tables = rules.tables(on)
    assert {"enrollment", "drop", "change", "move"} <= {t.name for t in tables}
    assert all(t.in_force for t in tables if t.version == "1.0")
    version, since, values = rules.parameters(on)
    assert version == "1.0" and since <= on
    assert ("lead_business_days", "2") in {(p.name, p.value) for p in values}
    table = rules.table("enrollment", "1.0", on)
    assert table is not None
    assert (
        rules.outcome_text(table.steps["account_found"].no, on) == "reject A76 (account not found)"
    )


def test_a_code_has_its_meaning_from_one_place() -> None:
    assert meaning("rejection", "NFI") == "not first in"
    assert meaning("rejection", "ZZZ") is None
    assert meaning("rejection", None) is None
    assert meaning("finding", "SE-COUNT")
    assert meaning("ak9", "R") == "rejected"


def test_each_sweep_is_recorded_with_how_long_it_took(store: Store) -> None:
    with store.sessions() as session:
        runs = last_sweeps(session, EVERYTHING, 10)
    inbound = next(r for r in runs if r.kind == "inbound")
    assert inbound.files == 5 and inbound.transactions == 5 and inbound.seconds > 0
    assert inbound.started_at == datetime(2026, 11, 20)
    assert "5 file(s) claimed" in inbound.summary
