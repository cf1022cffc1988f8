"""`socialdesk web`: the agents' console (what systemd/socialdesk-web.service starts)."""

from __future__ import annotations

import argparse
from typing import Any

from socialdesk.cli.common import UsageError, open_desk


def register(sub: Any) -> None:
    web = sub.add_parser(
        "web", help="serve the agents' console (default http://127.0.0.1:8080)",
        description="Serves the console pages, the JSON API (/api/v1, schema at "
                    "/api/openapi.json), /healthz and /metrics. Sign-in needs a user: "
                    "`socialdesk user add NAME --role agent`.")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on")
    web.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    web.add_argument("--https", action="store_true",
                     help="the console is reached over HTTPS (behind the site's proxy): "
                          "mark the session cookie Secure and send HSTS")
    web.set_defaults(func=cmd_web)


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from socialdesk.web.app import create_app

    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be 1 to 65535, got {args.port}")
    with open_desk(args) as desk:
        app = create_app(desk, secure_cookies=args.https)
        # The proxy's X-Forwarded-For is trusted only from this host (the rate limit's address).
        uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True,
                    forwarded_allow_ips="127.0.0.1", log_level="warning")
    return 0
