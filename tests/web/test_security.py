"""Sessions, CSRF, headers, sign-in limits, hostile message texts, health and metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text

from socialdesk.app import auth, users
from socialdesk.desk.context import Desk
from socialdesk.store.db import make_engine
from socialdesk.store.models import AuditLog, Lease, LoginFailure, Reply
from socialdesk.web.app import create_app
from socialdesk.web.security import LoginLimiter
from tests.web.conftest import PASSWORD, Console

XSS = ('<script>alert(1)</script>', '<img src=x onerror=alert(2)>',
       '<a href="javascript:alert(3)">klik</a>', '{{ 7*7 }}')


def test_every_answer_carries_the_security_headers(console: Console) -> None:
    client = console.client()
    for path in ("/login", "/healthz", "/queue", "/static/console.js"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_the_session_cookie_is_httponly_and_strict(console: Console) -> None:
    answer = console.sign_in(console.client(), "ani", PASSWORD)
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain HTTP on the office machine; --https adds it


def test_behind_https_the_cookie_is_secure_and_hsts_is_sent(console: Console) -> None:
    from fastapi.testclient import TestClient

    from socialdesk.web.app import create_app

    with TestClient(create_app(console.rig.desk, secure_cookies=True),
                    base_url="https://testserver", follow_redirects=False) as client:
        answer = console.sign_in(client, "ani", PASSWORD)
        assert "secure" in answer.headers["set-cookie"].lower()
        assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_a_form_without_the_sessions_csrf_token_is_refused(console: Console) -> None:
    message_id = console.message("halo min")
    client, csrf = console.signed_in("ani")
    assert client.post(f"/messages/{message_id}/close", data={}).status_code == 403
    assert client.post(f"/messages/{message_id}/close",
                       data={"csrf": csrf[:-2] + "xx"}).status_code == 403
    _other, other_csrf = console.signed_in("budi")
    assert client.post(f"/messages/{message_id}/close",
                       data={"csrf": other_csrf}).status_code == 403
    with console.rig.session() as session:
        assert session.scalars(select(AuditLog).where(AuditLog.action == "close")).all() == []


def test_a_sign_in_posted_without_the_forms_token_is_refused(console: Console) -> None:
    client = console.client()
    forged = client.post("/login", data={"username": "ani", "password": PASSWORD})
    assert forged.status_code == 403 and "sd_session" not in client.cookies
    client.get("/login")
    wrong_token = client.post("/login", data={"username": "ani", "password": PASSWORD,
                                              "csrf": "not-the-token"})
    assert wrong_token.status_code == 403
    assert console.sign_in(client, "ani", PASSWORD).status_code == 303


def test_sign_in_attempts_are_limited_per_user_and_per_address(console: Console) -> None:
    console.app.state.limiter = LoginLimiter(attempts=3, window=900)
    client = console.client()
    for _ in range(3):
        assert console.sign_in(client, "ani", "bukan-sandinya").status_code == 401
    # Now even the right password waits: the name is locked for the window.
    locked = console.sign_in(client, "ani", PASSWORD)
    assert locked.status_code == 429
    # The same address trying other names is stopped too.
    assert console.sign_in(client, "budi", PASSWORD).status_code == 429


def test_the_sign_in_limit_forgets_failures_after_its_window(console: Console) -> None:
    desk, limiter = console.rig.desk, LoginLimiter(attempts=2, window=60)
    for n in range(200):
        limiter.failed(desk, f"sprayed{n}", "10.0.0.9")
    assert limiter.blocked(desk, "anyone", "10.0.0.9")
    assert not limiter.blocked(desk, "anyone", "10.0.0.8")
    console.rig.clock.advance(timedelta(seconds=61))
    limiter.failed(desk, "ani", "10.0.0.7")
    with console.rig.session() as session:
        kept = session.scalars(select(LoginFailure.key)).all()
    assert sorted(kept) == ["addr:10.0.0.7", "user:ani"]  # the sprayed names are gone
    assert not limiter.blocked(desk, "sprayed1", "10.0.0.9")


def _own_engine(engine: Engine) -> Engine:
    """An engine with its own connections to the same database, as another process has."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return make_engine(url)
    with engine.connect() as conn:
        path = conn.execute(text("SHOW search_path")).scalar_one()
    return make_engine(url, connect_args={"options": f"-csearch_path={path}"})


def test_the_sign_in_limit_holds_across_web_processes(console: Console) -> None:
    """Two console processes on one database: guesses spread over both are counted once."""
    rig = console.rig
    other_desk = Desk.from_settings(rig.settings, now=rig.clock,
                                    engine=_own_engine(rig.desk.engine), worker_id="web:2")
    limit = LoginLimiter(attempts=4, window=900)
    console.app.state.limiter = limit
    other = Console(rig, create_app(other_desk, limiter=LoginLimiter(attempts=4, window=900)))
    try:
        first, second = console.client(), other.client()
        for client in (first, second, first, second):
            assert console.sign_in(client, "ani", "bukan-sandinya").status_code == 401
        assert console.sign_in(second, "ani", PASSWORD).status_code == 429
        assert console.sign_in(first, "ani", PASSWORD).status_code == 429
    finally:
        for client in other.clients:
            client.close()
        other_desk.engine.dispose()


def test_a_disabled_user_or_a_new_password_ends_the_sessions(console: Console) -> None:
    ani, _ = console.signed_in("ani")
    budi, _ = console.signed_in("budi")
    token = console.token("budi")
    users.set_password(console.rig.desk, "ani", "sandi-baru-yang-panjang", actor="adi")
    assert ani.get("/queue").headers["location"] == "/login"
    users.disable_user(console.rig.desk, "budi", actor="adi")
    assert budi.get("/queue").headers["location"] == "/login"
    assert budi.get("/api/v1/queue", headers={"Authorization": f"Bearer {token}"}
                    ).status_code == 401
    again = console.sign_in(console.client(), "budi", PASSWORD)
    assert again.status_code == 401


def test_a_revoked_api_token_stops_at_once(console: Console) -> None:
    issued = auth.issue_token(console.rig.desk, "ani", "script", actor="adi")
    client = console.client()
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert client.get("/api/v1/queue", headers=headers).status_code == 200
    auth.revoke_token(console.rig.desk, issued.id, actor="adi")
    assert client.get("/api/v1/queue", headers=headers).status_code == 401


@pytest.mark.parametrize("payload", XSS)
def test_hostile_message_texts_are_shown_as_text(console: Console, payload: str) -> None:
    message_id = console.message(f"halo {payload} min", author="<b>penyerang</b>")
    client, _ = console.signed_in("ani")
    for page in (client.get("/queue").text, client.get(f"/messages/{message_id}").text):
        assert payload not in page or payload == "{{ 7*7 }}"
        assert "<script>alert" not in page and "<img src=x" not in page
        assert 'href="javascript:' not in page and "<b>penyerang" not in page
        assert "&lt;" in page or payload == "{{ 7*7 }}"
        assert ">49<" not in page and " 49 " not in page  # never evaluated as a template
    api = client.get(f"/api/v1/messages/{message_id}",
                     headers={"Authorization": f"Bearer {console.token('ani')}"})
    assert api.headers["content-type"].startswith("application/json")
    assert payload in api.json()["text"]


def test_healthz_tells_database_leader_and_accounts(console: Console) -> None:
    from socialdesk.runtime.leader import Leadership

    client = console.client()
    body = client.get("/healthz").json()
    assert body["database"] is True and body["leader"] is False
    assert body["status"] == "degraded"
    assert {a["name"] for a in body["accounts"]} == {"sb-x", "sb-ig", "sb-fb", "sb-yt"}
    leader = Leadership(console.rig.desk.engine, "web-test")
    if console.rig.desk.engine.dialect.name == "sqlite":
        # The lease a daemon keeps, by the wall clock (the desk's clock is simulated).
        with console.rig.session() as session, session.begin():
            session.add(Lease(name="poller", holder="daemon:1",
                              expires_at=datetime.now(UTC) + timedelta(seconds=30)))
    else:
        assert leader.refresh()  # the advisory lock, held on its own connection
    try:
        answer = client.get("/healthz").json()
        assert answer["leader"] is True and answer["status"] == "ok"
    finally:
        leader.release()


def test_metrics_serve_the_desk_gauges(console: Console) -> None:
    console.message("halo min")
    text = console.client().get("/metrics").text
    assert 'socialdesk_messages{platform="x",state="new"} 1.0' in text


def test_the_openapi_schema_lists_the_api_and_no_page(console: Console) -> None:
    schema = console.client().get("/api/openapi.json").json()
    assert "/api/v1/queue" in schema["paths"]
    assert not [p for p in schema["paths"] if not p.startswith("/api/")]
    assert console.client().get("/docs").status_code == 404


def test_no_held_reply_is_lost_when_a_reply_is_refused(console: Console) -> None:
    message_id = console.message("halo")
    client, csrf = console.signed_in("ani")
    client.post(f"/messages/{message_id}/reply", data={"csrf": csrf, "text": "   "})
    with console.rig.session() as session:
        assert session.scalars(select(Reply)).all() == []


def test_the_webhook_receiver_is_mounted_and_refuses_unsigned_deliveries(
        console: Console) -> None:
    client = console.client()
    answer = client.post("/webhooks/meta", content=b'{"object": "page", "entry": []}',
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 403
    handshake = client.get("/webhooks/meta", params={"hub.mode": "subscribe",
                                                     "hub.verify_token": "guess",
                                                     "hub.challenge": "42"})
    assert handshake.status_code == 403
