"""Sending the daily digest: by the scheduler when it is due, or by `socialdesk digest`.

The ledger row of the day is taken before the send (desk.digest_job), so a digest goes to the
supervisors at most once per day; a failure is logged, kept on the row for /healthz and
retried at the scheduler's next runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from socialdesk.app.digest import build, message, render
from socialdesk.app.views import InvalidRequest
from socialdesk.desk import mailer
from socialdesk.desk.context import Desk
from socialdesk.desk.digest_job import (
    MAX_ATTEMPTS,
    Period,
    claim,
    due_day,
    ledger,
    period_for,
    record,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    day: date
    state: str  # sent | failed | skipped
    detail: str = ""


def _send(desk: Desk, period: Period, recipients: tuple[str, ...]) -> str | None:
    """Send the digest of `period`; returns the error, or None when the server took it."""
    try:
        msg = message(desk, build(desk, period), recipients)
        mailer.send(desk.settings.smtp, msg, password=mailer.smtp_password(desk.settings.smtp))
    except mailer.MailError as exc:
        return exc.reason
    return None


def _deliver(desk: Desk, period: Period, recipients: tuple[str, ...]) -> DigestOutcome:
    taken = claim(desk, period, recipients)
    if taken is None:
        return DigestOutcome(period.day, "skipped", "already sent, being sent, or waiting for "
                                                    "its next attempt")
    error = _send(desk, period, recipients)
    record(desk, period.day, error=error)
    if error is None:
        log.info("digest of %s sent to %s", period.day, ", ".join(recipients))
        return DigestOutcome(period.day, "sent", ", ".join(recipients))
    more = "retried later" if taken.attempt < MAX_ATTEMPTS else "no attempts left"
    log.error("digest of %s not sent (attempt %s of %s, %s): %s", period.day, taken.attempt,
              MAX_ATTEMPTS, more, error)
    return DigestOutcome(period.day, "failed", error)


def send_due(desk: Desk) -> DigestOutcome | None:
    """The scheduler's job: today's digest, once, when today is a working day after
    `send_at`. None when nothing is due (or nobody is configured to receive it)."""
    settings = desk.settings.digest
    day = due_day(desk.calendar, desk.now(), settings.send_at)
    if day is None or not settings.recipients:
        return None
    outcome = _deliver(desk, period_for(desk.calendar, day), settings.recipients)
    return None if outcome.state == "skipped" else outcome


def _past_period(desk: Desk, day: date) -> Period:
    today = desk.now().astimezone(desk.calendar.tz).date()
    if day > today:
        raise InvalidRequest(f"{day} has not happened yet")
    return period_for(desk.calendar, day)


def send_day(desk: Desk, day: date, *, to: tuple[str, ...] = ()) -> DigestOutcome:
    """`socialdesk digest --date`: the digest of any past day. To the configured supervisors
    it goes through the day's ledger (never twice); a copy `to` other addresses does not."""
    period = _past_period(desk, day)
    if to:
        error = _send(desk, period, to)
        return DigestOutcome(day, "failed" if error else "sent", error or ", ".join(to))
    recipients = desk.settings.digest.recipients
    if not recipients:
        raise InvalidRequest("no [digest] recipients in the settings: give --to ADDRESS")
    return _deliver(desk, period, recipients)


def write_day(desk: Desk, day: date, out: Path) -> Path:
    """The HTML digest of `day` written to `out` (a .txt beside it has the plain part)."""
    html, text = render(desk, build(desk, _past_period(desk, day)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    out.with_suffix(".txt").write_text(text, encoding="utf-8")
    return out


def health(desk: Desk) -> dict[str, object]:
    """The digest's part of /healthz: the last day's state and any error."""
    rows = ledger(desk, limit=1)
    if not rows:
        return {"last_day": None}
    last = rows[0]
    return {"last_day": last.day.isoformat(), "state": last.state, "attempts": last.attempts,
            "error": last.last_error}
