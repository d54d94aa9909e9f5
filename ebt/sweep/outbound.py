"""`ebt sweep outbound`: the outbox becomes one file per recipient per sweep, delivered into
each partner's outbound folder so that no partner's folder can hold back another's; `ebt
resend`; 997s owed to us tracked until they come.

A file's way out:

1. **Staged.** The market's outbox writer writes each recipient's waiting rows into
   work/outbound/ (temporary name, fsync, rename) and, in one database transaction, gives
   the rows the file's name and advances the recipient's control number: from here on the
   file's bytes and its control number belong together. A TA1 rejection is staged the same
   way, an interchange of its own.
2. **Delivered.** The staged file is copied to a temporary name inside the folder configured
   for its recipient *now* (its partner's outbound folder, else unrouted/), synced, renamed
   there and the folder synced: the rename never crosses file systems.
3. **Sent.** Only then are its rows marked sent and the file recorded in `outbound_files`
   (the folder it went to, its groups, whether a 997 is due), in one transaction.
4. **Archived.** The staged file moves to archive/sent/YYYY/MM/DD/.

A partner's folder that fails (full, read-only, missing, not writable) is reported with what
to do, and the partner's later files wait behind it (they keep their order); its files stay
staged with their rows unsent, and the next sweep delivers them, the same bytes under the
same control numbers, into the folder configured then. The other partners' files are
delivered regardless. A sweep killed anywhere is finished by the next: a staged file whose
transaction never committed is removed (its rows are still waiting and are written again); a
staged file not yet recorded is delivered (again, if it already was: the same name and bytes,
so a partner that already took it sees a repeated ISA13); a recorded one is archived.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from ebt.pipeline.outbox import (
    FUNCTIONAL_IDS,
    control_key,
    file_name,
    next_control,
    production_modes,
    receiver_id,
    sync_folder,
    waiting,
    write_outbox,
)
from ebt.store.schema import OutboundFile, Outbox, TradingPartner, WorkItem
from ebt.sweep.config import SweepConfig
from ebt.sweep.faults import crash_point
from ebt.sweep.folders import write_text_atomically
from ebt.sweep.locks import OUTBOUND, SINGLETON_LOCKS, Locks
from ebt.syntax.separators import Separators
from ebt.syntax.writer import isa_segment, write_segments

ORDER = ("814", "824", "997")  # the order the outbox writer puts groups in
COPY_CHUNK = 1 << 20
FIXES = {
    errno.ENOSPC: "Free space on that folder's file system.",
    errno.EDQUOT: "Raise the quota there or free space.",
    errno.EACCES: "Let the user running ebt write into that folder.",
    errno.EPERM: "Let the user running ebt write into that folder.",
    errno.EROFS: "Its file system is read-only: remount it read-write, or correct the folder.",
    errno.ENOENT: "Create the folder (or mount its file system), or correct the folder.",
    errno.ENOTDIR: "Part of its path is a file: correct the folder.",
}


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A staged file that could not be put in its recipient's folder; the next outbound sweep
    delivers it into the folder configured then."""

    name: str
    recipient: str  # who it is for: the partner's name and DUNS, or the unrouted id
    folder: Path
    reason: str
    fix: str

    def __str__(self) -> str:
        return (
            f"not delivered: {self.name} for {self.recipient} into {self.folder}: {self.reason}\n"
            f"  fix: {self.fix} The file is kept and the next outbound sweep delivers it."
        )


@dataclass(slots=True)
class OutboundSummary:
    files: list[Path] = field(default_factory=list)  # delivered into the partners' folders
    undelivered: list[Undelivered] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # delivered, but not archived
    busy: bool = False  # another worker was writing the outbound files
    seconds: float = 0.0  # how long the sweep took


def sweep_outbound(
    engine: Engine, sessions: sessionmaker[Session], config: SweepConfig, now: datetime
) -> OutboundSummary:
    summary = OutboundSummary()
    with Locks(engine) as locks:
        if not locks.try_lock(SINGLETON_LOCKS, OUTBOUND):
            summary.busy = True
            return summary
        staging = config.work / "outbound"
        _drop_uncommitted(sessions, staging)
        modes = {i: p.production for p in config.partners for i in (p.duns, *p.ids)}
        _stage_rejections(sessions, staging, now, modes=modes, utility=config.utility_duns)
        write_outbox(sessions, staging, now=now, production=modes, delivered=False)
        held: dict[str, str] = {}  # recipient -> its file that could not be delivered
        for path in sorted(staging.glob("*.x12")):
            _send(sessions, config, path, now, summary=summary, held=held)
    return summary


def _drop_uncommitted(sessions: sessionmaker[Session], staging: Path) -> None:
    """Staged files whose database transaction never committed (their rows still wait and
    are written again), and temporary files a dead sweep left."""
    if not staging.is_dir():
        return
    for path in sorted(staging.glob("*.x12")):
        with sessions() as session:
            committed = session.scalar(
                select(Outbox.id).where(Outbox.file_name == path.name).limit(1)
            )
            recorded = session.scalar(select(OutboundFile.id).where(OutboundFile.name == path.name))
        if committed is None and recorded is None:
            path.unlink()
    for leftover in staging.glob(".*.tmp"):
        leftover.unlink()


def _send(
    sessions: sessionmaker[Session],
    config: SweepConfig,
    path: Path,
    now: datetime,
    *,
    summary: OutboundSummary,
    held: dict[str, str],
) -> None:
    """Deliver one staged file, mark it sent, archive it (each step only if not yet done)."""
    with sessions() as session:
        recorded = session.scalar(select(OutboundFile).where(OutboundFile.name == path.name))
        recipient = session.scalar(
            select(Outbox.recipient).where(Outbox.file_name == path.name).limit(1)
        )
    if recorded is not None:  # delivered and recorded by a sweep that died before archiving
        _archive(config, path, recorded.sent_at, summary)
        summary.files.append(Path(recorded.folder) / path.name)
        return
    if recipient is None:
        path.unlink()  # never committed (a concurrent cleanup would have caught it)
        return
    partner = config.partner(recipient)
    folder = partner.outbound if partner is not None else config.unrouted
    shown = f"{partner.name} ({partner.duns})" if partner is not None else f"{recipient!r}"
    if recipient in held:
        summary.undelivered.append(
            Undelivered(
                path.name,
                shown,
                folder,
                f"waits behind {held[recipient]}, which could not be delivered",
                "See the line above.",
            )
        )
        return
    crash_point("outbound")
    try:
        if partner is None:
            folder.mkdir(parents=True, exist_ok=True)  # unrouted/ is ours to make
        _place(path, folder / path.name)
    except OSError as error:
        held[recipient] = path.name
        reason = f"{error.strerror or error} [{errno.errorcode.get(error.errno or 0, '?')}]"
        fix = FIXES.get(error.errno or 0, "Check that folder.")
        if partner is not None:
            fix += " The folder is [[partner]] outbound in " + str(config.source) + "."
        summary.undelivered.append(Undelivered(path.name, shown, folder, reason, fix))
        return
    crash_point("deliver")
    _record(sessions, config, path, recipient=recipient, folder=folder, now=now)
    crash_point("sent")
    _archive(config, path, now, summary)
    summary.files.append(folder / path.name)


def _place(source: Path, target: Path) -> None:
    """Copy `source` to `target` durably: a temporary name in the target's folder (never
    following a link a partner may have put there), fsync, rename, fsync the folder."""
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the folder does not exist", str(folder))
    temporary = folder / f".{target.name}.tmp"
    try:
        temporary.unlink(missing_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        with os.fdopen(fd, "wb") as out, source.open("rb") as data:
            shutil.copyfileobj(data, out, COPY_CHUNK)
            out.flush()
            os.fsync(out.fileno())
        temporary.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise
    sync_folder(folder)


def _record(
    sessions: sessionmaker[Session],
    config: SweepConfig,
    path: Path,
    *,
    recipient: str,
    folder: Path,
    now: datetime,
) -> None:
    """The file is durable in `folder`: its rows are sent, and it is remembered (recipient,
    ISA13, the GS06 of each group, whether a 997 is due), in one transaction."""
    control = int(path.stem.rpartition("-")[2])
    with sessions() as session:
        set_ids = set(
            session.scalars(select(Outbox.set_id).where(Outbox.file_name == path.name).distinct())
        )
        groups: dict[str, str] = {}
        for number, set_id in enumerate(s for s in ORDER if s in set_ids):
            group = control + number if control + number < 10**9 else number + 1
            groups[FUNCTIONAL_IDS[set_id]] = str(group)
        partner = config.partner(recipient)
        expect = (partner is None or partner.acknowledgments.expect_997) and bool(set_ids - {"997"})
        session.execute(
            update(Outbox)
            .where(Outbox.file_name == path.name)
            .where(Outbox.sent_at.is_(None))
            .values(sent_at=now)
        )
        session.add(
            OutboundFile(
                name=path.name,
                recipient=recipient,
                control=control,
                groups=json.dumps(groups, separators=(",", ":")),
                folder=str(folder),
                sent_at=now,
                ack_expected=expect and set_ids != {"TA1"},
            )
        )
        session.commit()


def _archive(config: SweepConfig, path: Path, when: datetime, summary: OutboundSummary) -> None:
    """Move the staged file under archive/sent/YYYY/MM/DD/; a failure is told and tried
    again at the next sweep (the file was delivered: nobody waits for it)."""
    kept = config.archive / "sent" / f"{when:%Y}" / f"{when:%m}" / f"{when:%d}" / path.name
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.replace(kept)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            shutil.copyfile(path, kept)  # another file system: copy, sync, then remove
            with kept.open("rb+") as copy:
                os.fsync(copy.fileno())
            path.unlink()
        sync_folder(kept.parent)
    except OSError as error:
        summary.problems.append(
            f"{path.name} was delivered but not archived: {kept.parent}: "
            f"{error.strerror or error}; it stays in {path.parent} and the next outbound "
            "sweep archives it"
        )


def _stage_rejections(
    sessions: sessionmaker[Session],
    staging: Path,
    now: datetime,
    *,
    modes: dict[str, bool],
    utility: str,
) -> None:
    """TA1 rejections of unreadable files, staged: each its own interchange."""
    separators = Separators()
    with sessions() as session:
        rows = session.scalars(
            select(Outbox).where(waiting()).where(Outbox.set_id == "TA1").order_by(Outbox.id)
        ).all()
        if not rows:
            return
        td = session.scalar(select(TradingPartner.duns).where(TradingPartner.role == "T&D"))
        sender = td or utility
        production = production_modes(session, modes)
        for row in rows:
            body = json.loads(row.body)
            control = next_control(session, control_key(row.recipient))
            segments = [
                isa_segment(
                    sender=("01", sender),
                    receiver=("01", receiver_id(row.recipient, separators)),
                    control=control,
                    when=now,
                    separators=separators,
                    production=production.get(row.recipient, True),
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
            path = staging / file_name(row.recipient, control)
            write_text_atomically(path, "".join(write_segments(segments, separators)))
            row.file_name = path.name
        session.commit()


def resend(sessions: sessionmaker[Session], name: str, now: datetime) -> int:
    """Put the messages of sent file `name` back in the outbox; the next outbound sweep sends
    them again in a new file under a new control number. The number of messages."""
    with sessions() as session:
        sent = session.scalar(select(OutboundFile).where(OutboundFile.name == name))
        if sent is None:
            raise LookupError(f"no file named {name!r} was sent (see `ebt status`)")
        result = session.execute(
            update(Outbox).where(Outbox.file_name == name).values(sent_at=None, file_name=None)
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
