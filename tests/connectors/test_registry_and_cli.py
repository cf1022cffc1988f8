"""The registry table, the opt-in instagrapi backend and `socialdesk accounts`."""

from __future__ import annotations

import importlib.util
import logging
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from socialdesk.cli import main
from socialdesk.connectors import REGISTRY, Connector, Permanent, connector_class, connector_for
from socialdesk.connectors.sandbox_network import SandboxNetwork
from socialdesk.core.settings import PLATFORMS
from socialdesk.demo.scenario import demo_scenario

from .support import account


def test_every_platform_has_exactly_one_registered_connector() -> None:
    assert set(REGISTRY) == set(PLATFORMS)
    for platform in REGISTRY:
        cls = connector_class(platform)
        assert issubclass(cls, Connector)
        assert cls.platform == platform or platform == "sandbox"


def test_it_names_an_unknown_platform() -> None:
    with pytest.raises(Permanent, match="no connector for platform 'mastodon'"):
        connector_class("mastodon")


@pytest.mark.skipif(importlib.util.find_spec("instagrapi") is not None,
                    reason="instagrapi is installed")
def test_instagrapi_selected_but_absent_says_how_to_install() -> None:
    with pytest.raises(Permanent, match=r"pip install 'socialdesk\[instagrapi\]'"):
        connector_for(account("instagram", backend="instagrapi"))


def test_the_graph_backend_is_the_default_and_logs_no_warning(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        connector = connector_for(account("instagram"))
    assert type(connector).__name__ == "InstagramConnector"
    assert not caplog.records


def write_config(tmp_path: Path, accounts: str) -> Path:
    config = tmp_path / "socialdesk.toml"
    config.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite:///{tmp_path}/db.sqlite"
        {accounts}
    """), encoding="utf-8")
    return config


def test_accounts_check_passes_a_good_sandbox_account(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    network = SandboxNetwork(tmp_path / "net.db")
    network.load(demo_scenario(), datetime.now(UTC) - timedelta(hours=1))
    config = write_config(tmp_path, f"""
        [[accounts]]
        name = "demo-yt"
        platform = "sandbox"
        streams = ["comments"]
        poll_interval = 30
        options = {{ network = "{tmp_path}/net.db", as_platform = "youtube" }}
    """)
    assert main(["--config", str(config), "accounts", "check"]) == 0
    assert "demo-yt (sandbox): ok" in capsys.readouterr().out
    assert network.replies() == []


def test_accounts_check_says_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    for key in ("PAGE_ACCESS_TOKEN", "PAGE_ACCESS_TOKEN_FILE"):
        monkeypatch.delenv(f"SOCIALDESK_FB_MAIN_{key}", raising=False)
    config = write_config(tmp_path, """
        [[accounts]]
        name = "fb-main"
        platform = "facebook"
        streams = ["comments", "stories"]
        poll_interval = 30
    """)
    assert main(["--config", str(config), "accounts", "check"]) == 1
    out = capsys.readouterr().out
    assert "SOCIALDESK_FB_MAIN_PAGE_ACCESS_TOKEN" in out
    assert "options.page_id is not set" in out
    assert "stream 'stories' is unknown" in out


def test_accounts_check_refuses_an_unknown_name(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, "")
    assert main(["--config", str(config), "accounts", "check", "nope"]) == 2
    assert "no account named nope" in capsys.readouterr().err
