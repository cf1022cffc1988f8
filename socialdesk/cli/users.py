"""`socialdesk user add|passwd|disable|list|token|revoke`: console users and API tokens."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from socialdesk.cli.common import UsageError, acting_user, add_actor_option, open_desk
from socialdesk.core.vocab import ROLES

PASSWORD_ENV = "SOCIALDESK_PASSWORD"


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="console users: add, passwd, disable, list, token")
    verbs = user.add_subparsers(dest="verb", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="a new user (asks for the password)")
    add.add_argument("username", help="login name")
    add.add_argument("--role", choices=ROLES, default="agent",
                     help="what the user may do (default agent)")
    add.add_argument("--name", default="", help="the name shown in the console")
    add_actor_option(add)
    add.set_defaults(func=cmd_add)
    passwd = verbs.add_parser("passwd", help="set a new password (ends the user's sessions)")
    passwd.add_argument("username", help="login name")
    add_actor_option(passwd)
    passwd.set_defaults(func=cmd_passwd)
    disable = verbs.add_parser("disable", help="no more sign-in; sessions end, tokens revoked")
    disable.add_argument("username", help="login name")
    add_actor_option(disable)
    disable.set_defaults(func=cmd_disable)
    lst = verbs.add_parser("list", help="users and their roles")
    lst.set_defaults(func=cmd_list)
    token = verbs.add_parser("token", help="a new JSON API token for a user (shown once)")
    token.add_argument("username", help="login name")
    token.add_argument("--label", default="api", help="what the token is for")
    add_actor_option(token)
    token.set_defaults(func=cmd_token)
    revoke = verbs.add_parser("revoke", help="revoke a JSON API token by its id")
    revoke.add_argument("token_id", type=int, help="id of the token (shown when it was made)")
    add_actor_option(revoke)
    revoke.set_defaults(func=cmd_revoke)


def _password() -> str:
    """From $SOCIALDESK_PASSWORD (scripts), else asked twice on the terminal."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise UsageError(f"no terminal to ask the password on: set {PASSWORD_ENV}")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UsageError("the two passwords differ")
    return first


def cmd_add(args: argparse.Namespace) -> int:
    from socialdesk.app import users  # not to build the parser: it is slow to import

    with open_desk(args) as desk:
        user = users.add_user(desk, args.username, _password(), role=args.role,
                              display_name=args.name, actor=acting_user(args))
    print(f"user {user.username} added ({user.role})")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from socialdesk.app import users  # not to build the parser: it is slow to import

    with open_desk(args) as desk:
        user = users.set_password(desk, args.username, _password(), actor=acting_user(args))
    print(f"password of {user.username} changed; their sessions have ended")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from socialdesk.app import users  # not to build the parser: it is slow to import

    with open_desk(args) as desk:
        user = users.disable_user(desk, args.username, actor=acting_user(args))
    print(f"user {user.username} disabled")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from socialdesk.app import users  # not to build the parser: it is slow to import

    with open_desk(args) as desk:
        for user in users.list_users(desk):
            state = "active" if user.active else "disabled"
            print(f"{user.username:<24} {user.role:<11} {state:<9} {user.display_name}")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from socialdesk.app import auth  # not to build the parser: it is slow to import

    with open_desk(args) as desk:
        issued = auth.issue_token(desk, args.username, args.label, actor=acting_user(args))
    print(f"token {issued.id} ({issued.name}) for {args.username}; it is shown only now:")
    print(issued.token)
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from socialdesk.app import auth  # not to build the parser: it is slow to import

    with open_desk(args) as desk:
        auth.revoke_token(desk, args.token_id, actor=acting_user(args))
    print(f"token {args.token_id} revoked")
    return 0
