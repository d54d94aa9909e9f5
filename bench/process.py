"""Benchmark `ebt process`: an N-enrollment file decided and committed into SQLite.

Builds a store with the T&D, the CES and N accounts that the generated file enrols
(bench/generate.py), then runs the whole pipeline — read, validate, typed records, decide
with the enrollment table, commit transactions, decisions, processes, supplier periods and
the outbox, write the outbound files — in a fresh process, and reports transactions per
second and peak RSS.

    python bench/process.py                 # 100,000 enrollments, median of 3 runs
    python bench/process.py -n 20000 -n 100000 -r 5
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py, beside this file)

TODAY = date(2026, 11, 20)
CYCLES = [f"{n:02d}" for n in range(1, 22)]


def build_store(url: str, accounts: int) -> None:
    from ebt.store.database import make_engine, upgrade
    from ebt.store.schema import Account, CycleRead, Premise, SupplierPeriod, TradingPartner

    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as db:
        db.execute(
            insert(TradingPartner),
            [
                {"duns": generate.TD_ID, "name": generate.TD_NAME, "role": "T&D"},
                {"duns": generate.CES_ID, "name": generate.CES_NAME, "role": "CES"},
            ],
        )
        db.execute(
            insert(CycleRead),
            [
                {"bill_cycle": c, "read_date": date(y, m, 1 + i)}
                for i, c in enumerate(CYCLES)
                for y in (2026, 2027)
                for m in range(1, 13)
            ],
        )
    step = 20_000
    for first in range(1, accounts + 1, step):
        numbers = range(first, min(first + step, accounts + 1))
        with engine.begin() as db:
            db.execute(
                insert(Premise),
                [
                    {
                        "id": n,
                        "number": f"P{n:09d}",
                        "street": "1 MAIN ST",
                        "city": "AUGUSTA",
                        "state": "ME",
                        "postal_code": "04330",
                    }
                    for n in numbers
                ],
            )
            db.execute(
                insert(Account),
                [
                    {
                        "id": n,
                        "number": f"{_account(n):011d}",
                        "customer_name": "CUSTOMER",
                        "premise_id": n,
                        "bill_cycle": CYCLES[n % 21],
                        "opened_on": date(2020, 1, 1),
                    }
                    for n in numbers
                ],
            )
            db.execute(
                insert(SupplierPeriod),
                [
                    {
                        "account_id": n,
                        "supplier_id": None,
                        "start": date(2020, 1, 1),
                        "status": "active",
                    }
                    for n in numbers
                ],
            )
    if engine.dialect.name == "postgresql":  # as `ebt load` leaves a store: analyzed
        with engine.begin() as db:
            db.exec_driver_sql(
                "ANALYZE trading_partners, cycle_reads, premises, accounts, supplier_periods"
            )
    engine.dispose()


def _account(number: int) -> int:
    return (number * generate.ACCOUNT_MULTIPLIER + generate.ACCOUNT_OFFSET) % 10**11


def measure(url: str, path: Path, out: Path) -> dict[str, float]:
    """In this process: run the pipeline once; wall time and peak RSS."""
    from ebt.data.market import load_market
    from ebt.pipeline.outbox import write_outbox
    from ebt.pipeline.process import Processor
    from ebt.runtime import tune_for_batch
    from ebt.store.database import make_engine, session_factory

    tune_for_batch()
    now = datetime.combine(TODAY, datetime.min.time())
    sessions = session_factory(make_engine(url))
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    summary = Processor(sessions, load_market(now)).process_path(path)
    decided = time.perf_counter() - start
    write_outbox(sessions, out, now=now)
    total = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return {
        "transactions": summary.transactions,
        "decided_s": decided,
        "total_s": total,
        "cpu_s": cpu,
        "peak_rss_mib": peak,
        "outcomes": summary.outcomes,
    }  # type: ignore[dict-item]


def prepare(count: int, work: Path) -> tuple[Path, Path]:
    """The enrollment file and a store with its accounts, built once per size."""
    path = work / f"enr-{count}.x12"
    with path.open("w", encoding="ascii", newline="") as out:
        generate.write(out, count, day=TODAY)
    base = work / f"base-{count}.db"
    build_store(f"sqlite:///{base}", count)
    return path, base


def run(count: int, work: Path, path: Path, base: Path, attempt: int) -> dict[str, float]:
    """One measured run on a fresh copy of the store, in a fresh process."""
    store = work / f"store-{count}-{attempt}.db"
    shutil.copyfile(base, store)
    url = f"sqlite:///{store}"
    out = work / f"out-{count}-{attempt}"
    child = subprocess.run(
        [sys.executable, __file__, "--measure", url, str(path), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(child.stdout)
    store.unlink()
    shutil.rmtree(out, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--transactions", type=int, action="append")
    parser.add_argument("-r", "--repeat", type=int, default=3, help="runs per size (median)")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, path, out = args.measure
        print(json.dumps(measure(url, Path(path), Path(out))))
        return
    print(
        f"medians of {args.repeat} runs, interleaved by size; CPU s is the process's user + "
        "system time (less moved by other load on a shared machine than the wall clock)"
    )
    print(
        "| enrollments | decided + committed s | with outbound files s | transactions/s "
        "| CPU s | transactions per CPU s | peak RSS MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    sizes = args.transactions or [100_000]
    with tempfile.TemporaryDirectory(prefix="ebt-bench-") as tmp:
        work = Path(tmp)
        inputs = {count: prepare(count, work) for count in sizes}
        runs: dict[int, list[dict[str, float]]] = {count: [] for count in sizes}
        for attempt in range(args.repeat):
            for count in sizes:
                runs[count].append(run(count, work, *inputs[count], attempt))
        for count in sizes:
            r = {
                k: statistics.median(x[k] for x in runs[count])
                for k in ("decided_s", "total_s", "cpu_s", "peak_rss_mib")
            }
            print(
                f"| {count:,} | {r['decided_s']:.1f} | {r['total_s']:.1f} "
                f"| {count / r['total_s']:,.0f} | {r['cpu_s']:.1f} | {count / r['cpu_s']:,.0f} "
                f"| {r['peak_rss_mib']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
