"""Typed transactions: frozen records for every 814 flavour, the 997 and the 824.

The records say what a transaction means in the market's words (account, T&D, CES,
billing option, effective date), free of segment positions; `mappings/` says where each
field sits in X12.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    ENROLLMENT_REQUEST = "enrollment_request"
    ENROLLMENT_ACCEPT = "enrollment_accept"
    ENROLLMENT_REJECT = "enrollment_reject"
    CHANGE_REQUEST = "change_request"
    CHANGE_ACCEPT = "change_accept"
    CHANGE_REJECT = "change_reject"
    DROP_REQUEST = "drop_request"
    DROP_ACCEPT = "drop_accept"
    DROP_REJECT = "drop_reject"
    DROP_NOTICE = "drop_notice"
    REINSTATEMENT_REQUEST = "reinstatement_request"
    REINSTATEMENT_ACCEPT = "reinstatement_accept"
    REINSTATEMENT_REJECT = "reinstatement_reject"
    FUNCTIONAL_ACK = "functional_ack"
    APPLICATION_ADVICE = "application_advice"


class Purpose(StrEnum):
    """BGN01."""

    RESPONSE = "11"
    REQUEST = "13"


class Action(StrEnum):
    """ASI01."""

    REQUEST = "7"
    ACCEPT = "WQ"
    REJECT = "U"


class MaintenanceType(StrEnum):
    """ASI02."""

    CHANGE = "001"
    ENROLLMENT = "021"
    DROP = "024"
    REINSTATEMENT = "025"


class BillingOption(StrEnum):
    """REF*BLT and REF*PC."""

    TD_CONSOLIDATED = "LDC"
    DUAL = "DUAL"


class RejectionReason(StrEnum):
    """REF*7G, as the guide lists them."""

    ACCOUNT_NOT_ACTIVE = "008"
    INVALID_METER_ADDRESS = "A03"
    OTHER = "A13"
    ACCOUNT_NOT_FOUND = "A76"
    DUPLICATE_REQUEST = "ABN"
    ACCOUNT_NOT_ELIGIBLE = "ANE"
    SUPPLIER_NOT_LICENSED = "ANL"
    REQUIRED_INFORMATION_MISSING = "API"
    DATE_TOO_FAR_AHEAD = "DIV"
    INCORRECT_BILLING_OPTION = "FRB"
    NOT_FIRST_IN = "NFI"
    SUPPLIER_UNKNOWN = "UND"
    METER_CANNOT_SUPPORT_RATE = "MRC"


@dataclass(frozen=True, slots=True)
class Reason:
    """A coded reason with optional text: REF*7G, REF*1P, REF*TD, TED."""

    code: str
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Meter:
    number: str
    type: str | None = None
    multiplier: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Transaction814:
    """Any 814: enrollment, change, drop, drop notice or reinstatement; request or reply."""

    kind: Kind
    purpose: str
    reference: str  # BGN02, the sender's unique reference
    date: dt.date
    action: str
    maintenance: str
    account: str
    td_id: str
    ces_id: str
    td_name: str | None = None
    td_id_qualifier: str | None = None
    ces_name: str | None = None
    ces_id_qualifier: str | None = None
    original_reference: str | None = None  # BGN06: the request answered
    customer_name: str | None = None
    street: str | None = None
    street2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    contact_function: str | None = None
    contact_name: str | None = None
    contact_qualifier: str | None = None
    contact_number: str | None = None
    bill_to_name: str | None = None
    bill_to_street: str | None = None
    bill_to_street2: str | None = None
    bill_to_city: str | None = None
    bill_to_state: str | None = None
    bill_to_postal_code: str | None = None
    line_number: str | None = None
    commodity: str | None = None
    service: str | None = None
    extra_service: str | None = None  # "HU": historical usage requested
    ces_account: str | None = None
    previous_account: str | None = None
    billing_option: str | None = None
    bill_calculator: str | None = None
    bill_cycle: str | None = None
    rate_class: str | None = None
    ces_rate_code: str | None = None
    effective_date: dt.date | None = None
    service_start: dt.date | None = None
    service_end: dt.date | None = None
    budget_amount: Decimal | None = None
    reject_reasons: tuple[Reason, ...] = ()
    status_reasons: tuple[Reason, ...] = ()
    change_reasons: tuple[Reason, ...] = ()
    meters: tuple[Meter, ...] = ()

    @property
    def historical_usage_requested(self) -> bool:
        return self.extra_service == "HU"


@dataclass(frozen=True, slots=True)
class ElementError:
    """AK4."""

    position: str
    code: str
    reference: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class SegmentError:
    """AK3 with its AK4s."""

    segment: str
    position: int
    loop: str | None = None
    code: str | None = None
    element_errors: tuple[ElementError, ...] = ()


@dataclass(frozen=True, slots=True)
class SetAck:
    """AK2 .. AK5."""

    set_id: str
    control: str
    status: str
    errors: tuple[str, ...] = ()
    segment_errors: tuple[SegmentError, ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionalAck:
    """A 997: the acknowledgment of one functional group."""

    kind: Kind
    functional_id: str  # AK101: GS01 of the group acknowledged
    group_control: str  # AK102: its GS06
    status: str
    included: int
    received: int
    accepted: int
    errors: tuple[str, ...] = ()
    sets: tuple[SetAck, ...] = ()


@dataclass(frozen=True, slots=True)
class AdviceItem:
    """OTI with its REF*12 and TEDs: one original transaction and what was wrong with it."""

    status: str
    reference_qualifier: str
    reference: str
    sender: str | None = None
    receiver: str | None = None
    date: dt.date | None = None
    time: str | None = None
    group_control: str | None = None
    set_control: str | None = None
    set_id: str | None = None
    account: str | None = None
    errors: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class ApplicationAdvice:
    """An 824."""

    kind: Kind
    purpose: str
    reference: str
    date: dt.date
    td_id: str
    ces_id: str
    td_name: str | None = None
    td_id_qualifier: str | None = None
    ces_name: str | None = None
    ces_id_qualifier: str | None = None
    items: tuple[AdviceItem, ...] = ()


Record = Transaction814 | FunctionalAck | ApplicationAdvice

RECORD_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Transaction814,
        FunctionalAck,
        ApplicationAdvice,
        Reason,
        Meter,
        ElementError,
        SegmentError,
        SetAck,
        AdviceItem,
    )
}
