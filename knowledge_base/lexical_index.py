"""BM25 over one language's entries: question, alternates and answer together."""
from __future__ import annotations

import bm25s
import numpy as np

from knowledge_base.tokenize import tokens


class LexicalIndex:
    def __init__(self, texts: list[str]):
        self._size = len(texts)
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if texts:
            corpus = [tokens(t) or ["_"] for t in texts]
            self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        if not self._size:
            return np.zeros(0, dtype=np.float32)
        words = tokens(query)
        if not words:
            return np.zeros(self._size, dtype=np.float32)
        # bm25s hands back a buffer it reuses on the next call: keep a copy.
        return np.array(self._bm25.get_scores(words), dtype=np.float32)
