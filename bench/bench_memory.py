"""Memory of the daemon with four accounts while it works a few hundred messages.

`socialdesk run` runs as a child process with the four sandbox accounts (as X, Instagram,
Facebook and YouTube). Messages (the demo script's texts) appear over a window; VmRSS and
VmHWM of the daemon are read from /proc/<pid>/status every second. Prints the resident
size at start (daemon up and polling), at its peak and at the end, and a timeline.
Aim: at most 150 MB. Nothing here asserts a size; the script prints figures.

Run from the repository root:
    .venv/bin/python bench/bench_memory.py [--quick] [--messages 400] ...
"""

from __future__ import annotations

import argparse
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
    prepare_daemon_run,
    rss_kib,
    running_daemon,
    settled,
    wait_until_polling,
)

AIM_MB = 150.0


def mb(kib: int) -> float:
    return kib / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Resident memory of `socialdesk run` with four accounts under work.")
    parser.add_argument("--quick", action="store_true", help="a short run (fewer messages)")
    parser.add_argument("--messages", type=int,
                        help="messages appearing during the run (default 400; --quick 100)")
    parser.add_argument("--window", type=float,
                        help="seconds over which they appear (default 60; --quick 15)")
    parser.add_argument("--poll-interval", type=int, default=10,
                        help="each account's poll interval in seconds (default 10)")
    parser.add_argument("--linger", type=float, default=10.0,
                        help="seconds to keep sampling after the work is done (default 10)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help=f"default {DEFAULT_PG}")
    args = parser.parse_args(argv)
    count = args.messages or (100 if args.quick else 400)
    window = args.window or (15.0 if args.quick else 60.0)
    for line in machine_lines(args.pg_url if args.database == "postgresql" else None):
        print(line)

    samples: list[tuple[float, int, int]] = []  # (seconds since start, VmRSS, VmHWM)
    with tempfile.TemporaryDirectory(prefix="socialdesk-bench-") as tmp, \
            fresh_database(args.database, Path(tmp), args.pg_url) as db:
        workdir = Path(tmp)
        network, settings_path, start = prepare_daemon_run(workdir, db, args.poll_interval)
        print(f"daemon: socialdesk run, default tick, poll interval {args.poll_interval} s, "
              f"{len(ACCOUNTS)} sandbox accounts on {db.kind}; {count} messages over "
              f"{window:.0f} s", flush=True)
        with running_daemon(settings_path, workdir / "daemon.log") as proc:
            began = time.monotonic()
            wait_until_polling(db.engine(), proc)
            first = rss_kib(proc.pid)
            if first is not None:
                samples.append((time.monotonic() - began, *first))
            now_offset = (datetime.now(UTC) - start).total_seconds()
            step = window / max(1, count)
            for message in mixed_messages(count, [now_offset + i * step for i in range(count)],
                                          "mem"):
                network.add_message(message)
            engine = db.engine()
            deadline = time.monotonic() + window + 6 * args.poll_interval
            done_at: float | None = None
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(1.0)
                sample = rss_kib(proc.pid)
                if sample is not None:
                    samples.append((time.monotonic() - began, *sample))
                past_window = datetime.now(UTC) > start + timedelta(seconds=now_offset + window)
                if done_at is None and past_window and settled(engine, count):
                    done_at = time.monotonic()
                if done_at is not None and time.monotonic() - done_at >= args.linger:
                    break
            engine.dispose()
            crashed = proc.poll()
        sent = len(network.replies())

    print(load_line())
    if crashed is not None:
        print(f"the daemon exited early with status {crashed}")
    if not samples:
        print("no samples: the daemon did not start")
        return 1
    print(f"\nworked {count} messages ({sent} sends on the network)"
          + (f", all settled {done_at - began:.0f} s after start" if done_at else
             ", not all settled before the deadline"))
    print("timeline (s: VmRSS MB):  " + "  ".join(
        f"{t:.0f}: {mb(rss):.1f}" for t, rss, _ in samples[:: max(1, len(samples) // 12)]))
    peak = max(samples, key=lambda s: s[1])
    print(f"RSS start {mb(samples[0][1]):.1f} MB, peak {mb(peak[1]):.1f} MB "
          f"(at {peak[0]:.0f} s), end {mb(samples[-1][1]):.1f} MB; "
          f"VmHWM {mb(samples[-1][2]):.1f} MB")
    print(f"aim: at most {AIM_MB:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
