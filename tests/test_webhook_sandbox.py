"""The push path end to end: the sandbox network delivers signed webhooks to the receiver
served by a real uvicorn on loopback, the receiver stores them through the intake, and the
running daemon's triage and outbox answer them long before the next poll; a later poll finds
the same messages and stores none again."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from socialdesk.connectors.sandbox_network import (
    SandboxNetwork,
    Scenario,
    ScenarioAccount,
    ScenarioMessage,
)
from socialdesk.connectors.sandbox_push import Subscription, WebhookSender, subscriptions
from socialdesk.core.settings import parse_settings, secret_env_name
from socialdesk.demo.simclock import SimClock
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.desk.poll import poll_stream
from socialdesk.runtime.daemon import Daemon, Intervals
from socialdesk.store.models import Conversation, Message, Reply
from socialdesk.web.webhooks import PATH, serve_webhooks

WIB = timezone(timedelta(hours=7))
START = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)  # a working Monday morning
SPEED = 60.0  # a simulated minute per real second
SECRET = "sandbox-app-secret"
# (account, imitated platform, owner option, owner id, streams)
ACCOUNTS = (("sb-fb", "facebook", "page_id", "1111", ("comments", "dms")),
            ("sb-ig", "instagram", "ig_user_id", "2222", ("comments", "mentions", "dms")))


def said(account: str, stream: str, kind: str, who: str, minute: float, text: str,
         thread: str = "") -> ScenarioMessage:
    return ScenarioMessage(account=account, stream=stream, kind=kind, author_handle=who,
                           text=text, offset=timedelta(minutes=minute), conversation_id=thread,
                           in_reply_to=thread or None)


SCENARIO = Scenario(
    accounts=(ScenarioAccount("sb-fb", "facebook", "hai.djpb"),
              ScenarioAccount("sb-ig", "instagram", "hai.djpb")),
    messages=(
        said("sb-fb", "comments", "comment", "Agus Setiawan", 1,
             "Mohon info cara daftar supplier baru di SAKTI untuk vendor perorangan"),
        said("sb-fb", "comments", "reply", "Agus Setiawan", 1.5,
             "Sudah saya coba tapi NPWP vendornya ditolak sistem, gimana ya?",
             thread="sb-fb-0001"),
        said("sb-fb", "dms", "dm", "Siti Rahmawati", 2,
             "Selamat pagi, bagaimana cara reset password SPAN? Akun saya terkunci"),
        said("sb-ig", "comments", "comment", "dewi.ppk", 2.5,
             "Kak, aplikasi SAKTI modul komitmen error terus pas rekam kontrak"),
        said("sb-ig", "mentions", "mention", "komunitas.bendahara", 3,
             "Temu bendahara bareng @hai.djpb hari ini, seru banget!"),
        said("sb-ig", "dms", "dm", "nur.aini.ppspm", 3.5,
             "Kak mau tanya, tanda tangan elektronik di SAKTI untuk PPSPM kok gagal terus ya"),
    ))


@dataclass
class Day:
    desk: Desk
    network: SandboxNetwork
    sender: WebhookSender
    pushed: list[tuple[str, str]]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def day(engine: Engine, tmp_path: Path) -> Iterator[Day]:
    sock = free_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}{PATH}"
    network = SandboxNetwork(tmp_path / "network.db")
    network.load(SCENARIO, START)
    settings = parse_settings({"database": {"url": f"sqlite:///{tmp_path}/unused.db"},
                               "accounts": [
        # An hour between polls: within this test only the push can bring a message.
        {"name": name, "platform": "sandbox", "handle": "hai.djpb", "streams": list(streams),
         "poll_interval": 3600, "options": {
             "network": str(network.path), "as_platform": platform, option: owner,
             "webhook_url": url}}
        for name, platform, option, owner, streams in ACCOUNTS]}, "test", None,
        {secret_env_name(name, "app_secret"): SECRET for name, *_ in ACCOUNTS})
    sync_accounts(engine, settings)
    clock = SimClock(START, speed=SPEED)
    desk = Desk.from_settings(settings, now=clock, engine=engine, worker_id="push:1")
    pushed: list[tuple[str, str]] = []
    stop_receiver = serve_webhooks(desk, sock, on_stored=pushed.extend)
    sender = WebhookSender(network, subscriptions(settings.accounts), clock)
    try:
        yield Day(desk, network, sender, pushed)
    finally:
        sender.stop()
        stop_receiver()
        desk.close()


def stored(desk: Desk) -> int:
    with desk.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def wait_for(check: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.1)


def test_pushed_messages_are_stored_and_answered_by_the_daemon_without_a_poll(
        day: Day) -> None:
    # No poller runs: whatever is stored and answered came by the push.
    intervals = Intervals(triage=0.1, outbox=0.1, sla=1.0, leadership=0.5, reconcile=5.0)
    daemon = Daemon(day.desk, roles={"triage", "outbox", "sla"}, intervals=intervals)
    daemon.start()
    day.sender.start(interval=0.1)
    try:
        def done() -> bool:
            with day.desk.sessions() as session:
                untriaged = session.scalar(select(func.count()).select_from(Message)
                                           .where(Message.triaged_at.is_(None)))
                waiting = session.scalar(select(func.count()).select_from(Reply)
                                         .where(Reply.state.in_(("queued", "sending"))))
                replies = session.scalar(select(func.count()).select_from(Reply)
                                         .where(Reply.kind != "hide"))
            sent = [s for s in day.network.replies() if s.action in ("reply", "private")]
            return stored(day.desk) == len(SCENARIO.messages) and not untriaged \
                and not waiting and len(sent) >= (replies or 0)
        wait_for(done, 60)
    finally:
        daemon.stop()
    assert sorted(p for _, p in day.pushed) == sorted(
        f"{m.account}-{i:04d}" for i, m in enumerate(SCENARIO.messages, 1))
    delivered = day.network.delivered("sb-fb") + day.network.delivered("sb-ig")
    assert sorted(delivered) == sorted(f"{m.account}-{i:04d}"
                                       for i, m in enumerate(SCENARIO.messages, 1))
    with day.desk.sessions() as session:
        rows = session.execute(select(Message.platform_id, Message.platform, Message.kind,
                                      Message.action)).all()
    assert {(p, kind) for p, _, kind, _ in rows} == {
        (f"{m.account}-{i:04d}", m.kind) for i, m in enumerate(SCENARIO.messages, 1)}
    assert {platform for _, platform, _, _ in rows} == {"facebook", "instagram"}
    answered = {s.target_id for s in day.network.replies() if s.action in ("reply", "private")}
    to_answer = {p for p, _, _, action in rows
                 if action in ("auto_reply", "redirect_private", "escalate", "refuse")}
    assert to_answer and to_answer <= answered, "the daemon answered what the push brought"

    # Each pushed message sits in the conversation polling gives it, direct messages too.
    with day.desk.sessions() as session:
        threads = dict(session.execute(
            select(Message.platform_id, Conversation.platform_thread_id)
            .join(Conversation, Message.conversation_id == Conversation.id)).all())
    for name, _, _, _, streams in ACCOUNTS:
        connector = day.desk.connector(name)
        for stream in streams:
            for polled in connector.fetch(stream, None).messages:
                assert threads[polled.platform_id] == polled.conversation_id, polled

    # Polling remains the safety net: it lists every message again and stores none twice.
    for name, _, _, _, streams in ACCOUNTS:
        for stream in streams:
            result = poll_stream(day.desk, name, stream)
            assert (result.stored, result.error) == (0, None), (name, stream)
            assert result.duplicates >= 1
    assert stored(day.desk) == len(SCENARIO.messages)


def test_a_delivery_signed_with_another_secret_is_refused_and_sent_again(day: Day) -> None:
    [fb, *_] = [s for s in subscriptions(day.desk.settings.accounts) if s.account == "sb-fb"]
    forged = WebhookSender(day.network, [Subscription(fb.account, fb.as_platform, fb.owner_id,
                                                      fb.url, b"not-the-app-secret")],
                           day.desk.now)
    wait_for(lambda: day.desk.now() > START + timedelta(minutes=1, seconds=10), 5)
    assert forged.deliver_due() == 0
    assert stored(day.desk) == 0 and day.network.delivered("sb-fb") == []
    assert day.sender.deliver_due() >= 1
    assert stored(day.desk) >= 1
