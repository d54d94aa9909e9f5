"""`ebt sweep inbound|outbound|demo` and `ebt resend`."""

from __future__ import annotations

import json
import shutil
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import click

from ebt.cli.clock import now
from ebt.cli.faults import (
    EXIT_BUSY,
    EXIT_DONE,
    EXIT_FOLDER,
    EXIT_PROBLEMS,
    Fault,
    exit_code,
    told_plainly,
)
from ebt.cli.render import emit_json, rejects_json
from ebt.cli.sources import format_option
from ebt.cli.store import db_option, open_engine
from ebt.cli.sweeps import config_option, progress_bars, read_config
from ebt.codes import default_catalogue
from ebt.data.market import load_market
from ebt.queries.sweeps import record_sweep_run
from ebt.resources import data_path
from ebt.store.database import StoreBusyError
from ebt.store.reference import load_paths, plan
from ebt.sweep.config import SweepConfig, require_config
from ebt.sweep.inbound import InboundSummary, InboundSweep
from ebt.sweep.locks import SingleSweep
from ebt.sweep.outbound import OutboundSummary, overdue_acks, sweep_outbound
from ebt.sweep.outbound import resend as resend_file


@click.group(
    epilog="""\b
Examples:
  ebt sweep inbound --config partners.toml
  ebt sweep outbound --config partners.toml
  ebt --today 2026-11-20 sweep demo

\b
With PostgreSQL:
  ebt sweep outbound --config partners.toml --db postgresql://ebt@db/ebt
""",
)
def sweep() -> None:
    """Sweep the partners' folders: inbound files in, answers out."""


@sweep.command(
    epilog="""Exit status: 0 every file taken, 1 a file went to error/ or had errors outside its
transaction sets, 2 the configuration has mistakes, 3 the store cannot be used, 4 a folder
cannot be used, 75 another sweep holds this SQLite store (try again later).

\b
Examples:
  ebt sweep inbound --config partners.toml

\b
With PostgreSQL:
  EBT_DATABASE_URL=postgresql://ebt@db/ebt ebt sweep inbound   # on each worker
""",
)
@config_option
@format_option
@db_option
def inbound(config_path: Path, fmt: str, db: str | None) -> None:
    """Claim every waiting file, check it, decide its requests in delivery order, queue the
    answers and 997s, and archive it; any number of workers may share a PostgreSQL store."""
    config = read_config(config_path)
    summary, busy = run_inbound(config, db)
    code = _inbound_said(summary, busy, quiet=fmt == "json")
    if fmt == "json":
        emit_json({"inbound": inbound_json(summary, busy)})
    raise SystemExit(code)


def _inbound_said(summary: InboundSummary, busy: Fault | None, *, quiet: bool = False) -> int:
    """Say how the inbound sweep went (`quiet`: only that another sweep holds the store, on
    stderr; --format json says the rest in its document); its exit code."""
    if busy is not None:
        busy.show()
        return EXIT_BUSY
    if not quiet:
        click.echo(inbound_line(summary))
        for problem in summary.problems[:10]:
            click.echo(f"  {problem}", err=True)
    return EXIT_PROBLEMS if summary.errors or summary.problems else EXIT_DONE


def inbound_json(summary: InboundSummary, busy: Fault | None = None) -> dict[str, Any]:
    """What `inbound_line` says, for programs (every problem, not ten)."""
    decided = summary.decided
    return {
        "busy": busy is not None,
        "claimed": summary.claimed,
        "ingested": summary.ingested,
        "archived": summary.archived,
        "transactions": decided.transactions,
        "outcomes": dict(sorted(decided.outcomes.items())),
        **rejects_json(decided.rejects),
        "syntax_errors": decided.syntax_errors,
        "duplicates": summary.duplicates,
        "refused": summary.refused,
        "unsafe": summary.unsafe,
        "errors": summary.errors,
        "problems": summary.problems,
        "seconds": round(summary.seconds, 3),
    }


def run_inbound(config: SweepConfig, db: str | None) -> tuple[InboundSummary, Fault | None]:
    """The inbound sweep; with why it did nothing when another sweep holds the store."""
    engine, sessions = open_engine(db)
    clock = now()
    sweeper = InboundSweep(engine, sessions, load_market(clock), config)
    started = time.perf_counter()
    try:
        with _exclusive(engine.dialect.name, config), progress_bars() as progress:
            sweeper.progress = progress
            sweeper.decide.progress = lambda n: progress("decide", n)
            summary = sweeper.run()
        record_sweep_run(
            sessions,
            "inbound",
            started_at=clock,
            seconds=time.perf_counter() - started,
            files=summary.claimed,
            transactions=summary.decided.transactions,
            summary=inbound_line(summary),
        )
        return summary, None
    except StoreBusyError as busy:
        return InboundSummary(), told_plainly(busy)


def _exclusive(
    dialect: str, config: SweepConfig, which: str = "sweep"
) -> AbstractContextManager[object]:
    """SQLite: one sweep of each kind at a time per store; PostgreSQL: the sweeps share the
    work (and the outbound sweep takes its own lock in the database)."""
    if dialect == "sqlite":
        return SingleSweep(config.work / f".{which}.lock")
    return nullcontext()


def run_outbound(config: SweepConfig, db: str | None) -> OutboundSummary:
    engine, sessions = open_engine(db)
    started, clock = time.perf_counter(), now()
    try:
        with _exclusive(engine.dialect.name, config, "outbound"):
            summary = sweep_outbound(engine, sessions, config, clock)
    except StoreBusyError:
        return OutboundSummary(busy=True)
    summary.seconds = time.perf_counter() - started
    record_sweep_run(
        sessions,
        "outbound",
        started_at=clock,
        seconds=summary.seconds,
        files=len(summary.files),
        transactions=0,
        summary=f"outbound: {len(summary.files)} file(s) written",
    )
    return summary


def outbound_said(
    summary: OutboundSummary,
    *,
    listed: bool = True,
    base: Path | None = None,
    quiet: bool = False,
) -> int:
    """Say how the outbound sweep went (each file delivered when `listed`; each one not
    delivered, on stderr; `quiet`: only what is said on stderr, --format json says the rest
    in its document); its exit code."""
    if summary.busy:
        click.echo(
            "ebt: outbound: another sweep is writing the outbound files; nothing done\n"
            "  fix: Nothing to do: run again when it is done (the scheduler does).",
            err=True,
        )
        return EXIT_BUSY
    if not quiet:
        for path in summary.files if listed else ():
            click.echo(f"wrote {_shown(path, base)}")
        line = f"outbound: {len(summary.files)} file(s) written"
        if summary.undelivered:
            line += f", {len(summary.undelivered)} not delivered (they wait for the next sweep)"
        click.echo(f"{line} (in {summary.seconds:.1f} s)")
    for undelivered in summary.undelivered:
        click.echo(f"ebt: {undelivered}", err=True)
    for problem in summary.problems:
        click.echo(f"ebt: {problem}", err=True)
    return EXIT_FOLDER if summary.undelivered or summary.problems else EXIT_DONE


def _shown(path: Path, base: Path | None) -> Path:
    return path.relative_to(base) if base and path.is_relative_to(base) else path


def outbound_json(summary: OutboundSummary, base: Path | None = None) -> dict[str, Any]:
    """What `outbound_said` says, for programs: every file written, with its path (relative
    to `base` when under it)."""
    return {
        "busy": summary.busy,
        "written": len(summary.files),
        "files": [str(_shown(path, base)) for path in summary.files],
        "undelivered": [
            {
                "name": u.name,
                "recipient": u.recipient,
                "folder": str(u.folder),
                "reason": u.reason,
                "fix": u.fix,
            }
            for u in summary.undelivered
        ],
        "problems": summary.problems,
        "seconds": round(summary.seconds, 3),
    }


def inbound_line(summary: InboundSummary) -> str:
    decided = summary.decided
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(decided.outcomes.items())) or "none"
    parts = [
        f"inbound: {summary.claimed} file(s) claimed, {summary.ingested} read, "
        f"{summary.archived} archived; {decided.transactions} transaction(s) decided ({outcomes})"
    ]
    if decided.rejects:
        parts.append("rejected by code: " + default_catalogue().counted("reject", decided.rejects))
    if summary.duplicates:
        parts.append(
            f"{len(summary.duplicates)} repeated file(s) refused: {', '.join(summary.duplicates)}"
        )
    if summary.refused:
        parts.append(
            f"{len(summary.refused)} interchange(s) refused (repeated, test/production, "
            "or another sender): " + ", ".join(summary.refused)
        )
    if summary.unsafe:
        parts.append(
            f"{len(summary.unsafe)} entr(ies) that are not plain files set aside unopened "
            "in refused/: " + ", ".join(summary.unsafe)
        )
    if summary.errors:
        parts.append(f"{len(summary.errors)} file(s) to error/: {', '.join(summary.errors)}")
    return "; ".join(parts) + f" (in {summary.seconds:.1f} s)"


@sweep.command(
    epilog="""Exit status: 0 every file delivered, 2 the configuration has mistakes, 3 the store
cannot be used, 4 a partner's folder could not take its file (said on stderr; the file waits
for the next sweep, the other partners' files are delivered), 75 another sweep is writing
the outbound files (try again later).

\b
Examples:
  ebt sweep outbound --config partners.toml
""",
)
@config_option
@format_option
@db_option
def outbound(config_path: Path, fmt: str, db: str | None) -> None:
    """Write every unsent answer, drop notice, 997 and TA1 into its partner's outbound folder,
    one file per recipient, with control numbers that are never reused."""
    config = read_config(config_path)
    summary = run_outbound(config, db)
    code = outbound_said(summary, quiet=fmt == "json")
    if fmt == "json":
        emit_json({"outbound": outbound_json(summary)})
    raise SystemExit(code)


@sweep.command(
    name="all",
    epilog="""Exit status: the inbound sweep's or the outbound sweep's, whichever needs more
attention (4, then 1, then 75, then 0).

\b
Examples:
  ebt sweep all --config partners.toml
""",
)
@config_option
@format_option
@db_option
def sweep_all(config_path: Path, fmt: str, db: str | None) -> None:
    """The inbound sweep, then the outbound sweep."""
    config = read_config(config_path)
    quiet = fmt == "json"
    summary, busy = run_inbound(config, db)
    inbound_code = _inbound_said(summary, busy, quiet=quiet)
    out = run_outbound(config, db)
    outbound_code = outbound_said(out, listed=False, quiet=quiet)
    if quiet:
        emit_json({"inbound": inbound_json(summary, busy), "outbound": outbound_json(out)})
    raise SystemExit(exit_code(inbound_code, outbound_code))


@sweep.command(
    epilog="""\b
Examples:
  ebt --today 2026-11-20 sweep demo
  ebt sweep demo --folder /tmp/ebt-demo
""",
)
@click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Where the demo's partner folders, archive and store are made.",
)
@format_option
def demo(folder: Path, fmt: str) -> None:
    """The main job on the bundled utility: its partners' folders (fixtures/partners/demo.toml)
    get the bundled supplier files, then the inbound sweep decides them and the outbound
    sweep writes the answers into each partner's outbound folder; a summary at the end."""
    _clear_demo(folder)  # an earlier demo: start again from nothing
    folder.mkdir(parents=True, exist_ok=True)
    fixtures = data_path("fixtures")
    config_path = folder / "partners.toml"
    shutil.copyfile(fixtures / "partners" / "demo.toml", config_path)
    with config_path.open("a", encoding="utf-8") as config_file:
        config_file.write(DEMO_STORE)
    config = require_config(config_path)
    _samples(fixtures, folder)
    db = f"sqlite:///{(folder / 'ebt.db').resolve()}"
    _, sessions = open_engine(db, create=True)
    files, _ = plan([fixtures / "reference"])
    for result in load_paths(sessions, files):
        if not result.ok:
            raise click.ClickException(result.summary())
    for partner in config.partners:  # a partner's folders are made when it joins
        partner.inbound.mkdir(parents=True, exist_ok=True)
        partner.outbound.mkdir(parents=True, exist_ok=True)
    dropped = _deliver_bundled(config, fixtures / "x12" / "good")
    quiet = fmt == "json"
    if not quiet:
        click.echo(f"demo: {dropped} bundled supplier file(s) put in the partners' inbound folders")
    summary, busy = run_inbound(config, db)
    code = _inbound_said(summary, busy, quiet=quiet)
    out = run_outbound(config, db)
    code = exit_code(code, outbound_said(out, base=Path.cwd(), quiet=quiet))
    here = _from_here(folder / "ebt.db")
    if quiet:
        emit_json(
            {
                "delivered": dropped,
                "inbound": inbound_json(summary, busy),
                "outbound": outbound_json(out, base=Path.cwd()),
                "archive": str(_from_here(config.archive)),
                "store": f"sqlite:///{here}",
            }
        )
        raise SystemExit(code)
    click.echo(
        f"summary: {summary.decided.transactions} request(s) decided, "
        f"{len(out.files)} outbound file(s) in the partners' folders, "
        f"{summary.archived} file(s) archived under {_from_here(config.archive)}; "
        f"see `ebt status --db sqlite:///{here}`"
    )
    click.echo(
        f"next: `cd {_from_here(folder)}`: its partners.toml names the store, so every "
        "command's examples in `ebt COMMAND --help` run there as written (sample files in "
        "fixtures/, a draft rules table in drafts/)"
    )
    raise SystemExit(code)


# the demo's partners.toml names its store, beside it, so that commands run in the demo
# folder need no --db
DEMO_STORE = """
[store]
url = "sqlite:///ebt.db"  # beside this file
"""

SAMPLES = ("x12", "xml", "edifact", "reference")


def _samples(fixtures: Path, folder: Path) -> None:
    """Leave the bundled sample files (fixtures/) and a draft rules table (drafts/) in the
    demo folder, for the commands' examples: a draft of the parameters with three lead
    business days instead of two, to replay the demo's decisions under (`ebt replay`)."""
    for name in SAMPLES:
        shutil.copytree(fixtures / name, folder / "fixtures" / name)
    drafts = folder / "drafts"
    drafts.mkdir()
    parameters = json.loads((data_path("rules") / "parameters-1.0.json").read_text("utf-8"))
    parameters.update(
        version="1.1",
        valid_from="2027-01-01",
        about="A draft: three lead business days instead of two (replay it with ebt replay "
        "--rules drafts/).",
        lead_business_days=3,
    )
    (drafts / "parameters-1.1.json").write_text(json.dumps(parameters, indent=2) + "\n")


def _from_here(path: Path) -> Path:
    """`path` as the user can type it from the working directory."""
    whole = path.resolve()
    return whole.relative_to(Path.cwd()) if whole.is_relative_to(Path.cwd()) else whole


DEMO_MADE = ("partners", "archive", "work", "error", "unrouted", "fixtures", "drafts")


def _clear_demo(folder: Path) -> None:
    """Remove what an earlier demo made in `folder` (and nothing else)."""
    if not (folder / "partners.toml").exists():
        return
    for name in DEMO_MADE:
        shutil.rmtree(folder / name, ignore_errors=True)
    for name in ("partners.toml", "ebt.db", "ebt.db-wal", "ebt.db-shm"):
        (folder / name).unlink(missing_ok=True)


def _deliver_bundled(config: SweepConfig, good: Path) -> int:
    """Copy each bundled request into the inbound folder of the partner that sent it."""
    count = 0
    for source in sorted(good.glob("814-*-request.x12")):
        sender = source.read_bytes()[35:50].decode("latin-1").strip()
        partner = config.partner(sender)
        if partner is None:
            continue
        partner.inbound.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, partner.inbound / source.name)
        count += 1
    return count


@click.command(
    epilog="""\b
Examples:
  ebt resend 081234567-000000001.x12
""",
)
@click.argument("name")
@db_option
def resend(name: str, db: str | None) -> None:
    """Send the messages of a file sent before again: they go back in the outbox and the next
    outbound sweep writes them in a new file under a new control number."""
    _, sessions = open_engine(db)
    try:
        count = resend_file(sessions, name, now())
    except LookupError as missing:
        raise click.ClickException(str(missing)) from None
    click.echo(f"{name}: {count} message(s) back in the outbox for the next outbound sweep")


@click.command(
    name="ack-check",
    epilog="""\b
Examples:
  ebt ack-check
  ebt ack-check --config partners.toml
""",
)
@config_option
@db_option
def ack_check(config_path: Path, db: str | None) -> None:
    """Make a work item for every sent file still without its 997 after the due hours."""
    config = read_config(config_path)
    _, sessions = open_engine(db)
    for item in overdue_acks(sessions, config, now()):
        click.echo(f"work item {item.id}: {item.description}")
