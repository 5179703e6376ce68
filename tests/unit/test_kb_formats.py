"""Knowledge-base import and export formats: what parses, where errors point, round trips."""
from __future__ import annotations

import json

import pytest

from knowledge_base.exporters import EXPORT_FORMATS, export_entries
from knowledge_base.importers import FORMATS, ImportProblem, KbImportError, detect_format, parse_entries, read_file

ZH_ANSWER = "满99元包邮。\n不满99元收取10元运费。"
EN_ANSWER = "Send it back within 7 days.\n\nPack it in the original box."
EXPECTED = [
    {"id": "shipping-fee", "language": "zh", "question": "运费怎么算？", "alternates": ["邮费多少", "运费"],
     "answer": ZH_ANSWER, "tags": ["shipping"], "status": "published"},
    {"id": None, "language": None, "question": "How do I return an item?", "alternates": [],
     "answer": EN_ANSWER, "tags": [], "status": "draft"},
]

GOOD = {
    "json": json.dumps([
        {"id": "shipping-fee", "language": "zh", "question": "运费怎么算？", "alternates": ["邮费多少", "运费"],
         "answer": ZH_ANSWER, "tags": ["shipping"], "status": "published"},
        {"question": "How do I return an item?", "answer": EN_ANSWER},
    ], ensure_ascii=False, indent=2),
    "jsonl": "\n".join([
        json.dumps({"id": "shipping-fee", "language": "zh", "question": "运费怎么算？",
                    "alternates": ["邮费多少", "运费"], "answer": ZH_ANSWER, "tags": ["shipping"],
                    "status": "published"}, ensure_ascii=False),
        "",
        json.dumps({"question": "How do I return an item?", "answer": EN_ANSWER}),
    ]),
    "yaml": (
        "entries:\n"
        "  - id: shipping-fee\n"
        "    language: zh\n"
        "    question: 运费怎么算？\n"
        "    alternates: [邮费多少, 运费]\n"
        "    answer: |\n"
        "      满99元包邮。\n"
        "      不满99元收取10元运费。\n"
        "    tags: [shipping]\n"
        "    status: published\n"
        "  - question: How do I return an item?\n"
        "    answer: |\n"
        "      Send it back within 7 days.\n"
        "\n"
        "      Pack it in the original box.\n"
    ),
    "csv": (
        "id,language,question,alternates,answer,tags,status\n"
        f'shipping-fee,zh,运费怎么算？,邮费多少 | 运费,"{ZH_ANSWER}",shipping,published\n'
        f'," ",How do I return an item?,,"{EN_ANSWER}",,\n'
    ),
    "markdown": (
        "# 常见问题 FAQ\n"
        "Anything before the first entry is ignored.\n"
        "\n"
        "## 运费怎么算？\n"
        "id: shipping-fee\n"
        "language: zh\n"
        "alternates: 邮费多少 | 运费\n"
        "tags: shipping\n"
        "status: published\n"
        "\n"
        f"{ZH_ANSWER}\n"
        "\n"
        "## How do I return an item?\n"
        f"\n{EN_ANSWER}\n\n"
    ),
}


def dumped(entries):
    return [entry.model_dump(mode="json") for entry in entries]


def problems(text: str, fmt: str) -> list[tuple[str, str | None]]:
    with pytest.raises(KbImportError) as caught:
        parse_entries(text, fmt)
    return [(p.location, p.field) for p in caught.value.problems]


# --- formats and files ----------------------------------------------------------------------

@pytest.mark.parametrize("name, fmt", [
    ("faq.json", "json"), ("faq.JSONL", "jsonl"), ("faq.ndjson", "jsonl"), ("a/faq.yaml", "yaml"),
    ("faq.yml", "yaml"), ("faq.csv", "csv"), ("faq.md", "markdown"), ("faq.markdown", "markdown"),
])
def test_the_format_follows_the_extension(name, fmt):
    assert detect_format(name) == fmt


@pytest.mark.parametrize("name", ["faq.txt", "faq"])
def test_an_unknown_extension_is_refused_with_the_known_ones(name):
    with pytest.raises(KbImportError) as caught:
        detect_format(name)
    assert name in str(caught.value) and ".jsonl" in str(caught.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_chinese_and_english_with_multi_line_answers(fmt):
    assert dumped(parse_entries(GOOD[fmt], fmt)) == EXPECTED


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_byte_order_mark_is_accepted(fmt, tmp_path):
    assert dumped(parse_entries("\ufeff" + GOOD[fmt], fmt)) == EXPECTED
    ext = {"jsonl": "jsonl", "markdown": "md"}.get(fmt, fmt)
    path = tmp_path / f"faq.{ext}"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD[fmt].encode())
    assert dumped(read_file(path)) == EXPECTED


def test_a_file_that_is_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_bytes("question,answer\n运费,包邮\n".encode("gbk"))
    with pytest.raises(KbImportError) as caught:
        read_file(path)
    assert str(caught.value).startswith("line 2: file is not UTF-8")


def test_a_missing_file_is_an_import_error(tmp_path):
    with pytest.raises(KbImportError, match="cannot read file"):
        read_file(tmp_path / "absent.json")


@pytest.mark.parametrize("text, fmt", [("[]", "json"), ("", "jsonl"), ("", "yaml"),
                                       ("question,answer\n", "csv"), ("# Title\n### not level 2\n", "markdown")])
def test_a_file_without_entries_is_refused(text, fmt):
    assert problems(text, fmt) == [("file", None)]


def test_the_message_lists_every_problem_but_at_most_twenty():
    lines = [json.dumps({"question": f"question {i}"}) for i in range(25)]
    with pytest.raises(KbImportError) as caught:
        parse_entries("\n".join(lines), "jsonl")
    assert len(caught.value.problems) == 25
    message = str(caught.value).splitlines()
    assert message[0] == "line 1, field 'answer': Field required"
    assert len(message) == 21 and message[-1] == "... and 5 more"


def test_problems_are_frozen_values():
    problem = ImportProblem("line 3", "answer", "Field required")
    with pytest.raises(AttributeError):
        problem.location = "line 4"  # type: ignore[misc]
    assert str(problem) == "line 3, field 'answer': Field required"


# --- JSON -----------------------------------------------------------------------------------

def test_json_accepts_an_entries_object_and_reports_its_records_by_line():
    text = '{"version": 1,\n "entries": [\n  {"question": "hi there",\n   "answer": "hello"},\n  {"question": "ok"}\n]}'
    assert problems(text, "json") == [("line 1", None)]  # only "entries" is allowed at the top
    text = text.replace('"version": 1,\n', "\n")
    assert problems(text, "json") == [("record 2 (line 5)", "answer")]


def test_json_syntax_errors_name_line_and_column():
    assert problems('[\n  {"question": "hi", "answer": "x"},\n  {"question": }\n]', "json") == [
        ("line 3, column 16", None)]


def test_json_reports_every_bad_record_with_its_index_and_line():
    text = """[
  {"question": "no answer here"},
  {"question": "wrong type", "answer": 42},
  {"question": "unknown", "answer": "a", "category": "x"},
  {"question": "language", "answer": "a", "language": "fr"},
  {"id": "dup", "question": "first", "answer": "a"},
  {"id": "dup", "question": "second", "answer": "b"},
  {"question": "fine", "answer": "ok"}
]"""
    assert problems(text, "json") == [
        ("record 1 (line 2)", "answer"), ("record 2 (line 3)", "answer"), ("record 3 (line 4)", "category"),
        ("record 4 (line 5)", "language"), ("record 6 (line 7)", "id"),
    ]
    with pytest.raises(KbImportError) as caught:
        parse_entries(text, "json")
    assert "duplicate id 'dup', also used at record 5 (line 6)" in str(caught.value)
    assert "language must be one of zh, en" in str(caught.value)


@pytest.mark.parametrize("text", ['"just a string"', '{"items": []}', '{"entries": {}}'])
def test_json_of_the_wrong_shape_is_refused(text):
    assert problems(text, "json") == [("line 1", None)]


def test_json_records_must_be_objects():
    assert problems('[{"question": "hi", "answer": "x"},\n ["hi", "x"]]', "json") == [("record 2 (line 2)", None)]


# --- JSON Lines -----------------------------------------------------------------------------

def test_jsonl_reports_physical_lines_and_skips_blank_ones():
    text = "\n".join([
        '{"id": "a", "question": "first", "answer": "one"}',
        "",
        '{"question": "broken", "answer": ',
        '{"question": "wrong type", "answer": ["x"]}',
        "   ",
        '{"question": "unknown", "answer": "x", "extra": true}',
        '{"question": "language", "answer": "x", "language": "de"}',
        '{"id": "a", "question": "again", "answer": "two"}',
        '{"question": "no answer"}',
    ])
    assert problems(text, "jsonl") == [
        ("line 3, column 34", None), ("line 4", "answer"), ("line 6", "extra"), ("line 7", "language"),
        ("line 8", "id"), ("line 9", "answer"),
    ]


# --- YAML -----------------------------------------------------------------------------------

def test_yaml_reports_every_bad_record_by_its_line():
    text = (
        "- question: no answer here\n"
        "- question: wrong type\n"
        "  answer: [a, b]\n"
        "- question: unknown\n"
        "  answer: x\n"
        "  colour: red\n"
        "- {question: language, answer: x, language: ja}\n"
        "- id: dup\n"
        "  question: first\n"
        "  answer: x\n"
        "- id: dup\n"
        "  question: second\n"
        "  answer: y\n"
    )
    assert problems(text, "yaml") == [
        ("record 1 (line 1)", "answer"), ("record 2 (line 2)", "answer"), ("record 3 (line 4)", "colour"),
        ("record 4 (line 7)", "language"), ("record 6 (line 11)", "id"),
    ]


def test_yaml_syntax_errors_name_the_line():
    text = "- question: fine\n  answer: ok\n- question: [unclosed\n  answer: x\n"
    with pytest.raises(KbImportError) as caught:
        parse_entries(text, "yaml")
    assert str(caught.value).startswith("line 4, column 9: invalid YAML")
    assert "while parsing a flow sequence at line 3" in str(caught.value)
    found = problems("entries:\n  - question: a\n   answer: b\n", "yaml")
    assert found[0][0].startswith("line 3")


def test_yaml_of_the_wrong_shape_is_refused():
    assert problems("question: hi\nanswer: there\n", "yaml") == [("line 1", None)]


# --- CSV ------------------------------------------------------------------------------------

def test_csv_quoted_multi_line_cells_keep_later_line_numbers_right():
    text = (
        "question,answer,language\n"
        '"运费怎么算？","第一行\n第二行\n第三行",zh\n'
        "How long does delivery take?,,en\n"
        '"Can I pay, later?","Yes\n\nwith a card",xx\n'
        "Where are you?,Shanghai,en\n"
    )
    assert problems(text, "csv") == [("line 5", "answer"), ("line 6", "language")]
    first = parse_entries(text.split("How long")[0], "csv")[0]
    assert first.answer == "第一行\n第二行\n第三行" and first.language == "zh"


def test_csv_header_problems_name_the_column():
    assert problems("question,answer,category\nq1,a\n", "csv") == [("line 1", "category")]
    assert problems("question,tags\nq1,x\n", "csv") == [("line 1", "answer")]
    assert problems("question,answer,answer\nq1,a,b\n", "csv") == [("line 1", "answer")]


def test_csv_row_problems_name_line_and_field():
    text = (
        "id,question,answer,status\n"
        "a,first,one,published\n"
        "a,second,two,draft\n"
        "b,third,three,live\n"
        "Bad Id,fourth,four,\n"
        "c,fifth,five,draft,extra\n"
    )
    assert problems(text, "csv") == [("line 3", "id"), ("line 4", "status"), ("line 5", "id"), ("line 6", None)]


def test_csv_an_unclosed_quote_points_at_the_row_where_it_opens():
    text = 'question,answer\nfirst,one\nsecond,"never closed\nthird,three\n'
    found = problems(text, "csv")
    assert found == [("line 3", None)]


def test_csv_header_is_case_insensitive_and_lists_drop_empty_items():
    entries = parse_entries(" Question , ANSWER ,Tags\nhello there,hi,a||b|\n", "csv")
    assert entries[0].tags == ["a", "b"] and entries[0].answer == "hi"


# --- Markdown -------------------------------------------------------------------------------

def test_markdown_metadata_and_answer_bodies():
    text = (
        "Intro text before any entry.\n"
        "## What sizes do you have?\n"
        "tags: sizing | clothes\n"
        "alternates: size chart | 尺码表\n"
        "\n"
        "S, M and L.\n"
        "### Details\n"
        "```\n"
        "## not a heading inside a fence\n"
        "```\n"
        "# Section title, ignored\n"
        "## 可以开发票吗？\n"
        "Yes: ask an agent.\n"
    )
    first, second = parse_entries(text, "markdown")
    assert first.tags == ["sizing", "clothes"] and first.alternates == ["size chart", "尺码表"]
    assert first.answer == "S, M and L.\n### Details\n```\n## not a heading inside a fence\n```"
    assert second.question == "可以开发票吗？" and second.answer == "Yes: ask an agent."
    assert second.id is None and second.status == "draft"


def test_markdown_errors_point_at_the_heading_or_the_metadata_line():
    text = (
        "# FAQ\n"
        "## Empty answer\n"
        "\n"
        "## Bad language\n"
        "language: fr\n"
        "An answer.\n"
        "## First\n"
        "id: same\n"
        "One.\n"
        "## Second\n"
        "id: same\n"
        "Two.\n"
        "## Status twice\n"
        "status: draft\n"
        "status: published\n"
        "Three.\n"
        "## x\n"
        "Too short a question.\n"
    )
    with pytest.raises(KbImportError) as caught:
        parse_entries(text, "markdown")
    assert "duplicate id 'same', also used at line 8" in str(caught.value)
    assert problems(text, "markdown") == [
        ("line 2", "answer"), ("line 5", "language"), ("line 11", "id"), ("line 15", "status"), ("line 17", "question"),
    ]


# --- export and round trips -----------------------------------------------------------------

ROUND_TRIP = [
    {"id": "shipping-fee", "language": "zh", "question": "运费怎么算？", "alternates": ["邮费多少", "运费"],
     "answer": ZH_ANSWER, "tags": ["shipping", "fees"], "status": "published"},
    {"id": "returns", "language": "en", "question": 'Can I return "sale" items, too?', "alternates": [],
     "answer": "Yes.\n\n  Indented line, a comma, and a: colon.\n- a dash line", "tags": [], "status": "draft"},
    {"id": "numbers", "language": "en", "question": "yes", "alternates": ["123", "null"],
     "answer": "true", "tags": ["on"], "status": "published"},
]


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_then_import_gives_back_the_same_entries(fmt):
    assert dumped(parse_entries(export_entries(ROUND_TRIP, fmt), fmt)) == ROUND_TRIP


def test_exports_keep_chinese_readable_and_columns_in_order():
    assert "运费怎么算？" in export_entries(ROUND_TRIP, "json")
    assert "运费怎么算？" in export_entries(ROUND_TRIP, "yaml")
    csv_text = export_entries(ROUND_TRIP, "csv")
    assert csv_text.splitlines()[0] == "id,language,question,alternates,answer,tags,status"
    assert "邮费多少|运费" in csv_text
    assert list(json.loads(export_entries(ROUND_TRIP, "json"))[0]) == list(ROUND_TRIP[0])


def test_csv_export_refuses_a_list_item_holding_the_separator():
    entry = dict(ROUND_TRIP[0], tags=["a|b"])
    with pytest.raises(ValueError, match="shipping-fee"):
        export_entries([entry], "csv")
    assert dumped(parse_entries(export_entries([entry], "yaml"), "yaml"))[0]["tags"] == ["a|b"]


def test_an_unknown_export_format_is_refused():
    with pytest.raises(ValueError, match="json, yaml, csv"):
        export_entries(ROUND_TRIP, "xml")
