"""The triage worker: rules on new messages in batches, and each one's first step.

A batch is read, its rules and replies are worked out with no write lock held, then one
short write transaction claims the batch (a conditional UPDATE of `triaged_at`, so two
workers never both act on a message) and stores every result with a few bulk statements:
the classification (with the rules that fired), the bot's first replies, the tickets (their
numbers allocated as one block) and hides of public comments with personal data. A message
left for an agent gets that too. On PostgreSQL the batch is read with SKIP LOCKED, so two
workers take different messages; on SQLite the claim sorts out any overlap.

A message whose rules fail goes to an agent without holding up its batch; a batch whose
write fails is triaged again one message at a time.

Decisions know the conversation: a message in a thread the bot has already answered, or one
that would get its author the same canned reply again within a day, goes to a person (the
canned reply did not settle it) instead of the same answer twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from socialdesk.connectors.types import own_identities
from socialdesk.desk.context import Desk
from socialdesk.desk.outbox import NewReply, queue_many
from socialdesk.desk.tickets import (
    STATE_WORDS,
    OpenedTicket,
    TicketRequest,
    by_number,
    find_ticket_numbers,
    open_tickets,
)
from socialdesk.rules.replies import ReplyError
from socialdesk.rules.respond import STATE_AFTER, plan
from socialdesk.store.db import is_postgres
from socialdesk.store.models import Account, Message, Reply

log = logging.getLogger(__name__)

MESSAGES = cast(Table, Message.__table__)
TRIAGE_ERROR = "triage_error"
# Rules recorded when the pipeline itself declines to answer (never a reply loop, never a
# public answer under a comment the platform already hides).
OWN_ACCOUNT = "own_account"
HIDDEN_ON_PLATFORM = "hidden_on_platform"
ANSWERED_BEFORE = "answered_before"
HOLDING = "agent_holding"
# How long a canned reply to one author counts as "already given" outside its own thread.
REPEAT_WINDOW = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class TriageOutcome:
    message_id: int
    action: str
    template: str | None
    ticket: str | None = None
    held: str | None = None


@dataclass(frozen=True, slots=True)
class Pending:
    """What triage reads of a new message."""

    id: int
    account_id: int
    account_name: str
    platform: str
    kind: str
    text: str
    author_id: str | None
    author_handle: str | None
    hidden: bool = False
    conversation_id: int | None = None


@dataclass(slots=True)
class Decision:
    """One message's result and first step, worked out before anything is written."""

    pending: Pending
    values: dict[str, Any]
    channel: str = ""
    template: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    ticket_for: TicketRequest | None = None
    text: str | None = None
    held: str | None = None
    hide: bool = False

    @property
    def action(self) -> str:
        return str(self.values["action"])


def pending_ids(desk: Desk, limit: int = 100) -> list[int]:
    with desk.sessions() as session:
        query = (select(Message.id).where(Message.triaged_at.is_(None))
                 .order_by(Message.id).limit(limit))
        return list(session.scalars(query))


def run_once(desk: Desk, limit: int = 100) -> list[TriageOutcome]:
    seen: list[int] = []
    try:
        return _triage_batch(desk, limit=limit, seen=seen)
    except Exception:
        log.exception("triage of a batch of %d failed; triaging them one by one", len(seen))
    outcomes = []
    for message_id in seen:
        try:
            outcome = triage_message(desk, message_id)
        except Exception:
            log.exception("triage of message %s failed; handing it to an agent", message_id)
            outcome = _hand_to_agent(desk, message_id)
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def triage_message(desk: Desk, message_id: int) -> TriageOutcome | None:
    """Triage one message; None if it is triaged already (or another worker has it)."""
    outcomes = _triage_batch(desk, only=message_id)
    return outcomes[0] if outcomes else None


def _triage_batch(desk: Desk, *, limit: int = 1, only: int | None = None,
                  seen: list[int] | None = None) -> list[TriageOutcome]:
    now = desk.now()
    with desk.sessions() as session, session.begin():
        # SQLite takes its write lock at the first write, so reading and the rules hold
        # none; PostgreSQL keeps the rows it read locked, and the other workers skip them.
        batch = _read_pending(session, desk, limit=limit, only=only)
        if seen is not None:
            seen.extend(p.id for p in batch)
        if not batch:
            return []
        decisions = _decide_all(desk, session, batch, now)
        return _write(desk, session, decisions, now)


def _read_pending(session: Session, desk: Desk, *, limit: int,
                  only: int | None) -> list[Pending]:
    query = (select(Message.id, Message.account_id, Account.name, Message.platform,
                    Message.kind, Message.text, Message.author_id, Message.author_handle,
                    Message.hidden, Message.conversation_id)
             .join(Account, Account.id == Message.account_id)
             .where(Message.triaged_at.is_(None)))
    if only is not None:
        query = query.where(Message.id == only)
    query = query.order_by(Message.id).limit(limit)
    if is_postgres(desk.engine):
        query = query.with_for_update(skip_locked=True, of=Message)
    return [Pending(int(r.id), int(r.account_id), r.name, r.platform, r.kind, r.text,
                    r.author_id, r.author_handle, bool(r.hidden), r.conversation_id)
            for r in session.execute(query)]


def _decide_all(desk: Desk, session: Session, batch: Sequence[Pending],
                now: datetime) -> list[Decision]:
    known = desk.replies.template_names()
    outside: dict[str, Any] = {}
    if not desk.calendar.is_open(now):
        outside["next_open"] = desk.calendar.next_open(now)
    own = frozenset().union(*(own_identities(a) for a in desk.settings.accounts))
    decisions: list[Decision] = []
    for pending in batch:
        if _is_own(pending, own):
            # A message by any configured account (a reply the desk posted, coming back
            # through a scan or a webhook) is never answered: that would be a reply loop.
            decisions.append(Decision(pending, _values(None, "ignore", "ignored",
                                                       [OWN_ACCOUNT])))
            continue
        try:
            decisions.append(_decide(desk, session, pending, known, outside))
        except Exception:
            log.exception("triage of message %s failed; handing it to an agent", pending.id)
            decisions.append(Decision(pending, _values(None, "agent", "open", [TRIAGE_ERROR]),
                                      held=TRIAGE_ERROR))
    canned = [d for d in decisions if d.action == "auto_reply" and d.template is not None]
    if canned:
        # The bot's earlier replies to these threads and authors, read once for the batch;
        # then each message in batch order, counting the canned replies before it.
        history = _History.read(session, [d.pending for d in canned],
                                {HOLDING, *(str(d.template) for d in canned)}, now)
        answered: set[tuple[Any, ...]] = set()  # this batch's canned replies, not written
        for decision in canned:
            try:
                _unless_answered_before(desk, history, decision, answered)
            except Exception:
                log.exception("triage of message %s failed; handing it to an agent",
                              decision.pending.id)
                decision.template, decision.text, decision.ticket_for = None, None, None
                decision.hide, decision.held = False, TRIAGE_ERROR
                decision.values.update(action="agent", state="open", rules=[TRIAGE_ERROR])
    return decisions


@dataclass(slots=True)
class _History:
    """Which messages the bot answered in the given threads, and which canned replies it
    gave the given authors within REPEAT_WINDOW (by message id, so that a message's own
    reply does not count)."""

    threads: dict[int, set[int]] = field(default_factory=dict)
    authors: dict[tuple[int, str, str | None], set[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, batch: Sequence[Pending], templates: set[str],
             now: datetime) -> _History:
        history = cls()
        threads = {p.conversation_id for p in batch if p.conversation_id is not None}
        authors = {p.author_id for p in batch if p.author_id}
        bot = select(Message.id).join(Reply, Reply.message_id == Message.id).where(
            Reply.author == "bot")
        if threads:
            for message_id, conversation_id in session.execute(
                    bot.add_columns(Message.conversation_id)
                    .where(Message.conversation_id.in_(threads))):
                history.threads.setdefault(conversation_id, set()).add(message_id)
        if authors:
            for message_id, account_id, author_id, template in session.execute(
                    bot.add_columns(Message.account_id, Message.author_id, Reply.template)
                    .where(Message.author_id.in_(authors), Reply.template.in_(templates),
                           Reply.created_at >= now - REPEAT_WINDOW)):
                history.authors.setdefault((account_id, author_id, template),
                                           set()).add(message_id)
        return history

    def given(self, p: Pending, template: str | None, *, thread: bool) -> bool:
        if thread and p.conversation_id is not None and (
                self.threads.get(p.conversation_id, set()) - {p.id}):
            return True
        return bool(p.author_id and (
            self.authors.get((p.account_id, p.author_id, template), set()) - {p.id}))


def _unless_answered_before(desk: Desk, history: _History, decision: Decision,
                            answered: set[tuple[Any, ...]]) -> None:
    """Hand the message to a person when the bot already answered its thread, or already
    gave its author this same canned reply within REPEAT_WINDOW. The writer is told once
    that a person will answer (the holding reply), never the same canned answer again."""
    p = decision.pending
    if not _given_before(history, p, decision.template, answered, thread=True):
        return
    decision.template, decision.text, decision.ticket_for = None, None, None
    decision.values.update(action="agent", state="open",
                           rules=[*decision.values["rules"], ANSWERED_BEFORE])
    if not _given_before(history, p, HOLDING, answered, thread=False):
        decision.template = HOLDING
        _render(desk, decision)


def _given_before(history: _History, p: Pending, template: str | None,
                  answered: set[tuple[Any, ...]], *, thread: bool) -> bool:
    """Whether the bot answered p's thread (when `thread`) or gave p's author `template`
    within REPEAT_WINDOW, counting this batch's replies in `answered`; records p's own."""
    keys: set[tuple[Any, ...]] = set()
    if thread and p.conversation_id is not None:
        keys.add(("thread", p.conversation_id))
    if p.author_id:
        keys.add(("author", p.account_id, p.author_id, template))
    before = bool(keys & answered) or history.given(p, template, thread=thread)
    answered |= keys
    return before


def _is_own(pending: Pending, own: frozenset[str]) -> bool:
    return bool(pending.author_id and pending.author_id in own) or bool(
        pending.author_handle and pending.author_handle.lstrip("@").lower() in own)


def _values(result: Any, action: str, state: str, rules: list[str],
            pii: list[str] | None = None) -> dict[str, Any]:
    c = result.classification if result is not None else None
    return {
        "service_id": c.service if c else None, "item_id": c.item if c else None,
        "intent": c.intent if c else None, "action": action,
        "confidence": result.confidence if result is not None else None,
        "rules": rules, "pii": pii or [], "state": state,
    }


def _decide(desk: Desk, session: Session, pending: Pending, known: Sequence[str],
            outside: dict[str, Any]) -> Decision:
    channel = desk.channel(pending.account_name)
    result = desk.triage.run(pending.text, channel=channel, kind=pending.kind)
    c = result.classification
    decision = Decision(pending, _values(result, result.action, STATE_AFTER[result.action],
                                         list(result.rules), list(result.pii)),
                        channel=channel)
    step = plan(action=result.action, intent=c.intent, service=c.service, item=c.item,
                rules=result.rules, known_templates=known,
                topic=_topic(desk, c.service, c.item), answers=desk.replies.answers())
    context: dict[str, Any] = dict(step.context) | outside
    template = step.template
    if c.intent == "ticket_status" and result.action == "auto_reply":
        template, found = _ticket_status(session, pending, context)
        if found is None and template == "ticket_status_not_found":
            decision.values["state"] = "open"  # a person checks what the user is asking about
    if step.open_ticket and c.service is not None:
        decision.ticket_for = TicketRequest(
            message_id=pending.id, service_id=c.service, item_id=c.item,
            summary=pending.text[:500], requester_platform=pending.platform,
            requester_id=pending.author_id, requester_handle=pending.author_handle)
    elif template == "escalate":
        template = "agent_holding"  # no service to send it to: a person decides
        decision.values["state"] = "open"
    decision.template, decision.context = template, context
    if template is not None and decision.ticket_for is None:
        _render(desk, decision)  # a ticket's reply waits for its number
    decision.hide = step.hide and "hide" in desk.connector(pending.account_name).capabilities
    if pending.hidden and pending.kind != "dm":
        # Hidden on the platform already: an answer under it would show what was hidden.
        # A person looks at it instead, and no hide is needed.
        decision.template, decision.text, decision.ticket_for = None, None, None
        decision.hide = False
        decision.values.update(action="agent", state="open",
                               rules=[*decision.values["rules"], HIDDEN_ON_PLATFORM])
    return decision


def _render(desk: Desk, decision: Decision) -> None:
    assert decision.template is not None
    try:
        decision.text = desk.replies.render(decision.template, channel=decision.channel,
                                            **decision.context)
    except ReplyError as exc:
        # A canned reply the guard refuses must never go out; a person writes one instead.
        decision.held = f"template {decision.template}: {exc}"
        decision.values["state"] = "open"


def _write(desk: Desk, session: Session, decisions: Sequence[Decision],
           now: datetime) -> list[TriageOutcome]:
    ids = [d.pending.id for d in decisions]
    claimed = set(session.execute(
        update(MESSAGES).where(MESSAGES.c.id.in_(ids), MESSAGES.c.triaged_at.is_(None))
        .values(triaged_at=now).returning(MESSAGES.c.id)).scalars())
    mine = [d for d in decisions if d.pending.id in claimed]  # the rest: another worker's
    if not mine:
        return []
    tickets = _open_tickets(desk, session, mine, now)
    # Bound names must differ from the column names an UPDATE sets.
    session.execute(
        update(MESSAGES).where(MESSAGES.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in mine[0].values}),
        [{"b_id": d.pending.id} | {f"b_{k}": v for k, v in d.values.items()} for d in mine])
    queue_many(session, _replies(mine), now=now)
    return [TriageOutcome(d.pending.id, d.action, d.template,
                          tickets[d.pending.id].number if d.pending.id in tickets else None,
                          d.held) for d in mine]


def _open_tickets(desk: Desk, session: Session, decisions: Sequence[Decision],
                  now: datetime) -> dict[int, OpenedTicket]:
    wanted = [d for d in decisions if d.ticket_for is not None]
    opened = open_tickets(session, [d.ticket_for for d in wanted if d.ticket_for is not None],
                          catalog=desk.catalog, calendar=desk.calendar, now=now)
    for decision, ticket in zip(wanted, opened, strict=True):
        decision.context.update(ticket=ticket.number, due=ticket.due_at)
        if decision.template is not None:
            _render(desk, decision)
    return {t.message_id: t for t in opened}


def _replies(decisions: Sequence[Decision]) -> list[NewReply]:
    replies = []
    for d in decisions:
        p = d.pending
        if d.template is not None and d.text is not None:
            replies.append(NewReply(p.account_id, d.text, f"message:{p.id}:first",
                                    message_id=p.id, template=d.template))
        elif d.template is not None:
            replies.append(NewReply(p.account_id, f"[{d.template}]", f"message:{p.id}:first",
                                    message_id=p.id, template=d.template, state="held",
                                    reason=d.held))
        if d.hide:
            replies.append(NewReply(p.account_id, "", f"message:{p.id}:hide",
                                    message_id=p.id, kind="hide"))
    return replies


def _ticket_status(session: Session, pending: Pending,
                   context: dict[str, Any]) -> tuple[str, Any]:
    for number in find_ticket_numbers(pending.text):
        ticket = by_number(session, number)
        if ticket is None:
            context["ticket"] = number
            continue
        owner = (ticket.requester_platform == pending.platform
                 and ticket.requester_id == pending.author_id)
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
        message.rules = [TRIAGE_ERROR]
    return TriageOutcome(message_id, "agent", None, held=TRIAGE_ERROR)
