from __future__ import annotations

import io
import logging

from socialdesk.core.settings import Secret, redact
from socialdesk.runtime.logs import MaskingFilter


def _logger(stream: io.StringIO) -> logging.Logger:
    logger = logging.getLogger(f"test-mask-{id(stream)}")
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger.handlers[:] = [handler]
    logger.propagate = False
    return logger


def test_it_scrubs_revealed_secrets_and_personal_data_from_log_lines() -> None:
    token = Secret("EAAB-sangat-rahasia-123", "SOCIALDESK_FB_PAGE_ACCESS_TOKEN").reveal()
    out = io.StringIO()
    _logger(out).warning("GET /me?access_token=%s failed for NIK %s", token, "3201011203900004")
    line = out.getvalue()
    assert token not in line and "3201011203900004" not in line
    assert "********" in line and "GET /me" in line


def test_it_scrubs_secrets_inside_exception_tracebacks() -> None:
    token = Secret("yt-refresh-token-9876", "SOCIALDESK_YT_REFRESH_TOKEN").reveal()
    out = io.StringIO()
    try:
        raise RuntimeError(f"token endpoint refused {token}")
    except RuntimeError:
        _logger(out).exception("refresh failed")
    assert token not in out.getvalue() and "RuntimeError" in out.getvalue()


def test_it_leaves_text_without_secrets_alone() -> None:
    assert redact("nothing to hide here") == "nothing to hide here"
