"""Re-classification by an agent, kept as labelled data.

The message takes the agent's answer (so the queue and the digest use it), and a row keeps
what triage had said. `labelled_rows` gives the corrections in the labelled-data format of
data/holdout.jsonl, so `socialdesk rules corrections --jsonl` feeds the rules' measurements.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from socialdesk.app.actions import audit, checked_actor, take_from_bot
from socialdesk.app.views import InvalidRequest, load_message
from socialdesk.core.vocab import channel_of
from socialdesk.desk.context import Desk
from socialdesk.rules.types import ACTIONS, INTENTS
from socialdesk.store.models import Correction, Message


@dataclass(frozen=True, slots=True)
class Corrected:
    id: int
    message_id: int
    before: dict[str, Any]
    service_id: str | None
    item_id: str | None
    intent: str
    action: str


def reclassify(desk: Desk, message_id: int, *, actor: str, intent: str, action: str,
               service_id: str | None = None, item_id: str | None = None,
               note: str = "") -> Corrected:
    actor, now = checked_actor(actor), desk.now()
    if intent not in INTENTS:
        raise InvalidRequest(f"unknown intent {intent!r} (one of {', '.join(INTENTS)})")
    if action not in ACTIONS:
        raise InvalidRequest(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    if item_id:
        item = desk.catalog.items.get(item_id)
        if item is None:
            raise InvalidRequest(f"unknown catalog item {item_id!r}")
        if service_id and service_id != item.service_id:
            raise InvalidRequest(f"item {item_id} belongs to service {item.service_id}")
        service_id = item.service_id
    if service_id and service_id not in desk.catalog.services:
        raise InvalidRequest(f"unknown catalog service {service_id!r}")
    with desk.sessions() as session, session.begin():
        message = load_message(session, message_id)
        take_from_bot(message, now)
        before = {"service": message.service_id, "item": message.item_id,
                  "intent": message.intent, "action": message.action}
        row = Correction(message_id=message.id, actor=actor, at=now, before=before,
                         service_id=service_id or None, item_id=item_id or None,
                         intent=intent, action=action, note=note[:500])
        session.add(row)
        message.service_id, message.item_id = service_id or None, item_id or None
        message.intent = intent
        session.flush()
        audit(session, now, actor, "reclassify", "message", message.id, correction=row.id,
              before=before, service=service_id, item=item_id, intent=intent,
              expected_action=action)
        return Corrected(row.id, message.id, before, row.service_id, row.item_id, intent,
                         action)


def labelled_rows(desk: Desk) -> Iterator[dict[str, Any]]:
    """Each message's latest correction as one labelled row (oldest message first)."""
    with desk.sessions() as session:
        rows = session.execute(
            select(Correction, Message).join(Message, Message.id == Correction.message_id)
            .order_by(Message.id, Correction.id)).all()
    latest: dict[int, tuple[Correction, Message]] = {}
    for correction, message in rows:
        latest[message.id] = (correction, message)
    for correction, message in latest.values():
        was = correction.before
        yield {
            "id": f"corr-{message.id}", "channel": channel_of(message.platform),
            "kind": message.kind, "author": message.author_handle or "",
            "text": message.text, "service": correction.service_id,
            "item": correction.item_id, "intent": correction.intent,
            "pii": sorted({str(p) for p in message.pii or ()}),
            "expected_action": correction.action,
            "notes": (f"corrected by {correction.actor}; triage said service "
                      f"{was.get('service')}, item {was.get('item')}, intent "
                      f"{was.get('intent')}, action {was.get('action')}"
                      + (f"; {correction.note}" if correction.note else "")),
        }
