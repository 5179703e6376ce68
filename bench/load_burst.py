"""The burst shape of bench/load.py: N customers each send M distinct questions back to back,
waiting only for each ack, as a sale's crowd does; the bot's replies are timed as they come.

A question counts as answered by the first bot message its customer receives after its ack:
the gateway answers a customer's unanswered lines together, so one reply may answer several.
Questions are distinct texts (an FAQ phrasing and a number), so no answer is reused from the
bot's memo and every reply costs the encoders.

`python bench/load_burst.py --encoder-baseline N` is the bare encoders' throughput, run by
load.py in its own process between rounds: the same models the gateway loads, the same kind
of texts, no database, no sockets.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from clients import Customer, connect_all, percentile_ms  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def distinct_texts(pool: list[str], n: int, seed: int) -> list[str]:
    return [f"{pool[(seed + i) % len(pool)]} ({seed}-{i})" for i in range(n)]


class BurstCustomer(Customer):
    def __init__(self) -> None:
        super().__init__()
        self.acked_at: list[float] = []  # when each stored message's ack came, in order
        self.sent_at: list[float] = []
        self.replies: list[float] = []

    def _on_message(self, data=None):
        if isinstance(data, dict) and data.get("sender") == "bot":
            self.replies.append(time.perf_counter())

    def answered(self) -> bool:
        return not self.acked_at or (bool(self.replies) and self.replies[-1] > self.acked_at[-1])

    def reply_latencies(self) -> list[float]:
        out = []
        for sent, acked in zip(self.sent_at, self.acked_at):
            k = bisect_right(self.replies, acked)
            if k < len(self.replies):
                out.append(self.replies[k] - sent)
        return out


@dataclass
class BurstRound:
    target: str
    index: int
    clients: int
    messages: int
    ack: list[float] = field(default_factory=list)
    bot: list[float] = field(default_factory=list)
    problems: Counter = field(default_factory=Counter)
    unanswered: int = 0
    replies: int = 0
    ack_wall: float = 0.0  # first send to last ack
    reply_wall: float = 0.0  # first send to last reply
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    rss_mb: float = 0.0

    @property
    def acked_per_s(self) -> float:
        return len(self.ack) / self.ack_wall if self.ack_wall else 0.0

    @property
    def answered_per_s(self) -> float:
        return len(self.bot) / self.reply_wall if self.reply_wall else 0.0

    def pct(self, key: str, q: float) -> float:
        return percentile_ms(getattr(self, key), q)


async def _send_all(c: BurstCustomer, texts: list[str], r: BurstRound, timeout: float) -> None:
    for text in texts:
        t0 = time.perf_counter()
        ack, alive = await c.send(text, r.problems, timeout)
        if ack is None:
            if alive:
                continue
            return
        t_ack = time.perf_counter()
        if not isinstance(ack, dict) or ack.get("status") != "stored":
            r.problems[f"refused: {(ack or {}).get('error', {}).get('code', ack)}"] += 1
            continue
        r.ack.append(t_ack - t0)
        c.sent_at.append(t0)
        c.acked_at.append(t_ack)


async def burst_round(target: str, index: int, urls: list[str], pids: list[int], clients: int, messages: int,
                      pool: list[str], args, cpu_seconds, rss_mb) -> BurstRound:
    r = BurstRound(target, index, clients, messages)
    customers = [BurstCustomer() for _ in range(clients)]
    try:
        ready = await connect_all(customers, urls, r.problems, args.timeout, args.connect_concurrency)
        texts = [distinct_texts(pool, messages, (index + 2) * 1_000_000 + i * messages) for i in range(len(ready))]
        cpu0 = sum(cpu_seconds(p) for p in pids)
        me0, t_start = time.process_time(), time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(_send_all(c, t, r, args.timeout) for c, t in zip(ready, texts))),
                               messages * args.timeout + 10)
        r.ack_wall = max((c.acked_at[-1] for c in ready if c.acked_at), default=t_start) - t_start
        # Bounded: every customer's last question gets a bot message after it, or time runs out.
        give_up = time.perf_counter() + args.reply_timeout
        while time.perf_counter() < give_up and not all(c.answered() for c in ready):
            await asyncio.sleep(0.1)
        wall = time.perf_counter() - t_start
        r.server_cpu = (sum(cpu_seconds(p) for p in pids) - cpu0) / wall
        r.client_cpu = (time.process_time() - me0) / wall
        r.rss_mb = sum(rss_mb(p) for p in pids)
        for c in ready:
            r.bot.extend(c.reply_latencies())
            r.replies += len(c.replies)
            r.unanswered += len(c.acked_at) - len(c.reply_latencies())
        r.reply_wall = max((c.replies[-1] for c in ready if c.replies), default=t_start) - t_start
    finally:
        await asyncio.gather(*(c.close() for c in customers))
    return r


FIGURES = [("acked messages/s", lambda r: r.acked_per_s, "{:.0f}"),
           ("ack p50 ms", lambda r: r.pct("ack", 50), "{:.0f}"),
           ("ack p99 ms", lambda r: r.pct("ack", 99), "{:.0f}"),
           ("bot reply p50 ms", lambda r: r.pct("bot", 50), "{:.0f}"),
           ("bot reply p99 ms", lambda r: r.pct("bot", 99), "{:.0f}"),
           ("questions answered/s", lambda r: r.answered_per_s, "{:.1f}"),
           ("server CPU (cores, with its encoder process)", lambda r: r.server_cpu, "{:.2f}"),
           ("server RSS MB (the same)", lambda r: r.rss_mb, "{:.0f}"),
           ("bench client CPU (cores)", lambda r: r.client_cpu, "{:.2f}")]


def encoder_baseline(n: int) -> dict:
    """Texts per second through every encoder the gateway loads: one at a time, as a lone
    customer's question goes, and in batches of 64, as the bot's micro-batcher sends a crowd's."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gateway.config import Settings
    from gateway.kb_wiring import load_encoders
    from load import questions

    encoders = load_encoders(Settings())
    for e in encoders:
        e.warm()
        e.encode_queries(["warm up"])
    texts = distinct_texts(questions(), n, 7)
    t0 = time.perf_counter()
    for text in texts[: n // 4]:
        for e in encoders:
            e.encode_queries([text])
    single = (n // 4) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for start in range(0, n, 64):
        for e in encoders:
            e.encode_queries(texts[start:start + 64])
    batched = n / (time.perf_counter() - t0)
    return {"single": single, "batched": batched}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder-baseline", type=int, required=True, metavar="N")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(json.dumps(encoder_baseline(parser.parse_args().encoder_baseline)))
