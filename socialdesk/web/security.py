"""What every response carries, and the limit on sign-in attempts."""

from __future__ import annotations

from datetime import timedelta

from socialdesk.app import auth
from socialdesk.desk.context import Desk

# No inline script or style anywhere, nothing from another origin, never inside a frame.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000"


class LoginLimiter:
    """At most `attempts` failed sign-ins per user name and per address in `window` seconds.

    The failures are counted in the database (app.auth), not in this process: the console
    may run as several processes behind one address, and each must refuse the same guesses.
    Two processes checking at the same instant may each let one more guess through; the
    limit is on guessing speed, and that does not change it."""

    def __init__(self, attempts: int = 5, window: float = 900.0) -> None:
        self.attempts = attempts
        self.window = timedelta(seconds=window)

    def blocked(self, desk: Desk, username: str, address: str) -> bool:
        return auth.sign_in_blocked(desk, username, address, attempts=self.attempts,
                                    window=self.window)

    def failed(self, desk: Desk, username: str, address: str) -> None:
        auth.sign_in_failed(desk, username, address, window=self.window)

    def succeeded(self, desk: Desk, username: str) -> None:
        auth.sign_in_succeeded(desk, username)
