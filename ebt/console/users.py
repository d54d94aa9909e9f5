"""Who may use the console: users and roles from a TOML file beside the partners'
configuration (`console-users.toml`), passwords only as argon2 hashes.

    [[user]]
    name = "ada"
    role = "operator"            # viewer, operator, admin, or ces:<DUNS>
    password = "$argon2id$v=19$m=65536,t=3,p=4$..."

`ebt console user add NAME --role ROLE` writes one (it asks for the password, or makes one
and prints it). The file is read again when it changes, so a removed user is out at their
next request and a changed role applies at once.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

USERS_FILE = "console-users.toml"
ROLES = ("viewer", "operator", "admin")
CES_ROLE = re.compile(r"^ces:(\d{9}(\d{4})?)$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,59}$")

#: What each role may do beyond looking. A supplier's user (ces:DUNS) may only look.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset(),
    "operator": frozenset({"resolve", "resend", "reprocess", "replay"}),
    "admin": frozenset({"resolve", "resend", "reprocess", "replay", "audit"}),
}

_HASHER = PasswordHasher()


@cache
def _dummy() -> str:
    """A hash verified when the name is unknown, so that a wrong name costs what a wrong
    password costs (made on first use, not at import)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class UsersError(Exception):
    """The users file cannot be used; the message says where and what to fix."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: str
    password_hash: str

    @property
    def ces(self) -> str | None:
        """The DUNS of the supplier whose user this is, else None (the T&D's staff)."""
        match = CES_ROLE.match(self.role)
        return match.group(1) if match else None

    def may(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


def valid_role(role: str) -> bool:
    return role in ROLES or CES_ROLE.match(role) is not None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s; as slow for an unknown user as for a known one."""
    try:
        return (
            _HASHER.verify(user.password_hash if user else _dummy(), password) and user is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def read_users(path: Path) -> dict[str, User]:
    """The users in `path` by name (none when the file does not exist)."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UsersError(f"{path}: not valid TOML: {error}") from None
    users: dict[str, User] = {}
    for number, item in enumerate(data.get("user", []), start=1):
        users[_name(path, number, item)] = _user(path, number, item)
    return users


def _name(path: Path, number: int, item: object) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str) or not NAME.match(name):
        raise UsersError(
            f"{path}: user #{number}: name {name!r} is not a user name "
            "(letters, digits, _ . @ -, at most 60)"
        )
    return name


def _user(path: Path, number: int, item: dict[str, object]) -> User:
    name, role, hashed = item.get("name"), item.get("role"), item.get("password")
    if not isinstance(role, str) or not valid_role(role):
        raise UsersError(
            f"{path}: user {name}: role {role!r} is not one of viewer, operator, admin, "
            "ces:<DUNS of 9 or 13 digits>"
        )
    if not isinstance(hashed, str) or not hashed.startswith("$argon2"):
        raise UsersError(
            f"{path}: user {name}: password must be an argon2 hash "
            "(`ebt console user add` writes one); a plain password is never accepted"
        )
    return User(str(name), role, hashed)


class UserBook:
    """The users file, read again whenever it changes on disk."""

    def __init__(self, path: Path):
        self.path = path
        self._seen: tuple[float, int] | None = None
        self._users: dict[str, User] = {}

    def get(self, name: str) -> User | None:
        return self._current().get(name)

    def _current(self) -> dict[str, User]:
        try:
            stat = self.path.stat()
            seen: tuple[float, int] | None = (stat.st_mtime, stat.st_size)
        except FileNotFoundError:
            seen = None
        if seen != self._seen:
            self._users = read_users(self.path)
            self._seen = seen
        return self._users


def add_user(path: Path, name: str, role: str, password: str) -> None:
    """Add user `name` (or replace its role and password) in the users file `path`."""
    if not NAME.match(name):
        raise UsersError(f"{name!r} is not a user name (letters, digits, _ . @ -, at most 60)")
    if not valid_role(role):
        raise UsersError(
            f"role {role!r} is not one of viewer, operator, admin, ces:<DUNS of 9 or 13 digits>"
        )
    users = read_users(path)
    users[name] = User(name, role, hash_password(password))
    lines = [
        "# Users of `ebt console`: name, role (viewer, operator, admin, ces:<DUNS>) and an",
        "# argon2 hash of the password. `ebt console user add NAME --role ROLE` writes one.",
        "",
    ]
    for user in users.values():
        lines += [
            "[[user]]",
            f'name = "{user.name}"',
            f'role = "{user.role}"',
            f'password = "{user.password_hash}"',
            "",
        ]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    temporary.replace(path)


def session_secret(folder: Path) -> str:
    """The key that signs session cookies: `console.secret` in `folder`, made (readable by
    its owner only) the first time."""
    path = folder / "console.secret"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    folder.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(secret + "\n")
    return secret
