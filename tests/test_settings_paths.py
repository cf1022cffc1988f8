"""One desk from one settings file: the rules, guard and templates it names are the ones
used by `classify`, by triage and by the daemon; data lives in the state directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from socialdesk.core.resources import RULES, default_path
from socialdesk.core.settings import (
    CONFIG_ENV,
    HOME_ENV,
    SettingsError,
    find_config,
    load_settings,
    parse_settings,
)
from socialdesk.desk import triage
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.runtime.daemon import Daemon, Intervals
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from socialdesk.store.models import Message
from tests.desk_helpers import ACCOUNTS, START, make_rig

REPO = Path(__file__).resolve().parent.parent
# A word no default rule knows, so only the edited rules can place it.
MARKER = "zorblaxium"


def _edited_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(default_path(RULES), rules)
    (rules / "zz-local.yaml").write_text(yaml.safe_dump({"rules": [
        {"id": "local.marker", "item": "8.1.b", "weight": 9, "words": [MARKER]},
    ]}), encoding="utf-8")
    return rules


def _settings_file(tmp_path: Path, rules: Path, db: Path) -> Path:
    config = tmp_path / "socialdesk.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{db}"\n\n[paths]\nrules = "{rules.name}"\n',
                      encoding="utf-8")
    return config


def test_classify_uses_the_rules_the_settings_name(tmp_path: Path) -> None:
    config = _settings_file(tmp_path, _edited_rules(tmp_path), tmp_path / "desk.db")
    out = subprocess.run(
        [sys.executable, "-m", "socialdesk", "--config", str(config), "classify",
         f"min tolong {MARKER} sy"], capture_output=True, text=True, check=True, cwd=tmp_path)
    result = json.loads(out.stdout)
    assert result["item"] == "8.1.b"
    assert "local.marker" in result["rules"]


def test_the_packaged_rules_do_not_know_the_marker(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "socialdesk", "classify", f"{MARKER} sy"],
                         capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "local.marker" not in json.loads(out.stdout)["rules"]


def test_triage_and_the_daemon_use_the_rules_the_settings_name(tmp_path: Path) -> None:
    rules = _edited_rules(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    upgrade(engine)
    rig = make_rig(engine, tmp_path)
    data = {"paths": {"rules": str(rules)}, "accounts": [
        {"name": name, "platform": "sandbox", "handle": name, "streams": [stream],
         "poll_interval": 5, "options": {"network": str(tmp_path / "network.db"),
                                         "as_platform": platform}}
        for name, platform, stream in ACCOUNTS]}
    settings = parse_settings(data, "edited", tmp_path, {})
    sync_accounts(engine, settings)
    desk = Desk.from_settings(settings, engine=engine, now=rig.clock)
    assert "local.marker" in desk.triage.run(MARKER, channel="twitter", kind="mention").rules

    rig.say("sb-x", f"@haiDJPb {MARKER} gmn min", at=timedelta(minutes=1))
    rig.clock.set(START + timedelta(minutes=2))
    daemon = Daemon(desk, roles={"poll", "triage"},
                    intervals=Intervals(triage=0.1, outbox=0.1, poll_tick=0.1, leadership=0.2))
    daemon.start()
    try:
        deadline = time.monotonic() + 30
        stored: list[str] = []
        while time.monotonic() < deadline and not stored:
            with desk.sessions() as session:
                stored = [str(r) for r in session.scalars(
                    select(Message.rules).where(Message.triaged_at.is_not(None)))]
            time.sleep(0.1)
    finally:
        daemon.stop()
    assert stored and "local.marker" in stored[0]
    assert triage.run_once(desk) is not None


def test_settings_are_found_in_the_documented_order(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_config(None, {}) is None or find_config(None, {}) == Path(
        "/etc/socialdesk/socialdesk.toml")
    (tmp_path / "socialdesk.toml").write_text("", encoding="utf-8")
    assert find_config(None, {}) == tmp_path / "socialdesk.toml"
    assert find_config(None, {CONFIG_ENV: "/x/y.toml"}) == Path("/x/y.toml")
    assert find_config("given.toml", {CONFIG_ENV: "/x/y.toml"}) == Path("given.toml")


def test_a_relative_sqlite_path_lives_in_the_state_directory(tmp_path: Path) -> None:
    home = tmp_path / "state"
    settings = parse_settings({"database": {"url": "sqlite:///desk.db"}}, "s", tmp_path,
                              {HOME_ENV: str(home)})
    assert settings.database_url == f"sqlite:///{home / 'desk.db'}"
    systemd = parse_settings({}, "s", tmp_path, {"STATE_DIRECTORY": "/var/lib/socialdesk"})
    assert systemd.database_url == "sqlite:////var/lib/socialdesk/socialdesk.db"


def test_a_path_that_does_not_exist_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"paths\.rules: .*nowhere does not exist"):
        parse_settings({"paths": {"rules": "nowhere"}}, "f.toml", tmp_path, {})


def test_a_misspelt_key_is_refused_with_the_nearest_known_one(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"working_hours\.close_dates: unknown key "
                                            r"\(did you mean 'closed_dates'\?\)"):
        parse_settings({"working_hours": {"close_dates": ["2026-12-31"]}}, "f.toml", tmp_path,
                       {})


def test_run_refuses_to_start_without_a_settings_file(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if Path("/etc/socialdesk/socialdesk.toml").exists():
        pytest.skip("this machine has a system settings file")
    with pytest.raises(SettingsError, match="no settings file"):
        load_settings(None, {}, required=True)


def test_init_writes_settings_here_and_the_database_in_the_state_directory(
        tmp_path: Path) -> None:
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    env = {**os.environ, HOME_ENV: str(home)}
    env.pop(CONFIG_ENV, None)
    out = subprocess.run([sys.executable, "-m", "socialdesk", "init", "--copy-defaults"],
                         cwd=work, env=env, capture_output=True, text=True, check=True)
    assert (work / "socialdesk.toml").is_file()
    assert (home / "socialdesk.db").is_file()
    assert (work / "rules").is_dir() and (work / "guard.yaml").is_file()
    assert (work / "second_opinion.json.gz").is_file()
    assert (work / "guard_opinion.json.gz").is_file()
    assert "set [paths] rules = 'rules'" in out.stdout
    package = Path(str(__import__("socialdesk").__file__)).parent
    assert not list(package.rglob("*.db")), "nothing is written inside the package"


@pytest.mark.slow
def test_a_non_editable_install_runs_the_demo(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(REPO / "socialdesk", source / "socialdesk",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(source)], check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site), HOME_ENV: str(tmp_path / "home")}
    where = subprocess.run([sys.executable, "-c", "import socialdesk; print(socialdesk.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(site))
    demo = subprocess.run([sys.executable, "-m", "socialdesk", "demo", "--speed", "6000",
                           "--dir", str(tmp_path / "day")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "Summary" in demo.stdout or "summary" in demo.stdout.lower()
