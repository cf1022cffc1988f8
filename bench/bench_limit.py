"""The database's own limit for the pipeline's row work: the same rows written through the
raw driver (sqlite3, psycopg) in batches, with none of the desk's logic around them.

Per message the pipeline stores the message (intake), writes its classification and queues
its reply (triage), claims the reply (outbox), then records the send and the message's first
response (settle). Here each step is one executemany over a batch, one commit per step, into
a freshly migrated database with the real schema and indexes. What the pipeline reaches as a
share of this figure is what its own work costs.

bench_pipeline.py runs this in the same process run, so every pipeline figure is printed next
to its limit. Alone:
    .venv/bin/python bench/bench_limit.py [--messages 1200] [--batch 100]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from common import DEFAULT_PG, Database, fresh_database, machine_lines, mixed_messages
from sqlalchemy.engine import make_url

Batch = Sequence[tuple[str, str, str, str]]  # platform_id, kind, stream, text


def _steps(placeholder: str, now: Any, account_id: int) -> list[tuple[str, Callable[
        [Batch, list[int]], list[tuple[Any, ...]]]]]:
    """The four statements and their rows; `ids` are the batch's message ids (intake fills
    them). JSON and booleans as each driver takes them."""
    p = placeholder
    return [
        (f"INSERT INTO messages (account_id, platform, stream, platform_id, kind, author_id, "
         f"author_handle, text, platform_created_at, received_at, raw, state, rules, pii, "
         f"hidden, response_due_at) VALUES ({', '.join([p] * 16)})",
         lambda batch, _ids: [
             (account_id, "x", stream, pid, kind, "a-" + pid, "warga", text, now, now,
              json.dumps({"id": pid, "text": text}), "new", "[]", "[]", False, now)
             for pid, kind, stream, text in batch]),
        (f"UPDATE messages SET triaged_at = {p}, service_id = {p}, intent = {p}, action = {p}, "
         f"confidence = {p}, rules = {p}, pii = {p}, state = {p} WHERE id = {p}",
         lambda _batch, ids: [(now, "S03", "thanks", "auto_reply", 0.9, '["thanks"]', "[]",
                               "closed", i) for i in ids]),
        (f"INSERT INTO replies (idempotency_key, message_id, account_id, kind, text, template, "
         f"author, state, attempts, created_at, next_attempt_at) "
         f"VALUES ({', '.join([p] * 11)})",
         lambda _batch, ids: [(f"r-{i}", i, account_id, "reply", "Terima kasih, Sobat DJPb.",
                               "thanks", "bot", "queued", 0, now, now) for i in ids]),
        (f"UPDATE replies SET state = 'sending', claimed_by = {p}, claimed_at = {p} "
         f"WHERE message_id = {p} AND state = 'queued'",
         lambda _batch, ids: [("limit", now, i) for i in ids]),
        (f"UPDATE replies SET state = 'sent', claimed_by = NULL, attempts = attempts + 1, "
         f"platform_id = {p}, sent_at = {p} WHERE message_id = {p} AND state = 'sending'",
         lambda _batch, ids: [(f"out-{i}", now, i) for i in ids]),
        (f"UPDATE messages SET first_response_at = {p} WHERE id = {p} "
         f"AND first_response_at IS NULL",
         lambda _batch, ids: [(now, i) for i in ids]),
    ]


# Statements committed together: intake; triage (classification and reply); claim; settle.
COMMITS = ((0,), (1, 2), (3,), (4, 5))


def _rows(messages: int) -> list[tuple[str, str, str, str]]:
    return [(m.platform_id, m.kind, m.stream, m.text)
            for m in mixed_messages(messages, [0.0] * messages, "limit")]


def _run(conn: Any, placeholder: str, now: Any, account_id: int, messages: int,
         batch_size: int, id_of: Callable[[Any, Batch], list[int]]) -> float:
    rows = _rows(messages)
    steps = _steps(placeholder, now, account_id)
    started = time.perf_counter()
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        ids: list[int] = []
        for group in COMMITS:
            for index in group:
                sql, params = steps[index]
                conn.cursor().executemany(sql, params(batch, ids))
                if index == 0:
                    ids = id_of(conn, batch)
            conn.commit()
    return messages / (time.perf_counter() - started)


def limit_sqlite(path: Path, messages: int, batch: int) -> float:
    conn = sqlite3.connect(path)
    try:
        # The desk's own connection settings (WAL, synchronous=NORMAL, ...), so that only the
        # desk's work differs.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        account_id = _account(conn, "?")
        conn.commit()
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        return _run(conn, "?", now, account_id, messages, batch, _ids_sqlite)
    finally:
        conn.close()


def _ids_sqlite(conn: Any, batch: Batch) -> list[int]:
    marks = ", ".join("?" * len(batch))
    return [int(r[0]) for r in conn.execute(
        f"SELECT id FROM messages WHERE platform_id IN ({marks}) ORDER BY id",
        [b[0] for b in batch])]


def limit_postgres(db: Database, messages: int, batch: int) -> float:
    url = make_url(db.url).set(drivername="postgresql")
    dsn = url.render_as_string(hide_password=False)
    with psycopg.connect(dsn, options=f"-csearch_path={db.schema}") as conn:
        account_id = _account(conn, "%s")
        conn.commit()
        return _run(conn, "%s", datetime.now(UTC), account_id, messages, batch, _ids_pg)


def _ids_pg(conn: Any, batch: Batch) -> list[int]:
    return [int(r[0]) for r in conn.execute(
        "SELECT id FROM messages WHERE platform_id = ANY(%s) ORDER BY id",
        ([b[0] for b in batch],))]


def _account(conn: Any, p: str) -> int:
    cur = conn.cursor()
    cur.execute(f"INSERT INTO accounts (name, platform, handle, enabled, created_at) "
                f"VALUES ({p}, {p}, {p}, {p}, {p}) RETURNING id",
                ("limit", "x", "haiDJPb", True, datetime.now(UTC).replace(tzinfo=None)
                 if p == "?" else datetime.now(UTC)))
    return int(cur.fetchone()[0])


def measure(database: str, workdir: Path, pg_url: str, messages: int, batch: int) -> float:
    """Messages per second of the pipeline's row work on a fresh database of that kind."""
    with fresh_database(database, workdir, pg_url) as db:
        if db.kind == "sqlite":
            return limit_sqlite(Path(make_url(db.url).database or ""), messages, batch)
        return limit_postgres(db, messages, batch)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The raw-driver limit for the pipeline's rows.")
    parser.add_argument("--messages", type=int, default=1200)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args(argv)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for line in machine_lines(args.pg_url if "postgresql" in databases else None):
        print(line)
    with tempfile.TemporaryDirectory(prefix="socialdesk-limit-") as tmp:
        for database in databases:
            rates = sorted(measure(database, Path(tmp), args.pg_url, args.messages, args.batch)
                           for _ in range(args.rounds))
            print(f"{database:<11} {args.messages:,} messages, batches of {args.batch}: "
                  f"median {rates[len(rates) // 2]:,.0f} msg/s "
                  f"(min {rates[0]:,.0f}, max {rates[-1]:,.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
