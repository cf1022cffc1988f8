"""A supervisor's decision on a held reply (approve, edit, discard), with the reason they
give; all audited."""

from __future__ import annotations

from socialdesk.app import review
from socialdesk.app.actions import ReplyRefused, audit, checked_actor
from socialdesk.app.views import InvalidRequest, NotFound
from socialdesk.core.vocab import channel_of
from socialdesk.desk.context import Desk
from socialdesk.rules.pii import mask
from socialdesk.store.models import Account, Message, Reply


def approve(desk: Desk, reply_id: int, *, actor: str, reason: str = "") -> review.Reviewed:
    """Let a held reply go out; the supervisor's reason is kept next to the release."""
    done = review.release(desk, reply_id, actor=actor)
    _note(desk, reply_id, actor, "reply_approve", reason)
    return done


def discard(desk: Desk, reply_id: int, *, actor: str, reason: str = "") -> review.Reviewed:
    return review.cancel(desk, reply_id, actor=actor, note=reason)


def _note(desk: Desk, reply_id: int, actor: str, action: str, reason: str) -> None:
    with desk.sessions() as session, session.begin():
        audit(session, desk.now(), checked_actor(actor), action, "reply", reply_id,
              reason=reason[:500])


def edit(desk: Desk, reply_id: int, text: str, *, actor: str,
         reason: str = "") -> review.Reviewed:
    """Rewrite a held reply and let it go: the new text must pass the guard for the
    platform it goes to; the old text stays in the audit log (masked)."""
    actor, now, body = checked_actor(actor), desk.now(), text.strip()
    if not body:
        raise InvalidRequest("the reply text is empty")
    with desk.sessions() as session, session.begin():
        reply = session.get(Reply, reply_id)
        if reply is None:
            raise NotFound(f"no reply {reply_id}")
        if reply.state != "held":
            raise InvalidRequest(f"reply {reply_id} is {reply.state}, not held")
        message = session.get(Message, reply.message_id) if reply.message_id else None
        account = session.get(Account, reply.account_id)
        platform = message.platform if message is not None else (
            account.platform if account is not None else "")
        verdict = desk.guard.check_outbound(body, channel=channel_of(platform))
        if not verdict.ok:
            raise ReplyRefused(verdict.reasons)
        previous, held_for = reply.text, reply.reason
        reply.text, reply.state, reply.reason = body, "queued", None
        reply.next_attempt_at, reply.attempts = now, 0
        audit(session, now, actor, "reply_edit", "reply", reply_id, held_for=held_for,
              previous=mask(previous), reason=reason[:500])
    return review.Reviewed(reply_id, "queued")
