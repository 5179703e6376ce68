"""Fit the fusion weights, the confidence model and the decision thresholds.

Per mode and language: a ranker (a conditional logit over the retrievers' signals) and a
confidence model (a logistic on features that mean the same on any knowledge base: the
fused score, the lead over the runner-up, the softmax share, how far the entry stands out,
and whether the retrievers agree on it). Then thresholds on that confidence:
- `answer`: answer alone only where wrong answers (to in-scope and out-of-scope lines)
  stay within budget;
- `clarify`: below it nothing is worth offering, and the conversation goes to a person;
  above it, and below `answer`, the customer is offered the top entries to choose from.

When the lines come from several knowledge bases (a suite), the thresholds are chosen on
out-of-fold confidences: each shop's lines scored by models fitted on the other shops,
the way a new shop's FAQ will be scored. In-sample confidences of a model fitted on the
same lines are optimistic and would set thresholds too low for a knowledge base never seen.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge_base.evaluation import EvalQuery
from knowledge_base.fusion import Calibration, LanguageModel, confidence_features, fit_logistic, fit_ranker
from knowledge_base.search import MODES, HybridSearch

# Budgets for the `answer` threshold, as shares of the lines the thresholds are chosen on:
# in-scope lines answered with a wrong entry, and out-of-scope lines answered at all.
WRONG_BUDGET = 0.02
OUT_OF_SCOPE_BUDGET = 0.03
# A clarify offered to an out-of-scope line costs that customer one tap on "talk to a
# person"; a hand-off of an in-scope line whose entry was among the options costs that
# customer a wait for an agent, and the agent the time. Helping one is worth bothering two.
BOTHER_COST = 0.5
AGREEMENT_SIGNALS = ("e5.q", "use.q", "minilm.q", "bm25")


@dataclass(frozen=True)
class Sample:
    signals: dict[str, np.ndarray]
    ids: list[str]
    expected: str | None  # None: out of scope
    group: str = ""  # the knowledge base the line was written against


def features_for(mode: str, available: list[str]) -> list[str]:
    lexical = [f for f in available if f.startswith("bm25")]
    dense = [f for f in available if not f.startswith("bm25")]
    return {"bm25": lexical, "dense": dense, "hybrid": lexical + dense}[mode]


async def calibrate(search: HybridSearch, queries: list[EvalQuery]) -> Calibration:
    rows: dict[str, list[Sample]] = {}
    for q in queries:
        if q.expect not in ("answer", "out_of_scope"):
            continue
        language, ids, signals = await search.raw_signals(q.text, q.language)
        if ids:
            rows.setdefault(language, []).append(Sample(signals, ids, q.entry))
    return fit(rows)


def fit(rows: dict[str, list[Sample]], modes: tuple[str, ...] = MODES) -> Calibration:
    """Per mode and language the models, per mode the thresholds."""
    calibration = Calibration()
    for mode in modes:
        calibration.models[mode] = {}
        tops: dict[str, list] = {}
        for language, samples in rows.items():
            calibration.models[mode][language] = fit_language(mode, samples)
            tops[language] = (out_of_fold_tops(mode, samples)
                              or top_outcomes(calibration.models[mode][language], samples))
        calibration.thresholds[mode] = choose_thresholds([t for ts in tops.values() for t in ts])
        calibration.thresholds[mode]["languages"] = {
            language: {k: v for k, v in choose_thresholds(ts).items() if k != "option"}
            for language, ts in tops.items()}
    return calibration


def out_of_fold_tops(mode: str, samples: list[Sample]) -> list[tuple[float, bool, bool, bool]]:
    """Each group's lines scored by models fitted on the other groups; [] with fewer than three."""
    groups = sorted({s.group for s in samples})
    if len(groups) < 3:
        return []
    tops = []
    for held_out in groups:
        model = fit_language(mode, [s for s in samples if s.group != held_out])
        tops += top_outcomes(model, [s for s in samples if s.group == held_out])
    return tops


def top_outcomes(model: LanguageModel, samples: list[Sample]) -> list[tuple[float, bool, bool, bool]]:
    """Per line: the top candidate's confidence, whether it is right, whether the line is in
    scope, and whether the right entry is among the top three."""
    tops = []
    for s in samples:
        scores = model.score(s.signals)
        order = np.argsort(-model.rank_scores(s.signals), kind="stable")
        top_ids = [s.ids[i] for i in order[:3]]
        tops.append((float(scores[order[0]]), top_ids[0] == s.expected, s.expected is not None,
                     s.expected in top_ids))
    return tops


def fit_language(mode: str, samples: list[Sample]) -> LanguageModel:
    names = features_for(mode, sorted(samples[0].signals))
    matrices = [np.column_stack([s.signals[f] for f in names]).astype(np.float64) for s in samples]
    stacked = np.vstack(matrices)
    means, scales = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    normed = [(m - means) / scales for m in matrices]
    groups = [(x, s.ids.index(s.expected)) for x, s in zip(normed, samples) if s.expected in s.ids]
    weights = fit_ranker(groups) if groups else np.zeros(len(names))  # no in-scope line: nothing to rank by
    agree_on = [f for f in AGREEMENT_SIGNALS if f in samples[0].signals and f in names]
    # Confidence: the top candidate of every line, right (1) or not (0, always for out-of-scope).
    feats, labels = [], []
    for x, s in zip(normed, samples):
        r = x @ weights
        top = int(np.argmax(r))
        feats.append(confidence_features(r, s.signals, agree_on)[top])
        labels.append(1.0 if s.ids[top] == s.expected else 0.0)
    cw, cb = fit_logistic(np.vstack(feats), np.array(labels))
    return LanguageModel(names, _r(means), _r(scales), _r(weights), _r(cw) + [round(cb, 5)], agree_on)


def _r(values) -> list[float]:
    return [round(float(v), 5) for v in values]


def choose_thresholds(tops: list[tuple[float, bool, bool, bool]]) -> dict[str, float]:
    in_scope = [t for t in tops if t[2]]
    oos = [t for t in tops if not t[2]]
    candidates = sorted({round(s, 4) for s, *_ in tops} | {0.99})

    def answered(t: float) -> tuple[float, float, float]:
        right = sum(1 for s, ok, _, _ in in_scope if s >= t and ok) / max(len(in_scope), 1)
        wrong = sum(1 for s, ok, _, _ in in_scope if s >= t and not ok) / max(len(in_scope), 1)
        out = sum(1 for s, *_ in oos if s >= t) / max(len(oos), 1)
        return right, wrong, out

    feasible = [t for t in candidates if answered(t)[1] <= WRONG_BUDGET and answered(t)[2] <= OUT_OF_SCOPE_BUDGET]
    answer = max(feasible, key=lambda t: (answered(t)[0], t)) if feasible else 0.99
    best_gain, clarify = 0.0, answer
    for t in [c for c in candidates if c < answer]:
        helped = sum(1 for s, _, ins, in3 in tops if ins and in3 and t <= s < answer)
        bothered = sum(1 for s, _, ins, _ in tops if not ins and t <= s < answer)
        gain = helped - BOTHER_COST * bothered
        if gain > best_gain:
            best_gain, clarify = gain, t
    # The top three are offered whatever their own scores: the entries behind the top score
    # low by construction (their lead is negative), yet one of them is often the right one.
    return {"answer": round(answer, 4), "clarify": round(min(clarify, answer), 4), "option": 0.0}
