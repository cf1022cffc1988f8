"""YouTube Data API v3: recorded bodies, the quota ledger and the OAuth refresh."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
import responses

from socialdesk.connectors import Permanent, RetryLater, connector_for
from socialdesk.connectors.ledger import QuotaLedger
from socialdesk.connectors.types import Ref
from socialdesk.connectors.youtube import YouTubeConnector

from .support import YT_SECRETS, FixedClock, account, load

API = "https://www.googleapis.com/youtube/v3"
TOKEN = "https://oauth2.googleapis.com/token"


def build(clock: FixedClock, **options: object) -> YouTubeConnector:
    connector = connector_for(account("youtube", secrets=YT_SECRETS,
                                      **{"channel_id": "UCa-vrCLQHviTOVnEKDOdetQ", **options}),
                              now=clock)
    assert isinstance(connector, YouTubeConnector)
    return connector


def test_it_reads_threads_with_replies_and_leaves_out_the_channel(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    body = load("youtube/python-youtube/history/afc61d74/"
                "comment_threads_by_all_to_channel_id.json")
    rsps.add("GET", f"{API}/commentThreads", json=body)
    page = build(clock, channel_id="UC_x5XG1OV2P6uZZ5FSM9Ttw").fetch("comments", None)
    first = page.messages[0]
    assert (first.platform_id, first.author_handle, first.author_id) == \
        ("UgzhytyP79_PwaDd4UB4AaABAg", "asdf7692", "UC9Prn_6KFp1xu-t-rf-K8cA")
    assert first.text == "wait, that's the guy that wrote my textbook!"
    assert first.created_at == datetime(2019, 8, 23, 23, 12, 9, tzinfo=UTC)
    assert first.in_reply_to == "Azt8Nc-mtKM"
    replies = [m for m in page.messages if m.kind == "reply"]
    assert replies and all(r.in_reply_to == r.conversation_id for r in replies)
    query = parse_qs(rsps.calls[0].request.url.split("?", 1)[1])
    assert query["allThreadsRelatedToChannelId"] == ["UC_x5XG1OV2P6uZZ5FSM9Ttw"]
    assert json.loads(page.next_cursor or "")["p"] == body["nextPageToken"]


def test_it_spends_and_spaces_the_daily_quota(rsps: responses.RequestsMock,
                                             clock: FixedClock) -> None:
    rsps.add("GET", f"{API}/commentThreads",
             json=load("youtube/python-youtube/comment_threads/comment_threads_all_to_me.json"))
    # The listing counts one reply it does not carry: one more unit fetches it.
    rsps.add("GET", f"{API}/comments",
             json=load("youtube/python-youtube/comments/comments_by_parent_paged_1.json"))
    connector = build(clock)
    relaxed = connector.poll_delay_hint()
    connector.fetch("comments", None)
    assert connector.quota.used == 2
    connector.quota.charge(8_450)
    assert connector.poll_delay_hint() > relaxed
    connector.quota.charge(100)
    with pytest.raises(RetryLater, match="reserve") as caught:
        connector.fetch("comments", None)
    assert caught.value.retry_at == datetime(2026, 3, 17, 7, 0, tzinfo=UTC)


def test_it_resets_the_ledger_at_pacific_midnight() -> None:
    clock = FixedClock(datetime(2026, 3, 17, 6, 59, tzinfo=UTC))
    ledger = QuotaLedger(clock)
    ledger.charge(9_000)
    assert not ledger.can_read()
    assert ledger.can_write(50)
    clock.advance(minutes=2)
    assert ledger.remaining == 10_000


def test_it_refreshes_the_token_once_and_replies(rsps: responses.RequestsMock,
                                                clock: FixedClock) -> None:
    rsps.add("POST", TOKEN, json={"access_token": "ya29.a", "expires_in": 3599})
    body = load("youtube/python-youtube/comments/insert_response.json")
    rsps.add("POST", f"{API}/comments", json=body)
    connector = build(clock)
    target = Ref("Ugy_CAftKrIUCyPr9GR4AaABAg", "comment", "Ugy_CAftKrIUCyPr9GR4AaABAg")
    for key in ("k1", "k2"):
        assert connector.reply(target, "Terima kasih, Kak", key).platform_id == body["id"]
    assert [c.request.url.split("?")[0] for c in rsps.calls].count(TOKEN) == 1
    sent = json.loads(rsps.calls[1].request.body or b"{}")
    assert sent["snippet"] == {"parentId": "Ugy_CAftKrIUCyPr9GR4AaABAg",
                               "textOriginal": "Terima kasih, Kak"}
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer ya29.a"
    assert connector.quota.used == 100


def test_it_refreshes_again_after_a_401_then_gives_up(rsps: responses.RequestsMock,
                                                     clock: FixedClock) -> None:
    rsps.add("POST", TOKEN, json={"access_token": "ya29.a", "expires_in": 3599})
    unauthorized = {"error": {"code": 401, "message": "Invalid Credentials",
                              "errors": [{"reason": "authError"}]}}
    rsps.add("POST", f"{API}/comments", status=401, json=unauthorized)
    with pytest.raises(Permanent):
        build(clock).reply(Ref("c1", "comment", "c1"), "Halo", "k")
    urls = [c.request.url.split("?")[0] for c in rsps.calls]
    assert urls == [TOKEN, f"{API}/comments", TOKEN, f"{API}/comments"]


def test_it_disables_when_the_refresh_token_is_revoked(rsps: responses.RequestsMock,
                                                      clock: FixedClock) -> None:
    rsps.add("POST", TOKEN, status=400, json={"error": "invalid_grant",
                                              "error_description": "Token has been revoked."})
    with pytest.raises(Permanent, match="refresh token"):
        build(clock).hide("c1")


def test_it_waits_for_the_quota_reset_on_quota_exceeded(rsps: responses.RequestsMock,
                                                       clock: FixedClock) -> None:
    # No recording of quotaExceeded exists; the body follows Google's documented shape.
    rsps.add("GET", f"{API}/commentThreads", status=403, json={"error": {
        "code": 403, "message": "The request cannot be completed because you have exceeded "
        "your quota.", "errors": [{"message": "quota", "domain": "youtube.quota",
                                   "reason": "quotaExceeded"}]}})
    with pytest.raises(RetryLater) as caught:
        build(clock).fetch("comments", None)
    assert caught.value.retry_at == clock() + timedelta(hours=5)


def test_it_holds_a_comment_for_review_to_hide_it(rsps: responses.RequestsMock,
                                                 clock: FixedClock) -> None:
    rsps.add("POST", TOKEN, json={"access_token": "ya29.a", "expires_in": 3599})
    rsps.add("POST", f"{API}/comments/setModerationStatus", status=204)
    build(clock).hide("UgyWeTdgc4sc1xgmbld4AaABAg")
    query = parse_qs(rsps.calls[1].request.url.split("?", 1)[1])
    assert query["moderationStatus"] == ["heldForReview"]
    assert query["id"] == ["UgyWeTdgc4sc1xgmbld4AaABAg"]


def test_it_finds_its_own_reply_in_the_thread(rsps: responses.RequestsMock,
                                              clock: FixedClock) -> None:
    body = load("youtube/python-youtube/comments/comments_by_parent_paged_1.json")
    rsps.add("GET", f"{API}/comments", json=body)
    item = body["items"][0]["snippet"]
    connector = build(clock, channel_id=item["authorChannelId"]["value"])
    found = connector.find_reply(Ref("p", "comment", "p"), item["textOriginal"])
    assert found == body["items"][0]["id"]
