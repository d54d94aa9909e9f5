"""How fast the console's pages answer on a store of 1,000,000 transactions.

Builds the store once by bulk inserts (`--transactions`, default 1,000,000): a T&D, three
CESs, 300,000 accounts at their premises with meters and supplier periods, and two years of
traffic — 500 business days of 4 inbound files a day, each with its interchange, its
transactions (one process, one decision and one answer each; 8% rejected with a REF*7G
code; 1 in 200 with a finding), the 997 owed to it, and the outbound file the answers left
in (some acknowledged, some overdue); open work items and sweep runs. Then serves the app
in this process (Starlette's test client, templates rendered) and times each page as an
operator and as a supplier's user: the median of `--repeat` requests after one warm-up.

    python bench/console.py                       # SQLite in bench/out/console.db
    python bench/console.py --db postgresql://postgres@127.0.0.1/bench --rebuild
    python bench/console.py --transactions 100000 --repeat 9

Not a test: the figures go in bench/README.md. Each page should answer in under 300 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (bench/generate.py: names, streets, towns)

from ebt.calendar import MaineCalendar  # noqa: E402
from ebt.store.database import make_engine, session_factory, upgrade  # noqa: E402
from ebt.store.schema import (  # noqa: E402
    Account,
    Decision,
    FindingRow,
    InboundFile,
    Interchange,
    Meter,
    MeterInstallation,
    OutboundFile,
    Outbox,
    Premise,
    Process,
    SupplierPeriod,
    SweepRun,
    TradingPartner,
    Transaction,
    WorkItem,
)

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 15, 0)
TD = "049876543"
CESS = [
    ("081234567", "PINE TREE POWER SUPPLY"),
    ("082345678", "ACADIA ENERGY"),
    ("083456789", "KATAHDIN SOLAR SUPPLY"),
]
ACCOUNTS = 300_000
FILES_PER_DAY = 4
CODES = ["A13", "A76", "ABN", "NFI", "008", "API", "FRB", "DIV"]
BATCH = 50_000
STEPS = json.dumps(
    [
        ["registered", True],
        ["sender_is_party", True],
        ["licensed", True],
        ["account_found", True],
        ["account_active", True],
    ]
)


def _account_number(n: int) -> str:
    return f"{(n * generate.ACCOUNT_MULTIPLIER + generate.ACCOUNT_OFFSET) % 10**11:011d}"


def _days(count: int) -> list[date]:
    calendar, days, day = MaineCalendar(), [], TODAY
    while len(days) < count:
        if calendar.is_business_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return list(reversed(days))


def _reference(db: Any, rng: random.Random) -> None:
    db.execute(
        insert(TradingPartner),
        [
            {"id": 1, "duns": TD, "name": "CASCO BAY ELECTRIC DELIVERY", "role": "T&D"},
            *({"id": i + 2, "duns": d, "name": n, "role": "CES"} for i, (d, n) in enumerate(CESS)),
        ],
    )
    for first in range(1, ACCOUNTS + 1, BATCH):
        numbers = range(first, min(first + BATCH, ACCOUNTS + 1))
        db.execute(
            insert(Premise),
            [
                {
                    "id": n,
                    "number": f"P{n:09d}",
                    "street": f"{rng.randint(1, 2400)} {rng.choice(generate.STREETS)} "
                    f"{rng.choice(generate.STREET_TYPES)}",
                    "city": rng.choice(generate.TOWNS)[0],
                    "state": "ME",
                    "postal_code": "04101",
                }
                for n in numbers
            ],
        )
        db.execute(
            insert(Account),
            [
                {
                    "id": n,
                    "number": _account_number(n),
                    "customer_name": f"{rng.choice(generate.FIRST)} {rng.choice(generate.LAST)}",
                    "premise_id": n,
                    "bill_cycle": f"{n % 21 + 1:02d}",
                    "opened_on": date(2015, 1, 1),
                }
                for n in numbers
            ],
        )
        db.execute(
            insert(Meter), [{"id": n, "number": f"M{n:08d}", "type": "KWH"} for n in numbers]
        )
        db.execute(
            insert(MeterInstallation),
            [{"meter_id": n, "premise_id": n, "installed_on": date(2015, 1, 1)} for n in numbers],
        )
        db.execute(
            insert(SupplierPeriod),
            [
                {
                    "account_id": n,
                    "supplier_id": None,
                    "start": date(2015, 1, 1),
                    "end": date(2025, 1, 1),
                    "status": "ended",
                }
                for n in numbers
            ],
        )
        db.execute(
            insert(SupplierPeriod),
            [
                {
                    "account_id": n,
                    "supplier_id": n % 3 + 2,
                    "start": date(2025, 1, 1),
                    "status": "active",
                    "billing_option": "LDC",
                }
                for n in numbers
            ],
        )


def build(url: str, transactions: int, sample: Path) -> None:
    rng = random.Random(13)
    engine = make_engine(url)
    upgrade(engine)
    per_file = 500
    files = transactions // per_file
    days = _days(max(files // FILES_PER_DAY, 1))
    started = time.perf_counter()
    with engine.begin() as db:
        _reference(db, rng)
    tx_id = 0
    for file_id in range(1, files + 1):
        day = days[min((file_id - 1) // FILES_PER_DAY, len(days) - 1)]
        at = datetime.combine(day, datetime.min.time()) + timedelta(hours=8 + file_id % 8)
        duns, _ = CESS[file_id % 3]
        rows = _file_rows(rng, file_id, tx_id, per_file, duns, at, sample if file_id == 1 else None)
        tx_id += per_file
        if file_id % 20 == 1 or file_id == files:
            _flush(engine, rows, final=file_id == files)
            print(
                f"  {tx_id:,} transactions ({time.perf_counter() - started:.0f} s)", file=sys.stderr
            )
        else:
            _flush(engine, rows, final=False)
    with engine.begin() as db:
        db.execute(
            insert(WorkItem),
            [
                {
                    "kind": "ack_overdue" if n % 2 else "start_without_read",
                    "account_id": n * 7,
                    "description": f"work item {n}",
                    "status": "open" if n < 200 else "resolved",
                    "created_at": NOW - timedelta(days=n),
                }
                for n in range(1, 301)
            ],
        )
        db.execute(
            insert(SweepRun),
            [
                {
                    "kind": "inbound" if n % 2 else "outbound",
                    "started_at": NOW - timedelta(hours=n),
                    "seconds": 3.5,
                    "files": 4,
                    "transactions": 2000,
                    "summary": "bench",
                }
                for n in range(1, 1001)
            ],
        )
    with engine.begin() as connection:  # committed, so that the planner keeps the statistics
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


_PENDING: dict[str, list[dict[str, Any]]] = {}


def _flush(engine: Any, rows: dict[str, list[dict[str, Any]]], *, final: bool) -> None:
    for name, items in rows.items():
        _PENDING.setdefault(name, []).extend(items)
    if not final and len(_PENDING.get("transactions", ())) < BATCH:
        return
    models = {
        "inbound_files": InboundFile,
        "interchanges": Interchange,
        "transactions": Transaction,
        "processes": Process,
        "decisions": Decision,
        "outbox": Outbox,
        "findings": FindingRow,
        "outbound_files": OutboundFile,
    }
    with engine.begin() as db:
        for name, model in models.items():
            if _PENDING.get(name):
                db.execute(insert(model), _PENDING[name])
    _PENDING.clear()


def _file_rows(
    rng: random.Random,
    file_id: int,
    first_tx: int,
    count: int,
    duns: str,
    at: datetime,
    sample: Path | None,
) -> dict[str, list[dict[str, Any]]]:
    name = f"{duns}-{at:%Y%m%d}-{file_id:06d}.x12"
    sent_name = f"{duns}-{file_id:09d}.x12"
    rows: dict[str, list[dict[str, Any]]] = {
        k: []
        for k in (
            "inbound_files",
            "interchanges",
            "transactions",
            "processes",
            "decisions",
            "outbox",
            "findings",
            "outbound_files",
        )
    }
    rows["inbound_files"].append(
        {
            "id": file_id,
            "name": name,
            "sha256": f"{file_id:064x}",
            "size": count * 420,
            "status": "archived",
            "received_at": at,
            "partner": duns,
            "archived_to": str(sample) if sample else f"/archive/{at:%Y/%m/%d}/{name}",
        }
    )
    rows["interchanges"].append(
        {
            "id": file_id,
            "file_id": file_id,
            "control": f"{file_id:09d}",
            "sender": duns,
            "receiver": TD,
            "production": True,
        }
    )
    overdue = at.date() >= TODAY - timedelta(days=3) and file_id % 2
    rows["outbound_files"].append(
        {
            "id": file_id,
            "name": sent_name,
            "recipient": duns,
            "control": file_id,
            "groups": '{"GE":"1","FA":"2"}',
            "folder": "/partners/out",
            "sent_at": at + timedelta(hours=1),
            "ack_expected": True,
            "ack_status": None if overdue else "A",
            "acked_at": None if overdue else at + timedelta(hours=5),
        }
    )
    rows["outbox"].append(
        {  # every key of the answers below: executemany takes the first's
            "process_id": None,
            "transaction_id": None,
            "account_number": None,
            "recipient": duns,
            "set_id": "997",
            "kind": f"ack:{file_id}",
            "body": '[["AK1","GE","1"],["AK9","A","500","500","500"]]',
            "created_at": at,
            "sent_at": at + timedelta(hours=1),
            "file_name": sent_name,
        }
    )
    segments: list[str] = []
    for i in range(count):
        tx = first_tx + i + 1
        number = rng.randint(1, ACCOUNTS)
        account = _account_number(number)
        reference = f"{duns[:3]}-ENR-{at:%Y%m%d}-{tx:07d}"
        rejected = rng.random() < 0.08
        code = rng.choice(CODES) if rejected else None
        raw = (
            f"ST*814*{i + 1:04d}~BGN*13*{reference}*{at:%Y%m%d}~N1*8S**1*{TD}~N1*SJ**1*{duns}~"
            f"LIN*1*SH*EL*SH*CE~ASI*7*021~REF*12*{account}~REF*BLT*LDC~DTM*007*{at:%Y%m%d}~"
            f"SE*10*{i + 1:04d}~"
        )
        if sample is not None:
            segments.append(raw)
        rows["transactions"].append(
            {
                "id": tx,
                "interchange_id": file_id,
                "group_control": "1",
                "control": f"{i + 1:04d}",
                "set_id": "814",
                "kind": "enrollment_request",
                "reference": reference,
                "sender": duns,
                "account_number": account,
                "status": "rejected" if rejected else "accepted",
                "raw": raw,
                "received_at": at,
            }
        )
        rows["processes"].append(
            {
                "id": tx,
                "kind": "enrollment",
                "account_id": number,
                "ces_id": CESS.index(next(c for c in CESS if c[0] == duns)) + 2,
                "state": "rejected" if rejected else "completed",
                "reference": reference,
                "requested_on": at.date(),
                "created_at": at,
            }
        )
        rows["decisions"].append(
            {
                "transaction_id": tx,
                "process_id": tx,
                "reference": reference,
                "table_name": "enrollment",
                "table_version": "1.0",
                "steps": STEPS,
                "outcome": "reject" if rejected else "enroll",
                "code": code,
                "decided_on": at.date(),
            }
        )
        rows["outbox"].append(
            {
                "recipient": duns,
                "set_id": "814",
                "kind": "enrollment_reject" if rejected else "enrollment_accept",
                "body": f'[["ASI","{"U" if rejected else "WQ"}","021"]]',
                "process_id": tx,
                "transaction_id": tx,
                "account_number": account,
                "created_at": at,
                "sent_at": at + timedelta(hours=1),
                "file_name": sent_name,
            }
        )
        if tx % 200 == 0:
            rows["findings"].append(
                {
                    "file_id": file_id,
                    "transaction_id": tx,
                    "code": "ELEMENT-DATE",
                    "severity": "error",
                    "message": "DTM02 is not a real date",
                    "segment": "DTM",
                    "position": 9,
                    "element": "DTM02",
                }
            )
    if sample is not None:
        sample.parent.mkdir(parents=True, exist_ok=True)
        head = (
            f"ISA*00*          *00*          *01*{duns:<15}*01*{TD:<15}*{at:%y%m%d}*0800*U*"
            f"00401*{file_id:09d}*0*P*>~GS*GE*{duns}*{TD}*{at:%Y%m%d}*0800*1*X*004010~"
        )
        tail = f"GE*{count}*1~IEA*1*{file_id:09d}~"
        sample.write_text(head + "".join(segments) + tail, encoding="ascii")
    return rows


def _timed(client: Any, path: str, repeat: int) -> tuple[float, int]:
    client.get(path)  # warm-up: caches, the rule book, the query plan
    times = []
    status = 0
    for _ in range(repeat):
        start = time.perf_counter()
        status = client.get(path).status_code
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), status


def measure(url: str, repeat: int, folder: Path) -> list[tuple[str, str, float, int]]:
    sys.path.insert(0, str(HERE.parent / "tests"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from ebt.console.app import ConsoleSettings, create_app
    from ebt.console.users import UserBook, add_user

    users = folder / "console-users.toml"
    add_user(users, "otto", "operator", "bench-password")
    add_user(users, "pine", f"ces:{CESS[0][0]}", "bench-password")
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session:
        account = session.scalar(select(Transaction.account_number).where(Transaction.id == 4))
        reference = session.scalar(select(Transaction.reference).where(Transaction.id == 4))
        pine_file = session.scalar(
            select(func.max(InboundFile.id)).where(InboundFile.partner == CESS[0][0])
        )
        pine_account = session.scalar(
            select(Transaction.account_number).where(Transaction.interchange_id == pine_file)
        )
        name = session.scalar(select(Account.customer_name).where(Account.number == account))
    settings = ConsoleSettings(
        sessions=sessions, users=UserBook(users), secret="bench" * 10, clock=lambda: NOW
    )
    results = []
    for user in ("otto", "pine"):
        client = TestClient(create_app(settings))
        page = client.get("/login")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        client.post("/login", data={"name": user, "password": "bench-password", "csrf": csrf})
        sample = 1 if user == "otto" else pine_file
        acct = account if user == "otto" else pine_account
        paths = [
            "/today",
            "/files",
            f"/files?partner={CESS[1][0]}&state=archived&since=2026-01-01",
            "/files?direction=out",
            "/files?direction=out&state=overdue",
            "/files?page=20",
            f"/files/in/{sample}",
            f"/files/out/{sample}",
            f"/accounts?by=account&q={acct}",
            f"/accounts?by=name&q={(name or 'SMITH').split()[-1]}",
            "/accounts?by=address&q=MAIN",
            f"/accounts?by=meter&q=M{1:08d}",
            f"/accounts/{acct}",
            f"/decisions?reference={reference}",
            "/decisions/4",
            "/workitems",
            "/rules",
            "/rules/enrollment/1.0",
            "/today.json",
        ]
        for path in paths:
            median, status = _timed(client, path, repeat)
            results.append((user, path, median, status))
            print(f"  {user:<5} {median:8.1f} ms  {status}  {path}", file=sys.stderr)
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="store URL (default bench/out/console.db)")
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    url = args.db or f"sqlite:///{out / 'console.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        present = session.scalar(select(func.count()).select_from(Transaction))
    engine.dispose()
    if args.rebuild or not present:
        if present:
            sys.exit("the store is not empty: give a fresh --db (or remove bench/out/console.db)")
        start = time.perf_counter()
        build(url, args.transactions, out / "console-sample.x12")
        print(f"built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    results = measure(url, args.repeat, out)
    print("| user | page | median ms | status |\n|---|---|---:|---:|")
    for user, path, median, status in results:
        print(f"| {user} | `{path}` | {median:.1f} | {status} |")
    slow = [r for r in results if r[2] >= 300]
    print(f"\n{len(results) - len(slow)} of {len(results)} pages under 300 ms", file=sys.stderr)


if __name__ == "__main__":
    main()
