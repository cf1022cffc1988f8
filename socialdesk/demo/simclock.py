"""A simulated clock for the demo and the tests: a chosen start, running `speed` times faster
than the wall clock, shared by every part of the desk so their times agree."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta


class SimClock:
    """`paused=True` holds the clock at `start` until `run()`: set-up work before the day
    (however slow the machine) then costs no simulated time."""

    def __init__(self, start: datetime, speed: float = 1.0, *, paused: bool = False) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start time")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.start = start
        self.speed = speed
        self._origin: float | None = None if paused else time.monotonic()
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def set_speed(self, speed: float) -> None:
        """Go on from the present moment at `speed` (the demo's console, once the day is
        over, runs at the wall clock's pace instead of racing into the following days)."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        with self._lock:
            if self._origin is not None:
                elapsed = (time.monotonic() - self._origin) * self.speed
                self._offset += timedelta(seconds=elapsed)
                self._origin = time.monotonic()
            self.speed = speed

    def run(self) -> None:
        """Start a paused clock running from where it stands."""
        with self._lock:
            if self._origin is None:
                self._origin = time.monotonic()

    def __call__(self) -> datetime:
        with self._lock:
            if self._origin is None:
                return self.start + self._offset
            elapsed = (time.monotonic() - self._origin) * self.speed
            return self.start + self._offset + timedelta(seconds=elapsed)

    def advance(self, delta: timedelta) -> None:
        """Jump ahead (tests use this with speed 1 to step through a scenario)."""
        with self._lock:
            self._offset += delta


class ManualClock:
    """A clock that moves only when told: for step-by-step tests."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the manual clock needs an aware start time")
        self.value = start

    def __call__(self) -> datetime:
        return self.value

    def advance(self, delta: timedelta) -> None:
        self.value += delta

    def set(self, value: datetime) -> None:
        self.value = value
