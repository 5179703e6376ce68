"""Labelled customer lines (`cs-gateway kb eval`, `kb calibrate`): what each line should get."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


KINDS = ("answer", "out_of_scope", "human", "complaint")


@dataclass(frozen=True)
class EvalQuery:
    text: str
    expect: str
    language: str | None = None
    entry: str | None = None
    category: str | None = None
    severity: str | None = None


class EvalFileError(ValueError):
    pass


def load_queries(path: Path) -> list[EvalQuery]:
    queries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            query = EvalQuery(**{k: data.get(k) for k in EvalQuery.__dataclass_fields__})
        except (json.JSONDecodeError, TypeError) as exc:
            raise EvalFileError(f"{path}:{number}: {exc}") from None
        if not query.text or query.expect not in KINDS or (query.expect == "answer" and not query.entry):
            raise EvalFileError(f"{path}:{number}: needs text, expect in {KINDS}, and entry for answers")
        queries.append(query)
    return queries
