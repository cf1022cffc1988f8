"""Issue 13, points 5 and 6: no secret on a screen or in a stored error, and no token sent
to a host that is not the platform's, or in clear text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from socialdesk.cli.safeout import VisibleWriter
from socialdesk.connectors.errors import Permanent
from socialdesk.connectors.graph import GraphClient
from socialdesk.connectors.http import utc_now
from socialdesk.core.settings import AccountConfig, Secret, parse_settings, redact
from socialdesk.store.models import Account

TOKEN = "EAABwzLixnjYBAOZCsangatRahasia42"


def test_it_scrubs_a_token_a_server_echoes_in_part() -> None:
    Secret(TOKEN, "SOCIALDESK_FB_MAIN_PAGE_TOKEN").reveal()
    # Other tests may have revealed short secrets too: only the token's parts are checked.
    echoed = redact(f"HTTP 503: tok {TOKEN[:10]}…")
    assert TOKEN[:6] not in echoed and echoed.endswith("********…")
    assert TOKEN[-6:] not in redact(f"token …{TOKEN[-8:]} expired")


def test_it_scrubs_a_percent_encoded_secret_from_a_debug_line() -> None:
    secret = Secret("p@ss/w0rd+rahasia", "SOCIALDESK_SMTP_PASSWORD").reveal()
    line = "send: b'POST /token?pw=p%40ss%2Fw0rd%2Brahasia HTTP/1.1'"
    assert "w0rd" not in redact(line) and secret not in redact(secret)


def test_it_scrubs_a_short_secret_only_where_it_stands_alone() -> None:
    Secret("k7Q", "SOCIALDESK_TEST_PIN").reveal()
    scrubbed = redact("pin k7Q refused; k7Qx and ak7Q are other words")
    assert " k7Q " not in scrubbed and "******** refused" in scrubbed
    assert "k7Qx" in scrubbed and "ak7Q" in scrubbed
    Secret("q", "SOCIALDESK_TEST_ONE").reveal()  # too short to tell from text: left alone
    assert redact("platform x, q and q") == "platform x, q and q"


def test_it_scrubs_what_every_command_prints() -> None:
    Secret(TOKEN, "SOCIALDESK_FB_MAIN_PAGE_TOKEN").reveal()
    out = io.StringIO()
    VisibleWriter(out).write(f"fb-main: page token rejected: HTTP 503: tok {TOKEN[:12]}\n")
    assert TOKEN[:8] not in out.getvalue() and "********" in out.getvalue()


def test_it_reads_the_database_url_from_a_file_and_never_shows_its_password(
        tmp_path: Path) -> None:
    secret_file = tmp_path / "db-url"
    secret_file.write_text("postgresql+psycopg://desk:Kata%2FSandi99@db.internal/desk\n")
    settings = parse_settings({}, "test", None, {
        "SOCIALDESK_DATABASE_URL_FILE": str(secret_file), "STATE_DIRECTORY": str(tmp_path)})
    assert settings.database_url.endswith("@db.internal/desk")
    assert "Sandi" not in repr(settings)
    assert "Sandi" not in redact(f"connection to {settings.database_url} failed")
    assert "Sandi" not in redact("password authentication failed: Kata/Sandi99")


def test_it_keeps_statement_values_out_of_database_errors(engine: Engine) -> None:
    row = {"name": "dup", "platform": "x", "handle": "budi_handle_pribadi"}
    with engine.begin() as conn:
        conn.execute(insert(Account), row)
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(insert(Account), row)
    assert "budi_handle_pribadi" not in str(caught.value)


def _graph(url: str, **options: object) -> GraphClient:
    account = AccountConfig(name="fb-main", platform="facebook", handle="hai",
                            options={"graph_url": url, **options}, environ={})
    return GraphClient(account, None, utc_now, "page_token")


@pytest.mark.parametrize("url", ["http://graph.facebook.com/v21.0",
                                 "https://graph.facebook.com.evil.example/v21.0",
                                 "https://user:pw@graph.facebook.com/v21.0"])
def test_it_refuses_a_base_url_off_the_platform_or_in_clear_text(url: str) -> None:
    with pytest.raises(Permanent, match="graph_url must"):
        _graph(url)


def test_it_takes_the_platform_host_and_a_flagged_test_server() -> None:
    assert _graph("https://graph.facebook.com/v21.0").base.startswith("https://graph.facebook")
    assert _graph("http://127.0.0.1:8080", test_endpoint=True).base == "http://127.0.0.1:8080"
