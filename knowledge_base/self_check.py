"""A knowledge base's check of itself: entries that answer such similar questions that the
bot would take one for the other.

Each entry's question and alternates are searched against the *other* entries, with the
same fusion and confidence model customers' messages get. Where the bot would answer an
entry's own question with another entry, confidently, were the entry not there, the two are
confusable: editors see the pair on /kb (to merge them, or to word them apart), and the bot
offers both to the customer instead of guessing between them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from knowledge_base.documents import KbDoc
from knowledge_base.fusion import LanguageModel

# Past this many entries in a language the check is skipped: it costs one search per phrasing,
# about 2 ms each, on every publish (a thousand entries with four phrasings: ~8 s in a thread).
LIMIT = 1000


@dataclass(frozen=True)
class ConfusablePair:
    first: str  # entry ids, in the order of the knowledge base
    second: str
    language: str
    confidence: float  # how sure the bot would be answering one's question with the other
    phrasing: str  # the phrasing of the one that the other would answer


Signals = Callable[[int, str], dict[str, np.ndarray]]  # (phrasing number, text) -> every entry's signals


def confusable_pairs(docs: list[KbDoc], language: str, model: LanguageModel, threshold: float,
                     signals_of: Signals) -> list[ConfusablePair]:
    """Pairs whose confusion the bot would answer with at least `threshold` confidence."""
    if len(docs) < 2 or len(docs) > LIMIT:
        return []
    best: dict[tuple[int, int], ConfusablePair] = {}
    number = 0
    for i, doc in enumerate(docs):
        for text in doc.phrasings:
            signals = signals_of(number, text)
            number += 1
            others = np.arange(len(docs)) != i
            masked = {k: v[others] for k, v in signals.items()}
            missing = np.zeros(len(docs) - 1, dtype=np.float32)  # a signal the model names that did not run
            masked |= {k: missing for k in (*model.features, *model.agreement) if k not in masked}
            scores = model.score(masked)
            top = int(np.argmax(model.rank_scores(masked)))
            j = int(np.flatnonzero(others)[top])
            confidence = float(scores[top])
            key = (min(i, j), max(i, j))
            if confidence >= threshold and (key not in best or best[key].confidence < confidence):
                best[key] = ConfusablePair(docs[key[0]].id, docs[key[1]].id, language, round(confidence, 4), text)
    return sorted(best.values(), key=lambda p: -p.confidence)


def partners(pairs: Iterable[ConfusablePair]) -> dict[str, frozenset[str]]:
    """Entry id -> the entries it is confusable with."""
    found: dict[str, set[str]] = {}
    for p in pairs:
        found.setdefault(p.first, set()).add(p.second)
        found.setdefault(p.second, set()).add(p.first)
    return {k: frozenset(v) for k, v in found.items()}
