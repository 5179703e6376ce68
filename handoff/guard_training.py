"""Fitting the reply guard's model on labelled agent replies, and scoring it on replies
written by another hand (handoff/guard_data/: two sets, each written without seeing the
other or the guard)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gateway.softmax import fit_softmax
from handoff.guard_model import FORBIDDEN, LABELS, GuardModel, features

DATA = Path(__file__).with_name("guard_data")
# Warnings on polite replies an agent would see, at most, on the lines the thresholds are set on.
POLITE_WARNING_BUDGET = 0.04
# Candidate strengths (scikit-learn's C: higher is weaker); the one whose held-out folds
# catch the most forbidden replies within the budget is kept.
REGULARISATIONS = (1.0, 3.0, 10.0)
FOLDS = 5


@dataclass(frozen=True)
class LabelledReply:
    text: str
    language: str
    label: str
    vectors: dict[str, np.ndarray]


def read_set(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fit_guard(replies: list[LabelledReply]) -> GuardModel:
    """The model on all the replies; its regularisation and per-language thresholds from
    held-out folds of them."""
    x = np.vstack([features(r.text, r.vectors) for r in replies])
    y = [r.label for r in replies]
    best = max((_held_out_fit(x, y, replies, c) for c in REGULARISATIONS), key=lambda f: (f[0], -f[1]))
    _, c, thresholds = best
    return GuardModel(fit_softmax(x, y, LABELS, c), thresholds)


def _held_out_fit(x: np.ndarray, y: list[str], replies: list[LabelledReply],
                  c: float) -> tuple[float, float, dict[str, float]]:
    """(mean recall per language at its threshold, c, the thresholds), all out of fold."""
    forbidden_p = np.zeros(len(replies))
    for held in _folds(replies):
        kept = np.setdiff1d(np.arange(len(replies)), held)
        model = fit_softmax(x[kept], [y[i] for i in kept], LABELS, c)
        for i in held:
            p = dict(zip(model.classes, model.probabilities(x[i])))
            forbidden_p[i] = sum(p[k] for k in FORBIDDEN)
    thresholds, recalls = {}, []
    for language in sorted({r.language for r in replies}):
        mine = np.array([r.language == language for r in replies])
        polite = np.array([label not in FORBIDDEN for label in y]) & mine
        forbidden = ~np.array([label not in FORBIDDEN for label in y]) & mine
        lexicon = x[:, :3].any(axis=1)
        t = next((float(t) for t in np.arange(0.30, 0.99, 0.01)
                  if ((forbidden_p >= t) | lexicon)[polite].mean() <= POLITE_WARNING_BUDGET), 0.99)
        thresholds[language] = round(t, 2)
        recalls.append(((forbidden_p >= t) | lexicon)[forbidden].mean() if forbidden.any() else 1.0)
    return float(np.mean(recalls)), c, thresholds


def _folds(replies: list[LabelledReply]) -> list[np.ndarray]:
    order = np.random.default_rng(0).permutation(len(replies))
    return [order[fold::FOLDS] for fold in range(FOLDS)]


def score(model: GuardModel, replies: list[LabelledReply]) -> dict[str, dict[str, float]]:
    """Per language: the share of forbidden replies warned about (lexicon or model), and the
    share of polite and firm-but-polite ones warned about all the same."""
    from handoff.guard_model import merged
    from handoff.reply_guard import check_reply

    out = {}
    for language in sorted({r.language for r in replies}):
        mine = [r for r in replies if r.language == language]
        warned = [bool(merged(check_reply(r.text), model.read(r.text, r.vectors))) for r in mine]
        lexicon = [bool(check_reply(r.text)) for r in mine]
        bad = [r.label in FORBIDDEN for r in mine]

        def share(flags, want_bad):
            picked = [f for f, b in zip(flags, bad) if b == want_bad]
            return round(sum(picked) / len(picked), 3) if picked else None

        out[language] = {"forbidden_warned": share(warned, True), "polite_warned": share(warned, False),
                         "lexicon_alone_forbidden_warned": share(lexicon, True),
                         "lexicon_alone_polite_warned": share(lexicon, False)}
    return out
