"""`socialdesk accounts`: list the configured accounts and check their credentials.

`check` only reads (who am I, may I read this stream); it never sends anything.
"""

from __future__ import annotations

import argparse
from typing import Any

from socialdesk.cli.common import UsageError, settings_from
from socialdesk.core.settings import AccountConfig, Settings


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "accounts", help="list platform accounts and check their credentials")
    actions = parser.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the configured accounts")
    listing.set_defaults(func=list_accounts)
    check = actions.add_parser(
        "check", help="validate credentials and permissions without sending anything")
    check.add_argument("names", nargs="*", metavar="NAME", help="accounts to check (default: all)")
    check.set_defaults(func=check_accounts)


def _chosen(args: argparse.Namespace) -> list[AccountConfig]:
    accounts = list(settings_from(args).accounts)
    names = list(getattr(args, "names", []) or [])
    unknown = [n for n in names if n not in {a.name for a in accounts}]
    if unknown:
        raise UsageError(f"no account named {', '.join(unknown)} in the settings")
    return [a for a in accounts if not names or a.name in names]


def list_accounts(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    today = _today_usage(settings)
    for account in _chosen(args):
        state = "enabled" if account.enabled else "disabled"
        streams = ",".join(account.streams) or "-"
        print(f"{account.name:<20} {account.platform:<10} @{account.handle:<16} {state:<9} "
              f"streams={streams} every {account.poll_interval}s{today.get(account.name, '')}")
    return 0


def _today_usage(settings: Settings) -> dict[str, str]:
    """Today's spend, quota and last error per account, from the database if it is set up."""
    from sqlalchemy.exc import SQLAlchemyError

    from socialdesk.app.accounts import account_statuses
    from socialdesk.desk.context import Desk
    from socialdesk.store.migrate import SchemaNotCurrent, require_current

    desk = Desk.from_settings(settings)
    try:
        require_current(desk.engine)
        statuses = account_statuses(desk)
    except (SchemaNotCurrent, SQLAlchemyError):
        return {}
    finally:
        desk.close()
    out = {}
    for s in statuses:
        parts = []
        if s.spent_usd is not None:
            parts.append(f"spent today ${s.spent_usd:.3f}")
        if s.quota_left is not None:
            parts.append(f"quota left {s.quota_left:,}/{s.quota_limit:,} units")
        if s.usage_peak_pct is not None:
            parts.append(f"usage peak {s.usage_peak_pct:.0f}%")
        if not s.enabled and s.disabled_reason:
            parts.append(f"off: {s.disabled_reason}")
        elif s.last_error:
            parts.append(f"last error: {s.last_error}")
        out[s.name] = "  " + "; ".join(parts) if parts else ""
    return out


def problems_of(account: AccountConfig) -> list[str]:
    from socialdesk.connectors import ConnectorError, connector_for

    try:
        connector = connector_for(account)
    except ConnectorError as exc:
        return [exc.reason]
    problems = []
    for stream in account.streams:
        if stream not in connector.streams:
            problems.append(f"stream {stream!r} is unknown to {account.platform} "
                            f"(has {', '.join(connector.streams)})")
    if account.poll_interval < connector.min_poll_interval:
        problems.append(f"poll_interval {account.poll_interval}s is below the "
                        f"{connector.min_poll_interval}s this platform allows")
    try:
        problems += connector.check()
    except ConnectorError as exc:
        problems.append(exc.reason)
    return problems


def check_accounts(args: argparse.Namespace) -> int:
    accounts = _chosen(args)
    if not accounts:
        print("no accounts configured")
        return 0
    failed = 0
    for account in accounts:
        label = f"{account.name} ({account.platform}{'' if account.enabled else ', disabled'})"
        problems = problems_of(account)
        if not problems:
            print(f"{label}: ok")
            continue
        failed += account.enabled
        print(f"{label}:")
        for problem in problems:
            print(f"  - {problem}")
    return 1 if failed else 0
