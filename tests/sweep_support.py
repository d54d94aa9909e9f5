"""Helpers of the sweep tests: a store with the benchmark's utility (bench/process.py), a
partners configuration for it, and inbox files enrolling chosen accounts."""

from __future__ import annotations

import io
import random
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from ebt.check import FileChecker, SetResult

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402  (bench/generate.py)
import process as bench_process  # noqa: E402  (bench/process.py: build_store)

DAY = date(2026, 11, 20)
TODAY = "2026-11-20"
CES = generate.CES_ID
TD = generate.TD_ID


def build_store(url: str, accounts: int) -> None:
    bench_process.build_store(url, accounts)


def account_number(number: int) -> str:
    return f"{bench_process._account(number):011d}"


def write_config(folder: Path) -> Path:
    """The configuration, with the partner's outbound folder made (as it is when the partner
    joins: the outbound sweep does not make it)."""
    (folder / "ces" / "outbound").mkdir(parents=True, exist_ok=True)
    path = folder / "partners.toml"
    path.write_text(
        f"""
[utility]
duns = "{TD}"
name = "{generate.TD_NAME}"

[limits]
max_file_mb = 1

[[partner]]
duns = "{CES}"
name = "{generate.CES_NAME}"
inbound = "ces/inbound"
outbound = "ces/outbound"
""",
        encoding="utf-8",
    )
    return path


def inbox_file(path: Path, numbers: Iterable[int], *, control: int, seed: int = 1) -> int:
    """An interchange (ISA13 `control`) enrolling the accounts of `numbers`, one group."""
    rng = random.Random(seed)
    lines = [
        f"ISA*00*          *00*          *01*{CES:<15}*01*{TD:<15}*"
        f"{DAY:%y%m%d}*0930*U*00401*{control:09d}*0*P*>{generate.TERMINATOR}",
        f"GS*GE*{CES}*{TD}*{DAY:%Y%m%d}*0930*{control}*X*004010{generate.TERMINATOR}",
    ]
    count = 0
    for index, number in enumerate(numbers, start=1):
        lines.append(generate.transaction(rng, number, f"{index:04d}", DAY))
        count += 1
    lines.append(f"GE*{count}*{control}{generate.TERMINATOR}")
    lines.append(f"IEA*1*{control:09d}{generate.TERMINATOR}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="ascii")
    return count


def sets_in(path: Path) -> list[SetResult]:
    events = FileChecker(io.BytesIO(path.read_bytes()), name=path.name).events()
    return [e for e in events if isinstance(e, SetResult)]
