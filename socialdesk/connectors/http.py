"""The HTTP boundary shared by every connector: bounded reads, JSON parsing, and the one
table that turns a status code, headers and an error body into the error tree.

Each platform speaks its own error dialect (Meta's `error.code`, Google's
`error.errors[].reason`, X's problem documents), but the decision lives here, in one place,
so that the same 429 or revoked token means the same thing on every platform.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import requests

from socialdesk.connectors.deadline import REQUEST_DEADLINE, deadline
from socialdesk.connectors.errors import ConnectorError, Gone, Permanent, Rejected, RetryLater
from socialdesk.core.textsafe import clean_json

log = logging.getLogger(__name__)

Dialect = Literal["meta", "google", "x", "plain"]
Clock = Callable[[], datetime]

MAX_BODY_BYTES = 4 * 1024 * 1024
TIMEOUT = (5.0, 30.0)
# Meta asks callers to back off once any usage figure nears 100 %.
META_USAGE_CEILING = 95
META_DEFAULT_WAIT = timedelta(minutes=10)
PACIFIC = ZoneInfo("America/Los_Angeles")

META_TOKEN_CODES = frozenset({102, 190})
META_RATE_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80001, 80015))
META_TEMPORARY_CODES = frozenset({1, 2})
# Messenger: outside the messaging window, or the person cannot be messaged.
META_WINDOW_SUBCODES = frozenset({2018278, 2018108, 1545041})
# Code 100 with subcode 33: "object with ID ... does not exist, cannot be loaded due to
# missing permissions, or does not support this operation": one object, not the account.
META_MISSING_OBJECT_SUBCODES = frozenset({33})
GOOGLE_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
GOOGLE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# One comment or thread is gone (deleted, or on a video now private).
GOOGLE_GONE_REASONS = frozenset({"commentNotFound", "commentThreadNotFound", "parentNotFound",
                                 "videoNotFound"})
# Refusals of one write to one comment (comments disabled, the comment cannot be moderated
# or answered); on a write they concern that comment, not the channel's authorisation.
GOOGLE_ONE_WRITE_REASONS = frozenset({"forbidden", "commentsDisabled", "ineligibleAccount",
                                      "operationNotSupported", "processingFailure"})
GOOGLE_ACCOUNT_REASONS = frozenset({
    "forbidden", "insufficientPermissions", "keyInvalid", "authError",
    "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "accountDisabled", "youtubeSignupRequired",
})
X_TOKEN_CODES = frozenset({32, 89, 215, 326})


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    headers: Mapping[str, str]
    body: Any


def next_pacific_midnight(now: datetime) -> datetime:
    """When YouTube's daily quota resets."""
    local = now.astimezone(PACIFIC)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)


def _json_field(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def meta_usage(headers: Mapping[str, str]) -> tuple[float, int]:
    """Highest usage percentage in Meta's usage headers, and minutes until access returns."""
    top, regain = 0.0, 0
    blocks: list[Mapping[str, Any]] = []
    for name in ("x-app-usage", "x-page-usage", "x-ad-account-usage"):
        value = _json_field(headers, name)
        if isinstance(value, Mapping):
            blocks.append(value)
    business = _json_field(headers, "x-business-use-case-usage")
    if isinstance(business, Mapping):
        for entries in business.values():
            if isinstance(entries, list):
                blocks.extend(e for e in entries if isinstance(e, Mapping))
    for block in blocks:
        for key in ("call_count", "total_time", "total_cputime"):
            value = block.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                top = max(top, float(value))
        wait = block.get("estimated_time_to_regain_access")
        if isinstance(wait, int) and not isinstance(wait, bool):
            regain = max(regain, wait)
    return top, regain


def retry_time(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When the platform says to come back: Retry-After, x-rate-limit-reset or Meta usage."""
    after = headers.get("retry-after", "").strip()
    if after.isdigit():
        return now + timedelta(seconds=int(after))
    if after:
        try:
            when = parsedate_to_datetime(after)
        except (TypeError, ValueError):
            when = None
        if when is not None and when.tzinfo is not None:
            return when.astimezone(UTC)
    reset = headers.get("x-rate-limit-reset", "").strip()
    if reset.isdigit():
        return datetime.fromtimestamp(int(reset), UTC)
    usage, regain = meta_usage(headers)
    if regain:
        return now + timedelta(minutes=regain)
    if usage >= 100:
        return now + META_DEFAULT_WAIT
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _meta(status: int, headers: Mapping[str, str], body: Any, now: datetime,
          write: bool) -> ConnectorError | None:
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping) or not isinstance(error.get("code"), int):
        return None
    code, sub = error["code"], error.get("error_subcode")
    message = _text(error.get("message"))[:300]
    label = f"Meta error {code}" + (f"/{sub}" if isinstance(sub, int) else "")
    if sub in META_WINDOW_SUBCODES:
        return Rejected(f"{label}: outside the messaging window ({message})")
    if code == 100 and sub in META_MISSING_OBJECT_SUBCODES:
        return Gone(f"{label}: object deleted or out of reach ({message})")
    if code in META_TOKEN_CODES:
        return Permanent(f"{label}: access token expired or revoked ({message})")
    if code == 10 or 200 <= code <= 299:
        return Permanent(f"{label}: missing permission ({message})")
    if code in META_RATE_CODES:
        when = retry_time(headers, now) or now + META_DEFAULT_WAIT
        return RetryLater(f"{label}: rate limited ({message})", when)
    if code in META_TEMPORARY_CODES:
        return RetryLater(f"{label}: temporary ({message})", retry_time(headers, now))
    if code == 368:
        return Permanent(f"{label}: blocked by Meta for policy reasons ({message})")
    if write:
        return Rejected(f"{label}: {message}")
    if status >= 500:
        return None
    return Permanent(f"{label}: {message}")


def _google(status: int, body: Any, now: datetime, write: bool) -> ConnectorError | None:
    error = body.get("error") if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return None
    entries = error.get("errors")
    reasons = [
        _text(e.get("reason")) for e in entries if isinstance(e, Mapping)
    ] if isinstance(entries, list) else []
    reasons.append(_text(error.get("status")))
    message = _text(error.get("message"))[:300]
    label = f"YouTube {status} {'/'.join(r for r in reasons if r)}"
    if GOOGLE_QUOTA_REASONS.intersection(reasons):
        return RetryLater(f"{label}: daily quota used up", next_pacific_midnight(now))
    if GOOGLE_RATE_REASONS.intersection(reasons):
        return RetryLater(f"{label}: rate limited", now + timedelta(minutes=1))
    if GOOGLE_GONE_REASONS.intersection(reasons):
        return Gone(f"{label}: {message or 'comment not found'}")
    if write and GOOGLE_ONE_WRITE_REASONS.intersection(reasons):
        return Rejected(f"{label}: {message or 'this comment cannot be answered'}")
    if GOOGLE_ACCOUNT_REASONS.intersection(reasons) or "PERMISSION_DENIED" in reasons:
        return Permanent(f"{label}: {message or 'permission denied'}")
    return None


def _x(body: Any) -> ConnectorError | None:
    entries = body.get("errors") if isinstance(body, Mapping) else None
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, Mapping) and entry.get("code") in X_TOKEN_CODES:
                return Permanent(f"X error {entry['code']}: {_text(entry.get('message'))}")
    return None


def _describe(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("detail", "title", "message", "error_description"):
            if isinstance(body.get(key), str):
                return str(body[key])[:300]
        error = body.get("error")
        if isinstance(error, Mapping) and isinstance(error.get("message"), str):
            return str(error["message"])[:300]
        if isinstance(error, str):
            return error[:300]
    return ""


def classify(status: int, headers: Mapping[str, str], body: Any, *, dialect: Dialect,
             now: datetime, write: bool = False) -> ConnectorError:
    """The error a non-2xx response means. `write` marks sends, where a refusal of the
    request (not of the account) is Rejected rather than Permanent."""
    found: ConnectorError | None = None
    if dialect == "meta":
        found = _meta(status, headers, body, now, write)
    elif dialect == "google":
        found = _google(status, body, now, write)
    elif dialect == "x":
        found = _x(body)
    if found is not None:
        return found
    detail = _describe(body)
    suffix = f": {detail}" if detail else ""
    if status == 429 or status in (408, 425) or status >= 500:
        return RetryLater(f"HTTP {status}{suffix}", retry_time(headers, now))
    if status == 401:
        return Permanent(f"HTTP 401: credentials rejected{suffix}")
    if status in (404, 410):
        if write:
            return Rejected(f"HTTP {status}: target not found{suffix}")
        return Permanent(f"HTTP {status}: not found, the account or page may be gone{suffix}")
    if write:
        return Rejected(f"HTTP {status}{suffix}")
    return Permanent(f"HTTP {status}{suffix}")


def read_limited(response: requests.Response, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refusing to hold more than `limit` bytes of it."""
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if size > limit:
                # The query string may carry an access token: name the path only.
                where = str(response.url).split("?")[0]
                raise RetryLater(f"response larger than {limit} bytes from {where}")
            chunks.append(chunk)
    except requests.RequestException as exc:
        raise RetryLater(f"response body broken off ({type(exc).__name__})") from None
    return b"".join(chunks)


def parse_json(content: bytes, where: str) -> Any:
    """JSON from a body; anything else (an HTML error page, a cut-off body) is RetryLater."""
    if not content.strip():
        return None
    try:
        # Platform text is made storable here, at the boundary: a lone surrogate escape
        # ("\ud83d") would otherwise fail the whole page when it is written.
        return clean_json(json.loads(content))
    except (ValueError, UnicodeDecodeError):
        snippet = content[:60].decode("utf-8", "replace").strip().replace("\n", " ")
        raise RetryLater(f"unreadable response from {where}: {snippet!r}") from None


def response_error(response: requests.Response, *, dialect: Dialect, now: datetime,
                   write: bool) -> ConnectorError:
    """Classify a response that an SDK (tweepy) has already read."""
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):
        body = None
    return classify(response.status_code, response.headers, body, dialect=dialect, now=now,
                    write=write)


class HttpClient:
    """requests with timeouts, a body cap, JSON bodies and classified errors.

    After a response whose Meta usage headers pass the ceiling, calls are refused with
    RetryLater until the platform's own estimate of when access returns.
    """

    def __init__(self, session: requests.Session | None, now: Clock, dialect: Dialect,
                 *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.session = session or requests.Session()
        self.now = now
        self.dialect: Dialect = dialect
        self.max_bytes = max_bytes
        self.throttle_until: datetime | None = None
        self.deadline = REQUEST_DEADLINE  # seconds for a whole exchange, body included
        # Told each usage percentage Meta reports, to keep the day's peak in the ledger.
        self.on_usage: Callable[[float], None] | None = None

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                data: Mapping[str, Any] | None = None, json_body: Any = None,
                headers: Mapping[str, str] | None = None, write: bool = False) -> HttpReply:
        now = self.now()
        if self.throttle_until is not None and now < self.throttle_until:
            raise RetryLater("platform usage near its limit", self.throttle_until)
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, params=params, data=data, json=json_body,
                headers=dict(headers or {}), timeout=TIMEOUT, stream=True,
            )
        except requests.Timeout:
            raise RetryLater(f"timed out: {method} {url}") from None
        except requests.RequestException as exc:
            raise RetryLater(f"connection failed: {method} {url} ({type(exc).__name__})") from None
        with response, deadline(response, started + self.deadline - time.monotonic()) as watch:
            try:
                content = read_limited(response, self.max_bytes)
            finally:
                if watch.expired:
                    # Whatever was read is not the whole answer; the send may have landed.
                    raise RetryLater(f"no complete answer within {self.deadline:.0f} s: "
                                     f"{method} {url.split('?')[0]}") from None
        self._note_usage(response.headers)
        ok = 200 <= response.status_code < 300
        try:
            body = parse_json(content, url.split("?")[0])
        except RetryLater:
            if ok:
                raise
            body = None
        if not ok:
            raise classify(response.status_code, response.headers, body, dialect=self.dialect,
                           now=self.now(), write=write)
        return HttpReply(response.status_code, response.headers, body)

    def _note_usage(self, headers: Mapping[str, str]) -> None:
        if self.dialect != "meta":
            return
        usage, regain = meta_usage(headers)
        if usage and self.on_usage is not None:
            self.on_usage(usage)
        if regain or usage >= META_USAGE_CEILING:
            wait = timedelta(minutes=regain) if regain else META_DEFAULT_WAIT
            self.throttle_until = self.now() + wait
            log.warning("Meta usage at %.0f%%: pausing calls for %s", usage, wait)
