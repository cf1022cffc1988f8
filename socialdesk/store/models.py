"""The data model of the whole desk (SQLAlchemy 2.0 typed ORM).

Times are stored as aware UTC on both databases (`UtcDateTime`); SQLite keeps no zone, so the
type puts UTC back on the way out. States are short strings checked by CHECK constraints so a
stray value fails loudly on either database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from socialdesk.core.vocab import (
    ACTIONS,
    BROADCAST_STATES,
    DIGEST_STATES,
    MESSAGE_KINDS,
    MESSAGE_STATES,
    REPLY_KINDS,
    REPLY_STATES,
    ROLES,
    SLA_EVENT_KINDS,
    SLA_TARGETS,
    TARGET_STATES,
    TICKET_STATES,
)
from socialdesk.store.reader import read_time


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive values are a programming error."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored: give it a zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return read_time(value)  # as the shell's driver reads (store.reader)


JsonType = JSON().with_variant(JSONB(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime, dict[str, Any]: JsonType, list[Any]: JsonType}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    handle: Mapped[str] = mapped_column(String(128))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    last_poll_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Items a poll could not read or store: counted and the last reason kept, so an admin
    # sees on the account that a page was stored without them.
    skipped_items: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_skipped: Mapped[str | None] = mapped_column(Text)
    last_skipped_at: Mapped[datetime | None]

    cursors: Mapped[list[PollCursor]] = relationship(back_populates="account")


class PollCursor(Base):
    """Where one stream of one account was read up to; moves forward with its messages."""

    __tablename__ = "poll_cursors"
    __table_args__ = (UniqueConstraint("account_id", "stream"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(32))
    cursor: Mapped[str | None] = mapped_column(Text)
    retry_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="cursors")


class Conversation(Base):
    """A public thread or a private DM conversation on one account."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("account_id", "platform_thread_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    platform_thread_id: Mapped[str] = mapped_column(String(191))
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    author_handle: Mapped[str | None] = mapped_column(String(191))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    messages: Mapped[list[Message]] = relationship(back_populates="conversation")


# The message states an agent still works on (the queue's default filter), as SQL.
_WORKED_ON = _in("state", ("new", "open", "waiting"))


class Message(Base):
    """One inbound mention, comment, reply or DM, stored once per account and platform id."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("account_id", "platform_id"),
        CheckConstraint(_in("kind", MESSAGE_KINDS), name="kind"),
        CheckConstraint(_in("state", MESSAGE_STATES), name="state"),
        CheckConstraint(f"action IS NULL OR {_in('action', ACTIONS)}", name="action"),
        Index("ix_messages_state_due", "state", "response_due_at"),
        Index("ix_messages_triaged", "triaged_at", "id"),
        # The agents' queue and its at-risk filter read only messages still to work on, in
        # due order: partial indexes hold just those rows (a small share of a year's), so
        # the top of the queue is read from an index, never sorted from a scan.
        Index("ix_messages_unanswered_due", "response_due_at", "id",
              postgresql_where=text(f"{_WORKED_ON} AND first_response_at IS NULL"),
              sqlite_where=text(f"{_WORKED_ON} AND first_response_at IS NULL")),
        Index("ix_messages_answered_due", "response_due_at", "id",
              postgresql_where=text(f"{_WORKED_ON} AND first_response_at IS NOT NULL"),
              sqlite_where=text(f"{_WORKED_ON} AND first_response_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    stream: Mapped[str] = mapped_column(String(32))
    platform_id: Mapped[str] = mapped_column(String(191))
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str | None] = mapped_column(String(191))
    author_handle: Mapped[str | None] = mapped_column(String(191))
    text: Mapped[str] = mapped_column(Text)
    platform_created_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(191))
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="new")

    # Triage result, with the ids of the rules that fired so an agent can see why.
    triaged_at: Mapped[datetime | None]
    service_id: Mapped[str | None] = mapped_column(String(16))
    item_id: Mapped[str | None] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str | None] = mapped_column(String(24))
    confidence: Mapped[float | None] = mapped_column(Float)
    rules: Mapped[list[Any]] = mapped_column(default=list)
    pii: Mapped[list[Any]] = mapped_column(default=list)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # What was sent besides the text: [{"type": "image", "url": "https://..."}, ...].
    attachments: Mapped[list[Any]] = mapped_column(default=list)

    # The 1-working-hour response rule.
    response_due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]

    account: Mapped[Account] = relationship()
    conversation: Mapped[Conversation | None] = relationship(back_populates="messages")
    replies: Mapped[list[Reply]] = relationship(back_populates="message")


class Reply(Base):
    """The outbox: replies, private replies, hides and broadcast posts. A row is claimed by
    one sender and sent at most once; `sending` rows left by a crash are reconciled."""

    __tablename__ = "replies"
    __table_args__ = (
        CheckConstraint(_in("kind", REPLY_KINDS), name="kind"),
        CheckConstraint(_in("state", REPLY_STATES), name="state"),
        Index("ix_replies_state_next", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(191), unique=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="reply")
    text: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(64), default="bot")
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None]
    # Fencing token: raised by every claim, so the late outcome of a claim that was taken
    # away (and perhaps handed to another worker) is recognised as stale.
    fence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # PostgreSQL: the database server's incarnation (OutboxEpoch's token) when the row was
    # claimed. Outcomes are committed without waiting for the disk; a crash of the server
    # can lose them, and then changes the token: reconciliation sees the difference.
    claim_epoch: Mapped[str | None] = mapped_column(String(36))
    platform_id: Mapped[str | None] = mapped_column(String(191))
    reason: Mapped[str | None] = mapped_column(Text)
    # A post's picture at a public address (Instagram fetches it from there).
    media_url: Mapped[str | None] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    message: Mapped[Message | None] = relationship(back_populates="replies")


class TicketCounter(Base):
    """Last ticket number handed out per year (HAI-2026-000123)."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (CheckConstraint(_in("state", TICKET_STATES), name="state"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True)
    requester_platform: Mapped[str | None] = mapped_column(String(16))
    requester_id: Mapped[str | None] = mapped_column(String(191))
    requester_handle: Mapped[str | None] = mapped_column(String(191))
    service_id: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[str | None] = mapped_column(String(16))
    owner_unit: Mapped[str] = mapped_column(String(191))
    summary: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="open")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id")


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Broadcast(Base):
    """A Layanan Broadcast announcement: drafted, approved by a supervisor, published."""

    __tablename__ = "broadcasts"
    __table_args__ = (CheckConstraint(_in("state", BROADCAST_STATES), name="state"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(191))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    scheduled_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(Text)

    targets: Mapped[list[BroadcastTarget]] = relationship(back_populates="broadcast")


class BroadcastTarget(Base):
    __tablename__ = "broadcast_targets"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "account_id"),
        CheckConstraint(_in("state", TARGET_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    platform_id: Mapped[str | None] = mapped_column(String(191))
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]

    broadcast: Mapped[Broadcast] = relationship(back_populates="targets")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    email: Mapped[str | None] = mapped_column(String(191))
    role: Mapped[str] = mapped_column(String(16), default="agent")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    locale: Mapped[str] = mapped_column(String(8), default="id", server_default="id")


class WebSession(Base):
    """A signed-in console session. Only a hash of the cookie's token is stored, so a copy
    of the database does not sign anyone in."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginFailure(Base):
    """A failed console sign-in, counted against the name tried and the address it came from
    (`key` is "user:<name>" or "addr:<address>"). Kept in the database so every web process
    counts the same failures; rows older than the limiter's window are swept."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(index=True)


class Correction(Base):
    """An agent's re-classification of a message: what triage said and what it should have
    said, kept as labelled data to measure and improve the rules."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    service_id: Mapped[str | None] = mapped_column(String(16))
    item_id: Mapped[str | None] = mapped_column(String(16))
    intent: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(24))
    note: Mapped[str] = mapped_column(Text, default="")


class ApiToken(Base):
    """A per-user bearer token for the JSON API; revoked, it stops working at once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class SlaEvent(Base):
    """A warning before, or a record of, a missed response / fulfilment / broadcast time."""

    __tablename__ = "sla_events"
    __table_args__ = (
        # NULLs never collide in a UNIQUE index, so the subject ("message:12") carries it.
        UniqueConstraint("kind", "target", "subject"),
        CheckConstraint(_in("kind", SLA_EVENT_KINDS), name="kind"),
        CheckConstraint(_in("target", SLA_TARGETS), name="target"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageLedger(Base):
    """What an account spent or used on one day: X dollars, YouTube units, Meta usage peaks.

    One row per account, day (the platform's own day) and key; every worker adds to the same
    rows, so the figures are shared and survive restarts.
    """

    __tablename__ = "usage_ledger"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestSent(Base):
    """One row per digest day, written before the send: a day's digest goes out at most once
    (a failed send may be retried; a send cut off midway waits for a person)."""

    __tablename__ = "digests_sent"
    __table_args__ = (CheckConstraint(_in("state", DIGEST_STATES), name="state"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    covers_from: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    recipients: Mapped[list[Any]] = mapped_column(default=list)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Written before each send: a send cut off midway may have been delivered under it.
    message_id: Mapped[str | None] = mapped_column(String(191))


class OutboxEpoch(Base):
    """One row: a random token naming the database server's current incarnation. On
    PostgreSQL the table is UNLOGGED (migration 0010), so crash recovery empties it, exactly
    when commits that did not wait for the disk may have been lost; a clean restart keeps it.
    The outbox writes a new token when it finds none (desk/outbox.py)."""

    __tablename__ = "outbox_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(36))


class Lease(Base):
    """A named lease (e.g. the poll scheduler's) for databases without advisory locks."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
