"""The one exception tree every connector raises; the daemon decides by class alone.

RetryLater: nothing is wrong with the account; try again at `retry_at` (or with back-off).
Permanent: the account cannot work until a person acts (token revoked, permission missing,
page deleted); the daemon disables the account and shows `reason`.
Rejected: this one request cannot be done (reply window closed, text too long, target gone,
reply not allowed by the platform); the account stays enabled and other work goes on.
Gone: a Rejected whose object (a post, a comment) was deleted or cannot be seen; a send to
it fails alone, and a read of it is skipped.
A single malformed item is not an exception at all: it is reported in Page.skipped.
"""

from __future__ import annotations

from datetime import datetime


class ConnectorError(Exception):
    """Base of every error a connector raises; `reason` is safe to show and to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryLater(ConnectorError):
    """Temporary: rate limit, quota, server error, timeout or an unreadable response."""

    def __init__(self, reason: str, retry_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.retry_at = retry_at

    def __repr__(self) -> str:
        when = self.retry_at.isoformat() if self.retry_at else "back-off"
        return f"RetryLater({self.reason!r}, retry_at={when})"


class Permanent(ConnectorError):
    """The account needs a person: revoked/expired token, missing permission, deleted page."""


class Rejected(ConnectorError):
    """This request cannot succeed as asked; retrying the same request is pointless."""


class Gone(Rejected):
    """The one object asked about no longer exists or cannot be seen (deleted post or
    comment); on a read, the item is skipped, never the account disabled."""
