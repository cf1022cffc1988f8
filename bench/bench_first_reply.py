"""First reply after a message becomes visible on the sandbox, through the real daemon.

`socialdesk run` runs as a child process on the wall clock with the four sandbox accounts
(as X, Instagram, Facebook and YouTube), the default tick and a chosen poll interval.
Messages (the demo script's texts) become visible at random moments; the sandbox network
records when each reply reached it. The figure is (reply sent - message visible) per
message that got a bot reply, against the aim "at most one poll interval plus 5 s".
The desk is configured open all day, so the daemon polls at its working-hours pace.
Nothing here asserts a time; the script prints figures.

Run from the repository root:
    .venv/bin/python bench/bench_first_reply.py [--quick] [--poll-interval 10] ...
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import (
    ACCOUNTS,
    DEFAULT_PG,
    fresh_database,
    load_line,
    machine_lines,
    mixed_messages,
    percentile,
    prepare_daemon_run,
    running_daemon,
    settled,
    wait_until_polling,
)
from sqlalchemy import Engine

from socialdesk.connectors.sandbox_network import SandboxNetwork

LEAD_IN = 2.0  # seconds after the daemon's first polls before a message can appear


def first_replies(network: SandboxNetwork) -> dict[str, datetime]:
    """The moment the first reply (public or private) to each message reached the network."""
    out: dict[str, datetime] = {}
    for sent in network.replies():
        if sent.action in ("reply", "private") and sent.target_id is not None:
            out.setdefault(sent.target_id, sent.sent_at)
    return out


def wait_for_replies(network: SandboxNetwork, engine: Engine, proc: subprocess.Popen[bytes],
                     visible: dict[str, datetime], aim: float) -> dict[str, datetime]:
    """First replies, once every message is stored and triaged and the outbox is empty
    (the rules give some messages to an agent, who is not part of this), or when the last
    message has had four aims to be answered."""
    deadline = max(visible.values()) + timedelta(seconds=4 * aim)
    try:
        while datetime.now(UTC) < deadline and proc.poll() is None:
            time.sleep(0.5)
            if datetime.now(UTC) > max(visible.values()) and settled(engine, len(visible)):
                break
    finally:
        engine.dispose()
    return {k: v for k, v in first_replies(network).items() if k in visible}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time from a message becoming visible to the daemon's first reply.")
    parser.add_argument("--quick", action="store_true", help="a short run (fewer messages)")
    parser.add_argument("--messages", type=int,
                        help="messages appearing at random moments (default 60; --quick 15)")
    parser.add_argument("--window", type=float,
                        help="seconds over which they appear (default 80; --quick 25)")
    parser.add_argument("--poll-interval", type=int, default=10,
                        help="each account's poll interval in seconds (default 10)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help=f"default {DEFAULT_PG}")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    count = args.messages or (15 if args.quick else 60)
    window = args.window or (25.0 if args.quick else 80.0)
    aim = args.poll_interval + 5.0
    for line in machine_lines(args.pg_url if args.database == "postgresql" else None):
        print(line)

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="socialdesk-bench-") as tmp, \
            fresh_database(args.database, Path(tmp), args.pg_url) as db:
        workdir = Path(tmp)
        network, settings_path, start = prepare_daemon_run(workdir, db, args.poll_interval)
        print(f"daemon: socialdesk run, default tick, poll interval {args.poll_interval} s, "
              f"{len(ACCOUNTS)} sandbox accounts on {db.kind}; {count} messages appearing "
              f"at random over {window:.0f} s", flush=True)
        log_path = workdir / "daemon.log"
        with running_daemon(settings_path, log_path) as proc:
            up = wait_until_polling(db.engine(), proc)
            began = (datetime.now(UTC) - start).total_seconds() + LEAD_IN
            offsets = sorted(began + rng.uniform(0, window) for _ in range(count))
            messages = mixed_messages(count, offsets, "fr")
            for message in messages:
                network.add_message(message)
            visible = {m.platform_id: start + m.offset for m in messages}
            print(f"daemon polling {up:.1f} s after its start", flush=True)
            replied = wait_for_replies(network, db.engine(), proc, visible, aim)
            crashed = proc.poll()
        log_tail = log_path.read_text(encoding="utf-8", errors="replace").strip()

    waits = sorted((replied[pid] - visible[pid]).total_seconds() for pid in replied)
    print(load_line())
    if crashed is not None:
        print(f"the daemon exited early with status {crashed}")
    if log_tail:
        print("daemon log (warnings and errors), last lines:")
        for line in log_tail.splitlines()[-8:]:
            print("   ", line[:160])
    print(f"\nreplied to {len(waits)} of {count} messages (the rules leave the rest to an "
          "agent, ignore them or hold the reply)")
    if waits:
        over = sum(w > aim for w in waits)
        print(f"visible -> reply sent: p50 {percentile(waits, 0.5):.1f} s, "
              f"p99 {percentile(waits, 0.99):.1f} s, max {waits[-1]:.1f} s, "
              f"min {waits[0]:.1f} s")
        print(f"aim: at most one poll interval + 5 s = {aim:.0f} s; "
              f"{over} of {len(waits)} over the aim")
    return 0


if __name__ == "__main__":
    sys.exit(main())
