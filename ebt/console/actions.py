"""What the console does, not only shows: log in and out, resolve a work item with a note,
resend a sent file, reprocess a received file.

Every action is a POST with the session's CSRF token; the role is checked here on the
server whatever the page showed; every action — done, refused or failed — is recorded in
`console_actions` with the user. Logins are limited per address and per name.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ebt.console.app import Context, action_row, context, render, settings_of
from ebt.console.guard import LoginRequired, check_csrf, csrf_token
from ebt.console.users import check_password
from ebt.data.market import load_market
from ebt.queries import files, workitems
from ebt.services.reprocess import ReprocessError, reprocess
from ebt.sweep.outbound import resend

NOTE_LIMIT = 2000


def _safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this console only."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/today"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/today"


def login_form(request: Request) -> Response:
    try:
        context(request)
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    except LoginRequired:
        pass
    csrf_token(request)
    return _form(request, None, 200)


def _form(request: Request, error: str | None, status: int, name: str = "") -> Response:
    return render(
        None,
        request,
        "login.html",
        {"error": error, "name": name, "next": _safe_next(request.query_params.get("next"))},
        status=status,
    )


async def login(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    settings = settings_of(request)
    name = str(form.get("name", ""))[:60]
    address = request.client.host if request.client else "?"
    wait = settings.limiter.retry_after(address, name)
    if wait:
        _remember(request, name, "login", "refused", "too many attempts")
        raise HTTPException(
            429,
            f"Too many failed attempts; try again in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    user = settings.users.get(name)
    if not check_password(user, str(form.get("password", ""))) or user is None:
        settings.limiter.failed(address, name)
        _remember(request, name, "login", "failed", None)
        return _form(request, "Wrong name or password.", 401, name)
    settings.limiter.succeeded(name)
    request.session.clear()
    request.session.update({"user": user.name, "role": user.role})
    csrf_token(request)
    _remember(request, name, "login", "done", None, role=user.role)
    return RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)


def _remember(
    request: Request, name: str, action: str, outcome: str, note: str | None, role: str = "-"
) -> None:
    settings = settings_of(request)
    with settings.sessions() as session:
        session.add(
            action_row(
                request,
                name or "(none)",
                role,
                action,
                target=None,
                outcome=outcome,
                note=note,
                now=settings.clock(),
            )
        )
        session.commit()


async def logout(request: Request) -> Response:
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def _checked(request: Request, action: str, target: str) -> tuple[Context, FormData]:
    """The user, once the form's CSRF token and the user's role allow `action`."""
    ctx = context(request)
    form = await request.form()
    check_csrf(request, form.get("csrf"))
    if not ctx.user.may(action):
        ctx.record(action, target, "refused", f"role {ctx.user.role} may not {action}")
        raise HTTPException(403, f"Your role ({ctx.user.role}) may not {action}.")
    return ctx, form


def _back(request: Request, path: str, message: str) -> Response:
    request.session["flash"] = message
    return RedirectResponse(path, status_code=303)


async def resolve_work_item(request: Request) -> Response:
    item_id = int(request.path_params["item_id"])
    target = f"work_item:{item_id}"
    ctx, form = await _checked(request, "resolve", target)
    note = str(form.get("note", "")).strip()
    if not note:
        return _back(request, f"/workitems/{item_id}", "Say what was done in the note first.")
    with ctx.session() as session:
        try:
            workitems.resolve(
                session,
                ctx.scope,
                item_id,
                ctx.now,
                resolution=f"resolved by console:{ctx.user.name}: {note[:NOTE_LIMIT]}",
            )
        except workitems.WorkItemError as error:
            session.rollback()
            ctx.record("resolve", target, "failed", str(error))
            raise HTTPException(404 if "no work item" in str(error) else 409, str(error)) from None
        session.add(
            action_row(
                request,
                ctx.user.name,
                ctx.user.role,
                "resolve",
                target=target,
                outcome="done",
                note=note[:NOTE_LIMIT],
                now=ctx.now,
            )
        )
        session.commit()
    return _back(request, f"/workitems/{item_id}", f"Work item #{item_id} resolved.")


async def resend_file(request: Request) -> Response:
    file_id = int(request.path_params["file_id"])
    ctx = context(request)
    with ctx.session() as session:
        view = files.outbound_file(session, ctx.scope, file_id, now=ctx.now, per_page=1)
    if view is None:
        raise HTTPException(404, "There is no such file.")
    target = f"file:{view.name}"
    ctx, form = await _checked(request, "resend", target)
    note = str(form.get("note", "")).strip()[:NOTE_LIMIT] or None
    count = resend(ctx.settings.sessions, view.name, ctx.now)
    ctx.record("resend", target, "done", note)
    return _back(
        request,
        f"/files/out/{file_id}",
        f"{count} message(s) of {view.name} are back in the outbox: the next outbound sweep "
        "sends them under a new control number.",
    )


async def reprocess_file(request: Request) -> Response:
    """Take a received file through the pipeline again (`ebt reprocess`), with the reason,
    recorded as the console's user."""
    file_id = int(request.path_params["file_id"])
    ctx = context(request)
    with ctx.session() as session:
        view = files.inbound_file(session, ctx.scope, file_id, per_page=1)
    if view is None:
        raise HTTPException(404, "There is no such file.")
    target = f"file:{view.name}"
    ctx, form = await _checked(request, "reprocess", target)
    reason = str(form.get("reason", "")).strip()[:NOTE_LIMIT]
    if not reason:
        return _back(request, f"/files/in/{file_id}", "Say why the file is taken again first.")
    try:
        done = reprocess(
            ctx.settings.sessions,
            load_market(ctx.now),
            ctx.settings.config,
            str(file_id),
            reason=reason,
            operator=f"console:{ctx.user.name}",
        )
    except ReprocessError as error:
        ctx.record("reprocess", target, "failed", f"{reason} — {error}")
        return _back(request, f"/files/in/{file_id}", f"Not reprocessed: {error}")
    ctx.record("reprocess", target, "done", reason)
    said = f"{view.name}: {done.decided.transactions} set(s) decided, {done.skipped} decided "
    said += "before and skipped" + (f"; {len(done.problems)} problem(s)" if done.problems else "")
    return _back(request, f"/files/in/{file_id}", said)


def routes() -> list[Route]:
    return [
        Route("/workitems/{item_id:int}/resolve", resolve_work_item, methods=["POST"]),
        Route("/files/out/{file_id:int}/resend", resend_file, methods=["POST"]),
        Route("/files/in/{file_id:int}/reprocess", reprocess_file, methods=["POST"]),
    ]
