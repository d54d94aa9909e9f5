"""Alembic environment for the store: migrates the connection handed over by
`ebt.store.database.upgrade` (config.attributes["connection"]); models in ebt.store.schema.

A new revision, after changing the models (and SCHEMA_VERSION, which counts the revisions):

    python -c "from alembic import command; from ebt.store.database import *
    e = make_engine('sqlite:///dev.db'); upgrade(e); c = alembic_config()
    with e.begin() as x: c.attributes['connection'] = x; command.revision(
        c, 'what changed', autogenerate=True, rev_id='0002')"

then read and tidy the generated file in versions/; tests/test_store.py checks that the
migrated schema has no differences from the models on SQLite and PostgreSQL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ebt.store.schema import Base

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    """Run the migrations on `connection`; SQLite alters tables in batch mode (copy and move)."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "The store's migrations run through ebt.store.database.upgrade(engine), "
            "or with config.attributes['connection'] set to an open connection."
        )
    run_migrations(connection)


main()
