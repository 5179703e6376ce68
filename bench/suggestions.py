"""Suggested answers for an agent, timed beside the bot's own decision on the same words.

    .venv/bin/python bench/suggestions.py [--conversations 40] [--rounds 5]

The gateway runs as its own process (`cs-gateway serve`, SQLite in a temp dir). Customers hand
off (a request for a person) and then ask a held-out FAQ question (knowledge_base/demo/
holdout.jsonl, which nothing was tuned on); an agent then asks for each conversation's
suggestions (`GET /api/conversations/{id}/suggestions`), and, interleaved with it, the bot's
decision on the same question (`POST /api/kb/search`, the path a bot turn takes). One request
at a time, over HTTP on 127.0.0.1, so the two are timed alike and side by side. The machine is
small and shared: figures are medians and percentiles of the round, nothing is asserted.
Also printed: how often the held-out question's entry is the first suggestion.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
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

from load import CLI, free_port, run_cli, spawn, stop, wait_ready  # noqa: E402
from tests.chat_client import ChatClient  # noqa: E402

PASSWORD = "bench-password-1"
HOLDOUT = ROOT / "knowledge_base" / "demo" / "holdout.jsonl"
ASK_FOR_PERSON = {"zh": "转人工", "en": "I want to talk to a human"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def held_out(n: int, seed: int) -> list[dict]:
    lines = [json.loads(l) for l in HOLDOUT.read_text(encoding="utf-8").splitlines() if l.strip()]
    answerable = [l for l in lines if l.get("expect") == "answer"]
    random.Random(seed).shuffle(answerable)
    return answerable[:n]


async def handed_off(url: str, line: dict) -> tuple[ChatClient, str]:
    customer = await ChatClient().connect(url)
    await customer.send(ASK_FOR_PERSON[line["language"]], "c-person")
    await customer.wait_for("handoff", lambda h: h["state"] == "queued", timeout=60)
    await customer.send(line["text"], "c-question")
    return customer, customer.session["conversation_id"]


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args) -> None:
    with tempfile.TemporaryDirectory(prefix="csgw-suggest-") as tmp:
        env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/gateway.db", "GATEWAY_DATA_DIR": tmp,
               "GATEWAY_SECRET_KEY": uuid.uuid4().hex * 2, "GATEWAY_FIRST_RESPONSE_SLA_SECONDS": "3600",
               "GATEWAY_CHAT_CONNECTS_PER_MINUTE": "0", "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "0",
               "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
               # The bot keeps searches by text: the same question asked again would be timed
               # from memory. A customer's new message is a new text, so neither side keeps any.
               "GATEWAY_BOT_MEMO_SIZE": "0"}
        env.pop("GATEWAY_REDIS_URL", None)
        await run_cli(env, tmp, "db", "upgrade")
        await run_cli(env, tmp, "user", "add", "bench-agent", "--role", "agent", "--password-stdin", stdin=PASSWORD)
        port = free_port()
        server = await spawn("gateway", [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)], env, tmp, port)
        customers = []
        try:
            log(f"gateway ready in {await wait_ready(server):.1f} s")
            lines = held_out(args.conversations, args.seed)
            for line in lines:
                customers.append(await handed_off(server.url, line))
            log(f"{len(customers)} conversations handed off")
            async with aiohttp.ClientSession() as http:
                async with http.post(server.url + "/api/auth/login",
                                     json={"username": "bench-agent", "password": PASSWORD}) as r:
                    headers = {"Authorization": f"Bearer {(await r.json())['token']}"}
                suggest, decide, first = [], [], 0

                async def timed(method: str, path: str, body=None) -> tuple[float, dict]:
                    start = time.perf_counter()
                    async with http.request(method, server.url + path, json=body, headers=headers) as r:
                        payload = await r.json()
                        if r.status != 200:
                            raise RuntimeError(f"{method} {path}: {r.status} {payload}")
                    return time.perf_counter() - start, payload

                for round_ in range(args.rounds + 1):  # round 0 warms caches and is not counted
                    for (customer, conversation_id), line in zip(customers, lines):
                        took, body = await timed("GET", f"/api/conversations/{conversation_id}/suggestions")
                        took_bot, _ = await timed("POST", "/api/kb/search", {"text": line["text"]})
                        if round_:
                            suggest.append(took)
                            decide.append(took_bot)
                        elif body["suggestions"] and body["suggestions"][0]["entry_id"] == line["entry"]:
                            first += 1
        finally:
            for customer, _ in customers:
                await customer.close()
            await stop(server)
    n = len(suggest)
    ratio = statistics.median(suggest) / statistics.median(decide)
    print(f"\nsuggestions for a handed-off conversation, {len(lines)} conversations x {args.rounds} rounds "
          f"({n} requests each, one at a time, interleaved):")
    print(f"  {'':34} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in (("GET .../suggestions", suggest), ("POST /api/kb/search (bot decision)", decide)):
        print(f"  {name:34} {ms(values, .5):8.1f} {ms(values, .9):8.1f} {ms(values, .99):8.1f} {max(values) * 1000:8.1f}")
    print(f"  suggestions / bot decision, p50: {ratio:.2f}x")
    print(f"  the held-out question's entry first: {first} of {len(lines)} ({first / len(lines):.0%})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(main(parser.parse_args()))
