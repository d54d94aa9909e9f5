"""`ebt console` and `ebt console user add`: users written with argon2 hashes only, roles
checked, and `ebt console --demo` (the README's line) serving the demo store with users
whose printed passwords log in."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ebt.cli import main
from ebt.console.users import UsersError, check_password, read_users

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient


def _add(users: Path, *args: str, password: str = "a long password") -> Any:
    return CliRunner().invoke(
        main,
        ["console", "user", "add", *args, "--users", str(users), "--password-stdin"],
        input=password,
    )


def test_a_user_is_written_with_an_argon2_hash_only(tmp_path: Path) -> None:
    users = tmp_path / "console-users.toml"
    result = _add(users, "ada", "--role", "operator")
    assert result.exit_code == 0, result.output
    text = users.read_text(encoding="utf-8")
    assert "a long password" not in text and "$argon2id$" in text
    assert users.stat().st_mode & 0o077 == 0  # readable by its owner only
    (ada,) = read_users(users).values()
    assert ada.role == "operator" and check_password(ada, "a long password")
    assert not check_password(ada, "another password")
    assert _add(users, "ada", "--role", "viewer").exit_code == 0  # replaced, not doubled
    assert [u.role for u in read_users(users).values()] == ["viewer"]


@pytest.mark.parametrize(
    ("args", "password", "says"),
    [
        (("bob", "--role", "root"), "a long password", "is not one of viewer"),
        (("bob", "--role", "ces:123"), "a long password", "is not one of viewer"),
        (("bob smith", "--role", "viewer"), "a long password", "is not a user name"),
        (("bob", "--role", "viewer"), "short", "at least 8 characters"),
    ],
)
def test_a_bad_user_is_refused(
    tmp_path: Path, args: tuple[str, ...], password: str, says: str
) -> None:
    result = _add(tmp_path / "users.toml", *args, password=password)
    assert result.exit_code == 1 and says in result.output


def test_a_plain_password_in_the_users_file_is_refused(tmp_path: Path) -> None:
    users = tmp_path / "console-users.toml"
    users.write_text('[[user]]\nname = "ada"\nrole = "admin"\npassword = "secret"\n')
    with pytest.raises(UsersError, match="argon2 hash"):
        read_users(users)


def test_the_demo_console_serves_the_demo_store_to_its_printed_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--today", "2026-11-20", "console", "--demo"])
    assert result.exit_code == 0, result.output
    assert served["host"] == "127.0.0.1" and served["port"] == 8814
    passwords = dict(re.findall(r"demo user (\S+) \(\S+\) password (\S+)", result.output))
    assert set(passwords) == {"demo", "pine-tree"}
    client = TestClient(served["app"])
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"name": "demo", "password": passwords["demo"], "csrf": csrf})
    today = client.get("/today.json").json()["today"]
    assert today["files_in_today"] == {"archived": 4}
    assert (tmp_path / "demo" / "console.secret").stat().st_mode & 0o077 == 0
