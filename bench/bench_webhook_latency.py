"""First reply by Meta webhook push vs by polling, side by side, measured end to end.

Nothing is modelled: the real daemon (its default triage and outbox intervals, its poll
scheduling) runs in real time on a fresh SQLite desk against the sandbox network, with the
webhook receiver served by uvicorn on a loopback port. Two Facebook Page accounts get the
same comments at the same moments, spread over the window: `fb-push` is subscribed to
webhooks (the network POSTs each comment, signed, as it appears; its poll is an hour away),
`fb-poll` is not and is polled every --poll-interval seconds. Latency of a message: from the
moment it appears on the network to the moment the network records the desk's first reply
to it (both on one clock). Meta's own delivery delay, usually seconds, is not in the push
figures: the sandbox delivers within a tenth of a second.

Run from the repository root (about window + poll interval + 20 s):
    .venv/bin/python bench/bench_webhook_latency.py [--messages 16] [--window 60]
                                                    [--poll-interval 30]
"""

from __future__ import annotations

import argparse
import random
import socket
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from common import MONDAY, machine_lines, percentile
from sqlalchemy import func, select

from socialdesk.connectors.sandbox_network import (
    SandboxNetwork,
    Scenario,
    ScenarioAccount,
    ScenarioMessage,
)
from socialdesk.connectors.sandbox_push import WebhookSender, subscriptions
from socialdesk.core.settings import parse_settings, secret_env_name
from socialdesk.demo.scenario import SCRIPT
from socialdesk.demo.simclock import SimClock
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.runtime.daemon import Daemon, Intervals
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from socialdesk.store.models import Message, Reply
from socialdesk.web.webhooks import PATH, serve_webhooks

SECRET = "bench-app-secret"
LEAD = 3.0  # seconds before the first comment: the daemon starts and takes its first poll
PATHS = {"push": "fb-push", "poll": "fb-poll"}
# Comment texts of the demo day that the desk answers (questions, problems, complaints).
TEXTS = [row[5] for row in SCRIPT if row[0] == "demo-fb" and row[2] == "comment"]


def scenario(messages: int, window: float, rng: random.Random) -> Scenario:
    at = sorted(LEAD + rng.uniform(0, window) for _ in range(messages))
    said = [ScenarioMessage(account=account, stream="comments", kind="comment",
                            author_handle=f"warga{i}", text=TEXTS[i % len(TEXTS)],
                            offset=timedelta(seconds=offset),
                            platform_id=f"{account}-{i:03d}")
            for i, offset in enumerate(at) for account in PATHS.values()]
    return Scenario(tuple(ScenarioAccount(a, "facebook", "hai.djpb") for a in PATHS.values()),
                    tuple(said))


def make_desk(workdir: Path, network: SandboxNetwork, url: str, poll_interval: int,
              clock: SimClock) -> Desk:
    database = f"sqlite:///{workdir / 'desk.db'}"
    engine = make_engine(database)
    upgrade(engine)
    push, poll = PATHS["push"], PATHS["poll"]
    settings = parse_settings({"database": {"url": database}, "accounts": [
        {"name": push, "platform": "sandbox", "handle": "hai.djpb", "streams": ["comments"],
         "poll_interval": 3600, "options": {"network": str(network.path),
                                            "as_platform": "facebook", "page_id": "1001",
                                            "webhook_url": url}},
        {"name": poll, "platform": "sandbox", "handle": "hai.djpb", "streams": ["comments"],
         "poll_interval": poll_interval, "options": {"network": str(network.path),
                                                     "as_platform": "facebook"}},
    ]}, "bench", None, {secret_env_name(push, "app_secret"): SECRET})
    sync_accounts(engine, settings)
    return Desk.from_settings(settings, now=clock, engine=engine, worker_id="bench:1")


def settled(desk: Desk, expected: int) -> bool:
    with desk.sessions() as session:
        triaged = session.scalar(select(func.count()).select_from(Message)
                                 .where(Message.triaged_at.is_not(None)))
        waiting = session.scalar(select(func.count()).select_from(Reply)
                                 .where(Reply.state.in_(("queued", "sending"))))
    return triaged == expected and not waiting


def run(messages: int, window: float, poll_interval: int, rng: random.Random
        ) -> tuple[dict[str, list[float]], dict[str, int], dict[str, int]]:
    """Per path: the first-reply latencies in seconds, how many comments triage chose not
    to answer (spam), and how many were left unanswered otherwise."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}{PATH}"
        # Real time from a working Monday morning: off hours the daemon polls 3 times less.
        start = MONDAY
        clock = SimClock(start, speed=1.0)
        network = SandboxNetwork(workdir / "network.db")
        plan = scenario(messages, window, rng)
        network.load(plan, start)
        desk = make_desk(workdir, network, url, poll_interval, clock)
        stop_receiver = serve_webhooks(desk, sock)
        sender = WebhookSender(network, subscriptions(desk.settings.accounts), clock)
        daemon = Daemon(desk, intervals=Intervals())  # the production intervals
        daemon.start()
        sender.start(interval=0.1)
        give_up = time.monotonic() + LEAD + window + 2 * poll_interval + 60
        try:
            while time.monotonic() < give_up and not settled(desk, len(plan.messages)):
                time.sleep(0.5)
        finally:
            sender.stop()
            daemon.stop()
            stop_receiver()
        with desk.sessions() as session:
            ignored = set(session.scalars(select(Message.platform_id)
                                          .where(Message.action == "ignore")))
        desk.close()
        appeared = {m.platform_id: start + m.offset for m in plan.messages}
        first: dict[str, datetime] = {}
        for sent in network.replies():
            if sent.action in ("reply", "private") and sent.target_id in appeared:
                first.setdefault(sent.target_id, sent.sent_at)
    latencies: dict[str, list[float]] = {name: [] for name in PATHS}
    not_to_answer = dict.fromkeys(PATHS, 0)
    unanswered = dict.fromkeys(PATHS, 0)
    for name, account in PATHS.items():
        for platform_id, when in appeared.items():
            if not platform_id.startswith(account):
                continue
            if platform_id in first:
                latencies[name].append((first[platform_id] - when).total_seconds())
            elif platform_id in ignored:
                not_to_answer[name] += 1
            else:
                unanswered[name] += 1
    return latencies, not_to_answer, unanswered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=16, help="comments per path")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds over which the comments appear")
    parser.add_argument("--poll-interval", type=int, default=30,
                        help="seconds between polls of the polled account (the sandbox's "
                             "minimum is 5; a real Facebook account's is 60)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    began = time.monotonic()
    latencies, ignored, unanswered = run(args.messages, args.window, args.poll_interval,
                                random.Random(args.seed))
    print("\n".join(machine_lines(None)))
    print(f"{args.messages} comments per path over {args.window:.0f} s; poll every "
          f"{args.poll_interval} s; daemon's triage and outbox every 2 s; "
          f"wall time {time.monotonic() - began:.0f} s")
    print(f"{'path':<6} {'answered':>8} {'median s':>9} {'p95 s':>8} {'min s':>7} {'max s':>7}"
          f" {'ignored':>8} {'unanswered':>11}")
    for name, values in latencies.items():
        ordered = sorted(values) or [float("nan")]
        print(f"{name:<6} {len(values):>8} {percentile(ordered, 0.5):9.2f} "
              f"{percentile(ordered, 0.95):8.2f} {ordered[0]:7.2f} {ordered[-1]:7.2f} "
              f"{ignored[name]:>8} {unanswered[name]:>11}")


if __name__ == "__main__":
    main()
