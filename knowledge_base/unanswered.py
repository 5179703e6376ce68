"""Questions the bot handed to a person for low confidence, grouped by meaning, so an editor
sees what is missing from the knowledge base and turns each group into an entry at once.

A question leaves the list when an editor handles it: made into an entry, or dismissed.
Grouping embeds every question once, in one batch, with the encoder that reads both
languages, and groups greedily within each language, since an entry has one. The questions
come from an `UnansweredSource` (storage's, gateway/storage/unanswered_queries.py).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from typing import Protocol

import numpy as np

from gateway.texts.languages import detect_language
from knowledge_base.encoders import Encoder

LOW_CONFIDENCE = "low_confidence"
# multilingual-e5 puts any two short shop questions above 0.75 and rephrasings of one
# question above 0.92; measured on paraphrase pairs and unrelated ones in both languages.
SIMILARITY = 0.9
MAX_QUESTIONS = 2000  # the newest; older ones come up as these are handled



class UnansweredSource(Protocol):
    """Customer messages the bot answered with a low-confidence hand-off (its reply's
    `meta.bot.code`), and which of them an editor has handled."""

    async def pending(self, code: str, limit: int) -> list[tuple]:
        """The newest not yet handled, as (message view, its bot reply's meta)."""

    async def handled_states(self, code: str, message_ids: list[int]) -> dict[int, str | None]:
        """For each id that is such a message: what an editor did with it, or None."""

    def add_handled(self, message_id: int, action: str, entry_id: str | None, by: str, at: datetime) -> None:
        """Unique per message: a second editor's attempt fails at commit."""


class NotUnanswered(ValueError):
    """A message id that is not a customer question the bot gave up on."""


class AlreadyHandled(ValueError):
    """Someone turned it into an entry or dismissed it first."""


@dataclass
class Question:
    message_id: int
    conversation_id: str
    text: str
    asked_at: datetime
    language: str
    closest: dict | None  # the best existing entry the bot found, with its score

    def to_dict(self) -> dict:
        return {"message_id": self.message_id, "conversation_id": self.conversation_id, "text": self.text,
                "asked_at": self.asked_at.isoformat(), "language": self.language, "closest": self.closest}


@dataclass
class Group:
    language: str
    members: list[Question] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)

    def fit(self, vector: np.ndarray) -> float:
        return float(np.mean(np.vstack(self.vectors) @ vector))

    def to_dict(self) -> dict:
        # The most typical phrasing heads the group: the one closest to all the others.
        matrix = np.vstack(self.vectors)
        centre = int(np.argmax((matrix @ matrix.T).sum(axis=1)))
        head = self.members[centre]
        texts = list(dict.fromkeys(q.text.strip() for q in self.members))
        closest = max((q.closest for q in self.members if q.closest), key=lambda c: c.get("score", 0), default=None)
        return {"key": f"q{min(q.message_id for q in self.members)}", "language": self.language,
                "size": len(self.members), "question": head.text.strip(),
                "phrasings": texts, "message_ids": [q.message_id for q in self.members],
                "last_asked_at": max(q.asked_at for q in self.members).isoformat(), "closest": closest,
                "questions": [q.to_dict() for q in self.members]}


def _question(message, bot_meta: dict) -> Question | None:
    if not (message.text or "").strip():
        return None
    details = (bot_meta or {}).get("bot") or {}
    results = details.get("results") or []
    return Question(message.id, message.conversation_id, message.text, message.created_at,
                    details.get("language") or detect_language(message.text), results[0] if results else None)


async def pending_questions(source: UnansweredSource, limit: int = MAX_QUESTIONS) -> list[Question]:
    rows = await source.pending(LOW_CONFIDENCE, limit)
    return [q for q in (_question(m, meta) for m, meta in rows) if q is not None]


def multilingual_encoder(encoders) -> Encoder:
    for encoder in encoders:
        if {"zh", "en"} <= set(encoder.languages):
            return encoder
    raise LookupError("no encoder reads both Chinese and English")


def group_questions(questions: list[Question], encoder: Encoder, threshold: float = SIMILARITY) -> list[dict]:
    """Greedy: each question joins the group of its language it fits best on average, if that
    is at least `threshold`, else starts one. Biggest groups first, then the most recent."""
    if not questions:
        return []
    texts = list(dict.fromkeys(q.text.strip() for q in questions))
    vectors = dict(zip(texts, encoder.encode_queries(texts)))
    groups: list[Group] = []
    for question in sorted(questions, key=lambda q: q.message_id):
        vector = vectors[question.text.strip()]
        fits = [(g.fit(vector), g) for g in groups if g.language == question.language]
        score, best = max(fits, key=lambda f: f[0], default=(0.0, None))
        if best is None or score < threshold:
            best = Group(question.language)
            groups.append(best)
        best.members.append(question)
        best.vectors.append(vector)
    return sorted((g.to_dict() for g in groups), key=lambda g: (g["size"], g["last_asked_at"]), reverse=True)


async def unanswered_groups(source: UnansweredSource, encoders, threshold: float = SIMILARITY) -> list[dict]:
    questions = await pending_questions(source)
    return await asyncio.to_thread(group_questions, questions, multilingual_encoder(encoders), threshold)


async def check_open(source: UnansweredSource, message_ids: list[int]) -> None:
    """Refuses unless every id is a question still on the list."""
    ids = list(dict.fromkeys(message_ids))
    found = await source.handled_states(LOW_CONFIDENCE, ids)
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise NotUnanswered(f"not an unanswered question: message {', '.join(map(str, unknown))}")
    handled = [i for i in ids if found[i] is not None]
    if handled:
        raise AlreadyHandled(f"already handled: message {', '.join(map(str, handled))}; reload the list")


async def mark_handled(source: UnansweredSource, message_ids: list[int], action: str, by: str, at: datetime,
                       entry_id: str | None = None) -> None:
    await check_open(source, message_ids)
    for message_id in dict.fromkeys(message_ids):
        source.add_handled(message_id, action, entry_id, by, at)
