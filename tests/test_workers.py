"""Many workers: four `ebt sweep inbound` processes share one PostgreSQL store over 20,000
transactions in 20 files; nothing is done twice, and an account asked for in two files is
decided in delivery order even when different workers read the two files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import PostgresSchemas
from sqlalchemy import func, select
from sweep_support import TODAY, account_number, build_store, inbox_file, write_config

from ebt.cli import main
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import Decision, InboundFile, Interchange, Outbox, Transaction

pytestmark = pytest.mark.postgres

FILES = 20
PER_FILE = 1000
OVERLAP = 50
WORKERS = 4


def numbers(index: int) -> range:
    first = 1 + index * (PER_FILE - OVERLAP)
    return range(first, first + PER_FILE)


@pytest.fixture
def postgres_url(postgres_schemas: PostgresSchemas) -> Iterator[str]:
    name, url = postgres_schemas.create()
    try:
        yield url
    finally:
        postgres_schemas.drop(name)


def test_four_workers_share_the_work_and_keep_first_in_order(
    postgres_url: str, tmp_path: Path
) -> None:
    build_store(postgres_url, FILES * PER_FILE)
    config = write_config(tmp_path)
    for index in range(FILES):
        path = tmp_path / "ces" / "inbound" / f"enroll-{index:02d}.x12"
        inbox_file(path, numbers(index), control=700 + index, seed=index)
        os.utime(path, (1_000_000 + index, 1_000_000 + index))  # delivery order
    command = [
        sys.executable, "-m", "ebt", "--today", TODAY, "sweep", "inbound",
        "--config", str(config), "--db", postgres_url,
    ]  # fmt: skip
    workers = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(WORKERS)
    ]
    decided = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err.decode()
        decided.append(int(re.search(r"(\d+) transaction\(s\) decided", out.decode())[1]))
    assert sum(decided) == FILES * PER_FILE  # nothing decided twice, nothing left
    assert sum(1 for n in decided if n) >= 2, decided  # the work was shared
    sessions = session_factory(make_engine(postgres_url))
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(Transaction))
        distinct = session.scalar(
            select(func.count()).select_from(
                select(Transaction.interchange_id, Transaction.control).distinct().subquery()
            )
        )
        assert count == distinct == FILES * PER_FILE
        assert session.scalar(select(func.count()).select_from(Decision)) == count
        assert session.scalar(select(func.count()).where(InboundFile.status == "archived")) == FILES
        # every account asked for twice: the earlier file's request won, the later was refused
        rows = session.execute(
            select(Transaction.account_number, Transaction.status, InboundFile.name)
            .join(Interchange, Interchange.id == Transaction.interchange_id)
            .join(InboundFile, InboundFile.id == Interchange.file_id)
        ).all()
        by_account: dict[str, list[tuple[str, str]]] = {}
        for account, status, name in rows:
            by_account.setdefault(account, []).append((name, status))
        twice = [sorted(v) for v in by_account.values() if len(v) == 2]
        assert len(twice) == (FILES - 1) * OVERLAP
        assert all(v[0][1] == "accepted" and v[1][1] == "rejected" for v in twice), twice[:3]
        assert account_number(numbers(1)[0]) in by_account
        answers = session.scalar(select(func.count()).where(Outbox.set_id == "814"))
        assert answers == FILES * PER_FILE  # one answer per request
    result = CliRunner().invoke(
        main, ["--today", TODAY, "sweep", "outbound", "--config", str(config), "--db", postgres_url]
    )
    assert result.exit_code == 0 and "1 file(s) written" in result.output, result.output
