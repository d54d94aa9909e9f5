"""The console's pages: thin handlers that ask the query layer and render one template (or
its JSON twin). Each takes the user's scope, so a supplier's user gets 404 for anything not
its own, exactly as for what does not exist."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import islice
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from ebt.console import svg
from ebt.console.app import Context, context, render, wants_json
from ebt.console.guard import require
from ebt.market.replay import counts
from ebt.queries import accounts, decisions, files, listing, rules, today, workitems
from ebt.queries.codes import meaning
from ebt.queries.paging import PER_PAGE, fetch
from ebt.rules.tables import Outcome, Table
from ebt.services.replay import Selection, replay, rules_for
from ebt.store.schema import ConsoleAction

Handler = Callable[[Request], Response]


def _int(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        return default


def _day(request: Request, name: str) -> date | None:
    try:
        value = request.query_params.get(name)
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _path_int(request: Request, name: str) -> int:
    try:
        return int(request.path_params[name])
    except (KeyError, ValueError):
        raise HTTPException(404, "There is no such page.") from None


def home(request: Request) -> Response:
    context(request)
    return RedirectResponse("/today", status_code=303)


# -- Today ------------------------------------------------------------------------------------


def today_page(request: Request) -> Response:
    ctx = context(request)
    with ctx.session() as session:
        view = today.today(session, ctx.scope, ctx.now, ack_due_hours=ctx.settings.ack_due_hours)
    charts = {
        "files_chart": svg.bars(
            view.days, view.files_per_day, "Files in and out per business day", grouped=True
        ),
        "transactions_chart": svg.bars(
            view.days, view.transactions_per_day, "Transactions received per business day"
        ),
        "rejects_chart": svg.bars(view.days, view.rejects_per_day, "Rejects per day by code"),
    }
    return render(ctx, request, "today.html", {"today": view}, extra=charts)


# -- Files ------------------------------------------------------------------------------------


def files_page(request: Request) -> Response:
    ctx = context(request)
    q = request.query_params
    where = files.FileFilter(
        direction="out" if q.get("direction") == "out" else "in",
        partner=q.get("partner") or None,
        state=q.get("state") or None,
        since=_day(request, "since"),
        until=_day(request, "until"),
    )
    with ctx.session() as session:
        found = files.list_files(
            session,
            ctx.scope,
            where,
            now=ctx.now,
            ack_due_hours=ctx.settings.ack_due_hours,
            page=_int(request, "page", 1),
            per_page=_int(request, "per_page", PER_PAGE),
        )
        partners = files.partners(session, ctx.scope)
    states = files.OUTBOUND_STATES if where.direction == "out" else files.INBOUND_STATES
    return render(
        ctx,
        request,
        "files.html",
        {"filter": where, "files": found},
        extra={"partners": partners, "states": states},
    )


def inbound_file_page(request: Request) -> Response:
    ctx = context(request)
    file_id = _path_int(request, "file_id")
    start = max(_int(request, "from", 1), 1)
    with ctx.session() as session:
        view = files.inbound_file(
            session, ctx.scope, file_id, page=_int(request, "page", 1), per_page=PER_PAGE
        )
        if view is None:
            raise HTTPException(404, "There is no such file.")
        actions = _actions_on(session, f"file:{view.name}") if ctx.user.may("reprocess") else ()
    listed = listing.listing(
        view.original, view.findings, start=start, interchanges=len(view.interchanges)
    )
    meanings = {f.code: meaning("finding", f.code) for f in view.findings}
    return render(
        ctx,
        request,
        "inbound_file.html",
        {"file": view, "listing": listed},
        extra={"meanings": meanings, "actions": actions},
    )


def _actions_on(session: Session, target: str) -> tuple[ConsoleAction, ...]:
    return tuple(
        session.scalars(
            select(ConsoleAction).where(ConsoleAction.target == target).order_by(ConsoleAction.id)
        )
    )


def inbound_original(request: Request) -> Response:
    ctx = context(request)
    with ctx.session() as session:
        view = files.inbound_file(session, ctx.scope, _path_int(request, "file_id"), per_page=1)
    if view is None:
        raise HTTPException(404, "There is no such file.")
    return _download(view.original, view.name)


def _download(original: str | None, name: str) -> Response:
    path = Path(original) if original else None
    if path is None or not path.is_file():
        raise HTTPException(404, f"The original of {name} is not kept where the store says.")
    return FileResponse(path, media_type="application/octet-stream", filename=name)


def outbound_file_page(request: Request) -> Response:
    ctx = context(request)
    with ctx.session() as session:
        view = files.outbound_file(
            session,
            ctx.scope,
            _path_int(request, "file_id"),
            now=ctx.now,
            ack_due_hours=ctx.settings.ack_due_hours,
            page=_int(request, "page", 1),
        )
        if view is None:
            raise HTTPException(404, "There is no such file.")
        done = _actions_on(session, f"file:{view.name}") if ctx.user.may("resend") else ()
    return render(ctx, request, "outbound_file.html", {"file": view}, extra={"actions": done})


def outbound_original(request: Request) -> Response:
    ctx = context(request)
    with ctx.session() as session:
        view = files.outbound_file(
            session, ctx.scope, _path_int(request, "file_id"), now=ctx.now, per_page=1
        )
    if view is None:
        raise HTTPException(404, "There is no such file.")
    return _download(str(_sent_copy(ctx, view)), view.name)


def _sent_copy(ctx: Context, view: files.OutboundFileView) -> Path:
    """The file in the partner's folder, else the copy kept under archive/sent/."""
    delivered = Path(view.folder) / view.name
    config = ctx.settings.config
    if delivered.is_file() or config is None:
        return delivered
    when = view.sent_at
    return config.archive / "sent" / f"{when:%Y}" / f"{when:%m}" / f"{when:%d}" / view.name


def file_by_name(request: Request) -> Response:
    """/files/named/NAME: the newest inbound file of that name, else the outbound one."""
    ctx = context(request)
    name = request.path_params["name"]
    with ctx.session() as session:
        inbound = files.inbound_file_id(session, ctx.scope, name)
        outbound = None if inbound else files.outbound_file_id(session, ctx.scope, name)
    if inbound:
        return RedirectResponse(f"/files/in/{inbound}", status_code=303)
    if outbound:
        return RedirectResponse(f"/files/out/{outbound}", status_code=303)
    raise HTTPException(404, "There is no such file.")


# -- Accounts ---------------------------------------------------------------------------------


def accounts_page(request: Request) -> Response:
    ctx = context(request)
    by = request.query_params.get("by", "account")
    by = by if by in accounts.SEARCH_BY else "account"
    text = request.query_params.get("q", "").strip()
    found = None
    if text:
        with ctx.session() as session:
            found = accounts.find_accounts(
                session, ctx.scope, by, text, page=_int(request, "page", 1)
            )
        if (
            found.number == 1
            and len(found.rows) == 1
            and not found.more
            and not wants_json(request)
        ):
            return RedirectResponse(f"/accounts/{found.rows[0].number}", status_code=303)
    return render(
        ctx,
        request,
        "accounts.html",
        {"by": by, "q": text, "accounts": found},
        extra={"choices": accounts.SEARCH_BY},
    )


def account_page(request: Request) -> Response:
    ctx = context(request)
    with ctx.session() as session:
        view = accounts.account(
            session,
            ctx.scope,
            request.path_params["number"],
            ctx.now.date(),
            page=_int(request, "page", 1),
        )
    if view is None:
        raise HTTPException(404, "There is no such account.")
    drawing = svg.timeline(view.periods, view.markers, view.today)
    return render(ctx, request, "account.html", {"account": view}, extra={"timeline": drawing})


# -- Decisions --------------------------------------------------------------------------------


def decisions_page(request: Request) -> Response:
    ctx = context(request)
    reference = request.query_params.get("reference", "").strip()
    found: tuple[decisions.Explanation, ...] = ()
    if reference:
        with ctx.session() as session:
            found = decisions.explanations(session, ctx.scope, reference=reference)
        if len(found) == 1 and not wants_json(request):
            return RedirectResponse(f"/decisions/{found[0].id}", status_code=303)
    return render(ctx, request, "decisions.html", {"reference": reference, "decisions": found})


def decision_page(request: Request) -> Response:
    ctx = context(request)
    with ctx.session() as session:
        found = decisions.explanations(
            session, ctx.scope, decision_id=_path_int(request, "decision_id")
        )
    if not found:
        raise HTTPException(404, "There is no such decision.")
    item = found[0]
    drawing = (
        svg.decision_diagram(
            item.table,
            [(s.step, s.answer) for s in item.steps],
            _meanings(item.decided_on),
        )
        if item.table
        else None
    )
    return render(ctx, request, "decision.html", {"decision": item}, extra={"diagram": drawing})


REPLAY_CAP = 2000  # decisions a page replays; `ebt replay` takes any number


def replay_page(request: Request) -> Response:
    """A file's or a range of days' decisions evaluated again under the tables then or now
    (read-only): those whose outcome, code or effective date would change, with the steps
    that part, then the count of each outcome pair. Operators and admins; a file the user
    may not see is 404."""
    ctx = context(request)
    require(ctx.user, "replay")
    file_id = _int(request, "file", 0) or None  # ids start at 1
    first, last = _day(request, "from"), _day(request, "to")
    choice = request.query_params.get("rules", "then")
    if choice not in ("then", "now"):
        raise HTTPException(400, "rules is then or now (a draft file: `ebt replay --rules PATH`).")
    data: dict[str, object] = {
        "file": file_id,
        "first": first,
        "last": last,
        "choice": choice,
        "items": None,
        "cap": REPLAY_CAP,
    }
    if file_id is None and first is None and last is None:
        return render(ctx, request, "replay.html", data)
    with ctx.session() as session:
        if file_id is not None and files.inbound_file(session, ctx.scope, file_id) is None:
            raise HTTPException(404, "There is no such file.")
        selection = Selection(
            file_id=file_id, first=first, last=last, where=ctx.scope.inbound_files()
        )
        replayed = list(
            islice(replay(session, selection, rules_for(choice, ctx.now.date())), REPLAY_CAP + 1)
        )
    shown = replayed[:REPLAY_CAP]
    data["more"] = len(replayed) > REPLAY_CAP
    data["items"] = shown
    data["changed"] = [r for r in shown if r.changed]
    data["counts"] = sorted(counts(shown).items())
    return render(ctx, request, "replay.html", data)


def _meanings(on: date) -> dict[str, str]:
    codes = {o.code for t in rules.rulebook(on).tables.values() for v in t for o in _outcomes(v)}
    return {c: m for c in codes if c and (m := meaning("rejection", c))}


def _outcomes(table: Table) -> list[Outcome]:
    return [n for s in table.steps.values() for n in (s.yes, s.no) if isinstance(n, Outcome)]


# -- Work items -------------------------------------------------------------------------------


def workitems_page(request: Request) -> Response:
    ctx = context(request)
    if ctx.scope.is_supplier:
        raise HTTPException(404, "There is no such page.")
    status = request.query_params.get("status", "open")
    kind = request.query_params.get("kind") or None
    with ctx.session() as session:
        found = workitems.work_items(
            session,
            ctx.scope,
            status=None if status == "all" else status,
            kind=kind,
            page=_int(request, "page", 1),
        )
        kinds = workitems.work_item_kinds(session, ctx.scope)
    return render(
        ctx,
        request,
        "workitems.html",
        {"status": status, "kind": kind, "work_items": found},
        extra={"kinds": kinds},
    )


def workitem_page(request: Request) -> Response:
    ctx = context(request)
    item_id = _path_int(request, "item_id")
    with ctx.session() as session:
        item = workitems.work_item(session, ctx.scope, item_id)
        if item is None:
            raise HTTPException(404, "There is no such work item.")
        done = workitems.resolutions(session, item_id)
    return render(ctx, request, "workitem.html", {"work_item": item, "resolutions": done})


# -- Rules ------------------------------------------------------------------------------------


def rules_page(request: Request) -> Response:
    ctx = context(request)
    on = ctx.now.date()
    version, valid_from, values = rules.parameters(on)
    return render(
        ctx,
        request,
        "rules.html",
        {
            "tables": rules.tables(on),
            "parameters": {"version": version, "valid_from": valid_from, "values": values},
        },
    )


def rule_table_page(request: Request) -> Response:
    ctx = context(request)
    on = ctx.now.date()
    table = rules.table(request.path_params["name"], request.path_params["version"], on)
    if table is None:
        raise HTTPException(404, "There is no such rule table.")
    outcomes = {
        step_id: {"yes": rules.outcome_text(s.yes, on), "no": rules.outcome_text(s.no, on)}
        for step_id, s in table.steps.items()
    }
    drawing = svg.decision_diagram(table, (), _meanings(on))
    return render(
        ctx,
        request,
        "rule_table.html",
        {"table": table},
        extra={"diagram": drawing, "outcomes": outcomes},
    )


# -- the audit trail (admins) -----------------------------------------------------------------


def audit_page(request: Request) -> Response:
    ctx = context(request)
    require(ctx.user, "audit")
    page = _int(request, "page", 1)
    with ctx.session() as session:
        rows, more = fetch(
            session, select(ConsoleAction).order_by(ConsoleAction.id.desc()), page, PER_PAGE
        )
    done = [
        {
            "at": r[0].at,
            "user": r[0].user,
            "role": r[0].role,
            "action": r[0].action,
            "target": r[0].target,
            "outcome": r[0].outcome,
            "note": r[0].note,
            "address": r[0].address,
        }
        for r in rows
    ]
    return render(ctx, request, "audit.html", {"actions": done, "page": page, "more": more})


def routes() -> list[Route]:
    """Each page at its path and at path.json (its JSON twin)."""
    pages: list[tuple[str, Handler]] = [
        ("/today", today_page),
        ("/files", files_page),
        ("/files/in/{file_id}", inbound_file_page),
        ("/files/out/{file_id}", outbound_file_page),
        ("/accounts", accounts_page),
        ("/accounts/{number}", account_page),
        ("/decisions", decisions_page),
        ("/decisions/{decision_id}", decision_page),
        ("/workitems", workitems_page),
        ("/workitems/{item_id}", workitem_page),
        ("/rules", rules_page),
        ("/rules/{name}/{version}", rule_table_page),
        ("/audit", audit_page),
    ]
    # the twins first: /accounts/{number} would otherwise take "/accounts/N.json" as N.json
    # replay before /decisions/{decision_id}, and without a JSON twin (`ebt replay --format
    # json` is the program's way)
    out = [Route("/decisions/replay", replay_page, methods=["GET"])]
    out += [Route(f"{path}.json", handler, methods=["GET"]) for path, handler in pages]
    out += [Route(path, handler, methods=["GET"]) for path, handler in pages]
    out += [
        Route("/files/in/{file_id}/original", inbound_original, methods=["GET"]),
        Route("/files/out/{file_id}/original", outbound_original, methods=["GET"]),
        Route("/files/named/{name}", file_by_name, methods=["GET"]),
    ]
    return out
