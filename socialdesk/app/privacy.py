"""A person's data on request (UU PDP No. 27/2022): what the desk holds about them (export)
and its erasure (forget), each recorded in the audit log without the person's handle.

A person is named by platform and handle; their platform ids found on those messages bring
in what they wrote under an earlier handle. Erasure empties the texts and raw payloads of
their messages and removes their handle and id, masks and unlinks their tickets, and
empties the desk's replies to them (a reply not yet sent is cancelled). Counts of what was
erased are returned and audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from socialdesk.app.actions import audit, checked_actor
from socialdesk.app.views import InvalidRequest
from socialdesk.core.vocab import PENDING_REPLY_STATES, PLATFORMS, platform_of
from socialdesk.desk.context import Desk
from socialdesk.store.db import rows_changed
from socialdesk.store.models import Conversation, Message, Reply, Ticket

ERASED = "[dihapus atas permintaan pemilik data]"


@dataclass(frozen=True, slots=True)
class Forgotten:
    platform: str
    messages: int
    conversations: int
    tickets: int
    replies: int


def _platform(name: str) -> str:
    try:
        return platform_of(name)
    except ValueError:
        raise InvalidRequest(f"unknown platform {name!r} (one of {', '.join(PLATFORMS)})") \
            from None


def _handle(handle: str) -> str:
    cleaned = handle.strip().lstrip("@").lower()
    if not cleaned:
        raise InvalidRequest("give the person's handle, e.g. --author budi")
    return cleaned


def _same_handle(column: Any, handle: str) -> ColumnElement[bool]:
    return func.lower(func.ltrim(column, "@")) == handle


def _person(session: Session, platform: str, handle: str) -> ColumnElement[bool]:
    """Messages by the person: by handle, and by any platform id seen with that handle."""
    ids = [i for i in session.scalars(select(Message.author_id).distinct().where(
        Message.platform == platform, _same_handle(Message.author_handle, handle))) if i]
    by_handle = _same_handle(Message.author_handle, handle)
    mine = or_(by_handle, Message.author_id.in_(ids)) if ids else by_handle
    return and_(Message.platform == platform, mine)


def _subject(platform: str, handle: str) -> str:
    """What the audit log names: not the handle, which is the data being erased."""
    return hashlib.sha256(f"{platform}:{handle}".encode()).hexdigest()[:16]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export(desk: Desk, *, platform: str, handle: str, actor: str) -> dict[str, Any]:
    """Everything the desk holds about the person, as plain JSON-ready data."""
    actor, platform, handle = checked_actor(actor), _platform(platform), _handle(handle)
    with desk.sessions() as session, session.begin():
        messages = session.scalars(select(Message).where(_person(session, platform, handle))
                                   .order_by(Message.id)).all()
        ids = [m.id for m in messages]
        tickets = session.scalars(select(Ticket).where(Ticket.message_id.in_(ids))).all()
        replies = session.scalars(select(Reply).where(Reply.message_id.in_(ids))).all()
        audit(session, desk.now(), actor, "export", "person", _subject(platform, handle),
              platform=platform, messages=len(messages), tickets=len(tickets))
        return {
            "platform": platform, "handle": handle, "exported_at": _iso(desk.now()),
            "messages": [dict(id=m.id, kind=m.kind, handle=m.author_handle,
                              platform_id=m.platform_id, text=m.text, raw=m.raw,
                              written_at=_iso(m.platform_created_at),
                              received_at=_iso(m.received_at), state=m.state,
                              service=m.service_id, item=m.item_id, personal_data=m.pii)
                         for m in messages],
            "tickets": [dict(number=t.number, state=t.state, service=t.service_id,
                             item=t.item_id, summary=t.summary, opened_at=_iso(t.opened_at),
                             resolved_at=_iso(t.resolved_at)) for t in tickets],
            "replies": [dict(message_id=r.message_id, state=r.state, text=r.text,
                             sent_at=_iso(r.sent_at)) for r in replies],
        }


def forget(desk: Desk, *, platform: str, handle: str, actor: str) -> Forgotten:
    """Erase the person's data everywhere the desk keeps it; counts of what was erased."""
    actor, platform, handle = checked_actor(actor), _platform(platform), _handle(handle)
    now = desk.now()
    with desk.sessions() as session, session.begin():
        rows = session.execute(select(Message.id, Message.conversation_id)
                               .where(_person(session, platform, handle))).all()
        ids = [r.id for r in rows]
        threads = {r.conversation_id for r in rows if r.conversation_id is not None}
        session.execute(update(Message).where(Message.id.in_(ids)).values(
            text=ERASED, raw={}, pii=[], author_id=None, author_handle=None))
        conversations = rows_changed(session.execute(
            update(Conversation).where(or_(Conversation.id.in_(threads), and_(
                Conversation.account_id.in_(select(Message.account_id)
                                            .where(Message.id.in_(ids))),
                _same_handle(Conversation.author_handle, handle))))
            .values(author_handle=None)))
        tickets = rows_changed(session.execute(
            update(Ticket).where(or_(Ticket.message_id.in_(ids), and_(
                Ticket.requester_platform == platform,
                _same_handle(Ticket.requester_handle, handle))))
            .values(summary=ERASED, requester_id=None, requester_handle=None)))
        session.execute(update(Reply).where(Reply.message_id.in_(ids),
                                            Reply.state.in_(PENDING_REPLY_STATES))
                        .values(state="cancelled", reason="the person's data was erased"))
        replies = rows_changed(session.execute(update(Reply).where(Reply.message_id.in_(ids))
                                  .values(text=ERASED)))
        done = Forgotten(platform, len(ids), conversations, tickets, replies)
        audit(session, now, actor, "forget", "person", _subject(platform, handle),
              platform=platform, messages=done.messages, conversations=done.conversations,
              tickets=done.tickets, replies=done.replies)
    return done
