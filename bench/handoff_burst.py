"""A burst of hand-offs: N visitors ask for a person at once, with agents' consoles open.

    .venv/bin/python bench/handoff_burst.py [--visitors 300] [--rounds 3] [--against DIR]

Every hand-off changes the queue, and every waiting customer's place is recomputed and sent;
done once per change, a burst of N costs O(N^2). Printed per round: seconds from the first
"转人工" to the last visitor told their place, hand-off-to-"queued" p50/p99, how many
`handoff` events the visitors received in all (N is the least), and how many `queue` events
each console received and their bytes.

`--against DIR` runs another checkout of the gateway (say `git worktree add /tmp/old HEAD~3`)
in alternate rounds on the same machine, so the two are compared side by side.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clients import percentile_ms  # noqa: E402
from load import CLI, free_port, log, run_cli, spawn, stop, wait_ready  # noqa: E402

AGENTS = 3
PASSWORD = "bench password 1"


class Visitor:
    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sent_at = 0.0
        self.queued_at: float | None = None
        self.handoffs = 0
        self.sio.on("handoff", self._on_handoff, namespace="/chat")

    def _on_handoff(self, data=None):
        self.handoffs += 1
        if self.queued_at is None and isinstance(data, dict) and data.get("state") == "queued":
            self.queued_at = time.perf_counter()


class Console:
    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events = 0
        self.bytes = 0
        self.longest = 0
        self.sio.on("queue", self._on_queue, namespace="/agent")

    def _on_queue(self, data=None):
        self.events += 1
        self.bytes += len(json.dumps(data))
        self.longest = max(self.longest, len((data or {}).get("conversations", ())))


async def login(url: str, name: str) -> str:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.post(url + "/api/auth/login", json={"username": name, "password": PASSWORD}) as r:
            return (await r.json())["token"]


async def one_round(label: str, argv: list[str], env: dict, tmp: Path, visitors: int, timeout: float) -> dict:
    data = tmp / f"{label}-{uuid.uuid4().hex[:6]}"
    data.mkdir()
    env = {**env, "GATEWAY_DATA_DIR": str(data), "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{data}/gateway.db"}
    await run_cli(env, str(data), "db", "upgrade")
    for n in range(AGENTS):
        await run_cli(env, str(data), "user", "add", f"agent{n}", "--role", "agent", "--password-stdin",
                      stdin=PASSWORD + "\n")
    port = free_port()
    server = await spawn(label, [*argv, "--port", str(port)], env, str(data), port)
    try:
        await wait_ready(server)
        consoles = []
        for n in range(AGENTS):  # online but never claiming: the queue only grows
            console = Console()
            await console.sio.connect(server.url, namespaces=["/agent"], transports=["websocket"],
                                      auth={"token": await login(server.url, f"agent{n}")})
            consoles.append(console)
        crowd = [Visitor() for _ in range(visitors)]
        gate = asyncio.Semaphore(50)

        async def connect(v: Visitor):
            async with gate:
                await v.sio.connect(server.url, namespaces=["/chat"], transports=["websocket"])

        await asyncio.gather(*(connect(v) for v in crowd))
        await asyncio.sleep(1)
        started = time.perf_counter()

        async def ask(v: Visitor):
            v.sent_at = time.perf_counter()
            await v.sio.call("message", {"text": "转人工", "client_msg_id": uuid.uuid4().hex}, namespace="/chat",
                             timeout=timeout)

        await asyncio.gather(*(ask(v) for v in crowd))
        deadline = time.perf_counter() + timeout
        while any(v.queued_at is None for v in crowd) and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        told = [v.queued_at - v.sent_at for v in crowd if v.queued_at is not None]
        last = max((v.queued_at for v in crowd if v.queued_at), default=started) - started
        await asyncio.sleep(2)  # what was still on its way
        result = {"told": len(told), "last_s": last, "p50": percentile_ms(told, 50), "p99": percentile_ms(told, 99),
                  "handoff_events": sum(v.handoffs for v in crowd),
                  "queue_events": statistics.median(c.events for c in consoles),
                  "queue_mb": statistics.median(c.bytes for c in consoles) / 1e6,
                  "longest": max(c.longest for c in consoles)}
        for s in (*crowd, *consoles):
            await s.sio.disconnect()
        return result
    finally:
        await stop(server)


async def main(args) -> None:
    base = {**os.environ, "GATEWAY_SECRET_KEY": uuid.uuid4().hex * 2, "GATEWAY_FIRST_RESPONSE_SLA_SECONDS": "3600",
            "GATEWAY_CHAT_CONNECTS_PER_MINUTE": "0", "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "0",
            "GATEWAY_LOG_LEVEL": "WARNING", "OMP_NUM_THREADS": "1"}
    targets = {"this": ([str(CLI), "serve", "--host", "127.0.0.1"], base)}
    if args.against:
        # The other checkout's code first on the path; the same interpreter and packages.
        targets["against"] = ([sys.executable, "-m", "gateway", "serve", "--host", "127.0.0.1"],
                              {**base, "PYTHONPATH": str(Path(args.against).resolve())})
    print(f"bench/handoff_burst.py: {args.visitors} visitors ask for a person at once, {AGENTS} consoles open, "
          f"SQLite, {args.rounds} rounds per target, alternating")
    results: dict[str, list[dict]] = {name: [] for name in targets}
    with tempfile.TemporaryDirectory(prefix="handoff-burst-") as tmp:
        for i in range(args.rounds):
            for name in (list(targets) if i % 2 == 0 else list(targets)[::-1]):
                r = await one_round(name, *targets[name], Path(tmp), args.visitors, args.timeout)
                results[name].append(r)
                log(f"{name} round {i + 1}: {r}")
    print(f"{'median of rounds':42}" + "".join(f"{name:>14}" for name in targets))
    for key, title in (("told", "visitors told their place"), ("last_s", "s to the last one told"),
                       ("p50", "ask -> queued p50 ms"), ("p99", "ask -> queued p99 ms"),
                       ("handoff_events", "handoff events to visitors, in all"),
                       ("queue_events", "queue events per console"), ("queue_mb", "queue event MB per console"),
                       ("longest", "longest queue seen")):
        print(f"{title:42}" + "".join(f"{statistics.median(r[key] for r in results[n]):14.1f}" for n in targets))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--against", help="another checkout of the gateway, run in alternate rounds")
    import uvloop

    uvloop.run(main(parser.parse_args()))
