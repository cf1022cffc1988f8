"""The sandbox network's webhooks: Graph-shaped, signed deliveries that read back as the very
messages polling gives, sent once each when accepted and again when not."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import responses

from socialdesk.connectors.meta_webhooks import parse_delivery, signature_ok
from socialdesk.connectors.sandbox import SandboxConnector
from socialdesk.connectors.sandbox_network import (
    SandboxNetwork,
    Scenario,
    ScenarioAccount,
    ScenarioMessage,
)
from socialdesk.connectors.sandbox_push import (
    Subscription,
    WebhookSender,
    delivery,
    subscriptions,
)
from socialdesk.connectors.types import InboundMessage
from socialdesk.core.settings import AccountConfig, secret_env_name

from .support import FixedClock, account

URL = "http://127.0.0.1:9/webhooks/meta"
SECRET = "sandbox-app-secret"
OWNERS = {"sb-fb": ("facebook", "page_id", "1111"), "sb-ig": ("instagram", "ig_user_id", "2222")}


def message(name: str, stream: str, kind: str, who: str, minutes: float, text: str,
            thread: str = "") -> ScenarioMessage:
    return ScenarioMessage(account=name, stream=stream, kind=kind, author_handle=who, text=text,
                           offset=timedelta(minutes=minutes), conversation_id=thread,
                           in_reply_to=thread or None)


SCENARIO = Scenario(
    accounts=(ScenarioAccount("sb-fb", "facebook", "hai.djpb"),
              ScenarioAccount("sb-ig", "instagram", "hai.djpb"),
              ScenarioAccount("sb-x", "x", "haiDJPb")),
    messages=(
        message("sb-fb", "comments", "comment", "Agus", 1, "Cara daftar supplier?"),
        message("sb-fb", "comments", "reply", "Agus", 2, "NPWP ditolak", thread="sb-fb-0001"),
        message("sb-fb", "dms", "dm", "Siti", 3, "Reset password SPAN?"),
        message("sb-ig", "comments", "comment", "dewi.ppk", 4, "SAKTI error"),
        message("sb-ig", "comments", "reply", "dewi.ppk", 5, "Masih error", thread="sb-ig-0004"),
        message("sb-ig", "mentions", "mention", "berita.id", 6, "Rapat bersama @hai.djpb"),
        message("sb-ig", "dms", "dm", "nur.aini", 7, "TTE gagal"),
        message("sb-x", "mentions", "mention", "rina", 8, "@haiDJPb halo"),
    ))


@pytest.fixture
def network(tmp_path: Path, clock: FixedClock) -> SandboxNetwork:
    net = SandboxNetwork(tmp_path / "net.db")
    net.load(SCENARIO, clock())
    clock.advance(minutes=10)
    return net


def sandbox_account(name: str, network: SandboxNetwork, *, url: str = URL) -> AccountConfig:
    platform, option, owner = OWNERS.get(name, ("x", "user_id", "3333"))
    options = {"network": str(network.path), "as_platform": platform, "webhook_url": url,
               option: owner}
    return AccountConfig(name=name, platform="sandbox", handle="hai.djpb", options=options,
                         environ={secret_env_name(name, "app_secret"): SECRET})


def polled(network: SandboxNetwork, clock: FixedClock, name: str) -> dict[str, InboundMessage]:
    connector = SandboxConnector(sandbox_account(name, network), now=clock)
    return {m.platform_id: m for stream in connector.streams
            for m in connector.fetch(stream, None).messages}


def same(pushed: InboundMessage, seen: InboundMessage) -> None:
    assert (pushed.platform, pushed.platform_id, pushed.kind, pushed.author_id, pushed.text,
            pushed.in_reply_to) == (seen.platform, seen.platform_id, seen.kind, seen.author_id,
                                    seen.text, seen.in_reply_to)
    assert abs(pushed.created_at - seen.created_at) < timedelta(seconds=1)
    if pushed.kind != "dm":  # a Messenger push names no thread; the receiver looks it up
        assert pushed.conversation_id == seen.conversation_id


@pytest.mark.parametrize(("name", "messages"), [("sb-fb", 3), ("sb-ig", 4)])
def test_each_delivery_reads_back_as_the_message_polling_gives(
        name: str, messages: int, network: SandboxNetwork, clock: FixedClock) -> None:
    [subscription] = subscriptions([sandbox_account(name, network)])
    seen = polled(network, clock, name)
    connector = SandboxConnector(sandbox_account(name, network), now=clock)
    rows = network.undelivered(name, clock())
    assert len(rows) == len(seen) == messages
    for row in rows:
        body = delivery(subscription, row)
        [event] = parse_delivery(json.loads(json.dumps(body))).events
        assert (event.owner, event.platform) == (OWNERS[name][2], OWNERS[name][0])
        if event.kind == "lookup_mention":  # Instagram names the mention's ids only
            pushed = connector.mentioned(event.media_id)
        else:
            assert event.message is not None
            pushed = event.message
        same(pushed, seen[row["platform_id"]])


def test_a_reply_is_a_reply_in_its_comment_s_thread_by_both_paths(
        network: SandboxNetwork, clock: FixedClock) -> None:
    seen = polled(network, clock, "sb-fb")
    comment, reply = seen["sb-fb-0001"], seen["sb-fb-0002"]
    assert (comment.kind, reply.kind) == ("comment", "reply")
    assert comment.conversation_id == reply.conversation_id != comment.platform_id
    assert reply.in_reply_to == comment.platform_id


def test_only_facebook_and_instagram_accounts_with_a_url_subscribe(
        network: SandboxNetwork) -> None:
    found = subscriptions([sandbox_account("sb-fb", network),
                           sandbox_account("sb-ig", network, url=""),
                           sandbox_account("sb-x", network)])
    assert [(s.account, s.owner_id, s.secret) for s in found] == \
        [("sb-fb", "1111", SECRET.encode())]


def test_a_subscription_without_its_page_id_is_refused(network: SandboxNetwork) -> None:
    bare = account("sandbox", name="sb-fb", secrets={"app_secret": SECRET},
                   network=str(network.path), as_platform="facebook", webhook_url=URL)
    with pytest.raises(ValueError, match="page_id"):
        subscriptions([bare])


def test_each_message_is_posted_signed_once_it_appears_and_once_accepted(
        network: SandboxNetwork, clock: FixedClock, rsps: responses.RequestsMock) -> None:
    rsps.add("POST", URL, json={"stored": 1})
    sender = WebhookSender(network, subscriptions([sandbox_account("sb-fb", network)]), clock)
    assert sender.deliver_due() == 3
    assert sender.deliver_due() == 0, "an accepted delivery is not sent again"
    for call in rsps.calls:
        body = call.request.body
        assert isinstance(body, bytes)
        assert signature_ok(body, call.request.headers["X-Hub-Signature-256"],
                            [SECRET.encode()])
        assert not signature_ok(body, call.request.headers["X-Hub-Signature-256"], [b"x"])
    assert network.delivered("sb-fb") == ["sb-fb-0001", "sb-fb-0002", "sb-fb-0003"]
    network.add_message(message("sb-fb", "dms", "dm", "Siti", 11, "Sudah bisa"), "sb-fb-late")
    assert sender.deliver_due() == 0, "not before it appears"
    clock.advance(minutes=2)
    assert sender.deliver_due() == 1


def test_a_refused_delivery_is_sent_again_at_the_next_round_in_order(
        network: SandboxNetwork, clock: FixedClock, rsps: responses.RequestsMock) -> None:
    rsps.add("POST", URL, status=500)
    rsps.add("POST", URL, json={})
    sender = WebhookSender(network, subscriptions([sandbox_account("sb-ig", network)]), clock)
    assert sender.deliver_due() == 0
    assert network.delivered("sb-ig") == []
    assert sender.deliver_due() == 4
    sent = [json.loads(c.request.body or b"")["entry"][0] for c in rsps.calls]
    assert len(sent) == 5 and sent[0] == sent[1]


def test_a_messenger_delivery_has_meta_s_shape_and_milliseconds() -> None:
    subscription = Subscription("a", "facebook", "1", URL, b"k")
    row = {"stream": "dms", "platform_id": "m1", "author_id": "u", "author_handle": "U",
           "text": "halo", "kind": "dm", "created_at": "2026-11-30T01:00:00+00:00",
           "conversation_id": "m1", "in_reply_to": None}
    body = delivery(subscription, row)
    assert body["object"] == "page" and body["entry"][0]["id"] == "1"
    event = body["entry"][0]["messaging"][0]
    assert event["message"] == {"mid": "m1", "text": "halo"}
    assert event["timestamp"] == 1_796_000_400_000 and event["recipient"] == {"id": "1"}


def test_direct_messages_keep_one_conversation_per_person_which_a_push_can_look_up(
        network: SandboxNetwork, clock: FixedClock) -> None:
    network.add_message(message("sb-fb", "dms", "dm", "Siti", 9, "Sudah bisa"), "sb-fb-again")
    seen = polled(network, clock, "sb-fb")
    first, again = seen["sb-fb-0003"], seen["sb-fb-again"]
    assert first.conversation_id == again.conversation_id
    connector = SandboxConnector(sandbox_account("sb-fb", network), now=clock)
    assert connector.conversation_with(first.author_id) == first.conversation_id
