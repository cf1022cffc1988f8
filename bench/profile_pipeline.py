"""Where a pipeline worker spends its time: one burst of messages stored first, then worked by
one triage + outbox loop in this process under cProfile, on SQLite and PostgreSQL.

The messages, accounts and settings are bench_pipeline's. Printed per database: the wall
time of the loop (profiled, so slower than bench_pipeline's), and the desk's own functions
by cumulative time with their share of the loop, plus the top functions by own time.

Run from the repository root:
    .venv/bin/python bench/profile_pipeline.py [--messages 1200] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from bench_pipeline import StampingDesk, _work_left
from common import (
    ACCOUNTS,
    DEFAULT_PG,
    MONDAY,
    STREAMS,
    fresh_database,
    load_line,
    machine_lines,
    mixed_messages,
    write_settings,
)

from socialdesk.connectors.sandbox_network import SandboxNetwork, Scenario
from socialdesk.desk import outbox, triage
from socialdesk.desk.accounts import sync_accounts as sync_accounts_with
from socialdesk.desk.poll import poll_stream

# The desk's steps whose cumulative share is printed, in pipeline order.
STEPS = ("triage.py:.*(run_once)", "triage.py:.*(_decide)", "triage.py:.*(_write)",
         "replies.py:.*(render)", "guard.py:.*(check_outbound)", "outbox.py:.*(run_once)",
         "outbox.py:.*(claim)", "outbox.py:.*(_send)", "outbox.py:.*(_finish)",
         "outbox.py:.*(_settle)")


def profile(database: str, messages: int, batch: int, workdir: Path, pg_url: str,
            save: str | None = None) -> None:
    with fresh_database(database, workdir, pg_url) as db:
        network_path = workdir / f"network-{database}.db"
        network = SandboxNetwork(network_path)
        network.load(Scenario(ACCOUNTS, tuple(mixed_messages(messages, [0.0] * messages,
                                                             database))), MONDAY)
        settings = write_settings(workdir / f"settings-{database}.toml", db.url, network_path)
        engine = db.engine()
        sync_accounts_with(engine, settings)
        intake = StampingDesk.build(settings, engine, "profile:intake")
        streams = [(a.name, s) for a in ACCOUNTS for s in STREAMS[a.name]]
        stored = 0
        while stored < messages:  # every message in the database before the clock starts
            got = sum(poll_stream(intake, account, stream).stored for account, stream in streams)
            if not got:
                raise SystemExit(f"{database}: intake stopped at {stored} of {messages}")
            stored += got
        desk = StampingDesk.build(settings, engine, "profile:w0")
        desk.triage.run("warm up", channel="twitter", kind="mention")
        _ = desk.replies  # read on first use: as the daemon does, before the clock starts
        for account in ACCOUNTS:
            desk.connector(account.name)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        while len(triage.run_once(desk, limit=batch)) + len(outbox.run_once(desk, limit=batch)):
            pass
        profiler.disable()
        seconds = time.perf_counter() - started
        left = _work_left(desk)
        replied = len({pid for pid, _ in desk.sends})
        engine.dispose()
    if save:
        profiler.dump_stats(f"{save}.{database}.prof")
    stats = pstats.Stats(profiler)
    total = max(seconds, 1e-9)
    print(f"\n{database}: {messages:,} messages stored, worked in {seconds:.2f} s under the "
          f"profiler ({replied:,} replies, {left} left), {messages / total:,.0f} msg/s")
    print(f"  {'step':<40}{'calls':>8}{'cum s':>8}{'share':>7}")
    raw = stats.stats  # type: ignore[attr-defined]
    for pattern in STEPS:
        file_part, name = pattern.split(":.*(")
        name = name.rstrip(")")
        for (filename, _line, func), (_cc, calls, _tt, cum, _callers) in raw.items():
            if filename.endswith(file_part) and func == name:
                print(f"  {file_part + ' ' + func:<40}{calls:>8}{cum:>8.2f}{cum / total:>7.0%}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    print("  top own time:")
    for line in out.getvalue().splitlines():
        if line.strip() and line.lstrip()[0].isdigit():
            print("   " + line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cProfile of one pipeline worker.")
    parser.add_argument("--messages", type=int, default=1200, help="burst size (default 1200)")
    parser.add_argument("--batch", type=int, default=100, help="batch per loop (default 100)")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help=f"default {DEFAULT_PG}")
    parser.add_argument("--save", metavar="PREFIX",
                        help="also write each database's raw profile to PREFIX.DATABASE.prof "
                             "(for pstats or snakeviz)")
    args = parser.parse_args(argv)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for line in machine_lines(args.pg_url if "postgresql" in databases else None):
        print(line)
    with tempfile.TemporaryDirectory(prefix="socialdesk-profile-") as tmp:
        for database in databases:
            profile(database, args.messages, args.batch, Path(tmp), args.pg_url, args.save)
    print(load_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
