"""The agents' queue at scale: 1,000,000 messages in PostgreSQL, 100,000 in SQLite.

A year of a busy desk: most messages closed or ignored, about 30 % still in the states an
agent works on (new, open, waiting), a few of those answered and waiting on a ticket, about
2 % unanswered and inside the warning window or late. For each queue filter the script
prints the database's own time for the statements the queue issues (EXPLAIN ANALYZE on
PostgreSQL, the statements timed on SQLite) and the whole `socialdesk queue` command.

Before and after in one run: the filters are first timed with the statements the queue used
to issue (at-risk as a list of ids sent back in an IN list) and without the partial indexes,
then with the indexes and the current statements.

Loading uses COPY (PostgreSQL) and one executemany (SQLite); the PostgreSQL schema is
dropped at the end. Run from the repository root:
    .venv/bin/python bench/bench_queue.py [--pg-messages 1000000] [--sqlite-messages 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from common import DEFAULT_PG, PYTHON, REPO, Database, fresh_database, load_line, machine_lines
from sqlalchemy import Engine, event, select, text
from sqlalchemy.engine import make_url

from socialdesk.app import views
from socialdesk.core.settings import load_settings
from socialdesk.desk.context import Desk
from socialdesk.desk.sla import at_risk
from socialdesk.store.models import Account, Message

WORKED_ON = ("new", "open", "waiting")
PARTIAL = ("ix_messages_unanswered_due", "ix_messages_answered_due")
FILTERS: dict[str, tuple[views.QueueFilter, tuple[str, ...]]] = {
    "queue": (views.QueueFilter(), ()),
    "--at-risk": (views.QueueFilter(at_risk=True), ("--at-risk",)),
    "--state open": (views.QueueFilter(states=("open",)), ("--state", "open")),
    "--platform instagram": (views.QueueFilter(platforms=("instagram",)),
                             ("--platform", "instagram")),
}
PLATFORMS = (("x", "mentions", "mention"), ("instagram", "comments", "comment"),
             ("facebook", "comments", "comment"), ("youtube", "comments", "comment"))
COLUMNS = ("account_id", "platform", "stream", "platform_id", "kind", "author_id",
           "author_handle", "text", "platform_created_at", "received_at", "raw", "state",
           "rules", "pii", "hidden", "triaged_at", "action", "response_due_at",
           "first_response_at")


def rows(count: int, account_id: int, now: datetime, *, sqlite: bool) -> Iterator[tuple[Any, ...]]:
    """`count` messages over the past year; see the module's note for the mix."""
    rng = random.Random(14)
    for index in range(count):
        platform, stream, kind = PLATFORMS[index % len(PLATFORMS)]
        received = now - timedelta(seconds=rng.randrange(365 * 86400))
        roll = rng.random()
        answered: datetime | None = received + timedelta(minutes=rng.randrange(5, 60))
        if roll < 0.70:
            state = "closed" if roll < 0.55 else "ignored"
            due = received + timedelta(hours=1)
        else:
            state = WORKED_ON[index % 3]
            # Open work is recent: due from a day ago to two weeks ahead, so a few per cent
            # are late or close to it.
            due = now + timedelta(minutes=rng.randrange(-1440, 20160))
            answered = answered if state == "waiting" and rng.random() < 0.3 else None
        stamp: Callable[[datetime | None], Any] = (
            (lambda t: t.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ") if t else None)
            if sqlite else (lambda t: t))
        yield (account_id, platform, stream, f"q-{index}", kind, f"u{index % 5000}",
               f"@warga{index % 5000}", "min, kapan SP2D gaji saya cair? sudah dua minggu",
               stamp(received), stamp(received), json.dumps({"id": index}), state, "[]", "[]",
               False, stamp(received), "agent", stamp(due), stamp(answered))


def load_postgres(db: Database, count: int, now: datetime) -> None:
    url = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, options=f"-csearch_path={db.schema}") as conn:
        account_id = _account(conn, now, "%s")
        with conn.cursor().copy(f"COPY messages ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(count, account_id, now, sqlite=False):
                copy.write_row(row)
        conn.execute("ANALYZE messages")


def load_sqlite(path: Path, count: int, now: datetime) -> None:
    conn = sqlite3.connect(path)
    try:
        account_id = _account(conn, now.replace(tzinfo=None), "?")
        conn.executemany(f"INSERT INTO messages ({', '.join(COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(COLUMNS))})",
                         rows(count, account_id, now, sqlite=True))
        conn.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()


def _account(conn: Any, now: Any, p: str) -> int:
    cur = conn.cursor()
    cur.execute(f"INSERT INTO accounts (name, platform, handle, enabled, created_at) "
                f"VALUES ({p}, {p}, {p}, {p}, {p}) RETURNING id",
                ("x-main", "x", "haiDJPb", True, now))
    return int(cur.fetchone()[0])


def old_queue(desk: Desk, wanted: views.QueueFilter) -> None:
    """The queue's statements before this change: one ORDER BY over every row of the states,
    and the at-risk ids fetched first and sent back in an IN list."""
    with desk.sessions() as session:
        query = (select(Message, Account.name).join(Account, Account.id == Message.account_id)
                 .where(Message.state.in_(wanted.states)))
        if wanted.platforms:
            query = query.where(Message.platform.in_(wanted.platforms))
        if wanted.at_risk:
            query = query.where(Message.id.in_(at_risk(session, desk)))
        query = query.order_by(Message.response_due_at.asc().nulls_last(), Message.id)
        session.execute(query.limit(wanted.limit)).all()


def server_ms(desk: Desk, run: Callable[[], object]) -> tuple[float, int]:
    """Database time of the statements `run` issues, and how many: EXPLAIN ANALYZE's
    execution time on PostgreSQL; on SQLite (in-process) the statements' own wall time."""
    seen: list[tuple[str, Any]] = []

    def note(_c: Any, _cur: Any, statement: str, parameters: Any, *_r: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(desk.engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        event.remove(desk.engine, "before_cursor_execute", note)
    total = 0.0
    with desk.engine.connect() as conn:
        for statement, parameters in seen:
            if desk.engine.dialect.name == "postgresql":
                plan: Any = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
                                            parameters).scalar()
                total += float(plan[0]["Execution Time"]) + float(plan[0]["Planning Time"])
            else:
                started = time.perf_counter()
                conn.exec_driver_sql(statement, parameters).all()
                total += (time.perf_counter() - started) * 1000
    return total, len(seen)


def command_s(settings_path: Path, extra: tuple[str, ...], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([str(PYTHON), "-m", "socialdesk", "--config", str(settings_path),
                        "queue", *extra], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(db: Database, workdir: Path, messages: int, runs: int) -> list[str]:
    now = datetime.now(UTC)
    started = time.perf_counter()
    if db.kind == "postgresql":
        load_postgres(db, messages, now)
    else:
        load_sqlite(Path(make_url(db.url).database or ""), messages, now)
    lines = [f"{db.kind}: {messages:,} messages loaded in {time.perf_counter() - started:.0f} s"]
    settings_path = workdir / f"queue-{db.kind}.toml"
    settings_path.write_text(f'[database]\nurl = "{db.daemon_url}"\n', encoding="utf-8")
    engine = db.engine()
    desk = Desk.from_settings(load_settings(settings_path, environ={}), engine=engine)
    head = (f"  {'filter':<22}{'rows':>6}{'before ms':>11}{'stmts':>6}{'after ms':>10}"
            f"{'stmts':>6}{'command s':>11}")
    lines += [head, "  " + "-" * (len(head) - 2)]
    with_indexes = _index_sql(engine)
    for name, (wanted, extra) in FILTERS.items():
        _drop(engine)
        before, before_n = server_ms(desk, partial(old_queue, desk, wanted))
        _create(engine, with_indexes)
        found = len(views.queue(desk, wanted))
        after, after_n = server_ms(desk, partial(views.queue, desk, wanted))
        whole = command_s(settings_path, extra, runs)
        lines.append(f"  {name:<22}{found:>6}{before:>11.1f}{before_n:>6}{after:>10.1f}"
                     f"{after_n:>6}{whole:>11.2f}")
    engine.dispose()
    return lines


def _index_sql(engine: Engine) -> list[str]:
    """The partial indexes as the migration made them, to drop and make again."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return [str(r[0]) for r in conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname = ANY(:names)"
            ), {"names": list(PARTIAL)})]
        return [str(r[0]) for r in conn.execute(text(
            "SELECT sql FROM sqlite_master WHERE name IN ('" + "', '".join(PARTIAL) + "')"))]


def _drop(engine: Engine) -> None:
    with engine.begin() as conn:
        for name in PARTIAL:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))


def _create(engine: Engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(text("ANALYZE messages"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The queue's statements at scale.")
    parser.add_argument("--pg-messages", type=int, default=1_000_000)
    parser.add_argument("--sqlite-messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="whole-command runs per filter")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args(argv)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for line in machine_lines(args.pg_url if "postgresql" in databases else None):
        print(line)
    print("before: the old statements without the partial indexes; after: this version. "
          "ms = database time (PostgreSQL: EXPLAIN ANALYZE planning + execution), "
          "command s = median whole `socialdesk queue` process\n")
    with tempfile.TemporaryDirectory(prefix="socialdesk-queue-") as tmp:
        for database in databases:
            count = args.pg_messages if database == "postgresql" else args.sqlite_messages
            with fresh_database(database, Path(tmp), args.pg_url) as db:
                for line in measure(db, Path(tmp), count, args.runs):
                    print(line, flush=True)
    print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
