"""A fingerprint of the agents' queue: it changes when anything an open queue page shows
changes (a message arrives, is triaged, claimed, answered, escalated or closed) and once a
minute, as the response clocks the page shows in minutes move on.

The console's event stream reads it once a second for all its connected agents together,
so fifty open pages cost one small query, not fifty queue pages.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, select

from socialdesk.app.views import DEFAULT_STATES
from socialdesk.desk.context import Desk
from socialdesk.store.models import Message


def queue_fingerprint(desk: Desk) -> str:
    """A short digest of the messages still worked on, and of the minute."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(desk.now().strftime("%Y%m%d%H%M").encode())
    with desk.sessions() as session:
        # The states as literals, as views.queue names them: the partial indexes apply.
        rows = session.execute(
            select(Message.id, Message.state, Message.claimed_by_id,
                   Message.first_response_at.is_(None), Message.service_id, Message.item_id,
                   Message.action)
            .where(Message.state.in_(bindparam("b_states", DEFAULT_STATES, expanding=True,
                                               literal_execute=True)))
            .order_by(Message.id))
        for row in rows:
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
