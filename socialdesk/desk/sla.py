"""The SLA watcher: warnings before, and records of, missed response and fulfilment times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from socialdesk.desk.context import Desk
from socialdesk.store.db import upsert
from socialdesk.store.models import Broadcast, Message, SlaEvent, Ticket


@dataclass(frozen=True, slots=True)
class SlaCounts:
    warnings: int = 0
    breaches: int = 0


def _record(session: Session, *, kind: str, target: str, subject: str, due_at: datetime,
            now: datetime, **refs: Any) -> int:
    result = session.execute(
        upsert(session, SlaEvent).values(kind=kind, target=target, subject=subject, due_at=due_at,
                                at=now, **refs)
        .on_conflict_do_nothing(index_elements=["kind", "target", "subject"])
        .returning(SlaEvent.id))
    return 1 if result.first() is not None else 0


def watch(desk: Desk) -> SlaCounts:
    """Record each warning and breach once. A warning comes when at most
    `warn_before_minutes` working minutes are left; a breach when the due time has passed."""
    now = desk.now()
    warn_until = desk.calendar.add(now, timedelta(minutes=desk.settings.sla.warn_before_minutes))
    warnings = breaches = 0
    with desk.sessions() as session, session.begin():
        unanswered = session.execute(select(Message.id, Message.response_due_at).where(
            Message.first_response_at.is_(None), Message.state.not_in(("ignored", "closed")),
            Message.response_due_at <= warn_until)).all()
        open_tickets = session.execute(select(Ticket.id, Ticket.due_at).where(
            Ticket.state.in_(("open", "in_progress")), Ticket.due_at <= warn_until)).all()
        late_broadcasts = session.execute(select(Broadcast.id, Broadcast.due_at).where(
            Broadcast.state.in_(("draft", "pending", "approved")),
            Broadcast.due_at <= now)).all()
        sweeps = (("response", "message", unanswered), ("fulfilment", "ticket", open_tickets),
                  ("broadcast", "broadcast", late_broadcasts),
                  *_settled_late(session))
        for target, ref, rows in sweeps:
            for ref_id, due in rows:
                if due is None:
                    continue
                kind = "breach" if due <= now else "warning"
                added = _record(session, kind=kind, target=target, subject=f"{ref}:{ref_id}",
                                due_at=due, now=now, **{f"{ref}_id": ref_id})
                warnings += added if kind == "warning" else 0
                breaches += added if kind == "breach" else 0
    return SlaCounts(warnings, breaches)


def _settled_late(session: Session) -> list[tuple[str, str, Sequence[Any]]]:
    """Messages answered (or closed), tickets resolved and broadcasts published after their
    due time that have no breach yet: a late answer between two sweeps is a breach too, so
    the events agree with the timestamps whatever the sweep interval."""
    def unrecorded(target: str, column: Any) -> Any:
        return ~select(SlaEvent.id).where(SlaEvent.kind == "breach", SlaEvent.target == target,
                                          column).exists()
    handled = func.coalesce(Message.first_response_at, Message.closed_at)
    messages = session.execute(select(Message.id, Message.response_due_at).where(
        handled.is_not(None), Message.response_due_at.is_not(None),
        handled > Message.response_due_at, Message.state != "ignored",
        unrecorded("response", SlaEvent.message_id == Message.id))).all()
    tickets = session.execute(select(Ticket.id, Ticket.due_at).where(
        Ticket.resolved_at.is_not(None), Ticket.resolved_at > Ticket.due_at,
        unrecorded("fulfilment", SlaEvent.ticket_id == Ticket.id))).all()
    broadcasts = session.execute(select(Broadcast.id, Broadcast.due_at).where(
        Broadcast.published_at.is_not(None), Broadcast.due_at.is_not(None),
        Broadcast.published_at > Broadcast.due_at,
        unrecorded("broadcast", SlaEvent.broadcast_id == Broadcast.id))).all()
    return [("response", "message", messages), ("fulfilment", "ticket", tickets),
            ("broadcast", "broadcast", broadcasts)]


def at_risk_filter(desk: Desk) -> ColumnElement[bool]:
    """The condition on messages that are unanswered and inside the warning window or past
    due, for a query to add to its own (the queue's at-risk filter is one query)."""
    warn_until = desk.calendar.add(desk.now(),
                                   timedelta(minutes=desk.settings.sla.warn_before_minutes))
    return and_(Message.first_response_at.is_(None),
                Message.state.not_in(("ignored", "closed")),
                Message.response_due_at <= warn_until)


def at_risk(session: Session, desk: Desk) -> list[int]:
    """Ids of unanswered messages inside the warning window or past due, oldest due first."""
    return list(session.scalars(
        select(Message.id).where(at_risk_filter(desk)).order_by(Message.response_due_at)))
