"""Benchmark `ebt replay` against deciding: an N-enrollment file decided and committed into
SQLite (`ebt process`, as bench/process.py runs it), then its N stored decisions replayed
from their recorded facts under the rules in force then and under a draft (3 lead business
days instead of 2), each in a fresh process, measured in the same run. The target: a replay
at least 4 times faster than the deciding was.

    python bench/replay.py                      # 100,000 enrollments, median of 3 runs
    python bench/replay.py -n 20000 -r 5
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
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import process as bench_process  # noqa: E402  (bench/process.py: prepare, measure)


def replay_measure(url: str, rules: str) -> dict[str, float]:
    """In this process: replay every decision of the store; seconds, CPU, peak RSS."""
    from ebt.services.replay import Selection, replay, rules_for
    from ebt.store.database import make_engine, session_factory

    today = bench_process.TODAY
    chosen = rules_for(rules, today)
    sessions = session_factory(make_engine(url))
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    changed = replayed = 0
    with sessions() as session:
        for item in replay(session, Selection(first=today, last=today), chosen):
            replayed += 1
            changed += item.changed
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    return {
        "replayed": replayed,
        "changed": changed,
        "seconds": seconds,
        "cpu_s": cpu,
        "peak_rss_mib": usage.ru_maxrss / 1024,
    }


def child(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--transactions", type=int, default=100_000)
    parser.add_argument("-r", "--repeat", type=int, default=3)
    parser.add_argument("--replay", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay:
        print(json.dumps(replay_measure(*args.replay)))
        return
    count = args.transactions
    with tempfile.TemporaryDirectory(prefix="ebt-replay-bench-") as name:
        work = Path(name)
        path, base = bench_process.prepare(count, work)
        draft = work / "draft"
        draft.mkdir()
        parameters = json.loads((HERE.parent / "rules" / "parameters-1.0.json").read_text())
        parameters.update(version="1.1", valid_from="2027-01-01", lead_business_days=3)
        (draft / "parameters-1.1.json").write_text(json.dumps(parameters))
        decide, then, drafted = [], [], []
        for attempt in range(args.repeat):
            store = work / f"store-{attempt}.db"
            shutil.copyfile(base, store)
            url = f"sqlite:///{store}"
            out = work / f"out-{attempt}"
            decide.append(bench_process_child(url, path, out))
            then.append(child("--replay", url, "then"))
            drafted.append(child("--replay", url, str(draft)))
            store.unlink()
            shutil.rmtree(out, ignore_errors=True)
        decided_s = statistics.median(r["decided_s"] for r in decide)
        print(
            f"{count:,} enrollments, medians of {args.repeat} runs "
            f"({datetime.now():%Y-%m-%d %H:%M})"
        )
        print("| run | seconds | decisions/s | CPU s | peak RSS MiB | vs deciding |")
        print("|---|---:|---:|---:|---:|---:|")
        print(
            f"| decide and commit (ebt process) | {decided_s:.1f} | {count / decided_s:,.0f} "
            f"| {statistics.median(r['cpu_s'] for r in decide):.1f} "
            f"| {statistics.median(r['peak_rss_mib'] for r in decide):.0f} | 1.0x |"
        )
        for label, runs in (("replay --rules then", then), ("replay --rules draft", drafted)):
            seconds = statistics.median(r["seconds"] for r in runs)
            print(
                f"| {label} | {seconds:.1f} | {count / seconds:,.0f} "
                f"| {statistics.median(r['cpu_s'] for r in runs):.1f} "
                f"| {statistics.median(r['peak_rss_mib'] for r in runs):.0f} "
                f"| {decided_s / seconds:.1f}x faster |"
            )
        changed = statistics.median(r["changed"] for r in drafted)
        print(f"\nthe draft (3 lead business days) changes {changed:,.0f} of {count:,} decisions")


def bench_process_child(url: str, path: Path, out: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, str(HERE / "process.py"), "--measure", url, str(path), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


if __name__ == "__main__":
    main()
