"""`ebt console`: the operations console in a browser; `ebt console user add`: its users."""

from __future__ import annotations

import getpass
import ipaddress
import os
import secrets
import sys
from datetime import date, datetime
from pathlib import Path

import click

from ebt.cli.clock import EASTERN
from ebt.cli.store import open_engine, store_url, url_option
from ebt.cli.sweeps import CONFIG_VARIABLE
from ebt.console.users import USERS_FILE, UsersError, add_user
from ebt.store.database import shown_url
from ebt.sweep.config import SweepConfig, load_config

DEMO_FOLDER = Path("demo")
DEMO_USERS = (("demo", "operator"), ("pine-tree", "ces:081234567"))


def _fixed_today() -> date | None:
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, dict) and ctx.obj.get("today"):
            fixed: date = ctx.obj["today"]
            return fixed
        ctx = ctx.parent
    return None


def console_clock(fixed: date | None) -> datetime:
    """US Eastern now; on the `--today` date (at the time of day now) when one was given."""
    current = datetime.now(EASTERN).replace(tzinfo=None)
    return datetime.combine(fixed, current.time()) if fixed else current


def _config(path: Path | None) -> SweepConfig | None:
    candidate = path or Path(os.environ.get(CONFIG_VARIABLE, "partners.toml"))
    if not candidate.exists():
        if path is not None:
            raise click.ClickException(f"{path}: there is no such file")
        return None
    config, problems = load_config(candidate)
    if config is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{candidate}: not used; `ebt partners check --config {candidate}` lists the mistakes"
        )
    return config


def users_path(users: Path | None, config_path: Path | None) -> Path:
    """The users file: --users, else console-users.toml beside the partners' TOML."""
    if users is not None:
        return users
    config = config_path or Path(os.environ.get(CONFIG_VARIABLE, "partners.toml"))
    return config.resolve().parent / USERS_FILE


config_path_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    envvar=CONFIG_VARIABLE,
    show_envvar=True,
    help="The partners' configuration (TOML): each CES's ids, the folders, the 997 due hours "
    "(default: partners.toml when there is one).",
)
users_option = click.option(
    "--users",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The console's users file (default: console-users.toml beside the partners' TOML).",
)


@click.group(
    invoke_without_command=True,
    epilog="""\b
Examples:
  ebt console user add ada --role operator --config partners.toml
  ebt console --demo  # serves until stopped
  ebt console --config partners.toml  # serves until stopped

\b
With PostgreSQL:
  ebt console --config partners.toml --db postgresql://ebt@db/ebt
""",
)
@config_path_option
@url_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8814, show_default=True, type=int, help="Port to listen on.")
@users_option
@click.option(
    "--secure-cookies",
    is_flag=True,
    help="Send the session cookie only over HTTPS (set it behind a TLS proxy).",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Serve the demo store (demo/, made by `ebt sweep demo` if missing) with demo users "
    "whose new passwords are printed.",
)
@click.pass_context
def console(
    ctx: click.Context,
    config_path: Path | None,
    db: str | None,
    host: str,
    port: int,
    users: Path | None,
    secure_cookies: bool,
    demo: bool,
) -> None:
    """Serve the operations console: Today, Files, Accounts, Decisions, Work items and Rules
    pages for the T&D's operators and each supplier's analysts (login required)."""
    if ctx.invoked_subcommand is not None:
        return
    if demo:
        config_path, db, users = _demo(ctx)
    import uvicorn

    from ebt.console.app import ConsoleSettings, create_app
    from ebt.console.users import UserBook, session_secret

    config = _config(config_path)
    book = users_path(users, config.source if config and config_path is None else config_path)
    if not book.exists():
        click.echo(
            f"warning: {book} has no users yet; add one with "
            f"`ebt console user add NAME --role operator --users {book}`",
            err=True,
        )
    _, sessions = open_engine(db)
    fixed = _fixed_today()
    settings = ConsoleSettings(
        sessions=sessions,
        users=UserBook(book),
        secret=session_secret(book.parent),
        clock=lambda: console_clock(fixed),
        config=config,
        secure_cookies=secure_cookies,
    )
    if not _loopback(host):
        click.echo(
            f"warning: listening on {host}, not only this machine; serve it behind HTTPS "
            "with --secure-cookies",
            err=True,
        )
    store = shown_url(store_url(db)[0])
    click.echo(f"ebt console on http://{host}:{port}/ (store {store}); Ctrl-C stops it")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _demo(ctx: click.Context) -> tuple[Path, str, Path]:
    """The demo store (made when missing) and fresh demo users, their passwords printed."""
    from ebt.cli.sweep import demo as demo_sweep

    folder = DEMO_FOLDER
    if not (folder / "ebt.db").exists():
        try:
            ctx.invoke(demo_sweep, folder=folder)
        except SystemExit as done:  # the demo sweep ends with its exit code
            if done.code:
                raise

    users = folder.resolve() / USERS_FILE
    for name, role in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        add_user(users, name, role, password)
        click.echo(f"demo user {name} ({role}) password {password}")
    return folder / "partners.toml", f"sqlite:///{(folder / 'ebt.db').resolve()}", users


@console.group(
    epilog="""\b
Examples:
  ebt console user add ada --role operator
""",
)
def user() -> None:
    """The console's users (names, roles, argon2 password hashes)."""


@user.command(
    "add",
    epilog="""\b
Examples:
  ebt console user add ada --role operator
  ebt console user add pine-analyst --role ces:081234567 --config partners.toml
  printf '%s' 'correct horse battery' | ebt console user add bob --role viewer --password-stdin
""",
)
@click.argument("name")
@click.option(
    "--role",
    required=True,
    help="viewer (looks), operator (also resolves, resends, reprocesses), admin (also the "
    "audit trail), or ces:<DUNS> (a supplier's analyst: its own files, transactions, accounts).",
)
@config_path_option
@users_option
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add(
    name: str, role: str, config_path: Path | None, users: Path | None, password_stdin: bool
) -> None:
    """Add user NAME with ROLE (or give an existing one a new role and password); the
    password is stored only as an argon2 hash."""
    path = users_path(users, config_path)
    if password_stdin:
        password = sys.stdin.read().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password for {name}: ")
        if getpass.getpass("again: ") != password:
            raise click.ClickException("the two passwords differ")
    else:
        password = secrets.token_urlsafe(12)
        click.echo(f"password for {name}: {password}")
    if len(password) < 8:
        raise click.ClickException("a password needs at least 8 characters")
    try:
        add_user(path, name, role, password)
    except UsersError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{name} ({role}) written to {path}")
