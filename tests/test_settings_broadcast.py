"""[broadcast]: where the console's media folder is reachable from the internet."""

from __future__ import annotations

import pytest

from socialdesk.core.settings import SettingsError, parse_settings


def test_it_reads_the_public_media_address_without_its_trailing_slash() -> None:
    settings = parse_settings({"broadcast": {"public_media_url":
                                             "https://desk.example.go.id/media/"}}, "t", None, {})
    assert settings.broadcast.public_media_url == "https://desk.example.go.id/media"
    assert parse_settings({}, "t", None, {}).broadcast.public_media_url == ""


@pytest.mark.parametrize("table, error", [
    ({"public_media_url": "desk.example.go.id/media"}, "not an http"),
    ({"public_media_url": "https://x", "publik": 1}, "publik"),
])
def test_it_refuses_a_bad_broadcast_table(table: dict[str, object], error: str) -> None:
    with pytest.raises(SettingsError, match=error):
        parse_settings({"broadcast": table}, "t", None, {})
