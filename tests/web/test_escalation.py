"""Escalating from the conversation: the agent chooses the catalog item (service, then item),
sees when the ticket would be due, and then how much working time the ticket has left."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from socialdesk.app import ticket_list
from socialdesk.store.models import Ticket
from tests.web.conftest import OPEN_AT, Console


def test_every_catalog_choice_carries_its_due_time_from_the_working_hour_calendar(
        console: Console) -> None:
    desk = console.rig.desk
    targets = ticket_list.targets(desk)
    assert len([t for t in targets if t.item_id is None]) == len(desk.catalog.services)
    assert len([t for t in targets if t.item_id]) == len(desk.catalog.items)
    for t in targets[:40]:
        assert t.due_at == desk.calendar.add(OPEN_AT, t.hours)
    # Services in reading order: 2 comes before 10.
    order = [t.service_id for t in targets if t.item_id is None]
    assert order.index("2") < order.index("10")


def test_the_escalation_form_shows_the_due_time_as_a_wib_clock_time_and_working_hours(
        console: Console) -> None:
    message_id = console.message("min SP2D saya belum masuk rekening sejak minggu lalu")
    client, _ = console.signed_in("ani")
    page = client.get(f"/messages/{message_id}").text
    # 24 working hours on from Monday 09:30 WIB, on the office clock.
    due = console.rig.desk.calendar.add(OPEN_AT, 24).astimezone(OPEN_AT.tzinfo)
    shown = re.search(r'<p id="esc-due"[^>]*>([^<]+)</p>', page)
    assert shown is not None
    assert f"{due:%d-%m %H:%M} WIB" in shown.group(1)
    assert "24 jam kerja dari sekarang" in shown.group(1)
    assert 'id="esc-service"' in page and 'id="esc-search"' in page
    assert 'data-service="3"' in page and 'value="3.13"' in page


def test_an_item_chosen_from_another_service_opens_its_ticket_and_shows_the_time_left(
        console: Console) -> None:
    message_id = console.message("min SP2D saya belum masuk rekening sejak minggu lalu")
    client, csrf = console.signed_in("ani")
    # The form's service select still says the classified service; the item decides.
    done = client.post(f"/messages/{message_id}/escalate",
                       data={"csrf": csrf, "service": "8", "item": "3.13"})
    assert done.status_code == 303, done.text
    with console.rig.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.message_id == message_id)).one()
        assert (ticket.service_id, ticket.item_id) == ("3", "3.13")
    console.rig.clock.advance(timedelta(hours=2))
    page = client.get(f"/messages/{message_id}").text
    left = re.search(r'<span id="ticket-left"[^>]*>([^<]+)</span>', page)
    assert left is not None and left.group(1).strip() == "22:00 jam kerja tersisa"
