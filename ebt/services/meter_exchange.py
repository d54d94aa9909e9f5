"""A meter taken out and another put in its place (`ebt meter-exchange`), in one database
transaction with the change notices to the CESs."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ebt.market import meter_exchange
from ebt.market.meter_exchange import Exchange, ExchangeResult
from ebt.market.reference import Market
from ebt.store.unit_of_work import service_unit


def exchange_meter(
    sessions: sessionmaker[Session], market: Market, exchange: Exchange
) -> ExchangeResult:
    """Record the exchange and queue the CES notices."""
    with service_unit(sessions, today=market.today, now=market.now) as unit:
        return meter_exchange.exchange_meter(unit, market, exchange)
