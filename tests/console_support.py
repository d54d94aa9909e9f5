"""Helpers of the console tests: a store swept from the bundled utility's files (as `ebt
sweep demo` does, on SQLite or PostgreSQL), with a file that has a finding, open work items
and sweep runs; a console application over it with one user of each role; logging in."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from ebt.cli import main
from ebt.cli.sweep import _deliver_bundled
from ebt.console.app import ConsoleSettings, create_app
from ebt.console.guard import LoginLimiter
from ebt.console.users import UserBook, add_user
from ebt.resources import data_path
from ebt.store.database import make_engine, session_factory, upgrade
from ebt.store.schema import Account, WorkItem
from ebt.sweep.config import SweepConfig, require_config

TODAY = "2026-11-20"
NOW = datetime(2026, 11, 20, 15, 30)
PASSWORD = "correct horse battery"
PINE_TREE = "081234567"  # PINE TREE POWER SUPPLY: its enrollment of 00412345678
ACADIA = "082345678"  # ACADIA ENERGY: change of 00398765432, reinstatement of 00734500019
KATAHDIN = "083456789"  # KATAHDIN SOLAR SUPPLY: a drop and a drop with a bad date
BAD_FILE = "element-date--november-31.x12"
ROLES = {
    "vera": "viewer",
    "otto": "operator",
    "ada": "admin",
    "pine": f"ces:{PINE_TREE}",
    "acadia": f"ces:{ACADIA}",
}


def _ebt(*args: str) -> None:
    result = CliRunner().invoke(main, ["--today", TODAY, *args], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output


@dataclass(frozen=True, slots=True)
class Store:
    url: str
    config: SweepConfig
    sessions: sessionmaker[Session]
    users: Path


def swept_store(folder: Path, url: str) -> Store:
    """The bundled utility, its supplier requests and one bad file swept into `url`."""
    fixtures = data_path("fixtures")
    config_path = folder / "partners.toml"
    shutil.copyfile(fixtures / "partners" / "demo.toml", config_path)
    config = require_config(config_path)
    _ebt("load", str(fixtures / "reference"), "--db", url)
    for partner in config.partners:  # the partners' folders, as the demo makes them
        partner.inbound.mkdir(parents=True, exist_ok=True)
        partner.outbound.mkdir(parents=True, exist_ok=True)
    _deliver_bundled(config, fixtures / "x12" / "good")
    katahdin = config.partner(KATAHDIN)
    assert katahdin is not None
    katahdin.inbound.mkdir(parents=True, exist_ok=True)
    bad = (fixtures / "x12" / "bad" / BAD_FILE).read_text(encoding="ascii")
    # its own control numbers: the bundled drop request already used 342
    bad = bad.replace("000000342", "000000777").replace("*342*", "*777*").replace("*342~", "*777~")
    (katahdin.inbound / BAD_FILE).write_text(bad, encoding="ascii")
    _ebt("sweep", "inbound", "--config", str(config_path), "--db", url)
    _ebt("sweep", "outbound", "--config", str(config_path), "--db", url)
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    with sessions() as session:
        account = session.query(Account).filter(Account.number == "00412345678").one()
        session.add_all(
            [
                WorkItem(
                    kind="start_without_read",
                    account_id=account.id,
                    description="The start on 2026-11-18 has no start read; record one.",
                    status="open",
                    created_at=NOW,
                ),
                WorkItem(
                    kind="final_bill_transfer",
                    description="A final bill could not be transferred to a closed account.",
                    status="open",
                    created_at=NOW,
                ),
            ]
        )
        session.commit()
    users = folder / "console-users.toml"
    for name, role in ROLES.items():
        add_user(users, name, role, PASSWORD)
    return Store(url, config, sessions, users)


def console_app(store: Store, *, limiter: LoginLimiter | None = None) -> object:
    settings = ConsoleSettings(
        sessions=store.sessions,
        users=UserBook(store.users),
        secret="test-secret-" + "x" * 32,
        clock=lambda: NOW,
        config=store.config,
        limiter=limiter or LoginLimiter(),
    )
    return create_app(settings)


CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: object, name: str, password: str = PASSWORD) -> object:
    """Log `name` in through the login form; the response to the POST."""
    page = client.get("/login")  # type: ignore[attr-defined]
    return client.post(  # type: ignore[attr-defined]
        "/login",
        data={"name": name, "password": password, "csrf": csrf_of(page.text), "next": "/today"},
        follow_redirects=False,
    )


def make_store(kind: str, folder: Path, schemas: object | None) -> tuple[Store, str | None]:
    """A swept store on SQLite (in `folder`) or in a new PostgreSQL schema (its name, to
    drop after)."""
    if kind == "sqlite":
        return swept_store(folder, f"sqlite:///{folder / 'ebt.db'}"), None
    assert schemas is not None
    name, url = schemas.create()  # type: ignore[attr-defined]
    return swept_store(folder, url), name
