"""Intake: store one fetched page and move the stream's cursor, in one transaction.

A page costs a few statements whatever its size: one insert of its threads and one of its
messages, each sent as multi-row VALUES (SQLAlchemy's "insertmanyvalues"), one look-up of
the threads it did not create and one update of their time. A message seen twice (a
re-poll, overlapping pages, later a webhook) is stored once: the insert skips rows whose
(account, platform id) already exists, on SQLite and PostgreSQL alike, so concurrent
pollers cannot fail each other either.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from socialdesk.connectors.types import InboundMessage, Page, Skipped
from socialdesk.core.clock import WorkingCalendar
from socialdesk.core.settings import redact
from socialdesk.core.textsafe import clean, clean_json
from socialdesk.store.db import upsert
from socialdesk.store.models import Account, Conversation, Message, PollCursor

MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class IntakeResult:
    stored: int
    duplicates: int
    skipped: int
    skipped_reasons: tuple[str, ...] = ()
    # Platform ids of the messages this call stored (not those already there).
    stored_ids: frozenset[str] = frozenset()


def response_due(calendar: WorkingCalendar, arrived: datetime, hours: float) -> datetime:
    """The response rule: `hours` working hours from arrival, or from the next opening."""
    return calendar.add(arrived, timedelta(hours=hours))


def _thread(message: InboundMessage) -> str:
    return clean(message.conversation_id or message.platform_id)[:191]


def _conversations(session: Session, account: Account, messages: Sequence[InboundMessage],
                   now: datetime) -> tuple[dict[str, int], set[str]]:
    """Each thread's conversation id, and the threads this call created."""
    rows: list[dict[str, Any]] = [
        dict(account_id=account.id, platform_thread_id=_thread(m), private=m.kind == "dm",
             author_handle=clean(m.author_handle)[:191], created_at=now, last_message_at=now)
        for m in messages]
    conversations = cast(Table, Conversation.__table__)
    # A thread met again in the same page, or already stored, is skipped here.
    created = session.execute(
        upsert(session, conversations)
        .on_conflict_do_nothing(index_elements=["account_id", "platform_thread_id"])
        .returning(conversations.c.id, conversations.c.platform_thread_id), rows).all()
    ids = {thread: int(cid) for cid, thread in created}
    new = set(ids)
    known = {_thread(m) for m in messages} - new
    if known:
        ids.update((thread, int(cid)) for cid, thread in session.execute(
            select(Conversation.id, Conversation.platform_thread_id)
            .where(Conversation.account_id == account.id,
                   Conversation.platform_thread_id.in_(known))))
    return ids, new


def _row(account: Account, stream: str, m: InboundMessage, now: datetime,
         calendar: WorkingCalendar, response_hours: float) -> dict[str, Any]:
    """The message's row, its text made storable; raises if the item cannot be stored."""
    row: dict[str, Any] = dict(
        account_id=account.id, platform=m.platform, stream=stream,
        platform_id=clean(m.platform_id)[:191], kind=m.kind,
        author_id=clean(m.author_id)[:191] or None,
        author_handle=clean(m.author_handle)[:191] or None,
        text=clean(m.text)[:MAX_TEXT], platform_created_at=m.created_at, received_at=now,
        in_reply_to=clean(m.in_reply_to or "")[:191] or None,
        raw=clean_json(dict(m.raw)), state="new", rules=[], pii=[], hidden=m.hidden,
        attachments=[{"type": clean(a.kind)[:32], "url": clean(a.url)[:2048]}
                     for a in m.attachments],
        response_due_at=response_due(calendar, min(m.created_at, now), response_hours),
    )
    if not row["platform_id"]:
        raise ValueError("empty platform id")
    json.dumps(row["raw"])  # the JSON column must be able to take it
    return row


def _prepare(account: Account, stream: str, page: Page, now: datetime,
             calendar: WorkingCalendar, response_hours: float,
             ) -> tuple[list[tuple[InboundMessage, dict[str, Any]]], list[Skipped]]:
    """Rows for the page's messages; an item that cannot become a row is skipped alone."""
    ready: list[tuple[InboundMessage, dict[str, Any]]] = []
    skipped: list[Skipped] = []
    for m in page.messages:
        try:
            ready.append((m, _row(account, stream, m, now, calendar, response_hours)))
        except Exception as exc:  # one bad item must never stop the page (issue: poison)
            skipped.append(Skipped(m.raw, f"{m.platform_id[:40]!r} unstorable: "
                                          f"{type(exc).__name__}: {exc}"[:300]))
    return ready, skipped


def _insert(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    messages = cast(Table, Message.__table__)
    # RETURNING names the rows inserted (rowcount is not reliable for ON CONFLICT across
    # drivers).
    statement = (upsert(session, messages)
                 .on_conflict_do_nothing(index_elements=["account_id", "platform_id"])
                 .returning(messages.c.platform_id))
    return set(session.execute(statement, rows).scalars())


def _insert_each(session: Session, rows: list[dict[str, Any]],
                 skipped: list[Skipped]) -> set[str]:
    """Row by row, each in its own savepoint: the database's refusal of one row (a value
    this code did not foresee) costs that row only."""
    stored: set[str] = set()
    for row in rows:
        try:
            with session.begin_nested():
                stored |= _insert(session, [row])
        except (DBAPIError, ValueError) as exc:  # ValueError: a driver's encoding refusal
            cause = exc.orig if isinstance(exc, DBAPIError) else exc
            reason = f"{type(cause).__name__}: {cause}".splitlines()[0][:200]
            skipped.append(Skipped(row["raw"], f"{row['platform_id'][:40]!r} refused by the "
                                               f"database: {reason}"))
    return stored


def store_page(
    session: Session, account: Account, stream: str, page: Page, *,
    now: datetime, calendar: WorkingCalendar, response_hours: float, push: bool = False,
) -> IntakeResult:
    """Store the page's new messages and its cursor; the caller commits both together.
    A webhook push (`push`) stores its messages the same way and leaves the poll's cursor
    and back-off alone: polling stays the safety net.

    An item that cannot be stored is skipped with its reason (counted on the account), and
    the rest of the page, and the cursor, go ahead without it."""
    stored: set[str] = set()
    ready, skipped = _prepare(account, stream, page, now, calendar, response_hours)
    skipped = [*page.skipped, *skipped]
    if ready:
        good = [m for m, _ in ready]
        threads, new_threads = _conversations(session, account, good, now)
        rows = [row | dict(conversation_id=threads[_thread(m)]) for m, row in ready]
        try:
            with session.begin_nested():
                stored = _insert(session, rows)
        except (DBAPIError, ValueError):
            stored = _insert_each(session, rows, skipped)
        # A new thread already carries `now`; an older one moves if it got a message.
        moved = {threads[_thread(m)] for m, row in ready
                 if row["platform_id"] in stored and _thread(m) not in new_threads}
        if moved:
            session.execute(update(Conversation).where(Conversation.id.in_(moved))
                            .values(last_message_at=now))
    if skipped:
        _note_skipped(account, stream, skipped, now)
    if not push:
        _advance_cursor(session, account, stream, page.next_cursor, now)
        account.last_poll_at = now
    return IntakeResult(stored=len(stored), duplicates=len(ready) - len(stored),
                        skipped=len(skipped), skipped_reasons=tuple(s.reason for s in skipped),
                        stored_ids=frozenset(stored))


def _note_skipped(account: Account, stream: str, skipped: Sequence[Skipped],
                  now: datetime) -> None:
    account.skipped_items = (account.skipped_items or 0) + len(skipped)
    account.last_skipped = redact(f"{stream}: {skipped[-1].reason}")[:500]
    account.last_skipped_at = now


def _advance_cursor(session: Session, account: Account, stream: str, cursor: str | None,
                    now: datetime) -> None:
    row = session.scalars(
        select(PollCursor).where(PollCursor.account_id == account.id, PollCursor.stream == stream)
    ).one_or_none()
    if row is None:
        session.add(PollCursor(account_id=account.id, stream=stream, cursor=cursor,
                               updated_at=now))
        return
    # The connector encodes progress in the cursor; None means "nothing new to remember".
    if cursor is not None:
        row.cursor = cursor
    row.retry_at = None
    row.updated_at = now


def current_cursor(session: Session, account: Account, stream: str) -> PollCursor | None:
    return session.scalars(
        select(PollCursor).where(PollCursor.account_id == account.id, PollCursor.stream == stream)
    ).one_or_none()
