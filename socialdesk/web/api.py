"""The JSON API: the console's actions for scripts and other tools, with the same roles.
Authenticated by per-user bearer tokens (`socialdesk user token`), documented by the
OpenAPI schema at /api/openapi.json. Texts are returned as data, masked like the pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from socialdesk.app import actions, claims, held, review, ticket_list, views
from socialdesk.app.users import UserView
from socialdesk.web.deps import RowId, api, desk_of

router = APIRouter(prefix="/api/v1", tags=["console"])
AgentUser = Annotated[UserView, Depends(api("agent"))]
SupervisorUser = Annotated[UserView, Depends(api("supervisor"))]


class ReplyIn(BaseModel):
    template: str | None = Field(default=None, max_length=64)
    text: str | None = Field(default=None, max_length=5000)
    private: bool = False


class EscalateIn(BaseModel):
    service: str | None = Field(default=None, max_length=16)
    item: str | None = Field(default=None, max_length=16)


class CloseIn(BaseModel):
    note: str = Field(default="", max_length=500)


class TicketStateIn(BaseModel):
    state: Literal["in_progress", "resolved", "closed"]
    note: str = Field(default="", max_length=500)


class ReviewIn(BaseModel):
    reason: str = Field(default="", max_length=500)


def _call(work: Any) -> Any:
    """The app's errors as HTTP answers: unknown 404, taken 409, refused or invalid 422."""
    try:
        return work()
    except views.NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except claims.ClaimedByOther as exc:
        raise HTTPException(409, str(exc)) from None
    except actions.ReplyRefused as exc:
        raise HTTPException(422, {"refused": list(exc.reasons)}) from None
    except views.InvalidRequest as exc:
        raise HTTPException(422, str(exc)) from None


def _taken(request: Request, message_id: RowId, user: UserView, work: Any) -> Any:
    desk = desk_of(request)
    return _call(lambda: (claims.claim(desk, message_id, user), work())[1])


@router.get("/queue", response_model=list[views.QueueEntry])
def queue(request: Request, user: AgentUser,
          platform: Annotated[list[str], Query(max_length=16)] = [],  # noqa: B006
          service: Annotated[list[str], Query(max_length=16)] = [],  # noqa: B006
          state: Annotated[list[str], Query(max_length=16)] = [],  # noqa: B006
          mine: bool = False, at_risk: bool = False, late: bool = False,
          limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Any:
    wanted = views.QueueFilter(
        states=tuple(state) or views.DEFAULT_STATES, platforms=tuple(platform),
        services=tuple(service), at_risk=at_risk, late=late, limit=limit,
        claimed_by=user.id if mine else None)
    return _call(lambda: views.queue(desk_of(request), wanted))


@router.get("/messages/{message_id}", response_model=views.MessageDetail)
def message(request: Request, message_id: RowId, user: AgentUser) -> Any:
    return _call(lambda: views.show(desk_of(request), message_id))


@router.post("/messages/{message_id}/claim", response_model=claims.Claim)
def claim(request: Request, message_id: RowId, user: AgentUser) -> Any:
    return _call(lambda: claims.claim(desk_of(request), message_id, user))


@router.post("/messages/{message_id}/release", response_model=claims.Claim)
def release(request: Request, message_id: RowId, user: AgentUser) -> Any:
    return _call(lambda: claims.release(desk_of(request), message_id, user))


@router.post("/messages/{message_id}/reply", response_model=actions.ReplyQueued)
def reply(request: Request, message_id: RowId, body: ReplyIn, user: AgentUser) -> Any:
    return _taken(request, message_id, user, lambda: actions.reply(
        desk_of(request), message_id, actor=user.username, template=body.template,
        text=body.text, private=body.private))


@router.post("/messages/{message_id}/escalate", response_model=actions.Escalated)
def escalate(request: Request, message_id: RowId, body: EscalateIn, user: AgentUser) -> Any:
    return _taken(request, message_id, user, lambda: actions.escalate(
        desk_of(request), message_id, actor=user.username, service_id=body.service,
        item_id=body.item))


@router.post("/messages/{message_id}/close", response_model=actions.Closed)
def close(request: Request, message_id: RowId, body: CloseIn, user: AgentUser) -> Any:
    return _taken(request, message_id, user, lambda: actions.close(
        desk_of(request), message_id, actor=user.username, note=body.note))


@router.get("/tickets", response_model=list[ticket_list.TicketRow])
def tickets(request: Request, user: AgentUser, unit: Annotated[str, Query(max_length=191)] = "",
            state: Annotated[list[str], Query(max_length=16)] = []) -> Any:  # noqa: B006
    return _call(lambda: ticket_list.tickets(
        desk_of(request), unit=unit, states=tuple(state) or ticket_list.OPEN))


@router.get("/tickets/{number}", response_model=views.TicketView)
def ticket(request: Request, number: str, user: AgentUser) -> Any:
    return _call(lambda: views.ticket_detail(desk_of(request), number))


@router.post("/tickets/{number}/state", response_model=views.TicketView)
def ticket_state(request: Request, number: str, body: TicketStateIn, user: AgentUser) -> Any:
    return _call(lambda: actions.set_ticket_state(
        desk_of(request), number, body.state, actor=user.username, note=body.note))


@router.get("/held", response_model=list[review.HeldReply])
def held_replies(request: Request, user: SupervisorUser) -> Any:
    return review.held(desk_of(request))


@router.post("/held/{reply_id}/approve", response_model=review.Reviewed)
def approve(request: Request, reply_id: RowId, body: ReviewIn, user: SupervisorUser) -> Any:
    return _call(lambda: held.approve(desk_of(request), reply_id, actor=user.username,
                                      reason=body.reason))


@router.post("/held/{reply_id}/discard", response_model=review.Reviewed)
def discard(request: Request, reply_id: RowId, body: ReviewIn, user: SupervisorUser) -> Any:
    return _call(lambda: held.discard(desk_of(request), reply_id, actor=user.username,
                                      reason=body.reason))


class EditIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    reason: str = Field(default="", max_length=500)


@router.post("/held/{reply_id}/edit", response_model=review.Reviewed)
def edit_held(request: Request, reply_id: RowId, body: EditIn, user: SupervisorUser) -> Any:
    return _call(lambda: held.edit(desk_of(request), reply_id, body.text, actor=user.username,
                                   reason=body.reason))
