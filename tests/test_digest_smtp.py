"""The digest sent to a real SMTP server on loopback (aiosmtpd): plain, STARTTLS and implicit
TLS; a refusing or absent server leads to a recorded error and a later retry; a day's digest
is never sent twice."""

from __future__ import annotations

import email
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine

from socialdesk.app import digest_send
from socialdesk.core.settings import DigestSettings, SmtpSettings
from socialdesk.desk.digest_job import ledger
from tests.desk_helpers import Rig
from tests.html_check import assert_well_formed
from tests.test_sla_report import at, script_day

SUPERVISORS = ("spv.satu@example.go.id", "spv.dua@example.go.id")


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses it when told."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.refuse = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse:
            return "554 5.7.1 refused by the test server"
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        parsed = [email.message_from_bytes(e.original_content or b"", policy=default)
                  for e in self.envelopes]
        return [m for m in parsed if isinstance(m, EmailMessage)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    where = tmp_path_factory.mktemp("tls")
    key, crt = where / "key.pem", where / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(crt), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return key, crt


def server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert[1]), str(cert[0]))
    return context


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


def serve(inbox: Inbox, **kwargs: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def configure(rig: Rig, port: int, **smtp: Any) -> None:
    rig.desk.settings = replace(
        rig.desk.settings,
        smtp=SmtpSettings(host="127.0.0.1", port=port, sender="socialdesk@example.go.id",
                          **smtp),
        digest=DigestSettings(SUPERVISORS, console_url="https://desk.example.go.id"))


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    rig = script_day(engine, tmp_path)
    rig.clock.set(at(30, 16, 35))  # Monday, after send_at
    return rig


def check_digest(inbox: Inbox, recipients: tuple[str, ...] = SUPERVISORS) -> None:
    (envelope,) = inbox.envelopes
    assert sorted(envelope.rcpt_tos) == sorted(recipients)
    (msg,) = inbox.messages()
    assert msg["Subject"].endswith("Senin, 30 November 2026")
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    assert "KEPATUHAN WAKTU RESPONS" in text.get_content()
    assert_well_formed(html.get_content())


def test_it_sends_the_digest_once_to_the_supervisors(rig: Rig, inbox: Inbox) -> None:
    for port in serve(inbox):
        configure(rig, port)
        outcome = digest_send.send_due(rig.desk)
        assert outcome is not None and outcome.state == "sent"
        check_digest(inbox)
        # Later runs of the job, and the command for the same day, send nothing more.
        rig.clock.advance(timedelta(hours=1))
        assert digest_send.send_due(rig.desk) is None
        assert digest_send.send_day(rig.desk, date(2026, 11, 30)).state == "skipped"
        assert len(inbox.envelopes) == 1
        assert ledger(rig.desk)[0].state == "sent"


def test_it_sends_over_starttls(rig: Rig, inbox: Inbox, cert: tuple[Path, Path]) -> None:
    for port in serve(inbox, tls_context=server_context(cert), require_starttls=True):
        configure(rig, port, starttls=True, ca_file=str(cert[1]))
        assert digest_send.send_day(rig.desk, date(2026, 11, 30)).state == "sent"
        check_digest(inbox)


def test_it_sends_over_implicit_tls(rig: Rig, inbox: Inbox, cert: tuple[Path, Path]) -> None:
    for port in serve(inbox, ssl_context=server_context(cert)):
        configure(rig, port, tls=True, ca_file=str(cert[1]))
        assert digest_send.send_day(rig.desk, date(2026, 11, 30)).state == "sent"
        check_digest(inbox)


def test_a_copy_to_another_address_is_not_the_days_digest(rig: Rig, inbox: Inbox) -> None:
    for port in serve(inbox):
        configure(rig, port)
        outcome = digest_send.send_day(rig.desk, date(2026, 11, 30), to=("kepala@example.go.id",))
        assert outcome.state == "sent"
        check_digest(inbox, ("kepala@example.go.id",))
        assert ledger(rig.desk) == []


def test_a_refusing_server_is_recorded_and_retried(rig: Rig, inbox: Inbox,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    inbox.refuse = True
    for port in serve(inbox):
        configure(rig, port)
        outcome = digest_send.send_due(rig.desk)
        assert outcome is not None and outcome.state == "failed" and "554" in outcome.detail
        assert "not sent" in caplog.text and "554" in caplog.text
        health = digest_send.health(rig.desk)
        assert health["state"] == "failed" and "554" in str(health["error"])
        # Not again at once: the next attempt waits a while.
        assert digest_send.send_due(rig.desk) is None
        inbox.refuse = False
        rig.clock.advance(timedelta(minutes=11))
        outcome = digest_send.send_due(rig.desk)
        assert outcome is not None and outcome.state == "sent"
        check_digest(inbox)
        assert ledger(rig.desk)[0].attempts == 2


def test_a_server_that_is_not_there_is_an_error_not_a_silence(rig: Rig) -> None:
    configure(rig, free_port())  # nothing listens there
    outcome = digest_send.send_due(rig.desk)
    assert outcome is not None and outcome.state == "failed"
    assert "ConnectionRefusedError" in outcome.detail
    assert digest_send.health(rig.desk)["state"] == "failed"


def test_a_server_that_drops_the_connection_is_an_error(rig: Rig) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        configure(rig, int(listener.getsockname()[1]))
        def drop() -> None:
            conn, _ = listener.accept()
            conn.close()
        threading.Thread(target=drop, daemon=True).start()
        outcome = digest_send.send_due(rig.desk)
    assert outcome is not None and outcome.state == "failed"
    assert "127.0.0.1" in outcome.detail
