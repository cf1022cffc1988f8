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


class RepeatFilter(logging.Filter):
    """During an outage the same failure is logged on every retry: its first occurrence
    keeps the traceback (the cause), later ones become one line with a count. The same
    failure means the same exception type and first line; quiet for `window` seconds, it
    counts as new again."""

    def __init__(self, window: float = 600.0) -> None:
        super().__init__()
        self.window = window
        self.seen: dict[tuple[str, str], tuple[int, float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[1] is None:
            return True
        exc = record.exc_info[1]
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        key = (type(exc).__name__, first)
        count, last = self.seen.get(key, (0, 0.0))
        count = count + 1 if record.created - last < self.window else 1
        self.seen[key] = (count, record.created)
        if count > 1:
            record.msg = f"{record.getMessage()} (failing again, {count} times: " \
                         f"{type(exc).__name__}: {first})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S%z"))
    handler.addFilter(RepeatFilter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
