"""The crash harness of tests/test_crash_safety.py with many more kill points: the daemon
runs against the sandbox network and is killed with SIGKILL at random moments of poll,
triage and send, restarted, and at the end run to quiescence. Prints what it found.

Run: .venv/bin/python bench/bench_crash.py [--kills N] [--seed S] [--database-url URL]
Without --database-url it uses a SQLite file in a temporary folder; with a PostgreSQL URL
it works in a schema of its own, dropped afterwards. Exit status 1 if anything was lost,
stored twice or sent twice.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.crash_rig import CrashReport, crash_run, pg_schema, sqlite_url


def run(kills: int, seed: int, database_url: str | None, messages: int | None) -> CrashReport:
    with tempfile.TemporaryDirectory(prefix="bench-crash-") as folder:
        workdir = Path(folder)
        if database_url is None:
            return crash_run(workdir, sqlite_url(workdir / "desk.db"), kills=kills, seed=seed,
                             messages=messages, progress=print)
        with pg_schema(database_url) as url:
            return crash_run(workdir, url, kills=kills, seed=seed, messages=messages,
                             progress=print)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=300, help="kill points (default 300)")
    parser.add_argument("--seed", type=int, help="seed to replay (default: random)")
    parser.add_argument("--messages", type=int, help="messages in the scenario "
                                                     "(default: twice the kills)")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite)")
    args = parser.parse_args(argv)
    if args.kills < 1:
        parser.error("--kills must be at least 1")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    print(f"seed {seed}, {args.kills} kill points, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}")
    report = run(args.kills, seed, args.database_url, args.messages)
    print(f"kills:                      {report.kills}")
    print(f"messages stored:            {report.messages}")
    print(f"replies sent:               {report.replies}")
    print(f"duplicates found:           {report.duplicates}")
    print(f"reconciliations:            {report.in_flight_at_kill + report.lost_responses}")
    print(f"  kills mid-send:            {report.mid_send_kills} of {report.kills}")
    print(f"  sends in flight at a kill: {report.in_flight_at_kill}")
    print(f"    of which had reached the network (found, not resent): "
          f"{report.delivered_before_record}")
    print(f"  lost responses:            {report.lost_responses}")
    print(f"poisoned messages (stored):  {report.poisoned}")
    print(f"time taken:                 {report.seconds:.1f} s")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    if report.problems or report.duplicates:
        print(f"replay with --seed {seed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
