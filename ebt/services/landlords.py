"""A building changes landlord (`ebt landlord change`), in one database transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from ebt.market import landlords
from ebt.market.landlords import LandlordChange
from ebt.store.unit_of_work import service_unit


def change_landlord(
    sessions: sessionmaker[Session],
    *,
    parent: str,
    landlord: str,
    on: date,
    today: date,
    now: datetime,
) -> LandlordChange:
    """Give every agreement of the building `parent` and its units to `landlord` from `on`."""
    with service_unit(sessions, today=today, now=now) as unit:
        return landlords.change_landlord(unit, parent=parent, landlord=landlord, on=on)
