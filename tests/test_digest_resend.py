"""A digest send cut off by a crash: its message-id is on the day's row before the send; it is
not sent again on its own (SMTP cannot be asked whether it arrived), shows as "maybe sent" on
/healthz and in the next digest, and a supervisor's `--resend` sends it once more. Against
a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from socialdesk.app import digest_send
from socialdesk.app.digest import build, message, message_id_for
from socialdesk.app.users import add_user
from socialdesk.app.views import InvalidRequest
from socialdesk.desk import mailer
from socialdesk.desk.digest_job import claim, ledger, note_message_id, period_for
from tests.desk_helpers import Rig
from tests.test_digest_smtp import SUPERVISORS, Inbox, configure, serve
from tests.test_sla_report import at, script_day

MONDAY = date(2026, 11, 30)


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    rig = script_day(engine, tmp_path)
    rig.clock.set(at(30, 16, 35))  # Monday, after send_at
    add_user(rig.desk, "sari", "kata-sandi-panjang", role="supervisor", actor="admin")
    add_user(rig.desk, "andi", "kata-sandi-panjang", role="agent", actor="admin")
    return rig


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


def crash_after_the_server_took_it(rig: Rig) -> str:
    """The scheduler's steps up to the send, and no further: the process dies before it
    records that the server accepted the message. Returns the message-id."""
    period = period_for(rig.desk.calendar, MONDAY)
    assert claim(rig.desk, period, SUPERVISORS) is not None
    digest = build(rig.desk, period)
    message_id = message_id_for(digest)
    note_message_id(rig.desk, MONDAY, message_id)
    mailer.send(rig.desk.settings.smtp, message(rig.desk, digest, SUPERVISORS,
                                                message_id=message_id))
    return message_id


def test_a_send_cut_off_is_never_sent_again_on_its_own(rig: Rig, inbox: Inbox,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    for port in serve(inbox):
        configure(rig, port)
        message_id = crash_after_the_server_took_it(rig)
        assert inbox.messages()[0]["Message-ID"].strip() == message_id
        for minutes in (1, 20, 120):  # the scheduler runs on, past the stale limit
            rig.clock.advance(timedelta(minutes=minutes))
            assert digest_send.send_due(rig.desk) is None
        assert len(inbox.envelopes) == 1
        assert "may have arrived" in caplog.text and message_id in caplog.text
        health = digest_send.health(rig.desk)
        assert health["state"] == "sending" and health["maybe_sent"] is True
        assert health["undelivered"] == [{"day": "2026-11-30", "state": "sending",
                                          "maybe_sent": True, "message_id": message_id,
                                          "error": None}]


def test_the_next_digest_names_the_one_that_may_not_have_arrived(rig: Rig,
                                                                 inbox: Inbox) -> None:
    for port in serve(inbox):
        configure(rig, port)
        message_id = crash_after_the_server_took_it(rig)
        rig.clock.set(at(1, 16, 35))  # Tuesday's digest
        outcome = digest_send.send_due(rig.desk)
        assert outcome is not None and outcome.state == "sent"
        tuesday = inbox.messages()[1]
        text = tuesday.get_body(("plain",))
        html = tuesday.get_body(("html",))
        assert text is not None and html is not None
        for part in (text.get_content(), html.get_content()):
            assert "mungkin tidak sampai" in part.lower()
            assert "socialdesk digest --resend 2026-11-30" in part
        assert message_id in text.get_content()


def test_a_supervisor_resends_it_once(rig: Rig, inbox: Inbox) -> None:
    for port in serve(inbox):
        configure(rig, port)
        first_id = crash_after_the_server_took_it(rig)
        with pytest.raises(InvalidRequest, match="being sent now"):
            digest_send.resend_day(rig.desk, MONDAY, actor="sari")  # not stale yet
        rig.clock.advance(timedelta(minutes=20))
        with pytest.raises(InvalidRequest, match="not an active supervisor"):
            digest_send.resend_day(rig.desk, MONDAY, actor="andi")
        outcome = digest_send.resend_day(rig.desk, MONDAY, actor="sari")
        assert outcome.state == "sent"
        first, again = inbox.messages()
        assert again["Message-ID"].strip() != first_id and again["Subject"] == first["Subject"]
        row = ledger(rig.desk)[0]
        assert (row.state, row.attempts, row.message_id) == ("sent", 2, again["Message-ID"].strip())
        with pytest.raises(InvalidRequest, match="was sent at"):
            digest_send.resend_day(rig.desk, MONDAY, actor="sari")
        assert len(inbox.envelopes) == 2
        assert digest_send.health(rig.desk)["undelivered"] == []


def test_a_day_that_failed_and_was_left_behind_can_be_resent(rig: Rig, inbox: Inbox) -> None:
    inbox.refuse = True
    for port in serve(inbox):
        configure(rig, port)
        outcome = digest_send.send_due(rig.desk)
        assert outcome is not None and outcome.state == "failed"
        rig.clock.set(at(1, 9, 0))  # the next morning: Monday's row is not retried by itself
        assert [r["day"] for r in digest_send.health(rig.desk)["undelivered"]] == ["2026-11-30"]
        inbox.refuse = False
        assert digest_send.resend_day(rig.desk, MONDAY, actor="sari").state == "sent"
        assert len(inbox.envelopes) == 1
