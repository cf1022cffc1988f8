"""Broadcasts: approval rules, the guard, fitting to each platform, publishing at most once per
account (also across a crash) and the 8-working-hour lateness flag."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from socialdesk.app import broadcasts
from socialdesk.app.users import add_user
from socialdesk.app.views import InvalidRequest
from socialdesk.connectors.sandbox import SandboxConnector
from socialdesk.desk import outbox, publish, sla
from socialdesk.store.models import Reply, SlaEvent
from tests.desk_helpers import START, Rig, make_rig

TEXT = ("Layanan HAI-DJPb tutup pada 25 Desember 2026 (libur Natal) dan buka kembali "
        "pada 28 Desember 2026 pukul 08.00 WIB.")
THREE = ("sb-x", "sb-fb", "sb-x")  # a repeated account is one target


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    rig = make_rig(engine, tmp_path, now=START + timedelta(minutes=30))  # Monday 08:00
    for name, role in (("andi", "agent"), ("sari", "supervisor"), ("budi", "supervisor")):
        add_user(rig.desk, name, "kata-sandi-panjang", role=role, actor="admin")
    return rig


def _approved(rig: Rig, accounts: tuple[str, ...] = ("sb-x", "sb-fb")) -> int:
    drafted = broadcasts.draft(rig.desk, text=TEXT, accounts=accounts, actor="andi")
    broadcasts.approve(rig.desk, drafted.broadcast.id, actor="sari")
    return drafted.broadcast.id


def _posts(rig: Rig) -> list[tuple[str, str]]:
    return [(s.account, s.text) for s in rig.network.replies() if s.action == "post"]


def test_it_records_the_request_with_a_due_time_of_eight_working_hours(rig: Rig) -> None:
    drafted = broadcasts.draft(rig.desk, text=TEXT, accounts=THREE, actor="andi")
    view = drafted.broadcast
    assert (view.state, view.requested_by) == ("pending", "andi")
    assert [t.account for t in view.targets] == ["sb-x", "sb-fb"]
    assert view.due_at == rig.desk.calendar.add(view.requested_at, 8)
    assert view.due_at is not None and view.due_at - view.requested_at == timedelta(hours=8)


def test_it_lets_only_another_supervisor_approve(rig: Rig) -> None:
    add_user(rig.desk, "rina", "kata-sandi-panjang", role="supervisor", actor="admin")
    own = broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-x",), actor="rina")
    with pytest.raises(InvalidRequest, match="own broadcast"):
        broadcasts.approve(rig.desk, own.broadcast.id, actor="rina")
    with pytest.raises(InvalidRequest, match="a supervisor approves"):
        broadcasts.approve(rig.desk, own.broadcast.id, actor="andi")
    approved = broadcasts.approve(rig.desk, own.broadcast.id, actor="budi")
    assert (approved.state, approved.approved_by) == ("approved", "budi")
    with pytest.raises(InvalidRequest, match="not waiting for approval"):
        broadcasts.reject(rig.desk, own.broadcast.id, actor="sari")


def test_a_rejected_broadcast_is_never_published(rig: Rig) -> None:
    drafted = broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-x",), actor="andi")
    rejected = broadcasts.reject(rig.desk, drafted.broadcast.id, actor="sari", reason="ganda")
    assert (rejected.state, rejected.reason) == ("rejected", "ganda")
    publish.run_once(rig.desk)
    outbox.run_once(rig.desk)
    assert _posts(rig) == []


@pytest.mark.parametrize("text, reason", [
    ("Info: NIK pelapor 3174012345678901 sudah kami terima.", "pii"),
    ("Hubungi kami di https://contoh-penipuan.example/hadiah", "link_not_allowed"),
])
def test_the_guard_refuses_a_text_that_may_not_be_published(rig: Rig, text: str,
                                                              reason: str) -> None:
    with pytest.raises(InvalidRequest, match=reason):
        broadcasts.draft(rig.desk, text=text, accounts=("sb-fb",), actor="andi")


def test_it_fits_the_text_to_each_platform(rig: Rig) -> None:
    long_text = "Pengumuman: " + "layanan " * 40
    fits = {f.account: f for f in broadcasts.check(
        rig.desk, long_text.strip(), ("sb-x", "sb-fb", "sb-ig", "sb-yt"))}
    assert "guard: too_long" in fits["sb-x"].problems
    assert fits["sb-x"].length == len(long_text.strip()) > fits["sb-x"].limit == 280
    assert fits["sb-fb"].ok
    assert any("needs an image" in p for p in fits["sb-ig"].problems)
    assert any("no API for community posts" in p for p in fits["sb-yt"].problems)


def test_a_link_on_x_is_allowed_and_its_higher_price_shown(rig: Rig) -> None:
    text = "Panduan lengkap ada di https://djpb.kemenkeu.go.id/portal/id/"
    (x_fit,) = broadcasts.check(rig.desk, text, ("sb-x",))
    assert x_fit.ok, x_fit.problems
    assert x_fit.length == len("Panduan lengkap ada di ") + 23  # a URL weighs 23 on X
    assert "US$0.200" in x_fit.price and "link" in x_fit.price
    (plain,) = broadcasts.check(rig.desk, TEXT, ("sb-x",))
    assert "US$0.015" in plain.price
    drafted = broadcasts.draft(rig.desk, text=text, accounts=("sb-x",), actor="andi")
    broadcasts.approve(rig.desk, drafted.broadcast.id, actor="sari")
    publish.run_once(rig.desk)
    outbox.run_once(rig.desk)
    assert _posts(rig) == [("sb-x", text)]


def test_it_publishes_at_its_time_once_per_account(rig: Rig) -> None:
    later = rig.desk.now() + timedelta(hours=2)
    drafted = broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-x", "sb-fb"), actor="andi",
                               at=later)
    broadcasts.approve(rig.desk, drafted.broadcast.id, actor="sari")
    publish.run_once(rig.desk)
    outbox.run_once(rig.desk)
    assert _posts(rig) == []  # not before its time
    rig.clock.advance(timedelta(hours=2))
    for _ in range(3):  # however often the jobs run
        publish.run_once(rig.desk)
        outbox.run_once(rig.desk)
    assert sorted(_posts(rig)) == [("sb-fb", TEXT), ("sb-x", TEXT)]
    view = broadcasts.get(rig.desk, drafted.broadcast.id)
    assert view.state == "published" and not view.late
    assert all(t.state == "sent" and t.platform_id for t in view.targets)


def test_a_rate_limited_post_is_retried_and_recorded(rig: Rig) -> None:
    rig.network.inject("sb-fb", "rate_limit", stream="send", retry_after=600)
    broadcast_id = _approved(rig)
    publish.run_once(rig.desk)
    outbox.run_once(rig.desk)
    publish.run_once(rig.desk)
    view = broadcasts.get(rig.desk, broadcast_id)
    fb = next(t for t in view.targets if t.account == "sb-fb")
    assert view.state == "publishing" and fb.state == "pending" and "429" in (fb.error or "")
    rig.clock.advance(timedelta(minutes=11))
    outbox.run_once(rig.desk)
    publish.run_once(rig.desk)
    assert broadcasts.get(rig.desk, broadcast_id).state == "published"
    assert sorted(_posts(rig)) == [("sb-fb", TEXT), ("sb-x", TEXT)]


def test_a_server_error_on_a_post_is_looked_for_then_posted_once(rig: Rig) -> None:
    # A 500 may come after the post was made: the retry looks on the Page first.
    rig.network.inject("sb-fb", "server_error", stream="send")
    broadcast_id = _approved(rig, ("sb-fb",))
    for _ in range(3):
        publish.run_once(rig.desk)
        outbox.run_once(rig.desk)
        rig.clock.advance(timedelta(hours=1))
    publish.run_once(rig.desk)
    assert _posts(rig) == [("sb-fb", TEXT)]
    (target,) = broadcasts.get(rig.desk, broadcast_id).targets
    assert target.state == "sent" and target.platform_id


def test_a_post_that_cannot_be_looked_for_waits_for_a_person(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    # A platform with no way to list the account's own posts: posting again might post twice.
    monkeypatch.setattr(SandboxConnector, "can_find_post", lambda self: False)
    rig.network.inject("sb-fb", "server_error", stream="send")
    broadcast_id = _approved(rig, ("sb-fb",))
    for _ in range(3):
        publish.run_once(rig.desk)
        outbox.run_once(rig.desk)
        rig.clock.advance(timedelta(hours=1))
    publish.run_once(rig.desk)
    assert _posts(rig) == []
    (target,) = broadcasts.get(rig.desk, broadcast_id).targets
    assert target.state == "pending" and "may have reached the platform" in (target.error or "")


def _crash_after_posting(rig: Rig, account: str) -> int:
    """The worker claims the post, the platform takes it, the worker dies before recording."""
    (reply_id,) = outbox.claim(rig.desk)
    with rig.session() as session:
        reply = session.get(Reply, reply_id)
        assert reply is not None and reply.kind == "post"
        rig.desk.connector(account).post(reply.text, reply.idempotency_key,
                                         image_url=reply.media_url or "")
    rig.clock.advance(timedelta(minutes=5))
    outbox.reconcile_stale(rig.desk)
    return reply_id


def test_a_crash_between_the_post_and_its_record_never_posts_twice(rig: Rig) -> None:
    broadcast_id = _approved(rig, ("sb-fb",))
    publish.run_once(rig.desk)
    reply_id = _crash_after_posting(rig, "sb-fb")
    for _ in range(3):
        outbox.run_once(rig.desk)
        publish.run_once(rig.desk)
    assert _posts(rig) == [("sb-fb", TEXT)]
    (posted,) = [s.platform_id for s in rig.network.replies() if s.action == "post"]
    with rig.session() as session:
        reply = session.get(Reply, reply_id)
        # Found on the Page: recorded as sent with the post's own id, not posted again.
        assert reply is not None and (reply.state, reply.platform_id) == ("sent", posted)
    target = broadcasts.get(rig.desk, broadcast_id).targets[0]
    assert (target.state, target.platform_id) == ("sent", posted)


def test_a_crash_before_the_post_reached_the_platform_posts_it_once(rig: Rig) -> None:
    broadcast_id = _approved(rig, ("sb-x",))
    publish.run_once(rig.desk)
    outbox.claim(rig.desk)  # claimed, then the worker died before calling X
    rig.clock.advance(timedelta(minutes=5))
    outbox.reconcile_stale(rig.desk)
    for _ in range(3):
        outbox.run_once(rig.desk)
        publish.run_once(rig.desk)
    assert _posts(rig) == [("sb-x", TEXT)]
    assert broadcasts.get(rig.desk, broadcast_id).state == "published"


def test_a_crash_where_no_look_up_exists_holds_the_post_for_a_person(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SandboxConnector, "can_find_post", lambda self: False)
    broadcast_id = _approved(rig, ("sb-fb",))
    publish.run_once(rig.desk)
    reply_id = _crash_after_posting(rig, "sb-fb")
    for _ in range(3):
        outbox.run_once(rig.desk)
        publish.run_once(rig.desk)
    assert _posts(rig) == [("sb-fb", TEXT)]
    with rig.session() as session:
        reply = session.get(Reply, reply_id)
        assert reply is not None and reply.state == "held"
        assert "may have reached the platform" in (reply.reason or "")
    target = broadcasts.get(rig.desk, broadcast_id).targets[0]
    assert target.state == "pending" and (target.error or "").startswith("held: ")


def test_a_lost_response_is_not_posted_again(rig: Rig) -> None:
    rig.network.inject("sb-x", "lost_response", stream="send")
    _approved(rig, ("sb-x",))
    for _ in range(3):
        publish.run_once(rig.desk)
        outbox.run_once(rig.desk)
        rig.clock.advance(timedelta(hours=1))
    assert _posts(rig) == [("sb-x", TEXT)]


def test_a_broadcast_past_its_eight_working_hours_is_flagged_late(rig: Rig) -> None:
    drafted = broadcasts.draft(rig.desk, text=TEXT, accounts=("sb-fb",), actor="andi")
    rig.clock.advance(timedelta(hours=9))  # Monday 17:00: the working day is over
    assert broadcasts.get(rig.desk, drafted.broadcast.id).late
    assert sla.watch(rig.desk).breaches == 1
    broadcasts.approve(rig.desk, drafted.broadcast.id, actor="sari")
    publish.run_once(rig.desk)
    outbox.run_once(rig.desk)
    publish.run_once(rig.desk)
    view = broadcasts.list_broadcasts(rig.desk)[0]
    assert view.state == "published" and view.late
    with rig.session() as session:
        assert session.scalars(select(SlaEvent.target).where(
            SlaEvent.kind == "breach")).all() == ["broadcast"]


def test_one_on_time_is_not_late(rig: Rig) -> None:
    broadcast_id = _approved(rig, ("sb-fb",))
    rig.clock.advance(timedelta(hours=7))
    publish.run_once(rig.desk)
    outbox.run_once(rig.desk)
    publish.run_once(rig.desk)
    view = broadcasts.get(rig.desk, broadcast_id)
    assert view.state == "published" and not view.late
