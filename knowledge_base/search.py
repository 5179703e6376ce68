"""Hybrid search over the published knowledge base, per language.

A query is answered from its own language's entries, with only the retrievers that are
good in that language: BM25 always, and each encoder that declares the language. The
index is an immutable snapshot; a change builds a new one off the event loop and swaps
it in, so queries never wait for a rebuild and the next query sees the change.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import pickle
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from knowledge_base.batching import MicroBatcher
from knowledge_base.dense_index import DenseIndex
from knowledge_base.documents import KbDoc
from knowledge_base.encoders import Encoder
from gateway.texts.languages import detect_language
from knowledge_base.fusion import Calibration, LanguageModel
from knowledge_base.lexical_index import LexicalIndex
from knowledge_base.self_check import ConfusablePair, confusable_pairs, partners

log = logging.getLogger(__name__)

MODES = ("hybrid", "bm25", "dense")
SNAPSHOT_FORMAT = 3  # 2: a question+answer vector per entry; 3: confusable pairs


@dataclass(frozen=True)
class Candidate:
    id: str
    question: str
    answer: str
    score: float
    signals: dict[str, float]
    # Entries the knowledge base's self-check found this one confusable with (self_check.py).
    confusable_with: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SearchResult:
    language: str
    mode: str
    candidates: list[Candidate]
    # The message's own vector per encoder: the intent model reads them, so a message is
    # encoded once for both questions.
    vectors: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class LanguageIndex:
    docs: list[KbDoc]
    lexical: LexicalIndex
    phrasings: dict[str, DenseIndex] = field(default_factory=dict)  # per encoder
    answers: dict[str, DenseIndex] = field(default_factory=dict)
    # Question and answer read together: a customer's words often match the answer's details
    # ("do I pay the return postage?") better than either part alone.
    combined: dict[str, DenseIndex] = field(default_factory=dict)

    @cached_property  # computed on first use: snapshots saved before it load as they are
    def ids(self) -> frozenset[str]:
        return frozenset(d.id for d in self.docs)


def fingerprint(docs: list[KbDoc]) -> str:
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d.id):
        digest.update(json.dumps([doc.id, doc.language, doc.phrasings, doc.answer], ensure_ascii=False).encode())
    return digest.hexdigest()


def rank(docs: list[KbDoc], signals: dict[str, np.ndarray], model: LanguageModel, top_k: int,
         confusable: dict[str, frozenset[str]] | None = None) -> list[Candidate]:
    """The best `top_k` entries with their calibrated confidence, from the retrievers' signals."""
    skipped = np.zeros(len(docs), dtype=np.float32)  # a weight-0 signal that was not run
    used = {k: signals.get(k, skipped) for k in {*model.features, *model.agreement}}
    ranks = model.rank_scores(used)
    scores = model.score(used)
    order = np.argsort(-ranks, kind="stable")[:top_k]
    confusable = confusable or {}
    return [Candidate(docs[i].id, docs[i].question, docs[i].answer, float(scores[i]),
                      {k: round(float(v[i]), 4) for k, v in signals.items()},
                      confusable.get(docs[i].id, frozenset()))
            for i in order]


def dense_signals(index: LanguageIndex, vectors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    signals = {}
    for name, vector in vectors.items():
        signals[f"{name}.q"] = index.phrasings[name].entry_scores(vector)
        signals[f"{name}.a"] = index.answers[name].entry_scores(vector)
        signals[f"{name}.qa"] = index.combined[name].entry_scores(vector)
    return signals


def lexical_signals(index: LanguageIndex, text: str) -> dict[str, np.ndarray]:
    raw = index.lexical.scores(text)
    top = float(raw.max()) if raw.size else 0.0
    return {"bm25": raw / top if top > 0 else raw, "bm25_abs": np.log1p(raw)}


class HybridSearch:
    def __init__(self, encoders: list[Encoder], calibration: Calibration, approximate_above: int = 20000):
        self.encoders = {e.name: e for e in encoders}
        self.batchers = {e.name: MicroBatcher(e) for e in encoders}
        self.calibration = calibration
        self._approximate_above = approximate_above
        self._indexes: dict[str, LanguageIndex] = {}
        self._vectors: dict[tuple[str, str, str], np.ndarray] = {}  # (encoder, kind, text)
        self._fingerprint = fingerprint([])
        self._rebuild_lock = asyncio.Lock()
        self._pairs: list[ConfusablePair] = []
        self._partners: dict[str, frozenset[str]] = {}

    # -- building -------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return sum(len(ix.docs) for ix in self._indexes.values())

    @property
    def current_fingerprint(self) -> str:
        return self._fingerprint

    async def rebuild(self, docs: list[KbDoc]) -> None:
        async with self._rebuild_lock:
            indexes, vectors = await asyncio.to_thread(self._build, list(docs))
            pairs = await asyncio.to_thread(self._self_check, indexes, vectors)
            self._indexes, self._vectors, self._fingerprint = indexes, vectors, fingerprint(docs)
            self._set_pairs(pairs)

    def _build(self, docs: list[KbDoc]) -> tuple[dict[str, LanguageIndex], dict]:
        vectors: dict[tuple[str, str, str], np.ndarray] = {}
        by_language: dict[str, list[KbDoc]] = {}
        for doc in docs:
            by_language.setdefault(doc.language, []).append(doc)
        indexes = {}
        for language, lang_docs in by_language.items():
            index = LanguageIndex(lang_docs, LexicalIndex([d.lexical_text for d in lang_docs]))
            for encoder in self.encoders.values():
                if language not in encoder.languages:
                    continue
                phr_texts = [p for d in lang_docs for p in d.phrasings]
                owners = np.array([i for i, d in enumerate(lang_docs) for _ in d.phrasings], dtype=np.int64)
                # Phrasings are questions, matched question-to-question: encoded as queries.
                phr = self._vectors_for(encoder, "q", phr_texts, vectors)
                ans = self._vectors_for(encoder, "p", [d.answer for d in lang_docs], vectors)
                both = self._vectors_for(encoder, "p", [f"{d.question} {d.answer}" for d in lang_docs], vectors)
                n = len(lang_docs)
                index.phrasings[encoder.name] = DenseIndex(phr, owners, n, self._approximate_above)
                index.answers[encoder.name] = DenseIndex(ans, np.arange(n), n, self._approximate_above)
                index.combined[encoder.name] = DenseIndex(both, np.arange(n), n, self._approximate_above)
            indexes[language] = index
        return indexes, vectors

    def _vectors_for(self, encoder: Encoder, kind: str, texts: list[str], keep: dict) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if (encoder.name, kind, t) not in self._vectors]
        if missing:
            encode = encoder.encode_queries if kind == "q" else encoder.encode_passages
            for start in range(0, len(missing), 256):
                chunk = missing[start : start + 256]
                for text, vector in zip(chunk, encode(chunk)):
                    self._vectors[(encoder.name, kind, text)] = vector
        rows = [self._vectors[(encoder.name, kind, t)] for t in texts]
        for text, row in zip(texts, rows):
            keep[(encoder.name, kind, text)] = row
        return np.vstack(rows) if rows else np.zeros((0, encoder.dim), dtype=np.float32)

    # -- self-check -----------------------------------------------------------------------
    @property
    def confusable_pairs(self) -> list[ConfusablePair]:
        return self._pairs

    def _set_pairs(self, pairs: list[ConfusablePair]) -> None:
        self._pairs, self._partners = pairs, partners(pairs)

    def _self_check(self, indexes: dict[str, LanguageIndex], vectors: dict) -> list[ConfusablePair]:
        """`vectors`: what _build encoded, keyed (encoder, kind, text); phrasings are kind "q"."""
        pairs = []
        for language, index in indexes.items():
            model = self.calibration.model("hybrid", language)
            if model is None or not index.phrasings:
                continue
            threshold = self.calibration.threshold("hybrid", "answer", 0.5, language)

            def signals_of(_number: int, text: str, index=index) -> dict[str, np.ndarray]:
                mine = {name: vectors[(name, "q", text)] for name in index.phrasings}
                return lexical_signals(index, text) | dense_signals(index, mine)

            pairs += confusable_pairs(index.docs, language, model, threshold, signals_of)
        return pairs

    # -- persistence ----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # processes sharing a data dir never share a tmp file
        with tmp.open("wb") as f:
            pickle.dump({"format": SNAPSHOT_FORMAT, "encoders": sorted(self.encoders),
                         "fingerprint": self._fingerprint, "indexes": self._indexes, "pairs": self._pairs,
                         "calibration": self.calibration.to_json(),
                         "vectors": self._vectors}, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)  # a crash mid-write leaves the old snapshot whole

    def load(self, path: Path, docs: list[KbDoc]) -> bool:
        """Adopt a saved snapshot if it was built from exactly these entries and encoders."""
        try:
            with path.open("rb") as f:
                saved = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return False
        if saved.get("format") != SNAPSHOT_FORMAT or saved.get("encoders") != sorted(self.encoders):
            return False
        self._vectors = saved["vectors"]  # reusable even when the entries changed
        if saved["fingerprint"] != fingerprint(docs):
            return False
        self._indexes, self._fingerprint = saved["indexes"], saved["fingerprint"]
        # The pairs depend on the fitted models too: after a recalibration they are found anew.
        same_models = saved.get("calibration") == self.calibration.to_json()
        self._set_pairs(saved["pairs"] if same_models else self._self_check(self._indexes, self._vectors))
        return True

    def has(self, entry_id: str) -> bool:
        """Whether the entry is published, as the index holds it now."""
        return any(entry_id in index.ids for index in self._indexes.values())

    def documents(self, language: str) -> list[KbDoc]:
        """The published entries of one language, as the index holds them now."""
        index = self._indexes.get(language)
        return list(index.docs) if index is not None else []

    # -- querying -------------------------------------------------------------------------
    async def search(self, text: str, top_k: int = 5, mode: str = "hybrid", language: str | None = None) -> SearchResult:
        language = language or detect_language(text)
        index = self._indexes.get(language)
        if index is None or not index.docs:
            return SearchResult(language, mode, [], await self.query_vectors(text))
        model = self.calibration.model(mode, language)
        if model is None:
            raise LookupError(f"no calibrated fusion for mode {mode!r} and language {language!r}")
        # A retriever the fusion weighs at 0 in this language is not run at all.
        lexical = any(f.startswith("bm25") and w != 0 for f, w in zip(model.features, model.weights))
        vectors: dict[str, np.ndarray] = {}
        signals = await self._signals(index, language, text, mode, lexical, vectors)
        return SearchResult(language, mode, rank(index.docs, signals, model, top_k, self._partners), vectors)

    async def _signals(self, index: LanguageIndex, language: str, text: str, mode: str,
                       lexical: bool = True, vectors: dict | None = None) -> dict[str, np.ndarray]:
        signals: dict[str, np.ndarray] = {}
        if mode in ("hybrid", "bm25") and lexical:
            signals |= lexical_signals(index, text)
        if mode in ("hybrid", "dense"):
            names = [n for n in index.phrasings]
            encoded = await asyncio.gather(*[self.batchers[n].encode(text) for n in names])
            signals |= dense_signals(index, dict(zip(names, encoded)))
            if vectors is not None:
                vectors.update(zip(names, encoded))
        return signals

    async def query_vectors(self, text: str) -> dict[str, np.ndarray]:
        vectors = await asyncio.gather(*[b.encode(text) for b in self.batchers.values()])
        return dict(zip(self.batchers, vectors))

    async def raw_signals(self, text: str, language: str | None = None,
                          vectors: dict | None = None) -> tuple[str, list[str], dict[str, np.ndarray]]:
        """Every signal for every entry of the query's language: what calibration fits on.
        `vectors`, when given, receives the text's vector per encoder that ran."""
        language = language or detect_language(text)
        index = self._indexes.get(language)
        if index is None:
            return language, [], {}
        return language, [d.id for d in index.docs], await self._signals(index, language, text, "hybrid",
                                                                         vectors=vectors)
