"""Retrieval and bot quality on labelled lines (`cs-gateway kb eval`): the bot's decisions
on one knowledge base, as its customers would get them."""
from __future__ import annotations

from bot.intent_model import IntentModel
from bot.policy import COMPLAINT, HUMAN_REQUEST, Thresholds, decide
from knowledge_base.evaluation import KINDS, EvalQuery
from knowledge_base.fusion import Calibration
from knowledge_base.search import HybridSearch


def thresholds_for(search: HybridSearch, mode: str, base: Thresholds = Thresholds()) -> Thresholds:
    return thresholds_from(search.calibration, mode, base)


def thresholds_from(cal: Calibration, mode: str = "hybrid", base: Thresholds = Thresholds()) -> Thresholds:
    by_language = cal.thresholds.get(mode, {}).get("languages", {})
    return Thresholds(answer=cal.threshold(mode, "answer", base.answer),
                      clarify=cal.threshold(mode, "clarify", base.clarify),
                      option=cal.threshold(mode, "option", base.option),
                      unhelpful_streak=base.unhelpful_streak,
                      languages={l: (t["answer"], t["clarify"]) for l, t in by_language.items()})


async def evaluate(search: HybridSearch, queries: list[EvalQuery], mode: str,
                   intents: IntentModel | None = None) -> dict:
    thresholds = thresholds_for(search, mode)
    n = {k: 0 for k in KINDS}
    hit1 = mrr = answered_right = answered_wrong = oos_answered = human_found = 0
    complaint_found = category_right = severity_right = false_handoff = 0
    misses = []
    for q in queries:
        n[q.expect] += 1
        result = await search.search(q.text, top_k=5, mode=mode, language=q.language)
        intent = intents.classify(q.text, result.vectors) if intents else None
        decision = decide(q.text, result, thresholds, intent=intent)
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
