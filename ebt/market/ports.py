"""What the market core asks of the store, as a protocol: the store implements it
(`ebt.store.market_reader.SqlMarketReader`), tests may fake it. The core never sees a
database, only these answers as plain objects."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Protocol

from ebt.market.account import AccountAggregate
from ebt.market.facts import MeterFacts
from ebt.market.reference import Reference


class MarketReader(Protocol):
    def reference(self) -> Reference:
        """The registered partners and the cycle read schedule."""
        ...

    def accounts(
        self, numbers: Collection[str], on: date
    ) -> tuple[list[AccountAggregate], dict[int, tuple[MeterFacts, ...]]]:
        """The accounts with these numbers (those that exist, by number), each with its
        supplier periods by start and its pending processes, the periods joined to the
        pending process that made them; and the meters installed on `on` at each of their
        premises (every premise a key)."""
        ...

    def decided_requests(self, references: Collection[str]) -> set[tuple[str, str]]:
        """(sender, BGN02) of the requests with these references already decided."""
        ...
