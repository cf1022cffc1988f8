"""One poll of one stream of one account: fetch pages, store each with its cursor."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from socialdesk.connectors.errors import ConnectorError, Permanent, RetryLater
from socialdesk.core.settings import redact
from socialdesk.desk.context import Desk
from socialdesk.desk.intake import current_cursor, store_page
from socialdesk.desk.outbox import backoff
from socialdesk.store.models import Account, PollCursor

log = logging.getLogger(__name__)
MAX_PAGES = 10


@dataclass(frozen=True, slots=True)
class PollResult:
    account: str
    stream: str
    stored: int = 0
    duplicates: int = 0
    skipped: int = 0
    pages: int = 0
    error: str | None = None
    status: str = "ok"  # ok | disabled | waiting | retry | permanent | error


def poll_stream(desk: Desk, account_name: str, stream: str,
                max_pages: int = MAX_PAGES) -> PollResult:
    now = desk.now()
    with desk.sessions() as session:
        account = session.scalars(select(Account).where(Account.name == account_name)).one()
        if not account.enabled:
            return PollResult(account_name, stream, status="disabled")
        row = current_cursor(session, account, stream)
        if row is not None and row.retry_at is not None and row.retry_at > now:
            return PollResult(account_name, stream, status="waiting")
        cursor = row.cursor if row else None
    stored = duplicates = skipped = pages = 0
    try:
        connector = desk.connector(account_name)
        while pages < max_pages:
            page = connector.fetch(stream, cursor)
            pages += 1
            with desk.sessions() as session, session.begin():
                account = session.scalars(
                    select(Account).where(Account.name == account_name)).one()
                result = store_page(session, account, stream, page, now=desk.now(),
                                    calendar=desk.calendar,
                                    response_hours=desk.settings.sla.response_hours)
                if account.last_error and not account.disabled_reason:
                    account.last_error = None
            for reason in result.skipped_reasons:
                log.warning("%s/%s: skipped one item: %s", account_name, stream, reason)
            stored += result.stored
            duplicates += result.duplicates
            skipped += result.skipped
            if not page.messages or page.next_cursor is None or page.next_cursor == cursor:
                break
            cursor = page.next_cursor
    except RetryLater as exc:
        retry_at = exc.retry_at or desk.now() + backoff(pages + 1)
        _note_error(desk, account_name, stream, exc.reason, retry_at=retry_at)
        return PollResult(account_name, stream, stored, duplicates, skipped, pages,
                          error=exc.reason, status="retry")
    except Permanent as exc:
        _note_error(desk, account_name, stream, exc.reason, disable=True)
        return PollResult(account_name, stream, stored, duplicates, skipped, pages,
                          error=exc.reason, status="permanent")
    except ConnectorError as exc:
        retry_at = desk.now() + timedelta(minutes=5)
        _note_error(desk, account_name, stream, exc.reason, retry_at=retry_at)
        return PollResult(account_name, stream, stored, duplicates, skipped, pages,
                          error=exc.reason, status="retry")
    except Exception as exc:
        # Not foreseen (a bug, a database refusal): the account shows it and the metrics
        # count it as "error", instead of the stream silently standing still.
        reason = f"unexpected {type(exc).__name__}: {exc}".splitlines()[0][:300]
        log.exception("%s/%s: poll failed", account_name, stream)
        try:
            _note_error(desk, account_name, stream, reason,
                        retry_at=desk.now() + timedelta(minutes=5))
        except Exception:  # the database itself may be what failed
            log.warning("%s/%s: could not record the failure on the account",
                        account_name, stream)
        return PollResult(account_name, stream, stored, duplicates, skipped, pages,
                          error=redact(reason), status="error")
    return PollResult(account_name, stream, stored, duplicates, skipped, pages)


def _note_error(desk: Desk, account_name: str, stream: str, reason: str, *,
                retry_at: object = None, disable: bool = False) -> None:
    reason = redact(reason)  # it is stored and shown: no token a library may have quoted
    now = desk.now()
    with desk.sessions() as session, session.begin():
        account = session.scalars(select(Account).where(Account.name == account_name)).one()
        account.last_error = f"{stream}: {reason}"
        account.last_error_at = now
        if disable:
            account.enabled = False
            account.disabled_reason = reason
        row = current_cursor(session, account, stream)
        if row is None:
            row = PollCursor(account_id=account.id, stream=stream, cursor=None, updated_at=now)
            session.add(row)
        if retry_at is not None:
            row.retry_at = retry_at  # type: ignore[assignment]
    level = logging.ERROR if disable else logging.WARNING
    log.log(level, "%s/%s: %s%s", account_name, stream, reason,
            " (account disabled)" if disable else "")
