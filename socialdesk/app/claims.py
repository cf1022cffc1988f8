"""Claims: one agent works a message at a time, so two agents never answer the same one.

A claim is a conditional UPDATE (free, or already mine), so of two agents clicking at the
same moment exactly one gets it on either database; the other is told who has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from socialdesk.app.actions import audit
from socialdesk.app.users import UserView
from socialdesk.app.views import NotFound
from socialdesk.desk.context import Desk
from socialdesk.store.db import rows_changed
from socialdesk.store.models import Message, User

NOBODY = ""


class ClaimedByOther(Exception):
    """Another agent has the message; `holder` says who."""

    def __init__(self, message_id: int, holder: str) -> None:
        super().__init__(f"message {message_id} is being handled by {holder}")
        self.message_id = message_id
        self.holder = holder


@dataclass(frozen=True, slots=True)
class Claim:
    message_id: int
    holder: str | None  # None: released


def claim(desk: Desk, message_id: int, user: UserView) -> Claim:
    now = desk.now()
    with desk.sessions() as session, session.begin():
        result = session.execute(
            update(Message).where(Message.id == message_id, or_(
                Message.claimed_by_id.is_(None), Message.claimed_by_id == user.id))
            .values(claimed_by_id=user.id))
        if rows_changed(result) == 0:
            raise ClaimedByOther(message_id, _holder(session, message_id))
        audit(session, now, user.username, "claim", "message", message_id)
    return Claim(message_id, user.username)


def release(desk: Desk, message_id: int, user: UserView) -> Claim:
    """Give a message back. A supervisor may take it from anyone (an agent who went home)."""
    now = desk.now()
    with desk.sessions() as session, session.begin():
        query = update(Message).where(Message.id == message_id)
        if not user.may("supervisor"):
            query = query.where(Message.claimed_by_id == user.id)
        result = session.execute(query.values(claimed_by_id=None))
        if rows_changed(result) == 0:
            holder = _holder(session, message_id)
            if holder != NOBODY:
                raise ClaimedByOther(message_id, holder)
        audit(session, now, user.username, "release", "message", message_id)
    return Claim(message_id, None)


def _holder(session: Session, message_id: int) -> str:
    row = session.execute(
        select(Message.id, User.username).outerjoin(User, User.id == Message.claimed_by_id)
        .where(Message.id == message_id)).first()
    if row is None:
        raise NotFound(f"no message {message_id}")
    return row[1] or NOBODY
