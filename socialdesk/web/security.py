"""What every response carries, and the limit on sign-in attempts."""

from __future__ import annotations

import threading
import time
from collections import deque
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
    the count costs an attacker a restart they cannot cause. Only failures are kept, and
    only for the window, so names sprayed at the form do not pile up in memory."""

    def __init__(self, attempts: int = 5, window: float = 900.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _count(self, key: str, now: float) -> int:
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return len(times)

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return f"user:{username.strip().lower()}", f"addr:{address}"

    def blocked(self, username: str, address: str) -> bool:
        now = self._clock()
        with self._lock:
            return any(self._count(k, now) >= self.attempts
                       for k in self._keys(username, address))

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                self._count(key, now)
                self._failures.setdefault(key, deque()).append(now)
            # Everything older than the window goes, whoever it was about.
            for key in [k for k, v in self._failures.items() if v[-1] <= now - self.window]:
                del self._failures[key]

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(username, "")[0], None)

    def __len__(self) -> int:
        return len(self._failures)
