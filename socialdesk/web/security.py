"""What every response carries, and the limit on sign-in attempts."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

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

    Kept in the web process: one console process serves the office, and a restart forgetting
    the count costs an attacker a restart they cannot cause."""

    def __init__(self, attempts: int = 5, window: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self._clock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, username: str, address: str) -> bool:
        now = self._now()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.attempts
                       for k in (f"user:{username.lower()}", f"addr:{address}"))

    def failed(self, username: str, address: str) -> None:
        now = self._now()
        with self._lock:
            for key in (f"user:{username.lower()}", f"addr:{address}"):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)
