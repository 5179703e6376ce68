"""The bot's decision for one customer message: answer, clarify, or hand off, always
with a reason. Pure: it sees the message, the search result and the previous turn."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

from bot.intent_model import Intent, lexicon_intent
from bot.intents import Complaint
from gateway import texts
from knowledge_base.search import Candidate, SearchResult


@dataclass(frozen=True)
class Thresholds:
    answer: float = 0.5     # calibrated P(top entry is right) needed to answer
    clarify: float = 0.2    # below this, nothing is worth offering: hand off
    option: float = 0.1     # an entry offered as a clarify option needs at least this
    unhelpful_streak: int = 2
    # (answer, clarify) per language where calibration set them apart: the confidence models
    # are per language, and one pair of thresholds fits neither language best.
    languages: Mapping[str, tuple[float, float]] = field(default_factory=dict, compare=False)

    def for_language(self, language: str) -> "Thresholds":
        if language not in self.languages:
            return self
        answer, clarify = self.languages[language]
        return replace(self, answer=answer, clarify=clarify, languages={})


# e5 cosine at which a message is one of the entry's own phrasings, give or take case and
# punctuation (0.98-0.995 measured); a short Chinese paraphrase can reach 0.975 ("碎屏保咋用"
# against "碎屏保是什么？怎么购买？"), which is not the same question.
VERBATIM = 0.98

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
    complaint: Complaint | None = None
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
        if self.options:
            data["options"] = [c.id for c in self.options]
        if self.complaint:
            data.update(category=self.complaint.category, severity=self.complaint.severity,
                        severity_reasons=list(self.complaint.reasons))
        return data


@dataclass(frozen=True)
class PreviousTurn:
    decision: str | None = None
    entry_id: str | None = None
    unhelpful_streak: int = 0
    options: tuple[str, ...] = ()  # the entries a clarify offered


def decide(text: str, result: SearchResult, thresholds: Thresholds, previous: PreviousTurn = PreviousTurn(),
           intent: Intent | None = None) -> Decision:
    """`intent` is the intent model's reading of the message; without one, the lexicons'."""
    language, results = result.language, result.candidates
    intent = intent or lexicon_intent(text)
    thresholds = thresholds.for_language(language)

    def handoff(code: str, reason: str, **extra) -> Decision:
        return Decision("handoff", reason, language, results, code=code, **extra)

    # The buttons the bot itself offered mean what they say, whatever a model reads into them.
    chosen = next((c for c in results if c.id in previous.options and c.question.strip() == text.strip()), None)
    if previous.decision == "clarify" and chosen is not None:
        return Decision("answer", "customer chose it among the options", language, results, entry=chosen)
    if texts.is_label(text, "not_helpful"):
        return handoff(NOT_HELPFUL, "customer said the answer was not helpful")
    if texts.is_label(text, "helpful"):
        return Decision("answer", "customer said the answer helped", language, results)

    if intent.kind == "human":
        return handoff(HUMAN_REQUEST, "customer asked for a person")
    found = intent.complaint
    if intent.kind == "complaint" and found is not None:
        detail = f"{found.category}, {found.severity}" + (f": {', '.join(found.reasons)}" if found.reasons else "")
        return handoff(COMPLAINT, f"complaint ({detail})", complaint=found)

    top = results[0] if results else None
    # The customer's words are one of the entry's own phrasings (its question, or an alternate an
    # editor wrote or approved): that mapping is the shop's, whatever the confidence model says.
    verbatim = top is not None and top.signals.get("e5.q", 0.0) >= VERBATIM
    if top is None or (top.score < thresholds.clarify and not verbatim):
        best = f"{top.score:.2f}" if top else "none"
        return handoff(LOW_CONFIDENCE, f"low confidence (best {best} < {thresholds.clarify:.2f})")

    # Entries the knowledge base knows to be confusable: when the other one is close behind,
    # the customer chooses instead of the bot guessing.
    rivals = [c for c in results[1:2] if c.id in top.confusable_with]
    if top.score >= thresholds.answer and rivals and not verbatim and previous.decision != "clarify":
        return Decision("clarify", f"{top.id} is easily confused with {', '.join(c.id for c in rivals)}",
                        language, results, options=[top, *rivals], unhelpful_streak=previous.unhelpful_streak)
    if top.score >= thresholds.answer or verbatim:
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
