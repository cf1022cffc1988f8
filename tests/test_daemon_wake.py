"""The daemon's stages wake each other: a poll that stored a message wakes triage, a triage
that queued its reply wakes the outbox. With every interval an hour long, the reply can only
go out through these wake-ups."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from socialdesk.desk import triage
from socialdesk.desk.outbox import Outcome
from socialdesk.desk.poll import PollResult
from socialdesk.runtime.daemon import (
    OUTBOX_BATCH,
    TRIAGE_BATCH,
    Daemon,
    Intervals,
    _woken_by,
)
from tests.crash_rig import wait_until
from tests.desk_helpers import START, make_rig

HOUR = 3600.0
# Only a bound on a wait; the intervals are an hour, so anything sent came by a wake-up.
BOUND = 30.0


def test_a_polled_message_is_answered_by_wake_ups_before_any_interval(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    rig.say("sb-x", "@haiDJPb terima kasih min", at=timedelta(hours=4))
    rig.clock.set(START + timedelta(hours=4, minutes=30))
    daemon = Daemon(rig.desk, roles={"poll", "triage", "outbox"}, intervals=Intervals(
        triage=HOUR, outbox=HOUR, publish=HOUR, leadership=HOUR, reconcile=HOUR,
        poll_tick=HOUR))
    daemon.start()
    try:
        assert wait_until(lambda: len(rig.network.replies("sb-x")) == 1, BOUND), (
            "the reply waited for the outbox's interval")
    finally:
        daemon.stop()


def test_a_stage_that_filled_its_batch_runs_again_and_an_idle_one_wakes_nothing() -> None:
    full_triage = [triage.TriageOutcome(i, "ignore", None) for i in range(TRIAGE_BATCH)]
    assert _woken_by("triage", full_triage) == ["outbox", "triage"]
    assert _woken_by("triage", full_triage[:3]) == ["outbox"]
    assert _woken_by("triage", []) == []
    full_outbox = [Outcome(i, "sent") for i in range(OUTBOX_BATCH)]
    assert _woken_by("outbox", full_outbox) == ["outbox"]
    assert _woken_by("outbox", full_outbox[:1]) == []
    assert _woken_by("poll:sb-x:mentions", PollResult("sb-x", "mentions", 2)) == ["triage"]
    assert _woken_by("poll:sb-x:mentions", PollResult("sb-x", "mentions", 0)) == []
    assert _woken_by("sla", None) == []
