"""The queue's server-sent events: an open queue page hears of a change within a second or
two instead of at its next poll, keeps the agent's place, and polls again when the stream
is refused."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from socialdesk.app import claims, users
from socialdesk.app.queue_signal import queue_fingerprint
from socialdesk.web.app import create_app
from tests.web.conftest import PASSWORD, Console
from tests.web.test_browser import CHROMIUM, Watch, _free_port, _page, _sign_in
from tests.web.test_browser import browser as browser  # the fixture, shared

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="needs Debian's chromium at /usr/bin/chromium")


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the console did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _cookie(console: Console, base: str) -> dict[str, str]:
    client, _ = console.signed_in("ani")
    return {"sd_session": client.cookies["sd_session"]}


def test_the_queue_fingerprint_moves_with_arrivals_claims_and_the_minute(
        console: Console) -> None:
    desk = console.rig.desk
    message_id = console.message("min SP2D kami belum cair")
    before = queue_fingerprint(desk)
    assert queue_fingerprint(desk) == before  # nothing happened, nothing to tell
    ani = users.authenticate(desk, "ani", PASSWORD)
    assert ani is not None
    claims.claim(desk, message_id, ani)
    claimed = queue_fingerprint(desk)
    assert claimed != before
    console.message("halo min", author="warga_lain")
    arrived = queue_fingerprint(desk)
    assert arrived != claimed
    console.rig.clock.advance(timedelta(seconds=61))
    assert queue_fingerprint(desk) != arrived  # the clocks on the page move on


def test_a_new_message_is_pushed_to_an_open_stream(console: Console) -> None:
    app = create_app(console.rig.desk, events_every=0.1)
    with _serving(app) as base, httpx.Client(base_url=base, timeout=10,
                                             cookies=_cookie(console, base)) as client, \
            client.stream("GET", "/queue/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        time.sleep(0.5)  # the watcher has read the queue as it was
        started = time.monotonic()
        console.message("halo min, ada yang bisa bantu?", author="warga_sse")
        assert next(line for line in lines if line) == "event: queue"
        assert time.monotonic() - started < 3


def test_the_stream_is_refused_without_a_session(console: Console) -> None:
    app = create_app(console.rig.desk)
    with _serving(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        answer = client.get("/queue/events")
        assert answer.status_code == 401


def _open_queue(browser: Any, base: str, watch: Watch) -> Any:
    page = _page(browser, base, watch)
    _sign_in(page, "ani")
    page.keyboard.press("j")
    return page


@needs_chromium
def test_the_queue_page_shows_a_new_message_by_its_event_and_keeps_the_selection(
        console: Console, browser: Any) -> None:
    first = console.message("min SP2D kami belum cair", author="warga_satu", minutes=95)
    # Polling once a minute: only the event can bring the new row within seconds.
    app = create_app(console.rig.desk, refresh_seconds=60, events_every=0.2)
    with _serving(app) as base:
        watch = Watch(base)
        page = _open_queue(browser, base, watch)
        assert page.locator("tr.selected").get_attribute("data-id") == str(first)
        page.wait_for_function("document.querySelector('table.queue').dataset.live === 'events'")
        time.sleep(1.0)  # the stream is open and its watcher has read the queue
        late = console.message("permisi min, mau tanya", author="warga_dua", minutes=96)
        page.locator(f"tr[data-id='{late}']").wait_for(timeout=5000)
        assert page.locator("tr.selected").get_attribute("data-id") == str(first)
        assert watch.dialogs == [] and watch.elsewhere == []


@needs_chromium
def test_the_queue_page_polls_when_its_event_stream_is_refused(
        console: Console, browser: Any) -> None:
    first = console.message("min SP2D kami belum cair", author="warga_satu", minutes=95)
    app = create_app(console.rig.desk, refresh_seconds=1, events_every=0.2)
    with _serving(app) as base:
        watch = Watch(base)
        page = _page(browser, base, watch)
        page.route(re.compile(r".*/queue/events$"), lambda route: route.fulfill(
            status=502, body="bad gateway", content_type="text/plain"))
        _sign_in(page, "ani")
        page.keyboard.press("j")
        late = console.message("permisi min, mau tanya", author="warga_dua", minutes=96)
        page.locator(f"tr[data-id='{late}']").wait_for(timeout=8000)
        assert page.locator("tr.selected").get_attribute("data-id") == str(first)
