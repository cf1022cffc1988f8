from __future__ import annotations

import logging
from datetime import date, time
from pathlib import Path

import pytest

from socialdesk.core.resources import EXAMPLE_SETTINGS, default_path
from socialdesk.core.settings import (
    MissingSecret,
    Secret,
    SettingsError,
    load_settings,
    read_secret,
)

EXAMPLE = default_path(EXAMPLE_SETTINGS)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "socialdesk.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_it_loads_the_example_with_sla_working_hours() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.working_hours.open == time(8)
    assert settings.working_hours.close == time(16)
    assert settings.sla.response_hours == 1
    assert {a.platform for a in settings.accounts} == {"x", "instagram", "facebook", "youtube"}
    assert settings.catalog_path.name == "catalog.yaml"
    assert settings.database_url.startswith("sqlite:////")


def test_it_lets_the_environment_choose_the_database(tmp_path: Path) -> None:
    path = _write(tmp_path, "")
    url = "postgresql+psycopg://desk@db/desk"
    settings = load_settings(path, environ={"SOCIALDESK_DATABASE_URL": url})
    assert settings.database_url == url


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('[working_hours]\nopen = "17:00"\n', "working_hours.close"),
        ('[working_hours]\nopen = "8 pagi"\n', "working_hours.open"),
        ('[working_hours]\ntimezone = "Mars/Base"\n', "working_hours.timezone"),
        ('[working_hours]\nclosed_dates = ["31-12-2026"]\n', "working_hours.closed_dates"),
        ('[sla]\nresponse_hours = "one"\n', "sla.response_hours"),
        ("[smtp]\nport = 70000\n", "smtp.port"),
        ('[digest]\nrecipients = ["not an address"]\n', "digest.recipients"),
        ('[[accounts]]\nname = "a"\nplatform = "myspace"\n', "accounts[0].platform"),
        ('[[accounts]]\nname = "a"\nplatform = "x"\npoll_interval = 1\n',
         "accounts[0].poll_interval"),
        ('[[accounts]]\nname = "a"\nplatform = "x"\n[[accounts]]\nname = "a"\nplatform = "x"\n',
         "accounts[1].name"),
        ("[databse]\n", "databse"),
    ],
)
def test_it_stops_on_a_bad_setting_naming_key_and_file(
    tmp_path: Path, body: str, key: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ={})
    assert str(path) in str(caught.value)
    assert key in str(caught.value)


def test_it_reports_malformed_toml_with_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "[database\n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(path, environ={})


def test_it_reads_changed_hours_and_extra_dates(tmp_path: Path) -> None:
    path = _write(tmp_path, """
[working_hours]
closed_dates = ["2026-12-31"]
open_dates = [2026-12-24]
[[working_hours.changed_hours]]
start = "2027-02-08"
end = "2027-03-09"
close = "15:00"
""")
    wh = load_settings(path, environ={}).working_hours
    assert wh.closed_dates == (date(2026, 12, 31),)
    assert wh.open_dates == (date(2026, 12, 24),)
    assert wh.changed_hours[0].close == time(15) and wh.changed_hours[0].open == time(8)


def test_it_reads_account_secrets_from_env_or_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "token"
    secret_file.write_text("file-token\n")
    path = _write(tmp_path, '[[accounts]]\nname = "x-main"\nplatform = "x"\n')
    env = {"SOCIALDESK_X_MAIN_BEARER_TOKEN": "env-token",
           "SOCIALDESK_X_MAIN_ACCESS_TOKEN_FILE": str(secret_file)}
    account = load_settings(path, environ=env).accounts[0]
    assert account.secret("bearer_token").reveal() == "env-token"
    assert account.secret("access_token").reveal() == "file-token"
    with pytest.raises(MissingSecret, match="SOCIALDESK_X_MAIN_CLIENT_SECRET"):
        account.secret("client_secret")


def test_it_reads_a_credential_file_relative_to_the_credentials_directory(
    tmp_path: Path,
) -> None:
    (tmp_path / "smtp").write_text("pw")
    env = {"SMTP_PASSWORD_FILE": "smtp", "CREDENTIALS_DIRECTORY": str(tmp_path)}
    found = read_secret("SMTP_PASSWORD", env)
    assert found is not None and found.reveal() == "pw"
    with pytest.raises(MissingSecret, match="cannot read"):
        read_secret("X", {"X_FILE": str(tmp_path / "absent")})


def test_it_never_shows_a_secret_in_repr_str_format_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = Secret("hunter2-very-secret", "SOCIALDESK_X_BEARER_TOKEN")
    caplog.set_level(logging.INFO)
    logging.getLogger("t").info("token %s %r", secret, secret)
    shown = [repr(secret), str(secret), f"{secret}", f"{secret!r}", caplog.text,
             repr({"k": secret})]
    assert all("hunter2" not in text for text in shown)
    assert "SOCIALDESK_X_BEARER_TOKEN" in repr(secret)


def test_it_reads_a_systemd_credential_named_like_the_variable(tmp_path: Path) -> None:
    (tmp_path / "SOCIALDESK_SMTP_PASSWORD").write_text("from-systemd\n")
    found = read_secret("SOCIALDESK_SMTP_PASSWORD", {"CREDENTIALS_DIRECTORY": str(tmp_path)})
    assert found is not None and found.reveal() == "from-systemd"
    assert read_secret("SOCIALDESK_OTHER", {"CREDENTIALS_DIRECTORY": str(tmp_path)}) is None


@pytest.mark.parametrize(("section", "typo", "meant"), [
    ("working_hours", 'close_dates = ["2026-12-24"]', "closed_dates"),
    ("sla", "response_hour = 2", "response_hours"),
])
def test_it_refuses_an_unknown_key_naming_file_key_and_nearest(
        tmp_path: Path, section: str, typo: str, meant: str) -> None:
    path = _write(tmp_path, f"[{section}]\n{typo}\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    key = typo.split(" =")[0]
    assert str(path) in message and f"{section}.{key}" in message
    assert f"did you mean {meant!r}" in message


def test_it_refuses_an_unknown_key_in_an_account(tmp_path: Path) -> None:
    path = _write(tmp_path, '[[accounts]]\nname = "x-main"\nplatform = "x"\nhandle = "h"\n'
                            "pol_interval = 60\n")
    with pytest.raises(SettingsError, match="did you mean 'poll_interval'"):
        load_settings(path, environ={})
