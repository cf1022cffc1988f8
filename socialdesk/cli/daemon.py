"""`socialdesk run`: the daemon a systemd unit starts."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Any

from socialdesk.cli.common import UsageError

if TYPE_CHECKING:
    from socialdesk.runtime.daemon import Intervals

# runtime.daemon.ROLES, named here so that building the parser does not import the daemon
# (a test keeps the two the same).
ROLE_NAMES = ("outbox", "poll", "sla", "triage")


def register(sub: Any) -> None:
    run = sub.add_parser(
        "run", help="run the desk: pollers, triage, outbox, SLA watcher",
        description="Runs until SIGTERM/SIGINT. Several processes may share one PostgreSQL "
                    "database: any number run triage and outbox; one at a time polls.",
    )
    run.add_argument("--roles", default=",".join(ROLE_NAMES),
                     help=f"comma-separated subset of {','.join(ROLE_NAMES)} (default: all)")
    run.add_argument("--worker-id", help="name of this process in claims and leases "
                                         "(default: host:pid)")
    run.add_argument("--tick", type=float, metavar="SECONDS",
                     help="run triage, outbox and poll checks this often (default: 2 s for "
                          "triage and outbox, a third of each poll interval for polls)")
    run.add_argument("--metrics-port", type=int, metavar="PORT",
                     help="serve Prometheus metrics on 127.0.0.1:PORT (default: off)")
    run.add_argument("--log-level", default="INFO",
                     choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                     help="least severe log lines shown (default INFO)")
    run.set_defaults(func=cmd_run)


def parse_roles(text: str) -> set[str]:
    roles = {r.strip() for r in text.split(",") if r.strip()}
    unknown = roles - set(ROLE_NAMES)
    if unknown or not roles:
        raise UsageError(f"--roles takes a comma-separated subset of {', '.join(ROLE_NAMES)}")
    return roles


def intervals(tick: float | None) -> Intervals:
    from socialdesk.runtime.daemon import Intervals

    if tick is None:
        return Intervals()
    if not 0.05 <= tick <= 600:
        raise UsageError("--tick must be between 0.05 and 600 seconds")
    return Intervals(triage=tick, outbox=tick, poll_tick=tick, reconcile=max(tick * 10, 1.0),
                     leadership=max(tick * 4, 0.5), sla=max(tick * 10, 1.0))


def cmd_run(args: argparse.Namespace) -> int:
    from socialdesk.core.settings import load_settings
    from socialdesk.desk.accounts import sync_accounts
    from socialdesk.desk.context import Desk
    from socialdesk.runtime.daemon import Daemon
    from socialdesk.runtime.logs import setup_logging
    from socialdesk.runtime.metrics import Metrics
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import require_current

    setup_logging(args.log_level)
    roles = parse_roles(args.roles)
    settings = load_settings(args.config, required=True)
    engine = make_engine(settings.database_url)
    require_current(engine)
    sync_accounts(engine, settings)
    desk = Desk.from_settings(settings, engine=engine, worker_id=args.worker_id)
    if not any(a.enabled for a in settings.accounts) and "poll" in roles:
        logging.getLogger("socialdesk").warning(
            "no enabled accounts in %s: nothing will be polled", settings.source)
    on_event = None
    if args.metrics_port is not None:
        if not 1 <= args.metrics_port <= 65535:
            raise UsageError("--metrics-port must be a TCP port (1-65535)")
        metrics = Metrics(desk)
        metrics.serve(args.metrics_port)
        on_event = metrics.observe
    try:
        Daemon(desk, roles=roles, intervals=intervals(args.tick),
               on_event=on_event).run_forever()
    finally:
        desk.close()
    return 0
