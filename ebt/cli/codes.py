"""`ebt codes`: look a code up in the catalogue (transactions/codes.json), or list them."""

from __future__ import annotations

import json
from typing import Any

import click

from ebt.cli.render import Table, tables
from ebt.cli.sources import format_option
from ebt.codes import Catalogue, Code, CodeList, codes_of, default_catalogue

# the kinds, for the help; tests/test_codes.py holds it equal to the catalogue's
KINDS_HELP = (
    "reject (REF*7G), status (REF*1P), change (REF*TD), purpose, action, maintenance, "
    "billing-option, id-qualifier, contact-function, communication, product-qualifier, "
    "commodity, service, entity-type, state, functional-id, set-id, ak3, ak4, ak5, "
    "ak5-error, ak9, ak9-error, ta1 (TA104), ta1-note (TA105), advice-status (824 OTI01), "
    "advice-reference, advice-error (824 TED01), interchange-id-qualifier, finding"
)


def code_json(code: Code, catalogue: Catalogue) -> dict[str, Any]:
    """One code with its list, for programs."""
    home = catalogue.lists[code.kind]
    extra: dict[str, Any] = {}
    if code.severity is not None or code.fix is not None:
        extra = {
            "severity": code.severity,
            "fix": code.fix,
            "acknowledged_as": [{"kind": k, "code": v} for k, v in code.acknowledged_as],
        }
    return {
        "code": code.code,
        "meaning": code.meaning,
        "source": code.source.value,
        "kind": code.kind,
        "list": home.title,
        "element": home.element,
        **extra,
    }


def _heading(home: CodeList, *, bold: bool = True) -> str:
    kept = "; ".join(home.kept_in)
    title = click.style(home.title, bold=True) if bold else home.title
    return f"{title} ({home.kind}): {home.element} [{home.source}]; kept in {kept}"


def _tag(code: Code, home: CodeList) -> str:
    return f" [{code.source}]" if code.source != home.source else ""


def _listing(codes: list[Code], catalogue: Catalogue) -> str:
    blocks: list[str] = []
    for kind in dict.fromkeys(c.kind for c in codes):
        home = catalogue.lists[kind]
        mine = [c for c in codes if c.kind == kind]
        width = max(len(c.code) for c in mine)
        lines = [_heading(home)]
        for code in mine:
            lines.append(f"  {code.code:<{width}}  {code.meaning}{_tag(code, home)}")
            if code.fix:
                lines.append(f"  {'':<{width}}  fix: {code.fix}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _tables(codes: list[Code], catalogue: Catalogue) -> list[Table]:
    """The listing for a terminal: a table a list, titled with its heading."""
    drawn = []
    for kind in dict.fromkeys(c.kind for c in codes):
        home = catalogue.lists[kind]
        mine = [c for c in codes if c.kind == kind]
        fixes = any(c.fix for c in mine)
        headers = ("code", "meaning", "fix") if fixes else ("code", "meaning")
        rows = [(c.code, c.meaning + _tag(c, home), c.fix or "")[: len(headers)] for c in mine]
        drawn.append(Table(headers, rows, _heading(home, bold=False)))
    return drawn


def _found(codes: list[Code], catalogue: Catalogue) -> str:
    lines = []
    for code in codes:
        home = catalogue.lists[code.kind]
        lines.append(f"{click.style(code.code, bold=True)}  {code.meaning}")
        lines.append(f"  {home.title} ({home.kind}): {home.element} [{code.source}]")
        if code.fix:
            lines.append(f"  fix: {code.fix}")
    return "\n".join(lines)


@click.command(
    epilog=f"""A code may be in several lists (5 is an AK3, AK4, AK5 and AK9 code): each is
shown with its list. KIND is one of: {KINDS_HELP}. Sources, as domain.md tags facts: [X12]
the ASC X12 code lists, [UIG] the UIG 4010 family of guides, [ME] Maine's own standards,
[PROJECT] this project's convention. Exit status: 0 found, 1 no such code, 2 usage.

\b
Examples:
  ebt codes A13
  ebt codes 5 --kind ak5-error
  ebt codes --kind reject
  ebt codes ELEMENT-MISSING --format json
""",
)
@click.argument("code", required=False)
@click.option("--kind", metavar="KIND", help="Only this list (see below for the kinds).")
@format_option
def codes(code: str | None, kind: str | None, fmt: str) -> None:
    """Every code ebt shows, with its meaning and where it comes from: REF*7G and REF*1P
    reasons, 997 AK3/AK4/AK5/AK9 codes, TA1 codes, 824 codes, finding codes and the 814's
    other code lists. With CODE, that code in every list that has it; without, every code."""
    catalogue = default_catalogue()
    if kind is not None and kind not in catalogue.lists:
        raise click.BadParameter(
            f"{kind!r} is not a kind; use one of {', '.join(catalogue.lists)}",
            param_hint="--kind",
        )
    kinds = [kind] if kind else None
    found = catalogue.find(code, kind) if code is not None else codes_of(catalogue, kinds)
    if not found:
        where = f"the {kind} list" if kind else "the catalogue"
        click.echo(f"no code {code!r} in {where}; `ebt codes` lists them all", err=True)
        raise SystemExit(1)
    if fmt == "json":
        click.echo(json.dumps({"codes": [code_json(c, catalogue) for c in found]}, indent=2))
    elif code is None:
        tables(_tables(found, catalogue), [_listing(found, catalogue)])
    else:
        click.echo(_found(found, catalogue))
