"""Fitting the intent model on labelled lines of several shops.

scikit-learn's logistic regression does the fitting (well kept, and exactly this model);
the fitted weights are plain numbers in a JSON file, so serving needs only numpy.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.intent_model import KINDS, SEVERITIES, IntentModel, features
from gateway.softmax import fit_softmax
from bot.intents import CATEGORIES

# Lines written for no shop in particular, by another hand: not fitted on (leave-one-shop-out
# said they did not help), kept as one more test of the intent model on words nobody tuned on.
EXTRA_LINES = Path(__file__).with_name("intent_data") / "lines.jsonl"
# Another hand's lines, written after the lexicons' last change, for other businesses again.
TEST_SETS = (EXTRA_LINES, EXTRA_LINES.with_name("lines_second_writer.jsonl"))


def read_lines(path: Path = EXTRA_LINES) -> list[dict]:
    """Labelled lines {text, language, kind, category?, severity?}."""
    if not path.exists():
        return []
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def with_vectors(rows: list[dict], vectors: list[dict[str, np.ndarray]], group: str = "general") -> list[LabelledLine]:
    return [LabelledLine(r["text"], v, r["kind"], r.get("category"), r.get("severity"), group)
            for r, v in zip(rows, vectors)]


# The lines are few (hundreds per shop) and the vectors wide: a firm L2 keeps the model
# from memorising the shops it was fitted on. Chosen by leave-one-shop-out.
REGULARISATION = 3.0


@dataclass(frozen=True)
class LabelledLine:
    text: str
    vectors: dict[str, np.ndarray]
    kind: str  # faq | human | complaint
    category: str | None = None
    severity: str | None = None
    group: str = ""  # the shop the line was written for


def fit_intents(lines: list[LabelledLine], c: float = REGULARISATION) -> IntentModel:
    model = _fit(lines, c)
    model.thresholds = choose_thresholds(lines, c)
    return model


def _fit(lines: list[LabelledLine], c: float) -> IntentModel:
    x = np.vstack([features(l.text, l.vectors) for l in lines])
    kinds = [l.kind for l in lines]
    # A complaint line may come without its category or severity: it still teaches the kind.
    by_category = [i for i, l in enumerate(lines) if l.kind == "complaint" and l.category in CATEGORIES]
    by_severity = [i for i, l in enumerate(lines) if l.kind == "complaint" and l.severity in SEVERITIES]
    return IntentModel(
        fit_softmax(x, kinds, KINDS, c),
        fit_softmax(x[by_category], [lines[i].category for i in by_category], CATEGORIES, c),
        fit_softmax(x[by_severity], [lines[i].severity for i in by_severity], SEVERITIES, c),
    )


# An FAQ question taken for a complaint or a request for a person goes to the queue when the
# answer was at hand: at most this share of FAQ lines may be, on shops the model never saw.
FAQ_DIVERTED_BUDGET = 0.03


def choose_thresholds(lines: list[LabelledLine], c: float) -> dict[str, float]:
    """P(human) and P(complaint) needed, chosen on out-of-fold probabilities: each shop's
    lines read by a model fitted on the other shops. Fewer than three shops: 0.5 each."""
    groups = sorted({l.group for l in lines})
    if len(groups) < 3:
        return {"human": 0.5, "complaint": 0.5}
    scored = []  # (kind, P(human), P(complaint))
    for held_out in groups:
        model = _fit([l for l in lines if l.group != held_out], c)
        for l in (l for l in lines if l.group == held_out):
            p = dict(zip(model.kind.classes, model.kind.probabilities(features(l.text, l.vectors))))
            scored.append((l.kind, p["human"], p["complaint"]))
    faq = [s for s in scored if s[0] == "faq"]
    chosen = {}
    for column, kind in ((1, "human"), (2, "complaint")):
        for t in sorted({round(s[column], 4) for s in scored} | {0.5}):
            if t >= 0.5 and sum(s[column] >= t for s in faq) <= FAQ_DIVERTED_BUDGET * len(faq):
                chosen[kind] = t
                break
        else:
            chosen[kind] = 0.99
    return chosen
