"""Only one process runs the poll jobs: a PostgreSQL advisory lock, or a lease row on SQLite.

The advisory lock lives as long as the connection that took it, so a killed leader frees it
at once. The lease expires `ttl` after its last renewal; the leader renews it every few
seconds. Leases use the wall clock, never a simulated one: they are about processes.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, select, text, update
from sqlalchemy.dialects import sqlite

from socialdesk.store.db import is_postgres, rows_changed
from socialdesk.store.models import Lease

log = logging.getLogger(__name__)
LOCK_KEY = 0x50C1A1DE5C  # any fixed 64-bit number, the same in every process


class Leadership:
    def __init__(self, engine: Engine, holder: str, name: str = "poller",
                 ttl: timedelta = timedelta(seconds=30)) -> None:
        self.engine = engine
        self.holder = holder
        self.name = name
        self.ttl = ttl
        self.is_leader = False
        self._connection: Connection | None = None

    def refresh(self) -> bool:
        """Take or keep the leadership; returns whether this process leads now."""
        try:
            if is_postgres(self.engine):
                self.is_leader = self._advisory()
            else:
                self.is_leader = self._lease()
        except Exception:
            log.exception("leadership check failed; acting as follower")
            self.release()
            self.is_leader = False
        return self.is_leader

    def _advisory(self) -> bool:
        if self._connection is not None and self.is_leader:
            self._connection.execute(text("SELECT 1"))
            return True
        if self._connection is None:
            self._connection = self.engine.connect()
        # Advisory locks are per database; desks in different schemas of one database
        # (staging next to production, parallel test runs) must not block each other.
        got = bool(self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key # hashtext(current_schema())::bigint)"),
            {"key": LOCK_KEY}).scalar())
        self._connection.commit()
        return got

    def _lease(self) -> bool:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(sqlite.insert(Lease).values(
                name=self.name, holder=self.holder, expires_at=now + self.ttl,
            ).on_conflict_do_nothing(index_elements=["name"]))
            current = conn.execute(select(Lease.holder).where(Lease.name == self.name)).scalar()
            # A holder on this host whose process is gone has not merely gone quiet.
            takeover = Lease.expires_at < now
            if current and current != self.holder and dead_local_process(current, self.holder):
                takeover = Lease.holder == current
            taken = rows_changed(conn.execute(
                update(Lease).where(
                    Lease.name == self.name, (Lease.holder == self.holder) | takeover,
                ).values(holder=self.holder, expires_at=now + self.ttl)
            ))
        return taken == 1

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                log.debug("closing the advisory-lock connection failed", exc_info=True)
            self._connection = None
        elif self.is_leader and not is_postgres(self.engine):
            with self.engine.begin() as conn:
                conn.execute(update(Lease).where(Lease.name == self.name,
                                                 Lease.holder == self.holder)
                             .values(expires_at=datetime.now(UTC)))
        self.is_leader = False


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_local_process(holder: str, me: str) -> bool:
    """Whether `holder` ("host:pid") names a process of my host that no longer runs."""
    host, _, pid = holder.rpartition(":")
    my_host = me.rpartition(":")[0]
    return bool(host) and host == my_host and pid.isdigit() and not process_alive(int(pid))
