"""The market's own vocabulary: the kinds and states of processes, supplier periods and
service periods, and the roles of the parties. The store keeps these values in its columns;
the market defines them."""

from __future__ import annotations

from enum import StrEnum


class PartnerRole(StrEnum):
    TD = "T&D"
    CES = "CES"


class PeriodStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


class ProcessKind(StrEnum):
    ENROLLMENT = "enrollment"
    SWITCH = "switch"
    DROP = "drop"
    CHANGE = "change"
    REINSTATEMENT = "reinstatement"
    RETURN_TO_STANDARD_OFFER = "return_to_standard_offer"
    MOVE = "move"
    LANDLORD_REVERSION = "landlord_reversion"
    METER_EXCHANGE = "meter_exchange"
    TENANT_START = "tenant_start"
    TENANT_STOP = "tenant_stop"
    LANDLORD_CHANGE = "landlord_change"


class ProcessState(StrEnum):
    REJECTED = "rejected"
    PENDING = "pending"  # accepted, waiting for its effective date
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ServiceRole(StrEnum):
    TENANT = "tenant"
    LANDLORD = "landlord"
