"""Logging for the long-running commands (the scheduler, the sweeps): one line per event,
its time with the US Eastern offset (the zone the schedule runs in), as text or as JSON
lines; other libraries' INFO lines (Alembic's migration notes, APScheduler's job chatter,
SQLAlchemy) stay off unless --log-level DEBUG asks for everything."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from ebt.cli.clock import EASTERN

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
QUIET = ("alembic", "apscheduler", "sqlalchemy", "tzlocal")


class _Eastern(logging.Formatter):
    """`2026-11-20T07:00:02-05:00 INFO ebt.scheduler job outbound done in 0.4 s`."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, EASTERN).isoformat(timespec="seconds")


class _Json(_Eastern):
    """One JSON object a line: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


_HANDLER: list[logging.Handler] = []  # ours, replaced when a command configures again


def configure(level: str = "INFO", form: str = "text") -> None:
    """Send log lines to stderr at `level`, as `form` (text or json)."""
    handler = logging.StreamHandler()
    handler.setFormatter(
        _Json() if form == "json" else _Eastern("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    for old in _HANDLER:
        root.removeHandler(old)
    _HANDLER[:] = [handler]
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
