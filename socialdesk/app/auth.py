"""Signed-in sessions for the console and bearer tokens for the JSON API.

A token is 32 random bytes shown once; only its SHA-256 is stored. A session carries its own
CSRF token, which every form of that session must send back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select

from socialdesk.app.actions import audit, checked_actor
from socialdesk.app.users import UserView, user_view
from socialdesk.app.views import InvalidRequest, NotFound
from socialdesk.desk.context import Desk
from socialdesk.store.models import ApiToken, LoginFailure, User, WebSession

SESSION_TTL = timedelta(hours=12)  # one shift, with its overtime


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: UserView
    csrf: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    name: str
    token: str  # shown once; the database keeps only its hash


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(desk: Desk, user: UserView, *,
                  ttl: timedelta = SESSION_TTL) -> tuple[str, str]:
    """A new session for the user: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = desk.now()
    with desk.sessions() as session, session.begin():
        # Sessions that have run out are swept here rather than by a job of their own.
        session.execute(delete(WebSession).where(WebSession.expires_at <= now))
        session.add(WebSession(token_hash=_digest(token), user_id=user.id, csrf=csrf,
                               created_at=now, expires_at=now + ttl))
        audit(session, now, user.username, "sign_in", "user", user.id)
    return token, csrf


def session_user(desk: Desk, token: str) -> SignedIn | None:
    """Who holds this session cookie, if the session and the user are still good."""
    if not token:
        return None
    now = desk.now()
    with desk.sessions() as session:
        row = session.execute(
            select(WebSession, User).join(User, User.id == WebSession.user_id)
            .where(WebSession.token_hash == _digest(token))).first()
        if row is None:
            return None
        web, user = row
        if web.expires_at <= now or not user.active:
            return None
        return SignedIn(user_view(user), web.csrf)


def end_session(desk: Desk, token: str, user: UserView) -> None:
    now = desk.now()
    with desk.sessions() as session, session.begin():
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))
        audit(session, now, user.username, "sign_out", "user", user.id)


def _failure_keys(username: str, address: str) -> tuple[str, str]:
    # Names are cut to what a user name may be: a sprayed megabyte is not stored.
    return f"user:{username.strip().lower()[:100]}", f"addr:{address[:100]}"


def sign_in_blocked(desk: Desk, username: str, address: str, *, attempts: int,
                    window: timedelta) -> bool:
    """Have `attempts` sign-ins failed for this name or from this address within `window`?
    Counted in the database, so every web process sees the same failures."""
    since = desk.now() - window
    with desk.sessions() as session:
        for key in _failure_keys(username, address):
            failed = session.scalar(select(func.count()).select_from(LoginFailure)
                                    .where(LoginFailure.key == key, LoginFailure.at > since))
            if (failed or 0) >= attempts:
                return True
    return False


def sign_in_failed(desk: Desk, username: str, address: str, *, window: timedelta) -> None:
    """Count a failed sign-in against the name and the address; failures older than the
    window are swept here, so sprayed names do not pile up."""
    now = desk.now()
    with desk.sessions() as session, session.begin():
        session.execute(delete(LoginFailure).where(LoginFailure.at <= now - window))
        session.add_all(LoginFailure(key=key, at=now)
                        for key in _failure_keys(username, address))


def sign_in_succeeded(desk: Desk, username: str) -> None:
    """The name's failures are forgotten; the address's stay (it may be guessing others)."""
    with desk.sessions() as session, session.begin():
        session.execute(delete(LoginFailure).where(
            LoginFailure.key == _failure_keys(username, "")[0]))


def issue_token(desk: Desk, username: str, name: str, *, actor: str) -> IssuedToken:
    actor, label = checked_actor(actor), name.strip()
    if not label or len(label) > 64:
        raise InvalidRequest("a token needs a name of 1 to 64 characters")
    token = "sdk_" + secrets.token_urlsafe(32)
    now = desk.now()
    with desk.sessions() as session, session.begin():
        user = session.scalars(
            select(User).where(User.username == username.strip().lower())).first()
        if user is None:
            raise NotFound(f"no user {username!r}")
        row = ApiToken(user_id=user.id, name=label, token_hash=_digest(token), created_at=now)
        session.add(row)
        session.flush()
        audit(session, now, actor, "token_issue", "api_token", row.id, user=user.username,
              name=label)
        return IssuedToken(row.id, label, token)


def revoke_token(desk: Desk, token_id: int, *, actor: str) -> None:
    actor, now = checked_actor(actor), desk.now()
    with desk.sessions() as session, session.begin():
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"no API token {token_id}")
        if row.revoked_at is None:
            row.revoked_at = now
        audit(session, now, actor, "token_revoke", "api_token", token_id)


def token_user(desk: Desk, token: str) -> UserView | None:
    if not token:
        return None
    with desk.sessions() as session:
        row = session.execute(
            select(ApiToken, User).join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _digest(token))).first()
        if row is None:
            return None
        api, user = row
        if api.revoked_at is not None or not user.active:
            return None
        return user_view(user)
