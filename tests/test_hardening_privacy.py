"""Issue 13, point 4: personal data that can be erased, exported and is not kept forever."""
# ruff: noqa: F811  (tests take the imported fixtures by name)

from __future__ import annotations

import json
import stat
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from socialdesk.app import actions, privacy
from socialdesk.cli.privacy import write_private
from socialdesk.core.settings import RetentionSettings, SettingsError, parse_settings
from socialdesk.desk.context import Desk
from socialdesk.desk.retention import purge
from socialdesk.store.db import make_engine, transaction
from socialdesk.store.models import AuditLog, Conversation, Message, Reply, Ticket
from tests.test_agent_actions import (  # noqa: F401  (fixtures)
    NIK,
    NOW,
    SimClock,
    _account,
    _message,
    clock,
    desk,
)


def _budi_and_ani(desk: Desk) -> tuple[int, int, int]:
    with transaction(desk.sessions) as s:
        acc = _account(s)
        budi = _message(s, acc, text=f"NIK saya {NIK} belum cair", service="8", item="8.1.b")
        again = _message(s, acc, text="min gimana kabarnya")
        ani = _message(s, acc, text="terima kasih min")
        for mid, handle in ((budi, "@budi"), (again, "Budi"), (ani, "@ani")):
            s.get(Message, mid).author_handle = handle  # type: ignore[union-attr]
        s.get(Message, ani).author_id = "u-ani"  # type: ignore[union-attr]
    actions.escalate(desk, budi, actor="sari")
    actions.reply(desk, again, actor="sari", text="Baik, kami cek dahulu ya.")
    return budi, again, ani


def test_it_forgets_a_person_everywhere_and_counts_what_it_erased(desk: Desk) -> None:
    budi, again, ani = _budi_and_ani(desk)
    done = privacy.forget(desk, platform="twitter", handle="@BUDI", actor="sari")
    assert (done.platform, done.messages, done.tickets) == ("x", 2, 1)
    assert done.replies == 2  # the escalation's acknowledgement and the agent's reply
    with desk.sessions() as s:
        for mid in (budi, again):
            m = s.get(Message, mid)
            assert m is not None and m.text == privacy.ERASED and m.raw == {}
            assert m.author_handle is None and m.author_id is None
        assert s.get(Message, ani).text == "terima kasih min"  # type: ignore[union-attr]
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.summary == privacy.ERASED and ticket.requester_handle is None
        assert NIK not in json.dumps([r.text for r in s.scalars(select(Reply))])
        assert {r.state for r in s.scalars(select(Reply))} == {"cancelled"}
        assert all(c.author_handle in (None, "@ani") for c in s.scalars(select(Conversation)))
        entry = s.scalars(select(AuditLog).where(AuditLog.action == "forget")).one()
        assert "budi" not in json.dumps([entry.object_id, entry.detail]).lower()
        assert entry.detail["messages"] == 2


def test_it_exports_what_the_desk_holds_about_a_person(desk: Desk, tmp_path: Path) -> None:
    budi, again, _ = _budi_and_ani(desk)
    data = privacy.export(desk, platform="x", handle="budi", actor="sari")
    assert [m["id"] for m in data["messages"]] == [budi, again]
    assert len(data["tickets"]) == 1 and len(data["replies"]) == 2
    out = tmp_path / "budi.json"
    write_private(out, json.dumps(data))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_it_purges_messages_past_retention_and_masks_their_tickets(
        desk: Desk, clock: SimClock) -> None:
    budi, _, ani = _budi_and_ani(desk)
    actions.close(desk, budi, actor="sari")
    object.__setattr__(desk, "settings",
                       replace(desk.settings, retention=RetentionSettings(message_days=30)))
    clock.at = NOW + timedelta(days=31)
    done = purge(desk)
    assert done.messages == 2 and done.tickets == 1  # the closed one and the answered one
    with desk.sessions() as s:
        purged = s.get(Message, budi)
        assert purged is not None and purged.text == "" and purged.raw == {"purged": True}
        assert (purged.author_handle or "").startswith("anon-")
        assert NIK not in s.scalars(select(Ticket.summary)).one()
        assert s.get(Message, ani).text == "terima kasih min"  # type: ignore[union-attr]
    assert purge(desk).messages == 0  # nothing twice


def test_it_creates_a_new_database_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "desk.db"
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_it_reads_the_retention_policy_and_refuses_a_wrong_one() -> None:
    assert parse_settings({"retention": {"message_days": 90}}, "t", None, {}) \
        .retention.message_days == 90
    with pytest.raises(SettingsError, match="did you mean 'message_days'"):
        parse_settings({"retention": {"message_day": 90}}, "t", None, {})
