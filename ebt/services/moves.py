"""A customer moving inside the territory calls the T&D (`ebt move`)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from ebt.market.moves import MoveDecider, MoveRequest, MoveResult
from ebt.market.premises import ServiceUnit
from ebt.market.reference import Market, Reference
from ebt.market.relocation import carry_out
from ebt.market.requests import REQUESTS
from ebt.store.market_reader import SqlMarketReader
from ebt.store.service_store import SqlServiceStore
from ebt.store.unit_of_work import write_batch


def move(
    sessions: sessionmaker[Session],
    market: Market,
    request: MoveRequest,
    reference: Reference | None = None,
) -> MoveResult:
    """Decide the customer's move, carry it out at the premises and commit, in one database
    transaction. A caller making many moves passes the partners and cycle reads
    (`Reference`) it read once."""
    with sessions() as session:
        decider = MoveDecider(SqlMarketReader(session), market, REQUESTS, reference=reference)
        plan = decider.decide(request)
        write_batch(session, decider.flush())
        confirmation = None
        if plan.verdict.outcome != "reject":
            store = SqlServiceStore(session)
            unit = ServiceUnit(store, today=market.today, now=market.now)
            confirmation = carry_out(unit, market, plan)
            store.write(unit.writes)
        session.commit()
    return MoveResult(plan.verdict, plan.reference, tuple(plan.notices), confirmation)
