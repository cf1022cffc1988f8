"""The Meta webhook receiver: `webhook_routes(desk)` gives the Starlette routes the console
mounts (`app.router.routes.extend(webhook_routes(desk))`).

GET  /webhooks/meta  Meta's subscription handshake: echo hub.challenge when hub.verify_token
                     is one of the accounts' `webhook_verify_token` secrets, else 403.
POST /webhooks/meta  A delivery. The body is read up to MAX_BODY bytes (413 beyond), its
                     X-Hub-Signature-256 checked against the accounts' `app_secret`s in
                     constant time (403 and nothing stored when it does not match), then
                     stored in one transaction through the polling intake and answered 200
                     at once; the workers triage it. Meta retries a delivery that is not
                     answered 200, and the unique key makes a retry harmless.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from functools import partial

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from socialdesk.app.webhooks import app_secrets, receive_meta, verify_tokens
from socialdesk.connectors.meta_webhooks import signature_ok
from socialdesk.desk.context import Desk

log = logging.getLogger(__name__)
OnStored = Callable[[tuple[tuple[str, str], ...]], None]
PATH = "/webhooks/meta"
# Meta's deliveries batch at most a few hundred small events; anything far larger is not
# from Meta and is refused before it is held in memory.
MAX_BODY = 1024 * 1024


class TooLarge(Exception):
    pass


async def _body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_routes(desk: Desk, *, max_body: int = MAX_BODY,
                   on_stored: OnStored | None = None) -> list[Route]:
    """The receiver's routes; `on_stored` hears which messages a delivery stored (the
    demo labels them as pushed)."""

    async def handshake(request: Request) -> Response:
        params = request.query_params
        token = params.get("hub.verify_token", "")
        tokens = await run_in_threadpool(verify_tokens, desk)
        if params.get("hub.mode") == "subscribe" and token and token in tokens:
            return PlainTextResponse(params.get("hub.challenge", ""))
        return PlainTextResponse("verify token does not match", status_code=403)

    async def deliver(request: Request) -> Response:
        try:
            body = await _body(request, max_body)
        except TooLarge:
            return PlainTextResponse("body too large", status_code=413)
        secrets = await run_in_threadpool(app_secrets, desk)
        if not signature_ok(body, request.headers.get("x-hub-signature-256"), secrets):
            log.warning("webhook delivery with a bad or missing signature refused")
            return PlainTextResponse("bad signature", status_code=403)
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return PlainTextResponse("body is not JSON", status_code=400)
        result = await run_in_threadpool(partial(receive_meta, on_stored=on_stored),
                                         desk, payload)
        log.info("webhook delivery: %s", result)
        return JSONResponse({"stored": result.stored, "duplicates": result.duplicates})

    return [Route(PATH, handshake, methods=["GET"]), Route(PATH, deliver, methods=["POST"])]


def serve_webhooks(desk: Desk, sock: socket.socket, *, on_stored: OnStored | None = None,
                   ) -> Callable[[], None]:
    """Serve the receiver alone on a bound socket, in a thread (the demo and the end-to-end
    tests; in production the console serves the routes). Returns once it accepts
    connections; the function it returns stops it."""
    import uvicorn  # only where the receiver runs on its own; the console has its own server

    config = uvicorn.Config(Starlette(routes=webhook_routes(desk, on_stored=on_stored)),
                            log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="webhook-receiver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.should_exit = True
        raise RuntimeError("the webhook receiver did not start")

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return stop
