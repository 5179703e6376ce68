"""`kill -9` of one of two gateway processes under traffic, then a restart: every acknowledged
message is there once, every message got one bot reply (alone or with the ones right after
it), no Telegram reply went out twice, and every SLA deadline fired. Real processes (`cs-gateway serve`) on PostgreSQL and Redis; skipped
with the reason where either is absent."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from gateway.storage.database import create_engine, create_session_factory
from gateway.storage.tables import Delivery, Handoff, Message, TelegramUpdate
from tests.chat_client import ChatClient
from tests.e2e.test_multiprocess import REDIS_URL
from tests.fake_telegram import TOKEN

pytestmark = pytest.mark.timeout(420)

CLI = str(Path(sys.executable).with_name("cs-gateway"))
QUESTIONS = ["运费怎么算？", "how long does delivery take?", "退货要几天到账？", "can I use two coupons?",
             "怎么取消订单？", "do you ship abroad?"]
VISITORS, PER_VISITOR, TELEGRAM_CHATS, HANDOFFS = 6, 6, 10, 2
SLA_SECONDS = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    def __init__(self, name: str, port: int, env: dict, logs: Path):
        self.name, self.port, self.env, self.logs = name, port, env, logs
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.logs / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen([CLI, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT)

    async def ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, f"{self.name} exited; see {self.logs}/{self.name}.log"
                try:
                    async with http.get(self.url + "/readyz") as r:
                        if r.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.5)
        raise AssertionError(f"{self.name} not ready in {timeout} s")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


async def visitor(n: int, first: Process, second: Process, acked: set, sent: set) -> None:
    """Sends its questions; when its process dies, resumes on the other with its token and
    resends what was not acknowledged, with the same ids, as the widget does."""
    client = await ChatClient().connect(first.url)
    token = client.session["visitor_token"]
    try:
        for k in range(PER_VISITOR):
            msg_id = f"v{n}-{k}"
            text = "转人工" if (n < HANDOFFS and k == PER_VISITOR - 1) else QUESTIONS[(n + k) % len(QUESTIONS)]
            for _ in range(20):  # bounded resends
                sent.add(msg_id)
                try:
                    ack = await client.call("message", {"text": text, "client_msg_id": msg_id}, timeout=5)
                    if isinstance(ack, dict) and ack.get("status") == "stored":
                        acked.add(msg_id)
                        break
                except Exception:
                    pass
                await client.close()
                await asyncio.sleep(0.5)
                try:
                    client = await ChatClient().connect(second.url, token)
                except Exception:
                    client = ChatClient()
            await asyncio.sleep(0.3)
    finally:
        await client.close()


async def test_kill_9_under_traffic_loses_and_doubles_nothing(postgres_url, tmp_path, fake_telegram):
    database_url = postgres_url
    import redis.asyncio as redis

    try:
        probe = redis.from_url(REDIS_URL, socket_connect_timeout=2)
        await probe.ping()
        await probe.aclose()
    except Exception as exc:
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({exc})")

    fake = fake_telegram
    base_env = {**os.environ, "GATEWAY_DATABASE_URL": database_url, "GATEWAY_REDIS_URL": REDIS_URL,
                "GATEWAY_SECRET_KEY": "crash-test-key", "GATEWAY_LEASE_SECONDS": "3",
                "GATEWAY_FIRST_RESPONSE_SLA_SECONDS": str(SLA_SECONDS), "GATEWAY_SLA_SWEEP_SECONDS": "0.5",
                "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE": fake.url, "TELEGRAM_POLL_TIMEOUT_SECONDS": "1",
                "GATEWAY_LOG_LEVEL": "WARNING", "OMP_NUM_THREADS": "1"}
    a = Process("a", free_port(), {**base_env, "GATEWAY_DATA_DIR": str(tmp_path / "a")}, tmp_path)
    b = Process("b", free_port(), {**base_env, "GATEWAY_DATA_DIR": str(tmp_path / "b")}, tmp_path)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        a.start()
        await a.ready()
        b.start()
        await b.ready()

        acked, sent = set(), set()
        traffic = [asyncio.create_task(visitor(n, a, b, acked, sent)) for n in range(VISITORS)]
        pushed = []
        for chat in range(TELEGRAM_CHATS):
            user = {"id": 7000 + chat, "is_bot": False, "first_name": f"T{chat}"}
            pushed.append(fake.text(QUESTIONS[chat % len(QUESTIONS)], user=user))
            if chat == TELEGRAM_CHATS // 2:
                a.kill()  # mid-traffic: in-flight bot turns, deliveries and polling die with it
            await asyncio.sleep(0.25)
        await asyncio.wait_for(asyncio.gather(*traffic), 120)
        a.start()  # and back
        await a.ready()

        async def settled() -> bool:
            async with sessions() as s:
                customer = (await s.execute(select(Message).where(Message.sender == "customer"))).scalars().all()
                replies = (await s.execute(select(Message).where(Message.sender == "bot",
                                                                 Message.reply_to_id.is_not(None)))).scalars()
                # A message the customer followed up before the bot got to it is answered
                # together with the follow-up, by one reply that lists them all.
                answered = {i for r in replies for i in [r.reply_to_id, *(r.meta or {}).get("answers", [])]}
                handled = set((await s.execute(select(TelegramUpdate.update_id))).scalars())
                handoffs = (await s.execute(select(Handoff))).scalars().all()
            return (len(customer) >= len(acked) + TELEGRAM_CHATS and all(m.id in answered for m in customer)
                    and {u["update_id"] for u in pushed} <= handled
                    and len(handoffs) >= HANDOFFS and all(h.breached_at for h in handoffs))

        deadline = time.monotonic() + 90
        while not await settled():
            assert time.monotonic() < deadline, "the two processes did not catch up in 90 s"
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # anything still about to be sent twice would be sent by now

        async with sessions() as s:
            customer = (await s.execute(select(Message).where(Message.sender == "customer"))).scalars().all()
            bot = (await s.execute(select(Message).where(Message.sender == "bot"))).scalars().all()
            deliveries = {d.message_id: d for d in (await s.execute(select(Delivery))).scalars()}
        web = Counter(m.client_msg_id for m in customer if m.client_msg_id and m.client_msg_id.startswith("v"))
        assert acked <= set(web) and set(web) <= sent  # no acknowledged message lost, nothing invented
        assert max(web.values()) == 1  # and none stored twice, resends included
        assert len([m for m in customer if not (m.client_msg_id or "").startswith("v")]) == TELEGRAM_CHATS
        assert max(Counter(m.reply_to_id for m in bot if m.reply_to_id).values()) == 1

        answers = Counter(int(c.params["chat_id"]) for c in fake.sent()
                          if int(c.params["chat_id"]) >= 7000 and "reply_markup" in c.params)
        assert max(answers.values()) == 1  # no Telegram answer went out twice
        # A send the crash cut off is not repeated; it may be missing, and then it is flagged.
        uncertain = [d for d in deliveries.values() if d.status == "failed" and "may or may not" in (d.last_error or "")]
        missing = [chat for chat in range(7000, 7000 + TELEGRAM_CHATS) if answers[chat] == 0]
        assert len(missing) <= len(uncertain)
        print(f"\ncrash test: {len(acked)} web messages acknowledged, {sum(web.values())} stored, "
              f"{TELEGRAM_CHATS} Telegram updates, {sum(answers.values())} Telegram answers sent, "
              f"{len(bot)} bot replies, {len(uncertain)} sends cut off by the kill, "
              f"all {HANDOFFS} SLA deadlines fired")
    finally:
        a.stop()
        b.stop()
        await engine.dispose()
