"""The agents' console at scale: 1,000,000 messages in PostgreSQL.

Prints (1) the queue page's server time: a signed-in GET of /queue (the whole page, 200 rows)
and of /queue/rows (what an open page fetches to refresh itself), served in-process so the
figure is the server's own work: session lookup, the queue's statements, rendering; and
(2) the refresh fan-out: 50 agents' pages asking for their rows at the same moment from a
real uvicorn server, timed per request and for the whole round: the load 50 agents put on
it each interval while their pages poll (the fallback); and (3) the server-sent events
fan-out: 50 agents' queue pages connected to /queue/events, one change made to the queue
(a claim), and the delay until each of the 50 streams has told its page, over several
changes; beside it the delay polling would give (half the interval on average) and the
watcher's own cost, the fingerprint query it runs once a second for all of them.

Loading reuses bench_queue's COPY loader (the same year of messages); the PostgreSQL schema
is dropped at the end. Run from the repository root:
    .venv/bin/python bench/bench_console.py [--pg-messages 1000000] [--agents 50]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from bench_queue import load_postgres
from common import DEFAULT_PG, fresh_database, machine_lines, percentile

from socialdesk.app import claims, views
from socialdesk.app.auth import start_session
from socialdesk.app.queue_signal import queue_fingerprint
from socialdesk.app.users import add_user
from socialdesk.core.settings import load_settings
from socialdesk.desk.context import Desk
from socialdesk.web.app import create_app
from socialdesk.web.deps import COOKIE


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"p50 {percentile(ordered, 0.5):7.1f} ms   p95 {percentile(ordered, 0.95):7.1f} ms   "
            f"max {ordered[-1]:7.1f} ms")


async def _page_times(app: object, cookie: str, path: str, runs: int) -> list[float]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                 cookies={COOKIE: cookie}) as client:
        await client.get(path)  # warm the statement cache and the templates
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            answer = await client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, answer.status_code
        return times


async def _fan_out(base: str, cookies: list[str], rounds: int) -> tuple[list[float], list[float]]:
    clients = [httpx.AsyncClient(base_url=base, cookies={COOKIE: c}, timeout=60)
               for c in cookies]
    each: list[float] = []
    whole: list[float] = []

    async def one(client: httpx.AsyncClient) -> None:
        started = time.perf_counter()
        answer = await client.get("/queue/rows")
        each.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.status_code

    try:
        await asyncio.gather(*(one(c) for c in clients))  # connections opened
        each.clear()
        for _ in range(rounds):
            started = time.perf_counter()
            await asyncio.gather(*(one(c) for c in clients))
            whole.append((time.perf_counter() - started) * 1000)
    finally:
        for client in clients:
            await client.aclose()
    return each, whole


async def _event_delays(base: str, cookies: list[str], changes: int,
                        change: object) -> list[float]:
    """Open one event stream per agent, then make `changes` changes to the queue one after
    another: for each, how long after it was committed each stream delivered its event."""
    clients = [httpx.AsyncClient(base_url=base, cookies={COOKIE: c}, timeout=60)
               for c in cookies]
    heard: list[asyncio.Queue[float]] = [asyncio.Queue() for _ in clients]

    async def listen(client: httpx.AsyncClient, inbox: asyncio.Queue[float]) -> None:
        async with client.stream("GET", "/queue/events") as stream:
            async for line in stream.aiter_lines():
                if line.startswith("event: queue"):
                    inbox.put_nowait(time.perf_counter())

    tasks = [asyncio.create_task(listen(c, q)) for c, q in zip(clients, heard, strict=True)]
    delays: list[float] = []
    try:
        await asyncio.sleep(2.0)  # every stream open, the watcher has read the queue
        for n in range(changes):
            await asyncio.to_thread(change, n)  # type: ignore[arg-type]
            made = time.perf_counter()
            for inbox in heard:
                got = await asyncio.wait_for(inbox.get(), timeout=30)
                delays.append((got - made) * 1000)
            await asyncio.sleep(0.3)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.aclose()
    return delays


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=DEFAULT_PG)
    parser.add_argument("--pg-messages", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--changes", type=int, default=10)
    args = parser.parse_args()
    print("\n".join(machine_lines(args.pg)))
    with tempfile.TemporaryDirectory() as tmp, \
            fresh_database("postgresql", Path(tmp), args.pg) as db:
        started = time.perf_counter()
        load_postgres(db, args.pg_messages, datetime.now(UTC))
        print(f"postgresql: {args.pg_messages:,} messages loaded in "
              f"{time.perf_counter() - started:.0f} s")
        settings_path = Path(tmp) / "console.toml"
        settings_path.write_text(f'[database]\nurl = "{db.daemon_url}"\n', encoding="utf-8")
        engine = db.engine(pool_size=20, max_overflow=40)
        desk = Desk.from_settings(load_settings(settings_path, environ={}), engine=engine)
        agents = [add_user(desk, f"agent{n:02d}", "kata-sandi-bench", role="agent",
                           actor="bench") for n in range(args.agents)]
        cookies = [start_session(desk, a)[0] for a in agents]
        app = create_app(desk)
        for path in ("/queue", "/queue/rows"):
            times = asyncio.run(_page_times(app, cookies[0], path, args.runs))
            print(f"  GET {path:<12} server time   {_ms(times)}   ({args.runs} runs)")
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        each, whole = asyncio.run(_fan_out(base, cookies, args.rounds))
        every = app.state.refresh_seconds
        print(f"  polling (fallback), {args.agents} agents every {every} s "
              f"({args.rounds} rounds):")
        print(f"    each request   {_ms(each)}")
        print(f"    whole round    {_ms(whole)}")
        print(f"    a change seen  after {every / 2:.1f} s on average, {every} s at worst, "
              "plus the request")
        fingerprint = []
        for _ in range(args.runs):
            started = time.perf_counter()
            queue_fingerprint(desk)
            fingerprint.append((time.perf_counter() - started) * 1000)
        top = [e.id for e in views.queue(desk, views.QueueFilter(limit=args.changes))]

        def change(n: int) -> None:
            claims.claim(desk, top[n % len(top)], agents[n % len(agents)])

        delays = asyncio.run(_event_delays(base, cookies, args.changes, change))
        hub = app.state.queue_hub
        print(f"  server-sent events, {args.agents} agents connected, {args.changes} changes "
              f"(watcher every {hub.every:g} s):")
        print(f"    delivery delay {_ms(delays)}   ({len(delays)} deliveries)")
        print(f"    watcher query  {_ms(fingerprint)}   (once a second per console process)")
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
