"""Leave one knowledge base out: how the bot does on a shop's FAQ it was never fitted on.

Everything that is fitted (the fusion of retrievers, the confidence model, the decision
thresholds) is fitted on the other knowledge bases of a suite and scored on the one left
out, once per knowledge base. The figures that matter are the mean over the knowledge
bases and the worst of them: a model that is excellent on average and poor on one shop
will be poor on somebody's shop.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from bot.intent_model import IntentModel
from bot.intent_training import LabelledLine, fit_intents
from bot.evaluation import thresholds_from
from bot.policy import COMPLAINT, HUMAN_REQUEST, Decision, Thresholds, decide
from knowledge_base import calibrate
from knowledge_base.fusion import Calibration
from knowledge_base.search import SearchResult, rank
from knowledge_base.self_check import confusable_pairs, partners
from knowledge_base.suite import Observed, Phrasings, SuiteKb, shop

# The figures of one knowledge base, and whether higher is better (for "worst").
FIGURES = {
    "answered_right": True,
    "answered_or_clarified_right": True,
    "answered_wrong": False,
    "hit@1": True,
    "hit@3": True,
    "out_of_scope_answered": False,
    "person_requests_handed_off": True,
    "complaints_recognised": True,
    "complaint_category_right": True,
    "complaint_severity_right": True,
    "in_scope_sent_to_person": False,
}


@dataclass(frozen=True)
class Fitted:
    calibration: Calibration
    thresholds: Thresholds
    intents: IntentModel | None = None


Fitter = Callable[[list[Observed]], Fitted]


def rows_by_language(observed: list[Observed]) -> dict[str, list[calibrate.Sample]]:
    rows: dict[str, list[calibrate.Sample]] = {}
    for o in observed:
        if o.query.expect in ("answer", "out_of_scope") and o.ids:
            rows.setdefault(o.language, []).append(calibrate.Sample(o.signals, o.ids, o.query.entry, shop(o.kb)))
    return rows


def fit_calibration(train: list[Observed]) -> Fitted:
    calibration = calibrate.fit(rows_by_language(train), modes=("hybrid",))
    return Fitted(calibration, thresholds_from(calibration))



def labelled_lines(observed: list[Observed]) -> list[LabelledLine]:
    kind = {"answer": "faq", "out_of_scope": "faq", "human": "human", "complaint": "complaint"}
    seen, lines = set(), []
    for o in observed:
        key = (shop(o.kb), o.query.text)
        if key not in seen:  # a matured KB repeats its shop's lines
            seen.add(key)
            lines.append(LabelledLine(o.query.text, o.vectors, kind[o.query.expect], o.query.category,
                                      o.query.severity, shop(o.kb)))
    return lines


def fit_all(train: list[Observed]) -> Fitted:
    fitted = fit_calibration(train)
    return Fitted(fitted.calibration, fitted.thresholds, fit_intents(labelled_lines(train)))


def intent_figures(model: IntentModel, lines: list[LabelledLine]) -> dict[str, float | None]:
    """The intent model alone on labelled lines of no shop in particular."""
    got = [(l, model.classify(l.text, l.vectors)) for l in lines]

    def share(kind: str, ok) -> float | None:
        of = [(l, i) for l, i in got if l.kind == kind]
        return round(sum(bool(ok(l, i)) for l, i in of) / len(of), 4) if of else None

    return {
        "person_requests_handed_off": share("human", lambda l, i: i.kind == "human"),
        "complaints_recognised": share("complaint", lambda l, i: i.kind == "complaint"),
        "complaint_category_right": share("complaint", lambda l, i: i.complaint and i.complaint.category == l.category),
        "complaint_severity_right": share("complaint", lambda l, i: i.complaint and i.complaint.severity == l.severity),
        "questions_sent_to_person": share("faq", lambda l, i: i.kind != "faq"),
    }


def confusable(fitted: Fitted, phrasings: list[Phrasings]) -> dict[str, frozenset[str]]:
    """The KB's self-check as the fitted model would run it on the shop's own entries."""
    pairs = []
    for p in phrasings:
        model = fitted.calibration.model("hybrid", p.language)
        if model is not None:
            threshold = fitted.thresholds.for_language(p.language).answer
            pairs += confusable_pairs(p.docs, p.language, model, threshold, lambda n, _text: p.signals[n])
    return partners(pairs)


def decisions(fitted: Fitted, kb: SuiteKb, observed: list[Observed], phrasings: list[Phrasings] = (),
              top_k: int = 5) -> list[Decision]:
    by_id = {d.id: d for d in kb.docs}
    rivals = confusable(fitted, list(phrasings))
    out = []
    for o in observed:
        model = fitted.calibration.model("hybrid", o.language)
        candidates = rank([by_id[i] for i in o.ids], o.signals, model, top_k, rivals) if o.ids and model else []
        intent = fitted.intents.classify(o.query.text, o.vectors) if fitted.intents else None
        out.append(decide(o.query.text, SearchResult(o.language, "hybrid", candidates), fitted.thresholds,
                          intent=intent))
    return out


def figures(observed: list[Observed], made: list[Decision]) -> dict[str, float | None]:
    n = {"answer": 0, "out_of_scope": 0, "human": 0, "complaint": 0}
    c = dict.fromkeys(FIGURES, 0)
    for o, d in zip(observed, made):
        q = o.query
        n[q.expect] += 1
        ids = [r.id for r in d.results]
        if q.expect == "answer":
            answered = d.kind == "answer" and d.entry is not None
            c["answered_right"] += answered and d.entry.id == q.entry
            c["answered_wrong"] += answered and d.entry.id != q.entry
            c["answered_or_clarified_right"] += (answered and d.entry.id == q.entry) or (
                d.kind == "clarify" and q.entry in [x.id for x in d.options])
            c["hit@1"] += ids[:1] == [q.entry]
            c["hit@3"] += q.entry in ids[:3]
            c["in_scope_sent_to_person"] += d.code in (COMPLAINT, HUMAN_REQUEST)
        elif q.expect == "out_of_scope":
            c["out_of_scope_answered"] += d.kind == "answer" and d.entry is not None
        elif q.expect == "human":
            c["person_requests_handed_off"] += d.code == HUMAN_REQUEST
        elif q.expect == "complaint":
            found = d.complaint
            c["complaints_recognised"] += found is not None
            c["complaint_category_right"] += found is not None and found.category == q.category
            c["complaint_severity_right"] += found is not None and found.severity == q.severity
    base = {"answered_right": "answer", "answered_or_clarified_right": "answer", "answered_wrong": "answer",
            "hit@1": "answer", "hit@3": "answer", "in_scope_sent_to_person": "answer",
            "out_of_scope_answered": "out_of_scope", "person_requests_handed_off": "human",
            "complaints_recognised": "complaint", "complaint_category_right": "complaint",
            "complaint_severity_right": "complaint"}
    return {k: (round(c[k] / n[base[k]], 4) if n[base[k]] else None) for k in FIGURES}


def leave_one_kb_out(kbs: list[SuiteKb], observed: dict[str, list[Observed]], fitter: Fitter = fit_calibration,
                     phrasings: dict[str, list[Phrasings]] | None = None) -> dict:
    """Per knowledge base: fitted on all the others, scored on it. Then the mean and the worst.
    With `phrasings`, the bot also clarifies between entries its self-check finds confusable."""
    per_kb = {}
    for kb in kbs:
        train = [o for other in kbs if shop(other.name) != shop(kb.name) for o in observed[other.name]]
        fitted = fitter(train)
        made = decisions(fitted, kb, observed[kb.name], (phrasings or {}).get(kb.name, ()))
        per_kb[kb.name] = figures(observed[kb.name], made)
    return {"per_kb": per_kb, **summary(per_kb)}


def summary(per_kb: dict[str, dict]) -> dict:
    mean, worst = {}, {}
    for name, higher_better in FIGURES.items():
        values = [f[name] for f in per_kb.values() if f[name] is not None]
        if not values:
            mean[name] = worst[name] = None
            continue
        mean[name] = round(sum(values) / len(values), 4)
        worst[name] = min(values) if higher_better else max(values)
    return {"mean": mean, "worst": worst}


def table(report: dict) -> str:
    """The report as a text table: a column per knowledge base, then the mean and the worst."""
    columns = [*report["per_kb"], "mean", "worst"]
    width = max(12, *(len(c) + 2 for c in columns))
    lines = [f"{'figure':30}" + "".join(f"{c:>{width}}" for c in columns)]
    for name in FIGURES:
        values = [report["per_kb"][c][name] for c in report["per_kb"]] + [report["mean"][name], report["worst"][name]]
        lines.append(f"{name:30}" + "".join(f"{'-' if v is None else format(v, '.3f'):>{width}}" for v in values))
    return "\n".join(lines)
