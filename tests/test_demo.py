"""The demo is the README's first command: it must run the whole desk and report the day."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
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


def test_the_day_has_a_broadcast_and_ends_with_its_digest(tmp_path: Path) -> None:
    out = io.StringIO()
    report = run_demo(root=tmp_path / "demo", speed=1200, out=out)
    printed = out.getvalue()
    digest = tmp_path / "demo" / "digest.html"
    assert f"digest of the day (same figures): {digest}" in printed
    posts = [s.account for s in SandboxNetwork(tmp_path / "demo" / "network.db").replies()
             if s.action == "post"]
    assert sorted(posts) == ["demo-fb", "demo-ig", "demo-x"], "one post per account that can post"
    (container,) = [s for s in SandboxNetwork(tmp_path / "demo" / "network.db").replies()
                    if s.action == "container"]  # Instagram: the picture at its public address
    assert (tmp_path / "demo" / "media" / (container.target_id or "").rsplit("/", 1)[-1]).is_file()
    assert "approved by sari" in printed and "-> broadcast #1 published" in printed
    # The digest shows the summary's figures: on time of needing, and the breaches.
    answered = re.search(r"answered within 1 working hour: (\d+) of (\d+)", report)
    breaches = re.search(r"breaches:\s+(\d+) of the response rule", report)
    assert answered is not None and breaches is not None
    text = digest.with_suffix(".txt").read_text(encoding="utf-8")
    assert (f"tepat waktu: {answered.group(1)} dari {answered.group(2)} pesan yang perlu "
            f"dijawab") in text
    assert f"; {breaches.group(1)} pelanggaran." in text
    assert ("#1 Layanan libur Natal: terbit — demo-x: terkirim; demo-ig: terkirim; "
            "demo-fb: terkirim") in text


def test_a_reply_line_never_prints_before_the_message_it_answers() -> None:
    from types import SimpleNamespace

    from socialdesk.demo.day import Printer

    out = io.StringIO()
    clock = SimpleNamespace(now=lambda: datetime(2026, 11, 30, 1, 0, tzinfo=UTC))
    printer = Printer(clock, out)  # type: ignore[arg-type]
    printer._after_message(7, "-> greeting: Hai Kak")
    assert out.getvalue() == ""
    printer.line("<- X mention @a: halo")
    printer._announced(7)
    printer._after_message(None, "-> broadcast #1 published")
    lines = [line.split("  ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == ["<- X mention @a: halo", "-> greeting: Hai Kak", "-> broadcast #1 published"]


def test_a_paused_clock_holds_its_start_until_it_runs() -> None:
    import time

    from socialdesk.demo.simclock import SimClock

    start = datetime(2026, 11, 30, 0, 45, tzinfo=UTC)
    clock = SimClock(start, speed=1200.0, paused=True)
    time.sleep(0.05)
    assert clock() == start
    clock.run()
    time.sleep(0.05)
    assert clock() > start
    clock.set_speed(1.0)
    before = clock()
    time.sleep(0.05)
    assert timedelta(0) < clock() - before < timedelta(seconds=5)
