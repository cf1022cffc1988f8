"""Personal data in a message is masked everywhere; an agent who needs it (to find
the user's case) reveals it with an explicit click, and the reveal is audited."""

from __future__ import annotations

from socialdesk.app.actions import audit, checked_actor
from socialdesk.app.views import load_message
from socialdesk.desk.context import Desk


def reveal(desk: Desk, message_id: int, *, actor: str) -> str:
    """The message's text as it came, unmasked; who looked and when goes to the audit log."""
    actor, now = checked_actor(actor), desk.now()
    with desk.sessions() as session, session.begin():
        message = load_message(session, message_id)
        audit(session, now, actor, "reveal", "message", message.id)
        return message.text
