"""`socialdesk init` and `socialdesk db upgrade`: get settings and database ready."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from socialdesk.cli.common import UsageError, settings_from
from socialdesk.core.resources import EXAMPLE_SETTINGS, default_path
from socialdesk.core.settings import CONFIG_NAME, Settings, find_config, load_settings


def register(sub: Any) -> None:
    init = sub.add_parser(
        "init", help="create the settings file and the database, ready for a new user",
        description="Copy the example settings to --config, $SOCIALDESK_CONFIG or "
                    "./socialdesk.toml (unless it exists), create or upgrade the database "
                    "schema in the state directory and register the configured accounts.",
    )
    init.add_argument("--copy-defaults", action="store_true",
                      help="also copy the packaged catalog, rules, guard, replies and lexicon "
                           "beside the settings file and point [paths] at them, for editing")
    init.set_defaults(func=cmd_init)
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="create or upgrade the schema to the newest version")
    up.set_defaults(func=cmd_db_upgrade)
    cur = db_sub.add_parser("current", help="show the schema version of the database")
    cur.set_defaults(func=cmd_db_current)


def sync_accounts(settings: Settings) -> list[str]:
    from socialdesk.desk.accounts import sync_accounts as sync_accounts_with
    from socialdesk.store.db import make_engine

    engine = make_engine(settings.database_url)
    try:
        return sync_accounts_with(engine, settings)
    finally:
        engine.dispose()


def cmd_init(args: argparse.Namespace) -> int:
    from socialdesk.store.db import make_engine, refresh_statistics
    from socialdesk.store.migrate import current_revision, upgrade

    target = find_config(args.config) or Path.cwd() / CONFIG_NAME
    if not target.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(default_path(EXAMPLE_SETTINGS), target)
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror}") from None
        print(f"created {target} from the example; edit it to add your accounts")
    else:
        print(f"settings: {target} (kept)")
    if args.copy_defaults:
        for note in copy_defaults(target.parent):
            print(note)
    settings = load_settings(target, required=True)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        refresh_statistics(engine)  # new indexes are used from the first query on
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
    from socialdesk.store.db import make_engine, refresh_statistics
    from socialdesk.store.migrate import current_revision, upgrade

    settings = settings_from(args)
    engine = make_engine(settings.database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        refresh_statistics(engine)  # new indexes are used from the first query on
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"schema already at {after}")
    else:
        print(f"schema upgraded from {before or 'empty'} to {after}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import current_revision, head_revision

    settings = settings_from(args)
    engine = make_engine(settings.database_url)
    try:
        current, head = current_revision(engine), head_revision(engine)
    finally:
        engine.dispose()
    state = "up to date" if current == head else f"behind (newest is {head})"
    print(f"schema {current or 'empty'}: {state}")
    return 0


# The editable kinds of default data, with the [paths] key each one is set by.
EDITABLE = (("catalog", "catalog.yaml"), ("rules", "rules"), ("guard", "guard.yaml"),
            ("replies", "replies"), ("lexicon", "lexicon"),
            ("model", "second_opinion.json.gz"), ("guard_model", "guard_opinion.json.gz"))


def copy_defaults(folder: Path) -> list[str]:
    """Copy the packaged data into `folder` (kept where it exists) and say how to use it."""
    notes = []
    for key, name in EDITABLE:
        source, target = default_path(name), folder / name
        if target.exists():
            notes.append(f"{target}: exists, kept")
            continue
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
        notes.append(f"copied {name} to {target}; set [paths] {key} = {name!r} to use it")
    return notes
