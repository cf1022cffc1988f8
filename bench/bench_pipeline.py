"""Intake to reply handed to the connector: latency per message and messages per second,
on SQLite and PostgreSQL, with one or more worker processes running triage + outbox.

The sandbox network holds the messages (the demo script's texts, cycled, unique ids). This
process polls every stream with the real poller and notes when each page's intake commits;
each worker process loops triage.run_once + outbox.run_once against the same database and
notes when the connector's reply or private-reply call starts. Latency is the difference
(both read CLOCK_MONOTONIC, which all processes on the host share).

A burst run makes every message visible at once: its msg/s is the pipeline's capacity and
its latencies are mostly queueing. A paced run lets messages appear at a steady rate below
that capacity: its latencies are the ones a user sees on a normal day.
Aims: p99 <= 200 ms, >= 500 msg/s on SQLite, >= 1,000 msg/s on PostgreSQL. Nothing here
asserts a time; the script prints figures.

Statements and commits per message are the workers' own (turns that found no work are not
counted): statements are round trips apart from BEGIN/COMMIT; commits are explicit ones plus
autocommitted writes (on PostgreSQL the outbox's claim, and each send's record); "waited" is
the share of those commits that waited for the disk (a send's record on PostgreSQL does not).

Each run is preceded by bench_limit's measure of the same row work through the raw driver in
batches (on a fresh database of the same kind), so every msg/s is printed with its share of
what the database itself can do at that moment on a shared machine. Aim: a quarter.

Run from the repository root:
    .venv/bin/python bench/bench_pipeline.py [--quick] [--databases sqlite,postgresql] ...
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from typing import Any

from bench_limit import measure as measure_limit
from common import (
    ACCOUNTS,
    DEFAULT_PG,
    MONDAY,
    STREAMS,
    Database,
    fresh_database,
    load_line,
    machine_lines,
    mixed_messages,
    percentile,
    write_settings,
)
from sqlalchemy import Engine, event, func, select

from socialdesk.connectors.sandbox import SandboxConnector
from socialdesk.connectors.sandbox_network import SandboxNetwork, Scenario
from socialdesk.connectors.types import Connector, Page, SendResult, Target
from socialdesk.core.settings import AccountConfig, Settings, load_settings
from socialdesk.demo.simclock import SimClock
from socialdesk.desk import outbox, triage
from socialdesk.desk.accounts import sync_accounts as sync_accounts_with
from socialdesk.desk.context import Desk
from socialdesk.desk.poll import poll_stream
from socialdesk.store.models import Message, Reply

STALL_SECONDS = 60.0


class StampingSandbox(SandboxConnector):
    """The sandbox connector, noting the moment a reply is handed to it and the ids each
    fetched page carries."""

    def __init__(self, account: AccountConfig, *, sends: list[tuple[str, int]],
                 fetched: list[str], now: Any) -> None:
        super().__init__(account, now=now)
        self.sends = sends
        self.fetched = fetched

    def fetch(self, stream: str, cursor: str | None) -> Page:
        page = super().fetch(stream, cursor)
        self.fetched.extend(m.platform_id for m in page.messages)
        return page

    def reply(self, target: Target, text: str, idempotency_key: str, *,
              by_agent: bool = False) -> SendResult:
        self.sends.append((target.platform_id, time.monotonic_ns()))
        return super().reply(target, text, idempotency_key, by_agent=by_agent)

    def send_private(self, target: Target, text: str, idempotency_key: str, *,
                     by_agent: bool = False) -> SendResult:
        self.sends.append((target.platform_id, time.monotonic_ns()))
        return super().send_private(target, text, idempotency_key, by_agent=by_agent)


@dataclass
class StampingDesk(Desk):
    sends: list[tuple[str, int]] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    stamping: dict[str, Connector] = field(default_factory=dict)

    @classmethod
    def build(cls, settings: Settings, engine: Engine, worker_id: str) -> StampingDesk:
        desk = cls.from_settings(settings, now=SimClock(MONDAY), engine=engine,
                                 worker_id=worker_id)
        assert isinstance(desk, StampingDesk)
        return desk

    def connector(self, name: str) -> Connector:
        if name not in self.stamping:
            self.stamping[name] = StampingSandbox(self.account_config(name), sends=self.sends,
                                                  fetched=self.fetched, now=self.now)
        return self.stamping[name]


@dataclass(frozen=True, slots=True)
class RunSpec:
    database: str
    workers: int
    messages: int
    rate: float  # messages appearing per second; 0: all at once
    batch: int

    @property
    def offered(self) -> str:
        return "burst" if self.rate <= 0 else f"{self.rate:,.0f}/s"


@dataclass(frozen=True, slots=True)
class RunResult:
    spec: RunSpec
    seconds: float
    intake_seconds: float
    latencies_ms: list[float]
    replied: int
    per_claim: float  # messages triaged per claim statement (the batch that was won)
    statements: int = 0  # the workers' statements (each one round trip), BEGIN/COMMIT aside
    commits: int = 0  # the workers' commits: explicit ones and autocommitted writes
    no_wait: int = 0  # of which committed without waiting for the disk (synchronous_commit)
    note: str = ""
    limit: float = 0.0  # msg/s of the same rows through the raw driver, measured just before

    @property
    def per_second(self) -> float:
        return self.spec.messages / self.seconds if self.seconds else 0.0


def worker(index: int, db: Database, settings_path: str, batch: int, ready: Barrier,
           stop: Event, out: Any) -> None:
    settings = load_settings(settings_path, environ={})
    engine = db.engine()
    desk = StampingDesk.build(settings, engine, f"bench:w{index}")
    desk.triage.run("warm up", channel="twitter", kind="mention")
    _ = desk.replies  # read on first use: as the daemon does, before the clock starts
    for account in ACCOUNTS:
        desk.connector(account.name)
    # A triage claim is one conditional UPDATE of triaged_at over a whole batch; messages
    # per claim shows how much of each batch a worker won.
    # Statements and commits: an autocommitted write counts as a commit of its own.
    claims, statements, commits, no_wait = [0], [0], [0], [0]

    def count_claims(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements[0] += 1
        if statement.startswith("UPDATE messages SET triaged_at"):
            claims[0] += 1
        if (conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
                and not statement.startswith("SELECT") and "UPDATE" in statement):
            commits[0] += 1
            if "set_config(" in statement:  # synchronous_commit off for this one
                no_wait[0] += 1

    def count_commit(_conn: Any) -> None:
        commits[0] += 1

    event.listen(engine, "before_cursor_execute", count_claims)
    event.listen(engine, "commit", count_commit)
    ready.wait()
    triaged = 0
    while not stop.is_set():
        before = statements[0], commits[0], no_wait[0]
        done = len(triage.run_once(desk, limit=batch))
        triaged += done
        done += len(outbox.run_once(desk, limit=batch))
        if not done:
            # An idle turn's look for work is not counted against the messages.
            statements[0], commits[0], no_wait[0] = before
            time.sleep(0.001)
    out.put((index, desk.sends, claims[0], triaged, statements[0], commits[0], no_wait[0]))
    engine.dispose()


def run(spec: RunSpec, workdir: Path, pg_url: str) -> RunResult:
    with fresh_database(spec.database, workdir, pg_url) as db:
        return _run(spec, db, workdir)


def _run(spec: RunSpec, db: Database, workdir: Path) -> RunResult:
    tag = f"{spec.database}-{spec.workers}-{spec.offered.replace('/', '')}"
    network_path = workdir / f"network-{tag}.db"
    network = SandboxNetwork(network_path)
    offsets = [i / spec.rate if spec.rate > 0 else 0.0 for i in range(spec.messages)]
    network.load(Scenario(ACCOUNTS, tuple(mixed_messages(spec.messages, offsets, tag))), MONDAY)
    settings_path = workdir / f"settings-{tag}.toml"
    settings = write_settings(settings_path, db.url, network_path)
    engine = db.engine()
    sync_accounts_with(engine, settings)

    ctx = mp.get_context("spawn")
    ready, stop, results = ctx.Barrier(spec.workers + 1), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=worker, args=(i, db, str(settings_path), spec.batch, ready,
                                              stop, results), daemon=True)
             for i in range(spec.workers)]
    for proc in procs:
        proc.start()
    try:
        ready.wait(timeout=120)
        intake, first, intake_done, drained = _feed_and_drain(spec, settings, engine, procs)
    finally:
        stop.set()
    sends: list[tuple[str, int]] = []
    claims = triaged = statements = commits = no_wait = 0
    for _ in procs:
        try:
            _index, stamps, attempts, won, stated, committed, unwaited = results.get(
                timeout=60)
        except queue.Empty:
            break
        sends.extend(stamps)
        claims += attempts
        triaged += won
        statements += stated
        commits += committed
        no_wait += unwaited
    for proc in procs:
        proc.join(timeout=30)
    engine.dispose()

    first_send: dict[str, int] = {}
    for platform_id, stamp in sends:
        first_send[platform_id] = min(stamp, first_send.get(platform_id, stamp))
    latencies = sorted((stamp - intake[pid]) / 1e6 for pid, stamp in first_send.items()
                       if pid in intake)
    note = "" if drained else "stalled: not every message was worked"
    return RunResult(spec, (drained or time.monotonic_ns()) / 1e9 - first / 1e9,
                     (intake_done - first) / 1e9, latencies, len(first_send),
                     triaged / claims if claims else 0.0, statements, commits, no_wait, note)


def _feed_and_drain(spec: RunSpec, settings: Settings, engine: Engine,
                    procs: list[Any]) -> tuple[dict[str, int], int, int, int]:
    """Poll until every message is stored, then wait until the workers have worked them
    all. Returns intake stamps, first and last intake commit, and the drain moment."""
    desk = StampingDesk.build(settings, engine, "bench:intake")
    intake: dict[str, int] = {}

    def stamp(_unit: Any) -> None:
        if desk.fetched:
            now = time.monotonic_ns()
            for platform_id in desk.fetched:
                intake.setdefault(platform_id, now)
            desk.fetched.clear()

    event.listen(desk.sessions, "after_commit", stamp)
    streams = [(a.name, s) for a in ACCOUNTS for s in STREAMS[a.name]]
    last_progress = time.monotonic()
    while len(intake) < spec.messages:
        before = len(intake)
        for account, stream in streams:
            poll_stream(desk, account, stream)
        if len(intake) == before:
            # Latency counts from the intake commit, so a calmer poller costs no accuracy
            # and leaves the CPU to the workers.
            time.sleep(0.01)
            if time.monotonic() - last_progress > STALL_SECONDS:
                break
        else:
            last_progress = time.monotonic()
    first = min(intake.values(), default=time.monotonic_ns())
    intake_done = max(intake.values(), default=first)
    drained = 0
    last_left, last_progress = -1, time.monotonic()
    while any(p.is_alive() for p in procs):
        left = _work_left(desk)
        if left == 0:
            drained = time.monotonic_ns()
            break
        if left != last_left:
            last_left, last_progress = left, time.monotonic()
        elif time.monotonic() - last_progress > STALL_SECONDS:
            break
        time.sleep(0.02)
    return intake, first, intake_done, drained


def _work_left(desk: Desk) -> int:
    with desk.sessions() as db:
        untriaged = db.scalar(
            select(func.count()).select_from(Message).where(Message.triaged_at.is_(None)))
        unsent = db.scalar(select(func.count()).select_from(Reply)
                           .where(Reply.state.in_(("queued", "sending"))))
    return int(untriaged or 0) + int(unsent or 0)


def print_table(results: list[RunResult]) -> None:
    head = (f"{'database':<11}{'workers':>8}{'offered':>10}{'messages':>10}{'replies':>9}"
            f"{'msg/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'intake/s':>10}"
            f"{'msgs/claim':>13}{'stmt/msg':>9}{'commit/msg':>11}{'waited':>7}{'limit/s':>9}{'ratio':>7}")
    print(head)
    print("-" * len(head))
    for r in results:
        lat = r.latencies_ms
        intake_rate = r.spec.messages / r.intake_seconds if r.intake_seconds else 0.0
        print(f"{r.spec.database:<11}{r.spec.workers:>8}{r.spec.offered:>10}"
              f"{r.spec.messages:>10,}{r.replied:>9,}{r.per_second:>9,.0f}"
              f"{percentile(lat, 0.5):>9.1f}{percentile(lat, 0.99):>9.1f}"
              f"{(lat[-1] if lat else float('nan')):>9.1f}{intake_rate:>10,.0f}"
              f"{r.per_claim:>13.1f}{r.statements / r.spec.messages:>9.2f}"
              f"{r.commits / r.spec.messages:>11.2f}"
              f"{(r.commits - r.no_wait) / r.spec.messages:>7.2f}{r.limit:>9,.0f}"
              f"{(r.per_second / r.limit if r.limit else float('nan')):>7.2f}"
              + (f"  {r.note}" if r.note else ""))


def print_ratios(results: list[RunResult]) -> None:
    by_key = {(r.spec.database, r.spec.offered, r.spec.workers): r for r in results}
    for (database, offered, workers), r in sorted(by_key.items()):
        base = by_key.get((database, offered, 1))
        if workers == 1 or base is None or not base.per_second:
            continue
        print(f"{database} {offered}: {workers} workers vs 1 = "
              f"x{r.per_second / base.per_second:.2f} msg/s")


def _announce_and_run(spec: RunSpec, workdir: Path, pg_url: str) -> RunResult:
    print(f"running {spec.database}, {spec.workers} worker(s), {spec.messages:,} messages, "
          f"{spec.offered} ...", file=sys.stderr, flush=True)
    limit = measure_limit(spec.database, workdir, pg_url, spec.messages, spec.batch)
    return replace(run(spec, workdir, pg_url), limit=limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Intake-to-reply latency and throughput on SQLite and PostgreSQL.")
    parser.add_argument("--quick", action="store_true", help="a short run (fewer messages)")
    parser.add_argument("--messages", type=int, help="messages per burst run (default 1200; "
                                                     "--quick 400)")
    parser.add_argument("--paced-messages", type=int,
                        help="messages per paced run (default 400; --quick 150)")
    parser.add_argument("--rate", type=float,
                        help="messages appearing per second in the paced runs; 0 skips them "
                             "(default: half the burst msg/s measured on that database)")
    parser.add_argument("--workers", default="1,2",
                        help="worker process counts to compare (default 1,2)")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--batch", type=int, default=100,
                        help="triage and outbox batch per loop (default 100)")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help=f"default {DEFAULT_PG}")
    args = parser.parse_args(argv)
    burst = args.messages or (400 if args.quick else 1200)
    paced = args.paced_messages or (150 if args.quick else 400)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if set(databases) - {"sqlite", "postgresql"}:
        parser.error("--databases takes sqlite and/or postgresql")
    workers = [int(w) for w in args.workers.split(",") if w.strip()]
    for line in machine_lines(args.pg_url if "postgresql" in databases else None):
        print(line)
    print(f"batch {args.batch}; each worker is one process looping triage + outbox; "
          "latency = intake commit -> connector reply call\n")
    results: list[RunResult] = []
    with tempfile.TemporaryDirectory(prefix="socialdesk-bench-") as tmp:
        for database in databases:
            for count in workers:
                results.append(_announce_and_run(
                    RunSpec(database, count, burst, 0.0, args.batch), Path(tmp), args.pg_url))
            rate = args.rate
            if rate is None:
                rate = max(1.0, round(max(r.per_second for r in results
                                          if r.spec.database == database) / 2))
            if rate > 0:
                results.append(_announce_and_run(
                    RunSpec(database, max(workers), paced, rate, args.batch), Path(tmp),
                    args.pg_url))
    print_table(results)
    print()
    print_ratios(results)
    print("aims: p99 <= 200 ms (paced); >= 500 msg/s on SQLite, >= 1,000 msg/s on PostgreSQL "
          "(burst)")
    print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
