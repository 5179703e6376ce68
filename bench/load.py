"""Web-chat load: N customers on `/chat`, the gateway beside a bare Socket.IO echo server.

    .venv/bin/python bench/load.py [--quick] [--clients N] [--mode single|dual|both]

Every round connects N new visitors (no token, so N new conversations), and for --duration
seconds each asks FAQ questions one after another: send, wait for the ack, wait for the bot's
reply, ask the next (closed loop, no think time unless --think: the offered load is as high as
the server lets it be). Rounds are timed, not counted, because the echo server answers a fixed
number of messages in a fraction of a second, too short to measure anything but start-up.
Gateway rounds and echo rounds alternate, so both see the same noise from
the rest of the machine; figures are medians of rounds and ratios medians of per-round ratios.

Servers are subprocesses on 127.0.0.1: `cs-gateway serve` on PostgreSQL (a database created
for the run and dropped after), one process (`single`) or two behind GATEWAY_REDIS_URL with the
clients spread over both (`dual`); bench/echo_server.py is always one process. The clients
all run in this process, on one event loop; its CPU share is printed per round so a client-bound
round shows as one (about 100% of a core).
"""
from __future__ import annotations

import argparse
import asyncio
import ctypes
import os
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg
import numpy as np
import socketio
import yaml

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).with_name("cs-gateway")
ECHO = Path(__file__).resolve().with_name("echo_server.py")
NAMESPACE = "/chat"
PG = dict(host="127.0.0.1", port=5432, user="postgres")
REDIS_URL = "redis://127.0.0.1:6379/0"
READY_TIMEOUT = 240.0  # models and index load in 20-40 s, longer when two start on a busy box
STOP_TIMEOUT = 20.0
# Both phrasing languages the demo KB is written in, minus anything that asks for a person or
# complains: a hand-off would end that customer's loop and measure the queue, not the bot.
AVOID = ("人工", "投诉", "complain", "human", "agent", "person", "refund")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def questions() -> list[str]:
    entries = yaml.safe_load((ROOT / "knowledge_base/demo/faq.yaml").read_text(encoding="utf-8"))
    texts = [t for e in entries for t in (e["question"], *e.get("alternates", ()))]
    return [t for t in texts if not any(a in t.lower() for a in AVOID)]


# --- servers -------------------------------------------------------------------------------

def _die_with_parent() -> None:
    # If this bench is SIGKILLed, its finally blocks never run: the kernel ends the servers.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: asyncio.subprocess.Process
    url: str
    log_path: Path

    def tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


async def spawn(name: str, argv: list[str], env: dict, cwd: str, port: int) -> Server:
    log_path = Path(cwd) / f"{name}.log"
    with open(log_path, "wb") as out:  # a file, not a pipe nobody drains
        proc = await asyncio.create_subprocess_exec(*argv, cwd=cwd, env=env, stdout=out, stderr=out,
                                                    preexec_fn=_die_with_parent)
    return Server(name, proc, f"http://127.0.0.1:{port}", log_path)


async def wait_ready(server: Server) -> float:
    start = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while time.perf_counter() - start < READY_TIMEOUT:
            if server.proc.returncode is not None:
                raise RuntimeError(f"{server.name} exited ({server.proc.returncode}):\n{server.tail()}")
            try:
                async with http.get(f"{server.url}/readyz") as r:
                    # Chat is served before the bot is warm; a round measures a warm bot.
                    if r.status == 200 and (await r.json()).get("checks", {}).get("bot", "ok") == "ok":
                        return time.perf_counter() - start
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError(f"{server.name} not ready after {READY_TIMEOUT:.0f} s:\n{server.tail()}")


async def stop(server: Server) -> None:
    if server.proc.returncode is None:
        server.proc.terminate()
        try:
            await asyncio.wait_for(server.proc.wait(), STOP_TIMEOUT)
        except asyncio.TimeoutError:
            server.proc.kill()
            await server.proc.wait()


async def run_cli(env: dict, cwd: str, *args: str) -> None:
    proc = await asyncio.create_subprocess_exec(str(CLI), *args, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, preexec_fn=_die_with_parent)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 180)
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode:
        raise RuntimeError(f"cs-gateway {' '.join(args)} failed: {err.decode(errors='replace')[-2000:]}")


def status_kb(pid: int) -> dict[str, float]:
    with open(f"/proc/{pid}/status") as f:
        return {k: int(v.split()[0]) / 1024 for k, v in (l.split(":", 1) for l in f) if k in ("VmRSS", "VmHWM")}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, all threads


# --- clients -------------------------------------------------------------------------------

class Customer:
    """One browser tab. Deliberately thinner than tests/chat_client.py (no event log, no
    condition variable): with 2,000 of them in one loop, client overhead is part of what
    is measured, so it is kept to a future per awaited event."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.session = loop.create_future()
        self.reply: asyncio.Future | None = None
        self.handed_off = False
        self.sio.on("session", self._on_session, namespace=NAMESPACE)
        self.sio.on("message", self._on_message, namespace=NAMESPACE)
        self.sio.on("handoff", self._on_handoff, namespace=NAMESPACE)

    def _on_session(self, data=None):
        if not self.session.done():
            self.session.set_result(time.perf_counter())

    def _on_message(self, data=None):
        # The customer's own message comes back too (other tabs see it); the reply is the
        # first message from anyone else after the send.
        sender = data.get("sender") if isinstance(data, dict) else None
        if sender != "customer" and self.reply is not None and not self.reply.done():
            self.reply.set_result(time.perf_counter())

    def _on_handoff(self, data=None):
        self.handed_off = True

    async def connect(self, url: str, timeout: float) -> float:
        t0 = time.perf_counter()
        await self.sio.connect(url, namespaces=[NAMESPACE], transports=["websocket"], wait_timeout=timeout)
        return await asyncio.wait_for(asyncio.shield(self.session), timeout) - t0

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.sio.disconnect(), 10)
        except Exception:
            pass


@dataclass
class Round:
    target: str
    index: int
    clients: int
    connect: list[float] = field(default_factory=list)
    ack: list[float] = field(default_factory=list)
    bot: list[float] = field(default_factory=list)
    problems: Counter = field(default_factory=Counter)
    handoffs: int = 0
    wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    per_process_cpu: list[float] = field(default_factory=list)
    rss: dict[str, float] = field(default_factory=dict)

    @property
    def acked_per_s(self) -> float:
        return len(self.ack) / self.wall if self.wall else 0.0

    def pct(self, key: str, q: float) -> float:
        values = getattr(self, key)
        return float(np.percentile(values, q)) * 1000 if values else float("nan")


async def converse(c: Customer, rng: random.Random, pool: list[str], deadline: float, r: Round, args,
                   last: list[float]) -> None:
    loop = asyncio.get_running_loop()
    if args.think:
        # Spread the first questions too, so --think sets an offered rate (clients / think
        # per second) instead of a burst of every client at once.
        await asyncio.sleep(rng.uniform(0, 2 * args.think))
    while time.perf_counter() < deadline:
        text = rng.choice(pool)
        c.reply = loop.create_future()  # before the send: a fast reply must not be missed
        t0 = time.perf_counter()
        try:
            ack = await c.sio.call("message", {"text": text, "client_msg_id": uuid.uuid4().hex},
                                   namespace=NAMESPACE, timeout=args.timeout)
        except socketio.exceptions.TimeoutError:
            r.problems["ack timeout"] += 1
            return
        except socketio.exceptions.SocketIOError as exc:
            r.problems[f"send failed: {type(exc).__name__}"] += 1
            return
        t_ack = time.perf_counter()
        if isinstance(ack, dict) and ack.get("error", {}).get("code") == "rate_limited":
            # Only when clients are few for the throughput (the limit is 0.5 msg/s per
            # connection after a burst of 20): counted, waited out, not a failure.
            r.problems["rate_limited"] += 1
            await asyncio.sleep(float(ack["error"].get("retry_after", 1.0)))
            continue
        if not isinstance(ack, dict) or ack.get("status") != "stored":
            r.problems[f"refused: {(ack or {}).get('error', {}).get('code', ack)}"] += 1
            return
        r.ack.append(t_ack - t0)
        last[0] = max(last[0], t_ack)
        try:
            t_reply = await asyncio.wait_for(c.reply, args.timeout)
        except asyncio.TimeoutError:
            # Seen when a reply is emitted by a process the client is not connected to.
            r.problems["bot reply missing"] += 1
            return
        r.bot.append(t_reply - t0)
        last[0] = max(last[0], t_reply)
        if c.handed_off:
            r.handoffs += 1
            return
        if args.think:
            await asyncio.sleep(random.uniform(0, 2 * args.think))


async def one_round(target: str, index: int, urls: list[str], pids: list[int], args, pool: list[str]) -> Round:
    r = Round(target, index, args.clients)
    customers = [Customer() for _ in range(args.clients)]
    gate = asyncio.Semaphore(args.connect_concurrency)  # a connect storm only measures the listen backlog

    async def connect(i: int, c: Customer) -> Customer | None:
        async with gate:
            try:
                r.connect.append(await c.connect(urls[i % len(urls)], args.timeout))
                return c
            except Exception as exc:
                r.problems[f"connect failed: {type(exc).__name__}"] += 1
                return None

    try:
        ready = [c for c in await asyncio.gather(*(connect(i, c) for i, c in enumerate(customers))) if c]
        rngs = [random.Random(index * 100_000 + i) for i in range(len(ready))]
        cpu0 = [cpu_seconds(p) for p in pids]
        me0, t_start = time.process_time(), time.perf_counter()
        last = [t_start]
        deadline = t_start + args.duration
        # Bounded: the last question goes out before the deadline, its ack and reply each
        # wait at most --timeout.
        await asyncio.wait_for(asyncio.gather(*(converse(c, g, pool, deadline, r, args, last)
                                                for c, g in zip(ready, rngs))),
                               args.duration + 3 * args.timeout)
        # To the last ack or reply, not to the end of a timeout nobody answered.
        r.wall = last[0] - t_start
        r.client_cpu = (time.process_time() - me0) / r.wall if r.wall else 0.0
        r.per_process_cpu = [(cpu_seconds(p) - c0) / r.wall if r.wall else 0.0 for p, c0 in zip(pids, cpu0)]
        r.server_cpu = sum(r.per_process_cpu)
        for p in pids:
            r.rss[str(p)] = status_kb(p)["VmRSS"]
    finally:
        await asyncio.gather(*(c.close() for c in customers))
    return r


# --- the run -------------------------------------------------------------------------------

def median(values: list[float]) -> float:
    values = [v for v in values if v == v]  # no NaN from an empty round
    return statistics.median(values) if values else float("nan")


FIGURES = [("acked messages/s", lambda r: r.acked_per_s, "{:.1f}"),
           ("ack latency p50 ms", lambda r: r.pct("ack", 50), "{:.1f}"),
           ("ack latency p99 ms", lambda r: r.pct("ack", 99), "{:.1f}"),
           ("bot reply p50 ms", lambda r: r.pct("bot", 50), "{:.0f}"),
           ("bot reply p99 ms", lambda r: r.pct("bot", 99), "{:.0f}"),
           ("connect->session p50 ms", lambda r: r.pct("connect", 50), "{:.1f}"),
           ("connect->session p99 ms", lambda r: r.pct("connect", 99), "{:.1f}"),
           ("server CPU (cores)", lambda r: r.server_cpu, "{:.2f}"),
           ("bench client CPU (cores)", lambda r: r.client_cpu, "{:.2f}")]


def report(mode: str, gateways: list[Server], echo: Server, rounds: list[Round], args, started: float) -> None:
    gw = [r for r in rounds if r.target == "gateway"]
    ec = [r for r in rounds if r.target == "echo"]
    n = len(gateways)
    print()
    print(f"== mode {mode}: {n} gateway process{'es' if n > 1 else ''}"
          f"{' + Redis' if mode != 'single' else ''} vs 1 echo process; {args.clients} clients, {args.duration:.0f} s "
          f"rounds, {len(gw)} each, alternating; medians of rounds, ratio = median of per-round gateway/echo")
    print(f"{'':28}{'gateway':>12}{'echo':>12}{'gw/echo':>10}   per-round gateway values")
    for title, get, fmt in FIGURES:
        g, e = [get(r) for r in gw], [get(r) for r in ec]
        ratios = [a / b for a, b in zip(g, e) if b and a == a and b == b]
        print(f"{title:28}{fmt.format(median(g)):>12}{fmt.format(median(e)):>12}"
              f"{median(ratios):>9.3g}x   {' '.join(fmt.format(v) for v in g)}")
    for label, group in (("gateway", gw), ("echo", ec)):
        problems = sum((r.problems for r in group), Counter())
        handoffs = sum(r.handoffs for r in group)
        replies = sum(len(r.bot) for r in group)
        print(f"{label}: {sum(len(r.ack) for r in group)} acked, {replies} bot replies, {handoffs} hand-offs, "
              f"problems: {dict(problems) or 'none'}")
    if n > 1:
        print("gateway CPU per process (cores), per round: "
              + "; ".join(" + ".join(f"{c:.2f}" for c in r.per_process_cpu) for r in gw))
    for s in [*gateways, echo]:
        m = status_kb(s.proc.pid)
        print(f"RSS {s.name} (pid {s.proc.pid}): {m['VmRSS']:.0f} MB now, peak {m['VmHWM']:.0f} MB")
    total = sum(status_kb(s.proc.pid)["VmRSS"] for s in gateways)
    print(f"RSS gateways total {total:.0f} MB; bench clients {status_kb(os.getpid())['VmRSS']:.0f} MB; "
          f"mode took {time.perf_counter() - started:.0f} s")
    sys.stdout.flush()


async def run_mode(mode: str, echo: Server, tmp: str, args, pool: list[str]) -> None:
    started = time.perf_counter()
    db = f"csgw_bench_{os.getpid()}_{mode}"
    admin = await asyncpg.connect(database="postgres", **PG)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
        await admin.execute(f'CREATE DATABASE "{db}"')
    finally:
        await admin.close()
    data_dir = Path(tmp) / mode
    data_dir.mkdir()
    env = {**os.environ,
           "GATEWAY_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}",
           "GATEWAY_DATA_DIR": str(data_dir),
           # One key for every process: a visitor token must verify wherever the socket lands.
           "GATEWAY_SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
           "GATEWAY_FIRST_RESPONSE_SLA_SECONDS": "3600",  # no SLA sweeps firing mid-run
           # Every simulated customer comes from 127.0.0.1: per-address limits would lump them.
           "GATEWAY_CHAT_CONNECTS_PER_MINUTE": "0", "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "0",
           "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}  # as bench/retrieval.py: 2 shared cores
    env.pop("GATEWAY_REDIS_URL", None)
    if mode in ("dual", "single-redis"):
        env["GATEWAY_REDIS_URL"] = args.redis_url
    gateways: list[Server] = []
    try:
        await run_cli(env, str(data_dir), "db", "upgrade")  # once, not raced by the instances
        for i in range(2 if mode == "dual" else 1):
            port = free_port()
            s = await spawn(f"gateway-{mode}-{i + 1}", [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env, str(data_dir), port)
            gateways.append(s)
            # One after the other: the first start on an empty database imports the demo KB,
            # and two importing at once would race.
            log(f"{s.name} pid {s.proc.pid} ready after {await wait_ready(s):.0f} s")
        pids = [s.proc.pid for s in gateways]
        urls = [s.url for s in gateways]
        # One unmeasured round each: first queries, first encoder calls, connection pools.
        warm = argparse.Namespace(**{**vars(args), "clients": min(args.clients, 20), "duration": 3.0})
        for target, u, p in (("gateway", urls, pids), ("echo", [echo.url], [echo.proc.pid])):
            await one_round(target, -1, u, p, warm, pool)
        rounds: list[Round] = []
        for i in range(args.rounds):
            order = [("gateway", urls, pids), ("echo", [echo.url], [echo.proc.pid])]
            for target, u, p in (order if i % 2 == 0 else order[::-1]):
                r = await one_round(target, i, u, p, args, pool)
                rounds.append(r)
                log(f"{mode} round {i + 1}/{args.rounds} {target}: {r.acked_per_s:.1f} acked/s, ack p50 "
                    f"{r.pct('ack', 50):.1f} ms, bot p50 {r.pct('bot', 50):.0f} ms, p99 {r.pct('bot', 99):.0f} ms, "
                    f"client CPU {r.client_cpu:.2f}, server CPU {r.server_cpu:.2f}"
                    f"{', problems ' + str(dict(r.problems)) if r.problems else ''}")
        report(mode, gateways, echo, rounds, args, started)
    finally:
        await asyncio.gather(*(stop(s) for s in gateways))
        if not args.keep_db:
            try:
                admin = await asyncpg.connect(database="postgres", **PG)
                try:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                finally:
                    await admin.close()
            except Exception as exc:  # cleanup must not hide the run's own error
                log(f"could not drop database {db}: {exc}")


async def main(args) -> None:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, task.cancel)  # through the finally blocks: servers stopped
    pool = questions()
    print(f"bench/load.py at {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; load average at start "
          f"{Path('/proc/loadavg').read_text().split()[:3]}; {os.cpu_count()} CPUs; {args.clients} clients, "
          f"{args.duration:.0f} s rounds, {args.rounds} rounds per target, think {args.think} s; "
          f"{len(pool)} FAQ phrasings (zh + en)")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        port = free_port()
        echo = await spawn("echo", [sys.executable, str(ECHO), "--port", str(port)], dict(os.environ), tmp, port)
        try:
            await wait_ready(echo)
            modes = {"both": ["single", "dual"], "all": ["single", "single-redis", "dual"]}.get(args.mode, [args.mode])
            for mode in modes:
                try:
                    await run_mode(mode, echo, tmp, args, pool)
                except Exception as exc:
                    if mode == modes[-1]:
                        raise
                    log(f"mode {mode} failed, going on: {exc}")
                    print(f"\n== mode {mode} FAILED: {exc}")
        finally:
            await stop(echo)
            if args.log_dir:
                shutil.copytree(tmp, args.log_dir, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("*.db", "*.key", "secret*"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 clients, 8 s rounds, 2 rounds per target")
    parser.add_argument("--clients", type=int, help="concurrent customers per round (default 200, up to 2000)")
    parser.add_argument("--duration", type=float, help="seconds of questions per round (default 20)")
    parser.add_argument("--rounds", type=int, help="measured rounds per target (default 3)")
    parser.add_argument("--mode", choices=("single", "single-redis", "dual", "both", "all"), default="single",
                        help="one gateway; one with GATEWAY_REDIS_URL set (the Redis manager's own cost); two "
                             "behind Redis; both = single then dual; all = the three (default single)")
    parser.add_argument("--log-dir", help="copy the servers' logs here at the end")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds before each question (uniform 0..2x); 0 = as fast as replies come")
    parser.add_argument("--timeout", type=float, default=60.0, help="bound on every connect, ack and reply wait")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--keep-db", action="store_true", help="leave the run's PostgreSQL database behind")
    ns = parser.parse_args()
    ns.clients = ns.clients or (50 if ns.quick else 200)
    ns.duration = ns.duration or (8.0 if ns.quick else 20.0)
    ns.rounds = ns.rounds or (2 if ns.quick else 3)
    if not 1 <= ns.clients <= 2000 or ns.duration <= 0:
        parser.error("--clients must be 1..2000 and --duration positive")
    try:
        asyncio.run(main(ns))
    except (KeyboardInterrupt, asyncio.CancelledError):  # SIGINT, or SIGTERM/SIGHUP via task.cancel
        log("interrupted; servers stopped")
        sys.exit(130)
