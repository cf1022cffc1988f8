"""Meta webhook pushes, stored through the same intake as polling.

The web face checks the signature with `app_secrets` and hands the parsed body to
`receive_meta`, which stores the delivery's messages in one transaction (a message polling
also sees is stored once, by its unique key) and marks comments hidden on the platform.
Triage is left to the workers, so the platform gets its 200 quickly.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from sqlalchemy import select, update

from socialdesk.connectors.errors import ConnectorError
from socialdesk.connectors.items import BadItem
from socialdesk.connectors.meta_webhooks import Event, parse_delivery
from socialdesk.connectors.types import InboundMessage, Page, own_identities
from socialdesk.core.settings import AccountConfig, MissingSecret
from socialdesk.desk.context import Desk
from socialdesk.desk.intake import store_page
from socialdesk.store.db import rows_changed
from socialdesk.store.models import Account, Conversation, Message

log = logging.getLogger(__name__)
# Which option names the account a delivery's entry is for.
OWNER_OPTION = {"facebook": "page_id", "instagram": "ig_user_id"}


@dataclass(frozen=True, slots=True)
class PushResult:
    stored: int = 0
    duplicates: int = 0
    own: int = 0
    hidden: int = 0
    ignored: int = 0
    unknown_account: int = 0
    skipped: int = 0
    # (account name, platform id) of each message this delivery stored.
    stored_ids: tuple[tuple[str, str], ...] = ()


def _meta_platform(account: AccountConfig) -> str:
    """The Meta platform an account is on; a sandbox account imitating one counts as it, so
    the sandbox network's deliveries take the same path as Meta's."""
    if account.platform == "sandbox":
        return str(account.options.get("as_platform", ""))
    return account.platform


def _meta_accounts(desk: Desk) -> list[AccountConfig]:
    return [a for a in desk.settings.accounts if _meta_platform(a) in OWNER_OPTION]


def _secret_values(desk: Desk, name: str) -> list[str]:
    found = []
    for account in _meta_accounts(desk):
        try:
            secret = account.optional_secret(name)
        except MissingSecret:
            continue
        if secret is not None:
            found.append(secret.reveal())
    return found


def app_secrets(desk: Desk) -> list[bytes]:
    """The Meta app secrets of the configured accounts (secret `app_secret`)."""
    return [s.encode() for s in dict.fromkeys(_secret_values(desk, "app_secret"))]


def verify_tokens(desk: Desk) -> list[str]:
    """The tokens Meta's subscription handshake may present (secret `webhook_verify_token`)."""
    return list(dict.fromkeys(_secret_values(desk, "webhook_verify_token")))


def _owner(desk: Desk, event: Event) -> AccountConfig | None:
    for account in _meta_accounts(desk):
        platform = _meta_platform(account)
        if platform == event.platform and \
                str(account.options.get(OWNER_OPTION[platform], "")) == event.owner:
            return account
    return None


def _lookup(desk: Desk, account: AccountConfig, event: Event) -> InboundMessage | None:
    """Instagram names only the ids of a mention; its text comes from the Graph API."""
    mentioned = getattr(desk.connector(account.name), "mentioned", None)
    if mentioned is None:
        return None
    comment = event.platform_id if event.platform_id != event.media_id else ""
    try:
        found = mentioned(event.media_id, comment)
    except (ConnectorError, BadItem) as exc:
        # Polling stays the safety net; the push is lost only as a push.
        log.warning("%s: mention %s could not be read: %s", account.name, event.platform_id,
                    getattr(exc, "reason", exc))
        return None
    return found if isinstance(found, InboundMessage) else None


def _stored_thread(desk: Desk, account: AccountConfig, author_id: str) -> str | None:
    """The conversation this person's direct messages are already filed under, if any."""
    with desk.sessions() as session:
        return session.scalar(
            select(Conversation.platform_thread_id)
            .join(Message, Message.conversation_id == Conversation.id)
            .join(Account, Account.id == Message.account_id)
            .where(Account.name == account.name, Message.kind == "dm",
                   Message.author_id == author_id)
            .order_by(Message.id.desc()).limit(1))


def _threaded(desk: Desk, account: AccountConfig, message: InboundMessage) -> InboundMessage:
    """A pushed direct message filed under Graph's conversation id, as polling files it.

    The push names only the person: the conversation is the one their messages are stored
    under already, else Graph's look-up (asked once per person, the connector keeps it).
    Without either it keeps the parser's Page:person pair, which is stable too."""
    provisional = message.conversation_id
    thread = _stored_thread(desk, account, message.author_id)
    if thread is None or thread == provisional:
        lookup = getattr(desk.connector(account.name), "conversation_with", None)
        try:
            thread = lookup(message.author_id) if lookup is not None else None
        except (ConnectorError, BadItem) as exc:
            log.warning("%s: conversation of %s not found: %s", account.name,
                        message.author_id, getattr(exc, "reason", exc))
            thread = None
    if not isinstance(thread, str) or not thread:
        return message
    return replace(message, conversation_id=thread)


def _mine(message: InboundMessage, own: Iterable[str]) -> bool:
    mine = set(own)
    return message.author_id in mine or message.author_handle.lower() in mine


def receive_meta(desk: Desk, body: object, *,
                 on_stored: Callable[[tuple[tuple[str, str], ...]], None] | None = None,
                 ) -> PushResult:
    """Store one signed delivery; returns what became of its events. `on_stored` hears the
    (account, platform id) pairs stored before they are committed, so no worker can see
    such a message before its listener knows that a push brought it."""
    delivery = parse_delivery(body)
    unknown = own = 0
    to_store: dict[tuple[str, str], list[InboundMessage]] = defaultdict(list)
    to_hide: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for event in delivery.events:
        account = _owner(desk, event)
        if account is None:
            unknown += 1
            continue
        if event.kind in ("hide", "unhide"):
            to_hide[account.name].append((event.platform_id, event.kind == "hide"))
            continue
        message = event.message
        if event.kind == "lookup_mention":
            message = _lookup(desk, account, event)
        if message is None:
            continue
        if _mine(message, own_identities(account)):
            own += 1  # the desk's own reply, pushed back: never a new message
            continue
        if message.kind == "dm":
            message = _threaded(desk, account, message)
        to_store[(account.name, event.stream)].append(message)
    stored = duplicates = hidden = 0
    stored_ids: list[tuple[str, str]] = []
    now = desk.now()
    with desk.sessions() as session, session.begin():
        for (name, stream), messages in to_store.items():
            account_row = session.scalars(select(Account).where(Account.name == name)).one()
            result = store_page(session, account_row, stream, Page(tuple(messages), None),
                                now=now, calendar=desk.calendar,
                                response_hours=desk.settings.sla.response_hours, push=True)
            stored += result.stored
            duplicates += result.duplicates
            stored_ids += [(name, platform_id) for platform_id in sorted(result.stored_ids)]
        for name, changes in to_hide.items():
            account_id = session.scalars(select(Account.id).where(Account.name == name)).one()
            for platform_id, state in changes:
                hidden += rows_changed(session.execute(
                    update(Message).where(Message.account_id == account_id,
                                          Message.platform_id == platform_id)
                    .values(hidden=state)))
        if on_stored is not None and stored_ids:
            on_stored(tuple(stored_ids))
    return PushResult(stored=stored, duplicates=duplicates, own=own, hidden=hidden,
                      ignored=delivery.ignored, unknown_account=unknown,
                      skipped=len(delivery.skipped), stored_ids=tuple(stored_ids))
