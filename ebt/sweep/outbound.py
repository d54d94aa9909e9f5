"""`ebt sweep outbound`: the outbox becomes one file per recipient per sweep, in each
partner's outbound folder; `ebt resend`; 997s owed to us tracked until they come.

Files are first written into work/outbound/ by the market's outbox writer (temporary file,
fsync, rename; rows marked sent and the partner's control number advanced in the same
database transaction), recorded as sent files with their group numbers, copied under
archive/sent/YYYY/MM/DD/ and then renamed into the partner's folder. A sweep that died part
way finishes the files its database transaction committed and drops those it did not (their
rows are still unsent and get written again under the same, still unused, control number).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from ebt.market.outbound import FUNCTIONAL_IDS, next_control, write_outbox
from ebt.store.schema import OutboundFile, Outbox, TradingPartner, WorkItem
from ebt.sweep.config import SweepConfig
from ebt.sweep.faults import crash_point
from ebt.sweep.folders import move
from ebt.sweep.locks import OUTBOUND, SINGLETON_LOCKS, Locks
from ebt.syntax.separators import Separators
from ebt.syntax.writer import isa_segment, write_segments

ORDER = ("814", "824", "997")  # the order the outbox writer puts groups in


@dataclass(slots=True)
class OutboundSummary:
    files: list[Path] = field(default_factory=list)
    busy: bool = False  # another worker was writing the outbound files


def sweep_outbound(
    engine: Engine, sessions: sessionmaker[Session], config: SweepConfig, now: datetime
) -> OutboundSummary:
    summary = OutboundSummary()
    with Locks(engine) as locks:
        if not locks.try_lock(SINGLETON_LOCKS, OUTBOUND):
            summary.busy = True
            return summary
        staging = config.work / "outbound"
        summary.files += _finish_staged(sessions, config, staging)
        summary.files += _rejections(sessions, config, staging, now)
        for path in write_outbox(sessions, staging, now=now):
            _record(sessions, config, path, now)
            crash_point("outbound")
            summary.files.append(_deliver(sessions, config, path))
    return summary


def _finish_staged(
    sessions: sessionmaker[Session], config: SweepConfig, staging: Path
) -> list[Path]:
    """Files a dead sweep left in staging: delivered when committed, else removed."""
    done: list[Path] = []
    if not staging.is_dir():
        return done
    for path in sorted(staging.glob("*.x12")):
        with sessions() as session:
            recorded = session.scalar(select(OutboundFile.id).where(OutboundFile.name == path.name))
            committed = session.scalar(
                select(Outbox.id).where(Outbox.file_name == path.name).limit(1)
            )
        if recorded is None and committed is None:
            path.unlink()  # its database transaction never committed: written again below
            continue
        if recorded is None:
            _record(sessions, config, path, None)
        done.append(_deliver(sessions, config, path))
    for leftover in staging.glob(".*.tmp"):
        leftover.unlink()
    return done


def _record(
    sessions: sessionmaker[Session], config: SweepConfig, path: Path, now: datetime | None
) -> None:
    """Remember the file sent: recipient, ISA13, the GS06 of each group, whether a 997 is due."""
    recipient, _, control_text = path.stem.rpartition("-")
    control = int(control_text)
    with sessions() as session:
        set_ids = set(
            session.scalars(select(Outbox.set_id).where(Outbox.file_name == path.name).distinct())
        )
        sent_at = now or session.scalar(
            select(Outbox.sent_at).where(Outbox.file_name == path.name).limit(1)
        )
        groups: dict[str, str] = {}
        for number, set_id in enumerate(s for s in ORDER if s in set_ids):
            group = control + number if control + number < 10**9 else number + 1
            groups[FUNCTIONAL_IDS[set_id]] = str(group)
        partner = config.partner(recipient)
        expect = (partner is None or partner.acknowledgments.expect_997) and bool(set_ids - {"997"})
        session.add(
            OutboundFile(
                name=path.name,
                recipient=recipient,
                control=control,
                groups=json.dumps(groups, separators=(",", ":")),
                folder=str(_folder(config, recipient)),
                sent_at=sent_at,
                ack_expected=expect and set_ids != {"TA1"},
            )
        )
        session.commit()


def _folder(config: SweepConfig, recipient: str) -> Path:
    partner = config.partner(recipient)
    return partner.outbound if partner is not None else config.unrouted


def _deliver(sessions: sessionmaker[Session], config: SweepConfig, path: Path) -> Path:
    """A copy under archive/sent/YYYY/MM/DD/, then the file into the partner's folder."""
    with sessions() as session:
        row = session.scalar(select(OutboundFile).where(OutboundFile.name == path.name))
        assert row is not None
        folder, when = Path(row.folder), row.sent_at
    target = folder / path.name
    if not path.exists():
        return target  # delivered before a crash
    kept = config.archive / "sent" / f"{when:%Y}" / f"{when:%m}" / f"{when:%d}" / path.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, kept)
    move(path, target)
    return target


def _rejections(
    sessions: sessionmaker[Session], config: SweepConfig, staging: Path, now: datetime
) -> list[Path]:
    """TA1 rejections of unreadable files: each its own interchange."""
    written: list[Path] = []
    separators = Separators()
    with sessions() as session:
        rows = session.scalars(
            select(Outbox).where(Outbox.sent_at.is_(None)).where(Outbox.set_id == "TA1")
        ).all()
        td = session.scalar(select(TradingPartner.duns).where(TradingPartner.role == "T&D"))
        sender = td or config.utility_duns
        for row in rows:
            body = json.loads(row.body)
            control = next_control(session, row.recipient)
            segments = [
                isa_segment(
                    sender=("01", sender),
                    receiver=("01", row.recipient),
                    control=control,
                    when=now,
                    separators=separators,
                ),
                [
                    "TA1",
                    body["control"],
                    now.strftime("%y%m%d"),
                    now.strftime("%H%M"),
                    body["code"],
                    body["note"],
                ],
                ["IEA", "0", f"{control:09d}"],
            ]
            path = staging / f"{row.recipient}-{control:09d}.x12"
            _write(path, "".join(write_segments(segments, separators)))
            row.sent_at, row.file_name = now, path.name
            session.flush()
            written.append(path)
        session.commit()
    out: list[Path] = []
    for path in written:
        _record(sessions, config, path, now)
        out.append(_deliver(sessions, config, path))
    return out


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="ascii", newline="") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def resend(sessions: sessionmaker[Session], name: str, now: datetime) -> int:
    """Put the messages of sent file `name` back in the outbox; the next outbound sweep sends
    them again in a new file under a new control number. The number of messages."""
    with sessions() as session:
        sent = session.scalar(select(OutboundFile).where(OutboundFile.name == name))
        if sent is None:
            raise LookupError(f"no file named {name!r} was sent (see `ebt status`)")
        result = session.execute(
            update(Outbox).where(Outbox.file_name == name).values(sent_at=None)
        )
        count = getattr(result, "rowcount", 0)
        sent.resent_at = now
        session.commit()
    return int(count or 0)


def overdue_acks(
    sessions: sessionmaker[Session], config: SweepConfig, now: datetime
) -> list[WorkItem]:
    """Sent files still without their 997 after the due hours become work items (once)."""
    due = now - timedelta(hours=config.ack_due_hours)
    made: list[WorkItem] = []
    with sessions() as session:
        late = session.scalars(
            select(OutboundFile)
            .where(OutboundFile.ack_expected.is_(True))
            .where(OutboundFile.ack_status.is_(None))
            .where(OutboundFile.work_item_id.is_(None))
            .where(OutboundFile.sent_at <= due)
        ).all()
        for sent in late:
            item = WorkItem(
                kind="ack_overdue",
                description=(
                    f"No 997 from {sent.recipient} for {sent.name} (ISA13 {sent.control:09d}, "
                    f"groups {sent.groups}) sent {sent.sent_at:%Y-%m-%d %H:%M}, over "
                    f"{config.ack_due_hours} hours ago. Ask the partner whether it arrived; "
                    f"`ebt resend {sent.name}` sends it again under a new control number."
                ),
                status="open",
                created_at=now,
            )
            session.add(item)
            session.flush()
            sent.work_item_id = item.id
            made.append(item)
        session.commit()
    return made
