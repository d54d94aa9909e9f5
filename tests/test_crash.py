"""Crash safety: a sweep of a multi-file inbox (inbound, then outbound) is killed with
SIGKILL at random points of every phase (claim, parse, ingest, decide, commit, outbound
file staged, delivered, marked sent; archive), then run again to the end; the result must be
what one uninterrupted sweep gives — every transaction decided once, every answer written
once, every file archived once, nothing left staged — and the store's invariants must hold."""

from __future__ import annotations

import itertools
import os
import random
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sweep_support import (
    TODAY,
    account_number,
    build_store,
    inbox_file,
    sets_in,
    write_config,
)

from ebt.cli import main
from ebt.store.database import make_engine, session_factory
from ebt.store.schema import (
    Decision,
    InboundFile,
    Interchange,
    OutboundFile,
    Outbox,
    SupplierPeriod,
    Transaction,
)

FILES = 5
PER_FILE = 24
OVERLAP = 4  # each file repeats the last accounts of the one before: first in must win
# (phase, how many passes it has in one sweep of this inbox, at most)
PHASES = {
    "claim": FILES,
    "parse": FILES,
    "ingest": FILES,
    "decide": FILES,  # on SQLite one partition: a decide batch per file
    "commit": FILES,
    "archive": FILES,
    "outbound": 1,  # staged, before it is delivered
    "deliver": 1,  # in the partner's folder, before its rows are marked sent
    "sent": 1,  # marked sent, before it is archived
}
TRIALS = 21


def numbers(index: int) -> range:
    first = 1 + index * (PER_FILE - OVERLAP)
    return range(first, first + PER_FILE)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the accounts, a configuration, and the inbox, built once."""
    folder = tmp_path_factory.mktemp("crash-template")
    build_store(f"sqlite:///{folder / 'ebt.db'}", FILES * PER_FILE)
    write_config(folder)
    for index in range(FILES):
        inbox_file(
            folder / "ces" / "inbound" / f"enroll-{index}.x12", numbers(index), control=500 + index
        )
    return folder


def copy(template: Path, to: Path) -> Path:
    shutil.copytree(template, to)
    return to


def store_of(folder: Path, url: str | None = None) -> str:
    return url or f"sqlite:///{folder / 'ebt.db'}"


def sweep_in_process(folder: Path, url: str | None = None) -> None:
    where = ["--config", str(folder / "partners.toml"), "--db", store_of(folder, url)]
    result = CliRunner().invoke(main, ["--today", TODAY, "sweep", "all", *where])
    assert result.exit_code == 0, result.output


# `python -m ebt` with the intake's batches of `sys.argv[1]` sets
SMALL_BATCHES = (
    "import sys, ebt.pipeline.intake as intake; intake.BATCH = int(sys.argv.pop(1)); "
    "from ebt.cli import main; main(prog_name='ebt')"
)


def killed_sweep(
    folder: Path, crash_at: str, url: str | None = None, batch: int | None = None
) -> int:
    where = ["--config", str(folder / "partners.toml"), "--db", store_of(folder, url)]
    env = {**os.environ, "EBT_CRASH_AT": crash_at}
    ebt = ["-c", SMALL_BATCHES, str(batch)] if batch else ["-m", "ebt"]
    done = subprocess.run(
        [sys.executable, *ebt, "--today", TODAY, "sweep", "all", *where],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr.decode()
    return done.returncode


def outcome(folder: Path, url: str | None = None) -> dict[str, object]:
    """What a sweep left: decisions per request, answers written, files archived."""
    engine = make_engine(store_of(folder, url))
    sessions = session_factory(engine)
    with sessions() as session:
        decided = Counter(
            (row.account_number, row.status, file_name)
            for row, file_name in session.execute(
                select(Transaction, InboundFile.name)
                .join(Interchange, Interchange.id == Transaction.interchange_id)
                .join(InboundFile, InboundFile.id == Interchange.file_id)
            ).all()
        )
        decisions = Counter(session.scalars(select(Decision.transaction_id)))
        unsent = session.scalar(select(Outbox.id).where(Outbox.sent_at.is_(None)).limit(1))
        files = {
            f.name: (f.status, Path(f.archived_to or "").name)
            for f in session.scalars(select(InboundFile))
        }
        sent = len(session.scalars(select(OutboundFile)).all())
        periods = session.scalars(
            select(SupplierPeriod).where(SupplierPeriod.status != "cancelled")
        ).all()
    engine.dispose()
    assert all(count == 1 for count in decisions.values()), "a transaction decided twice"
    assert unsent is None
    by_account: dict[int, list[SupplierPeriod]] = {}
    for period in periods:
        by_account.setdefault(period.account_id, []).append(period)
    for spans in by_account.values():  # one supplier per day: no overlaps, no gaps
        spans.sort(key=lambda p: p.start)
        for before, after in itertools.pairwise(spans):
            assert before.end == after.start, (before.start, before.end, after.start)
    answers: Counter[tuple[str, str]] = Counter()
    for path in sorted((folder / "ces" / "outbound").glob("*.x12")):
        for result in sets_in(path):
            record = result.record
            assert record is not None and not result.has_errors
            key = getattr(record, "reference", None) or getattr(record, "group_control", "")
            answers[(str(record.kind), key)] += 1
    archived = sorted(p.name for p in (folder / "archive").rglob("enroll-*.x12"))
    return {
        "decided": decided,
        "answers": answers,
        "files": files,
        "archived": archived,
        "sent": sent,
        "inbox": sorted(p.name for p in (folder / "ces" / "inbound").iterdir()),
        "work": sorted(p.name for p in (folder / "work").glob("*.x12")),
        "staged": sorted(p.name for p in (folder / "work" / "outbound").iterdir()),
        "kept": sorted(p.name for p in (folder / "archive" / "sent").rglob("*.x12")),
        "delivered": sorted(p.name for p in (folder / "ces" / "outbound").iterdir()),
    }


def test_a_sweep_killed_anywhere_and_run_again_does_everything_once(
    template: Path, tmp_path: Path
) -> None:
    clean = copy(template, tmp_path / "clean")
    sweep_in_process(clean)
    expected = outcome(clean)
    assert sum(expected["decided"].values()) == FILES * PER_FILE
    assert all(n == 1 for n in expected["answers"].values())
    assert expected["archived"] == [f"enroll-{i}.x12" for i in range(FILES)]
    # first in wins: an account asked for in two files is enrolled by the earlier file
    first = account_number(numbers(1)[0])
    statuses = {(f, s) for (a, s, f) in expected["decided"] if a == first}
    assert statuses == {("enroll-0.x12", "accepted"), ("enroll-1.x12", "rejected")}

    rng = random.Random(20261120)
    plan = [(phase, 1) for phase in PHASES]  # every phase at least once
    while len(plan) < TRIALS:
        phase = rng.choice(list(PHASES))
        plan.append((phase, rng.randint(1, PHASES[phase])))
    killed = 0
    for trial, (phase, count) in enumerate(plan):
        folder = copy(template, tmp_path / f"trial-{trial}")
        killed += killed_sweep(folder, f"{phase}:{count}") == -signal.SIGKILL
        sweep_in_process(folder)
        assert outcome(folder) == expected, f"after a crash at {phase}:{count}"
        shutil.rmtree(folder)
    assert killed >= 20


# on PostgreSQL a batch is written behind the next one's deciding (decision 0015), and a
# file's end behind its last batch: in batches of 7, each file of 24 is four batches; the
# kill lands before a batch's commit, after it, or while the intake reads on (in the same
# file or the next) with a batch or a file's end still being written
POSTGRES_BATCH = 7
POSTGRES_PHASES = {"parse": 20, "decide": 20, "commit": 20, "ingest": FILES}


@pytest.mark.postgres
def test_a_postgresql_sweep_killed_while_it_writes_behind_does_everything_once(
    template: Path, tmp_path: Path, postgres_schemas: Any
) -> None:
    def fresh(name: str) -> tuple[Path, str, str]:
        folder = tmp_path / name
        shutil.copytree(template, folder, ignore=shutil.ignore_patterns("ebt.db*"))
        schema, url = postgres_schemas.create()
        build_store(url, FILES * PER_FILE)
        return folder, schema, url

    folder, schema, url = fresh("clean")
    sweep_in_process(folder, url)
    expected = outcome(folder, url)
    postgres_schemas.drop(schema)
    assert sum(expected["decided"].values()) == FILES * PER_FILE
    rng = random.Random(20261203)
    plan = [(phase, rng.randint(1, most)) for phase, most in POSTGRES_PHASES.items()]
    plan += [(phase, rng.randint(1, POSTGRES_PHASES[phase])) for phase in ("parse", "decide")]
    # a file's end is written behind its last batch while the next file is read: killed
    # once its end is committed, and once the next file's first batch is taken
    plan += [("ingest", 1), ("parse", 5)]
    killed = 0
    for trial, (phase, count) in enumerate(plan):
        folder, schema, url = fresh(f"trial-{trial}")
        try:
            killed += (
                killed_sweep(folder, f"{phase}:{count}", url, batch=POSTGRES_BATCH)
                == -signal.SIGKILL
            )
            sweep_in_process(folder, url)
            assert outcome(folder, url) == expected, f"after a crash at {phase}:{count}"
        finally:
            postgres_schemas.drop(schema)
    assert killed == len(plan)  # every kill landed: the batches were as small as meant
