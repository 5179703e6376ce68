"""Write knowledge-base entries as JSON, YAML or CSV that the importers read back unchanged."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

import yaml

EXPORT_FORMATS = ("json", "yaml", "csv")
COLUMNS = ("id", "language", "question", "alternates", "answer", "tags", "status")
_LIST_FIELDS = ("alternates", "tags")


def export_entries(entries: list[dict], fmt: str) -> str:
    rows = [_plain(entry) for entry in entries]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        return yaml.dump(rows, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False)
    if fmt == "csv":
        return _csv(rows)
    raise ValueError(f"unknown export format '{fmt}'; expected one of {', '.join(EXPORT_FORMATS)}")


def _plain(entry: dict) -> dict[str, Any]:
    """Fixed key order and plain str values: a StrEnum status would make safe YAML refuse."""
    row: dict[str, Any] = {}
    for key in COLUMNS:
        value = entry.get(key)
        if key in _LIST_FIELDS:
            row[key] = [str(item) for item in value or ()]
        else:
            row[key] = None if value is None else str(value)
    return row


class _Dumper(yaml.SafeDumper):
    """Multi-line answers as literal blocks, so an exported file reads like the answer itself."""


# YAML reads these as line breaks too; PyYAML writes them raw in plain, quoted and block
# scalars, and they come back as "\n" or a space. Double quotes escape them.
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(c in value for c in _OTHER_BREAKS) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    # CRLF rows: the writer quotes only cells holding a character of the row terminator, and a
    # bare "\r" in an unquoted cell would end the row when read back.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        for key in _LIST_FIELDS:
            # "|" separates list items inside a cell; an item holding one would come back split.
            if any("|" in item for item in row[key]):
                raise ValueError(f"entry {row['id']}: a {key} item contains '|', which CSV cannot hold; "
                                 "export as json or yaml")
        writer.writerow(["|".join(row[key]) if key in _LIST_FIELDS else row[key] or "" for key in COLUMNS])
    return buffer.getvalue()
