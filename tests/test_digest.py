"""The daily digest: its schedule across weekends, holidays and cuti bersama; its figures
against a hand-computed scripted day; and the file `socialdesk digest --dry-run` writes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from socialdesk.app import digest_send
from socialdesk.app.digest import build, render
from socialdesk.core.clock import WorkingCalendar
from socialdesk.core.settings import DigestSettings, WorkingHours
from socialdesk.desk.digest_job import Period, due_day, period_for
from socialdesk.store.models import Message
from tests.desk_helpers import WIB
from tests.html_check import assert_well_formed
from tests.test_sla_report import at, script_day

CAL = WorkingCalendar.from_settings(WorkingHours())
SEND_AT = time(16, 30)


def wib(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


@pytest.mark.parametrize("now, expected", [
    (wib(2026, 11, 27, 16, 29), None),                     # Friday, before send_at
    (wib(2026, 11, 27, 16, 30), date(2026, 11, 27)),       # Friday, after closing
    (wib(2026, 11, 28, 17, 0), None),                      # Saturday
    (wib(2026, 11, 29, 17, 0), None),                      # Sunday
    (wib(2026, 11, 30, 16, 45), date(2026, 11, 30)),       # Monday
    (wib(2026, 12, 24, 17, 0), None),                      # Thursday, cuti bersama Natal
    (wib(2026, 12, 25, 17, 0), None),                      # Friday, Hari Raya Natal
    (wib(2026, 5, 14, 17, 0), None),                       # Kenaikan Yesus Kristus
])
def test_it_is_due_on_working_days_after_closing_only(now: datetime,
                                                      expected: date | None) -> None:
    assert due_day(CAL, now, SEND_AT) == expected


@pytest.mark.parametrize("day, first", [
    (date(2026, 11, 30), date(2026, 11, 28)),  # Monday covers Saturday and Sunday
    (date(2026, 12, 1), date(2026, 12, 1)),    # Tuesday covers itself
    (date(2026, 12, 28), date(2026, 12, 24)),  # after cuti bersama, Natal and a weekend
    (date(2026, 5, 18), date(2026, 5, 14)),    # after Kenaikan, its cuti bersama, a weekend
])
def test_a_digest_covers_the_days_since_the_previous_working_day(day: date,
                                                                  first: date) -> None:
    assert period_for(CAL, day) == Period(first, day)


def test_its_figures_match_a_hand_computed_day(engine: Engine, tmp_path: Path) -> None:
    rig = script_day(engine, tmp_path)
    # Monday's digest, sent late (Tuesday noon, as `socialdesk digest --date` would).
    d = build(rig.desk, period_for(rig.desk.calendar, date(2026, 11, 30)))
    # The spam has no clock; 08:10, 15:30 and the closed 11:30 were handled on time, 09:00
    # late and 10:00 never: 3 of 5 on time, 2 breaches, median of 15, 20, 40, 65 min = 30.
    assert (d.overall.needing, d.overall.on_time, d.overall.breaches) == (5, 3, 2)
    assert (d.overall.share, d.overall.median, d.overall.worst) == ("60%", "30 mnt",
                                                                    "1 j 5 mnt")
    assert {c.label: (c.on_time, c.needing, c.breaches) for c in d.compliance} == {
        "X": (1, 2, 1), "Instagram": (1, 2, 1), "Facebook": (1, 1, 0)}
    assert d.total == 6
    assert {b.label: b.count for b in d.by_platform} == {"X": 2, "Instagram": 2,
                                                         "Facebook": 2}
    assert [(b.platform, b.handled) for b in d.breaches] == [
        ("X", "30/11 10.05"), ("Instagram", "")]


def test_it_masks_personal_data_and_escapes_html(engine: Engine, tmp_path: Path) -> None:
    rig = script_day(engine, tmp_path)
    with rig.session() as session, session.begin():
        late = session.scalars(select(Message).where(Message.platform_id == "p1")).one()
        late.text = "NIK saya 3174012345678901 <script>alert(1)</script>"
    rig.clock.set(at(30, 16, 30))
    rig.desk.settings = replace(rig.desk.settings, digest=DigestSettings(
        ("spv@example.go.id",), SEND_AT, console_url="https://desk.example.go.id"))
    html, text = render(rig.desk, build(rig.desk, period_for(rig.desk.calendar,
                                                              date(2026, 11, 30))))
    for part in (html, text):
        assert "3174012345678901" not in part and "[NIK]" in part
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="https://desk.example.go.id/messages/' in html
    assert_well_formed(html)


def test_dry_run_writes_html_and_text_of_a_past_day(engine: Engine, tmp_path: Path) -> None:
    rig = script_day(engine, tmp_path)
    out = digest_send.write_day(rig.desk, date(2026, 11, 30), tmp_path / "out" / "d.html")
    html = out.read_text(encoding="utf-8")
    assert "Senin, 30 November 2026" in html and "Sabtu, 28 November 2026" in html
    assert "KEPATUHAN WAKTU RESPONS" in out.with_suffix(".txt").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="has not happened yet"):
        digest_send.write_day(rig.desk, date(2026, 12, 31), tmp_path / "x.html")
