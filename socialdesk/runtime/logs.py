"""Logging set-up: one line per event, personal data masked before it reaches a handler."""

from __future__ import annotations

import logging
import sys

from socialdesk.core.settings import redact
from socialdesk.rules.pii import mask


class MaskingFilter(logging.Filter):
    """Masks secrets and personal data (NIK, account and phone numbers...) in every
    formatted log message, exception text included."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string still deserves a line
            message = str(record.msg)
        masked = mask(redact(message))
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, mask(redact(text))
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
