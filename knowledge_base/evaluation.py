"""Retrieval and bot quality on a labelled query file (`cs-gateway kb eval`)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.policy import COMPLAINT, HUMAN_REQUEST, Thresholds, decide
from knowledge_base.search import HybridSearch

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


def thresholds_for(search: HybridSearch, mode: str, base: Thresholds = Thresholds()) -> Thresholds:
    cal = search.calibration
    return Thresholds(answer=cal.threshold(mode, "answer", base.answer),
                      clarify=cal.threshold(mode, "clarify", base.clarify),
                      option=cal.threshold(mode, "option", base.option),
                      unhelpful_streak=base.unhelpful_streak)


async def evaluate(search: HybridSearch, queries: list[EvalQuery], mode: str) -> dict:
    thresholds = thresholds_for(search, mode)
    n = {k: 0 for k in KINDS}
    hit1 = mrr = answered_right = answered_wrong = oos_answered = human_found = 0
    complaint_found = category_right = severity_right = false_handoff = 0
    misses = []
    for q in queries:
        n[q.expect] += 1
        result = await search.search(q.text, top_k=5, mode=mode, language=q.language)
        decision = decide(q.text, result, thresholds)
        ids = [c.id for c in result.candidates]
        if q.expect == "answer":
            if ids[:1] == [q.entry]:
                hit1 += 1
            elif len(misses) < 50:
                misses.append({"text": q.text, "expected": q.entry, "got": ids[:1]})
            mrr += 1 / (ids.index(q.entry) + 1) if q.entry in ids else 0
            if decision.kind == "answer":
                answered_right += decision.entry is not None and decision.entry.id == q.entry
                answered_wrong += decision.entry is not None and decision.entry.id != q.entry
            if decision.code in (COMPLAINT, HUMAN_REQUEST):
                false_handoff += 1
        elif q.expect == "out_of_scope":
            oos_answered += decision.kind == "answer" and decision.entry is not None
        elif q.expect == "human":
            human_found += decision.code == HUMAN_REQUEST
        elif q.expect == "complaint" and decision.complaint is not None:
            complaint_found += 1
            category_right += decision.complaint.category == q.category
            severity_right += decision.complaint.severity == q.severity

    def rate(a, b):
        return round(a / b, 4) if b else None

    return {
        "mode": mode,
        "counts": n,
        "hit@1": rate(hit1, n["answer"]),
        "mrr@5": rate(mrr, n["answer"]),
        "answered_correctly": rate(answered_right, n["answer"]),
        "answered_wrongly": rate(answered_wrong, n["answer"]),
        "out_of_scope_wrong_answer_rate": rate(oos_answered, n["out_of_scope"]),
        "human_request_recall": rate(human_found, n["human"]),
        "complaint_recall": rate(complaint_found, n["complaint"]),
        "complaint_category_accuracy": rate(category_right, complaint_found),
        "complaint_severity_accuracy": rate(severity_right, complaint_found),
        "in_scope_misrouted_to_person": rate(false_handoff, n["answer"]),
        "misses": misses,
    }
