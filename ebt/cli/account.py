"""`ebt account show`, `ebt explain`, `ebt find`: what the store knows, for an analyst."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ebt.cli.account_history import history_text, history_view
from ebt.cli.clock import now
from ebt.cli.render import table
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_store
from ebt.codes import default_catalogue
from ebt.data.market import load_rules
from ebt.queries.accounts import period_status, process_state
from ebt.rules.tables import RuleBook, read_steps
from ebt.store.schema import (
    Account,
    Decision,
    Meter,
    MeterInstallation,
    Premise,
    Process,
    SupplierPeriod,
    TradingPartner,
    Transaction,
)

STANDARD_OFFER = "STANDARD_OFFER"


def reject_meaning(code: str | None) -> str | None:
    """What a decision's REF*7G code means (None without a code)."""
    return None if code is None else default_catalogue().meaning("reject", code)


def reject_label(code: str) -> str:
    """A decision's REF*7G code with its meaning: `A13 (other)`."""
    return default_catalogue().label("reject", code)


def account_view(session: Session, number: str, today: date) -> dict[str, Any] | None:
    account = session.scalar(select(Account).where(Account.number == number))
    if account is None:
        return None
    partners = {p.id: p for p in session.scalars(select(TradingPartner))}
    premise = session.get(Premise, account.premise_id)
    periods = session.scalars(
        select(SupplierPeriod)
        .where(SupplierPeriod.account_id == account.id)
        .order_by(SupplierPeriod.start, SupplierPeriod.id)
    ).all()
    processes = session.scalars(
        select(Process).where(Process.account_id == account.id).order_by(Process.id)
    ).all()
    transactions = session.scalars(
        select(Transaction).where(Transaction.account_number == number).order_by(Transaction.id)
    ).all()
    decisions = {
        d.transaction_id: d
        for d in session.scalars(
            select(Decision).where(Decision.transaction_id.in_([t.id for t in transactions]))
        )
    }
    meters = session.execute(
        select(Meter, MeterInstallation)
        .join(MeterInstallation, MeterInstallation.meter_id == Meter.id)
        .where(MeterInstallation.premise_id == account.premise_id)
        .order_by(MeterInstallation.installed_on, MeterInstallation.id)
    ).all()

    def supplier(partner_id: int | None) -> str:
        return partners[partner_id].duns if partner_id is not None else STANDARD_OFFER

    return {
        "account": account.number,
        "customer_name": account.customer_name,
        "status": account.status,
        "bill_cycle": account.bill_cycle,
        "rate_class": account.rate_class,
        "premise": None
        if premise is None
        else {
            "number": premise.number,
            "street": premise.street,
            "city": premise.city,
            "state": premise.state,
            "postal_code": premise.postal_code,
        },
        "supplier_periods": [
            {
                "supplier": supplier(p.supplier_id),
                "supplier_name": partners[p.supplier_id].name
                if p.supplier_id
                else "Standard Offer",
                "start": p.start.isoformat(),
                "end": p.end.isoformat() if p.end else None,
                "status": period_status(p, today),
                "billing_option": p.billing_option,
                "ces_rate_code": p.ces_rate_code,
            }
            for p in periods
        ],
        "processes": [
            {
                "id": p.id,
                "kind": p.kind,
                "state": process_state(p, today),
                "ces": supplier(p.ces_id) if p.ces_id else None,
                "reference": p.reference,
                "requested_on": p.requested_on.isoformat(),
                "effective_on": p.effective_on.isoformat() if p.effective_on else None,
                "fee": str(p.fee) if p.fee is not None else None,
            }
            for p in processes
        ],
        "transactions": [
            {
                "reference": t.reference,
                "kind": t.kind,
                "status": t.status,
                "sender": t.sender,
                "received_at": t.received_at.isoformat(timespec="seconds"),
                "decision": None
                if t.id not in decisions
                else {
                    "table": decisions[t.id].table_name,
                    "version": decisions[t.id].table_version,
                    "outcome": decisions[t.id].outcome,
                    "code": decisions[t.id].code,
                    "code_meaning": reject_meaning(decisions[t.id].code),
                },
            }
            for t in transactions
        ],
        "meters": [
            {
                "number": m.number,
                "type": m.type,
                "smart": m.smart,
                "multiplier": str(m.multiplier_active),
                "rate_structures": m.rate_structures,
                "installed_on": i.installed_on.isoformat(),
                "removed_on": i.removed_on.isoformat() if i.removed_on else None,
            }
            for m, i in meters
        ],
        **history_view(session, account, today),
    }


def _text(view: dict[str, Any]) -> str:
    lines = [
        click.style(f"account {view['account']}", bold=True)
        + f"  {view['customer_name']}  ({view['status']}, bill cycle {view['bill_cycle']})"
    ]
    premise = view["premise"]
    if premise:
        lines.append(
            f"  service address: {premise['street']}, {premise['city']} "
            f"{premise['state']} {premise['postal_code']}"
        )
    lines.append("  supplier of record:")
    for p in view["supplier_periods"]:
        end = p["end"] or "…"
        lines.append(
            f"    {p['start']} → {end:<10}  {p['status']:<9}  {p['supplier_name']} "
            f"({p['supplier']})"
        )
    if view["processes"]:
        lines.append("  processes:")
        for p in view["processes"]:
            lines.append(
                f"    #{p['id']:<5} {p['kind']:<14} {p['state']:<9} "
                f"effective {p['effective_on'] or '-'}  ref {p['reference'] or '-'}"
            )
    if view["transactions"]:
        lines.append("  transactions:")
        for t in view["transactions"]:
            decision = t["decision"]
            said = (
                decision["outcome"]
                + (f" {reject_label(decision['code'])}" if decision["code"] else "")
                if decision
                else t["status"]
            )
            lines.append(
                f"    {t['received_at']}  {t['kind'] or '?':<22} {t['reference'] or '-':<24} {said}"
            )
    if view["meters"]:
        lines.append("  meters:")
        for m in view["meters"]:
            lines.append(
                f"    {m['number']}  {m['type']}  x{m['multiplier']}  "
                f"{'smart ' if m['smart'] else ''}{m['rate_structures']}  "
                f"from {m['installed_on']}" + (f" to {m['removed_on']}" if m["removed_on"] else "")
            )
    lines += history_text(view)
    return "\n".join(lines)


@click.group(
    epilog="""\b
Examples:
  ebt account show 00412345678
  ebt account show 00123098765 --format json
""",
)
def account() -> None:
    """Look at accounts: who serves one, since when, what it asked and what was decided."""


@account.command(
    "show",
    epilog="""\b
Examples:
  ebt account show 00412345678
  ebt account show 00123098765 --format json
""",
)
@click.argument("number")
@format_option
@db_option
def show_account(number: str, fmt: str, db: str | None) -> None:
    """The supplier-of-record timeline, processes, transactions with their decisions and the
    meters of account NUMBER."""
    sessions = open_store(db)
    with sessions() as session:
        view = account_view(session, number, now().date())
    if view is None:
        raise click.ClickException(f"no account {number!r}; try `ebt find --name ...`")
    click.echo(json.dumps(view, indent=2) if fmt == "json" else _text(view))


@click.command(
    epilog="""\b
Examples:
  ebt explain PTP-ENR-20261102-0001
  ebt explain KSS-DRP-20261103-0042 --format json
""",
)
@click.argument("reference")
@format_option
@db_option
def explain(reference: str, fmt: str, db: str | None) -> None:
    """How the request with BGN02 REFERENCE was decided: the rule table and version, each
    step with its question and answer, and the outcome with its code."""
    sessions = open_store(db)
    rulebook = load_rules(now().date())
    with sessions() as session:
        rows = session.execute(
            select(Decision, Transaction, Process, Account)
            .outerjoin(Transaction, Transaction.id == Decision.transaction_id)
            .outerjoin(Process, Process.id == Decision.process_id)
            .outerjoin(Account, Account.id == Process.account_id)
            .where(Decision.reference == reference)
            .order_by(Decision.id)
        ).all()
        found: list[dict[str, Any]] = [
            {
                "reference": reference,
                # a decision the T&D took on a customer's call has no inbound transaction
                "kind": t.kind if t else p.kind if p else None,
                "sender": t.sender if t else "T&D",
                "account": t.account_number if t else a.number if a else None,
                "received_at": (t.received_at if t else p.created_at).isoformat(timespec="seconds"),
                "table": d.table_name,
                "version": d.table_version,
                "steps": read_steps(d.steps, rulebook.version(d.table_name, d.table_version)),
                "outcome": d.outcome,
                "code": d.code,
                "code_meaning": reject_meaning(d.code),
                "decided_on": d.decided_on.isoformat(),
                "then": _policies(session, rulebook, d.process_id),
            }
            for d, t, p, a in rows
        ]
    if not found:
        raise click.ClickException(f"no decision for BGN02 {reference!r}")
    if fmt == "json":
        click.echo(json.dumps({"decisions": found}, indent=2))
        return
    for item in found:
        click.echo(
            click.style(f"{item['kind']} {reference}", bold=True)
            + f" from {item['sender']} for account {item['account'] or '(unknown)'}, received "
            f"{item['received_at']}"
        )
        click.echo(
            f"  table {item['table']} {item['version']} (rules/{item['table']}-"
            f"{item['version']}.json)"
        )
        for number, step in enumerate(item["steps"], start=1):
            answer = click.style(
                "yes" if step["answer"] else "no", fg="green" if step["answer"] else "yellow"
            )
            click.echo(f"  {number:>2}. {step['question']}  [{step['predicate']}] {answer}")
        meaning = item["code_meaning"] or "not in the rejection reason list"
        code = f" (REF*7G {item['code']}: {meaning})" if item["code"] else ""
        click.echo(f"  outcome: {click.style(item['outcome'], bold=True)}{code}")
        for policy in item["then"]:
            click.echo(
                f"  then table {policy['table']} {policy['version']}: "
                + "; ".join(
                    f"{s['question']} {'yes' if s['answer'] else 'no'}" for s in policy["steps"]
                )
                + f" -> {click.style(policy['outcome'], bold=True)}"
            )


def _policies(session: Session, rulebook: RuleBook, process_id: int | None) -> list[dict[str, Any]]:
    """The policy tables (drop date, off-cycle fee) decided for the request's process."""
    if process_id is None:
        return []
    rows = session.scalars(
        select(Decision)
        .where(Decision.process_id == process_id, Decision.reference.is_(None))
        .order_by(Decision.id)
    )
    return [
        {
            "table": d.table_name,
            "version": d.table_version,
            "steps": read_steps(d.steps, rulebook.version(d.table_name, d.table_version)),
            "outcome": d.outcome,
        }
        for d in rows
    ]


def _containing(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally."""
    literal = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{literal}%"


@click.command(
    epilog="""\b
Examples:
  ebt find --meter M100234
  ebt find --name "JANE DOE"
  ebt find --address "MAIN ST"
""",
)
@click.option("--meter", help="Meter number (exact).")
@click.option("--name", help="Part of the customer name.")
@click.option("--address", help="Part of the service street or city.")
@format_option
@db_option
def find(
    meter: str | None, name: str | None, address: str | None, fmt: str, db: str | None
) -> None:
    """Find accounts by meter number, customer name or service address."""
    if not (meter or name or address):
        raise click.UsageError("give --meter, --name or --address")
    sessions = open_store(db)
    query = select(Account, Premise).join(Premise, Premise.id == Account.premise_id)
    if meter:
        query = (
            query.join(MeterInstallation, MeterInstallation.premise_id == Premise.id)
            .join(Meter, Meter.id == MeterInstallation.meter_id)
            .where(Meter.number == meter)
        )
    if name:
        query = query.where(Account.customer_name.ilike(_containing(name), escape="\\"))
    if address:
        pattern = _containing(address)
        query = query.where(
            or_(
                Premise.street.ilike(pattern, escape="\\"),
                Premise.street2.ilike(pattern, escape="\\"),
                Premise.city.ilike(pattern, escape="\\"),
            )
        )
    with sessions() as session:
        rows = [
            {
                "account": a.number,
                "customer_name": a.customer_name,
                "status": a.status,
                "address": ", ".join(
                    filter(None, (p.street, p.street2, f"{p.city} {p.state} {p.postal_code}"))
                ),
            }
            for a, p in session.execute(query.order_by(Account.number).limit(200))
        ]
    if fmt == "json":
        click.echo(json.dumps({"accounts": rows}, indent=2))
        return
    table(
        ("account", "customer", "status", "address"),
        [[r["account"], r["customer_name"], r["status"], r["address"]] for r in rows],
        [
            f"{row['account']}  {row['customer_name']:<30} {row['status']:<7} {row['address']}"
            for row in rows
        ],
    )
    if not rows:
        click.echo("no account found", err=True)
