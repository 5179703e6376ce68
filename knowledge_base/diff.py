"""What changed between two versions of an entry, field by field, in pieces a page can mark up.

Text is compared word by word in English and character by character in Chinese (which has
no spaces between words), so a one-character edit in an answer shows as one character.
"""
from __future__ import annotations

import difflib
import re

TEXT_FIELDS = ("question", "answer")
LIST_FIELDS = ("alternates", "tags")
VALUE_FIELDS = ("language", "status")
_TOKENS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+|\s+|[^\w\s]")


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text or "")


def text_ops(before: str, after: str) -> list[dict]:
    """[{op: equal|delete|insert, text}], neighbouring pieces of one kind merged."""
    a, b = _tokens(before), _tokens(after)
    ops: list[dict] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if ops and ops[-1]["op"] == op:
            ops[-1]["text"] += text
        else:
            ops.append({"op": op, "text": text})

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return ops


def entry_diff(before: dict, after: dict) -> list[dict]:
    """One item per field that differs: text fields with ops, lists with added/removed items."""
    changes = []
    for field in TEXT_FIELDS:
        if before.get(field) != after.get(field):
            changes.append({"field": field, "before": before.get(field), "after": after.get(field),
                            "ops": text_ops(before.get(field) or "", after.get(field) or "")})
    for field in LIST_FIELDS:
        old, new = list(before.get(field) or []), list(after.get(field) or [])
        if old != new:
            changes.append({"field": field, "before": old, "after": new,
                            "removed": [x for x in old if x not in new], "added": [x for x in new if x not in old]})
    for field in VALUE_FIELDS:
        if before.get(field) != after.get(field):
            changes.append({"field": field, "before": before.get(field), "after": after.get(field)})
    return changes
