"""Benchmark the sweeps: an N-enrollment inbox swept into SQLite, and the same inbox swept by
one and by four PostgreSQL workers.

The inbox is N enrollment requests from one CES (bench/generate.py), in files of
`--per-file` transactions, for N accounts of a store built as bench/process.py builds it.
The SQLite sweep runs as `ebt sweep all` (inbound, then outbound, in one command, as the
scheduler runs them in its one process; `--two-commands` runs `ebt sweep inbound` then
`ebt sweep outbound`); one PostgreSQL worker as `ebt sweep all` too, four as `ebt sweep
inbound` in each worker at once, then one `ebt sweep outbound`; all on the same inbox. The
report gives wall time, transactions per second, CPU and the peak RSS of the largest
process; for PostgreSQL on this machine also the server's CPU (from /proc) and how many
cores the run kept busy on average ((workers' CPU + server's CPU) / wall time).

    python bench/sweep.py                                  # 100,000 into SQLite
    python bench/sweep.py -n 100000 -n 1000000             # and a million
    python bench/sweep.py --workers-n 40000 --postgres postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py)
import process as bench_process  # noqa: E402  (bench/process.py: build_store)

TODAY = "2026-11-20"
CONFIG = f"""
[utility]
duns = "{generate.TD_ID}"
name = "{generate.TD_NAME}"

[limits]
max_file_mb = 2048

[[partner]]
duns = "{generate.CES_ID}"
name = "{generate.CES_NAME}"
inbound = "ces/inbound"
outbound = "ces/outbound"
"""


def make_inbox(folder: Path, transactions: int, per_file: int) -> None:
    """The whole inbox as bench/generate.py writes it, cut into files of `per_file` sets
    (each its own interchange with its own ISA13)."""
    inbound = folder / "ces" / "inbound"
    inbound.mkdir(parents=True, exist_ok=True)
    (folder / "ces" / "outbound").mkdir(exist_ok=True)  # a partner's folders exist already
    (folder / "partners.toml").write_text(CONFIG, encoding="utf-8")
    number = 0
    for index in range(-(-transactions // per_file)):
        count = min(per_file, transactions - number)
        path = inbound / f"enroll-{index:05d}.x12"
        with path.open("w", encoding="ascii", newline="", buffering=1 << 20) as out:
            control = f"{index + 1:09d}"
            out.write(
                f"ISA*00*          *00*          *01*{generate.CES_ID:<15}*01*"
                f"{generate.TD_ID:<15}*261120*0930*U*00401*{control}*0*P*>{generate.TERMINATOR}"
            )
            out.write(
                f"GS*GE*{generate.CES_ID}*{generate.TD_ID}*20261120*0930*{index + 1}*X*004010"
                f"{generate.TERMINATOR}"
            )
            rng = generate.random.Random(index)
            for in_group in range(1, count + 1):
                number += 1
                out.write(
                    generate.transaction(
                        rng, number, f"{in_group:04d}", generate.date(2026, 11, 20)
                    )
                )
            out.write(
                f"GE*{count}*{index + 1}{generate.TERMINATOR}IEA*1*{control}{generate.TERMINATOR}"
            )
        os.utime(path, (1_000_000 + index, 1_000_000 + index))


def children(commands: list[list[str]]) -> list[tuple[str, float, float]]:
    """Run the commands at once; each one's output, CPU seconds (user + system) and peak
    RSS in MiB, from its own resource usage (os.wait4)."""
    running = [subprocess.Popen(c, stdout=subprocess.PIPE, text=True) for c in commands]
    out = []
    for child in running:
        assert child.stdout is not None
        said = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in (0, 1):
            raise SystemExit(f"{child.args[4:6]} failed ({child.returncode}): {said}")
        out.append((said, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024))
    return out


def sweep_all(folder: Path, url: str) -> dict[str, float]:
    """`ebt sweep all`: inbound then outbound in one command, as the scheduler runs them in
    its one long-lived process (one interpreter's start, as `ebt process` has)."""
    command = [sys.executable, "-m", "ebt", "--today", TODAY, "sweep", "all"]
    start = time.perf_counter()
    ((said, cpu, peak),) = children(
        [[*command, "--config", str(folder / "partners.toml"), "--db", url]]
    )
    total = time.perf_counter() - start
    decided = re.search(r"(\d+) transaction\(s\) decided", said)
    inbound = re.search(r"^inbound: .*\(in ([\d.]+) s\)", said, re.M)
    return {
        "decided": int(decided[1]) if decided else 0,
        "inbound_s": float(inbound[1]) if inbound else float("nan"),
        "total_s": total,
        "inbound_cpu_s": float("nan"),
        "cpu_s": cpu,
        "peak_mib": peak,
    }


def sweep(folder: Path, url: str, workers: int) -> dict[str, float]:
    """`ebt sweep inbound` in `workers` processes at once, then `ebt sweep outbound`."""
    base = [sys.executable, "-m", "ebt", "--today", TODAY, "sweep"]
    where = ["--config", str(folder / "partners.toml"), "--db", url]
    start = time.perf_counter()
    inbound = children([[*base, "inbound", *where]] * workers)
    inbound_s = time.perf_counter() - start
    decided = 0
    for said, _, _ in inbound:
        found = re.search(r"(\d+) transaction\(s\) decided", said)
        decided += int(found[1]) if found else 0
    ((_, out_cpu, out_peak),) = children([[*base, "outbound", *where]])
    total = time.perf_counter() - start
    return {
        "decided": decided,
        "inbound_s": inbound_s,
        "total_s": total,
        "inbound_cpu_s": sum(cpu for _, cpu, _ in inbound),
        "cpu_s": sum(cpu for _, cpu, _ in inbound) + out_cpu,
        "peak_mib": max([peak for _, _, peak in inbound] + [out_peak]),
    }


def process_run(count: int, per_file: int, tmp: Path) -> dict[str, float]:
    """`ebt process` of the same inbox's files (one command, every file), into a store
    built the same way: the figure a sweep's CPU a transaction is held to."""
    folder = tmp / f"process-{count}"
    url = f"sqlite:///{folder / 'ebt.db'}"
    folder.mkdir()
    print(f"ebt process of {count:,}: building ...", file=sys.stderr)
    bench_process.build_store(url, count)
    make_inbox(folder, count, per_file)
    paths = sorted(str(p) for p in (folder / "ces" / "inbound").glob("*.x12"))
    command = [sys.executable, "-m", "ebt", "--today", TODAY, "process", *paths]
    start = time.perf_counter()
    ((said, cpu, peak),) = children([[*command, "--db", url, "--out", str(folder / "out")]])
    seconds = time.perf_counter() - start
    decided = sum(int(n) for n in re.findall(r": (\d+) transaction\(s\)", said))
    return {"decided": decided, "total_s": seconds, "cpu_s": cpu, "peak_mib": peak}


def sqlite_run(count: int, per_file: int, tmp: Path) -> dict[str, float]:
    folder = tmp / f"sqlite-{count}"
    url = f"sqlite:///{folder / 'ebt.db'}"
    folder.mkdir()
    print(f"building a store of {count:,} accounts and the inbox ...", file=sys.stderr)
    bench_process.build_store(url, count)
    make_inbox(folder, count, per_file)
    return sweep_all(folder, url) if ONE_COMMAND else sweep(folder, url, 1)


# the SQLite sweep as `ebt sweep all` (one command), or as `ebt sweep inbound` then
# `ebt sweep outbound` (two: --two-commands)
ONE_COMMAND = True


def server_cpu(engine: Any) -> float | None:
    """CPU seconds the PostgreSQL server has used so far (its postmaster, the backends it
    reaped and those still running), when it runs on this machine and /proc shows it; else
    None."""
    from sqlalchemy import text

    try:
        with engine.connect() as db:
            backend = db.scalar(text("SELECT pg_backend_pid()"))
        status = Path(f"/proc/{backend}/status").read_text()
        parent = next(line for line in status.splitlines() if line.startswith("PPid:"))
        postmaster = int(parent.split()[1])
        tick = os.sysconf("SC_CLK_TCK")
        fields = Path(f"/proc/{postmaster}/stat").read_text().rsplit(")", 1)[1].split()
        total = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                child = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(child[1]) == postmaster:
                total += int(child[11]) + int(child[12])
        return total / tick
    except (OSError, StopIteration, ValueError):
        return None


def postgres_run(
    server: str, count: int, per_file: int, workers: int, tmp: Path
) -> dict[str, float]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from ebt.store.database import make_engine

    schema = f"ebt_bench_{secrets.token_hex(3)}"
    engine = make_engine(server)
    with engine.begin() as db:
        db.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(bench_process_url(server)).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    rendered = url.render_as_string(hide_password=False)
    try:
        folder = tmp / f"pg-{workers}"
        folder.mkdir()
        print(f"PostgreSQL, {workers} worker(s): building ...", file=sys.stderr)
        bench_process.build_store(rendered, count)
        make_inbox(folder, count, per_file)
        before = server_cpu(engine)
        if workers == 1 and ONE_COMMAND:  # as the SQLite sweep runs: the scheduler's way
            result = sweep_all(folder, rendered)
        else:
            result = sweep(folder, rendered, workers)
        after = server_cpu(engine)
        gone = before is None or after is None
        result["server_cpu_s"] = float("nan") if gone else after - before  # type: ignore[operator]
        return result
    finally:
        with engine.begin() as db:
            db.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def bench_process_url(server: str) -> str:
    from ebt.store.database import driver_url

    return driver_url(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--transactions", type=int, action="append")
    parser.add_argument("--per-file", type=int, default=10_000)
    parser.add_argument(
        "--compare-process",
        action="store_true",
        help="also `ebt process` the first size's inbox: CPU a transaction, sweep against it",
    )
    parser.add_argument("--postgres", help="a PostgreSQL server URL for the workers comparison")
    parser.add_argument("--workers-n", type=int, default=40_000)

    parser.add_argument(
        "--two-commands",
        action="store_true",
        help="sweep SQLite with `ebt sweep inbound` then `ebt sweep outbound`, not `sweep all`",
    )
    args = parser.parse_args()
    global ONE_COMMAND
    ONE_COMMAND = not args.two_commands
    with tempfile.TemporaryDirectory(prefix="ebt-sweep-bench-") as name:
        tmp = Path(name)
        sqlite: dict[int, dict[str, float]] = {}
        if args.transactions or not args.postgres:
            print(
                "| run | transactions | inbound s | with outbound s | transactions/s "
                "| CPU s | CPU ms a transaction | peak RSS MiB |"
            )
            print("|---|---:|---:|---:|---:|---:|---:|---:|")
            for count in args.transactions or [100_000]:
                r = sqlite[count] = sqlite_run(count, args.per_file, tmp)
                print(
                    f"| sweep, SQLite | {count:,} | {r['inbound_s']:.1f} | {r['total_s']:.1f} "
                    f"| {r['decided'] / r['total_s']:,.0f} | {r['cpu_s']:.1f} "
                    f"| {1000 * r['cpu_s'] / r['decided']:.3f} | {r['peak_mib']:.0f} |",
                    flush=True,
                )
            if args.compare_process:
                count = (args.transactions or [100_000])[0]
                p = process_run(count, args.per_file, tmp)
                print(
                    f"| ebt process, SQLite | {count:,} | | {p['total_s']:.1f} "
                    f"| {p['decided'] / p['total_s']:,.0f} | {p['cpu_s']:.1f} "
                    f"| {1000 * p['cpu_s'] / p['decided']:.3f} | {p['peak_mib']:.0f} |"
                )
                swept = sqlite[count]
                ratio = (swept["cpu_s"] / swept["decided"]) / (p["cpu_s"] / p["decided"])
                print(f"\nsweep CPU a transaction / ebt process's: {ratio:.2f}x", flush=True)
            sizes = sorted(sqlite)
            if len(sizes) > 1:
                small, large = sqlite[sizes[0]], sqlite[sizes[-1]]
                print(
                    f"peak RSS {sizes[-1]:,} / {sizes[0]:,}: "
                    f"{large['peak_mib'] / small['peak_mib']:.2f}x",
                    flush=True,
                )
        if args.postgres:
            one = postgres_run(args.postgres, args.workers_n, args.per_file, 1, tmp)
            four = postgres_run(args.postgres, args.workers_n, args.per_file, 4, tmp)
            print(
                "\n| PostgreSQL, enrollments | workers | total s | transactions/s | CPU s "
                "| server CPU s | cores busy |"
            )
            print("|---:|---:|---:|---:|---:|---:|---:|")
            for workers, r in ((1, one), (4, four)):
                busy = (r["cpu_s"] + r["server_cpu_s"]) / r["total_s"]
                print(
                    f"| {args.workers_n:,} | {workers} | {r['total_s']:.1f} "
                    f"| {r['decided'] / r['total_s']:,.0f} | {r['cpu_s']:.1f} "
                    f"| {r['server_cpu_s']:.1f} | {busy:.2f} |"
                )
            print(f"\n4 workers / 1 worker throughput: {one['total_s'] / four['total_s']:.2f}x")
            if args.workers_n in sqlite:
                base = sqlite[args.workers_n]
                pg = (one["decided"] / one["total_s"]) / (base["decided"] / base["total_s"])
                print(f"PostgreSQL 1 worker / SQLite sweep throughput: {pg:.2f}x")


if __name__ == "__main__":
    main()
