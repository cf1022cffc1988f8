"""First reply by Meta webhook push vs by polling, side by side, for one Facebook Page.

Both paths run the real code in process on a fresh SQLite desk: the push path posts a signed
delivery to the webhook routes; the poll path runs `poll_stream` against Graph answers served
at the HTTP boundary (the `responses` library, as the tests do); then the same triage and
outbox runs send the reply (a Graph POST, served the same way). The daemon's waits are not
slept but drawn from its schedule: a message waits for the next poll (uniform over the poll
interval) on the poll path only, and for the next triage and outbox runs (uniform over their
2 s intervals) on both. Figures: median and p95 of (waits drawn + work measured).

Run from the repository root:
    .venv/bin/python bench/bench_webhook_latency.py [--messages 40] [--poll-interval 60]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import responses
from common import machine_lines, percentile
from starlette.applications import Starlette
from starlette.testclient import TestClient

from socialdesk.core.settings import parse_settings, secret_env_name
from socialdesk.demo.scenario import SCRIPT
from socialdesk.desk import outbox, triage
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.desk.poll import poll_stream
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from socialdesk.web.webhooks import PATH, webhook_routes

PAGE, POST, SECRET = "2121008874780932", "2121008874780932_1", "bench-secret"
GRAPH = r"https://graph\.facebook\.com/v[\d.]+/"
TICK = 2.0  # the daemon's triage and outbox intervals


def make_desk(workdir: Path) -> Desk:
    url = f"sqlite:///{workdir / 'desk.db'}"
    engine = make_engine(url)
    upgrade(engine)
    env = {secret_env_name("fb", k): v for k, v in
           (("page_access_token", "t"), ("app_secret", SECRET))}
    settings = parse_settings({"database": {"url": url}, "accounts": [
        {"name": "fb", "platform": "facebook", "handle": "haidjpb", "streams": ["comments"],
         "options": {"page_id": PAGE}}]}, "bench", None, env)
    sync_accounts(engine, settings)
    return Desk.from_settings(settings, engine=engine, worker_id="bench:1")


def comment(i: int, text: str) -> dict[str, object]:
    return {"id": f"{POST}_{i}", "message": text, "from": {"id": f"9{i:05d}", "name": f"w{i}"},
            "created_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")}


def tail(desk: Desk) -> float:
    """Triage and send of what is stored, timed."""
    start = time.perf_counter()
    triage.run_once(desk)
    outbox.run_once(desk)
    return time.perf_counter() - start


def run(messages: int, interval: float,
        rng: random.Random) -> dict[str, list[tuple[float, float]]]:
    """Per path, (first-reply latency, of which work measured) per message."""
    texts = [line[5] for line in SCRIPT if line[2] == "comment"] or ["halo kak"]
    out: dict[str, list[tuple[float, float]]] = {"push": [], "poll": []}
    with tempfile.TemporaryDirectory() as tmp, responses.RequestsMock(
            assert_all_requests_are_fired=False) as rsps:
        rsps.add("POST", re.compile(GRAPH + r".*/comments"), json={"id": "reply"})
        rsps.add("POST", re.compile(GRAPH + r".*/messages"), json={"message_id": "m"})
        rsps.add("POST", re.compile(GRAPH + r"\d+_\d+_\d+$"), json={"success": True})
        desk = make_desk(Path(tmp))
        client = TestClient(Starlette(routes=webhook_routes(desk)))
        for i in range(messages):
            item = comment(2 * i, texts[i % len(texts)])
            body = json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 0, "changes": [
                {"field": "feed", "value": {
                    "item": "comment", "verb": "add", "comment_id": item["id"],
                    "post_id": POST, "parent_id": POST, "from": item["from"],
                    "created_time": int(time.time()), "message": item["message"]}}]}]}).encode()
            sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            start = time.perf_counter()
            client.post(PATH, content=body, headers={"X-Hub-Signature-256": sig})
            stored = time.perf_counter() - start
            work = stored + tail(desk)
            out["push"].append((work + rng.uniform(0, TICK) + rng.uniform(0, TICK), work))

            polled = comment(2 * i + 1, texts[(i + 7) % len(texts)])
            rsps.upsert("GET", re.compile(GRAPH + PAGE + "/feed"), json={"data": [
                {"id": POST, "created_time": polled["created_time"],
                 "comments": {"data": [], "summary": {"total_count": i + 1}}}]})
            rsps.upsert("GET", re.compile(GRAPH + POST + "/comments"),
                        json={"data": [polled]})
            start = time.perf_counter()
            poll_stream(desk, "fb", "comments")
            fetched = time.perf_counter() - start
            work = fetched + tail(desk)
            waits = rng.uniform(0, interval) + rng.uniform(0, TICK) + rng.uniform(0, TICK)
            out["poll"].append((work + waits, work))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--poll-interval", type=float, default=60.0,
                        help="seconds (Facebook's minimum in the connector is 60)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    figures = run(args.messages, args.poll_interval, random.Random(args.seed))
    print("\n".join(machine_lines(None)))
    print(f"messages per path: {args.messages}; poll interval {args.poll_interval:.0f} s; "
          f"triage/outbox every {TICK:.0f} s")
    print(f"{'path':<6} {'median s':>9} {'p95 s':>8} {'max s':>8} {'work ms (median)':>17}")
    for name, pairs in figures.items():
        ordered = sorted(total for total, _ in pairs)
        work = sorted(w for _, w in pairs)
        print(f"{name:<6} {percentile(ordered, 0.5):9.2f} {percentile(ordered, 0.95):8.2f} "
              f"{ordered[-1]:8.2f} {percentile(work, 0.5) * 1000:17.1f}")


if __name__ == "__main__":
    sys.exit(main())
