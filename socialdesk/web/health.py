"""/healthz for the load balancer and monitoring, /metrics for Prometheus (the same desk
gauges `socialdesk run --metrics-port` serves, read from the database at each scrape)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from socialdesk.app import digest_send
from socialdesk.desk.context import Desk
from socialdesk.runtime.leader import LOCK_KEY
from socialdesk.runtime.metrics import DeskState
from socialdesk.store.db import is_postgres
from socialdesk.store.models import Account, Lease
from socialdesk.web.deps import desk_of

router = APIRouter(include_in_schema=False)

# The advisory lock the poll leader holds on PostgreSQL, as pg_locks shows a bigint key.
_PG_LEADER = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
    "((classid::bigint << 32) | objid::bigint) = (:key # hashtext(current_schema())::bigint))")


def _leader_alive(desk: Desk) -> bool:
    with desk.engine.connect() as conn:
        if is_postgres(desk.engine):
            return bool(conn.execute(_PG_LEADER, {"key": LOCK_KEY}).scalar())
        expires = conn.execute(select(Lease.expires_at).where(Lease.name == "poller")).scalar()
        # The lease is kept by the wall clock (runtime.leader), whatever clock the desk runs.
        return expires is not None and expires > datetime.now(UTC)


@router.get("/healthz")
def healthz(request: Request) -> Response:
    """200 while the database answers ("degraded" if no scheduler leads); 503 when it does
    not. Account errors are reported, not failed on: one platform down is not the desk."""
    desk = desk_of(request)
    try:
        leader = _leader_alive(desk)
        with desk.sessions() as session:
            accounts = [{"name": a.name, "platform": a.platform, "enabled": a.enabled,
                         "last_poll_at": a.last_poll_at.isoformat() if a.last_poll_at else None,
                         "last_error": a.last_error}
                        for a in session.scalars(select(Account).order_by(Account.name))]
        # A digest that could not be sent shows here, not only in the log.
        digest = digest_send.health(desk)
    except SQLAlchemyError:
        return JSONResponse({"status": "down", "database": False}, status_code=503)
    body: dict[str, Any] = {"status": "ok" if leader else "degraded", "database": True,
                            "leader": leader, "accounts": accounts, "digest": digest}
    return JSONResponse(body)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def metrics_registry(desk: Desk) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(DeskState(desk))
    return registry
