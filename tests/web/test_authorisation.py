"""Every route × every role (and no session), asserted from one table. A route added to the
console without a row here fails `test_the_table_covers_every_route`."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from socialdesk.store.models import Account, Reply
from socialdesk.web import api, events, health, pages
from tests.web.conftest import Console

ROLES = (None, "agent", "supervisor", "admin")
WHO = {"agent": "ani", "supervisor": "sari", "admin": "adi"}
RANK = {None: 0, "agent": 1, "supervisor": 2, "admin": 3}

# (method, path, least role). None: open to anyone. {m} {r} {t}: a message, a held reply and
# a ticket made for the test.
TABLE: tuple[tuple[str, str, str | None], ...] = (
    ("GET", "/login", None),
    ("POST", "/login", None),
    ("GET", "/healthz", None),
    ("GET", "/metrics", None),
    ("GET", "/", None),
    ("POST", "/logout", "agent"),
    ("POST", "/me/language", "agent"),
    ("GET", "/queue", "agent"),
    ("GET", "/queue/rows", "agent"),
    ("GET", "/queue/events", "agent"),
    ("GET", "/next", "agent"),
    ("GET", "/messages/{m}", "agent"),
    ("GET", "/messages/{m}/replies", "agent"),
    ("POST", "/messages/{m}/claim", "agent"),
    ("POST", "/messages/{m}/release", "agent"),
    ("POST", "/messages/{m}/reply", "agent"),
    ("POST", "/messages/{m}/escalate", "agent"),
    ("POST", "/messages/{m}/close", "agent"),
    ("POST", "/messages/{m}/reveal", "agent"),
    ("POST", "/messages/{m}/reclassify", "agent"),
    ("POST", "/messages/{m}/draft", "agent"),
    ("GET", "/tickets", "agent"),
    ("GET", "/tickets/{t}", "agent"),
    ("POST", "/tickets/{t}/state", "agent"),
    ("GET", "/held", "supervisor"),
    ("POST", "/held/{r}/approve", "supervisor"),
    ("POST", "/held/{r}/edit", "supervisor"),
    ("POST", "/held/{r}/discard", "supervisor"),
    ("GET", "/accounts", "supervisor"),
    ("GET", "/sla", "supervisor"),
    ("GET", "/api/v1/queue", "agent"),
    ("GET", "/api/v1/messages/{m}", "agent"),
    ("POST", "/api/v1/messages/{m}/claim", "agent"),
    ("POST", "/api/v1/messages/{m}/release", "agent"),
    ("POST", "/api/v1/messages/{m}/reply", "agent"),
    ("POST", "/api/v1/messages/{m}/escalate", "agent"),
    ("POST", "/api/v1/messages/{m}/close", "agent"),
    ("GET", "/api/v1/tickets", "agent"),
    ("GET", "/api/v1/tickets/{t}", "agent"),
    ("POST", "/api/v1/tickets/{t}/state", "agent"),
    ("GET", "/api/v1/held", "supervisor"),
    ("POST", "/api/v1/held/{r}/approve", "supervisor"),
    ("POST", "/api/v1/held/{r}/edit", "supervisor"),
    ("POST", "/api/v1/held/{r}/discard", "supervisor"),
)
PLACEHOLDERS = {"message_id": "m", "reply_id": "r", "number": "t"}
JSON_BODIES = {"reply": {"template": "greeting"}, "escalate": {}, "close": {},
               "state": {"state": "in_progress"}, "approve": {"reason": "ok"},
               "discard": {"reason": "no"}, "edit": {"text": "Baik, kami cek dulu."}}


def test_the_table_covers_every_route() -> None:
    routes = set()
    for route in (*pages.router.routes, *api.router.routes, *health.router.routes,
                  *events.router.routes):
        if isinstance(route, APIRoute):
            path = route.path
            for name, short in PLACEHOLDERS.items():
                path = path.replace("{" + name + "}", "{" + short + "}")
            routes |= {(method, path) for method in route.methods}
    assert routes == {(method, path) for method, path, _ in TABLE}


def _fixtures(console: Console) -> dict[str, str]:
    message_id = console.message("min SP2D saya belum cair")
    with console.rig.session() as session, session.begin():
        account = session.scalars(select(Account).where(Account.name == "sb-x")).one()
        reply = Reply(idempotency_key="held:auth", message_id=message_id,
                      account_id=account.id, text="Baik, kami cek.", state="held",
                      reason="send may have reached the platform")
        session.add(reply)
        session.flush()
        reply_id = reply.id
    from socialdesk.app import actions

    item = sorted(console.rig.desk.catalog.items)[0]
    ticket = actions.escalate(console.rig.desk, message_id, actor="tests", item_id=item)
    return {"m": str(message_id), "r": str(reply_id), "t": ticket.ticket_number}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "nobody")
def test_each_route_allows_exactly_the_roles_of_the_table(console: Console,
                                                          role: str | None) -> None:
    values = _fixtures(console)
    console.app.state.queue_hub.lifetime = 0  # the event stream answers, then ends
    if role is None:
        client, csrf, token = console.client(), "", ""
    else:
        client, csrf = console.signed_in(WHO[role])
        token = console.token(WHO[role])
    wrong: list[str] = []
    for method, pattern, least in TABLE:
        if method == "POST" and pattern in ("/logout", "/login"):
            # Signing out ends the session the rest of the table needs (it is checked
            # below); signing in is open to anyone with the form's own token
            # (test_security checks that).
            continue
        path = pattern.format(**values)
        allowed = least is None or RANK[role] >= RANK[least]
        if path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            body = JSON_BODIES.get(path.rsplit("/", 1)[-1]) if method == "POST" else None
            answer = client.request(method, path, headers=headers, json=body)
            refused = answer.status_code in (401, 403)
        else:
            data = {"csrf": csrf} if method == "POST" else None
            answer = client.request(method, path, data=data)
            refused = answer.status_code in (401, 403) or (
                answer.status_code == 303 and answer.headers["location"] == "/login")
        if refused == allowed:
            wrong.append(f"{method} {path}: {answer.status_code} for {role}")
    out = client.post("/logout", data={"csrf": csrf})
    if role is None:
        assert out.status_code == 401
    else:
        assert out.status_code == 303 and client.get("/queue").headers["location"] == "/login"
    assert wrong == []
