"""Reading reference files: the rows of a CSV file and the items of a JSON file's lists, each
as (line, {column: text}) with the text stripped and empty values left out, streamed so that
memory stays flat with the file's size. Errors of the file's shape (a header that does not
fit the kind, a row of the wrong length, text that is not UTF-8, JSON that is not valid or
not an object of lists) go to the file's result, with their line.

CSV is read with the csv module; JSON with ijson (yajl), fed a line at a time so that each
item's line is known. A JSON file is read once for its outline (its members, where each
starts, whether it is a list) and then once more for each kind it holds, in dependency order,
up to the end of that kind's list.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from ebt.store.reference.results import LoadResult

Values = dict[str, str]
BOM = b"\xef\xbb\xbf"
JSON_CHUNK = 1 << 16  # a longer line is fed in pieces of this many bytes


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns a kind's file may have, and those it must have."""

    kind: str
    names: tuple[str, ...]
    required: tuple[str, ...]


# -- CSV --------------------------------------------------------------------------------------


def csv_rows(path: Path, columns: Columns, result: LoadResult) -> Iterator[tuple[int, Values]]:
    """(line, values) for each data row of a CSV file; header and shape errors go to
    `result`."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            if not header_fits(header, columns, result):
                return
            width, line = len(header), reader.line_num + 1
            for cells in reader:
                if len(cells) == width:
                    values = {
                        name: v
                        for name, cell in zip(header, cells, strict=True)
                        if (v := cell.strip())
                    }
                    if values:
                        yield line, values
                elif any(c.strip() for c in cells):
                    result.error(
                        line,
                        None,
                        f"the row has {len(cells)} fields but the header has {width}",
                        "quote values that hold commas; give one value per column",
                    )
                line = reader.line_num + 1
        except UnicodeDecodeError as bad:
            result.error(
                reader.line_num + 1,
                None,
                f"the file is not UTF-8 text ({bad.reason})",
                "save it as UTF-8 (CSV UTF-8 in a spreadsheet)",
            )
        except csv.Error as bad:
            result.error(reader.line_num, None, f"unreadable CSV: {bad}", "fix the quoting")


def header_fits(header: list[str], columns: Columns, result: LoadResult) -> bool:
    """Whether a CSV header names columns of the kind, each once, the required ones among
    them; errors for what does not fit go to `result`."""
    if not header:
        result.error(
            1, None, "the file is empty", f"start it with the header: {','.join(columns.names)}"
        )
        return False
    errors = result.error_count
    for column in header:
        if column not in columns.names:
            result.error(
                1,
                column or "(empty)",
                f"'{column}' is not a column of {columns.kind}",
                f"remove it or rename it to one of {', '.join(columns.names)}",
            )
    for name in columns.required:
        if name not in header:
            result.error(1, name, "the required column is missing", f"add {name} to the header")
    for column in {c for c in header if header.count(c) > 1}:
        result.error(1, column, "the column is named twice", "keep one of them")
    return result.error_count == errors


# -- JSON -------------------------------------------------------------------------------------


class _LineFeed:
    """A binary file read a line at a time (the `read` ijson calls), knowing the line of what
    it gave last (the parser's events come from it), where that starts in the file and
    whether it starts a line. `prefix` goes to the parser first: the text that comes before
    the place in the file where reading starts (a line start)."""

    def __init__(self, handle: IO[bytes], *, line: int = 1, prefix: bytes = b"") -> None:
        self.handle, self.line, self.next_line = handle, line, line
        self.text, self.pending = b"", prefix
        self.offset = self.end = handle.tell()
        self.reads, self.starts_line, self.ended_line = 0, False, True

    def read(self, size: int) -> bytes:
        if size == 0:
            return b""
        self.reads += 1
        if self.pending:
            self.text, self.pending = self.pending, b""
            return self.text
        self.starts_line, self.offset = self.ended_line, self.end
        self.text = self.handle.readline(JSON_CHUNK)
        self.end += len(self.text)
        if self.offset == 0:
            self.text = self.text.removeprefix(BOM)
        self.line, self.ended_line = self.next_line, self.text.endswith(b"\n")
        self.next_line += self.ended_line
        return self.text


@dataclass(frozen=True, slots=True)
class Section:
    """One member of a JSON reference file's object: its name, the line its value starts on,
    whether that value is a list, and, when its name is the first thing on its line, where
    that line starts (offset, line): its items are read from there."""

    name: str
    line: int
    is_list: bool
    start: tuple[int, int] | None = None


def json_sections(path: Path, kinds: tuple[str, ...], whole: LoadResult) -> list[Section] | None:
    """The members of a JSON reference file, or None after reporting what is wrong with it
    (in `whole`): not valid JSON, not an object, a member that is not a kind, not a list, or
    given twice."""
    sections: list[Section] = []
    with path.open("rb") as handle:
        feed = _LineFeed(handle)
        try:
            events = ijson.parse(feed)
            _path, first, _value = next(events)
            name, start, at_value, last_read = "", None, False, feed.reads
            for path_, event, value in events:
                if at_value:  # the first event of a member's value
                    sections.append(Section(name, feed.line, event == "start_array", start))
                    at_value = False
                elif path_ == "" and event == "map_key":
                    alone = feed.starts_line and last_read < feed.reads
                    alone = alone and feed.text.lstrip()[:1] == b'"'
                    name, start, at_value = value, (feed.offset, feed.line) if alone else None, True
                last_read = feed.reads
        except ijson.JSONError as bad:
            whole.error(feed.line or None, None, *_not_json(bad, feed))
            return None
    if first != "start_map":
        whole.error(1, None, "the file is not a JSON object", 'write {"partners": [...], ...}')
        return None
    for section in sections:
        if section.name not in kinds:
            whole.error(
                section.line,
                section.name,
                "is not a kind of reference data",
                f"use {', '.join(kinds)}",
            )
        elif not section.is_list:
            whole.error(
                section.line, section.name, "is not a list", "give a list of objects: [{...}, ...]"
            )
        elif [s.name for s in sections].count(section.name) > 1:
            whole.error(section.line, section.name, "is given twice", "merge the two lists")
    return None if whole.error_count else sections


def _not_json(bad: ijson.JSONError, feed: _LineFeed) -> tuple[str, str]:
    """The problem and fix of a file the parser gave up on: its reason, and the character of
    the line where it stopped (found from the text around it, which yajl shows with the
    character at a fixed place)."""
    message = bad.args[0] if bad.args else ""
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    first, *rest = str(message).split("\n")
    reason = first.split(": ", 1)[-1].rstrip(".")
    if "UTF8" in reason:
        return f"the file is not UTF-8 text ({reason})", "save it as UTF-8"
    where = ""
    if rest:
        shown = rest[0].lstrip(" ")  # yajl shows the line's end of line as spaces
        start = feed.text.find(shown.rstrip(" ").encode("utf-8", "replace")) if shown else -1
        if start >= 0:
            where = f" at character {start + 40 - (len(rest[0]) - len(shown))}"
    return f"not valid JSON: {reason}{where}", "fix it"


def json_items(path: Path, section: Section) -> Iterator[tuple[int, Any]]:
    """(line, item) for each item of a JSON reference file's list `section` (a valid file,
    as `json_sections` found it): an object's values as read, with an object or a list in
    it as an empty one; anything else as itself. Reading starts at the line of the section's
    name when it is known (after a "{"), so the sections before it are not parsed again."""
    item_path = f"{section.name}.item"
    with path.open("rb") as handle:
        if section.start is None:
            feed = _LineFeed(handle)
        else:
            handle.seek(section.start[0])
            feed = _LineFeed(handle, line=section.start[1], prefix=b"{")
        depth, line, key = 0, 0, ""
        item: dict[str, Any] | list[Any] = {}
        for path_, event, value in ijson.parse(feed):
            if depth == 0:
                if path_ == section.name and event == "end_array":
                    return
                if path_ != item_path:
                    continue
                line = feed.line
                if event in ("start_map", "start_array"):
                    depth, item = 1, {} if event == "start_map" else []
                else:
                    yield line, value
            elif event in ("start_map", "start_array"):
                if depth == 1 and isinstance(item, dict):
                    item[key] = {} if event == "start_map" else []
                depth += 1
            elif event in ("end_map", "end_array"):
                depth -= 1
                if depth == 0:
                    yield line, item
            elif depth == 1 and event == "map_key":
                key = value
            elif depth == 1 and isinstance(item, dict):
                item[key] = value


def json_rows(
    items: Iterator[tuple[int, Any]], columns: Columns, result: LoadResult
) -> Iterator[tuple[int, Values]]:
    """(line, values) for each item of one kind; shape errors go to `result` (an item that is
    not an object, or holds a list or an object as a value, is not checked further)."""
    for line, item in items:
        if not isinstance(item, dict):
            result.rows += 1
            result.error(line, None, f"each {columns.kind} item must be an object", "write {...}")
            continue
        nested = [column for column, value in item.items() if isinstance(value, dict | list)]
        for column in nested:
            result.error(line, column, "holds a list or an object", "give a plain value")
        for column in item:
            if column not in columns.names:
                result.error(
                    line,
                    column,
                    f"'{column}' is not a column of {columns.kind}",
                    f"remove it or use one of {', '.join(columns.names)}",
                )
        if nested:
            result.rows += 1
            continue
        yield line, {column: v for column, value in item.items() if (v := _text(value).strip())}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
