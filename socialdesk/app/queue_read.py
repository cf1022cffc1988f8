"""The agents' queue: which messages to work on, in which order, as the shell and the
console show them.

One query in plain SQL with named parameters, run by whoever holds a connection: the
console through its SQLAlchemy session, the `queue` command through the database's own
driver (socialdesk.store.reader), so that an agent's command starts without importing
SQLAlchemy or the models. Neither this module nor its imports load them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from socialdesk.core.vocab import MESSAGE_STATES, PLATFORMS, platform_of
from socialdesk.rules.pii import mask
from socialdesk.store.reader import bind_time, read_time

DEFAULT_STATES = ("new", "open", "waiting")

# Runs one statement and returns its rows.
Rows = Callable[[str, Mapping[str, Any]], Sequence[Sequence[Any]]]


class InvalidRequest(ValueError):
    """The request names something unknown or asks for what cannot be done."""


class CalendarLike(Protocol):
    def add(self, t: datetime, hours: float | timedelta) -> datetime: ...
    def between(self, a: datetime, b: datetime) -> timedelta: ...


class CatalogLike(Protocol):
    @property
    def services(self) -> Mapping[str, Any]: ...
    @property
    def items(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class QueueFilter:
    states: tuple[str, ...] = DEFAULT_STATES
    platforms: tuple[str, ...] = ()
    services: tuple[str, ...] = ()  # service or item ids of the catalog
    at_risk: bool = False
    limit: int = 50
    claimed_by: int | None = None  # a user id: "mine" in the console
    late: bool = False  # only messages past their response time


@dataclass(frozen=True, slots=True)
class QueueEntry:
    id: int
    platform: str
    account: str
    kind: str
    received_at: datetime
    age: timedelta
    response_due_at: datetime | None
    due_in: timedelta | None  # working time left to respond; None once answered or late
    late: bool
    answered: bool
    state: str
    action: str | None
    service_id: str | None
    item_id: str | None
    author: str | None
    text: str  # one line, personal data masked
    claimed_by: str | None = None  # user name of the agent working on it


def make_entry(calendar: CalendarLike, now: datetime, *, id: int, platform: str, account: str,
               kind: str, received_at: datetime, response_due_at: datetime | None,
               first_response_at: datetime | None, state: str, action: str | None,
               service_id: str | None, item_id: str | None, author: str | None, text: str,
               claimed_by: str | None = None) -> QueueEntry:
    # An ignored message has no response clock (spam, the account's own words).
    due = response_due_at if state != "ignored" else None
    answered = first_response_at is not None
    late = not answered and due is not None and due <= now
    due_in = calendar.between(now, due) if due is not None and not answered and not late \
        else None
    return QueueEntry(
        id=id, platform=platform, account=account, kind=kind, received_at=received_at,
        # Never negative: a platform's clock (or a demo's) may run ahead of ours.
        age=max(timedelta(0), now - received_at), response_due_at=due, due_in=due_in,
        late=late, answered=answered, state=state, action=action, service_id=service_id,
        item_id=item_id, author=author,
        # Masked on every kind: a DM's NIK or account number is no less personal on a
        # shared screen. The full text is one audited reveal away (app.reveal).
        text=" ".join(mask(text).split()), claimed_by=claimed_by)


def checked_filter(wanted: QueueFilter, catalog: Callable[[], CatalogLike]) -> tuple[
        tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """States, platforms, services and items of `wanted`, each checked; the catalog is
    asked for only when the filter names a service."""
    unknown = [s for s in wanted.states if s not in MESSAGE_STATES]
    if unknown:
        raise InvalidRequest(f"unknown state {unknown[0]!r} (one of {', '.join(MESSAGE_STATES)})")
    platforms = tuple(_platform(p) for p in wanted.platforms)
    services: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    if wanted.services:
        known = catalog()
        services = tuple(s for s in wanted.services if s in known.services)
        items = tuple(s for s in wanted.services if s in known.items)
        unknown = [s for s in wanted.services if s not in services and s not in items]
        if unknown:
            raise InvalidRequest(f"unknown service or item {unknown[0]!r} in the catalog")
    if wanted.limit < 1:
        raise InvalidRequest(f"limit must be at least 1, got {wanted.limit}")
    return tuple(wanted.states), platforms, services, items


def _platform(name: str) -> str:
    try:
        return platform_of(name)
    except ValueError:
        raise InvalidRequest(
            f"unknown platform {name!r} (one of {', '.join(PLATFORMS)})") from None


_COLUMNS = ("messages.id, messages.platform, accounts.name, messages.kind, "
            "messages.received_at, messages.response_due_at, messages.first_response_at, "
            "messages.state, messages.action, messages.service_id, messages.item_id, "
            "messages.author_handle, messages.author_id, messages.text, users.username")


def _in(column: str, prefix: str, values: Sequence[Any], params: dict[str, Any]) -> str:
    names = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = value
        names.append(f":{prefix}{i}")
    return f"{column} IN ({', '.join(names)})"


def read_queue(rows: Rows, dialect: str, calendar: CalendarLike,
               catalog: Callable[[], CatalogLike], now: datetime, wanted: QueueFilter,
               *, warn_minutes: int) -> list[QueueEntry]:
    """Messages to work on: unanswered ones first, the one due first at the top; answered
    ones (waiting on a ticket) after them."""
    states, platforms, services, items = checked_filter(wanted, catalog)
    params: dict[str, Any] = {"limit": wanted.limit}
    # The states as literals (checked against the vocabulary above): SQLite uses a partial
    # index only when the query names its condition word for word, and the queue indexes'
    # condition is `state IN ('new', 'open', 'waiting')`.
    where = [f"messages.state IN ({', '.join(repr(s) for s in states)})"]
    if platforms:
        where.append(_in("messages.platform", "p", platforms, params))
    if services or items:
        where.append(f"({_in('messages.service_id', 's', services or ('',), params)} OR "
                     f"{_in('messages.item_id', 'i', items or ('',), params)})")
    if wanted.at_risk:
        params["warn_until"] = bind_time(
            dialect, calendar.add(now, timedelta(minutes=warn_minutes)))
        where.append("messages.first_response_at IS NULL AND messages.state NOT IN "
                     "('ignored', 'closed') AND messages.response_due_at <= :warn_until")
    if wanted.claimed_by is not None:
        params["claimed_by"] = wanted.claimed_by
        where.append("messages.claimed_by_id = :claimed_by")
    if wanted.late:
        params["now"] = bind_time(dialect, now)
        where.append("messages.first_response_at IS NULL AND messages.response_due_at <= :now")

    def part(answered: bool, limit: int) -> list[Sequence[Any]]:
        # Each part is read in the order of its partial index, so the top of a large queue
        # is never sorted from a scan.
        condition = "IS NOT NULL" if answered else "IS NULL"
        sql = (f"SELECT {_COLUMNS} FROM messages "
               "JOIN accounts ON accounts.id = messages.account_id "
               "LEFT OUTER JOIN users ON users.id = messages.claimed_by_id "
               f"WHERE {' AND '.join(where)} AND messages.first_response_at {condition} "
               "ORDER BY messages.response_due_at ASC NULLS LAST, messages.id LIMIT :limit")
        return list(rows(sql, {**params, "limit": limit}))

    found = part(False, wanted.limit)
    if len(found) < wanted.limit and not (wanted.at_risk or wanted.late):
        found += part(True, wanted.limit - len(found))
    return [_row_entry(calendar, now, row) for row in found]


def _row_entry(calendar: CalendarLike, now: datetime, row: Sequence[Any]) -> QueueEntry:
    (id_, platform, account, kind, received_at, due, first_response, state, action,
     service_id, item_id, handle, author_id, text, holder) = row
    received = read_time(received_at)
    assert received is not None  # NOT NULL in the schema
    return make_entry(
        calendar, now, id=int(id_), platform=platform, account=account, kind=kind,
        received_at=received, response_due_at=read_time(due),
        first_response_at=read_time(first_response), state=state, action=action,
        service_id=service_id, item_id=item_id,
        # The handle, else the platform's id of the writer: a Messenger push names only
        # the sender's page-scoped id, and an agent still needs to tell two writers apart.
        author=handle or author_id or None, text=text, claimed_by=holder)
