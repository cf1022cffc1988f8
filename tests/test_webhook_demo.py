"""`socialdesk demo` shows both paths: Facebook and Instagram messages pushed to the webhook
receiver on a loopback port, X and YouTube polled, each message stored and answered once."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from socialdesk.connectors.sandbox_network import SandboxNetwork
from socialdesk.demo.day import run_demo
from socialdesk.demo.scenario import demo_scenario
from socialdesk.store.db import make_engine, session_factory
from socialdesk.store.models import Message
from socialdesk.web.webhooks import serve_webhooks

ARRIVAL = re.compile(r"<- (\w+)\s+\w+\s+via (webhook|poll)\s+@")


def test_the_demo_says_which_path_brought_each_message(tmp_path: Path) -> None:
    out = io.StringIO()
    report = run_demo(root=tmp_path / "demo", speed=3000, out=out, receiver=serve_webhooks)
    printed = out.getvalue()
    assert re.search(r"Webhooks: Facebook and Instagram push to http://127\.0\.0\.1:\d+/", printed)
    paths = Counter(ARRIVAL.findall(printed))
    # Only Meta pushes; the polls stay as the safety net and may win a race now and then.
    assert paths[("Facebook", "webhook")] + paths[("Instagram", "webhook")] >= 15
    assert paths[("X", "webhook")] == paths[("YouTube", "webhook")] == 0
    assert paths[("X", "poll")] > 0 and paths[("YouTube", "poll")] > 0
    assert re.search(r"^Facebook\s+\d", report, re.MULTILINE)

    network = SandboxNetwork(tmp_path / "demo" / "network.db")
    per_target = Counter((s.account, s.target_id, s.action) for s in network.replies())
    assert max(per_target.values()) == 1, "no message was answered twice"
    engine = make_engine(f"sqlite:///{tmp_path / 'demo' / 'desk.db'}")
    with session_factory(engine)() as session:
        stored = Counter(session.scalars(select(Message.platform_id)))
        untriaged = session.scalar(select(func.count()).select_from(Message)
                                   .where(Message.triaged_at.is_(None)))
    engine.dispose()
    assert max(stored.values()) == 1 and untriaged == 0
    # Every real message is stored, by one path or the other; the broken item by neither.
    assert set(stored) == {m.platform_id for m in demo_scenario().messages if not m.malformed}
