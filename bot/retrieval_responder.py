"""The retrieval bot: search the knowledge base, decide, and say it in the customer's language."""
from __future__ import annotations

from typing import Sequence

from bot.policy import COMPLAINT, LOW_CONFIDENCE, Decision, PreviousTurn, Thresholds, decide
from bot.responder import BotReply
from gateway import texts
from gateway.conversations.views import MessageView
from knowledge_base.search import HybridSearch

HANDOFF_TEXT = {COMPLAINT: "handoff_complaint", LOW_CONFIDENCE: "handoff_low_confidence"}


class RetrievalResponder:
    def __init__(self, search: HybridSearch, thresholds: Thresholds):
        self._search = search
        self._thresholds = thresholds

    async def decide(self, text: str, previous: PreviousTurn = PreviousTurn()) -> Decision:
        result = await self._search.search(text, top_k=5)
        return decide(text, result, self._thresholds, previous)

    async def respond(self, text: str, history: Sequence[MessageView]) -> BotReply:
        if not text.strip():  # a photo, a voice note, a file: kept for the agent, not searched
            language = texts.customer_language(history)
            return BotReply(texts.text(language, "file_received"),
                            quick_replies=(texts.text(language, "talk_to_person"),),
                            details={"decision": "file_received", "language": language})
        decision = await self.decide(text, _previous_turn(history))
        # Answers come from entries in the message's own language; our own words follow the
        # customer's locale where their channel tells it.
        language = texts.customer_language(history, text)
        details = decision.summary()
        if decision.kind == "handoff":
            key = HANDOFF_TEXT.get(decision.code, "handoff")
            return BotReply(texts.text(language, key), handoff_reason=decision.reason, details=details)
        if decision.kind == "clarify":
            options = tuple(c.question for c in decision.options) + (texts.text(language, "talk_to_person"),)
            return BotReply(texts.text(language, "clarify"), quick_replies=options, details=details)
        if decision.entry is None:  # the customer's "that helped"
            return BotReply(texts.text(language, "thanks"), details=details)
        return BotReply(
            decision.entry.answer,
            quick_replies=tuple(texts.text(language, k) for k in ("helpful", "not_helpful", "talk_to_person")),
            details=details,
        )


def _previous_turn(history: Sequence[MessageView]) -> PreviousTurn:
    for message in reversed(history):
        if message.sender == "bot":
            bot = message.meta.get("bot") or {}
            return PreviousTurn(bot.get("decision"), bot.get("entry_id"), int(bot.get("unhelpful_streak", 0)))
    return PreviousTurn()
