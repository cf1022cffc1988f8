"""The outbox: every outgoing text passes the guard again and is sent at most once.

A row moves queued -> sending (claimed by exactly one worker, committed before the network
call) -> sent | queued (retry later) | held (a person decides) | failed. A crash between the
claim and the record of the outcome leaves a `sending` row; `reconcile_stale` looks in the
thread for it and never sends it blindly again: found means sent, not found (on a platform
that can look) means queued again, and a platform that cannot look holds it for a person.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from socialdesk.connectors.errors import ConnectorError, Permanent, Rejected, RetryLater
from socialdesk.connectors.types import Connector, Ref
from socialdesk.db import rows_changed
from socialdesk.desk.context import Desk
from socialdesk.models import Account, Conversation, Message, Reply

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
STALE_AFTER = timedelta(minutes=2)
UNCERTAIN = "uncertain: "
CLAIM_SLACK = 10


@dataclass(frozen=True, slots=True)
class Outcome:
    reply_id: int
    state: str
    detail: str = ""


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with full jitter, capped."""
    ceiling: timedelta = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempts - 1)))
    share: float = (rng or random).random()
    return ceiling * (0.5 + share / 2)


def queue_reply(
    session: Session, *, account_id: int, text: str, idempotency_key: str,
    message_id: int | None = None, kind: str = "reply", template: str | None = None,
    author: str = "bot", broadcast_id: int | None = None, now: datetime,
) -> Reply:
    """Add a reply to the outbox in the caller's transaction (once per idempotency key)."""
    existing = session.scalars(
        select(Reply).where(Reply.idempotency_key == idempotency_key)).one_or_none()
    if existing is not None:
        return existing
    reply = Reply(account_id=account_id, message_id=message_id, kind=kind, text=text,
                  template=template, author=author, idempotency_key=idempotency_key,
                  broadcast_id=broadcast_id, state="queued", attempts=0, created_at=now)
    session.add(reply)
    session.flush()
    return reply


def claim(desk: Desk, limit: int = 20) -> list[int]:
    """Claim up to `limit` due replies for this worker; each is claimed by exactly one."""
    now = desk.now()
    due = (Reply.state == "queued") & or_(Reply.next_attempt_at.is_(None),
                                         Reply.next_attempt_at <= now)
    claimed: list[int] = []
    with desk.sessions() as session, session.begin():
        # A few more candidates than wanted: without row locks (SQLite) another worker may
        # take some between this SELECT and the UPDATE, and losing those is no reason to stop.
        query = (select(Reply.id).join(Account, Account.id == Reply.account_id)
                 .where(due, Account.enabled.is_(True)).order_by(Reply.id)
                 .limit(limit + CLAIM_SLACK))
        if desk.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Reply)
        for reply_id in session.scalars(query).all():
            if len(claimed) >= limit:
                break
            # The state test in WHERE makes the claim exclusive on databases without row locks.
            changed = rows_changed(session.execute(
                update(Reply).where(Reply.id == reply_id, Reply.state == "queued")
                .values(state="sending", claimed_by=desk.worker_id, claimed_at=now,
                        attempts=Reply.attempts + 1)
            ))
            if changed == 1:
                claimed.append(reply_id)
    return claimed


def _target(session: Session, reply: Reply) -> Ref | None:
    if reply.message_id is None:
        return None
    # The four columns a send needs in one query, rather than two whole rows.
    row = session.execute(
        select(Message.platform_id, Message.kind, Message.author_id,
               Conversation.platform_thread_id)
        .outerjoin(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.id == reply.message_id)
    ).first()
    if row is None:
        return None
    return Ref(platform_id=row.platform_id, kind=row.kind,
               conversation_id=row.platform_thread_id or "", author_id=row.author_id or "")


def send_claimed(desk: Desk, reply_id: int) -> Outcome:
    """Send one reply this worker has claimed, and record the outcome."""
    with desk.sessions() as session:
        reply = session.get(Reply, reply_id)
        if reply is None or reply.state != "sending" or reply.claimed_by != desk.worker_id:
            return Outcome(reply_id, "lost", "claim no longer ours")
        account = session.get(Account, reply.account_id)
        assert account is not None
        target = _target(session, reply)
        kind, text, key = reply.kind, reply.text, reply.idempotency_key
        uncertain = (reply.reason or "").startswith(UNCERTAIN)
        attempts = reply.attempts
    try:
        connector = desk.connector(account.name)
    except Exception as exc:  # a broken account setting must not stop the other sends
        return _finish(desk, reply_id, "held", reason=f"account {account.name}: {exc}")

    if kind != "hide":
        verdict = desk.guard.check_outbound(text, channel=desk.channel(account.name))
        if not verdict.ok:
            return _finish(desk, reply_id, "held",
                           reason="guard: " + ", ".join(verdict.reasons))
    if uncertain and target is not None and kind in ("reply", "private"):
        found = _look(connector, target, text)
        if found:
            return _finish(desk, reply_id, "sent", platform_id=found)
        if not connector.can_find_reply(target):
            return _finish(desk, reply_id, "held", reason=(
                "the last send may have reached the platform and this platform cannot be "
                "searched: check the thread, then release or cancel"))
    try:
        platform_id = _send(connector, kind, target, text, key)
    except RetryLater as exc:
        # A send that failed this way may still have reached the platform: the next attempt
        # looks in the thread first (hides are harmless to repeat).
        maybe_sent = kind != "hide"
        if attempts >= MAX_ATTEMPTS:
            return _finish(desk, reply_id, "held",
                           reason=f"gave up after {attempts} attempts: {exc.reason}")
        retry_at = exc.retry_at or desk.now() + backoff(attempts)
        reason = (UNCERTAIN if maybe_sent else "") + exc.reason
        return _finish(desk, reply_id, "queued", reason=reason, retry_at=retry_at)
    except Permanent as exc:
        _disable_account(desk, account.id, exc.reason)
        return _finish(desk, reply_id, "held", reason=f"account disabled: {exc.reason}")
    except Rejected as exc:
        return _finish(desk, reply_id, "failed", reason=exc.reason)
    except ConnectorError as exc:
        return _finish(desk, reply_id, "held", reason=f"{UNCERTAIN}{exc.reason}")
    except Exception as exc:  # outcome unknown: never retried blindly
        log.exception("send of reply %s failed unexpectedly", reply_id)
        return _finish(desk, reply_id, "held",
                       reason=f"{UNCERTAIN}unexpected {type(exc).__name__}: check the thread")
    return _finish(desk, reply_id, "sent", platform_id=platform_id)


def _look(connector: Connector, target: Ref, text: str) -> str | None:
    try:
        return connector.find_reply(target, text)
    except ConnectorError as exc:
        log.warning("could not look for an earlier send: %s", exc.reason)
        return None


def _send(connector: Connector, kind: str, target: Ref | None, text: str, key: str) -> str:
    if kind == "post":
        return connector.post(text, key).platform_id
    if target is None:
        raise Rejected("the message this reply answers is gone")
    if kind == "hide":
        connector.hide(target.platform_id)
        return target.platform_id
    if kind == "private":
        return connector.send_private(target, text, key).platform_id
    return connector.reply(target, text, key).platform_id


def _finish(desk: Desk, reply_id: int, state: str, *, reason: str | None = None,
            platform_id: str | None = None, retry_at: datetime | None = None) -> Outcome:
    now = desk.now()
    with desk.sessions() as session, session.begin():
        reply = session.get(Reply, reply_id)
        if reply is None:
            return Outcome(reply_id, "lost")
        reply.state = state
        reply.reason = reason
        reply.next_attempt_at = retry_at
        if state != "sending":
            reply.claimed_by = None
        if state == "sent":
            reply.platform_id = platform_id
            reply.sent_at = now
            reply.reason = None
            _record_response(session, reply, now)
        elif state in ("held", "failed") and reply.message_id is not None:
            message = session.get(Message, reply.message_id)
            if message is not None and message.state in ("closed", "waiting"):
                message.state = "open"
    log.info("reply %s -> %s%s", reply_id, state, f" ({reason})" if reason else "")
    return Outcome(reply_id, state, reason or "")


def _record_response(session: Session, reply: Reply, now: datetime) -> None:
    if reply.message_id is None:
        return
    # Conditional UPDATEs: no need to load the message (with its raw payload) to set a flag.
    if reply.kind == "hide":
        session.execute(update(Message).where(Message.id == reply.message_id)
                        .values(hidden=True))
        return
    session.execute(update(Message).where(Message.id == reply.message_id,
                                          Message.first_response_at.is_(None))
                    .values(first_response_at=now))


def _disable_account(desk: Desk, account_id: int, reason: str) -> None:
    now = desk.now()
    with desk.sessions() as session, session.begin():
        account = session.get(Account, account_id)
        if account is not None:
            account.enabled = False
            account.disabled_reason = reason
            account.last_error = reason
            account.last_error_at = now
    log.error("account %s disabled: %s", account_id, reason)


def reconcile_stale(desk: Desk, older_than: timedelta = STALE_AFTER) -> list[Outcome]:
    """Settle `sending` rows whose worker died: mark them uncertain and queue them, so the
    next attempt looks in the thread before it sends anything."""
    cutoff = desk.now() - older_than
    outcomes = []
    with desk.sessions() as session, session.begin():
        stale = session.scalars(
            select(Reply).where(Reply.state == "sending", Reply.claimed_at < cutoff)
        ).all()
        for reply in stale:
            changed = rows_changed(session.execute(
                update(Reply).where(Reply.id == reply.id, Reply.state == "sending",
                                    Reply.claimed_by == reply.claimed_by)
                .values(state="queued", claimed_by=None, next_attempt_at=None,
                        reason=UNCERTAIN + "the sender stopped during the send")
            ))
            if changed:
                outcomes.append(Outcome(reply.id, "queued", "reconcile"))
    return outcomes


def run_once(desk: Desk, limit: int = 20) -> list[Outcome]:
    # One claim per send: a worker that dies strands only the reply it was sending, not a
    # batch of unsent ones that would each count an attempt and need a look in the thread.
    outcomes = []
    for _ in range(limit):
        claimed = claim(desk, 1)
        if not claimed:
            break
        outcomes.append(send_claimed(desk, claimed[0]))
    return outcomes
