"""A multinomial logistic model as plain numbers: fitted with scikit-learn where models are
fitted, served with numpy alone. Shared by the bot's intent model and the reply guard's."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Softmax:
    classes: list[str]
    weights: list[list[float]]  # classes × features
    bias: list[float]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = np.asarray(self.weights) @ x + np.asarray(self.bias)
        z = np.exp(z - z.max())
        return z / z.sum()

    def predict(self, x: np.ndarray) -> tuple[str, float]:
        p = self.probabilities(x)
        best = int(np.argmax(p))
        return self.classes[best], float(p[best])


def fit_softmax(x: np.ndarray, y: list[str], classes: tuple[str, ...], c: float) -> Softmax:
    """L2-regularised, classes balanced. A class no line had gets a row that is never chosen."""
    from sklearn.linear_model import LogisticRegression

    if len(set(y)) < 2:  # nothing to tell apart: the one class seen, always
        return Softmax(list(classes), [[0.0] * x.shape[1] for _ in classes],
                       [0.0 if k in set(y) else -50.0 for k in classes])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    coef, bias = model.coef_, model.intercept_
    if len(model.classes_) == 2:  # sklearn keeps one row for two classes: make it a softmax pair
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        bias = np.array([-bias[0] / 2, bias[0] / 2])
    by_class = dict(zip(model.classes_, zip(coef, bias)))
    never = (np.zeros(x.shape[1]), -50.0)
    rows = [by_class.get(k, never) for k in classes]
    return Softmax(list(classes), [[round(float(v), 6) for v in w] for w, _ in rows],
                   [round(float(b), 6) for _, b in rows])
