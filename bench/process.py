"""Benchmark `ebt process`: an N-enrollment file decided and committed into SQLite.

Builds a store with the T&D, the CES and N accounts that the generated file enrols
(bench/generate.py), then runs the whole pipeline — read, validate, typed records, decide
with the enrollment table, commit transactions, decisions, processes, supplier periods and
the outbox, write the outbound files — in a fresh process, and reports transactions per
second and peak RSS.

    python bench/process.py                 # 100,000 enrollments
    python bench/process.py -n 20000 -n 100000
"""

from __future__ import annotations

import argparse
import json
import resource
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
    engine.dispose()


def _account(number: int) -> int:
    return (number * generate.ACCOUNT_MULTIPLIER + generate.ACCOUNT_OFFSET) % 10**11


def measure(url: str, path: Path, out: Path) -> dict[str, float]:
    """In this process: run the pipeline once; wall time and peak RSS."""
    from ebt.market.outbound import write_outbox
    from ebt.market.service import Processor
    from ebt.market.setup import load_market
    from ebt.runtime import tune_for_batch
    from ebt.store.database import make_engine, session_factory

    tune_for_batch()
    now = datetime.combine(TODAY, datetime.min.time())
    sessions = session_factory(make_engine(url))
    start = time.perf_counter()
    summary = Processor(sessions, load_market(now)).process_path(path)
    decided = time.perf_counter() - start
    write_outbox(sessions, out, now=now)
    total = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "transactions": summary.transactions,
        "decided_s": decided,
        "total_s": total,
        "peak_rss_mib": peak,
        "outcomes": summary.outcomes,
    }  # type: ignore[dict-item]


def run(count: int, work: Path) -> dict[str, float]:
    path = work / f"enr-{count}.x12"
    with path.open("w", encoding="ascii", newline="") as out:
        generate.write(out, count, day=TODAY)
    url = f"sqlite:///{work / f'store-{count}.db'}"
    build_store(url, count)
    child = subprocess.run(
        [sys.executable, __file__, "--measure", url, str(path), str(work / f"out-{count}")],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(child.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--transactions", type=int, action="append")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, path, out = args.measure
        print(json.dumps(measure(url, Path(path), Path(out))))
        return
    print(
        "| enrollments | decided + committed s | with outbound files s | transactions/s "
        "| peak RSS MiB |"
    )
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="ebt-bench-") as tmp:
        for count in args.transactions or [100_000]:
            r = run(count, Path(tmp))
            rate = r["transactions"] / r["total_s"]
            print(
                f"| {count:,} | {r['decided_s']:.1f} | {r['total_s']:.1f} | {rate:,.0f} "
                f"| {r['peak_rss_mib']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
