"""Opaque cursors for newest-first listings (Graph comments, YouTube threads, X DMs).

Those APIs page from the newest item backwards and have no "since" parameter, so a poll is
a sweep: page backwards until an item at or below the floor (what the last completed sweep
reached), then raise the floor to the newest item the sweep saw. The floor never goes down;
the ids at exactly the floor time are kept so equal timestamps are neither lost nor repeated.
The encoded form is compact JSON; callers treat it as an opaque string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from socialdesk.connectors.errors import Permanent


@dataclass(frozen=True, slots=True)
class Mark:
    """A point in time and the ids seen at exactly that time."""

    at: datetime | None = None
    ids: frozenset[str] = frozenset()

    def covers(self, when: datetime, item_id: str) -> bool:
        """True when the item is at or behind this mark (already delivered)."""
        if self.at is None:
            return False
        return when < self.at or (when == self.at and item_id in self.ids)

    def raised(self, when: datetime, item_id: str) -> Mark:
        if self.at is None or when > self.at:
            return Mark(when, frozenset({item_id}))
        if when == self.at:
            return Mark(when, self.ids | {item_id})
        return self

    def max(self, other: Mark) -> Mark:
        if other.at is None:
            return self
        if self.at is None or other.at > self.at:
            return other
        if other.at == self.at:
            return Mark(self.at, self.ids | other.ids)
        return self


@dataclass(frozen=True, slots=True)
class Sweep:
    floor: Mark = Mark()
    top: Mark = Mark()
    token: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def in_progress(self) -> bool:
        return self.token is not None or bool(self.extra)

    def saw(self, items: Iterable[tuple[datetime, str]]) -> Sweep:
        top = self.top
        for when, item_id in items:
            top = top.raised(when, item_id)
        return replace(self, top=top)

    def finished(self, extra: Mapping[str, Any] | None = None) -> Sweep:
        """The sweep reached the floor: raise it to the newest item seen."""
        return Sweep(floor=self.floor.max(self.top), extra=dict(extra or {}))

    def encode(self) -> str:
        return json.dumps(
            {"f": _mark_out(self.floor), "t": _mark_out(self.top), "p": self.token,
             "x": dict(self.extra)},
            separators=(",", ":"), sort_keys=True,
        )


def _mark_out(mark: Mark) -> list[Any] | None:
    if mark.at is None:
        return None
    return [mark.at.isoformat(), sorted(mark.ids)]


def _mark_in(raw: Any) -> Mark:
    if raw is None:
        return Mark()
    at, ids = raw
    when = datetime.fromisoformat(at)
    if when.tzinfo is None:
        raise ValueError("naive time in cursor")
    return Mark(when.astimezone(UTC), frozenset(str(i) for i in ids))


def decode_sweep(cursor: str | None) -> Sweep:
    if not cursor:
        return Sweep()
    try:
        raw = json.loads(cursor)
        token = raw.get("p")
        extra = raw.get("x") or {}
        if (token is not None and not isinstance(token, str)) or not isinstance(extra, dict):
            raise ValueError("bad token")
        return Sweep(_mark_in(raw.get("f")), _mark_in(raw.get("t")), token, extra)
    except (ValueError, TypeError, AttributeError) as exc:
        raise Permanent(f"unreadable cursor {cursor[:80]!r} ({exc}); reset the stream") from None
