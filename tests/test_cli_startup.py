"""The shell starts quickly: building the parser imports no database, rules, template or
network library, and a named command imports no command module after its own."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from socialdesk.cli import COMMANDS, _command_word
from socialdesk.cli.agent import register as register_agent
from socialdesk.cli.daemon import ROLE_NAMES

# Libraries that take tens to hundreds of milliseconds to import, and the desk's own
# modules that pull them in. None is needed to list or parse the commands.
HEAVY = ("sqlalchemy", "alembic", "jinja2", "yaml", "requests", "holidays", "apscheduler",
         "prometheus_client", "tweepy", "socialdesk.store", "socialdesk.desk",
         "socialdesk.rules.assess", "socialdesk.app.actions", "socialdesk.runtime")


def _imported_after(code: str) -> list[str]:
    """Modules loaded in a fresh interpreter by `code`, from the HEAVY list."""
    probe = (f"import sys, json\n{code}\n"
             f"print(json.dumps(sorted(m for m in sys.modules "
             f"if m.split('.')[0] in {HEAVY!r} or m.startswith({HEAVY!r}))))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    return list(json.loads(done.stdout))


@pytest.mark.parametrize("module", COMMANDS)
def test_registering_a_command_group_imports_nothing_heavy(module: str) -> None:
    loaded = _imported_after(
        "import argparse, importlib\n"
        "sub = argparse.ArgumentParser().add_subparsers()\n"
        f"importlib.import_module({module!r}).register(sub)")
    assert loaded == [], f"{module} imports {loaded[:5]} to build its parser: import them " \
                         "inside the function that runs the command"


def test_a_named_command_imports_no_command_module_after_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom socialdesk.cli import build_parser\n"
                               "build_parser(['--config', 'x.toml', 'catalog', 'list'])\n"
                               "print(' '.join(m for m in sys.modules "
                               "if m.startswith('socialdesk.cli.')))"],
        capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    after = COMMANDS[COMMANDS.index("socialdesk.cli.catalog") + 1:]
    assert "socialdesk.cli.catalog" in loaded
    assert not loaded & set(after)


@pytest.mark.parametrize(("argv", "word"), [
    (["queue"], "queue"),
    (["--config", "var/demo/socialdesk.toml", "queue", "--at-risk"], "queue"),
    (["--config=x.toml", "show", "3"], "show"),
    (["--", "classify"], "classify"),
    (["--help"], None),
    ([], None),
])
def test_it_finds_the_command_word_past_the_global_options(argv: list[str],
                                                          word: str | None) -> None:
    assert _command_word(argv) == word


def test_the_shell_names_the_same_daemon_roles_as_the_daemon() -> None:
    from socialdesk.runtime.daemon import ROLES

    assert set(ROLE_NAMES) == ROLES


def test_the_shell_offers_the_ticket_states_the_actions_accept() -> None:
    from socialdesk.app.actions import SETTABLE_TICKET_STATES

    sub = argparse.ArgumentParser().add_subparsers()
    register_agent(sub)
    ticket = sub.choices["ticket"]
    for state in SETTABLE_TICKET_STATES:
        assert ticket.parse_args(["set", "HAI-2026-000001", state]).state == state
    with pytest.raises(SystemExit):
        ticket.parse_args(["set", "HAI-2026-000001", "open"])


def test_the_queue_command_reads_a_sqlite_desk_without_sqlalchemy(tmp_path: Path) -> None:
    # The agent's most frequent command: it reads through the driver (store.reader).
    from socialdesk.store.db import make_engine
    from socialdesk.store.migrate import upgrade

    upgrade(make_engine(f"sqlite:///{tmp_path / 'desk.db'}"))
    config = tmp_path / "socialdesk.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "desk.db"}"\n',
                      encoding="utf-8")
    loaded = _imported_after(
        "import contextlib, io\nfrom socialdesk.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['--config', {str(config)!r}, 'queue', '--at-risk']) == 0")
    assert not [m for m in loaded if m.split(".")[0] in ("sqlalchemy", "alembic")
                or m == "socialdesk.store.models"], loaded


def test_the_queue_command_says_to_upgrade_a_desk_without_a_schema(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from socialdesk.cli import main

    config = tmp_path / "socialdesk.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "desk.db"}"\n',
                      encoding="utf-8")
    assert main(["--config", str(config), "queue"]) == 2
    assert "socialdesk db upgrade" in capsys.readouterr().err
    assert not (tmp_path / "desk.db").exists()  # reading made no empty database
