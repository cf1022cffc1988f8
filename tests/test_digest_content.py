"""What the digest tells a supervisor beyond the SLA figures: tickets past or near their due
time with links, open tickets by unit and age, replies held, the days' quota and cost from
the usage ledgers (a day near its limit as an account problem), and messages with no
catalog service told apart from untriaged ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from socialdesk.app.digest import build, render
from socialdesk.core.settings import DigestSettings
from socialdesk.desk.digest_job import period_for
from socialdesk.store.models import Account, Reply, Ticket, UsageLedger
from tests.desk_helpers import Rig
from tests.html_check import assert_well_formed
from tests.test_sla_report import script_day

MONDAY = date(2026, 11, 30)
CONSOLE = "https://desk.example.go.id"


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return full_day(engine, tmp_path)


def full_day(engine: Engine, tmp_path: Path) -> Rig:
    """The scripted day with tickets, a held reply and the usage ledgers filled in."""
    rig = script_day(engine, tmp_path)
    rig.desk.settings = replace(rig.desk.settings, digest=DigestSettings(
        ("spv@example.go.id",), console_url=CONSOLE))
    now = rig.desk.now()
    with rig.session() as session, session.begin():
        for n, (unit, opened_days, due_hours) in enumerate((
                ("Direktorat Sistem Perbendaharaan", 4, -2),   # overdue
                ("Direktorat Sistem Perbendaharaan", 1, 5),    # due within 24 hours
                ("Direktorat Pelaksanaan Anggaran", 0, 30))):  # due later
            session.add(Ticket(
                number=f"HAI-2026-00000{n + 1}", requester_platform="x",
                requester_id=f"user:{n}", requester_handle=f"warga{n}", service_id="8",
                item_id="8.1.b", owner_unit=unit, state="open",
                summary="Rekening 1234567890123 belum menerima dana",
                opened_at=now - timedelta(days=opened_days),
                due_at=now + timedelta(hours=due_hours)))
        ids = {name: id_ for name, id_ in session.execute(select(Account.name, Account.id))}
        session.add(Reply(account_id=ids["sb-x"], kind="reply", text="...", state="held",
                          idempotency_key="held-1", reason="review: policy_unregulated",
                          created_at=now))
        for day, account, key, amount, calls in (
                (date(2026, 11, 28), "sb-x", "usd:reply", 0.045, 3),
                (MONDAY, "sb-x", "usd:with_link", 0.2, 1),
                (MONDAY, "sb-yt", "quota_units", 8_500, 20),
                (date(2026, 11, 29), "sb-yt", "quota_units", 300, 3),
                (MONDAY, "sb-fb", "meta_usage_pct", 35, 1),
                (date(2026, 11, 28), "sb-fb", "meta_usage_pct", 20, 1)):
            session.add(UsageLedger(account=account, day=day, key=key, amount=amount,
                                    calls=calls, updated_at=now))
    return rig


def test_it_lists_tickets_past_and_near_their_due_time_with_links(rig: Rig) -> None:
    d = build(rig.desk, period_for(rig.desk.calendar, MONDAY))
    assert [(t.label, t.text.split()[0], t.link) for t in d.due_tickets] == [
        ("HAI-2026-000001", "LEWAT", f"{CONSOLE}/tickets/HAI-2026-000001"),
        ("HAI-2026-000002", "jatuh", f"{CONSOLE}/tickets/HAI-2026-000002")]
    assert all("1234567890123" not in t.text for t in d.due_tickets)  # masked
    spd = next(u for u in d.units if u.unit == "Direktorat Sistem Perbendaharaan")
    assert (spd.open, spd.young, spd.middle, spd.old, spd.overdue, spd.due_soon) == \
        (2, 0, 1, 1, 1, 1)


def test_it_shows_the_days_cost_and_quota_and_a_limit_nearly_reached(rig: Rig) -> None:
    d = build(rig.desk, period_for(rig.desk.calendar, MONDAY))
    usage = {line.label: line.text for line in d.usage}
    assert usage["sb-x"] == "biaya API X US$0.245 (4 panggilan berbayar)"
    assert usage["sb-yt"] == ("kuota YouTube 8.800 unit; hari terbanyak 8.500 dari 10.000 per "
                              "hari (85%)")
    assert usage["sb-fb"] == "pemakaian API Meta tertinggi 35% dari batas"
    problems = {line.label: line.text for line in d.accounts}
    assert problems == {"sb-yt": "mendekati batas: kuota YouTube 85% terpakai pada 30/11"}


def test_held_replies_link_to_the_review_page(rig: Rig) -> None:
    d = build(rig.desk, period_for(rig.desk.calendar, MONDAY))
    (held,) = d.held
    assert held.link == f"{CONSOLE}/held" and "policy_unregulated" in held.text


def test_a_message_without_a_catalog_service_is_not_called_untriaged(rig: Rig) -> None:
    d = build(rig.desk, period_for(rig.desk.calendar, MONDAY))
    # Every scripted message was triaged (handled by an agent, or ignored), none to a service.
    assert [(b.label, b.count) for b in d.by_service] == [
        ("tanpa layanan katalog (sapaan, spam, dll.)", 6)]
    html, text = render(rig.desk, d)
    for part in (html, text):
        assert "HAI-2026-000001" in part and f"{CONSOLE}/tickets/HAI-2026-000001" in part
        assert "US$0.245" in part and "mendekati batas" in part
    assert_well_formed(html)
