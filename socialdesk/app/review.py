"""What a supervisor does with replies the outbox held back: list them, send one again after
checking the thread, record one as already sent, or cancel it.

A reply the content guard blocked can never be released as it is (the outbox would check it
again); it is cancelled and an agent writes a new one. A reply held because its send may have
reached the platform is released only after a person has looked in the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.app.actions import audit, checked_actor
from socialdesk.app.views import InvalidRequest, NotFound
from socialdesk.desk.context import Desk
from socialdesk.rules.pii import mask
from socialdesk.store.models import Account, Message, Reply

# Held for what it says (the guard, or a canned reply that failed to render): never sent as is.
NOT_RELEASABLE = ("guard: ", "template ")


@dataclass(frozen=True, slots=True)
class HeldReply:
    id: int
    message_id: int | None
    account: str
    kind: str
    author: str
    reason: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Reviewed:
    reply_id: int
    state: str


def held(desk: Desk, limit: int = 100) -> list[HeldReply]:
    """Held replies, oldest first, with personal data masked in their text."""
    with desk.sessions() as session:
        rows = session.execute(
            select(Reply, Account.name).join(Account, Account.id == Reply.account_id)
            .where(Reply.state == "held").order_by(Reply.id).limit(limit)).all()
        return [HeldReply(r.id, r.message_id, name, r.kind, r.author, r.reason or "",
                          mask(r.text), r.created_at) for r, name in rows]


def _held(session: Session, reply_id: int) -> Reply:
    reply = session.get(Reply, reply_id)
    if reply is None:
        raise NotFound(f"no reply {reply_id}")
    if reply.state != "held":
        raise InvalidRequest(f"reply {reply_id} is {reply.state}, not held")
    return reply


def release(desk: Desk, reply_id: int, *, actor: str) -> Reviewed:
    """Send a held reply again (the thread was checked and it is not there)."""
    actor, now = checked_actor(actor), desk.now()
    with desk.sessions() as session, session.begin():
        reply = _held(session, reply_id)
        if (reply.reason or "").startswith(NOT_RELEASABLE):
            raise InvalidRequest(
                f"reply {reply_id} was stopped for its content ({reply.reason}); cancel it "
                "and write a new reply")
        previous = reply.reason
        reply.state, reply.reason, reply.next_attempt_at = "queued", None, now
        reply.attempts = 0
        reply.approved_by_id = None
        audit(session, now, actor, "reply_release", "reply", reply_id, reason=previous)
    return Reviewed(reply_id, "queued")


def mark_sent(desk: Desk, reply_id: int, *, actor: str, platform_id: str) -> Reviewed:
    """Record a held reply as sent: a person found it in the thread."""
    actor, now = checked_actor(actor), desk.now()
    if not platform_id.strip():
        raise InvalidRequest("give the id of the reply found on the platform")
    with desk.sessions() as session, session.begin():
        reply = _held(session, reply_id)
        reply.state, reply.platform_id, reply.sent_at = "sent", platform_id.strip(), now
        if reply.message_id is not None:
            message = session.get(Message, reply.message_id)
            if message is not None and message.first_response_at is None:
                message.first_response_at = now
        audit(session, now, actor, "reply_mark_sent", "reply", reply_id,
               platform_id=platform_id.strip(), reason=reply.reason)
        reply.reason = None
    return Reviewed(reply_id, "sent")


def cancel(desk: Desk, reply_id: int, *, actor: str, note: str = "") -> Reviewed:
    """Drop a held reply; its message goes back to the agents' queue."""
    actor, now = checked_actor(actor), desk.now()
    with desk.sessions() as session, session.begin():
        reply = _held(session, reply_id)
        reply.state = "cancelled"
        if reply.message_id is not None:
            message = session.get(Message, reply.message_id)
            if message is not None and message.state != "ignored":
                message.state = "open"
        audit(session, now, actor, "reply_cancel", "reply", reply_id, reason=reply.reason,
               note=note)
    return Reviewed(reply_id, "cancelled")
