"""Building blocks for pipeline tests: a desk on the test database, the sandbox network and a
clock that moves only when the test says so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from socialdesk.connectors.sandbox_network import (
    SandboxNetwork,
    Scenario,
    ScenarioAccount,
    ScenarioMessage,
)
from socialdesk.core.settings import Settings, parse_settings
from socialdesk.demo.simclock import ManualClock
from socialdesk.desk import outbox, triage
from socialdesk.desk.accounts import sync_accounts as sync_accounts_with
from socialdesk.desk.context import Desk
from socialdesk.desk.poll import poll_stream

WIB = timezone(timedelta(hours=7))
# Monday 30 November 2026, 07:30 WIB: half an hour before the desk opens.
START = datetime(2026, 11, 30, 7, 30, tzinfo=WIB)
ACCOUNTS = (("sb-x", "x", "mentions"), ("sb-ig", "instagram", "comments"),
            ("sb-fb", "facebook", "comments"), ("sb-yt", "youtube", "comments"))


@dataclass
class Rig:
    desk: Desk
    clock: ManualClock
    network: SandboxNetwork
    settings: Settings

    def say(self, account: str, text: str, *, at: timedelta, kind: str = "",
            author: str = "warga_a", stream: str = "") -> str:
        platform_stream = {a: s for a, _, s in ACCOUNTS}[account]
        default_kind = "mention" if platform_stream == "mentions" else "comment"
        return self.network.add_message(ScenarioMessage(
            account=account, stream=stream or platform_stream, kind=kind or default_kind,
            author_handle=author, text=text, offset=at))

    def poll_all(self) -> None:
        for account, _, stream in ACCOUNTS:
            poll_stream(self.desk, account, stream)

    def cycle(self) -> None:
        """One turn of the daemon's jobs, in order."""
        self.poll_all()
        triage.run_once(self.desk)
        outbox.run_once(self.desk)

    def session(self) -> Session:
        return self.desk.sessions()


def make_settings(tmp_path: Path, network: Path, accounts: Sequence[tuple[str, str, str]]
                  = ACCOUNTS) -> Settings:
    data = {
        "database": {"url": f"sqlite:///{tmp_path}/unused.db"},
        "accounts": [
            {"name": name, "platform": "sandbox", "handle": name, "streams": [stream],
             "poll_interval": 30, "options": {"network": str(network), "as_platform": plat}}
            for name, plat, stream in accounts
        ],
    }
    return parse_settings(data, "test-settings", None, {})


def make_rig(engine: Engine, tmp_path: Path, *, now: datetime = START,
             worker_id: str = "test:1") -> Rig:
    network = SandboxNetwork(tmp_path / "network.db")
    network.load(Scenario(tuple(ScenarioAccount(n, p, n) for n, p, _ in ACCOUNTS), ()), START)
    settings = make_settings(tmp_path, tmp_path / "network.db")
    sync_accounts_with(engine, settings)
    clock = ManualClock(now)
    desk = Desk.from_settings(settings, now=clock, engine=engine, worker_id=worker_id)
    return Rig(desk, clock, network, settings)


def send_thanks(rig: Rig, count: int) -> list[int]:
    """Thanks from `count` writers, triaged at noon and answered by one outbox claim: the
    ids of the replies sent and recorded, in the order the claim sent them."""
    for n in range(count):
        rig.say("sb-x", f"@haiDJPb terima kasih min #{n}", at=timedelta(hours=4, minutes=n),
                author=f"warga_{n}")
    rig.clock.set(START + timedelta(hours=4, minutes=30))
    rig.poll_all()
    triage.run_once(rig.desk)
    outcomes = outbox.run_once(rig.desk)
    assert [o.state for o in outcomes] == ["sent"] * count
    assert len(rig.network.replies("sb-x")) == count
    return [o.reply_id for o in outcomes]
