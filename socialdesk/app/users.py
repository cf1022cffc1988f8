"""Console users: add one, change a password, disable one, check a sign-in.

Passwords are hashed with argon2 (argon2-cffi's defaults, which follow RFC 9106's second
recommended set). Every change is written to the audit log with who did it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from socialdesk.app.actions import audit, checked_actor
from socialdesk.app.views import InvalidRequest, NotFound
from socialdesk.core.vocab import ROLES
from socialdesk.desk.context import Desk
from socialdesk.store.models import ApiToken, User, WebSession

MIN_PASSWORD = 10
LOCALES = ("id", "en")
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# Rank of each role: a route open to a role is open to every role above it.
RANK = {"agent": 1, "supervisor": 2, "admin": 3}

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong
# password and the response time does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    locale: str
    created_at: datetime

    def may(self, role: str) -> bool:
        """Does this user hold `role` or a higher one?"""
        return RANK[self.role] >= RANK[role]


def user_view(user: User) -> UserView:
    return UserView(user.id, user.username, user.display_name or user.username, user.role,
                    user.active, user.locale or "id", user.created_at)


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidRequest(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def add_user(desk: Desk, username: str, password: str, *, role: str = "agent",
             display_name: str = "", actor: str) -> UserView:
    actor, name = checked_actor(actor), username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise InvalidRequest(f"user names are 2 to 64 of a-z 0-9 . _ -, got {username!r}")
    if role not in ROLES:
        raise InvalidRequest(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    digest = _hasher.hash(_checked_password(password))
    now = desk.now()
    with desk.sessions() as session, session.begin():
        if session.scalars(select(User.id).where(User.username == name)).first() is not None:
            raise InvalidRequest(f"user {name!r} exists already")
        user = User(username=name, display_name=display_name.strip() or name, role=role,
                    password_hash=digest, active=True, created_at=now, locale="id")
        session.add(user)
        session.flush()
        audit(session, now, actor, "user_add", "user", user.id, username=name, role=role)
        return user_view(user)


def set_password(desk: Desk, username: str, password: str, *, actor: str) -> UserView:
    """A new password; the user's sessions end, so a stolen session stops with the old one."""
    actor = checked_actor(actor)
    digest = _hasher.hash(_checked_password(password))
    now = desk.now()
    with desk.sessions() as session, session.begin():
        user = _user(session, username)
        user.password_hash = digest
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        audit(session, now, actor, "user_passwd", "user", user.id, username=user.username)
        return user_view(user)


def disable_user(desk: Desk, username: str, *, actor: str) -> UserView:
    """The user can no longer sign in; their sessions end and their API tokens are revoked."""
    actor = checked_actor(actor)
    now = desk.now()
    with desk.sessions() as session, session.begin():
        user = _user(session, username)
        user.active = False
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=now))
        audit(session, now, actor, "user_disable", "user", user.id, username=user.username)
        return user_view(user)


def set_locale(desk: Desk, user_id: int, locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidRequest(f"unknown language {locale!r} (one of {', '.join(LOCALES)})")
    with desk.sessions() as session, session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"no user {user_id}")
        user.locale = locale


def authenticate(desk: Desk, username: str, password: str) -> UserView | None:
    """The active user with this name and password, or None (same cost either way)."""
    with desk.sessions() as session:
        user = session.scalars(
            select(User).where(User.username == username.strip().lower())).first()
        digest = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
        try:
            _hasher.verify(digest, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or not user.active or digest is _DUMMY_HASH:
            return None
        return user_view(user)


def list_users(desk: Desk) -> list[UserView]:
    with desk.sessions() as session:
        return [user_view(u) for u in session.scalars(select(User).order_by(User.username))]
