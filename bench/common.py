"""Shared pieces of the pipeline benchmarks: the machine line, databases made for one run
(a SQLite file, or a PostgreSQL schema dropped afterwards), the four sandbox accounts, a
realistic message mix from the demo script, and percentiles.

Imported by the bench_*.py scripts next to it (run them from the repository root).
"""

from __future__ import annotations

import os
import platform
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select, text

from socialdesk.connectors.sandbox_network import (
    SandboxNetwork,
    Scenario,
    ScenarioAccount,
    ScenarioMessage,
)
from socialdesk.core.settings import Settings, load_settings
from socialdesk.demo.scenario import SCRIPT
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from socialdesk.store.models import Message, PollCursor, Reply

WIB = ZoneInfo("Asia/Jakarta")
# A working Monday morning, so replies are the in-hours ones and no job waits for opening.
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PYTHON = Path(sys.executable)
REPO = Path(__file__).resolve().parent.parent

# The four sandbox accounts, one per imitated platform, and the demo account each stands in
# for when the demo script's texts are replayed.
ACCOUNTS: tuple[ScenarioAccount, ...] = (
    ScenarioAccount("sb-x", "x", "haiDJPb"),
    ScenarioAccount("sb-ig", "instagram", "hai.djpb"),
    ScenarioAccount("sb-fb", "facebook", "hai.djpb"),
    ScenarioAccount("sb-yt", "youtube", "HAI-DJPB"),
)
DEMO_TO_BENCH = {"demo-x": "sb-x", "demo-ig": "sb-ig", "demo-fb": "sb-fb", "demo-yt": "sb-yt"}
STREAMS: dict[str, tuple[str, ...]] = {
    "sb-x": ("mentions", "dms"), "sb-ig": ("comments", "mentions", "dms"),
    "sb-fb": ("comments", "dms"), "sb-yt": ("comments",),
}


def machine_lines(pg_url: str | None) -> list[str]:
    """CPU, Python, SQLite and (when reachable) PostgreSQL, to print next to the figures."""
    lines = [
        f"machine: {os.cpu_count()} CPUs ({platform.machine()}, {platform.system()} "
        f"{platform.release()}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}",
    ]
    if pg_url:
        lines.append(f"PostgreSQL: {postgres_version(pg_url)}")
    lines.append(load_line())
    return lines


def load_line() -> str:
    """The load average: other work on a shared machine moves every figure below."""
    one, five, fifteen = os.getloadavg()
    return f"load average: {one:.2f} {five:.2f} {fifteen:.2f}"


def postgres_version(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())
    except Exception as exc:  # the figures for SQLite are still worth printing
        return f"not reachable ({type(exc).__name__})"
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class Database:
    """Where one run's data lives; `url` plus `schema` is all a worker process needs."""

    url: str
    schema: str = ""

    @property
    def kind(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"

    @property
    def daemon_url(self) -> str:
        """The URL for a settings file: the schema rides along as a libpq option."""
        if not self.schema:
            return self.url
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options={quote(f'-csearch_path={self.schema}')}"

    def engine(self, **kwargs: object) -> Engine:
        if self.schema:
            kwargs.setdefault("connect_args", {"options": f"-csearch_path={self.schema}"})
        return make_engine(self.url, **kwargs)


@contextmanager
def fresh_database(kind: str, workdir: Path, pg_url: str) -> Iterator[Database]:
    """A migrated, empty database for one run; a PostgreSQL schema is dropped afterwards."""
    if kind == "sqlite":
        path = workdir / f"desk-{uuid.uuid4().hex[:8]}.db"
        db = Database(f"sqlite:///{path}")
        engine = db.engine()
        upgrade(engine)
        engine.dispose()
        yield db
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(pg_url, schema)
    try:
        engine = db.engine()
        upgrade(engine)
        engine.dispose()
        yield db
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def settings_toml(database_url: str, network: Path, *, poll_interval: int = 10,
                  accounts: Sequence[ScenarioAccount] = ACCOUNTS,
                  open_around: date | None = None) -> str:
    """A settings file for the sandbox accounts, with the packaged catalog and rules.
    `open_around`: the desk is open all day on that date and the days either side, so a
    daemon on the wall clock polls at its working-hours pace whenever the bench runs."""
    parts = [f'[database]\nurl = "{database_url}"\n']
    if open_around is not None:
        days = ", ".join(f'"{open_around + timedelta(days=d)}"' for d in (-1, 0, 1))
        parts.append(f'\n[working_hours]\ntimezone = "UTC"\nopen = "00:00"\n'
                     f'close = "23:59:59"\nopen_dates = [{days}]\n')
    for account in accounts:
        streams = ", ".join(f'"{s}"' for s in STREAMS[account.name])
        parts.append(
            f'\n[[accounts]]\nname = "{account.name}"\nplatform = "sandbox"\n'
            f'handle = "{account.handle}"\nstreams = [{streams}]\n'
            f"poll_interval = {poll_interval}\n"
            f'options = {{ network = "{network}", as_platform = "{account.as_platform}" }}\n')
    return "".join(parts)


def write_settings(path: Path, database_url: str, network: Path, *,
                   poll_interval: int = 10, open_around: date | None = None) -> Settings:
    path.write_text(settings_toml(database_url, network, poll_interval=poll_interval,
                                  open_around=open_around), encoding="utf-8")
    return load_settings(path, environ={})


def prepare_daemon_run(workdir: Path, db: Database,
                       poll_interval: int) -> tuple[SandboxNetwork, Path, datetime]:
    """An empty sandbox network starting now and a settings file for `socialdesk run`."""
    network = SandboxNetwork(workdir / "network.db")
    start = datetime.now(UTC)
    network.load(Scenario(ACCOUNTS, ()), start)
    settings_path = workdir / "socialdesk.toml"
    write_settings(settings_path, db.daemon_url, workdir / "network.db",
                   poll_interval=poll_interval, open_around=start.date())
    return network, settings_path, start


@contextmanager
def running_daemon(settings_path: Path, log_path: Path,
                   extra: Sequence[str] = ()) -> Iterator[subprocess.Popen[bytes]]:
    """`socialdesk run` as a child process, stopped with SIGTERM (as systemd does)."""
    command = [str(PYTHON), "-m", "socialdesk", "--config", str(settings_path), "run",
               "--log-level", "WARNING", *extra]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def mixed_messages(count: int, offsets: Sequence[float], prefix: str) -> list[ScenarioMessage]:
    """`count` messages with the demo script's texts, kinds and streams, cycled, each with a
    unique id; message i appears `offsets[i]` seconds after the network's start."""
    out = []
    for index in range(count):
        account, stream, kind, author, _, text_ = SCRIPT[index % len(SCRIPT)]
        bench_account = DEMO_TO_BENCH[account]
        platform_id = f"{prefix}-{index:06d}"
        # Each DM author keeps one conversation; a comment or mention is its own thread.
        thread = f"{bench_account}-dm-{author}" if kind == "dm" else platform_id
        out.append(ScenarioMessage(
            account=bench_account, stream=stream, kind=kind,
            author_handle=author, text=text_, offset=timedelta(seconds=offsets[index]),
            platform_id=platform_id, conversation_id=thread,
        ))
    return out


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence (p in 0..1)."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(p * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def rss_kib(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) of a process in KiB from /proc, or None once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    values: dict[str, int] = {}
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    if "VmRSS" not in values:
        return None
    return values["VmRSS"], values.get("VmHWM", values["VmRSS"])


def wait_until_polling(engine: Engine, proc: subprocess.Popen[bytes],
                       limit: float = 120.0) -> float:
    """Seconds until the daemon has polled every stream once (each has a cursor row)."""
    began = time.monotonic()
    streams = sum(len(STREAMS[a.name]) for a in ACCOUNTS)
    try:
        while time.monotonic() - began < limit and proc.poll() is None:
            with engine.connect() as conn:
                rows = conn.execute(select(func.count()).select_from(PollCursor)).scalar()
            if (rows or 0) >= streams:
                break
            time.sleep(0.2)
    finally:
        engine.dispose()
    return time.monotonic() - began


def settled(engine: Engine, count: int) -> bool:
    with engine.connect() as conn:
        triaged = conn.execute(select(func.count()).select_from(Message)
                               .where(Message.triaged_at.is_not(None))).scalar()
        pending = conn.execute(select(func.count()).select_from(Reply)
                               .where(Reply.state.in_(("queued", "sending")))).scalar()
    return (triaged or 0) >= count and not pending
