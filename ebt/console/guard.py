"""The console's guards: the logged-in user from the signed session cookie, the CSRF token
every form carries, the role check every action makes on the server, and the limit on
login attempts."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request

from ebt.console.users import User, UserBook
from ebt.queries.scope import Scope

CSRF_FIELD = "csrf"


class LoginRequired(Exception):  # noqa: N818  (a state, not an error)
    """No one is logged in: a page redirects to the login form, a JSON twin answers 401."""


def current_user(request: Request, users: UserBook) -> User:
    name = request.session.get("user")
    user = users.get(name) if isinstance(name, str) else None
    if user is None or request.session.get("role") != user.role:
        request.session.pop("user", None)  # removed, or the role changed: log in again
        raise LoginRequired()
    return user


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made when the session has none)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def check_csrf(request: Request, sent: object) -> None:
    expected = request.session.get(CSRF_FIELD)
    if not (isinstance(expected, str) and isinstance(sent, str)):
        raise HTTPException(403, "The form has expired or did not come from this console.")
    if not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "The form has expired or did not come from this console.")


def require(user: User, action: str) -> None:
    """Refuse (403) an action the user's role lacks: the server decides, not the page."""
    if not user.may(action):
        raise HTTPException(403, f"Your role ({user.role}) may not {action}.")


def scope_of(user: User, ids_of: Callable[[str], frozenset[str]]) -> Scope:
    """What the user may see: everything, or its supplier's own rows (every id it uses)."""
    if user.ces is None:
        return Scope.everything()
    return Scope.supplier(user.ces, ids_of(user.ces))


class LoginLimiter:
    """At most `attempts` failed logins per client address and per user name within
    `window` seconds; further attempts are refused until the oldest failure ages out."""

    def __init__(
        self,
        attempts: int = 5,
        window: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.attempts = attempts
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self.clock()
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def retry_after(self, address: str, name: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        waits = []
        for key in (f"a:{address}", f"u:{name.lower()}"):
            failures = self._recent(key)
            if len(failures) >= self.attempts:
                waits.append(int(self.window - (self.clock() - failures[0])) + 1)
        return max(waits, default=0)

    def failed(self, address: str, name: str) -> None:
        for key in (f"a:{address}", f"u:{name.lower()}"):
            self._failures.setdefault(key, deque()).append(self.clock())

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"u:{name.lower()}", None)
