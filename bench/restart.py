"""How long a crash silences the chat: a customer writes every 50 ms, the gateway is killed
with SIGKILL and started again at once, and this prints the seconds from the kill to the
first message the new process acked, to `/readyz` answering 200, and to the bot being ready
to answer (`"bot": "ok"`), over several rounds, on SQLite and on PostgreSQL.

    .venv/bin/python bench/restart.py [--rounds 3] [--backend sqlite|postgresql|both]

The gateway is a real `cs-gateway serve` subprocess on 127.0.0.1 with its index already on
disk from its first start, as a restarted production process has. Every acked message is
checked afterwards: stored once, none lost.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the gateway's tables, for the final check
sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import CLI, PG, free_port, log, run_cli, spawn, stop, wait_ready  # noqa: E402

NAMESPACE = "/chat"
SEND_EVERY = 0.05
GIVE_UP = 120.0  # a restart slower than this is a failure, not a figure


class Writer:
    """One customer who keeps writing: reconnects with their visitor token whenever the
    gateway is gone, and resends a message until it is acked (the same client id, so a
    message acked just before the kill is not stored twice)."""

    def __init__(self, url: str):
        self.url = url
        self.token: str | None = None
        self.acked: dict[str, float] = {}  # client message id -> when its ack arrived
        self._sio: socketio.AsyncClient | None = None
        # One HTTP session for every attempt: a refused connect leaves none behind.
        self._http = aiohttp.ClientSession()

    async def _client(self) -> socketio.AsyncClient:
        if self._sio is not None and self._sio.connected:
            return self._sio
        sio = socketio.AsyncClient(reconnection=False, http_session=self._http)
        session = asyncio.get_running_loop().create_future()
        sio.on("session", lambda data=None: session.done() or session.set_result(data), namespace=NAMESPACE)
        auth = {"visitor_token": self.token} if self.token else None
        await sio.connect(self.url, namespaces=[NAMESPACE], transports=["websocket"], auth=auth, wait_timeout=2)
        data = await asyncio.wait_for(session, 2)
        self.token = data.get("visitor_token", self.token)
        self._sio = sio
        return sio

    async def send(self, client_id: str) -> None:
        """Until acked `stored`."""
        while True:
            try:
                sio = await self._client()
                ack = await sio.call("message", {"text": f"where is my parcel? ({client_id})",
                                                 "client_msg_id": client_id}, namespace=NAMESPACE, timeout=2)
                if isinstance(ack, dict) and ack.get("status") in ("stored", "duplicate"):
                    self.acked[client_id] = time.perf_counter()
                    return
            except Exception:
                if self._sio is not None:
                    try:
                        await self._sio.disconnect()
                    except Exception:
                        pass
                    self._sio = None
            await asyncio.sleep(SEND_EVERY)

    async def close(self) -> None:
        if self._sio is not None:
            await self._sio.disconnect()
        await self._http.close()


async def bot_ready(url: str) -> bool:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        try:
            async with http.get(url + "/readyz") as r:
                return r.status == 200 and (await r.json())["checks"].get("bot") == "ok"
        except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError):
            return False


async def http_ready(url: str) -> bool:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        try:
            async with http.get(url + "/readyz") as r:
                return r.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False


async def until(check, since: float) -> float:
    while time.perf_counter() - since < GIVE_UP:
        if await check():
            return time.perf_counter() - since
        await asyncio.sleep(0.05)
    raise RuntimeError(f"not done {GIVE_UP:.0f} s after the kill")


async def one_backend(name: str, database_url: str, tmp: Path, rounds: int) -> dict[str, list[float]]:
    data_dir = tmp / name
    data_dir.mkdir()
    env = {**os.environ, "GATEWAY_DATABASE_URL": database_url, "GATEWAY_DATA_DIR": str(data_dir),
           "GATEWAY_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
           "GATEWAY_CHAT_CONNECTS_PER_MINUTE": "0", "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "0",
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    env.pop("GATEWAY_REDIS_URL", None)
    await run_cli(env, str(data_dir), "db", "upgrade")
    port = free_port()
    argv = [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)]
    server = await spawn(f"{name}-0", argv, env, str(data_dir), port)
    log(f"{name}: first start (imports the demo FAQ, builds the index) took {await wait_ready(server):.0f} s")
    figures: dict[str, list[float]] = {"first ack": [], "/readyz 200": [], "bot ready": []}
    writer = Writer(server.url)
    sent = 0
    try:
        for r in range(rounds):
            for _ in range(20):  # traffic before the kill
                sent += 1
                await writer.send(f"m{sent}")
            sent += 1
            pending = asyncio.create_task(writer.send(f"m{sent}"))  # in flight at the kill
            os.kill(server.proc.pid, signal.SIGKILL)
            killed = time.perf_counter()
            await server.proc.wait()
            server = await spawn(f"{name}-{r + 1}", argv, env, str(data_dir), port)
            await pending
            acked_first = writer.acked[f"m{sent}"] - killed
            ready = await until(lambda: http_ready(server.url), killed)
            warm = await until(lambda: bot_ready(server.url), killed)
            figures["first ack"].append(acked_first)
            figures["/readyz 200"].append(ready)
            figures["bot ready"].append(warm)
            log(f"{name} round {r + 1}: first ack {acked_first:.2f} s, /readyz 200 {ready:.2f} s, "
                f"bot ready {warm:.2f} s after SIGKILL")
        await check_stored(database_url, data_dir, sent)
    finally:
        await writer.close()
        await stop(server)
    return figures


async def check_stored(database_url: str, data_dir: Path, sent: int) -> None:
    """Every message the writer had acked is stored exactly once."""
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import create_async_engine
    from gateway.storage.tables import Message

    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(Message.client_msg_id, func.count()).where(
                Message.sender == "customer").group_by(Message.client_msg_id))).all()
    finally:
        await engine.dispose()
    counts = dict(rows)
    missing = [f"m{i}" for i in range(1, sent + 1) if f"m{i}" not in counts]
    doubled = [k for k, n in counts.items() if n > 1]
    if missing or doubled:
        raise RuntimeError(f"lost {missing[:5]} ({len(missing)}), doubled {doubled[:5]} ({len(doubled)})")
    log(f"all {sent} acked messages stored once")


async def main(args) -> None:
    results = {}
    with tempfile.TemporaryDirectory(prefix="csgw-restart-") as tmp:
        if args.backend in ("sqlite", "both"):
            url = f"sqlite+aiosqlite:///{tmp}/gateway.db"
            results["SQLite"] = await one_backend("sqlite", url, Path(tmp), args.rounds)
        if args.backend in ("postgresql", "both"):
            db = f"csgw_restart_{os.getpid()}"
            admin = await asyncpg.connect(database="postgres", **PG)
            await admin.execute(f'CREATE DATABASE "{db}"')
            await admin.close()
            try:
                url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"
                results["PostgreSQL"] = await one_backend("postgresql", url, Path(tmp), args.rounds)
            finally:
                admin = await asyncpg.connect(database="postgres", **PG)
                await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                await admin.close()
    print(f"\nseconds from SIGKILL, medians of {args.rounds} rounds (worst in brackets)")
    print(f"{'backend':12}" + "".join(f"{k:>20}" for k in next(iter(results.values()))))
    for backend, figures in results.items():
        print(f"{backend:12}" + "".join(f"{statistics.median(v):>13.2f} ({max(v):.2f})" for v in figures.values()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    asyncio.run(main(parser.parse_args()))
