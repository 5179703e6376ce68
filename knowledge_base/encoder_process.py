"""The encoders in a process of their own, at a lower CPU priority.

A model reading a question holds Python's lock for part of every pass (measured: a thread
encoding with e5 leaves the event loop 63 % of its speed), and on a two-core machine it wants
a whole core. In the gateway's process that is the core acks and sockets need. Here the models
live in one child process, niced, so under a burst the kernel gives the socket handlers the CPU
first and the bot takes what is left; the gateway's process never imports torch at all.

`RemoteEncoder` is an `Encoder` like the others: search, micro-batching and the memo above it
do not know where it runs. A child that dies (out of memory, killed) is started again, and the
texts that were in it are sent to the new one.
"""
from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from knowledge_base.encoders import Encoder

log = logging.getLogger(__name__)

NICENESS = 10
TRIM_EVERY_SECONDS = 1.0

_loaded: dict[str, Encoder] = {}  # in the child
_trimmed_at = 0.0
_libc = ctypes.CDLL(None)


def _child_start(encoders: list[Encoder], niceness: int, parent: int) -> None:
    try:  # Linux: the child goes with the gateway, even if the gateway is SIGKILLed
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the gateway died before the line above took hold
        os._exit(0)
    # Ctrl-C and a service manager's SIGTERM reach the whole group: the gateway finishes its
    # bot turns and then stops this, rather than this dying under them.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.nice(niceness)
    _large_blocks_to_mmap()
    _loaded.update({e.name: e for e in encoders})


def _child_warm() -> dict[str, int]:
    for encoder in _loaded.values():
        encoder.warm()
    return {name: encoder.dim for name, encoder in _loaded.items()}


def _child_encode(name: str, texts: list[str], query: bool) -> np.ndarray:
    encoder = _loaded[name]
    vectors = encoder.encode_queries(texts) if query else encoder.encode_passages(texts)
    _trim_now_and_then()
    return vectors


def _large_blocks_to_mmap() -> None:
    """glibc raises its mmap threshold each time a large block is freed, so a model's
    activations soon come from the heap, where batches of every size fragment it. Held at
    128 KiB they are mapped and unmapped whole: measured over the same 30 batches of 1-64
    texts, 695 -> 640 MB, at no cost in time that the run could tell from noise."""
    try:
        _libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc
        pass


def _trim_now_and_then() -> None:
    """What freed memory glibc still holds it does not give back unasked: measured, the encoder
    process reached 798 MB over 40 batches of 1-64 texts without a trim, 733 MB with one a
    second, 680 MB with one after every batch. A trim costs some milliseconds: one a second."""
    global _trimmed_at
    now = time.monotonic()
    if now - _trimmed_at >= TRIM_EVERY_SECONDS:
        _trimmed_at = now
        try:
            _libc.malloc_trim(0)
        except (OSError, AttributeError):  # not glibc
            pass


class EncoderProcess:
    def __init__(self, encoders: list[Encoder], niceness: int = NICENESS):
        self._encoders = encoders  # not loaded: they are sent to the child as they are
        self._niceness = niceness
        self._pool: ProcessPoolExecutor | None = None
        self._dims: dict[str, int] | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.proxies = [RemoteEncoder(self, e) for e in encoders]

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise RuntimeError("the encoder process is closed")
            if self._pool is None:
                # spawn, not fork: the gateway has threads and an event loop a fork would copy.
                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_child_start,
                                                 initargs=(self._encoders, self._niceness, os.getpid()))
            return self._pool

    def _call(self, fn, *args):
        pool = self._executor()
        try:
            return pool.submit(fn, *args).result()
        except BrokenProcessPool:
            log.error("the encoder process died; starting another")
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise

    @property
    def warm(self) -> bool:
        return self._dims is not None

    def dims(self) -> dict[str, int]:
        if self._dims is None:
            self._dims = self._call(_child_warm)
        return self._dims

    def encode(self, name: str, texts: list[str], query: bool) -> np.ndarray:
        for attempt in (1, 2):  # once more in a new child; a text that kills every child fails
            if self._dims is None:
                self.dims()  # a child started again loads its models before it encodes
            try:
                return self._call(_child_encode, name, texts, query)
            except BrokenProcessPool:
                self._dims = None
                if attempt == 2 or self._closed:
                    raise

    def pid(self) -> int:
        return self._call(os.getpid)

    def close(self) -> None:
        """For good: a text sent after this fails rather than starting another child."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            # Stopped, not waited for: a model still loading or encoding would hold the exit up.
            for child in list(getattr(pool, "_processes", {}).values()):
                child.terminate()
            pool.shutdown(wait=False, cancel_futures=True)


class RemoteEncoder(Encoder):
    def __init__(self, process: EncoderProcess, model: Encoder):
        super().__init__()
        self._process = process
        self.name = model.name
        self.languages = model.languages
        known = type(model).__dict__.get("dim")
        self._dim = known if isinstance(known, int) else None  # a model from a path says its width once read

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.warm()
        return self._dim

    def _load(self) -> None:
        self._dim = self._process.dims()[self.name]

    def _ensure_loaded(self) -> None:
        if not self._process.warm:  # the child was replaced: load there again
            self._loaded = False
        super()._ensure_loaded()

    def _encode(self, texts: list[str], query: bool) -> np.ndarray:
        return self._process.encode(self.name, list(texts), query)

    def close(self) -> None:
        self._process.close()
