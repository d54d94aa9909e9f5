"""The sweep's folders: files waiting in partners' inbound folders, claimed by an atomic
rename into the work folder, archived under archive/YYYY/MM/DD/, or set aside in error/ with
a plain-text report beside them."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ebt.sweep.config import Partner, SweepConfig

IN_FLIGHT_SUFFIXES = (".tmp", ".part", ".partial")


@dataclass(frozen=True, slots=True)
class Waiting:
    partner: Partner
    path: Path
    arrived: float  # modification time


def waiting(config: SweepConfig) -> list[Waiting]:
    """Files waiting in the partners' inbound folders, oldest first (delivery order).
    Hidden files and names ending .tmp/.part are still being written by the partner."""
    found: list[Waiting] = []
    for partner in config.partners:
        for path in _files(partner.inbound):
            try:
                found.append(Waiting(partner, path, path.stat().st_mtime))
            except FileNotFoundError:
                continue  # another sweep claimed it
    return sorted(found, key=lambda w: (w.arrived, w.path.name))


def _files(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        return
    for entry in os.scandir(folder):
        name = entry.name
        if entry.is_file() and not name.startswith(".") and not name.endswith(IN_FLIGHT_SUFFIXES):
            yield Path(entry.path)


def claim(item: Waiting, work: Path, now: datetime) -> Path | None:
    """Take the file by renaming it into `work` under a unique name; None when another sweep
    took it first. The rename is atomic on one file system."""
    work.mkdir(parents=True, exist_ok=True)
    target = (
        work / f"{now:%Y%m%dT%H%M%S}.{secrets.token_hex(4)}.{item.partner.duns}.{item.path.name}"
    )
    try:
        item.path.rename(target)
    except FileNotFoundError:
        return None
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
    return sorted(p for p in _files(work) if claimed_partner(p) is not None)


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
