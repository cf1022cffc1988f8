"""The crash harness's tally owes a bot reply to every message triage did not ignore, except
one triage handed to a person with no reply on purpose: an author who already had the same
canned reply and the holding reply gets neither again (desk/triage.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from socialdesk.desk.triage import ANSWERED_BEFORE
from socialdesk.store.models import Message
from tests.crash_rig import problems, tally
from tests.desk_helpers import make_rig


def test_a_message_handed_to_a_person_without_a_reply_is_not_counted_unanswered(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    ids = [rig.say("sb-x", f"@haiDJPb terima kasih min infonya #{n}",
                   at=timedelta(hours=1, minutes=n), author="warga12") for n in range(3)]
    rig.clock.advance(timedelta(hours=2))
    rig.cycle()
    with rig.session() as s:
        last = s.execute(select(Message.action, Message.rules)
                         .where(Message.platform_id == ids[-1])).one()
    assert last.action == "agent" and ANSWERED_BEFORE in last.rules
    assert len(rig.network.replies("sb-x")) == 2  # the canned reply, then the holding one
    t = tally(engine, rig.network, frozenset(ids))
    assert ids[-1] not in t.needs_answer
    assert problems(t) == []
