"""Publishing on Instagram (media container, its status, media_publish) and looking for an
earlier post on Instagram, Facebook and X, at the HTTP boundary."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
import responses

from socialdesk.connectors import Rejected, RetryLater, connector_for
from socialdesk.connectors.facebook import FacebookConnector
from socialdesk.connectors.x import XConnector, same_post

from .support import X_SECRETS, FixedClock, account
from .test_meta import graph, instagram

IG = "17841406338772941"
IMAGE = "https://desk.example.go.id/media/0123456789abcdef0123456789abcdef.jpg"
CAPTION = "Layanan HAI-DJPb tutup pada 25 Desember 2026."


def _form(call: responses.Call) -> dict[str, list[str]]:
    body = call.request.body or ""
    return parse_qs(body if isinstance(body, str) else body.decode())


def test_it_publishes_on_instagram_through_a_finished_media_container(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("POST", graph(f"{IG}/media$"), json={"id": "17889615691921648"})
    rsps.add("GET", graph("17889615691921648"), json={"status_code": "FINISHED",
                                                       "id": "17889615691921648"})
    rsps.add("POST", graph(f"{IG}/media_publish"), json={"id": "17920238422030506"})
    result = instagram(clock).post(CAPTION, "broadcast:1:2", image_url=IMAGE)
    assert result.platform_id == "17920238422030506"
    made, status, published = rsps.calls
    assert _form(made)["image_url"] == [IMAGE] and _form(made)["caption"] == [CAPTION]
    assert "status_code" in (status.request.url or "")
    assert _form(published)["creation_id"] == ["17889615691921648"]


def test_a_container_in_progress_is_published_on_the_next_attempt_not_made_again(
        rsps: responses.RequestsMock, clock: FixedClock) -> None:
    rsps.add("POST", graph(f"{IG}/media$"), json={"id": "c1"})
    rsps.add("GET", graph("c1"), json={"status_code": "IN_PROGRESS", "id": "c1"})
    rsps.add("GET", graph("c1"), json={"status_code": "FINISHED", "id": "c1"})
    rsps.add("POST", graph(f"{IG}/media_publish"), json={"id": "m1"})
    connector = instagram(clock)
    with pytest.raises(RetryLater) as wait:
        connector.post(CAPTION, "k", image_url=IMAGE)
    assert wait.value.retry_at is not None and wait.value.retry_at > clock()
    assert connector.post(CAPTION, "k", image_url=IMAGE).platform_id == "m1"
    assert [c.request.method for c in rsps.calls] == ["POST", "GET", "GET", "POST"]


def test_a_container_in_error_is_refused_with_its_image(rsps: responses.RequestsMock,
                                                        clock: FixedClock) -> None:
    rsps.add("POST", graph(f"{IG}/media$"), json={"id": "c1"})
    rsps.add("GET", graph("c1"), json={"status_code": "ERROR", "status": "2207026"})
    with pytest.raises(Rejected, match="ERROR"):
        instagram(clock).post(CAPTION, "k", image_url=IMAGE)
    assert not any("media_publish" in (c.request.url or "") for c in rsps.calls)


def test_instagram_refuses_a_post_without_an_image(clock: FixedClock) -> None:
    with pytest.raises(Rejected, match="needs an image"):
        instagram(clock).post(CAPTION, "k")


def test_it_finds_an_earlier_post_by_its_caption_on_instagram(rsps: responses.RequestsMock,
                                                               clock: FixedClock) -> None:
    rsps.add("GET", graph(f"{IG}/media"), json={"data": [
        {"id": "m9", "caption": "lain"}, {"id": "m1", "caption": CAPTION}]})
    connector = instagram(clock)
    assert connector.can_find_post() and connector.find_post(CAPTION) == "m1"
    assert connector.find_post("belum pernah") is None


def test_it_finds_an_earlier_post_on_the_facebook_page(rsps: responses.RequestsMock,
                                                       clock: FixedClock) -> None:
    rsps.add("GET", graph("2121008874780932/posts"), json={"data": [
        {"id": "2121008874780932_1", "message": CAPTION}]})
    connector = connector_for(account("facebook", secrets={"page_access_token": "t"},
                                      page_id="2121008874780932"), now=clock)
    assert isinstance(connector, FacebookConnector)
    assert connector.find_post(CAPTION) == "2121008874780932_1"
    assert connector.find_post(CAPTION + "!") is None


def test_it_finds_an_earlier_post_among_the_x_accounts_latest(rsps: responses.RequestsMock,
                                                              clock: FixedClock) -> None:
    text = "Info & panduan: https://djpb.kemenkeu.go.id/portal/id/"
    rsps.add("GET", re.compile(r"https://api\.(twitter|x)\.com/2/users/42/tweets.*"), json={
        "data": [{"id": "1", "text": "Halo", "in_reply_to_user_id": "7"},
                 {"id": "2", "text": "Info &amp; panduan: https://t.co/AbC123"}]})
    connector = connector_for(account("x", secrets=X_SECRETS, user_id="42"), now=clock)
    assert isinstance(connector, XConnector)
    assert connector.find_post(text) == "2"
    assert connector.find_post("Halo") is None  # a reply is not a post


def test_x_text_compares_links_as_links_and_entities_as_characters() -> None:
    assert same_post("a &lt;b&gt; https://t.co/x", "a <b> https://example.go.id/y")
    assert not same_post("a https://t.co/x", "b https://t.co/x")
