"""Intake: store one fetched page and move the stream's cursor, in one transaction.

A page costs a few statements whatever its size: one insert of its threads and one of its
messages, each sent as multi-row VALUES (SQLAlchemy's "insertmanyvalues"), one look-up of
the threads it did not create and one update of their time. A message seen twice (a
re-poll, overlapping pages, later a webhook) is stored once: the insert skips rows whose
(account, platform id) already exists, on SQLite and PostgreSQL alike, so concurrent
pollers cannot fail each other either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from socialdesk.connectors.types import InboundMessage, Page
from socialdesk.core.clock import WorkingCalendar
from socialdesk.store.db import upsert
from socialdesk.store.models import Account, Conversation, Message, PollCursor

MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class IntakeResult:
    stored: int
    duplicates: int
    skipped: int


def response_due(calendar: WorkingCalendar, arrived: datetime, hours: float) -> datetime:
    """The response rule: `hours` working hours from arrival, or from the next opening."""
    return calendar.add(arrived, timedelta(hours=hours))


def _thread(message: InboundMessage) -> str:
    return (message.conversation_id or message.platform_id)[:191]


def _conversations(session: Session, account: Account, messages: Sequence[InboundMessage],
                   now: datetime) -> tuple[dict[str, int], set[str]]:
    """Each thread's conversation id, and the threads this call created."""
    rows: list[dict[str, Any]] = [
        dict(account_id=account.id, platform_thread_id=_thread(m), private=m.kind == "dm",
             author_handle=m.author_handle[:191], created_at=now, last_message_at=now)
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


def store_page(
    session: Session, account: Account, stream: str, page: Page, *,
    now: datetime, calendar: WorkingCalendar, response_hours: float,
) -> IntakeResult:
    """Store the page's new messages and its cursor; the caller commits both together."""
    stored: set[str] = set()
    if page.messages:
        threads, new_threads = _conversations(session, account, page.messages, now)
        messages = cast(Table, Message.__table__)
        rows: list[dict[str, Any]] = [dict(
            account_id=account.id, platform=m.platform, stream=stream,
            platform_id=m.platform_id[:191], kind=m.kind,
            author_id=m.author_id[:191] or None, author_handle=m.author_handle[:191] or None,
            text=m.text[:MAX_TEXT], platform_created_at=m.created_at, received_at=now,
            conversation_id=threads[_thread(m)], in_reply_to=(m.in_reply_to or None),
            raw=dict(m.raw), state="new", rules=[], pii=[], hidden=False,
            response_due_at=response_due(calendar, min(m.created_at, now), response_hours),
        ) for m in page.messages]
        # RETURNING names the rows inserted (rowcount is not reliable for ON CONFLICT
        # across drivers).
        stored.update(session.execute(
            upsert(session, messages)
            .on_conflict_do_nothing(index_elements=["account_id", "platform_id"])
            .returning(messages.c.platform_id), rows).scalars())
        # A new thread already carries `now`; an older one moves if it got a message.
        moved = {threads[_thread(m)] for m in page.messages
                 if m.platform_id[:191] in stored and _thread(m) not in new_threads}
        if moved:
            session.execute(update(Conversation).where(Conversation.id.in_(moved))
                            .values(last_message_at=now))
    _advance_cursor(session, account, stream, page.next_cursor, now)
    account.last_poll_at = now
    return IntakeResult(stored=len(stored), duplicates=len(page.messages) - len(stored),
                        skipped=len(page.skipped))


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
