"""A fingerprint of the agents' queue: it changes when the top of the queue changes (a
message arrives, is triaged, claimed, answered, escalated or closed), and once a minute, as
the response clocks the pages show in minutes move on.

The console's event stream reads it once a second for all its connected agents together,
so fifty open pages cost one small query, not fifty queue pages. It reads what the queue
page reads by default (its first `TOP` rows of each part, from the partial indexes) and the
newest message's id, never every open message: a year's backlog can hold hundreds of
thousands. A change further down, seen only by a filtered page, reaches it with the minute.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, func, select

from socialdesk.app.views import DEFAULT_STATES
from socialdesk.desk.context import Desk
from socialdesk.store.models import Message

TOP = 200  # the queue page's own limit


def queue_fingerprint(desk: Desk) -> str:
    """A short digest of the top of the queue, the newest message, and the minute."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(desk.now().strftime("%Y%m%d%H%M").encode())
    columns = (Message.id, Message.state, Message.claimed_by_id, Message.service_id,
               Message.item_id, Message.action)
    # The states as literals, as views.queue names them, so the partial indexes apply.
    worked_on = Message.state.in_(bindparam("b_states", DEFAULT_STATES, expanding=True,
                                            literal_execute=True))
    in_order = (Message.response_due_at.asc().nulls_last(), Message.id)
    with desk.sessions() as session:
        digest.update(repr(session.scalar(select(func.max(Message.id)))).encode())
        for answered in (Message.first_response_at.is_(None),
                         Message.first_response_at.is_not(None)):
            rows = session.execute(select(*columns).where(worked_on, answered)
                                   .order_by(*in_order).limit(TOP))
            for row in rows:
                digest.update(repr(tuple(row)).encode())
            digest.update(b"|")
    return digest.hexdigest()
