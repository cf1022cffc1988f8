"""The triage worker: rules on each new message, and the first step in the same transaction.

Per message, one transaction: store the classification (with the rules that fired), then
queue the bot's first reply, open a ticket, queue a hide of a public comment with personal
data, or leave the message for an agent. A message is claimed by a conditional UPDATE of
its `triaged_at`, so two workers never both act on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from socialdesk.db import rows_changed
from socialdesk.desk.context import Desk
from socialdesk.desk.outbox import queue_reply
from socialdesk.desk.respond import Plan, plan
from socialdesk.desk.tickets import STATE_WORDS, by_number, find_ticket_numbers, open_ticket
from socialdesk.models import Account, Message
from socialdesk.rules.replies import ReplyError

log = logging.getLogger(__name__)

STATE_AFTER = {
    "auto_reply": "closed", "refuse": "closed", "redirect_private": "closed",
    "escalate": "waiting", "agent": "open", "ignore": "ignored",
}


@dataclass(frozen=True, slots=True)
class TriageOutcome:
    message_id: int
    action: str
    template: str | None
    ticket: str | None = None
    held: str | None = None


def pending_ids(desk: Desk, limit: int = 100) -> list[int]:
    with desk.sessions() as session:
        query = (select(Message.id).where(Message.triaged_at.is_(None))
                 .order_by(Message.id).limit(limit))
        return list(session.scalars(query))


def run_once(desk: Desk, limit: int = 100) -> list[TriageOutcome]:
    outcomes = []
    for message_id in pending_ids(desk, limit):
        try:
            outcome = triage_message(desk, message_id)
        except Exception:
            log.exception("triage of message %s failed; handing it to an agent", message_id)
            outcome = _hand_to_agent(desk, message_id)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def triage_message(desk: Desk, message_id: int) -> TriageOutcome | None:
    now = desk.now()
    with desk.sessions() as session, session.begin():
        # SKIP LOCKED (PostgreSQL; SQLite has no row locks and ignores it): a message
        # another worker is triaging right now is passed over at once, instead of waiting
        # for that worker's whole transaction only to find it taken.
        free = (select(Message.id).where(Message.id == message_id,
                                         Message.triaged_at.is_(None))
                .with_for_update(skip_locked=True).scalar_subquery())
        claimed = rows_changed(session.execute(
            update(Message).where(Message.id == free).values(triaged_at=now)))
        if claimed != 1:
            return None  # another worker has it
        message = session.get(Message, message_id)
        assert message is not None
        account = session.get(Account, message.account_id)
        assert account is not None
        channel = desk.channel(account.name)
        result = desk.triage.run(message.text, channel=channel, kind=message.kind)
        c = result.classification
        message.service_id, message.item_id, message.intent = c.service, c.item, c.intent
        message.action, message.confidence = result.action, result.confidence
        message.rules, message.pii = list(result.rules), list(result.pii)
        message.state = STATE_AFTER[result.action]
        step = plan(action=result.action, intent=c.intent, service=c.service, item=c.item,
                    rules=result.rules, known_templates=desk.replies.template_names(),
                    topic=_topic(desk, c.service, c.item))
        return _act(desk, session, message, account.name, channel, step, now)


def _act(desk: Desk, session: Session, message: Message, account_name: str, channel: str,
         step: Plan, now: datetime) -> TriageOutcome:
    context: dict[str, Any] = dict(step.context)
    template = step.template
    ticket_number = None
    if not desk.calendar.is_open(now):
        context["next_open"] = desk.calendar.next_open(now)
    if message.intent == "ticket_status" and message.action == "auto_reply":
        template, found = _ticket_status(session, desk, message, context)
        if found is None and template == "ticket_status_not_found":
            message.state = "open"  # a person checks what the user is asking about
    if step.open_ticket and message.service_id is not None:
        ticket = open_ticket(session, message=message, service_id=message.service_id,
                             item_id=message.item_id, catalog=desk.catalog,
                             calendar=desk.calendar, now=now)
        ticket_number = ticket.number
        context.update(ticket=ticket.number, due=ticket.due_at)
    elif template == "escalate":
        template = "agent_holding"  # no service to send it to: a person decides
        message.state = "open"
    held = None
    if template is not None:
        held = _queue_text(desk, session, message, account_name, channel, template, context, now)
    if step.hide and "hide" in desk.connector(account_name).capabilities:
        queue_reply(session, account_id=message.account_id, message_id=message.id, kind="hide",
                    text="", idempotency_key=f"message:{message.id}:hide", now=now)
    return TriageOutcome(message.id, message.action or "agent", template, ticket_number, held)


def _queue_text(desk: Desk, session: Session, message: Message, account_name: str,
                channel: str, template: str, context: dict[str, Any], now: datetime) -> str | None:
    key = f"message:{message.id}:first"
    try:
        text = desk.replies.render(template, channel=channel, **context)
    except ReplyError as exc:
        # A canned reply the guard refuses must never go out; a person writes one instead.
        message.state = "open"
        reply = queue_reply(session, account_id=message.account_id, message_id=message.id,
                            text=f"[{template}]", template=template, idempotency_key=key, now=now)
        reply.state, reply.reason = "held", f"template {template}: {exc}"
        return reply.reason
    queue_reply(session, account_id=message.account_id, message_id=message.id, text=text,
                template=template, idempotency_key=key, now=now)
    return None


def _ticket_status(session: Session, desk: Desk, message: Message,
                   context: dict[str, Any]) -> tuple[str, Any]:
    for number in find_ticket_numbers(message.text):
        ticket = by_number(session, number)
        if ticket is None:
            context["ticket"] = number
            continue
        owner = (ticket.requester_platform == message.platform
                 and ticket.requester_id == message.author_id)
        if not owner:
            context["ticket"] = number
            return "ticket_status_ask_dm", ticket
        context.update(ticket=ticket.number, status=STATE_WORDS[ticket.state])
        if ticket.state in ("open", "in_progress"):
            context["due"] = ticket.due_at
        return "ticket_status_found", ticket
    return "ticket_status_not_found", None


def _topic(desk: Desk, service: str | None, item: str | None) -> str:
    if item is not None and item in desk.catalog.items:
        return desk.catalog.item(item).name
    if service is not None and service in desk.catalog.services:
        return desk.catalog.service(service).name
    return ""


def _hand_to_agent(desk: Desk, message_id: int) -> TriageOutcome | None:
    with desk.sessions() as session, session.begin():
        message = session.get(Message, message_id)
        if message is None:
            return None
        message.triaged_at = message.triaged_at or desk.now()
        message.action, message.state = "agent", "open"
        message.rules = ["triage_error"]
    return TriageOutcome(message_id, "agent", None, held="triage_error")
