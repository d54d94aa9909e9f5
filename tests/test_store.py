"""The store's plumbing: the database URL, the engine settings, and the Alembic migrations —
which must create exactly the tables, columns, indexes and constraints of ebt.store.schema on
SQLite and on PostgreSQL (the latter where EBT_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from ebt.store import database
from ebt.store.database import (
    alembic_config,
    database_url,
    driver_url,
    make_engine,
    session_factory,
    upgrade,
)
from ebt.store.schema import Base, TradingPartner

# -- the URL --------------------------------------------------------------------------------


def test_database_url_prefers_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBT_DATABASE_URL", "sqlite:///from-env.db")
    assert database_url("sqlite:///option.db") == "sqlite:///option.db"


def test_database_url_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBT_DATABASE_URL", "sqlite:///from-env.db")
    assert database_url(None) == "sqlite:///from-env.db"


def test_database_url_defaults_to_a_sqlite_file_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBT_DATABASE_URL", raising=False)
    assert database_url(None) == "sqlite:///ebt.db"


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgresql_urls_use_psycopg_3(given: str, used: str) -> None:
    assert driver_url(given) == used
    assert make_engine(given).url.render_as_string(hide_password=False) == used


# -- the engine -----------------------------------------------------------------------------


def test_sqlite_connections_use_wal_foreign_keys_normal_sync_and_a_64_mib_log(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ebt.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        # the log is checkpointed every 64 MiB of 4 KiB pages, and truncated back to that
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 16384
        assert connection.exec_driver_sql("PRAGMA journal_size_limit").scalar() == 1 << 26
    engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ebt.db'}")
    upgrade(engine)
    with pytest.raises(Exception, match="FOREIGN KEY"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (number, customer_name, premise_id, bill_cycle, status, "
                "services, opened_on) VALUES ('1', 'X', 999, '01', 'active', 'EL', '2026-01-01')"
            )
        )
    engine.dispose()


# -- the migrations -------------------------------------------------------------------------


def test_migrations_ship_inside_the_package() -> None:
    package = Path(database.__file__).resolve().parent
    assert package / "migrations" == database.MIGRATIONS
    assert (database.MIGRATIONS / "env.py").is_file()
    assert (database.MIGRATIONS / "script.py.mako").is_file()
    assert list((database.MIGRATIONS / "versions").glob("*.py"))


def test_one_head_and_the_schema_version_counts_the_revisions() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert len(scripts.get_heads()) == 1
    from ebt.store.schema import SCHEMA_VERSION

    assert len(list(scripts.walk_revisions())) == SCHEMA_VERSION


def test_migrations_match_the_models(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert differences == []
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrade_twice_changes_nothing_and_keeps_data(store_url: str) -> None:
    engine = make_engine(store_url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        session.add(TradingPartner(duns="049876543", name="CASCO BAY", role="T&D"))
        session.commit()
    upgrade(engine)
    with sessions() as session:
        assert session.scalars(select(TradingPartner.duns)).all() == ["049876543"]
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    engine.dispose()


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ebt.db'}")
    upgrade(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    engine.dispose()


def test_session_factory_keeps_objects_readable_after_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ebt.db'}")
    upgrade(engine)
    with session_factory(engine)() as session:
        partner = TradingPartner(duns="081234567", name="PINE TREE POWER SUPPLY", role="CES")
        session.add(partner)
        session.commit()
    assert partner.name == "PINE TREE POWER SUPPLY"
    assert partner.licensed is True
    engine.dispose()


def test_bulk_rows_read_back_as_the_orm_writes_them(store_url: str) -> None:
    """The market service's bulk writes (`ebt.market.rows`) store dates, times, decimals and
    defaults exactly as the ORM does: each row written both ways reads back the same."""
    from datetime import date, datetime
    from decimal import Decimal

    from ebt.market.rows import ProcessRow
    from ebt.store.bulk import insert_objects
    from ebt.store.schema import Process

    engine = make_engine(store_url)
    upgrade(engine)
    sessions = session_factory(engine)
    values = {
        "kind": "drop",
        "account_id": None,
        "ces_id": None,
        "state": "pending",
        "reference": "REF-1",
        "requested_on": date(2026, 11, 20),
        "effective_on": date(2026, 12, 3),
        "fee": Decimal("35.00"),
        "detail": None,
        "created_at": datetime(2026, 11, 20, 9, 30, 15, 123456),
    }
    with sessions() as session:
        rows = [ProcessRow(**values), ProcessRow(**values), ProcessRow(**values)]
        insert_objects(session, Process, rows)  # the first by RETURNING, the rest in bulk
        orm = Process(**values)
        session.add(orm)
        session.commit()
        ids = [r.id for r in rows]
        assert len(set(ids)) == 3 and orm.id not in ids
    with sessions() as session:
        expected = session.get(Process, orm.id)
        assert expected is not None
        for row_id in ids:
            read = session.get(Process, row_id)
            assert read is not None
            for name in values:
                assert getattr(read, name) == getattr(expected, name), name
        # and as stored: comparisons in SQL see the same text (SQLite keeps dates as text)
        stored = text(
            "SELECT requested_on, effective_on, fee, created_at FROM processes WHERE id = :i"
        )
        assert {tuple(session.execute(stored, {"i": i}).one()) for i in [*ids, orm.id]} == {
            tuple(session.execute(stored, {"i": orm.id}).one())
        }
    engine.dispose()


# -- PostgreSQL arrays as one literal -------------------------------------------------------


def test_array_literals_read_back_as_the_values_on_postgresql(
    postgres_schemas: object,
) -> None:
    """`pg_array` (a batch's keys and changed values bound as one array literal, cast by the
    statement) reads back on the server as the very values, whatever their text holds:
    quotes, backslashes, commas, braces, blanks, the word NULL, non-ASCII; dates, times,
    numbers, booleans, str enums and NULLs."""
    import os
    from datetime import date, datetime
    from decimal import Decimal
    from enum import StrEnum

    import psycopg
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ebt.store.bulk import pg_array

    class State(StrEnum):
        PENDING = "pending"

    url = driver_url(os.environ["EBT_TEST_POSTGRES_URL"]).replace("+psycopg", "")
    texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
    kinds = {
        "varchar": st.one_of(texts, st.sampled_from(["NULL", "", " ", '"', "\\", "{}", "a,b"])),
        "integer": st.integers(-(2**31), 2**31 - 1),
        "date": st.dates(date(1, 1, 1), date(9999, 12, 31)),
        "timestamp": st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)),
        "numeric": st.decimals(allow_nan=False, allow_infinity=False, places=2),
        "boolean": st.booleans(),
    }
    cases = st.sampled_from(sorted(kinds)).flatmap(
        lambda name: st.tuples(
            st.just(name), st.lists(st.one_of(st.none(), kinds[name]), max_size=20)
        )
    )
    with psycopg.connect(url) as connection:

        @settings(max_examples=300, deadline=None)
        @given(cases)
        def reads_back(case: tuple[str, list[object]]) -> None:
            type_name, items = case
            row = connection.execute(f"SELECT %s::{type_name}[]", (pg_array(items),))
            assert row.fetchone() == (items,)

        reads_back()
        enum = connection.execute("SELECT %s::varchar[]", (pg_array([State.PENDING]),))
        assert enum.fetchone() == (["pending"],)
        assert pg_array([Decimal("1E+2"), 5, None]) == '{"1E+2","5",NULL}'
