"""The 997s an inbound file carries, matched to the files we sent (by the partner and the
AK1 group): the sent file is acknowledged, and a rejection becomes a work item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ebt.mapping.records import FunctionalAck
from ebt.store.schema import OutboundFile, WorkItem


def match_acks(session: Session, acks: list[tuple[str, FunctionalAck]], now: datetime) -> int:
    """Mark the files we sent that these 997s (each with the partner it came from)
    acknowledge; how many matched."""
    matched = 0
    for sender, ack in acks:
        pattern = f'%"{ack.functional_id}":"{ack.group_control.lstrip("0") or "0"}"%'
        sent = session.scalars(
            select(OutboundFile)
            .where(OutboundFile.recipient == sender)
            .where(OutboundFile.groups.like(pattern))
            .order_by(OutboundFile.id.desc())
            .limit(1)
        ).first()
        if sent is None:
            continue
        if sent.ack_status != "R":
            sent.ack_status = ack.status
        sent.acked_at = now
        if ack.status == "R" and sent.work_item_id is None:
            item = WorkItem(
                kind="ack_rejected",
                description=(
                    f"{sender} rejected group {ack.functional_id} {ack.group_control} of "
                    f"{sent.name} (997 AK9 R: {ack.accepted} of {ack.included} set(s) "
                    "accepted). Correct what its AK3/AK4 name and resend."
                ),
                status="open",
                created_at=now,
            )
            session.add(item)
            session.flush()
            sent.work_item_id = item.id
        matched += 1
    return matched
