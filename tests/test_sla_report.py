"""SLA figures from timestamps, checked against a small scripted day computed by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from socialdesk.app.sla_report import by_platform, message_clocks, response_figures
from socialdesk.desk import sla
from socialdesk.store.models import Account, Message, SlaEvent
from tests.desk_helpers import WIB, Rig, make_rig


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the scripted week: day 30 is Monday 30 November 2026, 1 is Tuesday."""
    month = 11 if day == 30 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


# (account, arrival, due, first response, closed at, ignored) — due times by hand: one working
# hour after arrival; 15:30 Monday leaves 30 minutes that day and 30 more from 08:00 Tuesday.
DAY = (
    ("sb-x", at(30, 8, 10), at(30, 9, 10), at(30, 8, 30), None, False),     # on time, 20 min
    ("sb-x", at(30, 9, 0), at(30, 10, 0), at(30, 10, 5), None, False),      # late, 65 min
    ("sb-ig", at(30, 10, 0), at(30, 11, 0), None, None, False),             # never answered
    ("sb-ig", at(30, 15, 30), at(1, 8, 30), at(1, 8, 10), None, False),     # on time, 40 min
    ("sb-fb", at(30, 11, 0), at(30, 12, 0), None, None, True),              # spam: no clock
    ("sb-fb", at(30, 11, 30), at(30, 12, 30), None, at(30, 11, 45), False),  # closed, 15 min
)
NOW = at(1, 12, 0)


def script_day(engine: Engine, tmp_path: Path) -> Rig:
    rig = make_rig(engine, tmp_path, now=NOW)
    with rig.session() as session, session.begin():
        ids = {name: id_ for name, id_ in session.execute(select(Account.name, Account.id))}
        for n, (account, arrived, due, answered, closed, ignored) in enumerate(DAY):
            assert rig.desk.calendar.add(arrived, 1.0) == due  # the hand-computed due time
            state = "ignored" if ignored else ("closed" if closed else "open")
            session.add(Message(
                account_id=ids[account], platform=account.removeprefix("sb-").replace(
                    "ig", "instagram").replace("fb", "facebook"),
                stream="comments", platform_id=f"p{n}", kind="comment", text="halo",
                platform_created_at=arrived, received_at=arrived, response_due_at=due,
                first_response_at=answered, closed_at=closed, state=state,
                action="ignore" if ignored else "agent"))
    return rig


def test_it_derives_response_figures_from_timestamps(engine: Engine, tmp_path: Path) -> None:
    rig = script_day(engine, tmp_path)
    with rig.session() as session:
        clocks = message_clocks(session, rig.desk.calendar,
                                start=at(30, 0), end=at(1, 0))
    figures = response_figures(clocks, NOW)
    assert (figures.needing, figures.on_time, figures.late, figures.overdue) == (5, 3, 1, 1)
    assert figures.breaches == 2
    assert figures.median == timedelta(minutes=30)  # of 15, 20, 40, 65
    assert figures.worst == timedelta(minutes=65)
    assert figures.share_on_time == 3 / 5
    platforms = by_platform(clocks, NOW)
    assert {p: (f.needing, f.on_time, f.breaches) for p, f in platforms.items()} == {
        "x": (2, 1, 1), "instagram": (2, 1, 1), "facebook": (1, 1, 0)}


def test_it_records_a_breach_for_a_reply_sent_late_between_two_sweeps(
        engine: Engine, tmp_path: Path) -> None:
    rig = script_day(engine, tmp_path)
    # One sweep at the end of the day: the late reply was sent long before it.
    counts = sla.watch(rig.desk)
    assert counts.breaches == 2
    with rig.session() as session:
        subjects = set(session.scalars(select(SlaEvent.subject).where(
            SlaEvent.kind == "breach", SlaEvent.target == "response")))
        platform_ids = set(session.scalars(select(Message.platform_id).where(
            Message.id.in_([int(s.split(":")[1]) for s in subjects]))))
        assert platform_ids == {"p1", "p2"}
    # A second sweep finds nothing new: each breach is recorded once.
    assert sla.watch(rig.desk).breaches == 0
    with rig.session() as session:
        assert session.scalar(select(func.count()).select_from(SlaEvent).where(
            SlaEvent.kind == "breach")) == 2
