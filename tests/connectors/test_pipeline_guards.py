"""Pipeline guards the connectors rely on: the desk never answers its own accounts, and never
answers in public under a comment the platform already hides."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from socialdesk.connectors.types import InboundMessage, Page
from socialdesk.desk import triage
from socialdesk.desk.intake import store_page
from socialdesk.desk.poll import poll_stream
from socialdesk.store.models import Account, Message, Reply
from tests.desk_helpers import START, Rig, make_rig

NOON = timedelta(hours=4, minutes=30)


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return make_rig(engine, tmp_path)


def _triaged(rig: Rig, platform_id: str) -> tuple[Message, list[Reply]]:
    with rig.session() as s:
        message = s.scalars(select(Message).where(Message.platform_id == platform_id)).one()
        return message, list(s.scalars(select(Reply).where(Reply.message_id == message.id)))


def test_it_never_answers_a_message_by_any_configured_account(rig: Rig) -> None:
    # The Facebook account's handle commenting on the Instagram account: one of ours, and a
    # question the rules would answer at once if anyone else asked it.
    own = rig.say("sb-ig", "halo kak, selamat siang 🙏", at=NOON, author="sb-fb")
    other = rig.say("sb-ig", "halo kak, selamat siang 🙏", at=NOON, author="warga_a")
    rig.clock.set(START + NOON + timedelta(minutes=1))
    poll_stream(rig.desk, "sb-ig", "comments")
    triage.run_once(rig.desk)
    message, replies = _triaged(rig, own)
    assert (message.action, message.state, message.rules) == \
        ("ignore", "ignored", [triage.OWN_ACCOUNT])
    assert replies == []
    assert _triaged(rig, other)[1], "the same words from a person are answered"


def test_it_does_not_answer_a_comment_hidden_on_the_platform_in_public(rig: Rig) -> None:
    pid = rig.say("sb-fb", "halo kak, selamat siang 🙏", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    poll_stream(rig.desk, "sb-fb", "comments")
    with rig.session() as s, s.begin():
        # As intake stores a comment the platform reports as hidden.
        s.execute(update(Message).where(Message.platform_id == pid).values(hidden=True))
    triage.run_once(rig.desk)
    message, replies = _triaged(rig, pid)
    assert (message.action, message.state) == ("agent", "open")
    assert triage.HIDDEN_ON_PLATFORM in message.rules
    assert replies == []


def test_intake_keeps_the_hidden_state_the_connector_read(rig: Rig) -> None:
    seen = InboundMessage(platform="facebook", stream="comments", platform_id="1_hidden",
                          kind="comment", author_id="2493785114046685", author_handle="warga",
                          text="komentar", created_at=START, conversation_id="1", hidden=True)
    with rig.session() as s, s.begin():
        account = s.scalars(select(Account).where(Account.name == "sb-fb")).one()
        store_page(s, account, "comments", Page((seen,), None), now=START,
                   calendar=rig.desk.calendar, response_hours=1)
    message, _ = _triaged(rig, "1_hidden")
    assert message.hidden
