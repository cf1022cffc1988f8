"""The Desk reads its guard, reply templates and rules when first asked for them: reading the
queue, which agents run most, compiles none of them and imports no HTTP or template library."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from socialdesk.core.settings import parse_settings
from socialdesk.desk.context import Desk
from socialdesk.rules.guard import Guard
from socialdesk.rules.replies import Replies
from socialdesk.rules.types import Verdict

# What the queue must not pull in: the guard's and the templates' modules and the libraries
# only senders need.
NOT_FOR_READING = ("socialdesk.rules.guard", "socialdesk.rules.replies", "socialdesk.rules.assess",
                   "socialdesk.desk.outbox", "socialdesk.connectors", "jinja2", "requests")


def _settings_for(tmp_path: Path) -> Path:
    config = tmp_path / "socialdesk.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "desk.db"}"\n',
                      encoding="utf-8")
    return config


def test_reading_the_queue_loads_no_guard_templates_or_connectors(tmp_path: Path) -> None:
    config = _settings_for(tmp_path)
    probe = (
        "import json, sys\n"
        "from socialdesk.core.settings import load_settings\n"
        "from socialdesk.desk.context import Desk\n"
        "from socialdesk.store.migrate import upgrade\n"
        "from socialdesk.app import actions\n"
        f"desk = Desk.from_settings(load_settings({str(config)!r}))\n"
        "upgrade(desk.engine)\n"
        "actions.queue(desk, actions.QueueFilter())\n"
        f"print(json.dumps([m for m in {NOT_FOR_READING!r} if m in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_the_guard_and_templates_are_read_once_on_first_use(engine: Engine) -> None:
    desk = Desk.from_settings(parse_settings({}, "test", None, {}), engine=engine)
    assert vars(desk).get("_guard") is None and vars(desk).get("_replies") is None
    guard = desk.guard
    assert isinstance(guard, Guard)
    assert desk.guard is guard
    replies = desk.replies
    assert isinstance(replies, Replies)
    assert desk.replies is replies
    assert replies.render("greeting", channel="x")  # the templates work with the lazy guard


def test_parts_given_to_the_constructor_are_kept(engine: Engine) -> None:
    built = Desk.from_settings(parse_settings({}, "test", None, {}), engine=engine)
    mine = Guard.load(built.settings.guard_path)
    desk = Desk(settings=built.settings, engine=engine, sessions=built.sessions,
                calendar=built.calendar, catalog=built.catalog, guard=mine)
    assert desk.guard is mine
    assert desk.replies.guard is mine


class _CountingGuard(Guard):
    checked = 0

    def check_outbound(self, text: str, *, channel: str) -> Verdict:
        type(self).checked += 1
        return super().check_outbound(text, channel=channel)


def test_a_text_sent_again_is_judged_from_memory_by_the_same_guard(engine: Engine) -> None:
    desk = Desk.from_settings(parse_settings({}, "test", None, {}), engine=engine)
    desk.guard = _CountingGuard.load(desk.settings.guard_path)
    _CountingGuard.checked = 0
    blocked = "cek bit.ly/hadiah ya Kak"
    first = desk.outbound_verdict(blocked, "facebook")
    assert first == desk.guard.check_outbound(blocked, channel="facebook")
    assert not first.ok
    _CountingGuard.checked = 0
    assert desk.outbound_verdict(blocked, "facebook") == first
    assert _CountingGuard.checked == 0
    desk.outbound_verdict(blocked, "twitter")  # another channel: its own verdict
    assert _CountingGuard.checked == 1
    desk.guard = _CountingGuard.load(desk.settings.guard_path)  # new rules: judged again
    desk.outbound_verdict(blocked, "facebook")
    assert _CountingGuard.checked == 2


def test_a_canned_reply_rendered_here_is_not_judged_again_at_send(engine: Engine) -> None:
    desk = Desk.from_settings(parse_settings({}, "test", None, {}), engine=engine)
    desk.guard = _CountingGuard.load(desk.settings.guard_path)
    text = desk.replies.render("escalate", channel="facebook", ticket="HAI-2026-000777",
                               due=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    _CountingGuard.checked = 0
    assert desk.outbound_verdict(text, "facebook").passed
    assert _CountingGuard.checked == 0
    assert desk.outbound_verdict(text + " bit.ly/x", "facebook") is not None  # edited: judged
    assert _CountingGuard.checked == 1
