"""Vectors of every phrasing of every entry in a faiss inner-product index (vectors are
normalised, so inner product is cosine). An entry scores as its best-matching phrasing."""
from __future__ import annotations

import faiss
import numpy as np


class DenseIndex:
    def __init__(self, vectors: np.ndarray, owners: np.ndarray, n_entries: int, approximate_above: int):
        """`owners[i]` is the entry position of phrasing vector i."""
        self._owners = owners
        self._n_entries = n_entries
        dim = vectors.shape[1] if vectors.size else 1
        if len(vectors) > approximate_above:
            # HNSW: sub-linear search for large knowledge bases, at a small recall cost.
            self._index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            self._index.hnsw.efSearch = 128
        else:
            self._index = faiss.IndexFlatIP(dim)
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    @property
    def size(self) -> int:
        return self._index.ntotal

    def entry_scores(self, query: np.ndarray, depth: int = 200) -> np.ndarray:
        """Best cosine per entry; entries none of whose phrasings made the top `depth` get 0."""
        best = np.zeros(self._n_entries, dtype=np.float32)
        if not self._index.ntotal:
            return best
        k = min(depth, self._index.ntotal)
        sims, ids = self._index.search(query.reshape(1, -1).astype(np.float32), k)
        for sim, idx in zip(sims[0], ids[0]):
            if idx >= 0:
                owner = self._owners[idx]
                if sim > best[owner]:
                    best[owner] = sim
        return best

    # faiss indexes are C++ objects: persist them through faiss's own serialisation.
    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_index"] = faiss.serialize_index(self._index)
        return state

    def __setstate__(self, state: dict) -> None:
        state["_index"] = faiss.deserialize_index(state["_index"])
        self.__dict__.update(state)
