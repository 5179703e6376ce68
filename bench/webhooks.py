"""Chat acks with a webhook endpoint that hangs, beside the same load with an endpoint that
answers at once, and with none.

    .venv/bin/python bench/webhooks.py [--customers 50] [--messages 20] [--rounds 4]

The gateway runs as its own process (`cs-gateway serve`, SQLite in a temp dir). Each round has
one of three set-ups: no endpoint; one endpoint subscribed to every event the gateway sends
(every customer line is a `message.created`) whose receiver answers 204 at once; the same
endpoint with a receiver that accepts the connection and never answers (both receivers in this
process, on 127.0.0.1). Hanging against answering is what a dead endpoint costs chat; answering
against none is what recording events costs. The rounds go A B C C B A…: acks slow down as
the database grows, and the mirrored order cancels that drift. In a round each customer asks
for a person (a hand-off: an event for the endpoint) and then writes its lines; every ack is
timed. Figures are medians over the rounds of each set-up, side by side; nothing is asserted.
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
NONE, ANSWERING, HANGING = "no endpoint", "an answering endpoint", "a hanging endpoint"
KINDS = (NONE, ANSWERING, HANGING)
EVENTS = list(EVENT_TYPES)  # every customer message and bot reply is one (message.created)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class HangingReceiver:
    def __init__(self, hangs: bool = True):
        self.hangs = hangs
        self.requests = 0
        self.release = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        # The gateway gives each endpoint one request at a time: a hang holds that one until the
        # attempt's timeout, then the same delivery is tried again.
        self.requests += 1
        if not self.hangs:
            await request.read()
            return web.Response(status=204)
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
    receiver, healthy = HangingReceiver(), HangingReceiver(hangs=False)
    hook_urls = {HANGING: await receiver.start(), ANSWERING: await healthy.start()}
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
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in KINDS}
        try:
            log(f"gateway ready in {await wait_ready(server):.1f} s")
            async with aiohttp.ClientSession() as http:
                async with http.post(server.url + "/api/auth/login",
                                     json={"username": "bench-admin", "password": PASSWORD}) as r:
                    headers = {"Authorization": f"Bearer {(await r.json())['token']}"}
                await one_round(server.url, 5, 1, 0)  # warm-up, not counted
                for round_ in range(len(KINDS) * args.rounds):
                    # A B C C B A: acks slow down as the database grows, and this order cancels that drift.
                    block, at = divmod(round_, len(KINDS))
                    name = KINDS[at] if block % 2 == 0 else KINDS[-1 - at]
                    endpoint = None
                    if name in hook_urls:
                        async with http.post(server.url + "/api/webhooks", headers=headers, json={
                                "url": hook_urls[name], "secret": "bench-secret-0123456789", "events": EVENTS}) as r:
                            endpoint = (await r.json())["id"]
                    acks = await one_round(server.url, args.customers, args.messages, args.pause)
                    figures[name].append((ms(acks, .5), ms(acks, .99)))
                    log(f"round {round_ + 1} ({name}): {len(acks)} acks, p50 {ms(acks, .5):.1f} ms, "
                        f"p99 {ms(acks, .99):.1f} ms; receiver held {receiver.requests} requests so far")
                    if endpoint is not None:
                        async with http.delete(f"{server.url}/api/webhooks/{endpoint}", headers=headers) as r:
                            assert r.status == 204
        finally:
            await stop(server)
            await receiver.stop()
            await healthy.stop()
    print(f"\nchat acks, {args.customers} customers x (a hand-off + {args.messages} lines), "
          f"{args.rounds} rounds of each, mirrored:")
    print(f"  {'':24} {'p50 ms':>8} {'p99 ms':>8}   (median over rounds)")
    median = {name: (statistics.median(r[0] for r in rounds), statistics.median(r[1] for r in rounds))
              for name, rounds in figures.items()}
    for name, (p50, p99) in median.items():
        print(f"  {name:24} {p50:8.1f} {p99:8.1f}")
    for over, under in ((HANGING, ANSWERING), (ANSWERING, NONE)):
        print(f"  {over} / {under}: p50 {median[over][0] / median[under][0]:.2f}x, "
              f"p99 {median[over][1] / median[under][1]:.2f}x")
    print(f"  requests the hanging receiver held open: {receiver.requests}; "
          f"deliveries the answering one took: {healthy.requests}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.25, help="seconds between a customer's lines")
    parser.add_argument("--rounds", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
