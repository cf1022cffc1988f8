"""A reply the guard cannot place goes to the supervisors' held-reply review, not out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from socialdesk.app import review
from socialdesk.desk import outbox
from socialdesk.desk.outbox import queue_reply
from socialdesk.store.models import Message
from tests.desk_helpers import START, Rig, make_rig

NOON = timedelta(hours=4, minutes=30)
UNSURE = "The current rules let your unit claim both days of the trip."


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return make_rig(engine, tmp_path)


def _queue(rig: Rig, text: str) -> None:
    rig.say("sb-fb", "min satker kami telat rekon, gimana ya", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    with rig.session() as s, s.begin():
        message = s.scalars(select(Message)).one()
        message.triaged_at = rig.clock()
        queue_reply(s, account_id=message.account_id, message_id=message.id, text=text,
                    now=rig.clock(), idempotency_key="agent:x:1", author="agent1")


def test_a_reply_put_up_for_review_is_held_until_a_supervisor_releases_it(rig: Rig) -> None:
    _queue(rig, UNSURE)
    held = outbox.run_once(rig.desk)
    assert [o.state for o in held] == ["held"]
    assert rig.network.replies("sb-fb") == []
    [row] = review.held(rig.desk)
    assert row.reason.startswith("review: ") and "unsure:interpretation" in row.reason
    review.release(rig.desk, row.id, actor="supervisor1")
    assert [o.state for o in outbox.run_once(rig.desk)] == ["sent"]
    assert len(rig.network.replies("sb-fb")) == 1


def test_a_proper_reply_is_sent_without_review(rig: Rig) -> None:
    _queue(rig, "Halo Kak, silakan DM kami kode satker dan periode rekonnya ya.")
    assert [o.state for o in outbox.run_once(rig.desk)] == ["sent"]
