"""Hand-off -> agent notification latency, with an empty queue and with 200 waiting.

    .venv/bin/python bench/handoff_latency.py [--quick]      (from the project root, offline)

The gateway runs as its own process (`cs-gateway serve`, SQLite in a temp dir), as it
does in production, so its event loop is not shared with the clients; this process holds
only the clients (20 agents on /agent, customers on /chat), all on 127.0.0.1. The machine
is small and shared: figures are medians and percentiles, nothing is asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script, sys.path[0] is bench/, not the project

import aiohttp  # noqa: E402
import numpy as np  # noqa: E402

from tests.agent_client import AgentClient  # noqa: E402
from tests.chat_client import ChatClient  # noqa: E402

CLI = Path(sys.executable).with_name("cs-gateway")
PASSWORD = "bench-password-1"
AGENTS = 20
TIMEOUT = 120.0  # generous: a stuck step fails the run instead of hanging it


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Agent(AgentClient):
    """Stamps each `queue` event on arrival and keeps only the newest one: the base client
    keeps them all, and 20 agents x hundreds of 200-row queues would be a GB of dicts whose
    garbage collection pauses would land in the measurement."""

    def __init__(self) -> None:
        self.latest: dict | None = None
        self.waiters: list = []
        super().__init__()

    def _recorder(self, name):
        if name != "queue":
            return super()._recorder(name)

        async def record(data=None):
            now = time.perf_counter()
            self.latest = data
            ids = {row["id"] for row in data["conversations"]}
            for pred, fut in list(self.waiters):
                if pred(ids):
                    self.waiters.remove((pred, fut))
                    fut.done() or fut.set_result(now)
        return record

    def until(self, pred) -> asyncio.Future:
        """Arrival time of the first later `queue` event whose conversation ids satisfy pred."""
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((pred, fut))
        return fut


class Customer(ChatClient):
    """Stamps the arrival of the first `handoff` {state: queued}."""

    def _recorder(self, name):
        inner = super()._recorder(name)
        if name != "handoff":
            return inner

        async def record(data=None):
            if isinstance(data, dict) and data.get("state") == "queued" and not self.queued.done():
                self.queued.set_result(time.perf_counter())
            await inner(data)
        return record

    async def connect(self, url: str, token: str | None = None, wait_session: bool = True) -> "Customer":
        self.queued = asyncio.get_running_loop().create_future()
        await super().connect(url, token, wait_session=False)
        if wait_session:  # the base client waits 5 s, too short while the gateway is busy
            await self.wait_for("session", timeout=TIMEOUT)
        return self


async def hand_off(url: str, agents: list[Agent] = ()) -> dict:
    """A new visitor asks for a person; returns, with the customer gone, once the customer has
    seen `handoff` queued and every agent given has seen the conversation in a `queue` event."""
    chat = await Customer().connect(url)
    cid = chat.session["conversation_id"]
    seen = [a.until(lambda ids: cid in ids) for a in agents]  # registered before t0: nothing missed
    t0 = time.perf_counter()  # just before the emit; the connect is not part of the hand-off
    ack = await chat.call("message", {"text": "转人工", "client_msg_id": uuid.uuid4().hex}, timeout=TIMEOUT)
    t_ack = time.perf_counter()
    if ack.get("status") != "stored":
        raise RuntimeError(f"message refused: {ack}")
    t_cust = await asyncio.wait_for(asyncio.shield(chat.queued), TIMEOUT)
    stamps = await asyncio.wait_for(asyncio.gather(*seen), TIMEOUT) or [t_cust]
    await chat.close()  # the conversation stays queued without its customer
    return {"cid": cid, "ack": t_ack - t0, "customer": t_cust - t0, "first": min(stamps) - t0,
            "all": max(stamps) - t0, "first_from_ack": min(stamps) - t_ack, "all_from_ack": max(stamps) - t_ack}


async def measured(url: str, agents: list[Agent], i: int) -> dict:
    """One hand-off, timed; then an agent claims it, so every sample sees the same queue length
    (without that the 'empty' phase would drift from 0 to N waiting)."""
    sample = await hand_off(url, agents)
    gone = [a.until(lambda ids: sample["cid"] not in ids) for a in agents]
    reply = await agents[i % AGENTS].call("claim", {"conversation_id": sample["cid"]}, timeout=TIMEOUT)
    if reply.get("status") != "assigned":
        raise RuntimeError(f"claim refused: {reply}")
    await asyncio.wait_for(asyncio.gather(*gone), TIMEOUT)  # the claim's fan-out is over before the next t0
    return sample


async def build_up(url: str, count: int, concurrency: int = 8) -> float:
    """`count` more waiting conversations; the customers leave once queued, the conversations stay."""
    gate, start = asyncio.Semaphore(concurrency), time.perf_counter()

    async def one() -> None:
        async with gate:
            await hand_off(url)
    await asyncio.gather(*(one() for _ in range(count)))
    return time.perf_counter() - start


def proc_status(pid: int) -> dict:
    with open(f"/proc/{pid}/status") as f:
        return {k: int(v.split()[0]) / 1024 for k, v in (l.split(":", 1) for l in f) if k in ("VmRSS", "VmHWM")}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


async def run_cli(env: dict, cwd: str, *args: str, stdin: str | None = None) -> None:
    proc = await asyncio.create_subprocess_exec(str(CLI), *args, cwd=cwd, env=env, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), TIMEOUT)
    if proc.returncode:
        raise RuntimeError(f"cs-gateway {' '.join(args)} failed: {err.decode()[-1000:]}")


async def start_gateway(tmp: str) -> tuple[asyncio.subprocess.Process, str, dict]:
    env = {**os.environ, "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/gateway.db", "GATEWAY_DATA_DIR": tmp,
           "GATEWAY_FIRST_RESPONSE_SLA_SECONDS": "3600",  # no SLA warnings during the run
           # Hundreds of customers from 127.0.0.1: per-address limits would lump them together.
           "GATEWAY_CHAT_CONNECTS_PER_MINUTE": "0", "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "0"}
    # One BLAS/OpenMP thread, as in bench/retrieval.py: two cores, shared with these clients.
    env.setdefault("OMP_NUM_THREADS", "1")
    names = [f"agent{i:02d}" for i in range(AGENTS)]
    await run_cli(env, tmp, "user", "add", names[0], "--role", "agent", "--password-stdin", stdin=PASSWORD)
    gate = asyncio.Semaphore(4)  # the first call migrated the database; the rest only insert a row

    async def add(name: str) -> None:
        async with gate:
            await run_cli(env, tmp, "user", "add", name, "--role", "agent", "--password-stdin", stdin=PASSWORD)
    await asyncio.gather(*(add(n) for n in names[1:]))
    with socket.socket() as s:  # a free port, as `serve` takes no port 0
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server_log = open(Path(tmp) / "serve.log", "wb")  # a file, not a pipe nobody drains
    proc = await asyncio.create_subprocess_exec(str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port),
                                                cwd=tmp, env=env, stdout=server_log, stderr=server_log)
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(int(TIMEOUT * 2)):  # aiohttp listens only after on_startup: models, index
                if proc.returncode is not None:
                    raise RuntimeError(f"gateway exited: {(Path(tmp) / 'serve.log').read_text()[-2000:]}")
                try:
                    async with http.get(f"{url}/healthz") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.5)
            else:
                raise RuntimeError("gateway did not come up")
            tokens = {}
            for name in names:
                async with http.post(f"{url}/api/auth/login", json={"username": name, "password": PASSWORD}) as r:
                    tokens[name] = (await r.json())["token"]
    except BaseException:
        await stop(proc)  # never leave a server running behind a failed start
        raise
    return proc, url, tokens


async def stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()  # aiohttp shuts down cleanly on SIGTERM
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def pct(values: list[float]) -> tuple[float, float, float]:
    a = np.asarray(values) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 99)), float(a.max())


async def main(args) -> None:
    with tempfile.TemporaryDirectory(prefix="handoff-bench-") as tmp:
        t = time.perf_counter()
        proc, url, tokens = await start_gateway(tmp)
        log(f"gateway pid {proc.pid} up at {url} after {time.perf_counter() - t:.0f} s (accounts, models, index)")
        agents: list[Agent] = []
        try:
            for token in tokens.values():
                agents.append(await Agent().connect(url, token))
            for i in range(3):  # warm-up, not counted: first retrievals, first queries, JIT caches
                await measured(url, agents, i)
            phases, cpu = {}, {}
            for label, waiting in (("empty", 0), ("loaded", args.waiting)):
                if waiting:
                    log(f"building {waiting} waiting conversations ...")
                    log(f"built in {await build_up(url, waiting):.1f} s")
                log(f"measuring {args.n} hand-offs with {waiting} waiting ...")
                before, samples = cpu_seconds(proc.pid), []
                for i in range(args.n):
                    samples.append(await measured(url, agents, i))
                phases[label], cpu[label] = samples, (cpu_seconds(proc.pid) - before) / args.n
            final = await agents[0].call("queue", timeout=TIMEOUT)
            payload = json.dumps(agents[0].latest).encode()
            t = time.perf_counter()
            for _ in range(AGENTS):
                json.loads(payload)
            decode = time.perf_counter() - t
            mem = proc_status(proc.pid)
            mine = proc_status(os.getpid())
        finally:
            await asyncio.gather(*(a.close() for a in agents), return_exceptions=True)
            await stop(proc)

    rows = [("customer ack (message stored)", "ack"), ("customer `handoff` queued", "customer"),
            ("first agent `queue`", "first"), (f"all {AGENTS} agents `queue`", "all"),
            ("first agent, t0 = ack", "first_from_ack"), (f"all {AGENTS} agents, t0 = ack", "all_from_ack")]
    print(f"hand-off -> agent `queue` latency, {AGENTS} agents connected, {args.n} hand-offs per column (ms)")
    print("gateway: separate process (`cs-gateway serve`, SQLite, real retrieval models in its bot turn);")
    print("clients: this process, one event loop, 127.0.0.1. t0 = just before the customer's `message` emit")
    print("unless a row says t0 = ack. Each sample is claimed afterwards, so the queue length stays fixed.")
    print(f"The columns ran one after the other; with {args.n} samples p99 is close to the max.")
    print(f"{'':32}{'0 waiting: p50':>15}{'p99':>8}{'max':>8}{f'{args.waiting} waiting: p50':>18}"
          f"{'p99':>8}{'max':>8}{'p50 ratio':>11}")
    for title, key in rows:
        e, l = pct([s[key] for s in phases["empty"]]), pct([s[key] for s in phases["loaded"]])
        print(f"{title:32}{e[0]:15.1f}{e[1]:8.1f}{e[2]:8.1f}{l[0]:18.1f}{l[1]:8.1f}{l[2]:8.1f}{l[0] / e[0]:10.1f}x")
    print(f"gateway CPU per sample (hand-off + claim): {cpu['empty'] * 1000:.0f} ms with 0 waiting, "
          f"{cpu['loaded'] * 1000:.0f} ms with {args.waiting}")
    print(f"queue length at the end: {len(final['conversations'])}; one `queue` event then is {len(payload) / 1024:.0f} "
          f"KiB, and decoding it {AGENTS}x here takes {decode * 1000:.0f} ms of the clients' loop")
    print(f"RSS: gateway {mem['VmRSS']:.0f} MB (peak {mem['VmHWM']:.0f}), bench clients {mine['VmRSS']:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 hand-offs per phase, 40 waiting")
    parser.add_argument("--n", type=int, help="measured hand-offs per phase (default 50)")
    parser.add_argument("--waiting", type=int, help="waiting conversations in the loaded phase (default 200)")
    ns = parser.parse_args()
    ns.n = ns.n or (10 if ns.quick else 50)
    ns.waiting = ns.waiting or (40 if ns.quick else 200)
    asyncio.run(main(ns))
