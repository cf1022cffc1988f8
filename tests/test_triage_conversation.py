"""Decisions know the conversation: no second copy of the same canned reply."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from socialdesk.desk import triage
from socialdesk.store.models import Message
from tests.desk_helpers import START, Rig, make_rig

NOON = timedelta(hours=4, minutes=30)
ASK = "@haiDJPb min aplikasi SAKTI bisa diakses lewat browser apa aja ya?"


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return make_rig(engine, tmp_path)


def _actions(rig: Rig) -> list[str]:
    with rig.session() as s:
        return [m.action for m in s.scalars(select(Message).order_by(Message.id))]


def test_the_same_author_asking_again_gets_a_person_not_the_same_reply(rig: Rig) -> None:
    rig.say("sb-x", ASK, at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    first = triage.run_once(rig.desk)
    assert [o.action for o in first] == ["auto_reply"]
    rig.say("sb-x", ASK + " mohon jawabannya", at=NOON + timedelta(minutes=5))
    rig.clock.set(START + NOON + timedelta(minutes=6))
    rig.poll_all()
    [second] = triage.run_once(rig.desk)
    # told once that a person will answer, never the same canned answer again
    assert (second.action, second.template) == ("agent", "agent_holding")
    assert _actions(rig) == ["auto_reply", "agent"]


def test_two_copies_in_one_batch_get_one_canned_reply(rig: Rig) -> None:
    rig.say("sb-x", ASK, at=NOON)
    rig.say("sb-x", ASK + " 🙏", at=NOON + timedelta(seconds=30))
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    outcomes = triage.run_once(rig.desk)
    assert [(o.action, o.template) for o in outcomes][1] == ("agent", "agent_holding")
    assert outcomes[0].action == "auto_reply"


def test_a_third_ask_gets_no_second_holding_reply(rig: Rig) -> None:
    for minute in (0, 1, 2):
        rig.say("sb-x", ASK + " ?" * minute, at=NOON + timedelta(minutes=minute))
    rig.clock.set(START + NOON + timedelta(minutes=3))
    rig.poll_all()
    outcomes = triage.run_once(rig.desk)
    assert [(o.action, o.template) for o in outcomes] == [
        ("auto_reply", outcomes[0].template), ("agent", "agent_holding"), ("agent", None)]


def test_another_author_with_the_same_question_gets_the_canned_reply(rig: Rig) -> None:
    rig.say("sb-x", ASK, at=NOON)
    rig.say("sb-x", ASK, at=NOON + timedelta(seconds=30), author="warga_b")
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    assert [o.action for o in triage.run_once(rig.desk)] == ["auto_reply", "auto_reply"]
