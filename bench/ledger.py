"""How fast the file ledger answers (`ebt files`, `ebt file show`) as the store grows.

Builds a store per size as bench/console.py builds its own (files of 500 transactions, their
interchanges, decisions, answers, 997s and outbound files; 300,000 accounts), once, in
bench/out/ledger-N.db, then runs each ledger command in this process (click's runner, the
whole command: store opened, query, text or JSON written) `--repeat` times after one warm-up
and reports the median, and the largest store's time over the smallest's. The rows asked for
sit in the middle of the store (a file, its reference, its account), so no size is favoured.

    python bench/ledger.py                                # 10,000 and 1,000,000
    python bench/ledger.py -n 10000 -n 100000 --repeat 9

Not a test: the figures go in bench/README.md. The target: time flat from 10,000 to
1,000,000 transactions (every query answers from an index).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import console as bench_console  # noqa: E402  (bench/console.py: build)

from ebt.cli import main as ebt  # noqa: E402
from ebt.store.database import make_engine, session_factory  # noqa: E402
from ebt.store.schema import InboundFile, OutboundFile, Transaction  # noqa: E402


def store(count: int) -> str:
    """The store of `count` transactions, built the first time."""
    path = HERE / "out" / f"ledger-{count}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        print(f"building a store of {count:,} transactions ...", file=sys.stderr)
        started = time.perf_counter()
        bench_console.build(url, count, HERE / "out" / "ledger-sample.x12")
        print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return url


def commands(url: str) -> list[list[str]]:
    """The ledger commands timed, each about rows in the middle of the store."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        files = session.scalar(select(func.max(InboundFile.id))) or 1
        middle = files // 2 + 1
        name = session.scalar(select(InboundFile.name).where(InboundFile.id == middle))
        sent = session.scalar(select(OutboundFile.name).where(OutboundFile.id == middle))
        transaction = session.scalar(  # the file's one interchange has the file's id here
            select(func.min(Transaction.id)).where(Transaction.interchange_id == middle)
        )
        reference, account = session.execute(
            select(Transaction.reference, Transaction.account_number).where(
                Transaction.id == transaction
            )
        ).one()
        partner = session.scalar(select(InboundFile.partner).where(InboundFile.id == middle))
    engine.dispose()
    return [
        ["files"],
        ["files", "--direction", "out", "--state", "overdue"],
        ["files", "--partner", str(partner), "--since", "2026-11-01", "--format", "json"],
        ["files", "--reference", str(reference)],
        ["files", "--account", str(account)],
        ["file", "show", str(name)],
        ["file", "show", str(middle), "--format", "json"],
        ["file", "show", str(sent), "--direction", "out"],
    ]


def timed(url: str, args: list[str], repeat: int) -> float:
    """The median milliseconds of the command, after one warm-up run."""
    runner = CliRunner()
    argv = ["--today", "2026-11-20", *args, "--db", url]
    said = runner.invoke(ebt, argv)
    if said.exit_code != 0:
        raise SystemExit(f"ebt {' '.join(args)}: exit {said.exit_code}: {said.output[-500:]}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        runner.invoke(ebt, argv)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--transactions", type=int, action="append")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    sizes = sorted(args.transactions or [10_000, 1_000_000])
    urls = {n: store(n) for n in sizes}
    # each store asked about its own middle rows: the same commands, the same shape
    asked = {n: commands(urls[n]) for n in sizes}
    header = " | ".join(f"{n:,} ms" for n in sizes)
    print(f"| command (at the smallest size) | {header} | largest / smallest |")
    print("|---|" + "---:|" * (len(sizes) + 1))
    for index, command in enumerate(asked[sizes[0]]):
        times = [timed(urls[n], asked[n][index], args.repeat) for n in sizes]
        cells = " | ".join(f"{t:.1f}" for t in times)
        print(f"| `ebt {' '.join(command)}` | {cells} | {times[-1] / times[0]:.2f}x |")


if __name__ == "__main__":
    main()
