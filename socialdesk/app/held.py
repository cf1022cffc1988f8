"""A supervisor's decision on a held reply, with the reason they give (both audited)."""

from __future__ import annotations

from socialdesk.app import review
from socialdesk.app.actions import audit, checked_actor
from socialdesk.desk.context import Desk


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
