"""`socialdesk run`: the scheduler that drives polls, triage, outbox and the SLA watcher.

Any number of processes may run triage and outbox workers; the poll jobs run only in the
process that holds the poller leadership. A job that fails is logged and runs again at its
next time; it never stops the others.

A stage that found work wakes the next one at once instead of leaving it to its interval (a
poll that stored messages wakes triage, a triage that queued replies wakes the outbox), and
a stage that filled its batch runs again at once, so a burst is drained back to back and a
single message goes from intake to its send in one pass. The intervals remain the pace of
an idle desk (and the safety net: a wake-up lost to a busy scheduler costs one interval).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from socialdesk.app import digest_send
from socialdesk.desk import outbox, publish, retention, sla, triage
from socialdesk.desk.context import Desk
from socialdesk.desk.outbox import STALE_AFTER
from socialdesk.desk.poll import poll_stream
from socialdesk.runtime.leader import Leadership, dead_local_process
from socialdesk.store.db import refresh_statistics
from socialdesk.store.models import Account

log = logging.getLogger(__name__)

ROLES = frozenset({"poll", "triage", "outbox", "sla"})
# Messages one triage run takes, replies one outbox run sends; a run that filled its batch
# is followed by another at once.
TRIAGE_BATCH = 100
OUTBOX_BATCH = 20
# Outside working hours nobody answers anyway, so polls run this many times less often.
OFF_HOURS_FACTOR = 3


@dataclass
class Intervals:
    """Seconds between runs of each job (the demo shortens them)."""

    triage: float = 2.0
    outbox: float = 2.0
    sla: float = 60.0
    publish: float = 5.0
    digest: float = 60.0
    leadership: float = 5.0
    reconcile: float = 30.0
    poll_tick: float | None = None
    """Seconds between wake-ups of a poll job; None: a third of its interval, at most 5."""
    stale_after: timedelta = STALE_AFTER


@dataclass
class Daemon:
    desk: Desk
    roles: Collection[str] = ROLES
    intervals: Intervals = field(default_factory=Intervals)
    on_event: Callable[[str, Any], None] | None = None
    scheduler: BackgroundScheduler = field(init=False)
    leadership: Leadership = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _last_poll: dict[tuple[str, str], datetime] = field(default_factory=dict, init=False)
    _running: set[str] = field(default_factory=set, init=False)
    _again: set[str] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        unknown = set(self.roles) - ROLES
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)} (known: {sorted(ROLES)})")
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=6)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        self.leadership = Leadership(self.desk.engine, self.desk.worker_id)

    # -- jobs ---------------------------------------------------------------------------
    def _guarded(self, name: str, job: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            if self._stop.is_set():
                return
            with self._lock:
                self._running.add(name)
            result = None
            try:
                result = job()
            except Exception:
                log.exception("job %s failed; it runs again at its next time", name)
            finally:
                with self._lock:
                    self._running.discard(name)
                    again = name in self._again
                    self._again.discard(name)
            for woken in ([name] if again else []) + _woken_by(name, result):
                self.wake(woken)
            if self.on_event is not None and result:
                self.on_event(name, result)
        return run

    def wake(self, name: str) -> None:
        """Run job `name` now rather than at its next time; if it is running, once more
        when it ends. Nothing happens for a job this process does not run."""
        if self._stop.is_set() or not self.scheduler.running:
            return
        with self._lock:
            if name in self._running:
                self._again.add(name)
                return
        job = self.scheduler.get_job(name)
        if job is not None:
            try:
                job.modify(next_run_time=datetime.now().astimezone())
            except Exception:  # the job went away meanwhile (shutdown): its interval rules
                log.debug("could not wake job %s", name, exc_info=True)

    def poll_job(self, account_name: str, stream: str, interval: float) -> Any:
        if not self.leadership.is_leader:
            return None
        now = self.desk.now()
        wait = timedelta(seconds=interval)
        if not self.desk.calendar.is_open(now):
            wait *= OFF_HOURS_FACTOR
        connector = self.desk.connector(account_name)
        hint = connector.poll_delay_hint()
        if hint > 0:
            wait += timedelta(seconds=hint)
        last = self._last_poll.get((account_name, stream))
        if last is not None and now - last < wait:
            return None
        self._last_poll[(account_name, stream)] = now
        return poll_stream(self.desk, account_name, stream)

    def triage_job(self) -> Any:
        return triage.run_once(self.desk, limit=TRIAGE_BATCH)

    def outbox_job(self) -> Any:
        return outbox.run_once(self.desk, limit=OUTBOX_BATCH)

    def reconcile_job(self) -> Any:
        return outbox.reconcile_stale(self.desk, self.intervals.stale_after)

    def sla_job(self) -> Any:
        counts = sla.watch(self.desk)
        return counts if (counts.warnings or counts.breaches) else None

    def publish_job(self) -> Any:
        return publish.run_once(self.desk)

    def digest_job(self) -> Any:
        return digest_send.send_due(self.desk)

    def retention_job(self) -> Any:
        return retention.purge(self.desk)

    def statistics_job(self) -> Any:
        refresh_statistics(self.desk.engine)  # the queue's plans follow the table's growth
        return None

    def leadership_job(self) -> Any:
        was = self.leadership.is_leader
        now = self.leadership.refresh()
        if now and not was:
            log.info("%s leads the pollers", self.desk.worker_id)
        return None

    # -- life cycle ---------------------------------------------------------------------
    def enabled_streams(self) -> list[tuple[str, str, float]]:
        """(account, stream, interval) for each stream of each enabled account."""
        out = []
        with self.desk.sessions() as session:
            enabled = set(session.scalars(select(Account.name).where(Account.enabled)))
        for account in self.desk.settings.accounts:
            if not account.enabled or account.name not in enabled:
                continue
            connector = self.desk.connector(account.name)
            interval = max(account.poll_interval, connector.min_poll_interval)
            for stream in account.streams or connector.streams:
                out.append((account.name, stream, float(interval)))
        return out

    def start(self) -> None:
        reclaim_dead_local_claims(self.desk)
        if "triage" in self.roles:
            # Load the rules now: the first batch would otherwise wait for them while the
            # pollers, which no triage lock holds back, keep taking messages in.
            _ = self.desk.triage, self.desk.replies
        if "outbox" in self.roles:
            _ = self.desk.guard  # likewise for the first send
        add = self.scheduler.add_job
        if "poll" in self.roles:
            self.leadership_job()  # so that a leader from the start says so too
        for job in JOBS:
            if job.role in self.roles:
                add(self._guarded(job.name, partial(job.run, self)), "interval",
                    seconds=job.every(self.intervals), id=job.name)
        if "poll" in self.roles:
            # One job per account and stream, so a slow platform never delays another.
            for account, stream, interval in self.enabled_streams():
                every = self.intervals.poll_tick or max(0.2, min(interval, 15.0) / 3)
                add(self._guarded(f"poll:{account}:{stream}",
                                  partial(self.poll_job, account, stream, interval)),
                    "interval", seconds=every, jitter=every / 5, id=f"poll:{account}:{stream}",
                    next_run_time=datetime.now().astimezone())
        self.scheduler.start()
        log.info("socialdesk running as %s with roles %s", self.desk.worker_id,
                 ", ".join(sorted(self.roles)))

    def stop(self) -> None:
        self._stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.leadership.release()

    def run_forever(self) -> None:
        """Start, then wait for SIGTERM or SIGINT and shut down cleanly."""
        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: stopping", signal.Signals(signum).name)
            self._stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        try:
            while not self._stop.wait(1.0):
                pass
        finally:
            self.stop()


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic job: which role runs it, how often, and what it does."""

    name: str
    role: str
    every: Callable[[Intervals], float]
    run: Callable[[Daemon], Any]


RETENTION_EVERY = 24 * 3600.0  # seconds: the retention purge runs daily

# The daemon's periodic jobs, one line each: a new job is a method above and a line here.
# (Poll jobs are added per account and stream in `start`.)
JOBS: tuple[Job, ...] = (
    Job("leadership", "poll", lambda i: i.leadership, Daemon.leadership_job),
    Job("triage", "triage", lambda i: i.triage, Daemon.triage_job),
    Job("outbox", "outbox", lambda i: i.outbox, Daemon.outbox_job),
    Job("reconcile", "outbox", lambda i: i.reconcile, Daemon.reconcile_job),
    Job("sla", "sla", lambda i: i.sla, Daemon.sla_job),
    # Broadcasts go out through the outbox; the digest reports the SLA, and its ledger keeps
    # it to one e-mail a day however many processes have the role.
    Job("publish", "outbox", lambda i: i.publish, Daemon.publish_job),
    Job("digest", "sla", lambda i: i.digest, Daemon.digest_job),
    # Personal data past its retention time (idempotent: two processes purge nothing twice).
    Job("retention", "sla", lambda _: RETENTION_EVERY, Daemon.retention_job),
    Job("statistics", "sla", lambda _: RETENTION_EVERY, Daemon.statistics_job),
)


def _woken_by(name: str, result: Any) -> list[str]:
    """The jobs a run of `name` that returned `result` wakes: the next stage when it passed
    work on, itself when it filled its batch (more may be waiting)."""
    if name.startswith("poll:"):
        return ["triage"] if getattr(result, "stored", 0) else []
    if name == "triage" and result:
        again = ["triage"] if len(result) >= TRIAGE_BATCH else []
        return ["outbox", *again]  # its replies and hides, if any (else one idle claim)
    if name == "outbox" and result:
        return ["outbox"] if len(result) >= OUTBOX_BATCH else []
    return []


def reclaim_dead_local_claims(desk: Desk) -> int:
    """Sends claimed by a process of this host that no longer exists go back through
    reconciliation at once, instead of waiting for the stale-claim timeout."""
    host = desk.worker_id.rsplit(":", 1)[0]
    dead = [holder for holder in outbox.sending_holders(desk, f"{host}:%")
            if dead_local_process(holder, desk.worker_id)]
    return len(outbox.release_claims_of(desk, dead))
