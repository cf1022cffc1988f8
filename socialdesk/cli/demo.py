"""`socialdesk demo`: the whole desk on a simulated network, no credentials needed."""

from __future__ import annotations

import argparse
import logging
import secrets
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialdesk.cli.common import UsageError

if TYPE_CHECKING:
    from socialdesk.desk.context import Desk

WEB_USER = "demo"


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
    demo.add_argument("--web", action="store_true",
                      help="open the day in the console at --port (a supervisor `demo` with a "
                           "password printed at the start), and keep serving it afterwards")
    demo.add_argument("--port", type=int, default=8080, help="the console's port with --web")
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    if not 10 <= args.speed <= 20_000:
        raise UsageError("--speed must be between 10 and 20000")
    logging.basicConfig(level=logging.ERROR)
    from socialdesk.demo.day import run_demo
    from socialdesk.web.webhooks import serve_webhooks  # Meta's push beside the polls

    if not args.web:
        run_demo(root=args.dir, speed=args.speed, seed=args.seed, receiver=serve_webhooks)
        return 0
    served = threading.Event()
    run_demo(root=args.dir, speed=args.speed, seed=args.seed, receiver=serve_webhooks,
             on_start=lambda desk: _serve(desk, args.port, served))
    print(f"\nThe console keeps serving the day on http://127.0.0.1:{args.port}/ "
          "(Ctrl-C to stop).", flush=True)
    try:
        served.wait()
    except KeyboardInterrupt:
        return 130
    return 0


def _serve(desk: Desk, port: int, stopped: threading.Event) -> None:
    """The console on the demo's desk, in a thread, with a fresh supervisor account."""
    import uvicorn

    from socialdesk.app.users import add_user
    from socialdesk.web.app import create_app

    password = secrets.token_urlsafe(12)
    add_user(desk, WEB_USER, password, role="supervisor", display_name="Demo", actor="demo")
    server = uvicorn.Server(uvicorn.Config(create_app(desk, refresh_seconds=3),
                                           host="127.0.0.1", port=port, log_level="warning"))

    def run() -> None:
        try:
            server.run()
        finally:
            stopped.set()

    threading.Thread(target=run, name="console", daemon=True).start()
    print(f"Console: http://127.0.0.1:{port}/  user {WEB_USER}, password {password}\n",
          flush=True)
