"""Properties of the knowledge-base importers and exporters over generated files: whatever an
editor uploads, the importer answers with entries or with its own error naming where the
problem is; and what the exporters write, the importers read back as the same entries."""
from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_base.entry import KbEntryIn
from knowledge_base.exporters import EXPORT_FORMATS, export_entries
from knowledge_base.importers import FORMATS, FIELDS, KbImportError, parse_entries, read_file

EXTENSIONS = {"json": ".json", "jsonl": ".jsonl", "yaml": ".yaml", "csv": ".csv", "markdown": ".md"}
# Where a problem may point: a line (possibly inside a record), or the whole file when it is empty.
LOCATION = re.compile(r"^(line \d+(, column \d+)?|record \d+ \(line \d+\)|file)$")

# Characters that make formats trip: quotes, separators, markup, line breaks of every kind,
# byte-order marks, CJK, emoji, controls.
TRICKY = st.sampled_from(list("\"',|:;#-*>&!%@`{}[]\\\t\n\r\x00\x0b\x0c\x1c\x85\u2028\u2029\ufeff运费😀 ")
                         + ["##", "## ", "---", "```", "- ", "id:", "tags:", "...", "entries"])


def _texts(pieces, **size) -> st.SearchStrategy[str]:
    return st.lists(pieces, **size).map("".join)


ANY_TEXT = _texts(st.one_of(st.characters(), TRICKY), max_size=120)
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT,
                       lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.sampled_from(FIELDS + ("entries", "x")) | ANY_TEXT, inner, max_size=5),
                       max_leaves=12)


@st.composite
def files(draw, fmt: str) -> str:
    """Plain noise, or noise shaped like the format, so the fuzzing gets past the first parse."""
    shaped = {
        "json": lambda data: json.dumps(data, ensure_ascii=draw(st.booleans())),
        "jsonl": lambda data: "\n".join(json.dumps(item) for item in (data if isinstance(data, list) else [data])),
        "yaml": lambda data: yaml.safe_dump(data, allow_unicode=True),
        "csv": _csv_text,
        "markdown": lambda data: "\n".join(f"## {k}\n{v}" for k, v in (data.items() if isinstance(data, dict)
                                                                       else enumerate([data]))),
    }[fmt]
    kind = draw(st.sampled_from(["noise", "shaped", "shaped+noise"]))
    if kind == "noise":
        return draw(ANY_TEXT)
    text = shaped(draw(JSONISH))
    if kind == "shaped+noise":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(ANY_TEXT) + text[at:]
    return text


def _csv_text(data) -> str:
    rows = data if isinstance(data, list) else [data]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["question", "answer", "tags"])
    for row in rows:
        writer.writerow([str(cell) for cell in (row.values() if isinstance(row, dict) else [row])])
    return out.getvalue()


def _check_import(text: str, fmt: str) -> None:
    try:
        entries = parse_entries(text, fmt)
    except KbImportError as exc:
        assert exc.problems and str(exc)
        for problem in exc.problems:
            assert LOCATION.match(problem.location), problem
    else:
        assert entries and all(isinstance(e, KbEntryIn) for e in entries)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), fmt=st.sampled_from(FORMATS))
def test_any_text_imports_or_gets_the_importers_own_error_naming_a_line(data, fmt):
    _check_import(data.draw(files(fmt)), fmt)


@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=300) | ANY_TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
       fmt=st.sampled_from(FORMATS))
def test_any_bytes_in_a_file_import_or_get_the_importers_own_error(raw, fmt):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"faq{EXTENSIONS[fmt]}"
        path.write_bytes(raw)
        try:
            entries = read_file(path)
        except KbImportError as exc:
            assert all(LOCATION.match(p.location) for p in exc.problems), exc.problems
        else:
            assert entries


# --- round trips ------------------------------------------------------------------------------

# What editors write: any letter, CJK, emoji, punctuation that formats care about, line breaks
# and markdown. Surrogates cannot be stored as UTF-8 at all, so they are not text; NUL is
# refused (the last test).
WRITTEN = _texts(st.one_of(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                           TRICKY.filter(lambda c: c != "\x00")),
                 min_size=1, max_size=60)


def _fits(model_field: str):
    """Text that survives the model's own trimming with the length it asks for."""
    minimum = 2 if model_field == "question" else 1
    return WRITTEN.filter(lambda t: len(t.strip()) >= minimum)


@st.composite
def entries(draw, csv_safe: bool = False) -> list[dict]:
    item = _fits("item")
    if csv_safe:  # "|" separates list items in a CSV cell; the exporter refuses items holding one
        item = item.filter(lambda t: "|" not in t)
    count = draw(st.integers(1, 4))
    made = []
    for index in range(count):
        entry = KbEntryIn(
            id=f"entry-{index}", language=draw(st.sampled_from(["zh", "en"])),
            question=draw(_fits("question")), answer=draw(_fits("answer")),
            alternates=draw(st.lists(item, max_size=3)), tags=draw(st.lists(item, max_size=3)),
            status=draw(st.sampled_from(["draft", "published"])))
        made.append(entry.model_dump(mode="json"))
    return made


def _jsonl(rows: list[dict]) -> str:
    return "\n".join(json.dumps(row, ensure_ascii=False) for row in json.loads(export_entries(rows, "json")))


@settings(max_examples=100, deadline=None)
@given(rows=entries(), fmt=st.sampled_from([f for f in EXPORT_FORMATS if f != "csv"] + ["jsonl"]))
def test_exported_entries_import_as_the_same_entries(rows, fmt):
    text = _jsonl(rows) if fmt == "jsonl" else export_entries(rows, fmt)
    assert [e.model_dump(mode="json") for e in parse_entries(text, fmt)] == rows


@settings(max_examples=100, deadline=None)
@given(rows=entries(csv_safe=True))
def test_exported_csv_imports_as_the_same_entries(rows):
    text = export_entries(rows, "csv")
    assert [e.model_dump(mode="json") for e in parse_entries(text, "csv")] == rows


@settings(max_examples=50, deadline=None)
@given(rows=entries(), field_name=st.sampled_from(["question", "answer", "alternates", "tags"]),
       fmt=st.sampled_from(["json", "yaml"]))
def test_a_nul_anywhere_in_an_entry_is_refused_with_its_line_and_field(rows, field_name, fmt):
    # PostgreSQL cannot store it; SQLite could, so it is refused on every backend alike.
    row = rows[-1]
    row[field_name] = [*row[field_name], "a\x00b"] if isinstance(row[field_name], list) else row[field_name] + "\x00"
    try:
        parse_entries(export_entries(rows, fmt), fmt)
    except KbImportError as exc:
        assert [(p.field, LOCATION.match(p.location) is not None) for p in exc.problems] == [(field_name, True)]
    else:
        raise AssertionError("an entry holding NUL was imported")
