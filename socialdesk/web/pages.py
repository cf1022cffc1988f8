"""The console's pages: sign-in, queue, conversation, tickets, held replies, SLA, accounts.

Plain HTML forms; every POST goes through `form(role)` (session + CSRF token) and answers
with a redirect, so a reload never sends twice. Errors re-render the page with the reason.
"""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select

from socialdesk.app import (
    actions,
    claims,
    corrections,
    held,
    review,
    sla_today,
    ticket_list,
    users,
    views,
)
from socialdesk.app.accounts import account_statuses
from socialdesk.app.auth import SignedIn, end_session, start_session
from socialdesk.app.reveal import reveal
from socialdesk.core.vocab import MESSAGE_STATES, PLATFORMS, channel_of
from socialdesk.rules.types import ACTIONS, INTENTS
from socialdesk.store.models import Account
from socialdesk.web.deps import COOKIE, LOGIN_COOKIE, RowId, desk_of, form, page, signed_in
from socialdesk.web.errors import Gettext, explain, held_reason, reason, sentence
from socialdesk.web.i18n import translations
from socialdesk.web.render import render

router = APIRouter(include_in_schema=False)
Agent = Annotated[SignedIn, Depends(page("agent"))]
AgentForm = Annotated[SignedIn, Depends(form("agent"))]
Supervisor = Annotated[SignedIn, Depends(page("supervisor"))]
SupervisorForm = Annotated[SignedIn, Depends(form("supervisor"))]
# Short result codes in the redirect, mapped to fixed sentences in the template, so no
# request can make the page say something of its choosing.
NOTES = {
    "claimed": "This message is yours now.", "released": "The message is released.",
    "replied": "The reply is in the outbox.",
    "escalated": "A ticket is open and the user is told its number.",
    "closed": "The message is closed.", "approved": "The reply is approved and will be sent.",
    "discarded": "The reply is discarded.", "ticket": "The ticket's state is changed.",
    "reclassified": "The correction is recorded.",
    "edited": "The reply is rewritten and will be sent.",
}


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# -- signing in --------------------------------------------------------------------------

def _login_form(request: Request, *, status_code: int = 200, error: str = "") -> Response:
    """The sign-in form with a token of its own (there is no session yet to hold one), sent
    back as a cookie: a sign-in posted from another site lacks it."""
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", None, status_code=status_code, error=error,
                      login_csrf=token)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.secure_cookies, path="/login")
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    if signed_in(request) is not None:
        return _see("/queue")
    return _login_form(request)


@router.post("/login")
def login(request: Request, username: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "") -> Response:
    desk, limiter = desk_of(request), request.app.state.limiter
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(csrf, expected):
        return _login_form(request, status_code=403, error="expired")
    address = request.client.host if request.client else "?"
    if limiter.blocked(desk, username, address):
        return _login_form(request, status_code=429, error="locked")
    user = users.authenticate(desk, username, password)
    if user is None:
        limiter.failed(desk, username, address)
        return _login_form(request, status_code=401, error="wrong")
    limiter.succeeded(desk, username)
    token, _csrf = start_session(desk, user)
    response = _see("/queue")
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                        secure=request.app.state.secure_cookies, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, signed: AgentForm) -> Response:
    end_session(desk_of(request), request.cookies.get(COOKIE, ""), signed.user)
    response = _see("/login")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/me/language")
def language(request: Request, signed: AgentForm, lang: Annotated[str, Form()] = "id",
             back: Annotated[str, Form()] = "/queue") -> Response:
    with suppress(views.InvalidRequest):  # an unknown language keeps the current one
        users.set_locale(desk_of(request), signed.user.id, lang)
    # Only a path of this site: a form field must not send the user elsewhere.
    return _see(back if back.startswith("/") and not back.startswith("//") else "/queue")


@router.get("/")
def home() -> Response:
    return _see("/queue")


# -- the queue ---------------------------------------------------------------------------

def _queue_filter(request: Request, signed: SignedIn) -> tuple[views.QueueFilter, dict[str, Any]]:
    q = request.query_params
    platform, service, state = q.get("platform", ""), q.get("service", ""), q.get("state", "")
    mine, risk, late = q.get("mine") == "1", q.get("risk") == "1", q.get("late") == "1"
    wanted = views.QueueFilter(
        states=(state,) if state else views.DEFAULT_STATES,
        platforms=(platform,) if platform else (), services=(service,) if service else (),
        at_risk=risk, late=late, claimed_by=signed.user.id if mine else None, limit=200)
    chosen = {"platform": platform, "service": service, "state": state, "mine": mine,
              "risk": risk, "late": late}
    return wanted, chosen


def _queue_page(request: Request, signed: SignedIn, template: str) -> HTMLResponse:
    desk = desk_of(request)
    wanted, chosen = _queue_filter(request, signed)
    try:
        entries = views.queue(desk, wanted)
        error = ""
    except views.InvalidRequest as exc:
        entries, error = [], sentence(str(exc), _words(signed))
    return render(request, template, signed, entries=entries, chosen=chosen, error=error,
                  platforms=PLATFORMS, states=MESSAGE_STATES,
                  services=sorted(desk.catalog.services.values(), key=lambda s: s.id),
                  query=request.url.query, refresh_seconds=request.app.state.refresh_seconds,
                  status_code=400 if error else 200)


@router.get("/queue")
def queue_page(request: Request, signed: Agent) -> Response:
    return _queue_page(request, signed, "queue.html")


@router.get("/queue/rows")
def queue_rows(request: Request, signed: Agent) -> Response:
    """The table body alone, for the page's script to refresh in place."""
    return _queue_page(request, signed, "queue_rows.html")


# -- one conversation --------------------------------------------------------------------

def _conversation(request: Request, signed: SignedIn, message_id: RowId, *,
                  error: str = "", holder: str = "", revealed: str | None = None,
                  status_code: int = 200) -> Response:
    """`error`: what went wrong, already in the user's language; `holder`: the agent who
    has the message, when that is why nothing was done."""
    desk = desk_of(request)
    try:
        detail = views.show(desk, message_id)
    except views.NotFound:
        return render(request, "error.html", signed, status_code=404, error="not_found")
    channel = channel_of(detail.entry.platform)
    c = detail.classification
    return render(request, "message.html", signed, m=detail, error=error, holder=holder,
                  targets=ticket_list.targets(desk),
                  aimed=(c.service_id, c.item_id) if c else (None, None),
                  ticket_left=ticket_list.working_time_left(desk, detail.ticket.due_at)
                  if detail.ticket else None,
                  revealed=revealed,
                  templates=desk.replies.template_names(),
                  limit=desk.guard.limits.get(channel, 280),
                  services=sorted(desk.catalog.services.values(), key=lambda s: s.id),
                  items=sorted(desk.catalog.items.values(), key=lambda i: i.id),
                  note=request.query_params.get("done", ""), notes=NOTES,
                  intents=INTENTS, actions=ACTIONS,
                  refresh_seconds=request.app.state.refresh_seconds, status_code=status_code)


@router.get("/messages/{message_id}")
def message_page(request: Request, message_id: RowId, signed: Agent) -> Response:
    return _conversation(request, signed, message_id)


def _act(request: Request, signed: SignedIn, message_id: RowId, note: str,
         work: Any, *, take: bool = True) -> Response:
    """Claim the message for the acting agent (unless it is another's), then do the work."""
    desk = desk_of(request)
    try:
        if take:
            claims.claim(desk, message_id, signed.user)
        work()
    except claims.ClaimedByOther as exc:
        return _conversation(request, signed, message_id, holder=exc.holder, status_code=409)
    except views.NotFound:
        return render(request, "error.html", signed, status_code=404, error="not_found")
    except (actions.ReplyRefused, views.InvalidRequest) as exc:
        return _conversation(request, signed, message_id,
                             error=explain(exc, _words(signed)), status_code=422)
    return _see(f"/messages/{message_id}?done={note}")


@router.get("/messages/{message_id}/replies")
def message_replies(request: Request, message_id: RowId, signed: Agent) -> Response:
    """The message's replies alone, so the page can show the outbox moving them along."""
    try:
        detail = views.show(desk_of(request), message_id)
    except views.NotFound:
        return render(request, "error.html", signed, status_code=404, error="not_found")
    return render(request, "replies.html", signed, m=detail)


@router.post("/messages/{message_id}/claim")
def claim(request: Request, message_id: RowId, signed: AgentForm) -> Response:
    return _act(request, signed, message_id, "claimed", lambda: None)


@router.post("/messages/{message_id}/release")
def release(request: Request, message_id: RowId, signed: AgentForm) -> Response:
    desk = desk_of(request)
    return _act(request, signed, message_id, "released",
                lambda: claims.release(desk, message_id, signed.user), take=False)


@router.post("/messages/{message_id}/reply")
def reply(request: Request, message_id: RowId, signed: AgentForm,
          text: Annotated[str, Form()] = "", template: Annotated[str, Form()] = "",
          private: Annotated[str, Form()] = "") -> Response:
    desk = desk_of(request)
    # The box holds what will be sent: an edited canned reply is sent as the agent's text.
    chosen = None if text.strip() else (template or None)
    return _act(request, signed, message_id, "replied", lambda: actions.reply(
        desk, message_id, actor=signed.user.username, template=chosen,
        text=text if chosen is None else None, private=private == "1"))


@router.post("/messages/{message_id}/escalate")
def escalate(request: Request, message_id: RowId, signed: AgentForm,
             item: Annotated[str, Form()] = "", service: Annotated[str, Form()] = "") -> Response:
    desk = desk_of(request)
    # An item names its service: the form's service counts only for a whole-service ticket.
    return _act(request, signed, message_id, "escalated", lambda: actions.escalate(
        desk, message_id, actor=signed.user.username,
        service_id=None if item else (service or None), item_id=item or None))


@router.post("/messages/{message_id}/close")
def close(request: Request, message_id: RowId, signed: AgentForm,
          note: Annotated[str, Form()] = "") -> Response:
    desk = desk_of(request)
    return _act(request, signed, message_id, "closed", lambda: actions.close(
        desk, message_id, actor=signed.user.username, note=note[:500]))


@router.post("/messages/{message_id}/reclassify")
def reclassify(request: Request, message_id: RowId, signed: AgentForm,
               item: Annotated[str, Form()] = "", intent: Annotated[str, Form()] = "",
               action: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
               ) -> Response:
    desk = desk_of(request)
    return _act(request, signed, message_id, "reclassified", lambda: corrections.reclassify(
        desk, message_id, actor=signed.user.username, intent=intent, action=action,
        item_id=item or None, note=note))


@router.post("/messages/{message_id}/reveal")
def reveal_text(request: Request, message_id: RowId, signed: AgentForm) -> Response:
    try:
        text = reveal(desk_of(request), message_id, actor=signed.user.username)
    except views.NotFound:
        return render(request, "error.html", signed, status_code=404, error="not_found")
    return _conversation(request, signed, message_id, revealed=text)


@router.post("/messages/{message_id}/draft")
def draft(request: Request, message_id: RowId, signed: AgentForm,
          template: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "") -> Response:
    """The guard's verdict on the reply box as it stands (or a canned reply rendered for this
    message and platform), for the page's script to show before anything is sent."""
    desk = desk_of(request)
    try:
        detail = views.show(desk, message_id)
    except views.NotFound:
        return JSONResponse({"error": "not found"}, status_code=404)
    channel = channel_of(detail.entry.platform)
    if template and not text:
        try:
            text = actions.draft(desk, message_id, template)
        except actions.ReplyRefused as exc:
            return JSONResponse({"text": "", "verdict": "block", "label": _words(signed)("block"),
                                 "reasons": _reasons(exc.reasons, signed), "length": 0,
                                 "limit": desk.guard.limits.get(channel, 280)})
        except views.InvalidRequest as exc:
            return JSONResponse({"error": explain(exc, _words(signed))}, status_code=422)
    verdict = desk.guard.check_outbound(text, channel=channel)
    label = getattr(verdict, "verdict", "pass" if verdict.ok else "block")
    return JSONResponse({"text": text, "verdict": label, "label": _words(signed)(label),
                         "reasons": _reasons(verdict.reasons, signed),
                         "length": desk.guard.weighted_length(text, channel),
                         "limit": desk.guard.limits.get(channel, 280)})


def _words(signed: SignedIn) -> Gettext:
    return translations(signed.user.locale).gettext


def _reasons(codes: tuple[str, ...], signed: SignedIn) -> list[str]:
    return [reason(code, _words(signed)) for code in codes]


@router.get("/next")
def next_message(request: Request, signed: Agent) -> Response:
    """The most urgent message nobody has claimed (or that is mine)."""
    for entry in views.queue(desk_of(request), views.QueueFilter(limit=200)):
        if entry.claimed_by in (None, signed.user.username):
            return _see(f"/messages/{entry.id}")
    return _see("/queue")


# -- tickets -----------------------------------------------------------------------------

@router.get("/tickets")
def tickets_page(request: Request, signed: Agent) -> Response:
    desk = desk_of(request)
    unit = request.query_params.get("unit", "")
    state = request.query_params.get("state", "")
    try:
        rows = ticket_list.tickets(desk, unit=unit, states=(state,) if state else ticket_list.OPEN)
    except views.InvalidRequest:
        rows = []
    return render(request, "tickets.html", signed, rows=rows, units=ticket_list.units(desk),
                  unit=unit, state=state)


@router.get("/tickets/{number}")
def ticket_page(request: Request, number: str, signed: Agent) -> Response:
    try:
        ticket = views.ticket_detail(desk_of(request), number)
    except (views.NotFound, views.InvalidRequest):
        return render(request, "error.html", signed, status_code=404, error="not_found")
    return render(request, "ticket.html", signed, t=ticket,
                  settable=actions.SETTABLE_TICKET_STATES,
                  note=request.query_params.get("done", ""), notes=NOTES)


@router.post("/tickets/{number}/state")
def ticket_state(request: Request, number: str, signed: AgentForm,
                 state: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> Response:
    try:
        ticket = actions.set_ticket_state(desk_of(request), number, state,
                                          actor=signed.user.username, note=note[:500])
    except views.NotFound:
        return render(request, "error.html", signed, status_code=404, error="not_found")
    except views.InvalidRequest as exc:
        return render(request, "error.html", signed, status_code=422,
                      error=explain(exc, _words(signed)))
    return _see(f"/tickets/{ticket.number}?done=ticket")


# -- supervisors -------------------------------------------------------------------------

@router.get("/held")
def held_page(request: Request, signed: Supervisor) -> Response:
    words = _words(signed)
    return render(request, "held.html", signed, held=review.held(desk_of(request)),
                  held_reason=lambda text: held_reason(text, words),
                  note=request.query_params.get("done", ""), notes=NOTES)


def _review(request: Request, signed: SignedIn, note: str, work: Any) -> Response:
    try:
        work()
    except views.NotFound:
        return render(request, "error.html", signed, status_code=404, error="not_found")
    except (actions.ReplyRefused, views.InvalidRequest) as exc:
        return render(request, "error.html", signed, status_code=422,
                      error=explain(exc, _words(signed)))
    return _see(f"/held?done={note}")


@router.post("/held/{reply_id}/approve")
def approve(request: Request, reply_id: RowId, signed: SupervisorForm,
            reason: Annotated[str, Form()] = "") -> Response:
    desk = desk_of(request)
    return _review(request, signed, "approved", lambda: held.approve(
        desk, reply_id, actor=signed.user.username, reason=reason[:500]))


@router.post("/held/{reply_id}/edit")
def edit_held(request: Request, reply_id: RowId, signed: SupervisorForm,
              text: Annotated[str, Form()] = "", reason: Annotated[str, Form()] = "") -> Response:
    desk = desk_of(request)
    return _review(request, signed, "edited", lambda: held.edit(
        desk, reply_id, text, actor=signed.user.username, reason=reason[:500]))


@router.post("/held/{reply_id}/discard")
def discard(request: Request, reply_id: RowId, signed: SupervisorForm,
            reason: Annotated[str, Form()] = "") -> Response:
    desk = desk_of(request)
    return _review(request, signed, "discarded", lambda: held.discard(
        desk, reply_id, actor=signed.user.username, reason=reason[:500]))


@router.get("/accounts")
def accounts_page(request: Request, signed: Supervisor) -> Response:
    desk = desk_of(request)
    with desk.sessions() as session:
        polled = {name: at for name, at in session.execute(
            select(Account.name, Account.last_poll_at))}
    return render(request, "accounts.html", signed, rows=account_statuses(desk), polled=polled)


@router.get("/sla")
def sla_page(request: Request, signed: Supervisor) -> Response:
    desk = desk_of(request)
    try:
        day: date | None = date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:  # none given, or not a date: today
        day = None
    figures = sla_today.today(desk, day)
    today = sla_today.local_day(desk)
    return render(request, "sla.html", signed, s=figures, today=today,
                  previous=figures.day - timedelta(days=1),
                  following=figures.day + timedelta(days=1) if figures.day < today else None)
