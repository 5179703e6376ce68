"""Chat acks with a webhook endpoint that hangs, beside the same load with no endpoint.

    .venv/bin/python bench/webhooks.py [--customers 50] [--messages 5] [--rounds 3]

The gateway runs as its own process (`cs-gateway serve`, SQLite in a temp dir). Rounds
alternate, A B B A: none, then one endpoint subscribed to every event the gateway sends, whose receiver
(in this process, on 127.0.0.1) accepts the connection and never answers. In a round each
customer asks for a person (a hand-off: an event for the endpoint) and then writes a few
lines; every ack is timed. Figures are medians over the rounds of each kind, side by side;
nothing is asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, sys.path[0] is bench/, not the project
sys.path.insert(0, str(ROOT / "bench"))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from load import CLI, free_port, run_cli, spawn, stop, wait_ready  # noqa: E402
from gateway.conversations.webhook_events import EVENT_TYPES  # noqa: E402
from tests.chat_client import ChatClient  # noqa: E402

PASSWORD = "bench-password-1"
EVENTS = list(EVENT_TYPES)  # every customer message and bot reply is one (message.created)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class HangingReceiver:
    def __init__(self):
        self.requests = 0
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        # The gateway gives each endpoint one request at a time: a hang holds that one until the
        # attempt's timeout, then the same delivery is tried again.
        self.requests += 1
        await self.release.wait()
        return web.Response(status=503)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=1)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        return f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        self.release.set()
        await self.runner.cleanup()


async def customer(url: str, n: int, messages: int, pause: float, acks: list[float]) -> None:
    chat = await ChatClient().connect(url)
    try:
        for i, text in enumerate(["转人工"] + [f"第{k}句：订单什么时候到" for k in range(messages)]):
            await asyncio.sleep(pause)  # a person's pace: the hand-offs (and their events) land mid-round
            start = time.perf_counter()
            ack = await chat.send(text, f"c-{n}-{i}")
            if ack.get("status") != "stored":
                raise RuntimeError(f"not stored: {ack}")
            acks.append(time.perf_counter() - start)
    finally:
        await chat.close()


async def one_round(url: str, customers: int, messages: int, pause: float) -> list[float]:
    acks: list[float] = []
    await asyncio.gather(*[customer(url, n, messages, pause, acks) for n in range(customers)])
    return acks


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args) -> None:
    receiver = HangingReceiver()
    hook_url = await receiver.start()
    with tempfile.TemporaryDirectory(prefix="csgw-webhooks-") as tmp:
        env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/gateway.db", "GATEWAY_DATA_DIR": tmp,
               "GATEWAY_SECRET_KEY": uuid.uuid4().hex * 2, "GATEWAY_FIRST_RESPONSE_SLA_SECONDS": "3600",
               "GATEWAY_CHAT_CONNECTS_PER_MINUTE": "0", "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "0",
               "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
               "GATEWAY_WEBHOOK_ALLOW_PRIVATE": "true"}  # the receiver is on 127.0.0.1
        env.pop("GATEWAY_REDIS_URL", None)
        await run_cli(env, tmp, "db", "upgrade")
        await run_cli(env, tmp, "user", "add", "bench-admin", "--role", "admin", "--password-stdin", stdin=PASSWORD)
        port = free_port()
        server = await spawn("gateway", [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp, port)
        figures: dict[str, list[tuple[float, float]]] = {"no endpoint": [], "a hanging endpoint": []}
        try:
            log(f"gateway ready in {await wait_ready(server):.1f} s")
            async with aiohttp.ClientSession() as http:
                async with http.post(server.url + "/api/auth/login",
                                     json={"username": "bench-admin", "password": PASSWORD}) as r:
                    headers = {"Authorization": f"Bearer {(await r.json())['token']}"}
                await one_round(server.url, 5, 1, 0)  # warm-up, not counted
                for round_ in range(2 * args.rounds):
                    # A B B A: acks slow down as the database grows, and this order cancels that drift.
                    hanging = round_ % 4 in (1, 2)
                    endpoint = None
                    if hanging:
                        async with http.post(server.url + "/api/webhooks", headers=headers, json={
                                "url": hook_url, "secret": "bench-secret-0123456789", "events": EVENTS}) as r:
                            endpoint = (await r.json())["id"]
                    acks = await one_round(server.url, args.customers, args.messages, args.pause)
                    name = "a hanging endpoint" if hanging else "no endpoint"
                    figures[name].append((ms(acks, .5), ms(acks, .99)))
                    log(f"round {round_ + 1} ({name}): {len(acks)} acks, p50 {ms(acks, .5):.1f} ms, "
                        f"p99 {ms(acks, .99):.1f} ms; receiver held {receiver.requests} requests so far")
                    if endpoint is not None:
                        async with http.delete(f"{server.url}/api/webhooks/{endpoint}", headers=headers) as r:
                            assert r.status == 204
        finally:
            await stop(server)
            await receiver.stop()
    print(f"\nchat acks, {args.customers} customers x (a hand-off + {args.messages} lines), "
          f"{args.rounds} rounds of each, alternating:")
    print(f"  {'':20} {'p50 ms':>8} {'p99 ms':>8}   (median over rounds)")
    for name, rounds in figures.items():
        print(f"  {name:20} {statistics.median(r[0] for r in rounds):8.1f} {statistics.median(r[1] for r in rounds):8.1f}")
    base, hang = figures["no endpoint"], figures["a hanging endpoint"]
    print(f"  ratio, hanging / none: p50 {statistics.median(r[0] for r in hang) / statistics.median(r[0] for r in base):.2f}x, "
          f"p99 {statistics.median(r[1] for r in hang) / statistics.median(r[1] for r in base):.2f}x")
    print(f"  requests the receiver held open: {receiver.requests}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.25, help="seconds between a customer's lines")
    parser.add_argument("--rounds", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
