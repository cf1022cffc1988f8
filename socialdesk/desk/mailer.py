"""Sending one e-mail through the configured SMTP server: plain, STARTTLS or implicit TLS,
with a login when a password is configured. Errors come out as MailError with a reason that
names the server but never the password."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from socialdesk.core.settings import SmtpSettings, redact

TIMEOUT = 30.0


class MailError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def smtp_password(smtp: SmtpSettings, environ: dict[str, str] | None = None) -> str | None:
    """From the environment variable the settings name, or the file named by its _FILE
    variant (systemd credentials); None when neither is set."""
    env = os.environ if environ is None else environ
    if env.get(smtp.password_env):
        return env[smtp.password_env]
    path = env.get(f"{smtp.password_env}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return None


def _context(smtp: SmtpSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=smtp.ca_file or None)


def send(smtp: SmtpSettings, message: EmailMessage, *, password: str | None = None,
         timeout: float = TIMEOUT) -> None:
    where = f"{smtp.host}:{smtp.port}"
    try:
        client: smtplib.SMTP
        if smtp.tls:
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout,
                                      context=_context(smtp))
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        with client:
            if smtp.starttls:
                client.starttls(context=_context(smtp))
            if password and smtp.username:
                client.login(smtp.username, password)
            refused = client.send_message(message)
        if refused:
            raise MailError(f"{where} refused {', '.join(sorted(refused))}")
    except smtplib.SMTPResponseException as exc:
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        raise MailError(redact(f"{where}: {exc.smtp_code} {detail}")) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(redact(f"{where}: {type(exc).__name__}: {exc}")) from None
