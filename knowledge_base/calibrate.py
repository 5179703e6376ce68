"""Fit the fusion weights and decision thresholds on a labelled dev set.

Per mode and language, a logistic model over the retrievers' signals (fusion.py); then
thresholds on its score: `answer` as low as keeps out-of-scope wrong answers under the
target, `clarify` where offering options helps more in-scope questions than it bothers
out-of-scope ones.
"""
from __future__ import annotations

import numpy as np

from knowledge_base.evaluation import EvalQuery
from knowledge_base.fusion import Calibration, LanguageModel, confidence_features, fit_logistic, fit_ranker
from knowledge_base.search import MODES, HybridSearch

OOS_TARGET = 0.0  # none on the dev set: the 10 % budget is the margin for questions never seen


def features_for(mode: str, available: list[str]) -> list[str]:
    lexical = [f for f in available if f.startswith("bm25")]
    dense = [f for f in available if not f.startswith("bm25")]
    return {"bm25": lexical, "dense": dense, "hybrid": lexical + dense}[mode]


async def calibrate(search: HybridSearch, queries: list[EvalQuery]) -> Calibration:
    rows: dict[str, list] = {}  # language -> [(signals, ids, expected or None)]
    for q in queries:
        if q.expect not in ("answer", "out_of_scope"):
            continue
        language, ids, signals = await search.raw_signals(q.text, q.language)
        if ids:
            rows.setdefault(language, []).append((signals, ids, q.entry))
    calibration = Calibration()
    for mode in MODES:
        calibration.models[mode] = {}
        tops = []  # (top confidence, top is right, in scope, expected in top 3)
        for language, samples in rows.items():
            model = _fit_language(mode, samples)
            calibration.models[mode][language] = model
            for signals, ids, expected in samples:
                used = {f: signals[f] for f in model.features}
                scores = model.score(used)
                order = np.argsort(-model.rank_scores(used), kind="stable")
                top_ids = [ids[i] for i in order[:3]]
                tops.append((float(scores[order[0]]), top_ids[0] == expected, expected is not None,
                             expected in top_ids))
        calibration.thresholds[mode] = _thresholds(tops)
    return calibration


LEXICAL_WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)


def _fit_language(mode: str, samples: list) -> LanguageModel:
    """bm25 and dense: a conditional-logit ranker over their signals. hybrid: the dense
    ranker plus one BM25 weight for this language, the one that ranks the dev set best
    (ties to the smaller): where BM25 only adds noise it gets 0, so a retriever weak in a
    language never drags that language's fusion down."""
    available = sorted(samples[0][0])
    base = features_for("bm25" if mode == "bm25" else "dense", available)
    means, scales, weights, normed = _ranker(base, samples)
    names = list(base)
    if mode == "hybrid":
        lexical = np.concatenate([s["bm25"] for s, _, _ in samples])
        lex_mean, lex_scale = float(lexical.mean()), float(lexical.std()) + 1e-6
        dense_scores = [x @ weights for x in normed]
        lexical_z = [(s["bm25"] - lex_mean) / lex_scale for s, _, _ in samples]

        def hits(alpha: float) -> int:
            return sum(ids[int(np.argmax(d + alpha * l))] == e
                       for d, l, (_, ids, e) in zip(dense_scores, lexical_z, samples) if e)

        alpha = max(LEXICAL_WEIGHTS, key=lambda a: (hits(a), -a))
        names += ["bm25"]
        means, scales, weights = [*means, lex_mean], [*scales, lex_scale], [*weights, alpha]
        normed = [np.column_stack([x, l]) for x, l in zip(normed, lexical_z)]
        weights = np.asarray(weights)
    # Confidence: the top candidate of every query, right (1) or not (0, always for out-of-scope).
    feats, labels = [], []
    for x, (_, ids, expected) in zip(normed, samples):
        r = x @ weights
        top = int(np.argmax(r))
        feats.append(confidence_features(r)[top])
        labels.append(1.0 if ids[top] == expected else 0.0)
    cw, cb = fit_logistic(np.vstack(feats), np.array(labels))
    return LanguageModel(names, _r(means), _r(scales), _r(weights), _r(cw) + [round(cb, 5)])


def _ranker(names: list[str], samples: list):
    matrices = [np.column_stack([s[f] for f in names]).astype(np.float64) for s, _, _ in samples]
    stacked = np.vstack(matrices)
    means, scales = stacked.mean(axis=0), stacked.std(axis=0) + 1e-6
    normed = [(m - means) / scales for m in matrices]
    groups = [(x, ids.index(e)) for x, (_, ids, e) in zip(normed, samples) if e is not None and e in ids]
    return list(means), list(scales), fit_ranker(groups), normed


def _r(values) -> list[float]:
    return [round(float(v), 5) for v in values]


def _thresholds(tops: list[tuple[float, bool, bool, bool]]) -> dict[str, float]:
    oos = [s for s, _, in_scope, _ in tops if not in_scope]
    candidates = sorted({round(s, 4) for s, *_ in tops} | {0.99})
    answer = 0.99
    for t in candidates:  # the lowest threshold that keeps wrong out-of-scope answers in budget
        if oos and sum(s >= t for s in oos) / len(oos) <= OOS_TARGET:
            answer = t
            break
    best_gain, clarify = -1e9, answer
    for t in [c for c in candidates if c < answer]:
        helped = sum(1 for s, _, ins, in3 in tops if ins and in3 and t <= s < answer)
        bothered = sum(1 for s, _, ins, _ in tops if not ins and t <= s < answer)
        gain = helped - 2 * bothered
        if gain > best_gain:
            best_gain, clarify = gain, t
    return {"answer": round(answer, 4), "clarify": round(min(clarify, answer), 4),
            "option": round(min(clarify, answer) / 2, 4)}
