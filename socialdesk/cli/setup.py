"""`socialdesk init` and `socialdesk db upgrade`: get settings and database ready."""

from __future__ import annotations

import argparse
import shutil
from typing import Any

from sqlalchemy import Engine, select

from socialdesk.cli.common import settings_from
from socialdesk.db import make_engine, session_factory, transaction
from socialdesk.migrate import current_revision, head_revision, upgrade
from socialdesk.models import Account
from socialdesk.settings import DEFAULT_CONFIG_DIR, AccountConfig, Settings


def register(sub: Any) -> None:
    init = sub.add_parser(
        "init", help="create config/socialdesk.toml and the database, ready for a new user",
        description="Copy the example settings (unless a settings file exists), create or "
                    "upgrade the database schema and register the configured accounts.",
    )
    init.set_defaults(func=cmd_init)
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="create or upgrade the schema to the newest version")
    up.set_defaults(func=cmd_db_upgrade)
    cur = db_sub.add_parser("current", help="show the schema version of the database")
    cur.set_defaults(func=cmd_db_current)


def sync_accounts(settings: Settings) -> list[str]:
    engine = make_engine(settings.database_url)
    try:
        return sync_accounts_with(engine, settings)
    finally:
        engine.dispose()


def sync_accounts_with(engine: Engine, settings: Settings) -> list[str]:
    """Make the accounts table match the settings: add new ones, update handle/enabled."""
    changed: list[str] = []
    with transaction(session_factory(engine)) as session:
        existing = {a.name: a for a in session.scalars(select(Account))}
        for config in settings.accounts:
            changed.extend(_sync_one(session, existing.get(config.name), config))
    return changed


def _sync_one(session: Any, row: Account | None, config: AccountConfig) -> list[str]:
    if row is None:
        session.add(Account(name=config.name, platform=config.platform,
                            handle=config.handle, enabled=config.enabled))
        return [f"added account {config.name} ({config.platform} @{config.handle})"]
    notes = []
    if row.platform != config.platform or row.handle != config.handle:
        row.platform, row.handle = config.platform, config.handle
        notes.append(f"updated account {config.name}")
    if not config.enabled and row.enabled:
        row.enabled = False
        row.disabled_reason = "disabled in settings"
        notes.append(f"disabled account {config.name}")
    elif config.enabled and not row.enabled and row.disabled_reason == "disabled in settings":
        row.enabled, row.disabled_reason = True, None
        notes.append(f"enabled account {config.name}")
    return notes


def cmd_init(args: argparse.Namespace) -> int:
    if not args.config:
        own = DEFAULT_CONFIG_DIR / "socialdesk.toml"
        if not own.exists():
            shutil.copyfile(DEFAULT_CONFIG_DIR / "socialdesk.example.toml", own)
            print(f"created {own} from the example; edit it to add your accounts")
        else:
            print(f"settings: {own} (kept)")
    settings = settings_from(args)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        print(f"database: {engine.url.render_as_string(hide_password=True)} "
              f"at schema {current_revision(engine)}")
    finally:
        engine.dispose()
    for note in sync_accounts(settings):
        print(note)
    enabled = [a.name for a in settings.accounts if a.enabled]
    print(f"accounts: {len(settings.accounts)} configured, {len(enabled)} enabled")
    print("next: `socialdesk catalog list`, `socialdesk demo`, `socialdesk run`")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    engine = make_engine(settings.database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"schema already at {after}")
    else:
        print(f"schema upgraded from {before or 'empty'} to {after}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    engine = make_engine(settings.database_url)
    try:
        current, head = current_revision(engine), head_revision(engine)
    finally:
        engine.dispose()
    state = "up to date" if current == head else f"behind (newest is {head})"
    print(f"schema {current or 'empty'}: {state}")
    return 0
