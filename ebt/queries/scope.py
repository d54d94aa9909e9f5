"""Who may see which rows: the T&D's staff see everything; a CES's user sees only its own.

A supplier's own rows are exactly what the channel rule gives it (docs/operations.md, *The
channel is the sender*): the inbound files claimed from its folder (or, for a file `ebt
process` read without a folder, one whose every interchange it sent), the transactions in
them, the outbound files addressed to it, and the accounts it serves (any supplier period of
its own) or asked about (a transaction of its own names the account).
Every query in this package takes a `Scope` and applies these clauses, so a row outside it
is never read: the console answers 404 for it, exactly as for a row that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from ebt.store.schema import (
    Account,
    Decision,
    InboundFile,
    Interchange,
    OutboundFile,
    Process,
    SupplierPeriod,
    TradingPartner,
    Transaction,
)


@dataclass(frozen=True, slots=True)
class Scope:
    """Everything (`ces` None), or one CES: its DUNS and every ISA id it uses."""

    ces: str | None = None
    ids: frozenset[str] = frozenset()

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @classmethod
    def supplier(cls, duns: str, ids: frozenset[str] = frozenset()) -> Scope:
        return cls(ces=duns, ids=frozenset({duns, *ids}))

    @property
    def is_supplier(self) -> bool:
        return self.ces is not None

    # -- clauses ---------------------------------------------------------------------------

    def inbound_files(self) -> ColumnElement[bool]:
        """Inbound files of the supplier's channel."""
        if self.ces is None:
            return true()
        ids = sorted(self.ids)
        theirs = exists().where(Interchange.file_id == InboundFile.id, Interchange.sender.in_(ids))
        others = exists().where(
            Interchange.file_id == InboundFile.id, Interchange.sender.not_in(ids)
        )
        folderless = and_(InboundFile.partner.is_(None), theirs, not_(others))
        return or_(InboundFile.partner.in_(ids), folderless)

    def interchanges(
        self, interchange: Any = Interchange, file: Any = InboundFile
    ) -> ColumnElement[bool]:
        """Interchanges of the supplier's channel (joined with their file; `interchange` and
        `file` may be aliases)."""
        if self.ces is None:
            return true()
        ids = sorted(self.ids)
        return or_(
            file.partner.in_(ids),
            and_(file.partner.is_(None), interchange.sender.in_(ids)),
        )

    def transactions(self) -> ColumnElement[bool]:
        """Transactions of the supplier's channel, as a clause on Transaction alone."""
        if self.ces is None:
            return true()
        visible = (
            select(Interchange.id)
            .join(InboundFile, InboundFile.id == Interchange.file_id)
            .where(self.interchanges())
        )
        return Transaction.interchange_id.in_(visible)

    def outbound_files(self) -> ColumnElement[bool]:
        if self.ces is None:
            return true()
        return OutboundFile.recipient.in_(sorted(self.ids))

    def decisions(self) -> ColumnElement[bool]:
        """Decisions on the supplier's own transactions or processes (correlated, so that a
        lookup by reference or id checks only the rows it found; aliased, so that a query
        already joining these tables keeps its own)."""
        if self.ces is None:
            return true()
        process, partner = aliased(Process), aliased(TradingPartner)
        transaction, interchange, file = (
            aliased(Transaction),
            aliased(Interchange),
            aliased(InboundFile),
        )
        own_process = exists().where(
            process.id == Decision.process_id,
            process.ces_id == partner.id,
            partner.duns.in_(sorted(self.ids)),
        )
        own_transaction = exists().where(
            transaction.id == Decision.transaction_id,
            interchange.id == transaction.interchange_id,
            file.id == interchange.file_id,
            self.interchanges(interchange, file),
        )
        return or_(own_transaction, own_process)

    def accounts(self) -> ColumnElement[bool]:
        """Accounts the supplier serves or asked about, as a clause on Account."""
        if self.ces is None:
            return true()
        partner_ids = select(TradingPartner.id).where(TradingPartner.duns.in_(sorted(self.ids)))
        serves = exists().where(
            SupplierPeriod.account_id == Account.id, SupplierPeriod.supplier_id.in_(partner_ids)
        )
        asked = exists().where(Transaction.account_number == Account.number, self.transactions())
        # (a process of the supplier's own is one of its requests, or of an account it served:
        # covered by the two checks above, which read indexes only)
        return or_(serves, asked)

    def work_items(self) -> ColumnElement[bool]:
        """Work items are the T&D's own exceptions: a supplier sees none."""
        return true() if self.ces is None else false()

    def sees_account(self, session: Session, account_id: int) -> bool:
        if self.ces is None:
            return True
        found = session.scalar(
            select(Account.id).where(Account.id == account_id).where(self.accounts())
        )
        return found is not None
