"""Write the outbox: one X12 file per recipient, with control numbers that are never reused.

Each recipient's unsent rows become one interchange (a functional group per transaction
set type: GE for 814s, FA for 997s). The file is written to a temporary name, synced and
renamed; the rows are marked sent and the recipient's control number advanced in the same
database transaction, so a crash before the commit writes the same file again on the next
run.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ebt.store.schema import ControlNumber, Outbox, TradingPartner
from ebt.syntax.separators import Separators
from ebt.syntax.writer import Group, interchange_segments, write_segments

FUNCTIONAL_IDS = {"814": "GE", "997": "FA", "824": "AG"}
MAX_CONTROL = 999_999_999


def next_control(session: Session, partner: str) -> int:
    """The next ISA13 towards `partner` (1 after 999999999)."""
    row = session.get(ControlNumber, partner)
    if row is None:
        row = ControlNumber(partner=partner, last=0)
        session.add(row)
    row.last = row.last % MAX_CONTROL + 1
    return row.last


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def write_outbox(
    sessions: sessionmaker[Session],
    out_dir: Path,
    *,
    now: datetime,
    separators: Separators | None = None,
) -> list[Path]:
    """Write every unsent outbox row into `out_dir`; the paths written."""
    separators = separators or Separators()
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sessions() as session:
        td = session.scalar(select(TradingPartner).where(TradingPartner.role == "T&D"))
        sender = td.duns if td else "UNKNOWN"
        rows = session.scalars(
            select(Outbox).where(Outbox.sent_at.is_(None)).order_by(Outbox.id)
        ).all()
        by_recipient: dict[str, list[Outbox]] = {}
        for row in rows:
            by_recipient.setdefault(row.recipient, []).append(row)
        for recipient, mine in sorted(by_recipient.items()):
            control = next_control(session, recipient)
            groups = []
            for set_id in ("814", "824", "997"):
                bodies = [json.loads(r.body) for r in mine if r.set_id == set_id]
                if bodies:
                    groups.append(Group(set_id, FUNCTIONAL_IDS[set_id], bodies))
            segments = interchange_segments(
                groups,
                sender=("01", sender),
                receiver=("01", recipient),
                control=control,
                when=now,
                separators=separators,
            )
            path = out_dir / f"{recipient}-{control:09d}.x12"
            write_atomically(path, "".join(write_segments(segments, separators)).encode())
            for row in mine:
                row.sent_at = now
                row.file_name = path.name
            written.append(path)
        session.commit()
    return written
