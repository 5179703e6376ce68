"""What a message wants, learned: a person, to complain (with category and severity), or an
answer from the FAQ.

The lexicons of `bot/intents.py` catch the words a supervisor wrote down; customers of a
shop that sells something else complain in other words. So the decision is a small
logistic model over the message's sentence vectors (the ones search computed anyway) with
the lexicon hits as features beside them: the lexicon still counts, and what it misses the
vectors can carry. Fitted on labelled lines of several shops (`cs-gateway kb calibrate
--suite`) and scored on a shop left out; at run time it is a few dot products.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot import intents
from gateway.softmax import Softmax

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).with_name("intent_model.json")
KINDS = ("faq", "human", "complaint")
SEVERITIES = ("ordinary", "major")
ENCODERS = ("e5", "use")  # the multilingual encoders every language has


def lexicon_features(text: str, reading: intents.Reading | None = None) -> np.ndarray:
    """The lexicons' verdicts as numbers, in a fixed order (LEXICON_NAMES)."""
    r = reading or intents.read(text)
    hits, reasons = r.category_hits, r.reasons
    return np.array([
        r.wants_person, r.human_words, r.hours_words, r.complaint_words, "safety" in reasons,
        "media or regulator" in reasons, "many customers" in reasons, "large sum" in reasons,
        min(hits["logistics"], 3), min(hits["product"], 3), min(hits["service"], 3), min(hits["other"], 3),
        "logistics" in r.cues, "service" in r.cues,
        np.log1p(len(text)) / 5,
    ], dtype=np.float64)


LEXICON_NAMES = ("wants_person", "human_words", "hours_words", "complaint_words", "safety", "authority",
                 "many_customers", "large_sum", "logistics_words", "product_words", "service_words", "other_words",
                 "logistics_cue", "service_cue", "length")


def features(text: str, vectors: dict[str, np.ndarray], reading: intents.Reading | None = None) -> np.ndarray:
    lex = lexicon_features(text, reading)
    return np.concatenate([lex * LEXICON_SCALE, *[np.asarray(vectors[n], dtype=np.float64) for n in ENCODERS]])


# Lexicon hits are 0/1 beside vector components of about ±0.05: scaled up so that a fitted
# weight on them need not be large to count, and the L2 penalty treats both alike.
LEXICON_SCALE = 0.25


@dataclass(frozen=True)
class Intent:
    kind: str  # faq | human | complaint
    probability: float
    complaint: intents.Complaint | None = None


@dataclass
class IntentModel:
    kind: Softmax
    category: Softmax
    severity: Softmax
    thresholds: dict[str, float] = field(default_factory=dict)  # P(kind) needed: human, complaint

    def classify(self, text: str, vectors: dict[str, np.ndarray]) -> Intent:
        reading = intents.read(text)
        if not all(n in vectors for n in ENCODERS):
            return lexicon_intent(text, reading)
        x = features(text, vectors, reading)
        p = dict(zip(self.kind.classes, self.kind.probabilities(x)))
        complains = p["complaint"] >= self.thresholds.get("complaint", 0.5)
        # The explicit ask for a person is never second-guessed: "转人工" means just that. But a
        # complaint that also asks for a person (or names the rep it is about) is a complaint:
        # it reaches a person either way, and registered, with its clocks.
        if (reading.wants_person or p["human"] >= self.thresholds.get("human", 0.5)) \
                and not (complains and reading.complains):
            return Intent("human", float(p["human"]))
        if complains:
            # A cue that names the category outright wins (measured: the same figures as the
            # model alone on shops it never saw, and it keeps "mouldy, refund me" a product case).
            category = reading.cues[0] if reading.cues else self.category.predict(x)[0]
            # The handbook's reasons for major are decisive; the model may find one they miss.
            reasons = reading.reasons
            severity = "major" if reasons else self.severity.predict(x)[0]
            return Intent("complaint", float(p["complaint"]), intents.Complaint(
                category, severity, reasons or (("judged major",) if severity == "major" else ())))
        return Intent("faq", float(p["faq"]))

    def to_json(self) -> str:
        return json.dumps({"kind": vars(self.kind), "category": vars(self.category), "severity": vars(self.severity),
                           "thresholds": self.thresholds, "encoders": list(ENCODERS), "lexicon": list(LEXICON_NAMES)})

    @classmethod
    def from_json(cls, text: str) -> "IntentModel":
        data = json.loads(text)
        if data.get("encoders") != list(ENCODERS) or data.get("lexicon") != list(LEXICON_NAMES):
            raise ValueError("intent model was fitted on other features; refit it with `cs-gateway kb calibrate --suite`")
        return cls(Softmax(**data["kind"]), Softmax(**data["category"]), Softmax(**data["severity"]),
                   data.get("thresholds", {}))

    @classmethod
    def load(cls, path: Path | None = None) -> "IntentModel | None":
        """A shop's own model where it has one, else the shipped one. A shop's model fitted on
        an older version's features is not fatal: the shipped one serves until it is refitted."""
        if path is not None and path.exists():
            try:
                return cls.from_json(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                log.warning("the shop's intent model is not used: %s", exc, extra={"path": str(path)})
        return cls.from_json(SHIPPED.read_text(encoding="utf-8")) if SHIPPED.exists() else None


def lexicon_intent(text: str, reading: intents.Reading | None = None) -> Intent:
    """The lexicons alone: where no vectors are at hand."""
    r = reading or intents.read(text)
    found = intents.complaint(text, r)
    if found is not None:  # a complaint that asks for a person too is registered as one
        return Intent("complaint", 1.0, found)
    return Intent("human", 1.0) if r.wants_person else Intent("faq", 1.0)
