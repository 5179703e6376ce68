"""Read knowledge-base files (JSON, JSON Lines, YAML, CSV, Markdown) into validated entries.

Imports are all-or-nothing: every record is parsed and validated, and any problem anywhere
raises KbImportError listing all of them, so a half-imported FAQ never reaches the database
and an editor can fix the whole file in one pass. Records are numbered from 1 and lines are
physical lines of the file, as an editor's text editor shows them.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge_base.entry import KbEntryIn

FORMATS = ("json", "jsonl", "yaml", "csv", "markdown")
_EXTENSIONS = {
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml", ".yml": "yaml",
    ".csv": "csv", ".md": "markdown", ".markdown": "markdown",
}
FIELDS = tuple(KbEntryIn.model_fields)
_LIST_FIELDS = ("alternates", "tags")
_MAX_SHOWN = 20


@dataclass(frozen=True)
class ImportProblem:
    location: str
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.location if self.field is None else f"{self.location}, field '{self.field}'"
        return f"{where}: {self.message}"


class KbImportError(Exception):
    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:_MAX_SHOWN]]
        if len(self.problems) > _MAX_SHOWN:
            lines.append(f"... and {len(self.problems) - _MAX_SHOWN} more")
        super().__init__("\n".join(lines))


def _fail(location: str, message: str) -> KbImportError:
    return KbImportError([ImportProblem(location, None, message)])


@dataclass
class _Record:
    location: str
    data: Any
    # Markdown metadata sits on its own line; errors in it point there rather than at the heading.
    field_locations: dict[str, str] = field(default_factory=dict)
    # Found while reading the record; kept so one bad record does not hide the others.
    problems: list[ImportProblem] = field(default_factory=list)


def detect_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    known = ", ".join(_EXTENSIONS)
    what = f"unknown file type '{suffix}'" if suffix else "file name has no extension"
    raise _fail(filename, f"{what}; expected one of {known}")


def read_file(path: str | Path) -> list[KbEntryIn]:
    fmt = detect_format(str(path))
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise _fail(str(path), f"cannot read file: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _fail(f"line {line}", f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                    f"{exc.start}); save it as UTF-8") from None
    return parse_entries(text, fmt)


def parse_entries(text: str, fmt: str) -> list[KbEntryIn]:
    readers = {"json": _json_records, "jsonl": _jsonl_records, "yaml": _yaml_records,
               "csv": _csv_records, "markdown": _markdown_records}
    if fmt not in readers:
        raise _fail("format", f"unknown import format '{fmt}'; expected one of {', '.join(FORMATS)}")
    records = readers[fmt](text.removeprefix("\ufeff"))
    if not records:
        raise _fail("file", "no entries found")
    return _validate(records)


def _validate(records: list[_Record]) -> list[KbEntryIn]:
    problems: list[ImportProblem] = []
    entries: list[KbEntryIn] = []
    first_seen: dict[str, str] = {}
    for record in records:
        if record.problems:
            problems.extend(record.problems)
            continue
        if not isinstance(record.data, dict):
            kind = type(record.data).__name__
            problems.append(ImportProblem(record.location, None, f"expected an entry object, got {kind}"))
            continue
        try:
            entry = KbEntryIn.model_validate(record.data)
        except ValidationError as exc:
            problems.extend(_problems_from(exc, record))
            continue
        if entry.id is not None:
            where = record.field_locations.get("id", record.location)
            if entry.id in first_seen:
                message = f"duplicate id '{entry.id}', also used at {first_seen[entry.id]}"
                problems.append(ImportProblem(where, "id", message))
            else:
                first_seen[entry.id] = where
        entries.append(entry)
    if problems:
        raise KbImportError(problems)
    return entries


def _problems_from(exc: ValidationError, record: _Record) -> list[ImportProblem]:
    problems = []
    for err in exc.errors():
        loc = err["loc"]
        name = str(loc[0]) if loc else None
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown field; allowed fields are {', '.join(FIELDS)}"
        elif err["type"] == "string_pattern_mismatch" and name == "id":
            message = "an id is 1 to 80 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or a digit"
        if len(loc) > 1 and isinstance(loc[1], int):
            message = f"item {loc[1] + 1}: {message}"
        location = record.field_locations.get(name or "", record.location)
        problems.append(ImportProblem(location, name, message))
    return problems


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _entry_list_problem(data: Any) -> str | None:
    """Both JSON and YAML accept a bare list or {"entries": [...]}, and nothing else."""
    if isinstance(data, list):
        return None
    if isinstance(data, dict) and set(data) == {"entries"} and isinstance(data["entries"], list):
        return None
    if isinstance(data, dict) and "entries" in data and isinstance(data["entries"], list):
        extra = ", ".join(repr(str(k)) for k in data if k != "entries")
        return f"unknown top-level key {extra}; only 'entries' is allowed"
    return "expected a list of entries or an object with an 'entries' list"


# --- JSON -----------------------------------------------------------------------------------

_WS = re.compile(r"[ \t\r\n]*")


def _skip_ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _json_records(text: str) -> list[_Record]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}") from None
    start = _skip_ws(text, 0)
    if problem := _entry_list_problem(data):
        raise _fail(f"line {_line_at(text, start)}", problem)
    # The document is known to be valid, so walking it with raw_decode cannot fail; the walk
    # exists only to learn where each record starts, which json.loads does not tell.
    decoder = json.JSONDecoder()
    if isinstance(data, dict):
        start = _entries_value_offset(text, start, decoder)
    records, line, counted_to = [], 1, 0
    for i, (offset, value) in enumerate(_array_items(text, start, decoder), start=1):
        # Count newlines incrementally: recounting from the top is quadratic on big files.
        line += text.count("\n", counted_to, offset)
        counted_to = offset
        records.append(_Record(f"record {i} (line {line})", value))
    return records


def _entries_value_offset(text: str, pos: int, decoder: json.JSONDecoder) -> int:
    found = pos
    pos += 1  # past "{"
    while True:
        key, pos = decoder.raw_decode(text, _skip_ws(text, pos))
        value_start = _skip_ws(text, _skip_ws(text, pos) + 1)  # past ":"
        if key == "entries":
            found = value_start  # json.loads keeps the last of repeated keys; so do we
        _, pos = decoder.raw_decode(text, value_start)
        pos = _skip_ws(text, pos)
        if text[pos] == "}":
            return found
        pos += 1  # past ","


def _array_items(text: str, pos: int, decoder: json.JSONDecoder) -> list[tuple[int, Any]]:
    items = []
    pos = _skip_ws(text, pos + 1)  # past "["
    if text[pos] == "]":
        return items
    while True:
        value, end = decoder.raw_decode(text, pos)
        items.append((pos, value))
        end = _skip_ws(text, end)
        if text[end] == "]":
            return items
        pos = _skip_ws(text, end + 1)  # past ","


def _jsonl_records(text: str) -> list[_Record]:
    records = []
    # Split on "\n" only: str.splitlines would also break on U+2028, which JSON allows raw.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(_Record(f"line {number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            problem = ImportProblem(f"line {number}, column {exc.colno}", None, f"invalid JSON: {exc.msg}")
            records.append(_Record(f"line {number}", None, problems=[problem]))
    return records


# --- YAML -----------------------------------------------------------------------------------

def _yaml_records(text: str) -> list[_Record]:
    # Compose and construct from one parse so the data and the node positions agree.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when present: 20x faster
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)  # libyaml: an int
        message = f"invalid YAML: character U+{code:04X}: {exc.reason}"
        raise _fail(f"line {_line_at(text, exc.position)}", message) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        detail = getattr(exc, "problem", None) or str(exc)
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark and context_mark is not mark:
            # An unclosed bracket or quote fails far below where it opened; name both places.
            detail += f" ({context} at line {context_mark.line + 1})"
        raise _fail(where, f"invalid YAML: {detail}") from None
    finally:
        loader.dispose()
    if data is None:
        return []
    if problem := _entry_list_problem(data):
        raise _fail(f"line {node.start_mark.line + 1}", problem)
    items = data
    if isinstance(data, dict):
        items = data["entries"]
        node = next(value for key, value in reversed(node.value) if key.value == "entries")
    return [
        _Record(f"record {i} (line {item_node.start_mark.line + 1})", value)
        for i, (item_node, value) in enumerate(zip(node.value, items), start=1)
    ]


# --- CSV ------------------------------------------------------------------------------------

def _split_list(cell: str) -> list[str]:
    # Empty pieces come from stray or trailing "|" in hand-edited sheets, not from intent.
    return [piece.strip() for piece in cell.split("|") if piece.strip()]


def _csv_records(text: str) -> list[_Record]:
    # strict: an unclosed quote would otherwise swallow the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    records: list[_Record] = []
    row_start = 1
    try:
        for row in reader:
            location, row_start = f"line {row_start}", reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _csv_header(row, location)
                continue
            data = {}
            for name, cell in zip(header, row):
                if cell.strip():  # an empty cell means "not given", so defaults apply
                    data[name] = _split_list(cell) if name in _LIST_FIELDS else cell
            record = _Record(location, data)
            if len(row) > len(header):
                message = f"row has {len(row)} cells but the header has {len(header)}"
                record.problems.append(ImportProblem(location, None, message))
            records.append(record)
    except csv.Error as exc:
        raise _fail(f"line {row_start}", f"invalid CSV: {exc}") from None
    return records


def _csv_header(row: list[str], location: str) -> list[str]:
    names = [cell.strip().lower() for cell in row]
    problems = []
    for index, name in enumerate(names, start=1):
        if not name:
            problems.append(ImportProblem(location, None, f"column {index} has no name"))
        elif name not in FIELDS:
            message = f"unknown column; allowed columns are {', '.join(FIELDS)}"
            problems.append(ImportProblem(location, name, message))
        elif names.index(name) != index - 1:
            problems.append(ImportProblem(location, name, "column appears twice"))
    for required in ("question", "answer"):
        if required not in names:
            problems.append(ImportProblem(location, required, "the header needs this column"))
    if problems:
        raise KbImportError(problems)
    return names


# --- Markdown -------------------------------------------------------------------------------

_META_KEYS = ("id", "language", "alternates", "tags", "status")


def _markdown_records(text: str) -> list[_Record]:
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    sections: list[tuple[int, str, list[tuple[int, str]]]] = []
    in_fence = False
    for number, line in enumerate(lines, start=1):
        # A "## " inside a fenced code block is part of an answer, not a new entry.
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and (line.startswith("## ") or line.rstrip() == "##"):
            sections.append((number, line[2:].strip(), []))
        elif not in_fence and (line.startswith("# ") or line.rstrip() == "#"):
            continue
        elif sections:
            sections[-1][2].append((number, line))
    return [_markdown_record(*section) for section in sections]


def _markdown_record(heading_line: int, question: str, body: list[tuple[int, str]]) -> _Record:
    data: dict[str, Any] = {"question": question}
    record = _Record(f"line {heading_line}", data)
    index = 0
    while index < len(body):
        number, line = body[index]
        key, sep, value = line.partition(":")
        if not line.strip() and not record.field_locations:
            index += 1  # blank lines between the heading and the metadata
            continue
        if not sep or key not in _META_KEYS:
            break
        if key in record.field_locations:
            record.problems.append(ImportProblem(f"line {number}", key, "given twice for this entry"))
        record.field_locations[key] = f"line {number}"
        if value.strip():
            data[key] = _split_list(value) if key in _LIST_FIELDS else value.strip()
        index += 1
    answer = "\n".join(line for _, line in body[index:]).strip()
    if answer:
        data["answer"] = answer
    return record
