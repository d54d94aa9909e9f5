"""Initial store: every table of ebt.store.schema (schema version 1).

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "control_numbers",
        sa.Column("partner", sa.String(length=15), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("partner", name=op.f("pk_control_numbers")),
    )
    op.create_table(
        "cycle_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_cycle", sa.String(length=4), nullable=False),
        sa.Column("read_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_reads")),
        sa.UniqueConstraint("bill_cycle", "read_date", name=op.f("uq_cycle_reads_bill_cycle")),
    )
    op.create_index(op.f("ix_cycle_reads_bill_cycle"), "cycle_reads", ["bill_cycle"])
    op.create_table(
        "inbound_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_files")),
        sa.UniqueConstraint("sha256", name=op.f("uq_inbound_files_sha256")),
    )
    op.create_table(
        "meters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("smart", sa.Boolean(), nullable=False),
        sa.Column("multiplier_active", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("multiplier_reactive", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("multiplier_demand", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column("rate_structures", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meters")),
        sa.UniqueConstraint("number", name=op.f("uq_meters_number")),
    )
    op.create_table(
        "premises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("street", sa.String(length=55), nullable=False),
        sa.Column("street2", sa.String(length=55), nullable=True),
        sa.Column("city", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=15), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["premises.id"], name=op.f("fk_premises_parent_id_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premises")),
        sa.UniqueConstraint("number", name=op.f("uq_premises_number")),
    )
    op.create_table(
        "trading_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("duns", sa.String(length=13), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=3), nullable=False),
        sa.Column("licensed", sa.Boolean(), nullable=False),
        sa.Column("billing_options", sa.String(length=20), nullable=False),
        sa.Column("production", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_partners")),
        sa.UniqueConstraint("duns", name=op.f("uq_trading_partners_duns")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("customer_name", sa.String(length=60), nullable=False),
        sa.Column("premise_id", sa.Integer(), nullable=False),
        sa.Column("bill_cycle", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("services", sa.String(length=20), nullable=False),
        sa.Column("rate_class", sa.String(length=20), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["premise_id"], ["premises.id"], name=op.f("fk_accounts_premise_id_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("number", name=op.f("uq_accounts_number")),
    )
    op.create_index(op.f("ix_accounts_premise_id"), "accounts", ["premise_id"])
    op.create_table(
        "interchanges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("control", sa.String(length=9), nullable=False),
        sa.Column("sender", sa.String(length=15), nullable=False),
        sa.Column("receiver", sa.String(length=15), nullable=False),
        sa.Column("production", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["inbound_files.id"], name=op.f("fk_interchanges_file_id_inbound_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interchanges")),
    )
    op.create_index(op.f("ix_interchanges_file_id"), "interchanges", ["file_id"])
    op.create_table(
        "meter_installations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("premise_id", sa.Integer(), nullable=False),
        sa.Column("installed_on", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_meter_installations_meter_id_meters")
        ),
        sa.ForeignKeyConstraint(
            ["premise_id"], ["premises.id"], name=op.f("fk_meter_installations_premise_id_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_installations")),
    )
    op.create_index(op.f("ix_meter_installations_meter_id"), "meter_installations", ["meter_id"])
    op.create_index(
        op.f("ix_meter_installations_premise_id"), "meter_installations", ["premise_id"]
    )
    op.create_table(
        "landlord_agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("landlord_account_id", sa.Integer(), nullable=False),
        sa.Column("premise_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=4), nullable=False),
        sa.Column("season_start", sa.String(length=5), nullable=True),
        sa.Column("season_end", sa.String(length=5), nullable=True),
        sa.Column("reverts", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["landlord_account_id"],
            ["accounts.id"],
            name=op.f("fk_landlord_agreements_landlord_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["premise_id"], ["premises.id"], name=op.f("fk_landlord_agreements_premise_id_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landlord_agreements")),
    )
    op.create_index(
        op.f("ix_landlord_agreements_premise_id"), "landlord_agreements", ["premise_id"]
    )
    op.create_table(
        "meter_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meter_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("read_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_meter_reads_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["meter_id"], ["meters.id"], name=op.f("fk_meter_reads_meter_id_meters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meter_reads")),
    )
    op.create_index(op.f("ix_meter_reads_account_id"), "meter_reads", ["account_id"])
    op.create_index(op.f("ix_meter_reads_meter_id"), "meter_reads", ["meter_id"])
    op.create_table(
        "processes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("ces_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("fee", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_processes_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["ces_id"], ["trading_partners.id"], name=op.f("fk_processes_ces_id_trading_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processes")),
    )
    op.create_index("ix_processes_account_state", "processes", ["account_id", "state"])
    op.create_index(op.f("ix_processes_reference"), "processes", ["reference"])
    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interchange_id", sa.Integer(), nullable=False),
        sa.Column("group_control", sa.String(length=9), nullable=False),
        sa.Column("control", sa.String(length=9), nullable=False),
        sa.Column("set_id", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=True),
        sa.Column("reference", sa.String(length=30), nullable=True),
        sa.Column("sender", sa.String(length=15), nullable=True),
        sa.Column("account_number", sa.String(length=30), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["interchange_id"],
            ["interchanges.id"],
            name=op.f("fk_transactions_interchange_id_interchanges"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
    )
    op.create_index(op.f("ix_transactions_account_number"), "transactions", ["account_number"])
    op.create_index(op.f("ix_transactions_interchange_id"), "transactions", ["interchange_id"])
    op.create_index(op.f("ix_transactions_reference"), "transactions", ["reference"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=30), nullable=True),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("table_version", sa.String(length=20), nullable=False),
        sa.Column("steps", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("code", sa.String(length=3), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["process_id"], ["processes.id"], name=op.f("fk_decisions_process_id_processes")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_decisions_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    op.create_index(op.f("ix_decisions_process_id"), "decisions", ["process_id"])
    op.create_index(op.f("ix_decisions_reference"), "decisions", ["reference"])
    op.create_index(op.f("ix_decisions_transaction_id"), "decisions", ["transaction_id"])
    op.create_table(
        "final_bills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("bill_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("transferred_to_account_id", sa.Integer(), nullable=True),
        sa.Column("ces_id", sa.Integer(), nullable=True),
        sa.Column("receivable_carried_until", sa.Date(), nullable=True),
        sa.Column("written_off_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_final_bills_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["ces_id"], ["trading_partners.id"], name=op.f("fk_final_bills_ces_id_trading_partners")
        ),
        sa.ForeignKeyConstraint(
            ["process_id"], ["processes.id"], name=op.f("fk_final_bills_process_id_processes")
        ),
        sa.ForeignKeyConstraint(
            ["transferred_to_account_id"],
            ["accounts.id"],
            name=op.f("fk_final_bills_transferred_to_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_final_bills")),
    )
    op.create_index(op.f("ix_final_bills_account_id"), "final_bills", ["account_id"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("segment", sa.String(length=3), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("element", sa.String(length=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["file_id"], ["inbound_files.id"], name=op.f("fk_findings_file_id_inbound_files")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_findings_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    op.create_index(op.f("ix_findings_file_id"), "findings", ["file_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=15), nullable=False),
        sa.Column("set_id", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("account_number", sa.String(length=30), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["process_id"], ["processes.id"], name=op.f("fk_outbox_process_id_processes")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["transactions.id"],
            name=op.f("fk_outbox_transaction_id_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_account_number"), "outbox", ["account_number"])
    op.create_index(op.f("ix_outbox_process_id"), "outbox", ["process_id"])
    op.create_index("ix_outbox_unsent", "outbox", ["sent_at", "recipient"])
    op.create_table(
        "supplier_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=True),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("billing_option", sa.String(length=4), nullable=True),
        sa.Column("bill_calculator", sa.String(length=4), nullable=True),
        sa.Column("ces_rate_code", sa.String(length=30), nullable=True),
        sa.Column("ces_account", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_supplier_periods_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["process_id"], ["processes.id"], name=op.f("fk_supplier_periods_process_id_processes")
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["trading_partners.id"],
            name=op.f("fk_supplier_periods_supplier_id_trading_partners"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_periods")),
    )
    op.create_index(
        "ix_supplier_periods_account_start", "supplier_periods", ["account_id", "start"]
    )
    op.create_table(
        "work_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_work_items_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["process_id"], ["processes.id"], name=op.f("fk_work_items_process_id_processes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_items")),
    )
    op.create_index(op.f("ix_work_items_account_id"), "work_items", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_work_items_account_id"), table_name="work_items")
    op.drop_table("work_items")
    op.drop_index("ix_supplier_periods_account_start", table_name="supplier_periods")
    op.drop_table("supplier_periods")
    op.drop_index("ix_outbox_unsent", table_name="outbox")
    op.drop_index(op.f("ix_outbox_process_id"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_account_number"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_findings_file_id"), table_name="findings")
    op.drop_table("findings")
    op.drop_index(op.f("ix_final_bills_account_id"), table_name="final_bills")
    op.drop_table("final_bills")
    op.drop_index(op.f("ix_decisions_transaction_id"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_reference"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_process_id"), table_name="decisions")
    op.drop_table("decisions")
    op.drop_index(op.f("ix_transactions_reference"), table_name="transactions")
    op.drop_index(op.f("ix_transactions_interchange_id"), table_name="transactions")
    op.drop_index(op.f("ix_transactions_account_number"), table_name="transactions")
    op.drop_table("transactions")
    op.drop_index(op.f("ix_processes_reference"), table_name="processes")
    op.drop_index("ix_processes_account_state", table_name="processes")
    op.drop_table("processes")
    op.drop_index(op.f("ix_meter_reads_meter_id"), table_name="meter_reads")
    op.drop_index(op.f("ix_meter_reads_account_id"), table_name="meter_reads")
    op.drop_table("meter_reads")
    op.drop_index(op.f("ix_landlord_agreements_premise_id"), table_name="landlord_agreements")
    op.drop_table("landlord_agreements")
    op.drop_index(op.f("ix_meter_installations_premise_id"), table_name="meter_installations")
    op.drop_index(op.f("ix_meter_installations_meter_id"), table_name="meter_installations")
    op.drop_table("meter_installations")
    op.drop_index(op.f("ix_interchanges_file_id"), table_name="interchanges")
    op.drop_table("interchanges")
    op.drop_index(op.f("ix_accounts_premise_id"), table_name="accounts")
    op.drop_table("accounts")
    op.drop_table("trading_partners")
    op.drop_table("premises")
    op.drop_table("meters")
    op.drop_table("inbound_files")
    op.drop_index(op.f("ix_cycle_reads_bill_cycle"), table_name="cycle_reads")
    op.drop_table("cycle_reads")
    op.drop_table("control_numbers")
