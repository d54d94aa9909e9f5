"""Where the data folders are: inside the installed wheel, or beside the package in a checkout."""

from __future__ import annotations

from pathlib import Path

DATA_FOLDERS = ("transactions", "mappings", "rules", "fixtures")


def data_path(folder: str) -> Path:
    """The path of a data folder (`transactions`, `mappings`, `rules` or `fixtures`)."""
    if folder not in DATA_FOLDERS:
        raise ValueError(f"unknown data folder {folder!r}; expected one of {DATA_FOLDERS}")
    package = Path(__file__).resolve().parent
    installed = package / "_data" / folder
    if installed.is_dir():
        return installed
    checkout = package.parent / folder
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"data folder {folder!r} is missing from {installed} and {checkout}")
