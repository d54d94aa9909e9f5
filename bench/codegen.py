"""Is generated code worth it? Each function ebt generates as source and compiles
(`ebt.codegen`) timed against its plain twin — the same work as a loop over the same plan —
on the sets of a generated enrollment file: the validator's element checks (`suspects`),
the mapper's reader and writer, and the store's row binder. The property tests hold each
pair equal (tests/test_codegen.py); this says whether the generated one pays for itself.

    python bench/codegen.py              # 20,000 enrollments, best of 5
"""

from __future__ import annotations

import argparse
import io
import sys
import timeit
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py)


def best(function: Callable[[], Any], repeat: int) -> float:
    return min(timeit.repeat(function, number=1, repeat=repeat))


def main() -> None:
    from ebt.check import FileChecker, SetResult
    from ebt.data.mappings import guidebook_mapping
    from ebt.guides.validator import plain_suspects
    from ebt.mapping.mapper import _plan, plain_reader, to_segments, to_segments_plain
    from ebt.store.bulk import _binder, plain_binder, table_of
    from ebt.store.database import make_engine
    from ebt.store.schema import Transaction

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--transactions", type=int, default=20_000)
    parser.add_argument("-r", "--repeat", type=int, default=5)
    args = parser.parse_args()
    text = io.StringIO()
    generate.write(text, args.transactions, day=date(2026, 11, 20))
    results = [
        e
        for e in FileChecker(io.BytesIO(text.getvalue().encode())).events()
        if isinstance(e, SetResult) and e.checked is not None and e.record is not None
    ]
    checked = [r.checked for r in results if r.checked is not None]
    mapping = guidebook_mapping(None, "814", date(2026, 11, 20))
    shapes = {id(c.shape): c.shape for c in checked}
    plain_checks = {key: plain_suspects(shape) for key, shape in shapes.items()}
    generated_reads = {key: shape.plans[id(mapping.root)] for key, shape in shapes.items()}
    plain_reads = {
        key: plain_reader(_plan(shape, shape.tree, mapping.root)) for key, shape in shapes.items()
    }
    pairs = [(c.transaction.segments, id(c.shape)) for c in checked]
    records = [r.record for r in results]
    engine = make_engine("sqlite://")
    table = table_of(Transaction)
    names = tuple(c.key for c in table.columns if c.key != "id")
    row = {
        "interchange_id": 1,
        "group_control": "1",
        "control": "0001",
        "set_id": "814",
        "kind": "enrollment_request",
        "reference": "R",
        "sender": "081234567",
        "account_number": "00412345678",
        "status": "accepted",
        "raw": "ST*814*0001~",
        "received_at": datetime(2026, 11, 20, 9, 30),
    }
    generated_bind = _binder(table, names, engine.dialect)
    plain_bind = plain_binder(table, names, engine.dialect)
    rows = [row] * args.transactions
    n, r = len(pairs), args.repeat
    timings = [
        (
            "validator: element checks (suspects)",
            best(lambda: [shapes[k].suspects(s) for s, k in pairs], r),
            best(lambda: [plain_checks[k](s) for s, k in pairs], r),
        ),
        (
            "mapper: reader",
            best(lambda: [generated_reads[k](s) for s, k in pairs], r),
            best(lambda: [plain_reads[k](s) for s, k in pairs], r),
        ),
        (
            "mapper: writer",
            best(lambda: [to_segments(x, mapping) for x in records], r),  # type: ignore[arg-type]
            best(lambda: [to_segments_plain(x, mapping) for x in records], r),  # type: ignore[arg-type]
        ),
        (
            "store: row binder",
            best(lambda: [generated_bind(x.get) for x in rows], r),
            best(lambda: [plain_bind(x.get) for x in rows], r),
        ),
    ]
    print(f"{n:,} sets, best of {r} runs; microseconds a set")
    print("| function | generated µs | plain µs | plain / generated |")
    print("|---|---:|---:|---:|")
    for name, generated, plain in timings:
        print(
            f"| {name} | {generated / n * 1e6:.2f} | {plain / n * 1e6:.2f} "
            f"| {plain / generated:.2f}x |"
        )


if __name__ == "__main__":
    main()
