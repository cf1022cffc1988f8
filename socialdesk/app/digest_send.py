"""Sending the daily digest: by the scheduler when it is due, or by `socialdesk digest`.

The ledger row of the day is taken before the send (desk.digest_job), so a digest goes to the
supervisors at most once per day; a failure is logged, kept on the row for /healthz and
retried at the scheduler's next runs. A send cut off midway may have been delivered: it is
sent again only when a supervisor says so (`resend_day`), and until then it is shown on
/healthz and in the next digest, with the message-id to look for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from socialdesk.app.actions import audit, checked_actor
from socialdesk.app.digest import build, message, message_id_for, render
from socialdesk.app.views import InvalidRequest, NotFound
from socialdesk.desk import mailer
from socialdesk.desk.context import Desk
from socialdesk.desk.digest_job import (
    MAX_ATTEMPTS,
    STALE_SENDING,
    Claim,
    Period,
    claim,
    due_day,
    ledger,
    note_message_id,
    period_for,
    reclaim,
    record,
    row_of,
    undelivered,
)
from socialdesk.store.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DigestOutcome:
    day: date
    state: str  # sent | failed | skipped
    detail: str = ""


def _send(desk: Desk, period: Period, recipients: tuple[str, ...], *,
          ledgered: bool = True) -> str | None:
    """Send the digest of `period`; returns the error, or None when the server took it.
    `ledgered`: the day's row is ours, and gets the message-id before the send."""
    try:
        digest = build(desk, period)
        message_id = message_id_for(digest)
        if ledgered:
            note_message_id(desk, period.day, message_id)
        msg = message(desk, digest, recipients, message_id=message_id)
        mailer.send(desk.settings.smtp, msg, password=mailer.smtp_password(desk.settings.smtp))
    except mailer.MailError as exc:
        return exc.reason
    return None


def _deliver(desk: Desk, period: Period, recipients: tuple[str, ...]) -> DigestOutcome:
    taken = claim(desk, period, recipients)
    if taken is None:
        row = row_of(desk, period.day)
        if row is not None and row.maybe_sent:
            log.error("digest of %s was cut off while sending (message-id %s) and may have "
                      "arrived: not sent again until a supervisor runs `socialdesk digest "
                      "--resend %s`", period.day, row.message_id or "-", period.day)
            return DigestOutcome(period.day, "skipped", MAYBE_SENT.format(
                day=period.day, message_id=row.message_id or "-"))
        return DigestOutcome(period.day, "skipped", "already sent, being sent, or waiting for "
                                                    "its next attempt")
    return _attempt(desk, period, recipients, taken)


MAYBE_SENT = ("cut off while sending: it may have arrived (message-id {message_id}); look "
              "for it, and if it is not there, `socialdesk digest --resend {day}`")


def _attempt(desk: Desk, period: Period, recipients: tuple[str, ...],
             taken: Claim) -> DigestOutcome:
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
        error = _send(desk, period, to, ledgered=False)
        return DigestOutcome(day, "failed" if error else "sent", error or ", ".join(to))
    recipients = desk.settings.digest.recipients
    if not recipients:
        raise InvalidRequest("no [digest] recipients in the settings: give --to ADDRESS")
    return _deliver(desk, period, recipients)


def resend_day(desk: Desk, day: date, *, actor: str) -> DigestOutcome:
    """`socialdesk digest --resend DAY`: a supervisor looked and the day's digest did not
    arrive (cut off midway, or failed): it is claimed again and sent to the supervisors."""
    period = _past_period(desk, day)
    recipients = desk.settings.digest.recipients
    if not recipients:
        raise InvalidRequest("no [digest] recipients in the settings")
    row = row_of(desk, day)
    if row is None:
        raise NotFound(f"no digest of {day} was sent or tried: `socialdesk digest --date {day}`")
    if row.state == "sent":
        raise InvalidRequest(f"the digest of {day} was sent at {row.sent_at:%Y-%m-%d %H:%M} "
                             "UTC; --to ADDR sends a copy")
    if row.state == "sending" and not row.maybe_sent:
        raise InvalidRequest(f"the digest of {day} is being sent now (since "
                             f"{row.claimed_at:%H:%M} UTC); a send cut off is resent after "
                             f"{int(STALE_SENDING.total_seconds() // 60)} minutes")
    _supervisor(desk, actor)
    taken = reclaim(desk, day, recipients)
    if taken is None:
        return DigestOutcome(day, "skipped", "taken by another sender meanwhile")
    with desk.sessions() as session, session.begin():
        audit(session, desk.now(), actor, "digest_resend", "digest", day.isoformat(),
              was=row.state, message_id=row.message_id)
    return _attempt(desk, period, recipients, taken)


def _supervisor(desk: Desk, actor: str) -> None:
    """Only a supervisor (or an administrator) decides that a digest did not arrive."""
    with desk.sessions() as session:
        user = session.scalars(select(User).where(
            User.username == checked_actor(actor).lower())).first()
    if user is None or not user.active or user.role not in ("supervisor", "admin"):
        raise InvalidRequest(f"{actor!r} is not an active supervisor: a supervisor, having "
                             "looked for the digest in the mailboxes, resends it")


def write_day(desk: Desk, day: date, out: Path) -> Path:
    """The HTML digest of `day` written to `out` (a .txt beside it has the plain part)."""
    html, text = render(desk, build(desk, _past_period(desk, day)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    out.with_suffix(".txt").write_text(text, encoding="utf-8")
    return out


def health(desk: Desk) -> dict[str, object]:
    """The digest's part of /healthz: the last day's state and any error, and each recent
    day whose digest may not have arrived (cut off midway, or failed)."""
    rows = ledger(desk, limit=1)
    if not rows:
        return {"last_day": None}
    last = rows[0]
    today = desk.now().astimezone(desk.calendar.tz).date()
    return {"last_day": last.day.isoformat(), "state": last.state, "attempts": last.attempts,
            "error": last.last_error, "maybe_sent": last.maybe_sent,
            "undelivered": [{"day": r.day.isoformat(), "state": r.state,
                             "maybe_sent": r.maybe_sent, "message_id": r.message_id,
                             "error": r.last_error}
                            for r in undelivered(desk, today + timedelta(days=1))]}
