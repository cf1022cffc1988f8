"""The accounts table follows the settings: one idempotent upsert per configured account.

Several processes may start together (a daemon and a worker, two daemons during a restart);
each runs this, so it must never read-then-insert. A new account is inserted with ON CONFLICT
DO NOTHING; an existing one gets its platform, handle and the settings' enabled flag in one
conditional UPDATE each, which is a no-op when nothing changed.
"""

from __future__ import annotations

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from socialdesk.core.settings import AccountConfig, Settings
from socialdesk.store.db import rows_changed, session_factory, transaction, upsert
from socialdesk.store.models import Account

DISABLED_IN_SETTINGS = "disabled in settings"


def sync_accounts(engine: Engine, settings: Settings) -> list[str]:
    """Make the accounts table match the settings; returns one note per change."""
    notes: list[str] = []
    with transaction(session_factory(engine)) as session:
        for config in settings.accounts:
            notes.extend(_sync_one(session, config))
    return notes


def _sync_one(session: Session, config: AccountConfig) -> list[str]:
    inserted = session.execute(
        upsert(session, Account.__table__)
        .values(name=config.name, platform=config.platform, handle=config.handle,
                enabled=config.enabled,
                disabled_reason=None if config.enabled else DISABLED_IN_SETTINGS)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(Account.id)
    ).first()
    if inserted is not None:
        return [f"added account {config.name} ({config.platform} @{config.handle})"]
    notes = []
    renamed = session.execute(update(Account)
                          .where(Account.name == config.name,
                                 (Account.platform != config.platform)
                                 | (Account.handle != config.handle))
                          .values(platform=config.platform, handle=config.handle))
    if rows_changed(renamed):
        notes.append(f"updated account {config.name}")
    if not config.enabled:
        changed = session.execute(update(Account)
                                  .where(Account.name == config.name, Account.enabled.is_(True))
                                  .values(enabled=False, disabled_reason=DISABLED_IN_SETTINGS))
        if rows_changed(changed):
            notes.append(f"disabled account {config.name}")
    else:
        # Only an account the settings disabled is enabled again here; one disabled for a
        # revoked token stays off until a person looks at it.
        changed = session.execute(update(Account)
                                  .where(Account.name == config.name,
                                         Account.enabled.is_(False),
                                         Account.disabled_reason == DISABLED_IN_SETTINGS)
                                  .values(enabled=True, disabled_reason=None))
        if rows_changed(changed):
            notes.append(f"enabled account {config.name}")
    return notes
