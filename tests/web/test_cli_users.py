"""`socialdesk user add|passwd|disable|list|token|revoke` and the `web` command's parser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from socialdesk.app import users
from socialdesk.cli import build_parser, main
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from socialdesk.store.models import ApiToken, AuditLog, User


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SOCIALDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("SOCIALDESK_USER", "adi")
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                          parallelism=1))
    db = tmp_path / "desk.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    path = tmp_path / "socialdesk.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    return path


def _rows(config: Path, model: Any) -> list[Any]:
    db = config.read_text().split('"')[1]
    engine = make_engine(db)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(model)).all())
    finally:
        engine.dispose()


def test_users_are_added_changed_and_disabled_from_the_shell(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOCIALDESK_PASSWORD", "sandi-awal-panjang")
    assert main(["--config", str(config), "user", "add", "ani", "--role", "supervisor"]) == 0
    [user] = _rows(config, User)
    assert (user.username, user.role, user.active) == ("ani", "supervisor", True)
    assert user.password_hash.startswith("$argon2id$")
    monkeypatch.setenv("SOCIALDESK_PASSWORD", "sandi-kedua-panjang")
    assert main(["--config", str(config), "user", "passwd", "ani"]) == 0
    assert _rows(config, User)[0].password_hash != user.password_hash
    assert main(["--config", str(config), "user", "token", "ani", "--label", "bot"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("sdk_") and _rows(config, ApiToken)[0].token_hash != token
    assert main(["--config", str(config), "user", "disable", "ani"]) == 0
    assert _rows(config, User)[0].active is False
    assert _rows(config, ApiToken)[0].revoked_at is not None
    actions = [(a.actor, a.action) for a in _rows(config, AuditLog)]
    assert ("adi", "user_add") in actions and ("adi", "user_disable") in actions


def test_a_short_password_or_an_unknown_user_is_refused(
        config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SOCIALDESK_PASSWORD", "pendek")
    assert main(["--config", str(config), "user", "add", "ani"]) == 2
    assert "at least" in capsys.readouterr().err
    assert main(["--config", str(config), "user", "disable", "nobody"]) == 2
    assert _rows(config, User) == []


def test_the_web_command_listens_on_localhost_8080_by_default() -> None:
    args = build_parser().parse_args(["web"])
    assert (args.host, args.port, args.https) == ("127.0.0.1", 8080, False)


def test_corrections_are_exported_in_the_labelled_data_format(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from socialdesk.app.corrections import reclassify
    from socialdesk.core.settings import load_settings
    from socialdesk.desk.context import Desk
    from socialdesk.store.models import Account, Message
    from tests.test_datasets import FIELDS

    desk = Desk.from_settings(load_settings(str(config)))
    with desk.sessions() as session, session.begin():
        account = Account(name="x-main", platform="x", handle="haiDJPb")
        session.add(account)
        session.flush()
        session.add(Message(account_id=account.id, platform="x", stream="mentions",
                            platform_id="1", kind="mention", text="min SP2D belum cair",
                            author_handle="satker_b", platform_created_at=desk.now()))
    reclassify(desk, 1, actor="ani", intent="complaint", action="escalate", item_id="8.1.b")
    desk.close()
    assert main(["--config", str(config), "rules", "corrections", "--jsonl"]) == 0
    [line] = capsys.readouterr().out.strip().splitlines()
    row = json.loads(line)
    assert set(row) == FIELDS
    assert (row["text"], row["item"], row["intent"]) == ("min SP2D belum cair", "8.1.b",
                                                          "complaint")
