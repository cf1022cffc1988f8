"""Who is asking: the session cookie for pages, a bearer token for the JSON API. Every route
names the least role it needs; the check is made here, on the server, for every request."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import HTTPException, Path, Request

from socialdesk.app.auth import SignedIn, session_user, token_user
from socialdesk.app.users import UserView
from socialdesk.desk.context import Desk

COOKIE = "sd_session"
LOGIN_COOKIE = "sd_login"  # the sign-in form's CSRF token, before any session
# A row id in a path: a number beyond any id is refused before it reaches the database
# (SQLite cannot even bind it).
RowId = Annotated[int, Path(ge=1, le=2**62)]


class NeedLogin(Exception):
    """No valid session: pages answer with the sign-in form."""


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def signed_in(request: Request) -> SignedIn | None:
    return session_user(desk_of(request), request.cookies.get(COOKIE, ""))


def page(role: str) -> Callable[[Request], SignedIn]:
    """A page any user of `role` or above may read."""

    def dependency(request: Request) -> SignedIn:
        signed = signed_in(request)
        if signed is None:
            raise NeedLogin()
        if not signed.user.may(role):
            raise HTTPException(403, "your role may not open this page")
        return signed

    return dependency


def form(role: str) -> Callable[[Request], Awaitable[SignedIn]]:
    """A state change from a form or the page's script: the session's CSRF token must come
    with it, in the `csrf` field or the X-CSRF-Token header."""

    async def dependency(request: Request) -> SignedIn:
        signed = page(role)(request)
        sent = request.headers.get("x-csrf-token", "")
        if not sent and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            sent = str((await request.form()).get("csrf", ""))
        if not sent or not secrets.compare_digest(sent, signed.csrf):
            raise HTTPException(403, "the form has expired: reload the page and try again")
        return signed

    return dependency


def api(role: str) -> Callable[[Request], UserView]:
    """A JSON API call with `Authorization: Bearer <token>` of a user of `role` or above."""

    def dependency(request: Request) -> UserView:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user = token_user(desk_of(request), token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise HTTPException(401, "a valid API token is needed",
                                headers={"WWW-Authenticate": "Bearer"})
        if not user.may(role):
            raise HTTPException(403, "your role may not do this")
        return user

    return dependency
