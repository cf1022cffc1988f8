"""The sandbox network: shared SQLite state, scenario timing, faults and recorded sends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from socialdesk.connectors import Permanent, Rejected, RetryLater, connector_for
from socialdesk.connectors.sandbox import SandboxConnector
from socialdesk.connectors.sandbox_network import SandboxNetwork, scenario_from_mapping
from socialdesk.connectors.types import Ref
from socialdesk.demo.scenario import demo_scenario

from .support import FixedClock, account

ROOT = Path(__file__).resolve().parents[2]


def demo(tmp_path: Path, clock: FixedClock) -> SandboxNetwork:
    network = SandboxNetwork(tmp_path / "net.db")
    network.load(demo_scenario(seed=7), clock())
    return network


def connect(tmp_path: Path, clock: FixedClock, name: str, as_platform: str) -> SandboxConnector:
    connector = connector_for(account("sandbox", name=name, network=str(tmp_path / "net.db"),
                                      as_platform=as_platform), now=clock)
    assert isinstance(connector, SandboxConnector)
    return connector


def drain(connector: SandboxConnector, stream: str, cursor: str | None = None
          ) -> tuple[list[str], str | None]:
    seen: list[str] = []
    while True:
        try:
            page = connector.fetch(stream, cursor)
        except RetryLater:
            continue
        seen += [m.platform_id for m in page.messages]
        if page.next_cursor == cursor or not (page.messages or page.skipped):
            return seen, page.next_cursor
        cursor = page.next_cursor


def test_the_demo_covers_every_platform_kind_and_the_evening() -> None:
    scenario = demo_scenario()
    assert 40 <= len(scenario.messages) <= 60
    platforms = {a.name: a.as_platform for a in scenario.accounts}
    assert set(platforms.values()) == {"x", "instagram", "facebook", "youtube"}
    assert {m.kind for m in scenario.messages} == {"mention", "comment", "reply", "dm"}
    assert max(m.offset for m in scenario.messages) > timedelta(hours=10)
    assert len({m.platform_id for m in scenario.messages}) == len(scenario.messages)


def test_messages_appear_at_their_offset(tmp_path: Path, clock: FixedClock) -> None:
    network = demo(tmp_path, clock)
    network.clear_faults()
    x = connect(tmp_path, clock, "demo-x", "x")
    assert drain(x, "mentions")[0] == []
    clock.advance(minutes=5)
    early, cursor = drain(x, "mentions")
    clock.advance(hours=14)
    later, _ = drain(x, "mentions", cursor)
    assert early == ["demo-x-0001"]
    assert len(later) == 9 and "demo-x-0001" not in later


def test_injected_faults_become_the_real_error_classes(tmp_path: Path,
                                                       clock: FixedClock) -> None:
    network = demo(tmp_path, clock)
    clock.advance(hours=14)
    x = connect(tmp_path, clock, "demo-x", "x")
    with pytest.raises(RetryLater) as caught:
        x.fetch("mentions", None)
    assert caught.value.retry_at == clock() + timedelta(seconds=90)
    ig = connect(tmp_path, clock, "demo-ig", "instagram")
    page = ig.fetch("comments", None)
    assert len(page.skipped) == 1 and page.messages
    network.inject("demo-fb", "revoked")
    fb = connect(tmp_path, clock, "demo-fb", "facebook")
    for _ in range(2):
        with pytest.raises(Permanent):
            fb.fetch("comments", None)
    assert fb.check() == ["access token revoked (sandbox)"]
    network.clear_faults("demo-fb")
    assert fb.fetch("comments", None).messages


def test_sends_are_recorded_with_key_and_time_even_twice(tmp_path: Path,
                                                        clock: FixedClock) -> None:
    network = demo(tmp_path, clock)
    yt = connect(tmp_path, clock, "demo-yt", "youtube")
    target = Ref("demo-yt-0005", "comment", "demo-yt-0005")
    yt.reply(target, "Sama-sama, Kak", "out-1")
    yt.reply(target, "Sama-sama, Kak", "out-1")
    sent = network.replies("demo-yt")
    assert [(s.action, s.target_id, s.idempotency_key, s.sent_at) for s in sent] == \
        [("reply", "demo-yt-0005", "out-1", clock())] * 2
    assert Counter(s.idempotency_key for s in sent)["out-1"] == 2
    with pytest.raises(Rejected):
        yt.post("Pengumuman")


def test_a_lost_response_is_reconciled_with_find_reply(tmp_path: Path,
                                                       clock: FixedClock) -> None:
    network = demo(tmp_path, clock)
    network.inject("demo-x", "lost_response", stream="send")
    x = connect(tmp_path, clock, "demo-x", "x")
    target = Ref("demo-x-0002", "mention", "demo-x-0002")
    assert x.find_reply(target, "Halo Kak") is None
    with pytest.raises(RetryLater):
        x.reply(target, "Halo Kak", "out-9")
    found = x.find_reply(target, "Halo Kak")
    assert found == network.replies()[0].platform_id


def test_x_rules_apply_to_a_sandbox_account_imitating_x(tmp_path: Path,
                                                        clock: FixedClock) -> None:
    demo(tmp_path, clock)
    x = connect(tmp_path, clock, "demo-x", "x")
    with pytest.raises(Rejected):
        x.reply(Ref("demo-x-0002", "comment", "demo-x-0002"), "Halo", "k")
    with pytest.raises(Rejected):
        x.reply(Ref("demo-x-0002", "mention", "demo-x-0002"), "a" * 281, "k")


def test_a_scenario_can_come_from_yaml_data(tmp_path: Path, clock: FixedClock) -> None:
    import yaml

    data = yaml.safe_load(textwrap.dedent("""
        accounts: [{name: sb-fb, as_platform: facebook}]
        messages:
          - {account: sb-fb, stream: dms, kind: dm, author: Siti, minutes: 0, text: Halo}
          - {account: sb-fb, stream: dms, kind: dm, author: Siti, minutes: 5, text: Tolong,
             malformed: true}
        faults: [{account: sb-fb, kind: server_error, stream: dms}]
    """))
    network = SandboxNetwork(tmp_path / "net.db")
    network.load(scenario_from_mapping(data), clock() - timedelta(minutes=10))
    fb = connect(tmp_path, clock, "sb-fb", "facebook")
    with pytest.raises(RetryLater):
        fb.fetch("dms", None)
    page = fb.fetch("dms", None)
    assert [m.text for m in page.messages] == ["Halo"] and len(page.skipped) == 1


def test_the_network_survives_a_killed_writer(tmp_path: Path, clock: FixedClock) -> None:
    demo(tmp_path, clock)
    script = textwrap.dedent(f"""
        import os, signal
        from socialdesk.connectors.sandbox_network import SandboxNetwork
        from datetime import datetime, timezone
        net = SandboxNetwork({str(tmp_path / "net.db")!r})
        net.record_send("demo-fb", "reply", "demo-fb-0004", "Halo", "k-child",
                        datetime.now(timezone.utc))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    child = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=False,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.returncode == -signal.SIGKILL
    sent = SandboxNetwork(tmp_path / "net.db").replies()
    assert [s.idempotency_key for s in sent] == ["k-child"]
