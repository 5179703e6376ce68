"""How retriever signals become a ranking and a calibrated confidence.

Per language, two small models fitted on the dev set by `cs-gateway kb calibrate`:
- a ranker: a conditional logit (softmax over one query's candidates) on the signals of
  the retrievers that are good in that language. It learns which signal to trust for
  *ordering* entries, so a query-wide shift in cosine levels does not matter;
- a confidence model: a logistic on the ranker's score, the lead over the runner-up and
  the softmax share, giving P(this entry answers the question). Out-of-scope questions
  teach it what a weak lead looks like.
A handful of weights per language leaves little room to overfit a dev set.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SHIPPED = Path(__file__).with_name("calibration.json")


@dataclass
class LanguageModel:
    features: list[str]
    means: list[float]
    scales: list[float]
    weights: list[float]
    confidence: list[float]  # weights for (rank score, lead, share, standout[, agreement]) then the bias
    # Retrievers whose own first choice is compared with the fused one: when they all point
    # at the same entry the answer is surer than the fused score alone says.
    agreement: list[str] = field(default_factory=list)

    def rank_scores(self, signals: dict[str, np.ndarray]) -> np.ndarray:
        z = np.zeros(len(next(iter(signals.values()))), dtype=np.float64)
        for name, mean, scale, w in zip(self.features, self.means, self.scales, self.weights):
            z += w * (signals[name] - mean) / scale
        return z

    def score(self, signals: dict[str, np.ndarray]) -> np.ndarray:
        """P(entry answers the question) for every candidate."""
        r = self.rank_scores(signals)
        return confidence(confidence_features(r, signals, self.agreement), self.confidence)


def agreement(signals: dict[str, np.ndarray], names: list[str], n: int) -> np.ndarray:
    """Per candidate, the share of these retrievers that rank it first."""
    votes = np.zeros(n)
    for name in names:
        if name in signals and len(signals[name]) and signals[name].any():  # all zeros: it did not run
            votes[int(np.argmax(signals[name]))] += 1
    return votes / max(len(names), 1)


def confidence_features(r: np.ndarray, signals: dict[str, np.ndarray] | None = None,
                        agree_on: list[str] = ()) -> np.ndarray:
    if len(r) == 1:
        lead = np.zeros(1)
    else:
        top2 = np.sort(r)[-2:]
        best_other = np.where(r >= top2[1], top2[0], top2[1])  # for the top, the runner-up
        lead = r - best_other
    share = np.exp(r - r.max())
    share = share / share.sum()
    # How far a candidate stands out from the knowledge base as a whole: a question
    # about tea in general sits close to every tea entry, a real FAQ match stands out.
    standout = r - np.median(r)
    columns = [r, lead, share, standout]
    if agree_on:
        columns.append(agreement(signals or {}, list(agree_on), len(r)))
    return np.column_stack(columns)


def confidence(features: np.ndarray, weights: list[float]) -> np.ndarray:
    z = features @ np.asarray(weights[:-1]) + weights[-1]
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


@dataclass
class Calibration:
    """Per mode (hybrid, bm25, dense) and language: the models; per mode: thresholds."""

    models: dict[str, dict[str, LanguageModel]] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)

    def model(self, mode: str, language: str) -> LanguageModel | None:
        return self.models.get(mode, {}).get(language)

    def threshold(self, mode: str, name: str, default: float, language: str | None = None) -> float:
        """The mode's threshold, or the language's own where calibration set one."""
        by_mode = self.thresholds.get(mode, {})
        return by_mode.get("languages", {}).get(language, {}).get(name, by_mode.get(name, default))

    def to_json(self) -> str:
        return json.dumps(
            {"models": {m: {l: vars(lm) for l, lm in by_lang.items()} for m, by_lang in self.models.items()},
             "thresholds": self.thresholds},
            indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Calibration":
        data = json.loads(text)
        models = {m: {l: LanguageModel(**lm) for l, lm in by_lang.items()} for m, by_lang in data["models"].items()}
        return cls(models, data.get("thresholds", {}))

    @classmethod
    def load(cls, override: Path | None = None) -> "Calibration":
        path = override if override is not None and override.exists() else SHIPPED
        return cls.from_json(path.read_text(encoding="utf-8")) if path.exists() else cls()


def _newton(loss_grad_hess, d: int, steps: int) -> np.ndarray:
    """Newton's method with backtracking: plain Newton overshoots on nearly separable data."""
    w = np.zeros(d)
    loss, grad, hess = loss_grad_hess(w)
    for _ in range(steps):
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-6:
            candidate = w - t * step
            new_loss, new_grad, new_hess = loss_grad_hess(candidate)
            if new_loss <= loss - 1e-4 * t * grad @ step:
                break
            t /= 2
        else:
            break
        converged = np.abs(candidate - w).max() < 1e-8
        w, loss, grad, hess = candidate, new_loss, new_grad, new_hess
        if converged:
            break
    return w


def fit_ranker(groups: list[tuple[np.ndarray, int]], l2: float = 1.0, steps: int = 100) -> np.ndarray:
    """Conditional logit: each group is (candidate features, index of the right one); the
    fit maximises the softmax probability of the right candidate, L2-regularised."""
    d = groups[0][0].shape[1]

    def loss_grad_hess(w):
        loss, grad, hess = 0.5 * l2 * w @ w, l2 * w, l2 * np.eye(d)
        for x, right in groups:
            z = x @ w
            m = z.max()
            p = np.exp(z - m)
            total = p.sum()
            p /= total
            mu = p @ x
            loss += m + np.log(total) - z[right]
            grad = grad - (x[right] - mu)
            hess = hess + (x * p[:, None]).T @ x - np.outer(mu, mu)
        return loss, grad, hess

    return _newton(loss_grad_hess, d, steps)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 100) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression, classes balanced; the last weight is the bias."""
    n, d = x.shape
    X = np.hstack([x, np.ones((n, 1))]).astype(np.float64)
    pos = max(float(y.sum()), 1.0)
    neg = max(n - pos, 1.0)
    sample_w = np.where(y > 0, n / (2 * pos), n / (2 * neg))
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0

    def loss_grad_hess(w):
        z = X @ w
        p = 1.0 / (1.0 + np.exp(-z))
        loss = float(sample_w @ (np.logaddexp(0, z) - y * z)) + 0.5 * (reg * w) @ w
        grad = X.T @ (sample_w * (p - y)) + reg * w
        hess = (X * (sample_w * p * (1 - p))[:, None]).T @ X + np.diag(reg + 1e-9)
        return loss, grad, hess

    w = _newton(loss_grad_hess, d + 1, steps)
    return w[:-1], float(w[-1])
