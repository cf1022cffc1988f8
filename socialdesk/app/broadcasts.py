"""Layanan Broadcast: a request to announce something on several accounts, approved by a
supervisor other than the requester, then published by the scheduler (desk.publish).

The SLA of the service is 8 working hours from the request to publication; a broadcast
published (or still unpublished) after its due time is late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from socialdesk.app.actions import audit, checked_actor
from socialdesk.app.broadcast_fit import Fit, fit
from socialdesk.app.broadcast_media import store_image
from socialdesk.app.views import InvalidRequest, NotFound
from socialdesk.desk.context import Desk
from socialdesk.store.models import Account, Broadcast, BroadcastTarget, User

SLA_HOURS = 8.0  # service 14 of the catalog, Layanan Broadcast
APPROVERS = ("supervisor", "admin")


@dataclass(frozen=True, slots=True)
class TargetView:
    account: str
    state: str
    platform_id: str | None
    error: str | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class BroadcastView:
    id: int
    title: str
    text: str
    state: str
    requested_by: str
    requested_at: datetime
    due_at: datetime | None
    scheduled_at: datetime | None
    approved_by: str | None
    published_at: datetime | None
    reason: str | None
    image: str | None
    targets: tuple[TargetView, ...]
    late: bool


@dataclass(frozen=True, slots=True)
class Drafted:
    broadcast: BroadcastView
    fits: tuple[Fit, ...]


def _user(session: Session, username: str) -> User:
    name = checked_actor(username).lower()
    user = session.scalars(select(User).where(User.username == name)).first()
    if user is None or not user.active:
        raise InvalidRequest(f"no active user {username!r}: broadcasts are requested and "
                             "approved by desk users")
    return user


def is_late(b: Broadcast, now: datetime) -> bool:
    if b.due_at is None or b.state == "rejected":
        return False
    done = b.published_at
    return done > b.due_at if done is not None else now > b.due_at


def _view(session: Session, b: Broadcast, now: datetime) -> BroadcastView:
    names = {uid: name for uid, name in session.execute(select(User.id, User.username).where(
        User.id.in_([i for i in (b.requested_by_id, b.approved_by_id) if i is not None])))}
    targets = session.execute(
        select(Account.name, BroadcastTarget)
        .join(Account, Account.id == BroadcastTarget.account_id)
        .where(BroadcastTarget.broadcast_id == b.id).order_by(BroadcastTarget.id)).all()
    return BroadcastView(
        id=b.id, title=b.title, text=b.text, state=b.state,
        requested_by=names.get(b.requested_by_id, "-") if b.requested_by_id else "-",
        requested_at=b.requested_at, due_at=b.due_at, scheduled_at=b.scheduled_at,
        approved_by=names.get(b.approved_by_id) if b.approved_by_id else None,
        published_at=b.published_at, reason=b.reason, image=b.image,
        targets=tuple(TargetView(name, t.state, t.platform_id, t.error, t.sent_at)
                      for name, t in targets),
        late=is_late(b, now))


def check(desk: Desk, text: str, accounts: Sequence[str], *,
          image: str | None = None) -> tuple[Fit, ...]:
    """How the text fits each account (shown before drafting and before approval)."""
    if not text.strip():
        raise InvalidRequest("a broadcast needs a text")
    if not accounts:
        raise InvalidRequest("a broadcast needs at least one account")
    known = {a.name for a in desk.settings.accounts}
    unknown = [a for a in accounts if a not in known]
    if unknown:
        raise InvalidRequest(f"unknown accounts {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(known))})")
    return tuple(fit(desk, a, text, image=image) for a in dict.fromkeys(accounts))


def _refuse_misfits(fits: Sequence[Fit]) -> None:
    problems = [f"{f.account}: {p}" for f in fits for p in f.problems]
    if problems:
        raise InvalidRequest("the broadcast does not fit: " + "; ".join(problems))


def draft(desk: Desk, *, text: str, accounts: Sequence[str], actor: str,
          at: datetime | None = None, image: str | None = None, title: str = "") -> Drafted:
    """Record a request; it waits for a supervisor's approval. `image` is a file, copied
    into the desk's media folder (the broadcast keeps the copy's name)."""
    fits = check(desk, text, accounts, image=image)
    _refuse_misfits(fits)
    if image:
        image = store_image(desk.settings, image)
    now = desk.now()
    if at is not None and at.tzinfo is None:
        raise InvalidRequest("the publication time needs a zone")
    with desk.sessions() as session, session.begin():
        requester = _user(session, actor)
        ids = {name: id_ for name, id_ in session.execute(select(Account.name, Account.id)
                                                          .where(Account.name.in_(
                                                              [f.account for f in fits])))}
        missing = [f.account for f in fits if f.account not in ids]
        if missing:
            raise InvalidRequest(f"accounts not in the database yet: {', '.join(missing)} "
                                 "(`socialdesk init` or `socialdesk run` adds them)")
        b = Broadcast(title=(title or " ".join(text.split())[:80]), text=text, state="pending",
                      requested_by_id=requester.id, requested_at=now,
                      due_at=desk.calendar.add(now, SLA_HOURS), scheduled_at=at, image=image)
        session.add(b)
        session.flush()
        for f in fits:
            session.add(BroadcastTarget(broadcast_id=b.id, account_id=ids[f.account],
                                        state="pending"))
        audit(session, now, requester.username, "broadcast_draft", "broadcast", b.id,
              accounts=[f.account for f in fits])
        session.flush()
        return Drafted(_view(session, b, now), fits)


def _pending(session: Session, broadcast_id: int) -> Broadcast:
    b = session.get(Broadcast, broadcast_id, with_for_update=True)
    if b is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    if b.state != "pending":
        raise InvalidRequest(f"broadcast {broadcast_id} is {b.state}, not waiting for approval")
    return b


def _approver(session: Session, actor: str, b: Broadcast) -> User:
    user = _user(session, actor)
    if user.role not in APPROVERS:
        raise InvalidRequest(f"{user.username} is an {user.role}; a supervisor approves "
                             "broadcasts")
    if user.id == b.requested_by_id:
        raise InvalidRequest("the requester cannot approve or reject their own broadcast")
    return user


def approve(desk: Desk, broadcast_id: int, *, actor: str) -> BroadcastView:
    now = desk.now()
    with desk.sessions() as session, session.begin():
        b = _pending(session, broadcast_id)
        user = _approver(session, actor, b)
        accounts = session.scalars(select(Account.name).join(
            BroadcastTarget, BroadcastTarget.account_id == Account.id)
            .where(BroadcastTarget.broadcast_id == b.id)).all()
        # The guard or the accounts may have changed since the draft: check again.
        _refuse_misfits(check(desk, b.text, list(accounts), image=b.image))
        b.state, b.approved_by_id, b.approved_at = "approved", user.id, now
        audit(session, now, user.username, "broadcast_approve", "broadcast", b.id)
        session.flush()
        return _view(session, b, now)


def reject(desk: Desk, broadcast_id: int, *, actor: str, reason: str = "") -> BroadcastView:
    now = desk.now()
    with desk.sessions() as session, session.begin():
        b = _pending(session, broadcast_id)
        user = _approver(session, actor, b)
        b.state, b.reason = "rejected", reason.strip() or "rejected by a supervisor"
        b.approved_by_id, b.approved_at = user.id, now
        audit(session, now, user.username, "broadcast_reject", "broadcast", b.id,
              reason=b.reason)
        session.flush()
        return _view(session, b, now)


def get(desk: Desk, broadcast_id: int) -> BroadcastView:
    with desk.sessions() as session:
        b = session.get(Broadcast, broadcast_id)
        if b is None:
            raise NotFound(f"no broadcast {broadcast_id}")
        return _view(session, b, desk.now())


def list_broadcasts(desk: Desk, *, since: datetime | None = None,
                    until: datetime | None = None, limit: int = 50) -> list[BroadcastView]:
    """Newest first; `since`/`until` bound the request time."""
    with desk.sessions() as session:
        query = select(Broadcast).order_by(Broadcast.requested_at.desc(), Broadcast.id.desc())
        if since is not None:
            query = query.where(Broadcast.requested_at >= since)
        if until is not None:
            query = query.where(Broadcast.requested_at < until)
        now = desk.now()
        return [_view(session, b, now) for b in session.scalars(query.limit(limit))]


def published_between(desk: Desk, start: datetime, end: datetime) -> list[BroadcastView]:
    """Broadcasts requested, due or published in [start, end), for the digest."""
    with desk.sessions() as session:
        now = desk.now()
        rows = session.scalars(select(Broadcast).where(
            ((Broadcast.requested_at >= start) & (Broadcast.requested_at < end))
            | ((Broadcast.published_at >= start) & (Broadcast.published_at < end))
            | ((Broadcast.due_at >= start) & (Broadcast.due_at < end))
        ).order_by(Broadcast.id)).all()
        return [_view(session, b, now) for b in rows]


__all__ = ["SLA_HOURS", "BroadcastView", "Drafted", "TargetView", "approve", "check", "draft",
           "get", "is_late", "list_broadcasts", "published_between", "reject"]
