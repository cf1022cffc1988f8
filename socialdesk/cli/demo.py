"""`socialdesk demo`: the whole desk on a simulated network, no credentials needed."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from socialdesk.cli.common import UsageError


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo", help="watch the whole desk work a simulated day (SQLite, no credentials)",
        description="Runs the daemon against the sandbox network: a working Monday and its "
                    "evening on four simulated accounts, faster than real time. The day is "
                    "kept in var/demo/ for `socialdesk --config var/demo/socialdesk.toml queue`.",
    )
    demo.add_argument("--speed", type=float, default=1200.0,
                      help="simulated seconds per real second (default 1200: about 40 s)")
    demo.add_argument("--seed", type=int, default=0,
                      help="shift the messages a little (0: the same day every time)")
    demo.add_argument("--dir", type=Path, help="where to keep the day (default var/demo)")
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    if not 10 <= args.speed <= 20_000:
        raise UsageError("--speed must be between 10 and 20000")
    logging.basicConfig(level=logging.ERROR)
    from socialdesk.demo.day import run_demo

    run_demo(root=args.dir, speed=args.speed, seed=args.seed)
    return 0
