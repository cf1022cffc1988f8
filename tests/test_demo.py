"""The demo is the README's first command: it must run the whole desk and report the day."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from socialdesk.connectors.sandbox_network import SandboxNetwork
from socialdesk.demo.day import run_demo
from socialdesk.store.db import make_engine, session_factory
from socialdesk.store.models import Message, Reply


def test_it_runs_a_whole_day_and_answers_everything_within_the_rule(tmp_path: Path) -> None:
    out = io.StringIO()
    report = run_demo(root=tmp_path / "demo", speed=3000, out=out)
    printed = out.getvalue()
    for platform in ("X", "Instagram", "Facebook", "YouTube"):
        assert re.search(rf"^{platform}\s+\d", report, re.MULTILINE), platform
    assert "<- " in printed and "-> " in printed, "progress is shown as it happens"
    answered = re.search(r"answered within 1 working hour: (\d+) of (\d+)", report)
    assert answered is not None
    assert answered.group(1) == answered.group(2)

    engine = make_engine(f"sqlite:///{tmp_path / 'demo' / 'desk.db'}")
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Message)) >= 40
        untriaged = session.scalar(select(func.count()).select_from(Message)
                                   .where(Message.triaged_at.is_(None)))
        unsent = session.scalar(select(func.count()).select_from(Reply)
                                .where(Reply.state.in_(("queued", "sending"))))
        actions = set(session.scalars(select(Message.action)))
    engine.dispose()
    assert untriaged == 0 and unsent == 0
    assert {"auto_reply", "escalate", "refuse", "redirect_private", "ignore"} <= actions
    sends = SandboxNetwork(tmp_path / "demo" / "network.db").replies()
    per_target = Counter((s.account, s.target_id, s.action) for s in sends)
    assert max(per_target.values()) == 1, "no message was answered twice"
    assert (tmp_path / "demo" / "socialdesk.toml").is_file()
