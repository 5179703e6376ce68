"""The retrieval bot: search the knowledge base, decide, and say it in the customer's language."""
from __future__ import annotations

import dataclasses
from typing import Sequence

from bot.intent_model import Intent, IntentModel, lexicon_intent
from bot.policy import COMPLAINT, LOW_CONFIDENCE, Decision, PreviousTurn, Thresholds, decide
from bot.responder import BotReply, Said
from bot.search_memo import SearchMemo, same_text
from gateway import texts
from gateway.privacy import pii
from knowledge_base.search import HybridSearch, SearchResult

HANDOFF_TEXT = {COMPLAINT: "handoff_complaint", LOW_CONFIDENCE: "handoff_low_confidence"}


# About 2 KB a search kept (five candidates, their signals): a few MB at most.
MEMO_SIZE = 2048


class RetrievalResponder:
    def __init__(self, search: HybridSearch, thresholds: Thresholds, intents: IntentModel | None = None,
                 memo_size: int = MEMO_SIZE):
        self._search = search
        self._thresholds = thresholds
        self._intents = intents  # None: the lexicons alone
        self.memo: SearchMemo[tuple[SearchResult, Intent | None]] = SearchMemo(memo_size)

    async def decide(self, text: str, previous: PreviousTurn = PreviousTurn()) -> Decision:
        result, intent = await self._read(text)
        return decide(text, result, self._thresholds, previous, intent=intent)

    async def wants_person(self, text: str) -> bool:
        """Whether the customer asks for a person or complains: that comes before any other
        flow. The search it takes is the one `respond` would make, kept in the memo."""
        _, intent = await self._read(text)
        intent = intent or lexicon_intent(text)
        return intent.kind == "human" or (intent.kind == "complaint" and intent.complaint is not None)

    async def _read(self, text: str) -> tuple[SearchResult, Intent | None]:
        key = (same_text(text), self._search.current_fingerprint)
        return await self.memo.get(key, lambda: self._search_and_read(text))

    async def _search_and_read(self, text: str) -> tuple[SearchResult, Intent | None]:
        result = await self._search.search(text, top_k=5)
        intent = self._intents.classify(text, result.vectors) if self._intents else None
        # The vectors served the intent model; kept, they would be most of the memo's memory.
        return dataclasses.replace(result, vectors={}), intent

    async def respond(self, text: str, history: Sequence[Said]) -> BotReply:
        if not text.strip():  # a photo, a voice note, a file: kept for the agent, not searched
            language = texts.customer_language(history)
            return BotReply(texts.text(language, "file_received"),
                            quick_replies=(texts.text(language, "talk_to_person"),),
                            details={"decision": "file_received", "language": language})
        history = _as_of_press(history, text)
        decision = await self.decide(text, _previous_turn(history))
        # Answers come from entries in the message's own language; our own words follow the
        # customer's locale where their channel tells it.
        language = texts.customer_language(history, text)
        details = decision.summary()
        proposed = proposal(decision, text, history)
        if decision.kind == "handoff":
            key = HANDOFF_TEXT.get(decision.code, "handoff")
            return BotReply(texts.text(language, key), handoff_reason=decision.reason, details=details,
                            proposal=proposed)
        if decision.kind == "clarify":
            options = tuple(c.question for c in decision.options) + (texts.text(language, "talk_to_person"),)
            return BotReply(texts.text(language, "clarify"), quick_replies=options, details=details,
                            proposal=proposed)
        if decision.entry is None:  # the customer's "that helped"
            return BotReply(texts.text(language, "thanks"), details=details, proposal=proposed)
        return BotReply(
            decision.entry.answer,
            quick_replies=tuple(texts.text(language, k) for k in ("helpful", "not_helpful", "talk_to_person")),
            details=details,
            proposal=proposed,
        )


def _as_of_press(history: Sequence[Said], text: str) -> Sequence[Said]:
    """A button pressed under an older bot message answers that message: the conversation
    as it stood then (up to it), with the press as the customer's next words."""
    press = history[-1] if history and history[-1].sender == "customer" and history[-1].text == text else None
    pressed_on = press.meta.get("pressed_on") if press is not None else None
    if pressed_on is None:
        return history
    at = next((i for i, m in enumerate(history) if m.id == pressed_on and m.sender == "bot"), None)
    if at is None:  # under a message this conversation does not hold: it answers nothing here
        return [press]
    return [*history[:at + 1], press]


def _previous_turn(history: Sequence[Said]) -> PreviousTurn:
    for message in reversed(history):
        if message.sender == "bot":
            bot = message.meta.get("bot") or {}
            return PreviousTurn(bot.get("decision"), bot.get("entry_id"), int(bot.get("unhelpful_streak", 0)),
                                tuple(bot.get("options") or ()))
    return PreviousTurn()


# Long messages (a story before the question) make poor alternates.
PROPOSAL_LONGEST = 200


def proposal(decision: Decision, text: str, history: Sequence[Said]) -> dict | None:
    """The customer's own words that an entry answered, as that entry's proposed alternate:
    after a Helpful click on an answer, or a choice among a clarify's options."""
    earlier = list(history)
    if earlier and earlier[-1].sender == "customer" and earlier[-1].text == text:
        earlier.pop()  # the message being answered may already be in the history
    bot_at = next((i for i in range(len(earlier) - 1, -1, -1) if earlier[i].sender == "bot"), None)
    if bot_at is None:
        return None
    previous = earlier[bot_at].meta.get("bot") or {}
    asked = next((m for m in reversed(earlier[:bot_at]) if m.sender == "customer"), None)
    if asked is None or not asked.text.strip():
        return None
    if texts.is_label(text, "helpful") and previous.get("decision") == "answer" and previous.get("entry_id"):
        entry_id, source = previous["entry_id"], "helpful"
    elif (previous.get("decision") == "clarify" and decision.kind == "answer" and decision.entry is not None
          and decision.entry.id in (previous.get("options") or ())
          and decision.entry.question.strip() == text.strip()):  # the option tapped, not a new question
        entry_id, source = decision.entry.id, "clarify"
    else:
        return None
    words = pii.mask(asked.text.strip())
    if len(words) > PROPOSAL_LONGEST or words in {r.get("question") for r in previous.get("results") or ()}:
        return None  # too long to be an alternate, or an entry's own question (a tapped option)
    return {"entry_id": entry_id, "text": words, "source": source, "message_id": asked.id}
