"""Micro-batching: queries that arrive together share one forward pass, off the event loop."""
from __future__ import annotations

import asyncio

import numpy as np

from knowledge_base.encoders import Encoder


class MicroBatcher:
    def __init__(self, encoder: Encoder, max_batch: int = 64):
        self.encoder = encoder
        self._max_batch = max_batch
        self._waiting: list[tuple[str, asyncio.Future]] = []
        self._running = False
        self.batches = 0  # forward passes so far, for the benchmark

    async def encode(self, text: str) -> np.ndarray:
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((text, future))
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            # One tick lets every query that is already on its way join the first batch;
            # while a batch runs in the thread, the next one fills up behind it.
            await asyncio.sleep(0)
            while self._waiting:
                batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
                texts = [t for t, _ in batch]
                try:
                    vectors = await asyncio.to_thread(self.encoder.encode_queries, texts)
                    self.batches += 1
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), vector in zip(batch, vectors):
                    if not future.done():
                        future.set_result(vector)
        finally:
            self._running = False
