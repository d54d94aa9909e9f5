"""A customer calls the T&D to leave its CES and return to Standard Offer."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ebt.mapping.records import Transaction814
from ebt.market.decider import Decider
from ebt.market.reference import Market
from ebt.market.requests import REQUESTS
from ebt.market.requests import return_to_standard_offer as decide_return
from ebt.rules.tables import Verdict
from ebt.store.market_reader import SqlMarketReader
from ebt.store.unit_of_work import write_batch


def return_to_standard_offer(
    sessions: sessionmaker[Session], market: Market, account: str
) -> tuple[Verdict, Transaction814]:
    """Decide the call, commit, and queue the drop notice to the CES."""
    with sessions() as session:
        decider = Decider(SqlMarketReader(session), market, REQUESTS)
        verdict, notice = decide_return(decider, account)
        write_batch(session, decider.flush())
        session.commit()
    return verdict, notice
