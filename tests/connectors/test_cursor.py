"""Sweep cursors: the floor only rises, and nothing is delivered twice or lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.connectors import Permanent
from socialdesk.connectors.cursor import Sweep, decode_sweep

BASE = datetime(2026, 3, 17, tzinfo=UTC)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), max_size=8), min_size=1, max_size=6))
def test_it_delivers_each_item_once_across_sweeps(batches: list[list[int]]) -> None:
    """Each batch is what became visible before one sweep; times may repeat."""
    cursor: str | None = None
    visible: list[tuple[datetime, str]] = []
    delivered: list[str] = []
    floors: list[datetime] = []
    clock = 0
    for batch in batches:
        for offset in batch:
            visible.append((BASE + timedelta(minutes=clock + offset // 10), f"i{len(visible)}"))
        clock += 6
        sweep = decode_sweep(cursor)
        fresh = [item for when, item in visible if not sweep.floor.covers(when, item)]
        delivered += fresh
        done = sweep.saw(visible).finished()
        cursor = done.encode()
        if done.floor.at is not None:
            floors.append(done.floor.at)
    assert sorted(delivered) == sorted(item for _, item in visible)
    assert floors == sorted(floors)


def test_it_round_trips_through_its_encoding() -> None:
    sweep = Sweep().saw([(BASE, "a"), (BASE, "b")]).finished({"counts": {"m": 3}})
    assert decode_sweep(sweep.encode()) == sweep


@pytest.mark.parametrize("bad", ["{", "[]", '{"f": ["not a time", []]}', '{"p": 5}',
                                 '{"f": ["2026-03-17T00:00:00", []]}'])
def test_it_calls_an_unreadable_cursor_permanent(bad: str) -> None:
    with pytest.raises(Permanent, match="reset the stream"):
        decode_sweep(bad)
