"""Entries to suggest to an agent: the hybrid search run over the customer's latest lines,
and, for the console's search box, entries that hold the words typed."""
from __future__ import annotations

import asyncio

from knowledge_base.documents import KbDoc
from knowledge_base.search import HybridSearch

# Below this an entry is not about the customer's words at all; listing it costs the agent a
# look and suggests nothing.
LEAST_SCORE = 0.02


def _item(doc_id: str, question: str, answer: str, score: float | None, tags=()) -> dict:
    return {"entry_id": doc_id, "question": question, "answer": answer,
            "score": None if score is None else round(float(score), 4), "tags": list(tags)}


async def suggest(search: HybridSearch, texts: list[str], language: str, top_k: int) -> list[dict]:
    """Best first. Each line is searched on its own and an entry keeps its best score: a
    customer's "hello?" beside the real question must not blur the question's match."""
    results = await asyncio.gather(*[search.search(text, top_k=top_k, language=language) for text in texts])
    tags = {d.id: d.tags for d in search.documents(language)}
    best: dict[str, dict] = {}
    for result in results:
        for c in result.candidates:
            if c.score < LEAST_SCORE:
                continue
            if c.id not in best or c.score > best[c.id]["score"]:
                best[c.id] = _item(c.id, c.question, c.answer, c.score, tags.get(c.id, ()))
    return sorted(best.values(), key=lambda s: -s["score"])[:top_k]


def _holds(doc: KbDoc, words: str) -> bool:
    words = words.casefold()
    return any(words in field.casefold() for field in (doc.id, doc.question, doc.answer, *doc.alternates, *doc.tags))


def word_matches(docs: list[KbDoc], words: str, ranked: list[dict], limit: int) -> list[dict]:
    """The entries holding `words` first (by their search score when they have one), then
    the search's other hits: an agent typing "发票" wants the invoice entry even when the
    models rank another higher."""
    scores = {s["entry_id"]: s for s in ranked}
    holding = [scores.get(d.id) or _item(d.id, d.question, d.answer, None, d.tags) for d in docs if _holds(d, words)]
    holding.sort(key=lambda s: -(s["score"] if s["score"] is not None else -1))
    seen = {s["entry_id"] for s in holding}
    return (holding + [s for s in ranked if s["entry_id"] not in seen])[:limit]
