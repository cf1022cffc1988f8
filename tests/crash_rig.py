"""Spawning `socialdesk run` as real processes against the sandbox network, killing them,
and reading back what the desk and the network recorded.

Used by tests/test_crash_safety.py, tests/test_daemon.py and bench/bench_crash.py.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from socialdesk.connectors.sandbox_network import (
    SandboxNetwork,
    Scenario,
    ScenarioAccount,
    ScenarioMessage,
    Sent,
)
from socialdesk.desk.triage import ANSWERED_BEFORE
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from socialdesk.store.models import Account, Message, PollCursor, Reply

REPO = Path(__file__).resolve().parent.parent
READY = "socialdesk running as"
LEADS = "leads the pollers"
PG_ENV = "SOCIALDESK_TEST_DATABASE_URL"
# (name, imitated platform, stream, message kind)
ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("sb-x", "x", "mentions", "mention"),
    ("sb-ig", "instagram", "comments", "comment"),
    ("sb-fb", "facebook", "comments", "comment"),
    ("sb-yt", "youtube", "comments", "comment"),
)
# Texts whose outcome covers every first step: greeting and thanks (auto reply), a SAKTI
# problem (ticket), interpretation (refusal), personal data (redirect + hide), spam (none).
TEXTS: tuple[str, ...] = (
    "halo min selamat pagi",
    "terima kasih min infonya sangat membantu",
    "min sy tdk bisa login SAKTI, user terkunci trs gmn ya",
    "Min, menurut PMK 62 tahun 2023 pasal 40, apakah boleh TUP dipakai untuk bayar honor? "
    "mohon penegasannya",
    "kak gaji sy blm masuk, NIK 3201011203900004 rek BRI 0123-01-000456-50-1",
    "slot gacor maxwin hari ini!!! daftar sekarang bonus 100% wd cepat",
)


# -- settings and database -----------------------------------------------------------------


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def write_config(path: Path, *, database_url: str, network: Path,
                 accounts: Sequence[tuple[str, str, str, str]] = ACCOUNTS,
                 poll_interval: int = 5, send_delay: float = 0.0) -> Path:
    """A settings file for the daemon: sandbox accounts, the repo's rules and templates.

    The desk is open around the clock for three days from yesterday, so polls keep the
    same pace (and replies the same wording) whatever hour the suite runs at.
    """
    today = datetime.now(UTC).date()
    days = [str(today + timedelta(days=d)) for d in (-1, 0, 1, 2)]
    lines = [
        "[database]", f"url = {_toml(database_url)}", "",
        "[working_hours]", 'open = "00:00"', 'close = "23:59:59"',
        f"open_dates = {_toml(days)}", "",
    ]
    for name, platform, stream, _kind in accounts:
        lines += [
            "[[accounts]]", f"name = {_toml(name)}", 'platform = "sandbox"',
            f"handle = {_toml(name)}", f"streams = {_toml([stream])}",
            f"poll_interval = {poll_interval}",
            f"options = {{ network = {_toml(str(network))}, as_platform = {_toml(platform)}, "
            f"send_delay = {send_delay} }}",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@contextmanager
def pg_schema(base_url: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL schema; yields a URL whose connections use it, so that
    processes started with it land in the same schema. Dropped afterwards."""
    schema = f"sd_crash_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"
    url = f"{base_url}{separator}options={quote(f'-csearch_path={schema}', safe='')}"
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare_database(url: str) -> Engine:
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        upgrade(engine)
    return engine


# -- processes -----------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOCIALDESK_DATABASE_URL", "SOCIALDESK_CONFIG")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class DaemonProcess:
    """One `socialdesk run` process; its stderr goes to `log_path`."""

    config: Path
    log_path: Path
    roles: str | None = None
    worker_id: str | None = None
    tick: float = 0.1
    proc: subprocess.Popen[bytes] = field(init=False)

    def __post_init__(self) -> None:
        argv = [sys.executable, "-m", "socialdesk", "--config", str(self.config), "run",
                "--tick", str(self.tick)]
        if self.roles:
            argv += ["--roles", self.roles]
        if self.worker_id:
            argv += ["--worker-id", self.worker_id]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=child_env(), cwd=REPO)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for(self, needle: str, timeout: float = 30.0) -> bool:
        """Wait until the log shows `needle`; False if the process ends or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log():
                return True
            if self.proc.poll() is not None:
                return needle in self.log()
            time.sleep(0.02)
        return False

    def wait_ready(self, timeout: float = 30.0) -> None:
        if not self.wait_for(READY, timeout):
            self.kill()
            raise RuntimeError(f"daemon {self.pid} did not start:\n{self.log()[-3000:]}")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then the exit status; killed (and -9 returned) if it does not stop."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9


@contextmanager
def daemons() -> Iterator[list[DaemonProcess]]:
    """A list to start daemons into; every one still running at the end is killed."""
    started: list[DaemonProcess] = []
    try:
        yield started
    finally:
        for daemon in started:
            daemon.kill()


def wait_until(check: Callable[[], bool], timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


# -- scenario ------------------------------------------------------------------------------


def crash_scenario(rng: random.Random, count: int, spread: float,
                   accounts: Sequence[tuple[str, str, str, str]] = ACCOUNTS) -> Scenario:
    """`count` messages over the accounts, becoming visible over `spread` seconds (a tenth
    of them at once); every fifteenth one is malformed and must be skipped."""
    messages = []
    for n in range(count):
        name, _, stream, kind = accounts[n % len(accounts)]
        offset = 0.0 if n < count // 10 else rng.uniform(0.0, spread)
        text_ = f"{rng.choice(TEXTS)} #{n}"
        if name == "sb-x":
            text_ = "@haiDJPb " + text_
        messages.append(ScenarioMessage(
            account=name, stream=stream, kind=kind, author_handle=f"warga{n % 17}",
            text=text_, offset=timedelta(seconds=offset), platform_id=f"{name}-{n:05d}",
            malformed=n % 15 == 14,
        ))
    return Scenario(tuple(ScenarioAccount(a, p, a) for a, p, _, _ in accounts),
                    tuple(messages))


def load_network(path: Path, scenario: Scenario, lead: float = 0.0) -> SandboxNetwork:
    """The network with `scenario` starting `lead` seconds ago (real time)."""
    network = SandboxNetwork(path)
    network.load(scenario, datetime.now(UTC) - timedelta(seconds=lead))
    return network


# -- what was recorded ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """What the desk's database and the network say at one moment."""

    delivered: frozenset[str]
    stored: Counter[str]
    untriaged: int
    pending: int
    in_flight: int
    held: int
    needs_answer: frozenset[str]
    answered: Counter[str]
    sends: tuple[Sent, ...]


def delivered_ids(scenario: Scenario, accounts: Sequence[str] | None = None) -> frozenset[str]:
    return frozenset(m.platform_id for m in scenario.messages
                     if not m.malformed and (accounts is None or m.account in accounts))


def tally(engine: Engine, network: SandboxNetwork, delivered: frozenset[str]) -> Tally:
    with engine.connect() as conn:
        stored = Counter(str(p) for p in conn.scalars(select(Message.platform_id)))
        untriaged = conn.scalar(select(func.count()).select_from(Message)
                                .where(Message.triaged_at.is_(None))) or 0
        states = Counter({str(s): int(n) for s, n in conn.execute(
            select(Reply.state, func.count()).group_by(Reply.state))})
        # A message whose author already had this canned reply and the holding reply is
        # handed to a person with no reply at all (triage's conversation rule): no bot reply
        # is owed. If triage queued one for it, that one must still go out.
        first = {i for i in conn.scalars(select(Reply.message_id).where(
            Reply.idempotency_key.like("message:%:first"))) if i is not None}
        needs = frozenset(str(p) for i, p, rules in conn.execute(
            select(Message.id, Message.platform_id, Message.rules)
            .where(Message.action.is_not(None), Message.action != "ignore"))
            if i in first or ANSWERED_BEFORE not in (rules or []))
        answered = Counter(str(p) for p in conn.scalars(
            select(Message.platform_id).join(Reply, Reply.message_id == Message.id)
            .where(Reply.idempotency_key.like("message:%:first"), Reply.state == "sent")))
    return Tally(delivered=delivered, stored=stored, untriaged=int(untriaged),
                 pending=states["queued"], in_flight=states["sending"], held=states["held"],
                 needs_answer=needs, answered=answered, sends=tuple(network.replies()))


def quiet(t: Tally) -> bool:
    """Everything delivered is in, triaged, and no reply is waiting or in flight."""
    return (set(t.stored) >= t.delivered and t.untriaged == 0 and t.pending == 0
            and t.in_flight == 0)


def duplicate_sends(sends: Sequence[Sent]) -> list[str]:
    """Replies the network received twice: the same (account, target, action) for replies
    and private replies, or the same idempotency key on any send that has one. A hide may
    repeat: it has no key and hiding twice changes nothing."""
    seen_targets = Counter((s.account, s.target_id, s.action) for s in sends
                           if s.action in ("reply", "private"))
    seen_keys = Counter(s.idempotency_key for s in sends if s.idempotency_key)
    return ([f"{a}/{t}/{k} sent {n} times" for (a, t, k), n in seen_targets.items() if n > 1]
            + [f"idempotency key {k} sent {n} times" for k, n in seen_keys.items() if n > 1])


def problems(t: Tally) -> list[str]:
    """Every way the final state breaks the at-most-once and nothing-lost promises."""
    out = []
    missing = t.delivered - set(t.stored)
    if missing:
        out.append(f"{len(missing)} delivered messages never stored: {sorted(missing)[:5]}")
    twice = [p for p, n in t.stored.items() if n > 1]
    if twice:
        out.append(f"messages stored twice: {twice[:5]}")
    extra = set(t.stored) - t.delivered
    if extra:
        out.append(f"stored messages the network never delivered: {sorted(extra)[:5]}")
    if t.untriaged:
        out.append(f"{t.untriaged} messages never triaged")
    if t.pending or t.in_flight or t.held:
        out.append(f"replies stuck: {t.pending} queued, {t.in_flight} sending, {t.held} held")
    out.extend(duplicate_sends(t.sends))
    unanswered = t.needs_answer - set(t.answered)
    if unanswered:
        out.append(f"{len(unanswered)} messages without a first reply: {sorted(unanswered)[:5]}")
    answered_twice = [p for p, n in t.answered.items() if n > 1]
    if answered_twice:
        out.append(f"messages with more than one first reply: {answered_twice[:5]}")
    sent_to = Counter(s.target_id for s in t.sends if s.action in ("reply", "private"))
    for pid in t.needs_answer:
        if sent_to[pid] != 1:
            out.append(f"{pid}: the network got {sent_to[pid]} replies, not one")
    return out


# -- the crash harness ---------------------------------------------------------------------


@dataclass
class CrashReport:
    seed: int
    kills: int = 0
    messages: int = 0
    replies: int = 0
    duplicates: int = 0
    in_flight_at_kill: int = 0
    mid_send_kills: int = 0  # kills with at least one send in flight
    poisoned: int = 0  # messages delivered with a lone surrogate in their text
    delivered_before_record: int = 0
    lost_responses: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"seed {self.seed}: {self.kills} kills, {self.messages} messages, "
                f"{self.replies} replies sent, {self.duplicates} duplicates, "
                f"{self.mid_send_kills} kills mid-send, {self.poisoned} poisoned messages, "
                f"{self.in_flight_at_kill} sends in flight at a kill "
                f"({self.delivered_before_record} of them had reached the network), "
                f"{self.lost_responses} lost responses, {self.seconds:.1f} s")


def _in_flight(engine: Engine) -> list[tuple[int, str]]:
    """(reply id, target platform id) of replies left `sending` by a killed daemon."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Reply.id, Message.platform_id).join(Message, Message.id == Reply.message_id)
            .where(Reply.state == "sending")).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def crash_run(workdir: Path, database_url: str, *, kills: int, seed: int,
              messages: int | None = None, lost_every: int = 10, quiet_tail: int = 30,
              settle_timeout: float = 180.0, send_delay: float = 0.4, mid_send_every: int = 2,
              progress: Callable[[str], None] | None = None) -> CrashReport:
    """Run, SIGKILL and restart the daemon `kills` times at random moments while messages
    arrive, then let a last daemon run to quiescence and stop it with SIGTERM.

    Every `lost_every` kills, each account's next send loses its response (the platform
    got it, the desk did not hear back), so the look-before-resend path is exercised. The
    last `quiet_tail` kills inject none: the retry of a lost response waits out a back-off
    of half a minute or more, which should fall inside the run, not after it.

    Sends are held open `send_delay` seconds (half before the network records them), and
    every `mid_send_every`-th life is killed as soon as a send is in flight, so that kills
    land mid-send. Every `lost_every` kills a poisoned message (a lone surrogate in its text)
    is also delivered: it must be stored like any other, and its page with it.
    """
    rng = random.Random(seed)
    report = CrashReport(seed=seed)
    began = time.monotonic()
    # About 1.6 s per life (start-up plus the sleep): the messages arrive over most of it.
    spread = max(5.0, kills * 1.3)
    count = messages if messages is not None else max(40, kills * 2)
    scenario = crash_scenario(rng, count, spread)
    network = load_network(workdir / "network.db", scenario)
    config = write_config(workdir / "socialdesk.toml", database_url=database_url,
                          network=workdir / "network.db", send_delay=send_delay)
    engine = prepare_database(database_url)
    delivered = delivered_ids(scenario)
    lost_injected = poison_injected = 0
    try:
        with daemons() as running:
            for n in range(kills):
                if n % lost_every == 0 and (n == 0 or n < kills - quiet_tail):
                    for name, _, stream, _ in ACCOUNTS:
                        network.inject(name, "lost_response", stream="send")
                        network.inject(name, "poison", stream=stream)
                        lost_injected += 1
                        poison_injected += 1
                daemon = DaemonProcess(config, workdir / f"daemon-{n:04d}.log")
                running.append(daemon)
                daemon.wait_ready()
                if mid_send_every and n % mid_send_every == 0:
                    # Killed as soon as a send is in flight (or after 2 s without one).
                    wait_until(lambda: bool(_in_flight(engine)), timeout=2.0, every=0.02)
                    time.sleep(rng.uniform(0.0, send_delay))
                else:
                    time.sleep(rng.uniform(0.05, 1.0))
                daemon.kill()
                report.kills += 1
                flying = _in_flight(engine)
                report.in_flight_at_kill += len(flying)
                report.mid_send_kills += bool(flying)
                if flying:
                    sent_to = {s.target_id for s in network.replies()}
                    report.delivered_before_record += sum(1 for _, pid in flying
                                                          if pid in sent_to)
                if progress is not None and (n + 1) % 25 == 0:
                    progress(f"{n + 1} kills, {time.monotonic() - began:.0f} s")
            # Everything must be visible before the last daemon starts, so that its first
            # poll is the last one needed.
            latest = max((m.offset.total_seconds() for m in scenario.messages), default=0.0)
            wait_until(lambda: (datetime.now(UTC) - network.start()).total_seconds()
                       > latest + 0.5, timeout=latest + 5)
            final = DaemonProcess(config, workdir / "daemon-final.log")
            running.append(final)
            final.wait_ready()
            settled = wait_until(lambda: quiet(tally(engine, network, delivered)),
                                 timeout=settle_timeout, every=0.25)
            status = final.terminate()
            if not settled:
                report.problems.append(f"not quiet after {settle_timeout:.0f} s")
            if status != 0:
                report.problems.append(f"the last daemon exited with {status} on SIGTERM")
        final_tally = tally(engine, network, delivered)
        report.problems.extend(problems(final_tally))
        report.messages = sum(final_tally.stored.values())
        report.replies = sum(1 for s in final_tally.sends if s.action in ("reply", "private"))
        report.duplicates = len(duplicate_sends(final_tally.sends))
        with engine.connect() as conn:
            left = conn.scalar(select(func.count()).select_from(Reply)
                               .where(Reply.reason.like("uncertain:%"))) or 0
        if left:
            report.problems.append(f"{left} replies still marked uncertain")
        left_faults = _faults_left(network)
        report.lost_responses = lost_injected - left_faults.get("lost_response", 0)
        report.poisoned = poison_injected - left_faults.get("poison", 0)
    finally:
        engine.dispose()
    report.seconds = time.monotonic() - began
    return report


def _faults_left(network: SandboxNetwork) -> dict[str, int]:
    """Injected faults not yet taken, by kind."""
    with sqlite3.connect(network.path) as db:
        rows = db.execute("SELECT kind, COALESCE(SUM(remaining), 0) FROM faults "
                          "GROUP BY kind").fetchall()
    return {str(kind): int(left) for kind, left in rows}


def account_row(engine: Engine, name: str) -> Account:
    with Session(engine, expire_on_commit=False) as db:
        account = db.scalars(select(Account).where(Account.name == name)).one()
        db.expunge(account)
        return account


def cursor_row(engine: Engine, account: str, stream: str) -> PollCursor | None:
    with Session(engine) as db:
        row = db.scalars(
            select(PollCursor).join(Account, Account.id == PollCursor.account_id)
            .where(Account.name == account, PollCursor.stream == stream)).one_or_none()
        if row is not None:
            db.expunge(row)
        return row
