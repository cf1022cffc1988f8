"""Retention: personal data kept no longer than the settings allow (UU PDP No. 27/2022).

Once a message is older than `retention.message_days`, its text and raw platform payload are
removed and its author is replaced by a pseudonym (the same for every message of that
author, so counts per person still add up); its conversation's handle goes too, and the
summary of its ticket is masked (NIK, account and phone numbers...) with the requester
pseudonymised. Messages an agent may still have to act on (new, open) are left alone. The
job is idempotent: a purged message is not touched again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update

from socialdesk.core.vocab import OPEN_STATES
from socialdesk.desk.context import Desk
from socialdesk.rules.pii import mask
from socialdesk.store.models import Conversation, Message, Ticket

PURGED = {"purged": True}
BATCH = 500


@dataclass(frozen=True, slots=True)
class Purged:
    messages: int = 0
    tickets: int = 0


def pseudonym(platform: str, author: str | None) -> str | None:
    """A stable stand-in for an author: the same person gives the same pseudonym."""
    if not author:
        return None
    digest = hashlib.sha256(f"{platform}:{author}".encode()).hexdigest()[:12]
    return f"anon-{digest}"


def purge(desk: Desk) -> Purged:
    """Remove or pseudonymise what is past its retention time, in batches."""
    days = desk.settings.retention.message_days
    if days <= 0:
        return Purged()
    cutoff = desk.now() - timedelta(days=days)
    messages = tickets = 0
    while True:
        with desk.sessions() as session, session.begin():
            rows = session.execute(
                select(Message.id, Message.platform, Message.author_id, Message.author_handle,
                       Message.conversation_id)
                .where(Message.received_at < cutoff, Message.state.not_in(OPEN_STATES),
                       # Not yet purged: a purged row has no text and a pseudonym (or no
                       # author at all), so the loop ends.
                       or_(Message.text != "", Message.author_handle.not_like("anon-%")))
                .order_by(Message.id).limit(BATCH)).all()
            if not rows:
                break
            for r in rows:
                who = pseudonym(r.platform, r.author_id or r.author_handle)
                session.execute(update(Message).where(Message.id == r.id).values(
                    text="", raw=PURGED, pii=[], author_id=who, author_handle=who))
                if r.conversation_id is not None:
                    session.execute(update(Conversation)
                                    .where(Conversation.id == r.conversation_id)
                                    .values(author_handle=who))
                for ticket in session.scalars(select(Ticket).where(Ticket.message_id == r.id)):
                    ticket.summary = mask(ticket.summary)
                    ticket.requester_id = pseudonym(r.platform, ticket.requester_id)
                    ticket.requester_handle = who
                    tickets += 1
            messages += len(rows)
    return Purged(messages, tickets)
