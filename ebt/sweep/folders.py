"""The sweep's folders: files waiting in partners' inbound folders, claimed by an atomic
rename into the work folder, archived under archive/YYYY/MM/DD/, or set aside in error/ with
a plain-text report beside them."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from ebt.sweep.config import Partner, SweepConfig

IN_FLIGHT_SUFFIXES = (".tmp", ".part", ".partial")


@dataclass(frozen=True, slots=True)
class Waiting:
    partner: Partner
    path: Path
    arrived: float  # modification time
    unsafe: str | None = None  # what it is when not a plain file: it is never opened


def waiting(config: SweepConfig) -> list[Waiting]:
    """Entries waiting in the partners' inbound folders, oldest first (delivery order; ties
    by name, then by partner, never by the order the folder lists them in). Hidden files and
    names ending .tmp/.part are still being written by the partner. Links, FIFOs, sockets and
    devices are listed with what they are (`unsafe`), without being followed or opened."""
    found: list[Waiting] = []
    for partner in config.partners:
        for path, status in _entries(partner.inbound):
            found.append(Waiting(partner, path, status.st_mtime, unsafe_kind(status)))
    return sorted(found, key=lambda w: (w.arrived, w.path.name, w.partner.duns))


def _entries(folder: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """The folder's entries other than folders, hidden and in-flight names, each with its
    own status (a link's, not its target's)."""
    if not folder.is_dir():
        return
    for entry in os.scandir(folder):
        name = entry.name
        if name.startswith(".") or name.endswith(IN_FLIGHT_SUFFIXES):
            continue
        try:
            status = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue  # another sweep claimed it
        if not stat.S_ISDIR(status.st_mode):
            yield Path(entry.path), status


def unsafe_kind(status: os.stat_result) -> str | None:
    """What an entry is when it is not a plain file of its own (None when it is one)."""
    mode = status.st_mode
    if stat.S_ISREG(mode):
        return "a hard link (the same file has another name)" if status.st_nlink > 1 else None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"


class UnsafeEntryError(OSError):
    """A claimed entry is not a plain file of its own; `kind` says what it is."""

    def __init__(self, path: Path, kind: str):
        super().__init__(f"{path.name} is {kind}")
        self.kind = kind


def open_plain(path: Path) -> BinaryIO:
    """Open a claimed file for reading without following a link or blocking on a FIFO;
    UnsafeEntryError when it is not a plain file of its own."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == 40:  # ELOOP: the last component is a symbolic link
            raise UnsafeEntryError(path, "a symbolic link") from None
        raise
    kind = unsafe_kind(os.fstat(fd))
    if kind is not None:
        os.close(fd)
        raise UnsafeEntryError(path, kind)
    return os.fdopen(fd, "rb")


def claim(item: Waiting, work: Path, now: datetime) -> Path | None:
    """Take the entry by renaming it into `work` (or, when it is not a plain file, the
    refused folder) under a unique name; None when another sweep took it first. The rename
    is atomic on one file system, and neither follows a link nor opens anything."""
    work.mkdir(parents=True, exist_ok=True)
    target = (
        work / f"{now:%Y%m%dT%H%M%S}.{secrets.token_hex(4)}.{item.partner.duns}.{item.path.name}"
    )
    try:
        item.path.rename(target)
    except FileNotFoundError:
        return None
    return target


def set_aside(path: Path, refused: Path, *, partner: Partner, kind: str, when: datetime) -> Path:
    """Move an entry that is not a plain file into `refused`, unopened, with a report beside
    it that names it and nothing of what it points at or holds."""
    name = original_name(path) if claimed_partner(path) else path.name
    target = refused / f"{when:%Y%m%dT%H%M%S}.{secrets.token_hex(4)}.{partner.duns}.{name}"
    move(path, target)
    write_text_atomically(
        target.with_name(target.name + ".report.txt"),
        "\n".join(
            [
                f"Entry:     {name}",
                f"From:      {partner.name} ({partner.duns}), inbound folder {partner.inbound}",
                f"Found:     {when:%Y-%m-%d %H:%M}",
                f"What:      {kind}",
                "",
                "It was not opened or read: only plain files are taken from an inbound folder.",
                "What to do: find out who put it there; the partner sends its files as plain",
                "files. Remove it from this folder once looked at.",
                "",
            ]
        ),
    )
    return target


def original_name(claimed: Path) -> str:
    """The name the partner gave a claimed file."""
    parts = claimed.name.split(".", 3)
    return parts[3] if len(parts) == 4 else claimed.name


def claimed_partner(claimed: Path) -> str | None:
    parts = claimed.name.split(".", 3)
    return parts[2] if len(parts) == 4 else None


def orphans(work: Path) -> list[Path]:
    """Claimed files in `work` (a sweep may have died before recording them)."""
    if not work.is_dir():
        return []
    return sorted(p for p, _ in _entries(work) if claimed_partner(p) is not None)


def archive_path(archive: Path, claimed: Path, when: datetime) -> Path:
    """Where a claimed file is kept: archive/YYYY/MM/DD/<its name>, or its claimed (unique)
    name when that day already has a file of that name."""
    day = archive / f"{when:%Y}" / f"{when:%m}" / f"{when:%d}"
    target = day / original_name(claimed)
    return day / claimed.name if target.exists() else target


def move(source: Path, target: Path) -> None:
    """Rename `source` to `target` (folders made), durably."""
    target.parent.mkdir(parents=True, exist_ok=True)
    source.rename(target)
    _sync_folder(target.parent)


def write_text_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
