"""The agent commands through `socialdesk.cli.main`, on a SQLite database named in a settings
file, with the shell's clock set to Tuesday 10 March 2026, 09:30 WIB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.cli import common, main
from socialdesk.store.db import make_engine, session_factory, transaction
from socialdesk.store.migrate import upgrade
from socialdesk.store.models import Account, AuditLog, Message, Reply, Ticket

WIB = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=WIB)
REPO = Path(__file__).resolve().parent.parent
NIK = "3171234567890001"


@dataclass
class Shell:
    config: Path
    sessions: sessionmaker[Session]
    capsys: pytest.CaptureFixture[str]

    def run(self, *argv: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        status = main(["--config", str(self.config), *argv])
        out, err = self.capsys.readouterr()
        return status, out, err


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> Iterator[Shell]:
    monkeypatch.delenv("SOCIALDESK_DATABASE_URL", raising=False)
    monkeypatch.setenv("SOCIALDESK_USER", "sari")
    monkeypatch.setattr(common, "CLOCK", lambda: NOW)
    db = tmp_path / "desk.db"
    engine: Engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    config = tmp_path / "socialdesk.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    yield Shell(config, session_factory(engine), capsys)
    engine.dispose()


def _seed(shell: Shell) -> dict[str, int]:
    """Three messages to work on and one already closed, on X and Instagram."""
    ids: dict[str, int] = {}
    with transaction(shell.sessions) as s:
        x = Account(name="x-main", platform="x", handle="haiDJPb")
        ig = Account(name="ig-main", platform="instagram", handle="hai.djpb")
        s.add_all([x, ig])
        s.flush()
        rows = {
            "late": (ig, "comment", f"NIK saya {NIK} belum cair", -5, "8", "8.1.b"),
            "soon": (x, "mention", "reset password sakti gimana min", 10, "8", "8.1.b"),
            "calm": (x, "dm", f"NIK saya {NIK}, mohon dicek", 50, None, None),
            "done": (x, "mention", "terima kasih min", -60, None, None),
        }
        for n, (name, (account, kind, text, due_in, service, item)) in enumerate(rows.items()):
            received = NOW - timedelta(minutes=20)
            message = Message(
                account_id=account.id, platform=account.platform, stream="s",
                platform_id=str(n), kind=kind, author_id="u1", author_handle="@budi",
                text=text, platform_created_at=received, received_at=received,
                state="closed" if name == "done" else "open",
                response_due_at=NOW + timedelta(minutes=due_in), triaged_at=received,
                service_id=service, item_id=item, intent="question", action="agent",
                confidence=0.7, rules=["svc:sakti"], pii=[])
            s.add(message)
            s.flush()
            ids[name] = message.id
    return ids


def _count(shell: Shell, model: type[Reply] | type[AuditLog] | type[Ticket]) -> int:
    with shell.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_it_prints_the_queue_oldest_due_first_with_personal_data_masked(shell: Shell) -> None:
    ids = _seed(shell)
    status, out, _ = shell.run("queue")
    assert status == 0
    header, *lines = out.splitlines()
    assert header.split()[:5] == ["ID", "ACCOUNT", "KIND", "AGE", "DUE"]
    assert [int(line.split()[0]) for line in lines] == [ids["late"], ids["soon"], ids["calm"]]
    late, soon, calm = lines
    assert "instagram/ig-main" in late and "LATE" in late and "[NIK]" in late
    assert NIK not in late
    assert " 0:10 " in soon and "8.1.b" in soon and "20m" in soon
    assert NIK not in calm  # masked in a DM too: `show --reveal` shows it, audited


def test_it_filters_the_queue_from_the_command_line(shell: Shell) -> None:
    ids = _seed(shell)

    def listed(*argv: str) -> list[int]:
        status, out, _ = shell.run("queue", "--json", *argv)
        assert status == 0
        return [json.loads(line)["id"] for line in out.splitlines()]

    assert listed("--platform", "x") == [ids["soon"], ids["calm"]]
    assert listed("--service", "8") == [ids["late"], ids["soon"]]
    assert listed("--at-risk") == [ids["late"], ids["soon"]]
    assert listed("--state", "closed") == [ids["done"]]
    assert listed("--state", "open", "--state", "closed", "--limit", "2") == [
        ids["done"], ids["late"]]


def test_it_prints_json_lines_with_wib_times(shell: Shell) -> None:
    ids = _seed(shell)
    status, out, _ = shell.run("queue", "--json")
    first = json.loads(out.splitlines()[0])
    assert status == 0 and first["id"] == ids["late"]
    assert first["received_at"] == "2026-03-10T09:10:00+07:00"
    assert first["late"] is True and first["age"] == 20 * 60
    assert NIK not in first["text"]
    _, utc_out, _ = shell.run("queue", "--json", "--tz", "UTC")
    assert json.loads(utc_out.splitlines()[0])["received_at"] == "2026-03-10T02:10:00+00:00"


def test_it_shows_a_message_with_times_in_wib(shell: Shell) -> None:
    ids = _seed(shell)
    status, out, _ = shell.run("show", str(ids["late"]))
    assert status == 0
    assert "received  2026-03-10 09:10 WIB" in out
    assert "due       2026-03-10 09:25 WIB   (LATE)" in out
    _, soon, _ = shell.run("show", str(ids["soon"]))
    assert "due       2026-03-10 09:40 WIB   (0:10 left in working time)" in soon
    assert "Layanan SAKTI" in out and "Reset Password User SAKTI nonsatker" in out
    assert "why         svc:sakti" in out and "ticket: none" in out
    assert NIK not in out and "[NIK]" in out
    _, utc, _ = shell.run("show", f"#{ids['late']}", "--tz", "UTC")
    assert "received  2026-03-10 02:10 UTC" in utc


def test_it_refuses_a_guarded_reply_with_status_1(shell: Shell) -> None:
    ids = _seed(shell)
    status, out, err = shell.run(
        "reply", str(ids["soon"]), "--text",
        "Menurut PMK tersebut, Kakak wajib mengembalikan dana itu.")
    assert status == 1 and out == ""
    assert "interpretation" in err and err.count("\n") == 1
    status, _, err = shell.run("reply", str(ids["soon"]), "--text", f"NIK Kakak {NIK} ya")
    assert status == 1 and "pii:nik" in err
    assert _count(shell, Reply) == 0


def test_it_queues_a_reply_with_the_agents_key(shell: Shell) -> None:
    ids = _seed(shell)
    mid = ids["soon"]
    status, out, _ = shell.run("reply", str(mid), "--template", "agent_holding", "--as", "budi")
    assert status == 0 and f"[agent:{mid}:1]" in out and "now closed" in out
    status, out, _ = shell.run("reply", str(mid), "--text", "Sudah kami cek, Kak.")
    assert status == 0 and f"[agent:{mid}:2]" in out
    with shell.sessions() as s:
        authors = s.scalars(select(Reply.author).order_by(Reply.id)).all()
        assert authors == ["budi", "sari"]
        assert s.scalars(select(AuditLog.actor).order_by(AuditLog.id)).all() == authors


def test_it_escalates_and_keeps_the_ticket_history(shell: Shell) -> None:
    ids = _seed(shell)
    status, out, _ = shell.run("escalate", str(ids["soon"]))
    assert status == 0
    assert "opened ticket HAI-2026-000001" in out and "2026-03-13 09:30 WIB" in out
    status, out, _ = shell.run("ticket", "set", "hai2026000001", "in_progress", "--note",
                               "diproses unit")
    assert status == 0 and "ticket HAI-2026-000001  in_progress" in out
    status, out, _ = shell.run("ticket", "show", "HAI-2026-1")
    assert status == 0
    assert "owner unit  Direktorat Sistem Informasi dan Teknologi Perbendaharaan" in out
    history = out.split("history", 1)[1].splitlines()[1:]
    assert [line.split()[3] for line in history] == ["opened", "in_progress"]
    assert "(diproses unit)" in history[1]
    status, out, _ = shell.run("escalate", str(ids["soon"]))
    assert status == 0 and "already open" in out
    assert _count(shell, Ticket) == 1


def test_it_closes_a_message_with_a_note(shell: Shell) -> None:
    ids = _seed(shell)
    status, out, _ = shell.run("close", str(ids["calm"]), "--note", "spam")
    assert status == 0 and out.strip() == f"closed message {ids['calm']} (was open)"
    with shell.sessions() as s:
        audit = s.scalars(select(AuditLog)).one()
        assert (audit.actor, audit.action, audit.detail["note"]) == ("sari", "close", "spam")
    _, out, _ = shell.run("queue", "--json")
    assert ids["calm"] not in [json.loads(line)["id"] for line in out.splitlines()]


@pytest.mark.parametrize(("argv", "named"), [
    (("show", "999"), "no message 999"),
    (("show", "abc"), "not a message id"),
    (("reply", "999", "--text", "Halo Kak"), "no message 999"),
    (("reply", "1", "--text", "Halo Kak", "--var", "a=b"), "--var goes with --template"),
    (("reply", "1", "--template", "agent_holding", "--var", "nokey"), "KEY=VALUE"),
    (("reply", "1", "--template", "no_such"), "unknown reply template"),
    (("escalate", "999"), "no message 999"),
    (("escalate", "2", "--service", "99"), "unknown catalog service '99'"),
    (("escalate", "2", "--item", "8.9.z"), "unknown catalog item '8.9.z'"),
    (("close", "999"), "no message 999"),
    (("ticket", "show", "HAI-2026-000999"), "no ticket HAI-2026-000999"),
    (("ticket", "show", "T-1"), "not a ticket number"),
    (("queue", "--platform", "tiktok"), "unknown platform 'tiktok'"),
    (("queue", "--service", "99"), "unknown service or item '99'"),
])
def test_it_exits_2_with_one_line_on_bad_input(shell: Shell, argv: tuple[str, ...],
                                               named: str) -> None:
    _seed(shell)
    status, out, err = shell.run(*argv)
    assert status == 2 and out == ""
    assert named in err and err.count("\n") == 1 and err.startswith("socialdesk: error:")


def test_show_reveal_prints_the_unmasked_text_and_audits_it(shell: Shell) -> None:
    ids = _seed(shell)
    status, out, _ = shell.run("show", str(ids["calm"]), "--reveal", "--as", "andi")
    assert status == 0
    masked, _, unmasked = out.partition("unmasked (audited):")
    assert NIK not in masked and NIK in unmasked
    with shell.sessions() as s:
        assert s.scalars(select(AuditLog.action).where(AuditLog.actor == "andi")).all() == [
            "reveal"]
