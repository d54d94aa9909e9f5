"""The trading-partner configuration (TOML): the utility, its partners and their folders,
production or test, acknowledgment preferences, and the scheduler's jobs.

`load_config(path)` returns the configuration and every mistake found in it, each naming the
file, the key and what to fix; a configuration with mistakes is not used by the sweeps.
Folders are relative to the configuration file's own folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from ebt.channel import Channel, Registry

DUNS = re.compile(r"^\d{9}(\d{4})?$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ACK_MODES = ("always", "on_error", "never")


@dataclass(frozen=True, slots=True)
class Problem:
    """A mistake in the configuration: where it is and what to do about it."""

    file: Path
    key: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message}\n  fix: {self.fix}"


@dataclass(frozen=True, slots=True)
class Acknowledgments:
    """What the partner wants and owes: 997s we send it, 997s we expect from it, TA1s."""

    send_997: bool = True
    expect_997: bool = True
    ta1: str = "on_error"  # always, on_error, never


@dataclass(frozen=True, slots=True)
class Partner:
    duns: str
    name: str
    inbound: Path  # where the partner's files arrive
    outbound: Path  # where files for the partner are put
    production: bool = True
    ids: tuple[str, ...] = ()  # further ISA06/ISA08 ids the partner uses
    acknowledgments: Acknowledgments = Acknowledgments()


@dataclass(frozen=True, slots=True)
class Schedule:
    inbound_every_minutes: int = 15
    outbound_at: tuple[time, ...] = (time(7, 0), time(12, 0), time(17, 0))
    activation_at: time = time(5, 0)
    ack_check_every_minutes: int = 60


@dataclass(frozen=True, slots=True)
class SweepConfig:
    """The whole configuration, with folders made absolute."""

    source: Path
    utility_duns: str
    utility_name: str
    work: Path  # files being worked on (claimed)
    archive: Path  # archive/YYYY/MM/DD/ originals; archive/sent/... copies of what was sent
    error: Path  # unreadable files, each with a .report.txt beside it
    unrouted: Path  # outbound files for a recipient with no outbound folder here
    # what an inbound folder held that is not a plain file (a link, a FIFO, a device...):
    # moved here unopened, with a report beside it
    refused: Path = Path("refused")
    max_file_bytes: int = 512 * 1024 * 1024
    duplicate_window_days: int = 90
    ack_due_hours: int = 24
    partners: tuple[Partner, ...] = ()
    schedule: Schedule = field(default_factory=Schedule)

    def partner(self, duns: str) -> Partner | None:
        for partner in self.partners:
            if duns == partner.duns or duns in partner.ids:
                return partner
        return None

    def registry(self) -> Registry:
        """Every id the utility and its partners use, with whose it is."""
        by_id = {self.utility_duns: (self.utility_duns, self.utility_name)}
        for partner in self.partners:
            for known in (partner.duns, *partner.ids):
                by_id[known] = (partner.duns, partner.name)
        return Registry(by_id)

    def channel(self, duns: str) -> Channel:
        """The partner whose inbound folder a file was claimed from (by its DUNS)."""
        partner = self.partner(duns)
        if partner is None:
            told_by = f"an inbound folder of a partner no longer in {self.source.name}"
            return Channel(duns, f"partner {duns}", frozenset({duns}), told_by)
        folder = partner.inbound
        if folder.is_relative_to(self.source.parent):
            folder = folder.relative_to(self.source.parent)
        ids = frozenset((partner.duns, *partner.ids))
        return Channel(partner.duns, partner.name, ids, f"its inbound folder {folder}")


class ConfigError(Exception):
    """The configuration could not be used; `problems` says why."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_config(path: Path) -> tuple[SweepConfig | None, list[Problem]]:
    """Read and check `path`; the configuration (None when unusable) and every mistake."""
    reader = _Reader(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        reader.problem("(file)", "there is no such file", "Give the path of the partners TOML.")
        return None, reader.problems
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        reader.problem("(file)", f"not valid TOML: {error}", "Correct the TOML syntax there.")
        return None, reader.problems
    config = reader.config(data)
    return (config if not reader.problems else None), reader.problems


def configured_store(path: Path) -> str | None:
    """The store the configuration names (`[store] url`, environment variables such as
    $EBT_DB_PASSWORD expanded, a relative SQLite file taken from the configuration's
    folder), or None."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None  # the command that reads the configuration says what is wrong with it
    store = data.get("store")
    url = store.get("url") if isinstance(store, dict) else None
    if not isinstance(url, str) or not url.strip():
        return None
    return _beside(os.path.expandvars(url), path.resolve().parent)


def _beside(url: str, base: Path) -> str:
    """A SQLite file named by a relative path is taken from the configuration's folder, as
    its folders are (`sqlite:///ebt.db` beside partners.toml); any other URL as written."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return url
    name, query = url[len(prefix) :], ""
    if "?" in name:
        name, query = name.split("?", 1)
        query = "?" + query
    if not name or name == ":memory:" or name.startswith("file:") or Path(name).is_absolute():
        return url
    return f"{prefix}{base / name}{query}"


def require_config(path: Path) -> SweepConfig:
    config, problems = load_config(path)
    if config is None or problems:
        raise ConfigError(problems)
    return config


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.base = path.resolve().parent
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str, fix: str) -> None:
        self.problems.append(Problem(self.path, key, message, fix))

    def config(self, data: dict[str, Any]) -> SweepConfig:
        self._unknown(
            data, "", {"utility", "folders", "limits", "schedule", "partner", "store", "console"}
        )
        store = self._table(data, "store")
        self._unknown(store, "store.", {"url"})
        if "url" in store and not isinstance(store["url"], str):
            self.problem("store.url", "is not a text", 'Write e.g. url = "sqlite:///ebt.db".')
        utility = self._table(data, "utility")
        folders = self._table(data, "folders")
        limits = self._table(data, "limits")
        self._unknown(utility, "utility.", {"duns", "name"})
        self._unknown(folders, "folders.", {"work", "archive", "error", "unrouted", "refused"})
        self._unknown(limits, "limits.", {"max_file_mb", "duplicate_window_days", "ack_due_hours"})
        duns = self._duns(utility, "utility.duns")
        partners = self._partners(data.get("partner", []))
        if duns and any(p.duns == duns for p in partners):
            self.problem("utility.duns", f"{duns} is also listed as a partner", "List it once.")
        return SweepConfig(
            source=self.path,
            utility_duns=duns,
            utility_name=self._text(utility, "utility.name", "name", default=""),
            work=self._folder(folders, "folders.work", "work"),
            archive=self._folder(folders, "folders.archive", "archive"),
            error=self._folder(folders, "folders.error", "error"),
            unrouted=self._folder(folders, "folders.unrouted", "unrouted"),
            refused=self._folder(folders, "folders.refused", "refused"),
            max_file_bytes=self._int(limits, "limits.max_file_mb", 512) * 1024 * 1024,
            duplicate_window_days=self._int(limits, "limits.duplicate_window_days", 90),
            ack_due_hours=self._int(limits, "limits.ack_due_hours", 24),
            partners=partners,
            schedule=self._schedule(self._table(data, "schedule")),
        )

    # -- pieces ----------------------------------------------------------------------------

    def _table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            self.problem(key, "is not a table", f"Write it as [{key}] with keys under it.")
            return {}
        return value

    def _unknown(self, data: dict[str, Any], prefix: str, known: set[str]) -> None:
        for key in sorted(set(data) - known):
            self.problem(
                f"{prefix}{key}",
                "is not a key this configuration knows",
                f"Remove it or correct its spelling; known here: {', '.join(sorted(known))}.",
            )

    def _duns(self, data: dict[str, Any], key: str) -> str:
        value = data.get(key.rsplit(".", 1)[-1])
        if not isinstance(value, str) or not DUNS.match(value):
            self.problem(
                key,
                f"{value!r} is not a DUNS number" if value is not None else "is missing",
                'Give the 9-digit (or 13-digit DUNS+4) number in quotes, e.g. "049876543".',
            )
            return ""
        return value

    def _text(self, data: dict[str, Any], key: str, name: str, *, default: str | None) -> str:
        value = data.get(name, default)
        if not isinstance(value, str) or not value.strip():
            self.problem(key, "is missing or empty", "Give it as a quoted string.")
            return ""
        return value

    def _int(self, data: dict[str, Any], key: str, default: int) -> int:
        value = data.get(key.rsplit(".", 1)[-1], default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.problem(key, f"{value!r} is not a whole number above 0", "Give e.g. 15.")
            return default
        return value

    def _bool(self, data: dict[str, Any], key: str, default: bool) -> bool:
        value = data.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, bool):
            self.problem(key, f"{value!r} is not true or false", "Write true or false.")
            return default
        return value

    def _folder(self, data: dict[str, Any], key: str, default: str) -> Path:
        value = data.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, str) or not value:
            self.problem(key, f"{value!r} is not a folder", 'Give a path, e.g. "archive".')
            return self.base / default
        return (self.base / value).resolve()

    def _clock(self, value: object, key: str) -> time | None:
        if not isinstance(value, str) or not CLOCK.match(value):
            self.problem(
                key, f"{value!r} is not a time of day", 'Write it as "HH:MM", e.g. "07:30".'
            )
            return None
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))

    def _partners(self, items: object) -> tuple[Partner, ...]:
        if not isinstance(items, list) or not items:
            self.problem(
                "partner", "no partners are listed", "Add a [[partner]] table for each partner."
            )
            return ()
        partners: list[Partner] = []
        seen: dict[str, str] = {}
        folders: dict[Path, str] = {}
        for index, item in enumerate(items, start=1):
            where = f"partner[{index}]"
            if not isinstance(item, dict):
                self.problem(where, "is not a table", "Write it as [[partner]] with keys.")
                continue
            partner = self._partner(item, where)
            for duns in (partner.duns, *partner.ids):
                if duns and duns in seen:
                    self.problem(
                        f"{where}.duns",
                        f"{duns} is already used by {seen[duns]}",
                        "Each id belongs to one partner.",
                    )
                seen[duns] = where
            if partner.inbound in folders:
                self.problem(
                    f"{where}.inbound",
                    f"the folder {partner.inbound} is also {folders[partner.inbound]}'s inbound",
                    "Give each partner its own inbound folder (the sender is known by it).",
                )
            folders[partner.inbound] = where
            partners.append(partner)
        return tuple(partners)

    def _partner(self, item: dict[str, Any], where: str) -> Partner:
        self._unknown(
            item,
            f"{where}.",
            {"duns", "name", "ids", "inbound", "outbound", "production", "acknowledgments"},
        )
        ids = item.get("ids", [])
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            self.problem(f"{where}.ids", "is not a list of ids", 'Write e.g. ["081234567"].')
            ids = []
        for key in ("inbound", "outbound"):
            if key not in item:
                self.problem(
                    f"{where}.{key}", "is missing", f'Give the {key} folder, e.g. "x/{key}".'
                )
        acks = self._table(item, "acknowledgments") if "acknowledgments" in item else {}
        self._unknown(acks, f"{where}.acknowledgments.", {"send_997", "expect_997", "ta1"})
        ta1 = acks.get("ta1", "on_error")
        if ta1 not in ACK_MODES:
            self.problem(
                f"{where}.acknowledgments.ta1",
                f"{ta1!r} is not a TA1 preference",
                f"Use one of {', '.join(ACK_MODES)}.",
            )
            ta1 = "on_error"
        return Partner(
            duns=self._duns(item, f"{where}.duns"),
            name=self._text(item, f"{where}.name", "name", default=None),
            inbound=self._folder(item, f"{where}.inbound", "inbound"),
            outbound=self._folder(item, f"{where}.outbound", "outbound"),
            production=self._bool(item, f"{where}.production", True),
            ids=tuple(ids),
            acknowledgments=Acknowledgments(
                send_997=self._bool(acks, f"{where}.acknowledgments.send_997", True),
                expect_997=self._bool(acks, f"{where}.acknowledgments.expect_997", True),
                ta1=str(ta1),
            ),
        )

    def _schedule(self, data: dict[str, Any]) -> Schedule:
        self._unknown(
            data,
            "schedule.",
            {"inbound_every_minutes", "outbound_at", "activation_at", "ack_check_every_minutes"},
        )
        default = Schedule()
        times = data.get("outbound_at", [t.strftime("%H:%M") for t in default.outbound_at])
        if not isinstance(times, list) or not times:
            self.problem("schedule.outbound_at", "is not a list of times", 'Write ["07:00"].')
            times = []
        outbound = [self._clock(t, "schedule.outbound_at") for t in times]
        activation = self._clock(data.get("activation_at", "05:00"), "schedule.activation_at")
        return Schedule(
            inbound_every_minutes=self._int(data, "schedule.inbound_every_minutes", 15),
            outbound_at=tuple(t for t in outbound if t is not None) or default.outbound_at,
            activation_at=activation or default.activation_at,
            ack_check_every_minutes=self._int(data, "schedule.ack_check_every_minutes", 60),
        )
