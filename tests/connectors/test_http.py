"""The one classification table, and bad bodies at the HTTP boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses

from socialdesk.connectors.errors import Gone, Permanent, Rejected, RetryLater
from socialdesk.connectors.http import (
    HttpClient,
    classify,
    meta_usage,
    next_pacific_midnight,
    retry_time,
)

from .support import FixedClock, load

NOW = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
URL = "https://api.example.test/v1/things"


def meta_error(code: int, sub: int | None = None, message: str = "x") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if sub is not None:
        error["error_subcode"] = sub
    return {"error": error}


def google_error(status: int, reason: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": reason,
                      "errors": [{"reason": reason, "domain": "youtube.quota"}]}}


TABLE: list[tuple[str, int, Any, str, bool, type[Exception]]] = [
    ("plain", 429, None, "plain", False, RetryLater),
    ("plain", 500, None, "plain", False, RetryLater),
    ("plain", 503, None, "plain", True, RetryLater),
    ("plain", 408, None, "plain", False, RetryLater),
    ("plain", 401, None, "plain", False, Permanent),
    ("plain", 401, None, "plain", True, Permanent),
    ("plain", 403, None, "plain", False, Permanent),
    ("plain", 403, None, "plain", True, Rejected),
    ("plain", 404, None, "plain", False, Permanent),
    ("plain", 404, None, "plain", True, Rejected),
    ("plain", 400, None, "plain", True, Rejected),
    ("meta recorded 100 permission", 400, "facebook/python-facebook/error.json", "meta", False,
     Permanent),
    # Code 100 is decided by code and subcode, not by the word "permission" in its text:
    # a send to an object the token cannot load fails alone.
    ("meta recorded 100 missing object on a send", 400,
     "facebook/python-facebook/base/error_data.json", "meta", True, Rejected),
    ("meta 100/33 on a read", 400, meta_error(100, 33, "cannot be loaded due to missing "
                                              "permissions"), "meta", False, Gone),
    ("meta 100/33 on a send", 400, meta_error(100, 33, "missing permissions"), "meta", True,
     Gone),
    ("meta 190", 400, meta_error(190, 463), "meta", False, Permanent),
    ("meta 190 on a send", 400, meta_error(190), "meta", True, Permanent),
    ("meta 10", 403, meta_error(10), "meta", False, Permanent),
    ("meta 200", 403, meta_error(200), "meta", True, Permanent),
    ("meta 4", 400, meta_error(4), "meta", False, RetryLater),
    ("meta 17", 400, meta_error(17), "meta", False, RetryLater),
    ("meta 32", 400, meta_error(32), "meta", True, RetryLater),
    ("meta 613", 400, meta_error(613), "meta", False, RetryLater),
    ("meta 80002", 400, meta_error(80002), "meta", False, RetryLater),
    ("meta 368", 400, meta_error(368), "meta", True, Permanent),
    ("meta 2 temporary", 500, meta_error(2), "meta", False, RetryLater),
    ("messenger window", 400, meta_error(10, 2018278), "meta", True, Rejected),
    ("meta 100 on a deleted comment", 400, meta_error(100, 33, "does not exist"), "meta", True,
     Gone),
    ("google recorded 403", 403, "youtube/python-youtube/error_permission_resp.json", "google",
     False, Permanent),
    ("google recorded keyInvalid", 400, "youtube/python-youtube/error_response.json", "google",
     False, Permanent),
    ("google quota", 403, google_error(403, "quotaExceeded"), "google", False, RetryLater),
    ("google rate", 403, google_error(403, "rateLimitExceeded"), "google", True, RetryLater),
    ("google forbidden on one comment", 403, google_error(403, "forbidden"), "google", True,
     Rejected),
    ("google forbidden listing", 403, google_error(403, "forbidden"), "google", False, Permanent),
    ("google comment deleted", 404, google_error(404, "commentNotFound"), "google", False, Gone),
    ("google comment deleted on a send", 404, google_error(404, "commentNotFound"), "google",
     True, Gone),
    ("google comments disabled", 403, google_error(403, "commentsDisabled"), "google", True,
     Rejected),
    ("x recorded invalid request", 400, "twitter/python-twitter/delete_error.json", "x", False,
     Permanent),
    ("x recorded invalid request on a send", 400, "twitter/python-twitter/delete_error.json", "x",
     True, Rejected),
    ("x v1 code 32", 401, {"errors": [{"code": 32, "message": "Could not authenticate you."}]},
     "x", False, Permanent),
    ("x forbidden reply", 403, {"title": "Forbidden", "detail": "You are not allowed to reply"},
     "x", True, Rejected),
]


@pytest.mark.parametrize(("label", "status", "body", "dialect", "write", "expected"), TABLE,
                         ids=[f"{r[0]}-{r[1]}-{'write' if r[4] else 'read'}" for r in TABLE])
def test_it_classifies_status_and_body(label: str, status: int, body: Any, dialect: Any,
                                       write: bool, expected: type[Exception]) -> None:
    parsed = load(body) if isinstance(body, str) else body
    error = classify(status, {}, parsed, dialect=dialect, now=NOW, write=write)
    assert type(error) is expected
    assert error.reason


def test_it_takes_retry_time_from_each_header_kind() -> None:
    assert retry_time({"retry-after": "30"}, NOW) == NOW + timedelta(seconds=30)
    assert retry_time({"retry-after": "Tue, 17 Mar 2026 02:05:00 GMT"}, NOW) == \
        NOW + timedelta(minutes=5)
    recorded = load("twitter/tweepy/decoded/test_client_get_users_mentions.decoded.json")[0]
    reset = recorded["response"]["headers"]["x-rate-limit-reset"][0]
    assert retry_time({"x-rate-limit-reset": reset}, NOW) == \
        datetime.fromtimestamp(int(reset), UTC)
    usage = load("instagram/python-facebook/history/762060a5/headers.json")
    assert retry_time(usage, NOW) == NOW + timedelta(minutes=20)
    assert retry_time({}, NOW) is None


def test_it_reads_meta_usage_headers() -> None:
    batch = load("facebook/restfb/batch/batch-first-error.json")
    app_usage = {h["name"].lower(): h["value"] for h in batch[0]["headers"]}
    assert meta_usage(app_usage) == (2.0, 0)
    assert meta_usage(load("instagram/python-facebook/history/762060a5/headers.json")) == \
        (72.0, 20)
    assert meta_usage({"x-app-usage": "not json"}) == (0.0, 0)


def test_it_finds_youtube_quota_reset_at_pacific_midnight() -> None:
    # 02:00 UTC on 17 March 2026 is 19:00 on the 16th in Los Angeles (PDT, UTC-7).
    assert next_pacific_midnight(NOW) == datetime(2026, 3, 17, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(("body", "status", "content_type"), [
    (b'{"data": [{"id": "1", "text": "potong', 200, "application/json"),
    (b"<!DOCTYPE html><html><body>Service Unavailable</body></html>", 200, "text/html"),
    (b"<html><body>Bad Gateway</body></html>", 502, "text/html"),
    (b"\xff\xfe\x00garbage", 200, "application/json"),
], ids=["truncated-json", "html-200", "html-502", "binary"])
def test_it_turns_unreadable_bodies_into_retry_later(rsps: responses.RequestsMock,
                                                     clock: FixedClock, body: bytes,
                                                     status: int, content_type: str) -> None:
    rsps.add("GET", URL, body=body, status=status, content_type=content_type)
    with pytest.raises(RetryLater):
        HttpClient(None, clock, "meta").request("GET", URL)


def test_it_refuses_a_ten_megabyte_body(rsps: responses.RequestsMock, clock: FixedClock) -> None:
    huge = b'{"data": [' + b'{"id": "1", "text": "x"},' * 450_000 + b'{"id": "2"}]}'
    assert len(huge) > 10_000_000
    rsps.add("GET", URL, body=huge, content_type="application/json")
    with pytest.raises(RetryLater, match="larger than"):
        HttpClient(None, clock, "plain").request("GET", URL)


@pytest.mark.parametrize("exc", [requests.exceptions.ConnectTimeout("t"),
                                 requests.exceptions.ReadTimeout("t"),
                                 requests.exceptions.ConnectionError("refused")])
def test_it_turns_network_failures_into_retry_later(rsps: responses.RequestsMock,
                                                    clock: FixedClock, exc: Exception) -> None:
    rsps.add("GET", URL, body=exc)
    with pytest.raises(RetryLater):
        HttpClient(None, clock, "google").request("GET", URL)


def test_it_pauses_meta_calls_when_usage_nears_the_limit(rsps: responses.RequestsMock,
                                                         clock: FixedClock) -> None:
    rsps.add("GET", URL, json={"data": []},
             headers={"x-app-usage": '{"call_count": 97, "total_time": 10, "total_cputime": 3}'})
    client = HttpClient(None, clock, "meta")
    client.request("GET", URL)
    with pytest.raises(RetryLater) as caught:
        client.request("GET", URL)
    assert caught.value.retry_at == clock() + timedelta(minutes=10)
    assert len(rsps.calls) == 1
    clock.advance(minutes=11)
    client.request("GET", URL)
    assert len(rsps.calls) == 2
