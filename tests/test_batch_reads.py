"""A batch's reads on PostgreSQL stay linear on a store the planner knows nothing about.

Each batch reads its accounts (with their pending processes, supplier periods and meters)
and the requests already decided, a thousand keys at a time, by statements psycopg prepares
on the server. After a few runs the server may keep one generic plan, made without the
batch's values and, on a store just loaded or one autovacuum has not reached yet, without
statistics. Written as `column = ANY(array)`, that plan was a sequential scan comparing each
row with each of the thousand values in turn: a 20,000-account sweep took 290 s instead of
13 s. These tests prepare each statement, force the generic plan on tables never analyzed,
and require that no scan filters rows by comparing them with the array.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from psycopg import sql
from sqlalchemy import insert, text
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from ebt.store.bulk import pg_array
from ebt.store.database import make_engine, upgrade
from ebt.store.market_reader import _account_queries, _decided_query
from ebt.store.schema import Account, Premise, SupplierPeriod

ACCOUNTS = 3_000


@pytest.fixture
def unanalyzed(postgres_schemas: Any) -> Iterator[Any]:
    """A store of 3,000 accounts whose tables were never analyzed (autovacuum held off)."""
    name, url = postgres_schemas.create()
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as db:
            for table in ("accounts", "processes", "supplier_periods", "transactions"):
                db.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
            db.execute(
                insert(Premise),
                [
                    {
                        "id": n,
                        "number": f"P{n}",
                        "street": "1 MAIN ST",
                        "city": "AUGUSTA",
                        "state": "ME",
                        "postal_code": "04330",
                    }
                    for n in range(ACCOUNTS)
                ],
            )
            db.execute(
                insert(Account),
                [
                    {
                        "id": n,
                        "number": f"{n:011d}",
                        "customer_name": "CUSTOMER",
                        "premise_id": n,
                        "bill_cycle": "01",
                        "opened_on": date(2020, 1, 1),
                    }
                    for n in range(ACCOUNTS)
                ],
            )
            db.execute(
                insert(SupplierPeriod),
                [
                    {"account_id": n, "start": date(2020, 1, 1), "status": "active"}
                    for n in range(ACCOUNTS)
                ],
            )
            never = db.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = :s "
                    "AND relname = 'accounts' AND last_analyze IS NULL "
                    "AND last_autoanalyze IS NULL"
                ),
                {"s": name},
            )
            assert never == 1
        yield engine
    finally:
        engine.dispose()
        postgres_schemas.drop(name)


def _scans_comparing_with_an_array(plan: dict[str, Any]) -> Iterator[str]:
    """Every plan node that filters its rows by `= ANY (...)`, as text."""
    for key in ("Filter", "Index Cond", "Recheck Cond", "Join Filter"):
        condition = plan.get(key, "")
        if "ANY (" in condition and key != "Index Cond":
            yield f"{plan['Node Type']} on {plan.get('Relation Name')}: {condition}"
    for child in plan.get("Plans", []):
        yield from _scans_comparing_with_an_array(child)


def _generic_plan(db: Any, statement: Any, values: dict[str, Any]) -> dict[str, Any]:
    compiled = statement.compile(dialect=PGDialect_asyncpg())  # $1, $2, ... in order
    params = compiled.construct_params(values)
    arguments = [params[name] for name in compiled.positiontup]
    driver = db.connection.dbapi_connection
    driver.execute("DEALLOCATE ALL")
    driver.execute(f"PREPARE batch_read AS {compiled}")
    literals = sql.SQL(", ").join(sql.Literal(a) for a in arguments)
    row = driver.execute(sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE batch_read({})").format(literals))
    found = row.fetchone()[0]
    plan: dict[str, Any] = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
    return plan


def test_a_batch_is_read_without_comparing_rows_with_its_keys_one_by_one(
    unanalyzed: Any,
) -> None:
    numbers = pg_array(f"{n:011d}" for n in range(0, ACCOUNTS, 3))  # a batch of 1,000
    references = pg_array(f"REF{n}" for n in range(1_000))
    with unanalyzed.connect() as db:
        db.execute(text("SET plan_cache_mode = force_generic_plan"))
        statements = [
            (q, {"numbers": numbers, "on": date(2026, 11, 20)})
            for q in _account_queries("postgresql")
        ]
        statements += [(q, {"references": references}) for q in _decided_query("postgresql")]
        for statement, values in statements:
            plan = _generic_plan(db, statement, values)
            assert list(_scans_comparing_with_an_array(plan)) == [], json.dumps(plan)[:2000]
        # and the reads find what the store holds
        rows = db.execute(
            _account_queries("postgresql")[0], {"numbers": numbers, "on": date(2026, 11, 20)}
        ).all()
        assert [r.number for r in rows] == [f"{n:011d}" for n in range(0, ACCOUNTS, 3)]
