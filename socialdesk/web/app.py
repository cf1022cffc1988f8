"""The console as one ASGI app: pages, JSON API, health and metrics, static files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from socialdesk.desk.context import Desk
from socialdesk.web import api, events, health, media, pages
from socialdesk.web.deps import NeedLogin, signed_in
from socialdesk.web.events import QueueHub
from socialdesk.web.i18n import DEFAULT_LOCALE, translations
from socialdesk.web.render import render
from socialdesk.web.security import HEADERS, HSTS, LoginLimiter
from socialdesk.web.webhooks import webhook_routes

# Found through the package, as an installed wheel lays it out.
STATIC = Path(str(files("socialdesk.web") / "static"))


def create_app(desk: Desk, *, secure_cookies: bool = False,
               limiter: LoginLimiter | None = None, refresh_seconds: int = 10,
               events_every: float = 1.0) -> FastAPI:
    """`secure_cookies`: the console is reached over HTTPS (directly or behind a proxy), so
    the session cookie is marked Secure and browsers are told to keep to HTTPS.
    `refresh_seconds`: how often an open queue page asks for its rows again when its event
    stream is down; `events_every`: how often the stream's watcher looks at the queue."""
    # No /docs pages: they load their script from a CDN; the schema itself is served.
    app = FastAPI(title="socialdesk console API", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json")
    app.state.desk = desk
    app.state.secure_cookies = secure_cookies
    app.state.limiter = limiter or LoginLimiter()
    app.state.refresh_seconds = refresh_seconds
    app.state.queue_hub = QueueHub(desk, every=events_every)
    app.state.metrics = health.metrics_registry(desk)

    @app.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    @app.exception_handler(NeedLogin)
    async def need_login(request: Request, exc: NeedLogin) -> Response:
        if request.method == "GET" and not request.url.path.startswith(
                ("/queue/rows", "/queue/events")):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"detail": "sign in first"}, status_code=401)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.headers.get("x-csrf-token"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=exc.headers)
        # The console's own refusals (deps.py) are message ids of the catalogue.
        signed = signed_in(request)
        words = translations(signed.user.locale if signed else DEFAULT_LOCALE).gettext
        return render(request, "error.html", signed, status_code=exc.status_code,
                      error=words(str(exc.detail)))

    app.include_router(pages.router)
    app.include_router(events.router)
    app.include_router(api.router)
    app.include_router(health.router)
    # Broadcast images, public: Instagram fetches them to publish (web.media).
    app.include_router(media.router)
    # Meta's webhook deliveries: public, each checked by its signature (web.webhooks).
    app.router.routes.extend(webhook_routes(desk))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
