"""Shared test support: recorded payloads, accounts with secrets, a settable clock."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from socialdesk.core.settings import AccountConfig, secret_env_name

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def interaction(relative: str, index: int = 0) -> dict[str, Any]:
    """One recorded request/response of a decoded tweepy cassette."""
    return load(relative)[index]  # type: ignore[no-any-return]


def headers_of(recorded: Mapping[str, Any]) -> dict[str, str]:
    """Response headers of a cassette interaction, minus those `responses` sets itself."""
    skip = {"content-encoding", "content-length", "set-cookie", "transfer-encoding"}
    return {k: v[0] for k, v in recorded["response"]["headers"].items() if k.lower() not in skip}


class FixedClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.value = start or datetime(2026, 3, 17, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.value

    def advance(self, **delta: float) -> None:
        self.value += timedelta(**delta)


def account(platform: str, name: str = "acct", *, secrets: Mapping[str, str] | None = None,
            streams: tuple[str, ...] = (), handle: str = "haiDJPb",
            **options: Any) -> AccountConfig:
    environ = {secret_env_name(name, key): value for key, value in (secrets or {}).items()}
    return AccountConfig(name=name, platform=platform, handle=handle, streams=streams,
                         options=options, environ=environ)


X_SECRETS = {"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at",
             "access_token_secret": "ats"}
YT_SECRETS = {"client_id": "cid", "client_secret": "csec", "refresh_token": "rt",
              "api_key": "key"}
