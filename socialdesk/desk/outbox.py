"""The outbox: every outgoing text passes the guard again and is sent at most once.

A row moves queued -> sending (claimed by exactly one worker, committed before the network
call) -> sent | queued (retry later) | held (a person decides) | failed. A crash between the
claim and the record of the outcome leaves `sending` rows; `release_dead_claims` settles
them and never lets one be sent blindly again: the row that may have reached the platform is
marked uncertain, so its next attempt looks in the thread first (found means sent, not found
on a platform that can look means send, a platform that cannot look holds it for a person).

A worker claims a few due replies in one statement, then sends them one at a time in id
order and commits each outcome before it starts the next send. So of the rows one claim
left in `sending`, only the one with the smallest id can have been handed to a platform;
the others were never tried and go back to the queue as they were.

On PostgreSQL an outcome's commit does not wait for the disk (synchronous_commit off for
that one statement: a send's record costs a quarter of the time). The outcome is visible at
once, so a worker that dies still leaves only its claim's smallest `sending` row possibly
tried. But a crash of the database server can lose the latest such commits, putting several
rows of one claim back in `sending`, any of which may have been sent. The claim itself waits
for the disk and stores the server's incarnation token (`outbox_epoch`, an UNLOGGED table
that crash recovery empties; the first claim that finds it empty writes a new token).
Reconciliation compares: a claim whose token is no longer current (or that has none) went
through a crash of the server, and every one of its `sending` rows is taken for possibly
sent (looked for in the thread, or held for a person), never sent blindly. SQLite commits
wait as before (its WAL keeps commits across a crash of the process).

A text the guard blocks is held for good (`guard: ...`); a text it puts up for review is held
(`review: ...`) until a supervisor releases it (app/review.py), and is then sent as it is.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Row,
    String,
    Table,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from socialdesk.connectors.errors import ConnectorError, Permanent, Rejected, RetryLater
from socialdesk.connectors.types import Connector, Ref
from socialdesk.core.settings import redact
from socialdesk.desk.context import Desk
from socialdesk.store.db import is_postgres, likely, rows_changed, upsert
from socialdesk.store.models import (
    Account,
    AuditLog,
    Conversation,
    Message,
    OutboxEpoch,
    Reply,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
STALE_AFTER = timedelta(minutes=2)
UNCERTAIN = "uncertain: "
STOPPED = UNCERTAIN + "the sender stopped during the send"
# Replies one claim takes: enough to spare most of the per-claim cost, few enough that two
# workers share a burst and that a dead worker leaves little to put back.
CLAIM_SIZE = 10

REPLIES = cast(Table, Reply.__table__)
MESSAGES = cast(Table, Message.__table__)
EPOCH = cast(Table, OutboxEpoch.__table__)
EPOCH_ROW = 1


@dataclass(frozen=True, slots=True)
class Outcome:
    reply_id: int
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class NewReply:
    """A reply to add to the outbox with `queue_many`."""

    account_id: int
    text: str
    idempotency_key: str
    message_id: int | None = None
    kind: str = "reply"
    template: str | None = None
    author: str = "bot"
    state: str = "queued"
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """What one send needs, read for a whole claim in one query."""

    reply_id: int
    state: str
    claimed_by: str | None
    kind: str
    text: str
    key: str
    reason: str | None
    attempts: int
    account_id: int
    account_name: str
    target: Ref | None
    # A person wrote it (not the bot): Messenger lets a person answer up to 7 days.
    by_agent: bool = False
    # The claim's fencing token: its outcome is recorded only while the row still has it.
    fence: int = 0
    # A post's picture at a public address (Instagram publishes only media).
    media_url: str = ""
    # PostgreSQL: the server's incarnation token stored by the claim (None: none was found).
    epoch: str | None = None


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with full jitter, capped."""
    ceiling: timedelta = min(MAX_BACKOFF, BASE_BACKOFF * (2 ** max(0, attempts - 1)))
    share: float = (rng or random).random()
    return ceiling * (0.5 + share / 2)


def queue_reply(
    session: Session, *, account_id: int, text: str, idempotency_key: str,
    message_id: int | None = None, kind: str = "reply", template: str | None = None,
    author: str = "bot", broadcast_id: int | None = None, media_url: str | None = None,
    now: datetime,
) -> Reply:
    """Add a reply to the outbox in the caller's transaction (once per idempotency key)."""
    existing = session.scalars(
        select(Reply).where(Reply.idempotency_key == idempotency_key)).one_or_none()
    if existing is not None:
        return existing
    # Due at once: the claim looks only at rows with a due time, so that its index serves it.
    reply = Reply(account_id=account_id, message_id=message_id, kind=kind, text=text,
                  template=template, author=author, idempotency_key=idempotency_key,
                  broadcast_id=broadcast_id, state="queued", attempts=0, created_at=now,
                  next_attempt_at=now, media_url=media_url)
    session.add(reply)
    session.flush()
    return reply


def queue_many(session: Session, replies: Sequence[NewReply], *, now: datetime) -> None:
    """Add many replies in the caller's transaction, one statement run for all rows (a
    statement that stays in the compiled cache); a key already in the outbox is skipped."""
    if not replies:
        return
    rows = [dict(account_id=r.account_id, message_id=r.message_id, kind=r.kind, text=r.text,
                 template=r.template, author=r.author, idempotency_key=r.idempotency_key,
                 broadcast_id=None, state=r.state, reason=r.reason, attempts=0,
                 created_at=now, next_attempt_at=now) for r in replies]
    session.execute(upsert(session, REPLIES)
                    .on_conflict_do_nothing(index_elements=["idempotency_key"]), rows)


_DUE = (select(REPLIES.c.id)
        .where(REPLIES.c.state == "queued", REPLIES.c.next_attempt_at <= bindparam("b_due"),
               REPLIES.c.account_id.in_(select(Account.id).where(Account.enabled.is_(True))))
        .order_by(REPLIES.c.next_attempt_at, REPLIES.c.id).limit(bindparam("b_limit")))
_CLAIM = (update(REPLIES)
          .values(state="sending", claimed_by=bindparam("b_holder"),
                  claimed_at=bindparam("b_at"), fence=REPLIES.c.fence + 1)
          .returning(REPLIES.c.id))
# SQLite: the state test makes the claim exclusive on a database without row locks. Told
# that it is nearly always true, the planner finds the rows by id instead of walking every
# queued row through the state index.
_CLAIM_DUE = _CLAIM.where(likely(REPLIES.c.state == "queued"),
                          REPLIES.c.id.in_(_DUE.scalar_subquery()))
# PostgreSQL: two workers take different rows instead of queueing behind each other's locks.
# A separate SELECT, because as a subquery of the UPDATE the UPDATE's own scan waits on rows
# the other worker holds, and its recheck can come back empty.
_PICK = _DUE.with_for_update(skip_locked=True, of=REPLIES)
_CLAIM_PICKED = _CLAIM.where(REPLIES.c.state == "queued",
                             REPLIES.c.id.in_(bindparam("b_ids", expanding=True)))


def claim(desk: Desk, limit: int = CLAIM_SIZE) -> list[int]:
    """Claim up to `limit` due replies for this worker at once; each is claimed by
    exactly one worker. Returns their ids in the order they must be sent."""
    return [job.reply_id for job in claim_jobs(desk, limit)]


def claim_jobs(desk: Desk, limit: int = CLAIM_SIZE) -> list[Job]:
    """Claim up to `limit` due replies and read what their sends need, in id order (the
    order they must be sent). The claim is committed before this returns."""
    now = desk.now()
    params = {"b_due": now, "b_limit": limit, "b_holder": desk.worker_id, "b_at": now}
    if is_postgres(desk.engine):
        # One statement, one round trip: pick, claim and read together, committed alone.
        with desk.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return [_job(r) for r in conn.execute(_CLAIM_AND_READ,
                                                  params | {"b_epoch": str(uuid.uuid4())})]
    with desk.engine.begin() as conn:
        claimed = conn.execute(_CLAIM_DUE, params).scalars().all()
        jobs = _jobs(conn, claimed) if claimed else {}
    return [jobs[i] for i in sorted(jobs)]


_JOB_REPLY = (REPLIES.c.id, REPLIES.c.state, REPLIES.c.claimed_by, REPLIES.c.kind,
              REPLIES.c.text, REPLIES.c.idempotency_key, REPLIES.c.reason, REPLIES.c.attempts,
              REPLIES.c.account_id, REPLIES.c.message_id, REPLIES.c.author, REPLIES.c.fence,
              REPLIES.c.media_url, REPLIES.c.claim_epoch)
_JOB_TARGET = (Account.name, Message.platform_id, Message.kind.label("mkind"),
               Message.author_id, Conversation.platform_thread_id,
               Message.platform_created_at)


def _job_query(replies: Any) -> Any:
    """What a send needs, for rows of `replies` (the table, or the claim's RETURNING)."""
    return (select(*(replies.c[c.name] for c in _JOB_REPLY), *_JOB_TARGET)
            .join_from(replies, Account, Account.id == replies.c.account_id)
            .outerjoin(Message, Message.id == replies.c.message_id)
            .outerjoin(Conversation, Conversation.id == Message.conversation_id))


_JOBS = _job_query(REPLIES).where(REPLIES.c.id.in_(bindparam("b_ids", expanding=True)))
# PostgreSQL: the pick (SKIP LOCKED, materialised so that it runs once), the claim of the
# picked rows and the read of their targets as one statement. The claim's RETURNING holds
# the rows as claimed; the joined tables are read from the statement's snapshot.
_PICKED = _PICK.cte("picked").prefix_with("MATERIALIZED")
# The server's token, written by this claim if the table is empty (after crash recovery).
# A token another worker is writing at this moment is not seen: no token, taken as a crash.
_NEW_EPOCH = (postgresql.insert(EPOCH).values(id=EPOCH_ROW, token=bindparam("b_epoch"))
              .on_conflict_do_nothing(index_elements=["id"]).returning(EPOCH.c.token)
              .cte("new_epoch"))
_CURRENT_EPOCH = func.coalesce(
    select(_NEW_EPOCH.c.token).scalar_subquery(),
    select(EPOCH.c.token).where(EPOCH.c.id == EPOCH_ROW).scalar_subquery())
_CLAIMED = (update(REPLIES)
            .where(REPLIES.c.state == "queued", REPLIES.c.id.in_(select(_PICKED.c.id)))
            .values(state="sending", claimed_by=bindparam("b_holder"),
                    claimed_at=bindparam("b_at"), fence=REPLIES.c.fence + 1,
                    claim_epoch=_CURRENT_EPOCH)
            .returning(*_JOB_REPLY)
            .cte("claimed"))
_CLAIM_AND_READ = _job_query(_CLAIMED).order_by(_CLAIMED.c.id)


def _job(r: Row[Any]) -> Job:
    target = None
    if r.message_id is not None and r.platform_id is not None:
        # With its time: the messaging window is decided before the send is tried.
        target = Ref(platform_id=r.platform_id, kind=r.mkind,
                     conversation_id=r.platform_thread_id or "", author_id=r.author_id or "",
                     created_at=r.platform_created_at)
    return Job(int(r.id), r.state, r.claimed_by, r.kind, r.text, r.idempotency_key, r.reason,
               int(r.attempts), int(r.account_id), r.name, target,
               by_agent=(r.author or "bot") != "bot", fence=int(r.fence or 0),
               media_url=r.media_url or "", epoch=r.claim_epoch)



def current_epoch(session: Session) -> str | None:
    return session.scalar(select(EPOCH.c.token).where(EPOCH.c.id == EPOCH_ROW))


def _jobs(conn: Connection, reply_ids: Sequence[int]) -> dict[int, Job]:
    return {int(r.id): _job(r) for r in conn.execute(_JOBS, {"b_ids": list(reply_ids)})}


def send_claimed(desk: Desk, reply_id: int) -> Outcome:
    """Send one reply this worker has claimed, and record the outcome."""
    with desk.engine.connect() as conn:
        job = _jobs(conn, [reply_id]).get(reply_id)
    return _send_job(desk, job, reply_id)


def _send_job(desk: Desk, job: Job | None, reply_id: int) -> Outcome:
    if job is None or job.state != "sending" or job.claimed_by != desk.worker_id:
        return Outcome(reply_id, "lost", "claim no longer ours")
    settle = partial(_finish, fence=job.fence)  # every outcome below is of this claim
    try:
        connector = desk.connector(job.account_name)
    except Exception as exc:  # a broken account setting must not stop the other sends
        return settle(desk, reply_id, "held", reason=f"account {job.account_name}: {exc}")

    kind, target, text = job.kind, job.target, job.text
    if kind != "hide":
        verdict = desk.outbound_verdict(text, desk.channel(job.account_name))
        # An approved broadcast may carry a link on X: its price was shown before approval.
        blocking = [r for r in verdict.reasons if not (kind == "post" and r == "link_on_x")]
        if not verdict.ok and blocking:
            return settle(desk, reply_id, "held", reason="guard: " + ", ".join(blocking))
        if verdict.verdict == "review" and not _released(desk, reply_id):
            return settle(desk, reply_id, "held",
                           reason=REVIEW_HOLD + ", ".join(verdict.reasons))
    uncertain = (job.reason or "").startswith(UNCERTAIN)
    if uncertain and kind == "post":
        # Look on the account's own page first: found means sent; not found where the
        # platform can be searched means post again; elsewhere a person decides.
        found = _look_post(connector, text)
        if found:
            return settle(desk, reply_id, "sent", platform_id=found)
        if found is None and not connector.can_find_post():
            return settle(desk, reply_id, "held", reason=(
                "the last post may have reached the platform: check the account's page, then "
                "`socialdesk release`, `mark-sent` or `cancel`"))
        if found == "":  # the look failed: look again later, a person after many tries
            if job.attempts + 1 >= MAX_ATTEMPTS:
                return settle(desk, reply_id, "held", attempted=True, reason=(
                    "the last post may have reached the platform and looking for it kept "
                    "failing: check the account's page, then `socialdesk release`, "
                    "`mark-sent` or `cancel`"))
            return settle(desk, reply_id, "queued", reason=job.reason, attempted=True,
                           retry_at=desk.now() + backoff(job.attempts + 1))
    if uncertain and target is not None and kind in ("reply", "private"):
        found = _look(connector, target, text)
        if found:
            return settle(desk, reply_id, "sent", platform_id=found)
        if not connector.can_find_reply(target):
            return settle(desk, reply_id, "held", reason=(
                "the last send may have reached the platform and this platform cannot be "
                "searched: check the thread, then `socialdesk release`, `mark-sent` or `cancel`"))
    # An attempt counts from here: the connector is called.
    attempts = job.attempts + 1
    try:
        platform_id = _send(connector, kind, target, text, job.key, by_agent=job.by_agent,
                            media_url=job.media_url)
    except RetryLater as exc:
        # A send that failed this way may still have reached the platform: the next attempt
        # looks in the thread first (hides are harmless to repeat). A post cannot be looked
        # for; only a refusal that names its retry time (a rate limit) surely did not post.
        maybe_sent = kind != "hide" and not (kind == "post" and exc.retry_at is not None)
        if attempts >= MAX_ATTEMPTS:
            return settle(desk, reply_id, "held", attempted=True,
                           reason=f"gave up after {attempts} attempts: {exc.reason}")
        retry_at = exc.retry_at or desk.now() + backoff(attempts)
        reason = (UNCERTAIN if maybe_sent else "") + exc.reason
        return settle(desk, reply_id, "queued", reason=reason, retry_at=retry_at,
                       attempted=True)
    except Permanent as exc:
        _disable_account(desk, job.account_id, exc.reason)
        return settle(desk, reply_id, "held", reason=f"account disabled: {exc.reason}",
                       attempted=True)
    except Rejected as exc:
        return settle(desk, reply_id, "failed", reason=exc.reason, attempted=True)
    except ConnectorError as exc:
        return settle(desk, reply_id, "held", reason=f"{UNCERTAIN}{exc.reason}",
                       attempted=True)
    except Exception as exc:  # outcome unknown: never retried blindly
        log.exception("send of reply %s failed unexpectedly", reply_id)
        return settle(desk, reply_id, "held", attempted=True,
                       reason=f"{UNCERTAIN}unexpected {type(exc).__name__}: check the thread")
    return settle(desk, reply_id, "sent", platform_id=platform_id, attempted=True)


REVIEW_HOLD = "review: "


def _released(desk: Desk, reply_id: int) -> bool:
    """Whether a supervisor released this reply after reading it (each release is audited)."""
    with desk.engine.connect() as conn:
        found = conn.execute(
            select(AuditLog.id).where(AuditLog.action == "reply_release",
                                      AuditLog.object_type == "reply",
                                      AuditLog.object_id == str(reply_id)).limit(1)).first()
    return found is not None


def _look(connector: Connector, target: Ref, text: str) -> str | None:
    try:
        return connector.find_reply(target, text)
    except ConnectorError as exc:
        log.warning("could not look for an earlier send: %s", exc.reason)
        return None


def _look_post(connector: Connector, text: str) -> str | None:
    """The earlier post's id; None when there is none (or no way to look); "" when the
    look itself failed, so the post waits and is looked for again."""
    if not connector.can_find_post():
        return None
    try:
        return connector.find_post(text)
    except ConnectorError as exc:
        log.warning("could not look for an earlier post: %s", exc.reason)
        return ""


def _send(connector: Connector, kind: str, target: Ref | None, text: str, key: str, *,
          by_agent: bool = False, media_url: str = "") -> str:
    if kind == "post":
        return connector.post(text, key, image_url=media_url).platform_id
    if target is None:
        raise Rejected("the message this reply answers is gone")
    if kind == "hide":
        connector.hide(target.platform_id)
        return target.platform_id
    if kind == "private":
        return connector.send_private(target, text, key, by_agent=by_agent).platform_id
    return connector.reply(target, text, key, by_agent=by_agent).platform_id


# Built once: the outcome of every send is recorded with the same few statements.
_SETTLE = (
    update(REPLIES)
    .where(REPLIES.c.id == bindparam("b_id"), REPLIES.c.state == "sending",
           REPLIES.c.claimed_by == bindparam("b_holder"),
           REPLIES.c.fence == bindparam("b_fence"))
    .values(state=bindparam("b_state"), reason=bindparam("b_reason"), claimed_by=None,
            attempts=REPLIES.c.attempts + bindparam("b_tried"),
            next_attempt_at=func.coalesce(bindparam("b_retry_at", type_=REPLIES.c.sent_at.type),
                                          REPLIES.c.next_attempt_at),
            platform_id=func.coalesce(bindparam("b_platform_id", type_=String()),
                                      REPLIES.c.platform_id),
            sent_at=func.coalesce(bindparam("b_sent_at", type_=REPLIES.c.sent_at.type),
                                  REPLIES.c.sent_at))
    .returning(REPLIES.c.message_id, REPLIES.c.kind))
_ANSWERED = (update(MESSAGES)
             .where(MESSAGES.c.id == bindparam("b_id"), MESSAGES.c.first_response_at.is_(None))
             .values(first_response_at=bindparam("b_at")))
_HIDDEN = update(MESSAGES).where(MESSAGES.c.id == bindparam("b_id")).values(hidden=True)
_REOPEN = (update(MESSAGES)
           .where(MESSAGES.c.id == bindparam("b_id"),
                  MESSAGES.c.state.in_(("closed", "waiting")))
           .values(state="open"))
# PostgreSQL: the settle and its message's update as one statement, sent and committed in
# one round trip. Which message update rides along is known from the outcome; hide or
# answer is told by the settled row's kind.
_SETTLED = _SETTLE.cte("settled")
# The outcome's commit does not wait for the disk (see the module's note): the setting is
# local to the statement's own transaction, so the pooled connection keeps its default.
_NO_WAIT = (select(func.set_config("synchronous_commit", "off", true()).label("off"))
            .cte("no_wait"))
_SETTLED_ROW = select(_SETTLED.c.message_id, _SETTLED.c.kind).join_from(_SETTLED, _NO_WAIT,
                                                                         true())
_HIDE_OR_ANSWER = (update(MESSAGES)
                   .where(MESSAGES.c.id == _SETTLED.c.message_id,
                          or_(_SETTLED.c.kind == "hide", MESSAGES.c.first_response_at.is_(None)))
                   .values(hidden=case((_SETTLED.c.kind == "hide", true()),
                                       else_=MESSAGES.c.hidden),
                           first_response_at=case(
                               (_SETTLED.c.kind == "hide", MESSAGES.c.first_response_at),
                               else_=bindparam("b_at", type_=MESSAGES.c.first_response_at.type))))
_REOPEN_SETTLED = (update(MESSAGES)
                   .where(MESSAGES.c.id == _SETTLED.c.message_id,
                          MESSAGES.c.state.in_(("closed", "waiting")))
                   .values(state="open"))
SETTLE_IN_ONE = {
    "sent": _SETTLED_ROW.add_cte(_HIDE_OR_ANSWER.cte("touched")),
    "held": _SETTLED_ROW.add_cte(_REOPEN_SETTLED.cte("touched")),
    "failed": _SETTLED_ROW.add_cte(_REOPEN_SETTLED.cte("touched")),
    "queued": _SETTLED_ROW,
}


def _settle_in_one(desk: Desk, state: str, params: dict[str, Any]) -> bool:
    """Settle on PostgreSQL in one autocommitted statement; False when the claim was lost.
    The commit does not wait for the disk: a crash of the server that loses it is seen by
    the claim's epoch (the module's note)."""
    with desk.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return conn.execute(SETTLE_IN_ONE[state], params).first() is not None


def _finish(desk: Desk, reply_id: int, state: str, *, fence: int,
             reason: str | None = None, platform_id: str | None = None,
             retry_at: datetime | None = None, attempted: bool = False) -> Outcome:
    reason = redact(reason) if reason else reason  # stored and shown to supervisors
    now = desk.now()
    if state == "queued":
        retry_at = retry_at or now
    sent = state == "sent"
    # Only while the claim is still ours: a reply settled by reconciliation meanwhile
    # belongs to whoever holds it now.
    params = {
        "b_id": reply_id, "b_holder": desk.worker_id, "b_state": state,
        "b_reason": None if sent else reason, "b_tried": int(attempted),
        "b_retry_at": retry_at if state == "queued" else None,
        "b_platform_id": platform_id if sent else None, "b_sent_at": now if sent else None,
        "b_at": now, "b_fence": fence,
    }
    if is_postgres(desk.engine) and state in SETTLE_IN_ONE:
        if not _settle_in_one(desk, state, params):
            return _claim_lost(desk, reply_id, state, platform_id)
        log.info("reply %s -> %s%s", reply_id, state, f" ({reason})" if reason else "")
        return Outcome(reply_id, state, reason or "")
    with desk.engine.begin() as conn:
        row = conn.execute(_SETTLE, params).first()
        message_id, kind = row if row is not None else (None, None)
        if message_id is not None and sent:
            # Conditional UPDATEs: no need to load the message (with its raw payload).
            if kind == "hide":
                conn.execute(_HIDDEN, {"b_id": message_id})
            else:
                conn.execute(_ANSWERED, {"b_id": message_id, "b_at": now})
        elif message_id is not None and state in ("held", "failed"):
            conn.execute(_REOPEN, {"b_id": message_id})
    if row is None:
        return _claim_lost(desk, reply_id, state, platform_id)
    log.info("reply %s -> %s%s", reply_id, state, f" ({reason})" if reason else "")
    return Outcome(reply_id, state, reason or "")


def _claim_lost(desk: Desk, reply_id: int, state: str, platform_id: str | None) -> Outcome:
    """The outcome of a claim that was taken away meanwhile (its send outlived the stale
    limit). A failure is dropped: whoever holds the row now decides. A success is never
    dropped: the send reached the platform."""
    if state != "sent" or platform_id is None:
        log.warning("reply %s: outcome %s of a lost claim dropped", reply_id, state)
        return Outcome(reply_id, "lost", "claim no longer ours")
    return late_success(desk, reply_id, platform_id)


def late_success(desk: Desk, reply_id: int, platform_id: str) -> Outcome:
    """Record a send that succeeded after its claim was taken away.

    Not yet sent again: it is recorded as sent, and the fence is raised so that a worker
    now sending it again has its own result recognised as late too. Already sent again:
    the reply went out twice; it is held for a person with both platform ids."""
    now = desk.now()
    with desk.engine.begin() as conn:
        current = conn.execute(select(REPLIES.c.state, REPLIES.c.platform_id, REPLIES.c.fence,
                                      REPLIES.c.message_id)
                               .where(REPLIES.c.id == reply_id)).first()
        if current is None:
            log.error("reply %s: a late send succeeded (%s) but the reply is gone",
                      reply_id, platform_id)
            return Outcome(reply_id, "lost", f"late success {platform_id} of a deleted reply")
        state = "held" if current.state == "sent" else "sent"
        reason = (f"late success: {platform_id}, after the claim ran out"
                  if state == "sent" else
                  f"sent twice: a late send ({platform_id}) and the re-send "
                  f"({current.platform_id}) both reached the platform; remove one in the "
                  "thread, then `socialdesk mark-sent`")
        values: dict[str, Any] = dict(state=state, reason=reason, claimed_by=None,
                                      fence=REPLIES.c.fence + 1)
        if state == "sent":
            values |= dict(platform_id=platform_id, sent_at=now)
        conn.execute(update(REPLIES).where(REPLIES.c.id == reply_id,
                                           REPLIES.c.fence == current.fence).values(**values))
        if state == "sent" and current.message_id is not None:
            conn.execute(_ANSWERED, {"b_id": current.message_id, "b_at": now})
    log.warning("reply %s -> %s (%s)", reply_id, state, reason)
    return Outcome(reply_id, state, reason)


def _disable_account(desk: Desk, account_id: int, reason: str) -> None:
    reason = redact(reason)
    now = desk.now()
    with desk.sessions() as session, session.begin():
        account = session.get(Account, account_id)
        if account is not None:
            account.enabled = False
            account.disabled_reason = reason
            account.last_error = reason
            account.last_error_at = now
    log.error("account %s disabled: %s", account_id, reason)


@dataclass(frozen=True, slots=True)
class HeldClaim:
    """A `sending` row as its claim left it."""

    reply_id: int
    claimed_by: str
    claimed_at: datetime | None
    epoch: str | None = None


def release_dead_claims(session: Session, claims: Iterable[HeldClaim],
                        now: datetime) -> list[Outcome]:
    """Put the `sending` rows of dead claims back in the queue, in the caller's transaction.

    Per claim (one worker, one claim time) only the smallest id can have been handed to the
    platform (see the module's note): that one is marked uncertain, so its next attempt
    looks in the thread first; the rest were never tried and keep the reason they had.
    On PostgreSQL a claim made before a crash of the server (its epoch is not the current
    one) may have lost the record of any of its sends: all of its rows are uncertain.
    """
    groups: dict[tuple[str, datetime | None, str | None], list[int]] = {}
    for held in claims:
        groups.setdefault((held.claimed_by, held.claimed_at, held.epoch),
                          []).append(held.reply_id)
    postgres = is_postgres(session)
    current = current_epoch(session) if postgres and groups else None
    outcomes: list[Outcome] = []
    for (holder, _at, epoch), ids in groups.items():
        settle = update(REPLIES).where(REPLIES.c.state == "sending",
                                       REPLIES.c.claimed_by == holder)
        if postgres and (epoch is None or epoch != current):
            maybe_sent = session.execute(
                settle.where(REPLIES.c.id.in_(ids))
                .values(state="queued", claimed_by=None, next_attempt_at=now, reason=STOPPED)
                .returning(REPLIES.c.id)).scalars().all()
            outcomes.extend(Outcome(int(i), "queued", "reconcile: uncertain")
                            for i in sorted(maybe_sent))
            continue
        first, *untried = sorted(ids)
        if rows_changed(session.execute(
                settle.where(REPLIES.c.id == first)
                .values(state="queued", claimed_by=None, next_attempt_at=now, reason=STOPPED))):
            outcomes.append(Outcome(first, "queued", "reconcile: uncertain"))
        if untried:
            back = session.execute(
                settle.where(REPLIES.c.id.in_(untried))
                .values(state="queued", claimed_by=None, next_attempt_at=now)
                .returning(REPLIES.c.id)).scalars().all()
            outcomes.extend(Outcome(int(i), "queued", "reconcile: not tried") for i in back)
    return outcomes


def _sending(session: Session, *conditions: Any) -> list[HeldClaim]:
    rows = session.execute(
        select(REPLIES.c.id, REPLIES.c.claimed_by, REPLIES.c.claimed_at, REPLIES.c.claim_epoch)
        .where(REPLIES.c.state == "sending", *conditions)).all()
    return [HeldClaim(int(r.id), r.claimed_by or "", r.claimed_at, r.claim_epoch)
            for r in rows]


def reconcile_stale(desk: Desk, older_than: timedelta = STALE_AFTER) -> list[Outcome]:
    """Settle `sending` rows whose worker died (claimed longer ago than `older_than`), and
    give a due time to queued rows written without one, so that the claim sees them."""
    now = desk.now()
    cutoff = now - older_than
    with desk.sessions() as session, session.begin():
        session.execute(update(REPLIES).where(REPLIES.c.state == "queued",
                                              REPLIES.c.next_attempt_at.is_(None))
                        .values(next_attempt_at=REPLIES.c.created_at))
        stale = _sending(session, REPLIES.c.claimed_at < cutoff)
        return release_dead_claims(session, stale, now)


def release_claims_of(desk: Desk, holders: Iterable[str]) -> list[Outcome]:
    """Settle every `sending` row of the named workers, known to be dead."""
    names = sorted(set(holders))
    if not names:
        return []
    with desk.sessions() as session, session.begin():
        return release_dead_claims(session, _sending(session, REPLIES.c.claimed_by.in_(names)),
                                   desk.now())


def sending_holders(desk: Desk, like: str) -> list[str]:
    """Workers matching the LIKE pattern `like` that hold `sending` rows."""
    with desk.sessions() as session:
        return sorted({str(h) for h in session.scalars(
            select(REPLIES.c.claimed_by).where(REPLIES.c.state == "sending",
                                               REPLIES.c.claimed_by.like(like))) if h})


def _release_unsent(desk: Desk, reply_ids: Sequence[int]) -> None:
    with desk.sessions() as session, session.begin():
        session.execute(update(REPLIES).where(
            REPLIES.c.id.in_(reply_ids), REPLIES.c.state == "sending",
            REPLIES.c.claimed_by == desk.worker_id).values(state="queued", claimed_by=None))


def run_once(desk: Desk, limit: int = 20) -> list[Outcome]:
    """Claim and send up to `limit` due replies, a claim of CLAIM_SIZE at a time."""
    outcomes: list[Outcome] = []
    while len(outcomes) < limit:
        jobs = claim_jobs(desk, min(CLAIM_SIZE, limit - len(outcomes)))
        if not jobs:
            break
        for index, job in enumerate(jobs):
            try:
                outcomes.append(_send_job(desk, job, job.reply_id))
            except Exception:
                # This one's outcome is unknown and stays for reconciliation; the rest of
                # the claim was never tried and goes back to the queue now.
                rest = [j.reply_id for j in jobs[index + 1:]]
                if rest:
                    _release_unsent(desk, rest)
                raise
    return outcomes
