"""The reply guard's second reader: a small model over the reply's sentence vectors.

The lexicons of reply_guard.py catch the words a supervisor wrote down, and almost nothing
else: on agent replies written by others they caught about one forbidden reply in ten. A
threat or a brush-off worded otherwise ("people who post reviews like that usually regret
it", "that's between you and the courier") still reads as one to a sentence encoder. This
model reads the reply's e5 and USE vectors with the lexicons' verdicts beside them and says
whether it insults, threatens, brushes off or mocks the customer. It only ever adds a
warning: the agent may still send, and every warning is kept for quality review.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gateway.privacy import pii
from gateway.softmax import Softmax
from gateway.texts.languages import detect_language
from handoff.reply_guard import MESSAGES, GuardHit, check_reply

SHIPPED = Path(__file__).with_name("guard_model.json")
LABELS = ("insult", "threat", "brush_off", "mockery", "polite", "firm_polite")
FORBIDDEN = LABELS[:4]
LEXICON = ("insult", "threat", "brush_off")
ENCODERS = ("e5", "use")
LEXICON_SCALE = 0.25  # 0/1 beside vector components of about ±0.05, as in the intent model


def features(text: str, vectors: dict[str, np.ndarray]) -> np.ndarray:
    kinds = {hit.kind for hit in check_reply(text)}
    lexicon = np.array([k in kinds for k in LEXICON], dtype=np.float64) * LEXICON_SCALE
    return np.concatenate([lexicon, *[np.asarray(vectors[n], dtype=np.float64) for n in ENCODERS]])


@dataclass
class GuardModel:
    labels: Softmax
    # Per language, P(any forbidden label) at which the agent is warned: one threshold for
    # both warned zh agents about polite replies twice as often as en agents.
    thresholds: dict[str, float]

    def read(self, text: str, vectors: dict[str, np.ndarray]) -> GuardHit | None:
        if not all(n in vectors for n in ENCODERS):
            return None
        p = dict(zip(self.labels.classes, self.labels.probabilities(features(text, vectors))))
        threshold = self.thresholds.get(detect_language(text), max(self.thresholds.values(), default=0.99))
        if sum(p[k] for k in FORBIDDEN) < threshold:
            return None
        kind = max(FORBIDDEN, key=p.get)
        # The whole reply is the excerpt, as guard_hits keeps it for review: personal data masked.
        # Masked before it is cut: a number cut in two no longer looks like one to the masker.
        masked = pii.mask(text)
        excerpt = masked if len(masked) <= 80 else masked[:79] + "…"
        return GuardHit(kind, excerpt, MESSAGES[kind])

    def to_json(self) -> str:
        return json.dumps({"labels": vars(self.labels), "thresholds": self.thresholds, "encoders": list(ENCODERS),
                           "lexicon": list(LEXICON)})

    @classmethod
    def from_json(cls, text: str) -> "GuardModel":
        data = json.loads(text)
        if data.get("encoders") != list(ENCODERS) or data.get("lexicon") != list(LEXICON) or "thresholds" not in data:
            raise ValueError("guard model was fitted on other features; refit it with `cs-gateway guard fit`")
        return cls(Softmax(**data["labels"]), data["thresholds"])

    @classmethod
    def load(cls, path: Path = SHIPPED) -> "GuardModel | None":
        return cls.from_json(path.read_text(encoding="utf-8")) if path.exists() else None


def merged(lexicon_hits: list[GuardHit], model_hit: GuardHit | None) -> list[GuardHit]:
    """The model's warning joins the lexicons' unless they already say the same."""
    if model_hit is None or any(h.kind == model_hit.kind for h in lexicon_hits):
        return lexicon_hits
    return [*lexicon_hits, model_hit]
