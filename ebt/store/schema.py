"""The relational store: SQLAlchemy 2.0 models for partners, premises, meters, accounts,
supplier periods, processes, inbound files and transactions, findings, decisions, the outbox,
meter reads, final bills, moves, service periods (who takes service at a premise), landlord
agreements and work items.

Conventions: surrogate integer keys; business keys (DUNS, account number, meter number) are
unique; dates are calendar dates in US Eastern time; a supplier period covers
[start, end): `end` is the first day the next supplier of record serves (null while open).
A supplier of NULL is Standard Offer service.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# the market's vocabulary, kept in the store's columns (and importable from here)
from ebt.market.vocabulary import (
    PartnerRole,
    PeriodStatus,
    ProcessKind,
    ProcessState,
    ServiceRole,
)

__all__ = [
    "PartnerRole",
    "PeriodStatus",
    "ProcessKind",
    "ProcessState",
    "ServiceRole",
]

SCHEMA_VERSION = 11

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TradingPartner(Base):
    __tablename__ = "trading_partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duns: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(3))  # PartnerRole
    licensed: Mapped[bool] = mapped_column(Boolean, default=True)
    billing_options: Mapped[str] = mapped_column(String(20), default="LDC,DUAL")
    production: Mapped[bool] = mapped_column(Boolean, default=True)


class Premise(Base):
    __tablename__ = "premises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    street: Mapped[str] = mapped_column(String(55))
    street2: Mapped[str | None] = mapped_column(String(55))
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(15))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("premises.id"))


class Meter(Base):
    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    type: Mapped[str] = mapped_column(String(20))  # e.g. KWH, KWH_DEMAND, TOU
    smart: Mapped[bool] = mapped_column(Boolean, default=False)  # telemetered (AMI)
    multiplier_active: Mapped[Decimal] = mapped_column(Numeric(12, 4), default=Decimal(1))
    multiplier_reactive: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    multiplier_demand: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    rate_structures: Mapped[str] = mapped_column(String(60), default="FLAT")  # comma list


class MeterInstallation(Base):
    __tablename__ = "meter_installations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    premise_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    installed_on: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)


class CycleRead(Base):
    """A scheduled cycle meter read date of a bill cycle."""

    __tablename__ = "cycle_reads"
    __table_args__ = (UniqueConstraint("bill_cycle", "read_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bill_cycle: Mapped[str] = mapped_column(String(4), index=True)
    read_date: Mapped[date] = mapped_column(Date)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    customer_name: Mapped[str] = mapped_column(String(60))
    premise_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    bill_cycle: Mapped[str] = mapped_column(String(4))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active, final, closed
    services: Mapped[str] = mapped_column(String(20), default="EL")  # comma list
    rate_class: Mapped[str | None] = mapped_column(String(20))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class SupplierPeriod(Base):
    """Who is the supplier of record of an account over [start, end); NULL = Standard Offer."""

    __tablename__ = "supplier_periods"
    __table_args__ = (
        Index("ix_supplier_periods_account_start", "account_id", "start"),
        # the accounts a CES serves (the console's scope for a supplier's user)
        Index("ix_supplier_periods_supplier_account", "supplier_id", "account_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # PeriodStatus
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"))
    billing_option: Mapped[str | None] = mapped_column(String(4))
    bill_calculator: Mapped[str | None] = mapped_column(String(4))
    ces_rate_code: Mapped[str | None] = mapped_column(String(30))
    ces_account: Mapped[str | None] = mapped_column(String(30))

    process: Mapped[Process | None] = relationship()


class Process(Base):
    """One customer or supplier request and everything done about it."""

    __tablename__ = "processes"
    __table_args__ = (Index("ix_processes_account_state", "account_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # ProcessKind
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    ces_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    state: Mapped[str] = mapped_column(String(12))  # ProcessState
    reference: Mapped[str | None] = mapped_column(String(30), index=True)  # the request's BGN02
    requested_on: Mapped[date] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    fee: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))  # off-cycle drop fee
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: what the process carries
    created_at: Mapped[datetime] = mapped_column(DateTime)


class InboundFile(Base):
    __tablename__ = "inbound_files"
    # the console's ledger: newest first, for everyone and for one partner; the sweeps'
    # next file in a state (claimed, ingested) among the years of archived ones
    __table_args__ = (
        Index("ix_inbound_files_received_at", "received_at"),
        Index("ix_inbound_files_partner_id", "partner", "id"),
        Index("ix_inbound_files_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    # received, processed, error (ebt process); claimed, ingested, archived, error (sweeps)
    status: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    partner: Mapped[str | None] = mapped_column(String(15))  # whose inbound folder it came from
    path: Mapped[str | None] = mapped_column(String(500))  # where a sweep keeps it while working
    archived_to: Mapped[str | None] = mapped_column(String(500))
    # the delivery position through which its sets are taken (decided, or queued by a
    # sweep), so that a run that died part way resumes after it
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Interchange(Base):
    __tablename__ = "interchanges"
    __table_args__ = (
        Index("ix_interchanges_sender_control", "sender", "control"),
        Index("ix_interchanges_control", "control"),  # the ledger finds a file by its ISA13
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("inbound_files.id"), index=True)
    control: Mapped[str] = mapped_column(String(9))  # ISA13
    sender: Mapped[str] = mapped_column(String(15))  # ISA06
    receiver: Mapped[str] = mapped_column(String(15))  # ISA08
    production: Mapped[bool] = mapped_column(Boolean)
    # why the interchange was refused whole (a finding code: DUPLICATE-INTERCHANGE,
    # ISA15-MODE, ISA06-CHANNEL), or None when its sets were taken
    refused: Mapped[str | None] = mapped_column(String(30))


class Transaction(Base):
    """One inbound transaction set, as received (raw text), with its outcome."""

    __tablename__ = "transactions"
    # the console's volume per day (a range scan that counts from the index alone)
    __table_args__ = (Index("ix_transactions_received_status", "received_at", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interchange_id: Mapped[int] = mapped_column(ForeignKey("interchanges.id"), index=True)
    group_control: Mapped[str] = mapped_column(String(9))  # GS06
    control: Mapped[str] = mapped_column(String(9))  # ST02
    set_id: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str | None] = mapped_column(String(30))
    reference: Mapped[str | None] = mapped_column(String(30), index=True)  # BGN02
    sender: Mapped[str | None] = mapped_column(String(15))  # the CES or T&D id (N1)
    account_number: Mapped[str | None] = mapped_column(String(30), index=True)
    status: Mapped[str] = mapped_column(String(12))  # accepted, rejected, syntax_error, ignored
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class FindingRow(Base):
    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_transaction_id", "transaction_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("inbound_files.id"), index=True)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"))
    code: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    segment: Mapped[str | None] = mapped_column(String(3))
    position: Mapped[int | None] = mapped_column(Integer)
    element: Mapped[str | None] = mapped_column(String(6))
    # where in the file as received when it was XML or EDIFACT ("<account> line 14",
    # "LOC+172 element 2:1, segment 9"); segment/position/element are then the X12 equivalent
    origin: Mapped[str | None] = mapped_column(String(120))

    transaction: Mapped[Transaction | None] = relationship()


class Decision(Base):
    """The rules' answer to one request: which table, each step and answer, the outcome."""

    __tablename__ = "decisions"
    # the console's rejects per day by code: only rejections are in it
    __table_args__ = (
        Index(
            "ix_decisions_rejects_by_day",
            "decided_on",
            "code",
            sqlite_where=text("code IS NOT NULL"),
            postgresql_where=text("code IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"), index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"), index=True)
    reference: Mapped[str | None] = mapped_column(String(30), index=True)  # BGN02 decided
    table_name: Mapped[str] = mapped_column(String(40))
    table_version: Mapped[str] = mapped_column(String(20))
    steps: Mapped[str] = mapped_column(Text)  # JSON list of {step, question, predicate, answer}
    outcome: Mapped[str] = mapped_column(String(30))
    code: Mapped[str | None] = mapped_column(String(3))  # REF*7G when rejected
    decided_on: Mapped[date] = mapped_column(Date)
    # the facts its table read (ebt.market.recorded), for ebt replay; None: not recorded
    # (a decision of an earlier version, a T&D decision, a policy table's)
    facts: Mapped[bytes | None] = mapped_column(LargeBinary)

    transaction: Mapped[Transaction | None] = relationship()
    process: Mapped[Process | None] = relationship()


class Outbox(Base):
    """Every outbound message, written in the same database transaction as the state change."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unsent", "sent_at", "recipient"),
        Index("ix_outbox_transaction_id", "transaction_id"),  # a transaction's answers
        Index("ix_outbox_file_name", "file_name"),  # what a sent file held
        # the 997s and TA1s owed to one inbound file (kind "ack:<file id>", "ta1:<file id>")
        Index(
            "ix_outbox_acks",
            "kind",
            sqlite_where=text("set_id IN ('997', 'TA1')"),
            postgresql_where=text("set_id IN ('997', 'TA1')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(15))  # DUNS
    set_id: Mapped[str] = mapped_column(String(3))  # 814, 997, 824
    kind: Mapped[str] = mapped_column(String(30))
    body: Mapped[str] = mapped_column(Text)  # JSON of the typed record
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"), index=True)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"))
    account_number: Mapped[str | None] = mapped_column(String(30), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the file it is in: with sent_at, delivered; without, staged and not yet delivered
    file_name: Mapped[str | None] = mapped_column(String(255))

    transaction: Mapped[Transaction | None] = relationship()
    process: Mapped[Process | None] = relationship()


class ControlNumber(Base):
    """The last interchange control number used towards each partner: never reused."""

    __tablename__ = "control_numbers"

    partner: Mapped[str] = mapped_column(String(15), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class MeterRead(Base):
    __tablename__ = "meter_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    read_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))  # cycle, final, exchange, first, start
    value: Mapped[Decimal] = mapped_column(Numeric(14, 3))


class FinalBill(Base):
    __tablename__ = "final_bills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"))
    bill_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    transferred_to_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    ces_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    receivable_carried_until: Mapped[date | None] = mapped_column(Date)
    written_off_on: Mapped[date | None] = mapped_column(Date)
    write_off_code: Mapped[str | None] = mapped_column(String(4))


class LandlordAgreement(Base):
    __tablename__ = "landlord_agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    landlord_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    premise_id: Mapped[int] = mapped_column(ForeignKey("premises.id"), index=True)
    service: Mapped[str] = mapped_column(String(4), default="EL")
    season_start: Mapped[str | None] = mapped_column(String(5))  # MM-DD, null = all year
    season_end: Mapped[str | None] = mapped_column(String(5))
    reverts: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[date | None] = mapped_column(Date)  # null: since ever
    valid_to: Mapped[date | None] = mapped_column(Date)  # first day no longer valid; null: open


class Move(Base):
    """A customer's move inside the territory: from which account to which, the dates the
    customer gave, and what was decided (seamless or not)."""

    __tablename__ = "moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[int] = mapped_column(ForeignKey("processes.id"), index=True)
    old_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    new_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    called_on: Mapped[date] = mapped_column(Date)
    move_out: Mapped[date] = mapped_column(Date)  # the final read at the old location
    move_in: Mapped[date] = mapped_column(Date)  # service starts at the new location
    standard_offer_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    seamless: Mapped[bool] = mapped_column(Boolean, default=False)
    ces_id: Mapped[int | None] = mapped_column(ForeignKey("trading_partners.id"))
    confirmation: Mapped[str] = mapped_column(Text)  # what the customer is told


class ServicePeriod(Base):
    """Whose account takes a service at a premise over [start, end): a tenant's, or the
    landlord's reversion account between tenants. `pending` until the daily activation finds
    the start date come and a start read; `end` set in the future is a pending stop."""

    __tablename__ = "service_periods"
    __table_args__ = (Index("ix_service_periods_premise_start", "premise_id", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    premise_id: Mapped[int] = mapped_column(ForeignKey("premises.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    service: Mapped[str] = mapped_column(String(4), default="EL")
    role: Mapped[str] = mapped_column(String(10))  # ServiceRole
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # PeriodStatus
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"))
    stop_process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"))


class Reprocessing(Base):
    """An operator took a file through the pipeline again (`ebt reprocess`): when, why, who."""

    __tablename__ = "reprocessings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("inbound_files.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
    operator: Mapped[str] = mapped_column(String(64))  # the OS user who ran it
    decided: Mapped[int] = mapped_column(Integer, default=0)  # sets decided by it


class WorkItem(Base):
    """An exception for a person to resolve."""

    __tablename__ = "work_items"
    __table_args__ = (Index("ix_work_items_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    process_id: Mapped[int | None] = mapped_column(ForeignKey("processes.id"))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    # how it was closed: by whom with what note, or by itself when what it waited for came
    resolution: Mapped[str | None] = mapped_column(Text)


class QueueState(StrEnum):
    PENDING = "pending"
    DECIDED = "decided"


class DeliveryQueue(Base):
    """One inbound transaction set waiting to be decided by a sweep, in delivery order:
    (file_id, position) — files are numbered as they are claimed, sets as they stand in the
    file. Sets of one account share a partition; one worker at a time decides a partition."""

    __tablename__ = "delivery_queue"
    __table_args__ = (
        UniqueConstraint("file_id", "position"),
        Index("ix_delivery_queue_pending", "partition", "state", "file_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("inbound_files.id"))
    position: Mapped[int] = mapped_column(Integer)
    partition: Mapped[int] = mapped_column(Integer)
    account_number: Mapped[str | None] = mapped_column(String(30))
    # the set as deciding needs it (ebt.market.inbound.InboundSet: its text, typed record
    # and findings), encoded by ebt.sweep.queue: read and checked once, at intake
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10))  # QueueState


class OutboundFile(Base):
    """One interchange a sweep sent: where, its control numbers, and the 997 it is owed."""

    __tablename__ = "outbound_files"
    __table_args__ = (
        UniqueConstraint("recipient", "control"),
        Index("ix_outbound_files_sent_at", "sent_at"),
        Index("ix_outbound_files_control", "control"),  # found by its ISA13
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    recipient: Mapped[str] = mapped_column(String(15))
    control: Mapped[int] = mapped_column(Integer)  # ISA13
    groups: Mapped[str] = mapped_column(Text)  # JSON {GS01: GS06} of the groups it holds
    folder: Mapped[str] = mapped_column(String(500))
    sent_at: Mapped[datetime] = mapped_column(DateTime)
    ack_expected: Mapped[bool] = mapped_column(Boolean, default=True)
    ack_status: Mapped[str | None] = mapped_column(String(1))  # AK901: A, E, P, R
    acked_at: Mapped[datetime | None] = mapped_column(DateTime)
    resent_at: Mapped[datetime | None] = mapped_column(DateTime)
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id"))


class ConsoleAction(Base):
    """What a person did through the operations console (and each login), with who did it."""

    __tablename__ = "console_actions"
    __table_args__ = (Index("ix_console_actions_target", "target", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(30))  # viewer, operator, admin, ces:DUNS
    action: Mapped[str] = mapped_column(String(30))  # login, resolve, resend, ...
    target: Mapped[str | None] = mapped_column(String(300))  # "work_item:12", "file:NAME"
    note: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(20))  # done, refused, failed
    address: Mapped[str | None] = mapped_column(String(45))  # the client's IP address


class SweepRun(Base):
    """One sweep and how long it took, for the console's Today page."""

    __tablename__ = "sweep_runs"
    __table_args__ = (Index("ix_sweep_runs_started_at", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # inbound, outbound
    started_at: Mapped[datetime] = mapped_column(DateTime)
    seconds: Mapped[float] = mapped_column(Float)
    files: Mapped[int] = mapped_column(Integer, default=0)
    transactions: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str] = mapped_column(Text)
