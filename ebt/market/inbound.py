"""One inbound transaction set as deciding needs it: where it stood in its file, its text,
its typed record and what is wrong with it. The intake makes it from the checker's result
once; a sweep's delivery queue carries it to the decide phase as it is."""

from __future__ import annotations

from dataclasses import dataclass

from ebt.findings import Finding
from ebt.mapping.records import Record, Transaction814


@dataclass(frozen=True, slots=True)
class InboundSet:
    interchange: str  # ISA13
    group: str  # GS06
    control: str  # ST02
    set_id: str  # ST01
    position: int  # its place in the file's delivery order, from 1
    sender: str  # the partner it came from (its channel, `ebt.channel`): answers go there
    raw: str  # ST..SE as received, in X12
    record: Record | None  # None when it could not be read (its findings say why)
    findings: tuple[Finding, ...]

    @property
    def account(self) -> str | None:
        """The T&D account an 814 is about."""
        record = self.record
        return record.account if isinstance(record, Transaction814) else None
