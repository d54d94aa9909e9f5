"""Benchmark the T&D's own processes: customers' moves one call at a time, then the daily
activation over every service start they left pending, on SQLite.

Builds a store of 2N accounts on Standard Offer (bench/process.py's store, one meter per
premise), then moves the
customers of the first N accounts to the other N (`ebt.services.moves.move`: decision,
supplier periods, final read, final bill, service stop and start, confirmation — one database
transaction each, as `ebt move` does), then runs `ebt.services.activation.activate` once on
the move-in day. Reports the medians of R runs, each on a fresh copy of the store, wall and
CPU seconds (the CPU figure holds on a busy machine), and peak RSS.

    python bench/moves.py                   # 1,000 moves, 3 runs
    python bench/moves.py -n 500 -n 2000 -r 5
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
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import process  # noqa: E402  (bench/process.py: the store builder)

TODAY = date(2026, 11, 20)
MOVE_OUT = date(2026, 12, 1)


def measure(url: str, count: int) -> dict[str, float]:
    """In this process: `count` moves, then one activation; wall times and peak RSS."""
    from ebt.data.market import load_market
    from ebt.market.moves import MoveRequest
    from ebt.services.activation import activate
    from ebt.services.moves import move
    from ebt.store.database import make_engine, session_factory
    from ebt.store.market_reader import read_reference

    now = datetime.combine(TODAY, datetime.min.time())
    market = load_market(now)
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        reference = read_reference(session)  # partners and cycle reads, read once as a run does
    start, cpu = time.perf_counter(), time.process_time()
    outcomes: dict[str, int] = {}
    for n in range(1, count + 1):
        request = MoveRequest(
            old_account=f"{process._account(n):011d}",
            new_account=f"{process._account(n + count):011d}",
            move_out=MOVE_OUT,
            move_in=MOVE_OUT,
            called_on=TODAY,
            final_read=Decimal(1000 + n),
            start_read=Decimal(n),
        )
        result = move(sessions, market, request, reference)
        outcomes[result.verdict.outcome] = outcomes.get(result.verdict.outcome, 0) + 1
    moved, moved_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    report = activate(sessions, MOVE_OUT + timedelta(days=1))
    activated, activated_cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    return {
        "moves_s": moved,
        "moves_cpu_s": moved_cpu,
        "activate_s": activated,
        "activate_cpu_s": activated_cpu,
        "work_items": len(report.work_items),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "outcomes": outcomes,
    }  # type: ignore[dict-item]


def add_meters(url: str, accounts: int) -> None:
    """One flat meter per premise (the store builder makes none)."""
    from sqlalchemy import insert

    from ebt.store.database import make_engine
    from ebt.store.schema import Meter, MeterInstallation

    engine = make_engine(url)
    with engine.begin() as db:
        numbers = range(1, accounts + 1)
        db.execute(
            insert(Meter), [{"id": n, "number": f"M{n:09d}", "type": "KWH"} for n in numbers]
        )
        db.execute(
            insert(MeterInstallation),
            [{"meter_id": n, "premise_id": n, "installed_on": date(2020, 1, 1)} for n in numbers],
        )
    engine.dispose()


def run(count: int, repeats: int, work: Path) -> list[dict[str, float]]:
    template = work / f"store-{count}.db"
    process.build_store(f"sqlite:///{template}", 2 * count)
    add_meters(f"sqlite:///{template}", 2 * count)
    results = []
    for number in range(repeats):
        copy = work / f"run-{count}-{number}.db"
        shutil.copyfile(template, copy)
        child = subprocess.run(
            [sys.executable, __file__, "--measure", f"sqlite:///{copy}", str(count)],
            capture_output=True,
            text=True,
        )
        if child.returncode:
            raise SystemExit(f"the measuring run failed:\n{child.stderr}")
        results.append(json.loads(child.stdout))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--moves", type=int, action="append")
    parser.add_argument("-r", "--repeats", type=int, default=3)
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        url, count = args.measure
        print(json.dumps(measure(url, int(count))))
        return
    print(
        "| moves | runs | moves s | moves/s | moves CPU s | activate s | periods/s "
        "| activate CPU s | peak RSS MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="ebt-bench-moves-") as tmp:
        for count in args.moves or [1_000]:
            runs = run(count, args.repeats, Path(tmp))
            moves = statistics.median(r["moves_s"] for r in runs)
            moves_cpu = statistics.median(r["moves_cpu_s"] for r in runs)
            active = statistics.median(r["activate_s"] for r in runs)
            active_cpu = statistics.median(r["activate_cpu_s"] for r in runs)
            peak = max(r["peak_rss_mib"] for r in runs)
            print(
                f"| {count:,} | {len(runs)} | {moves:.2f} | {count / moves:,.0f} "
                f"| {moves_cpu:.2f} | {active:.2f} | {count / active:,.0f} | {active_cpu:.2f} "
                f"| {peak:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
