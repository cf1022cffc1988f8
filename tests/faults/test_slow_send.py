"""Issue 13, point 2: a send whose answer trickles in is cut off well inside the outbox's
stale limit, on a loopback server that misbehaves on purpose."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from socialdesk.connectors.deadline import REQUEST_DEADLINE
from socialdesk.connectors.errors import RetryLater
from socialdesk.connectors.http import HttpClient, utc_now
from socialdesk.desk import outbox


class Trickle(BaseHTTPRequestHandler):
    """Answers 200 at once, then its body one byte every 0.2 s (inside any read timeout)."""

    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "200")
        self.end_headers()
        try:
            for _ in range(200):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up: what this test wants

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def trickle_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/reply"
    server.shutdown()
    server.server_close()


def test_it_cuts_off_a_trickling_answer_at_the_deadline(trickle_url: str) -> None:
    client = HttpClient(None, utc_now, "plain")
    client.deadline = 1.0
    started = time.monotonic()
    with pytest.raises(RetryLater, match="no complete answer within 1 s"):
        client.request("POST", trickle_url, json_body={"text": "halo"}, write=True)
    assert time.monotonic() - started < 5
    # The real deadline leaves the outbox's stale limit room to record the outcome.
    assert outbox.STALE_AFTER.total_seconds() / 2 >= REQUEST_DEADLINE
