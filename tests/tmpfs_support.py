"""A small tmpfs mounted as a test's folder: another file system (a rename into it crosses
devices), one that can be filled, or made read-only. Mounting needs root (the tests run as
root here and in CI); without it the test is skipped, saying why."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


class Mounts:
    def __init__(self) -> None:
        self.mounted: list[Path] = []

    def tmpfs(self, folder: Path, size: str = "64k") -> Path:
        """Mount a tmpfs of `size` on `folder` (made first)."""
        folder.mkdir(parents=True, exist_ok=True)
        if shutil.which("mount") is None:
            pytest.skip("no mount command here: the test needs a tmpfs as a partner's folder")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(
                f"cannot mount a tmpfs ({done.stderr.strip() or 'mount failed'}): the test "
                "needs root to put a partner's folder on another file system"
            )
        self.mounted.append(folder)
        return folder

    def read_only(self, folder: Path) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    def read_write(self, folder: Path) -> None:
        subprocess.run(["mount", "-o", "remount,rw", str(folder)], check=True)

    def unmount(self) -> None:
        for folder in reversed(self.mounted):
            subprocess.run(["umount", "-l", str(folder)], check=False)
        self.mounted.clear()


def mounted() -> Iterator[Mounts]:
    """The body of a test module's `mounts` fixture: unmounts all it mounted at the end."""
    made = Mounts()
    try:
        yield made
    finally:
        made.unmount()


def fill(folder: Path) -> Path:
    """Fill `folder`'s file system to the last byte; the filler file (remove it to free)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as full:
        assert full.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler
