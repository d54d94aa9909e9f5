"""The operations console as a Starlette application: server-rendered Jinja2 pages over the
query layer, each with a JSON twin (`/files.json`, or `?format=json`), assets served by the
console itself, sessions in a signed HttpOnly SameSite=Strict cookie.

`create_app(settings)` is the one place the console is put together (docs/console.md;
docs/decisions/0011-console.md says why Starlette and server-side SVG).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from ebt.console.guard import LoginLimiter, LoginRequired, csrf_token, current_user, scope_of
from ebt.console.jsonview import plain
from ebt.console.users import User, UserBook
from ebt.queries.codes import meaning
from ebt.queries.scope import Scope
from ebt.store.schema import ConsoleAction
from ebt.sweep.config import SweepConfig

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "ebt_console"
SESSION_HOURS = 8


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    sessions: sessionmaker[Session]
    users: UserBook
    secret: str
    clock: Callable[[], datetime]
    config: SweepConfig | None = None  # the partners' configuration: ids, folders, due hours
    secure_cookies: bool = False  # set when served over HTTPS (behind a proxy)
    limiter: LoginLimiter = field(default_factory=LoginLimiter)

    @property
    def ack_due_hours(self) -> int:
        return self.config.ack_due_hours if self.config else 24

    def ids_of(self, duns: str) -> frozenset[str]:
        """Every ISA id the CES with `duns` uses, from the partners' configuration."""
        partner = self.config.partner(duns) if self.config else None
        return frozenset((duns, *partner.ids)) if partner else frozenset({duns})


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler knows about the request: the user, what they may see, the clock."""

    request: Request
    user: User
    scope: Scope
    settings: ConsoleSettings
    now: datetime

    def session(self) -> Session:
        return self.settings.sessions()

    def record(
        self, action: str, target: str | None, outcome: str, note: str | None = None
    ) -> None:
        """Keep what the user did (or tried) in the store."""
        with self.session() as session:
            session.add(
                action_row(
                    self.request,
                    self.user.name,
                    self.user.role,
                    action,
                    target=target,
                    outcome=outcome,
                    note=note,
                    now=self.now,
                )
            )
            session.commit()


def action_row(
    request: Request,
    user: str,
    role: str,
    action: str,
    *,
    target: str | None,
    outcome: str,
    note: str | None,
    now: datetime,
) -> ConsoleAction:
    return ConsoleAction(
        at=now,
        user=user[:60],
        role=role[:30],
        action=action,
        target=target[:300] if target else None,
        note=note,
        outcome=outcome,
        address=request.client.host if request.client else None,
    )


def settings_of(request: Request) -> ConsoleSettings:
    settings: ConsoleSettings = request.app.state.settings
    return settings


def context(request: Request) -> Context:
    settings = settings_of(request)
    user = current_user(request, settings.users)
    return Context(request, user, scope_of(user, settings.ids_of), settings, settings.clock())


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or request.query_params.get("format") == "json"


_ENVIRONMENT: Environment | None = None


def templates() -> Environment:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _ENVIRONMENT.globals.update(query=query_string, code_meaning=_rejection)
    return _ENVIRONMENT


def query_string(params: dict[str, Any], **more: Any) -> str:
    """A page's query string: its filters (those set) and `more` (the page number)."""
    values = {**params, **more}
    return urlencode({k: str(v) for k, v in values.items() if v not in (None, "")})


def _rejection(code: str | None) -> str:
    return meaning("rejection", code) or ""


def render(
    ctx: Context | None,
    request: Request,
    template: str,
    data: dict[str, Any],
    *,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The page, or its JSON twin: `data` is what both show; `extra` only the page (SVG)."""
    if wants_json(request):
        return JSONResponse(plain(data), status_code=status)
    flash = request.session.pop("flash", None)
    html = (
        templates()
        .get_template(template)
        .render(
            request=request,
            user=ctx.user if ctx else None,
            csrf=csrf_token(request),
            flash=flash,
            now=ctx.now if ctx else None,
            **data,
            **(extra or {}),
        )
    )
    return HTMLResponse(html, status_code=status)


def _login_required(request: Request, _error: Exception) -> Response:
    if wants_json(request):
        return JSONResponse({"error": "log in first"}, status_code=401)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)


def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    titles = {403: "Not allowed", 404: "Not found", 405: "Not allowed", 429: "Too many attempts"}
    title = titles.get(error.status_code, "Error")
    headers = dict(error.headers or {})
    if wants_json(request):
        return JSONResponse(
            {"error": error.detail, "status": error.status_code},
            status_code=error.status_code,
            headers=headers,
        )
    try:
        ctx: Context | None = context(request)
    except LoginRequired:
        ctx = None
    response = render(
        ctx,
        request,
        "error.html",
        {"title": title, "detail": error.detail, "status": error.status_code},
        status=error.status_code,
    )
    response.headers.update(headers)
    return response


async def _security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
    response: Response = await call_next(request)
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(settings: ConsoleSettings) -> Starlette:
    from ebt.console import actions, pages

    routes: list[BaseRoute] = [
        Route("/", pages.home),
        Route("/login", actions.login_form, methods=["GET"]),
        Route("/login", actions.login, methods=["POST"]),
        Route("/logout", actions.logout, methods=["POST"]),
        *pages.routes(),
        *actions.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_HOURS * 3600,
                same_site="strict",
                https_only=settings.secure_cookies,
            )
        ],
        exception_handlers={LoginRequired: _login_required, HTTPException: _http_error},
    )
    app.add_middleware(BaseHTTPMiddleware, dispatch=_security_headers)
    app.state.settings = settings
    return app
