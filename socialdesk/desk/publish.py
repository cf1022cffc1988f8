"""The broadcast publisher: approved broadcasts go to the outbox at their time, one post per
account, and each account's outcome comes back to the broadcast.

At most once per account: the outbox row of a target has the idempotency key
`broadcast:<id>:<account id>`, so however often this runs, and whatever crashed, there is one
row per target; the outbox sends a row at most once and holds a post whose send may have
reached the platform for a person rather than posting again. Retryable errors are the
outbox's retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from socialdesk.core.settings import Settings
from socialdesk.core.vocab import platform_of
from socialdesk.desk.context import Desk
from socialdesk.desk.outbox import queue_reply
from socialdesk.store.models import Account, Broadcast, BroadcastTarget, Reply

NO_PUBLIC_IMAGE = ("Instagram fetches the image from a public address and none is set: "
                   "[broadcast] public_media_url (or the broadcast has no image)")


@dataclass(frozen=True, slots=True)
class Published:
    broadcast_id: int
    state: str
    sent: int
    failed: int
    waiting: int


def target_key(broadcast_id: int, account_id: int) -> str:
    return f"broadcast:{broadcast_id}:{account_id}"


def media_url(settings: Settings, image: str | None) -> str | None:
    """The public address of a stored broadcast image (see app.broadcast_media)."""
    base = settings.broadcast.public_media_url
    return f"{base}/{image}" if image and base else None


def start_due(desk: Desk) -> list[int]:
    """Queue the posts of approved broadcasts whose time has come; returns their ids."""
    now = desk.now()
    started = []
    with desk.sessions() as session, session.begin():
        due = session.scalars(select(Broadcast).where(
            Broadcast.state == "approved",
            or_(Broadcast.scheduled_at.is_(None), Broadcast.scheduled_at <= now))
            .order_by(Broadcast.id).with_for_update(skip_locked=True)).all()
        for b in due:
            targets = session.execute(select(BroadcastTarget, Account.name).join(
                Account, Account.id == BroadcastTarget.account_id).where(
                BroadcastTarget.broadcast_id == b.id, BroadcastTarget.state == "pending")).all()
            for t, account in targets:
                media = None
                if platform_of(desk.channel(account)) == "instagram":
                    media = media_url(desk.settings, b.image)
                    if media is None:
                        t.state, t.error = "failed", NO_PUBLIC_IMAGE
                        continue
                queue_reply(session, account_id=t.account_id, text=b.text, kind="post",
                            idempotency_key=target_key(b.id, t.account_id), author="broadcast",
                            broadcast_id=b.id, media_url=media, now=now)
            b.state = "publishing"
            started.append(b.id)
    return started


def _settle_one(session: Session, b: Broadcast, now: datetime) -> Published:
    replies = {r.account_id: r for r in session.scalars(
        select(Reply).where(Reply.broadcast_id == b.id))}
    sent = failed = waiting = 0
    last_sent: datetime | None = None
    for t in session.scalars(select(BroadcastTarget).where(
            BroadcastTarget.broadcast_id == b.id)):
        reply = replies.get(t.account_id)
        if reply is not None and t.state == "pending":
            if reply.state == "sent":
                t.state, t.platform_id, t.sent_at, t.error = ("sent", reply.platform_id,
                                                              reply.sent_at or now, None)
            elif reply.state in ("failed", "cancelled"):
                t.state, t.error = "failed", reply.reason or reply.state
            elif reply.state == "held":
                t.error = f"held: {reply.reason}"  # a supervisor decides; still pending
            else:
                t.error = reply.reason  # queued for a retry, or sending
        if t.state == "sent":
            sent += 1
            last_sent = max(filter(None, (last_sent, t.sent_at)), default=None)
        elif t.state == "failed":
            failed += 1
        else:
            waiting += 1
    if not waiting:
        b.state = "published" if not failed else "failed"
        b.published_at = last_sent
        if failed:
            b.reason = f"{failed} of {sent + failed} accounts failed"
    return Published(b.id, b.state, sent, failed, waiting)


def settle(desk: Desk) -> list[Published]:
    """Copy each post's outcome to its target; a broadcast with every target settled is
    published (or failed, when an account refused it)."""
    now = desk.now()
    with desk.sessions() as session, session.begin():
        publishing = session.scalars(select(Broadcast).where(Broadcast.state == "publishing")
                                     .order_by(Broadcast.id)).all()
        return [_settle_one(session, b, now) for b in publishing]


def run_once(desk: Desk) -> list[Published]:
    start_due(desk)
    return [p for p in settle(desk) if not p.waiting]
