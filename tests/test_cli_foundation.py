from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from socialdesk.cli import main
from socialdesk.core.resources import EXAMPLE_SETTINGS, default_path
from socialdesk.store.db import make_engine, session_factory
from socialdesk.store.migrate import current_revision, head_revision
from socialdesk.store.models import Account


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "socialdesk.toml"
    example = default_path(EXAMPLE_SETTINGS)
    body = example.read_text().replace(
        'url = "sqlite:///socialdesk.db"', f'url = "sqlite:///{tmp_path}/desk.db"')
    path.write_text(body)
    return path


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["calendar", "add", "2026-03-17T09:00+07:00", "24"], "2026-03-27T09:00:00+07:00"),
        (["calendar", "add", "2026-03-13T15:30+07:00", "1"], "2026-03-16T08:30:00+07:00"),
        (["calendar", "add", "2026-11-27T15:10+07:00", "24"], "2026-12-02T15:10:00+07:00"),
        (["calendar", "between", "2026-12-23T10:00+07:00", "2026-12-28T10:00+07:00"], "8:00:00"),
        (["calendar", "next-open", "2026-11-28T03:00Z"], "2026-11-30T08:00:00+07:00"),
        (["calendar", "next-open", "2026-11-28T03:00Z", "--tz", "UTC"],
         "2026-11-30T01:00:00+00:00"),
    ],
)
def test_it_answers_calendar_questions_in_wib(
    argv: list[str], expected: str, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), *argv]) == 0
    assert capsys.readouterr().out.strip() == expected


def test_it_lists_the_holidays_of_a_year(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "calendar", "holidays", "2026"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-19" in out and "2026-12-24" in out


def test_it_lists_the_catalog_and_shows_an_item(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "catalog", "list"]) == 0
    out = capsys.readouterr().out
    assert "19 services" in out and "Layanan Pengaduan" in out
    assert main(["--config", str(config), "catalog", "show", "8.1.b"]) == 0
    out = capsys.readouterr().out
    assert "Reset Password User SAKTI nonsatker" in out and "24 working hours" in out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["catalog", "show", "99.9"], "unknown catalog id"),
        (["catalog", "list", "42"], "unknown service id"),
        (["calendar", "add", "yesterday", "1"], "not an ISO 8601 time"),
        (["calendar", "add", "2026-03-17T09:00", "1"], "no UTC offset"),
        (["calendar", "add", "2026-03-17T09:00+07:00", "-3"], "between 0 and"),
        (["calendar", "add", "2026-03-17T09:00+07:00", "1", "--tz", "Moon/Base"], "time zone"),
    ],
)
def test_it_rejects_bad_input_with_one_line_and_status_2(
    argv: list[str], needle: str, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_it_names_key_and_file_of_a_bad_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[working_hours]\nopen = "25:00"\n')
    assert main(["--config", str(bad), "calendar", "holidays", "2026"]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "working_hours.open" in err


def test_it_initialises_schema_and_accounts(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(config), "init"]) == 0
    assert main(["--config", str(config), "db", "upgrade"]) == 0
    assert "already at" in capsys.readouterr().out
    engine = make_engine(f"sqlite:///{tmp_path}/desk.db")
    assert current_revision(engine) == head_revision(engine)
    with session_factory(engine)() as session:
        names = set(session.scalars(select(Account.name)))
    engine.dispose()
    assert names == {"x-haidjpb", "ig-haidjpb", "fb-haidjpb", "yt-haidjpb"}


def test_it_prints_help_for_every_command_without_a_traceback() -> None:
    for argv in (["--help"], ["calendar", "--help"], ["catalog", "show", "--help"],
                 ["db", "upgrade", "--help"]):
        result = subprocess.run([sys.executable, "-m", "socialdesk", *argv],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout
