"""Web-chat load: N customers on `/chat`, the gateway beside a bare Socket.IO echo server.

    .venv/bin/python bench/load.py [--loads 500x10,2000x5] [--mode issue|sqlite|single|dual|...]
    .venv/bin/python bench/load.py --shape closed [--quick] [--clients N] [--duration S]

Two shapes. `burst` (the default, bench/load_burst.py): every round connects N new visitors,
each sends M distinct FAQ questions back to back waiting only for each ack, and the bot's
replies are timed as they arrive; the bare encoders' throughput is measured between rounds.
`closed`: for --duration seconds each visitor asks, waits for the bot's reply, asks again (no
think time unless --think); rounds are timed, not counted.

Gateway rounds and echo rounds alternate, so both see the same noise from the rest of the
machine; figures are medians of rounds and ratios medians of per-round ratios.

Servers are subprocesses on 127.0.0.1: `cs-gateway serve` on SQLite (`sqlite`, what `make
run` uses) or on PostgreSQL (a database created for the run and dropped after), one process or
two behind GATEWAY_REDIS_URL with the clients spread over both (`dual`); bench/echo_server.py
is always one process. The clients all run in this process, on one event loop; its CPU share is
printed per round so a client-bound round shows as one (about 100% of a core).
"""
from __future__ import annotations

import argparse
import asyncio
import ctypes
import json
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
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clients import Customer, connect_all, percentile_ms  # noqa: E402
from load_burst import FIGURES as BURST_FIGURES, BurstRound, burst_round  # noqa: E402

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


async def run_cli(env: dict, cwd: str, *args: str, stdin: str | None = None) -> None:
    proc = await asyncio.create_subprocess_exec(str(CLI), *args, cwd=cwd, env=env, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                preexec_fn=_die_with_parent)
    try:
        _, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 180)
    except BaseException:
        proc.kill()
        await proc.wait()
        raise
    if proc.returncode:
        raise RuntimeError(f"cs-gateway {' '.join(args)} failed: {err.decode(errors='replace')[-2000:]}")


def status_kb(pid: int) -> dict[str, float]:
    with open(f"/proc/{pid}/status") as f:
        return {k: int(v.split()[0]) / 1024 for k, v in (l.split(":", 1) for l in f) if k in ("VmRSS", "VmHWM")}


def family(pid: int) -> list[int]:
    """The process and its descendants: a gateway's encoder process counts as the gateway's."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [p for child in (task / "children").read_text().split() for p in family(int(child))]
        except OSError:
            pass
    return out


def family_cpu_seconds(pid: int) -> float:
    return sum(cpu_seconds(p) for p in family(pid))


def family_rss_mb(pid: int) -> float:
    return sum(status_kb(p)["VmRSS"] for p in family(pid))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, all threads


# --- clients -------------------------------------------------------------------------------

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
        return percentile_ms(getattr(self, key), q)


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
        ack, _ = await c.send(text, r.problems, args.timeout)
        if ack is None:
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
    try:
        ready = await connect_all(customers, urls, r.problems, args.timeout, args.connect_concurrency, r.connect)
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


MODES = {"sqlite": "1 process on SQLite", "single": "1 process on PostgreSQL",
         "single-redis": "1 process on PostgreSQL + Redis", "dual": "2 processes on PostgreSQL + Redis"}
FIGURES = [("acked messages/s", lambda r: r.acked_per_s, "{:.1f}"),
           ("ack latency p50 ms", lambda r: r.pct("ack", 50), "{:.1f}"),
           ("ack latency p99 ms", lambda r: r.pct("ack", 99), "{:.1f}"),
           ("bot reply p50 ms", lambda r: r.pct("bot", 50), "{:.0f}"),
           ("bot reply p99 ms", lambda r: r.pct("bot", 99), "{:.0f}"),
           ("connect->session p50 ms", lambda r: r.pct("connect", 50), "{:.1f}"),
           ("connect->session p99 ms", lambda r: r.pct("connect", 99), "{:.1f}"),
           ("server CPU (cores)", lambda r: r.server_cpu, "{:.2f}"),
           ("bench client CPU (cores)", lambda r: r.client_cpu, "{:.2f}")]


def print_table(figures, gw: list, ec: list) -> None:
    print(f"{'':44}{'gateway':>12}{'echo':>12}{'gw/echo':>10}   per-round gateway values")
    for title, get, fmt in figures:
        g, e = [get(r) for r in gw], [get(r) for r in ec]
        ratios = [a / b for a, b in zip(g, e) if b and a == a and b == b]
        print(f"{title:44}{fmt.format(median(g)):>12}{fmt.format(median(e)):>12}"
              f"{median(ratios):>9.3g}x   {' '.join(fmt.format(v) for v in g)}")


def report(mode: str, gateways: list[Server], echo: Server, rounds: list[Round], args, started: float) -> None:
    gw = [r for r in rounds if r.target == "gateway"]
    ec = [r for r in rounds if r.target == "echo"]
    n = len(gateways)
    print()
    print(f"== {MODES[mode]} vs 1 echo process; {args.clients} clients, {args.duration:.0f} s "
          f"rounds, {len(gw)} each, alternating; medians of rounds, ratio = median of per-round gateway/echo")
    print_table(FIGURES, gw, ec)
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


async def encoder_baseline(n: int) -> dict:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).with_name("load_burst.py")), "--encoder-baseline", str(n),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, preexec_fn=_die_with_parent,
        env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
    out, err = await asyncio.wait_for(proc.communicate(), 600)
    if proc.returncode:
        raise RuntimeError(f"encoder baseline failed: {err.decode(errors='replace')[-2000:]}")
    return json.loads(out.decode().strip().splitlines()[-1])


async def outbox_waiting(urls: list[str]) -> int:
    total = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http:
        for url in urls:
            async with http.get(f"{url}/metrics") as r:
                for line in (await r.text()).splitlines():
                    if line.startswith("gateway_outbox_waiting "):
                        total += int(float(line.split()[1]))
    return total


async def drain(urls: list[str], timeout: float) -> float:
    """Seconds until the gateways' outboxes are empty (bounded): a round's leftover bot work
    must not run into the next round, nor into the echo's."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if await outbox_waiting(urls) == 0:
            break
        await asyncio.sleep(1.0)
    return time.perf_counter() - start


async def burst_rounds(mode: str, gateways: list[Server], echo: Server, args, pool: list[str],
                       started: float) -> None:
    pids = [s.proc.pid for s in gateways]
    urls = [s.url for s in gateways]
    targets = [("gateway", urls, pids), ("echo", [echo.url], [echo.proc.pid])]
    await burst_round("gateway", -1, urls, pids, min(20, args.loads[0][0]), 2, pool, args, family_cpu_seconds,
                      family_rss_mb)
    await drain(urls, args.drain_timeout)
    for clients, messages in args.loads:
        rounds: list[BurstRound] = []
        for i in range(args.rounds):
            for target, u, p in (targets if i % 2 == 0 else targets[::-1]):
                r = await burst_round(target, i, u, p, clients, messages, pool, args, family_cpu_seconds,
                                      family_rss_mb)
                rounds.append(r)
                if target == "gateway":
                    waited = await drain(urls, args.drain_timeout)
                    left = await outbox_waiting(urls)
                    log(f"gateway outbox drained {waited:.0f} s after the round's end"
                        f"{f'; {left} items still waiting' if left else ''}")
                log(f"{mode} {clients}x{messages} round {i + 1}/{args.rounds} {target}: {r.acked_per_s:.0f} acked/s, "
                    f"ack p50/p99 {r.pct('ack', 50):.0f}/{r.pct('ack', 99):.0f} ms, bot p50/p99 "
                    f"{r.pct('bot', 50):.0f}/{r.pct('bot', 99):.0f} ms, {r.answered_per_s:.1f} answered/s, "
                    f"server CPU {r.server_cpu:.2f}{', problems ' + str(dict(r.problems)) if r.problems else ''}")
        baseline = await encoder_baseline(args.encoder_texts)
        log(f"bare encoders: {baseline['single']:.1f} texts/s one at a time, {baseline['batched']:.1f} batched")
        burst_report(mode, gateways, clients, messages, rounds, baseline)
    print(f"mode {mode} took {time.perf_counter() - started:.0f} s")


def burst_report(mode: str, gateways: list[Server], clients: int, messages: int, rounds: list[BurstRound],
                 baseline: dict) -> None:
    gw = [r for r in rounds if r.target == "gateway"]
    ec = [r for r in rounds if r.target == "echo"]
    print()
    print(f"== {MODES[mode]}: {clients} clients x {messages} messages, {len(gw)} rounds each, alternating with "
          f"the echo; medians of rounds, ratio = median of per-round gateway/echo")
    print_table(BURST_FIGURES, gw, ec)
    answered = median([r.answered_per_s for r in gw])
    print(f"bot: {answered:.1f} questions answered/s = {answered / baseline['single']:.2f}x the bare encoders one "
          f"text at a time ({baseline['single']:.1f}/s), {answered / baseline['batched']:.2f}x batched "
          f"({baseline['batched']:.1f}/s); replies per round {[r.replies for r in gw]}")
    for label, group in (("gateway", gw), ("echo", ec)):
        problems = sum((r.problems for r in group), Counter())
        print(f"{label}: {sum(len(r.ack) for r in group)} of {len(group) * clients * messages} acked `stored`, "
              f"{sum(r.unanswered for r in group)} questions unanswered at the end, "
              f"errors: {dict(problems) or 'none'}")
    for s in gateways:
        for pid in family(s.proc.pid):
            m = status_kb(pid)
            print(f"RSS {s.name} pid {pid}: {m['VmRSS']:.0f} MB now, peak {m['VmHWM']:.0f} MB")
    sys.stdout.flush()


async def run_mode(mode: str, echo: Server, tmp: str, args, pool: list[str]) -> None:
    started = time.perf_counter()
    sqlite = mode == "sqlite"
    db = f"csgw_bench_{os.getpid()}_{mode}"
    data_dir = Path(tmp) / mode
    data_dir.mkdir()
    if sqlite:
        url = f"sqlite+aiosqlite:///{data_dir}/gateway.db"  # what `make run` uses
    else:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"
        admin = await asyncpg.connect(database="postgres", **PG)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{db}"')
            await admin.execute(f'CREATE DATABASE "{db}"')
        finally:
            await admin.close()
    env = {**os.environ,
           "GATEWAY_DATABASE_URL": url,
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
        if args.shape == "burst":
            await burst_rounds(mode, gateways, echo, args, pool, started)
            return
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
        if not args.keep_db and not sqlite:
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
    shape = (f"burst {', '.join(f'{c}x{m}' for c, m in args.loads)}" if args.shape == "burst" else
             f"closed loop, {args.clients} clients, {args.duration:.0f} s rounds, think {args.think} s")
    print(f"bench/load.py at {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; load average at start "
          f"{Path('/proc/loadavg').read_text().split()[:3]}; {os.cpu_count()} CPUs; {shape}; "
          f"{args.rounds} rounds per target; {len(pool)} FAQ phrasings (zh + en)")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        port = free_port()
        echo = await spawn("echo", [sys.executable, str(ECHO), "--port", str(port)], dict(os.environ), tmp, port)
        try:
            await wait_ready(echo)
            modes = {"both": ["single", "dual"], "all": ["single", "single-redis", "dual"],
                     "issue": ["sqlite", "dual"]}.get(args.mode, [args.mode])
            for mode in modes:
                try:
                    await run_mode(mode, echo, tmp, args, pool)
                except Exception as exc:
                    if mode == modes[-1]:
                        raise
                    log(f"mode {mode} failed, going on: {exc}")
                    print(f"\n== mode {mode} FAILED: {exc}")
            if args.restart_rounds:
                import restart  # seconds from SIGKILL to the next ack, on the same backends

                backend = "sqlite" if modes == ["sqlite"] else "postgresql" if "sqlite" not in modes else "both"
                await restart.main(argparse.Namespace(rounds=args.restart_rounds, backend=backend))
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
    parser.add_argument("--shape", choices=("burst", "closed"), default="burst",
                        help="burst: each client sends its messages back to back, waiting for acks only "
                             "(--loads); closed: ask, wait for the reply, ask again, for --duration (default burst)")
    parser.add_argument("--loads", default="500x10,2000x5",
                        help="burst loads, CLIENTSxMESSAGES,... (default %(default)s)")
    parser.add_argument("--reply-timeout", type=float, default=300.0,
                        help="burst: how long after the last ack to wait for the bot's last replies")
    parser.add_argument("--drain-timeout", type=float, default=600.0,
                        help="burst: how long after a gateway round to wait for its outbox to empty, so that "
                             "no bot work runs into the next round (default %(default)s)")
    parser.add_argument("--restart-rounds", type=int, default=3,
                        help="burst: SIGKILL-and-restart rounds at the end (bench/restart.py); 0 = none")
    parser.add_argument("--encoder-texts", type=int, default=512, help="burst: texts for the bare-encoder baseline")
    parser.add_argument("--mode", choices=(*MODES, "both", "all", "issue"), default=None,
                        help="sqlite: one gateway on SQLite (the embedded default); single: one on PostgreSQL; "
                             "single-redis: one with GATEWAY_REDIS_URL set; dual: two on PostgreSQL behind "
                             "Redis; both = single, dual; all = single, single-redis, dual; issue = sqlite, dual "
                             "(default issue for burst, single for closed)")
    parser.add_argument("--log-dir", help="copy the servers' logs here at the end")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds before each question (uniform 0..2x); 0 = as fast as replies come")
    parser.add_argument("--timeout", type=float, default=60.0, help="bound on every connect, ack and reply wait")
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--redis-url", default=REDIS_URL)
    parser.add_argument("--keep-db", action="store_true", help="leave the run's PostgreSQL database behind")
    ns = parser.parse_args()
    ns.mode = ns.mode or ("issue" if ns.shape == "burst" else "single")
    if ns.shape == "closed":
        ns.restart_rounds = 0
    ns.loads = [tuple(int(x) for x in load.split("x")) for load in ns.loads.split(",")]
    ns.clients = ns.clients or (50 if ns.quick else 200)
    ns.duration = ns.duration or (8.0 if ns.quick else 20.0)
    ns.rounds = ns.rounds or (2 if ns.quick else 3)
    if not 1 <= ns.clients <= 2000 or ns.duration <= 0:
        parser.error("--clients must be 1..2000 and --duration positive")
    import uvloop

    try:
        # The clients on uvloop too: a generator that saturates first would measure itself.
        uvloop.run(main(ns))
    except (KeyboardInterrupt, asyncio.CancelledError):  # SIGINT, or SIGTERM/SIGHUP via task.cancel
        log("interrupted; servers stopped")
        sys.exit(130)
