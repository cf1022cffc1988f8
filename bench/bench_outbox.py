"""The outbox alone: replies sent per second, statements and commits per reply, with an
earlier version of socialdesk/desk/outbox.py timed in the same process, round by round.

A burst of messages is taken in and triaged once by the real desk (sandbox network); then
each round puts every reply back in the queue and lets one outbox version send them all,
the versions taking turns, so both see the same data and the same load on a shared machine.
Statements are the desk's own (SQLAlchemy's before_cursor_execute); commits are explicit
transaction ends. On PostgreSQL an autocommitted statement is one round trip, a transaction
adds BEGIN and COMMIT to its statements.

Run from the repository root, e.g. with the version before a change:
    git show REV:socialdesk/desk/outbox.py > /tmp/outbox_before.py
    .venv/bin/python bench/bench_outbox.py --before /tmp/outbox_before.py
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

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
    write_settings,
)
from sqlalchemy import event, text

from socialdesk.connectors.sandbox_network import SandboxNetwork, Scenario
from socialdesk.demo.simclock import SimClock
from socialdesk.desk import outbox, triage
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.desk.poll import poll_stream


def load_version(path: Path) -> ModuleType:
    """An outbox module from a file, beside the current one (it imports the same desk)."""
    spec = importlib.util.spec_from_file_location("outbox_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def prepare(db: Database, workdir: Path, messages: int) -> Desk:
    network_path = workdir / f"network-{db.kind}.db"
    SandboxNetwork(network_path).load(
        Scenario(ACCOUNTS, tuple(mixed_messages(messages, [0.0] * messages, "ob"))), MONDAY)
    settings = write_settings(workdir / f"settings-{db.kind}.toml", db.url, network_path)
    engine = db.engine()
    sync_accounts(engine, settings)
    desk = Desk.from_settings(settings, now=SimClock(MONDAY), engine=engine,
                              worker_id="bench:outbox")
    for _ in range(50):  # every page of every stream
        for account in ACCOUNTS:
            for stream in STREAMS[account.name]:
                poll_stream(desk, account.name, stream)
    while triage.run_once(desk, limit=200):
        pass
    return desk


def requeue(desk: Desk) -> int:
    """Every sent reply back in the queue, its message unanswered again."""
    with desk.engine.begin() as conn:
        count = conn.execute(text(
            "UPDATE replies SET state = 'queued', claimed_by = NULL, claimed_at = NULL, "
            "platform_id = NULL, sent_at = NULL, attempts = 0, reason = NULL "
            "WHERE state = 'sent'")).rowcount
        conn.execute(text("UPDATE messages SET first_response_at = NULL"))
    return int(count)


def send_all(desk: Desk, version: Any) -> tuple[float, int, int, int]:
    """Seconds to send every queued reply with `version`, replies sent, statements, commits."""
    counts = [0, 0]

    def statement(*_args: Any) -> None:
        counts[0] += 1

    def commit(*_args: Any) -> None:
        counts[1] += 1

    event.listen(desk.engine, "before_cursor_execute", statement)
    event.listen(desk.engine, "commit", commit)
    sent = 0
    started = time.perf_counter()
    try:
        while True:
            outcomes = version.run_once(desk, limit=100)
            if not outcomes:
                break
            sent += sum(1 for o in outcomes if o.state == "sent")
    finally:
        seconds = time.perf_counter() - started
        event.remove(desk.engine, "before_cursor_execute", statement)
        event.remove(desk.engine, "commit", commit)
    return seconds, sent, counts[0], counts[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The outbox alone, two versions in turn.")
    parser.add_argument("--before", type=Path, help="an earlier outbox.py to compare with")
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args(argv)
    versions: dict[str, Any] = {"now": outbox}
    if args.before:
        versions = {"before": load_version(args.before), "now": outbox}
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for line in machine_lines(args.pg_url if "postgresql" in databases else None):
        print(line)
    head = (f"{'database':<11}{'version':<8}{'replies':>8}{'replies/s':>11}{'min':>7}"
            f"{'max':>7}{'stmts/reply':>13}{'commits/reply':>15}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="socialdesk-outbox-") as tmp:
        for database in databases:
            with fresh_database(database, Path(tmp), args.pg_url) as db:
                desk = prepare(db, Path(tmp), args.messages)
                results: dict[str, list[tuple[float, int, int, int]]] = {}
                for _ in range(args.rounds):
                    for label, version in versions.items():
                        requeue(desk)
                        results.setdefault(label, []).append(send_all(desk, version))
                for label, runs in results.items():
                    rates = [sent / seconds for seconds, sent, _, _ in runs if seconds]
                    _, sent, statements, commits = runs[-1]
                    rows.append(
                        f"{database:<11}{label:<8}{sent:>8}{statistics.median(rates):>11,.0f}"
                        f"{min(rates):>7,.0f}{max(rates):>7,.0f}"
                        f"{statements / max(sent, 1):>13.2f}{commits / max(sent, 1):>15.2f}")
                desk.close()
    print(f"\n{args.rounds} rounds, versions in turn; replies/s median (min, max)")
    print(head)
    print("-" * len(head))
    print("\n".join(rows))
    print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
