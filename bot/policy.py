"""The bot's decision for one customer message: answer, clarify, or hand off, always
with a reason. Pure: it sees the message, the search result and the previous turn."""
from __future__ import annotations

from dataclasses import dataclass, field

from bot import intents
from gateway import texts
from knowledge_base.search import Candidate, SearchResult


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.5     # calibrated P(top entry is right) needed to answer
    clarify: float = 0.2    # below this, nothing is worth offering: hand off
    option: float = 0.1     # an entry offered as a clarify option needs at least this
    unhelpful_streak: int = 2


# Why the bot handed off, for code (the queue's priority, the customer's text, metrics);
# `reason` says the same for people.
HUMAN_REQUEST, COMPLAINT, NOT_HELPFUL, UNHELPFUL, LOW_CONFIDENCE = (
    "human_request", "complaint", "not_helpful", "unhelpful", "low_confidence")


@dataclass(frozen=True)
class Decision:
    kind: str  # answer | clarify | handoff
    reason: str
    language: str
    results: list[Candidate] = field(default_factory=list)
    entry: Candidate | None = None
    options: list[Candidate] = field(default_factory=list)
    complaint: intents.Complaint | None = None
    unhelpful_streak: int = 0
    code: str | None = None  # set on a hand-off

    def summary(self) -> dict:
        data = {
            "decision": self.kind,
            "reason": self.reason,
            "code": self.code,
            "language": self.language,
            "results": [{"id": c.id, "question": c.question, "score": round(c.score, 4)} for c in self.results],
            "unhelpful_streak": self.unhelpful_streak,
        }
        if self.entry:
            data["entry_id"], data["score"] = self.entry.id, round(self.entry.score, 4)
        if self.complaint:
            data.update(category=self.complaint.category, severity=self.complaint.severity,
                        severity_reasons=list(self.complaint.reasons))
        return data


@dataclass(frozen=True)
class PreviousTurn:
    decision: str | None = None
    entry_id: str | None = None
    unhelpful_streak: int = 0


def decide(text: str, result: SearchResult, thresholds: Thresholds, previous: PreviousTurn = PreviousTurn()) -> Decision:
    language, results = result.language, result.candidates

    def handoff(code: str, reason: str, **extra) -> Decision:
        return Decision("handoff", reason, language, results, code=code, **extra)

    if intents.wants_person(text):
        return handoff(HUMAN_REQUEST, "customer asked for a person")
    found = intents.complaint(text)
    if found is not None:
        detail = f"{found.category}, {found.severity}" + (f": {', '.join(found.reasons)}" if found.reasons else "")
        return handoff(COMPLAINT, f"complaint ({detail})", complaint=found)
    if texts.is_label(text, "not_helpful"):
        return handoff(NOT_HELPFUL, "customer said the answer was not helpful")
    if texts.is_label(text, "helpful"):
        return Decision("answer", "customer said the answer helped", language, results)

    top = results[0] if results else None
    if top is None or top.score < thresholds.clarify:
        best = f"{top.score:.2f}" if top else "none"
        return handoff(LOW_CONFIDENCE, f"low confidence (best {best} < {thresholds.clarify:.2f})")

    if top.score >= thresholds.answer:
        # Asking again for the entry just given means the answer did not help.
        repeated = previous.decision == "answer" and previous.entry_id == top.id
        streak = previous.unhelpful_streak + 1 if repeated else 0
        if streak >= thresholds.unhelpful_streak:
            return handoff(UNHELPFUL, "two unhelpful answers in a row", unhelpful_streak=streak)
        return Decision("answer", f"confident ({top.score:.2f} >= {thresholds.answer:.2f})", language,
                        results, entry=top, unhelpful_streak=streak)

    streak = previous.unhelpful_streak + 1
    if streak >= thresholds.unhelpful_streak:
        return handoff(UNHELPFUL, "two unhelpful answers in a row", unhelpful_streak=streak)
    options = [c for c in results[:3] if c.score >= thresholds.option] or [top]
    return Decision("clarify", f"unsure ({top.score:.2f} < {thresholds.answer:.2f})", language, results,
                    options=options, unhelpful_streak=streak)
