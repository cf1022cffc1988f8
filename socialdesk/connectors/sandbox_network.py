"""The simulated network behind the sandbox connector: one SQLite file (WAL) that several
processes share and that survives a SIGKILL of any of them.

It holds the scenario's accounts and messages (each visible from `start + offset`), every
send with its idempotency key and time, and the faults a test or the scenario injects.
Sends are recorded as made, duplicates included, so a test can see a double send.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

# "poison": the next message's text ends in half an emoji pair (a lone surrogate), as a
# platform's JSON escape can deliver it.
FaultKind = Literal["rate_limit", "server_error", "timeout", "malformed", "revoked",
                    "lost_response", "poison"]
FAULT_KINDS: tuple[str, ...] = ("rate_limit", "server_error", "timeout", "malformed",
                                "revoked", "lost_response", "poison")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY, as_platform TEXT NOT NULL, handle TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, stream TEXT NOT NULL,
    platform_id TEXT NOT NULL, kind TEXT NOT NULL, author_id TEXT NOT NULL,
    author_handle TEXT NOT NULL, text TEXT NOT NULL, offset_s REAL NOT NULL,
    conversation_id TEXT NOT NULL, in_reply_to TEXT, malformed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account, platform_id));
CREATE INDEX IF NOT EXISTS messages_by_stream ON messages (account, stream, offset_s, seq);
CREATE TABLE IF NOT EXISTS sends (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, action TEXT NOT NULL,
    target_id TEXT, text TEXT NOT NULL, idempotency_key TEXT NOT NULL,
    platform_id TEXT NOT NULL, sent_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, stream TEXT NOT NULL,
    kind TEXT NOT NULL, remaining INTEGER NOT NULL, retry_after REAL NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    account TEXT NOT NULL, platform_id TEXT NOT NULL, delivered_at TEXT NOT NULL,
    PRIMARY KEY (account, platform_id));
"""


@dataclass(frozen=True, slots=True)
class ScenarioAccount:
    name: str
    as_platform: str
    handle: str


@dataclass(frozen=True, slots=True)
class ScenarioMessage:
    account: str
    stream: str
    kind: str
    author_handle: str
    text: str
    offset: timedelta
    platform_id: str = ""
    conversation_id: str = ""
    in_reply_to: str | None = None
    malformed: bool = False


@dataclass(frozen=True, slots=True)
class ScenarioFault:
    account: str
    kind: str
    stream: str = "*"
    count: int = 1
    retry_after: float = 60.0


@dataclass(frozen=True, slots=True)
class Scenario:
    accounts: tuple[ScenarioAccount, ...]
    messages: tuple[ScenarioMessage, ...]
    faults: tuple[ScenarioFault, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Sent:
    """One send the network received, as a test or a person reads it back."""

    account: str
    action: str
    target_id: str | None
    text: str
    idempotency_key: str
    platform_id: str
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str
    retry_after: float


def scenario_from_mapping(data: Mapping[str, Any]) -> Scenario:
    """A scenario from parsed YAML/JSON: accounts, messages (offset in minutes), faults."""
    accounts = tuple(ScenarioAccount(str(a["name"]), str(a["as_platform"]),
                                     str(a.get("handle", a["name"])))
                     for a in data.get("accounts", []))
    messages = tuple(ScenarioMessage(
        account=str(m["account"]), stream=str(m["stream"]), kind=str(m["kind"]),
        author_handle=str(m["author"]), text=str(m["text"]),
        offset=timedelta(minutes=float(m.get("minutes", 0))),
        platform_id=str(m.get("id", "")), conversation_id=str(m.get("conversation", "")),
        in_reply_to=m.get("in_reply_to"), malformed=bool(m.get("malformed", False)),
    ) for m in data.get("messages", []))
    faults = tuple(ScenarioFault(str(f["account"]), str(f["kind"]), str(f.get("stream", "*")),
                                 int(f.get("count", 1)), float(f.get("retry_after", 60)))
                   for f in data.get("faults", []))
    return Scenario(accounts, messages, faults)


class SandboxNetwork:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
        finally:
            db.close()

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread, opened again after a fork: a connection per operation
        # cost a checkpoint at every close, the largest cost of a simulated send.
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA busy_timeout=30000")
            # WAL with NORMAL sync survives a killed process; only a power cut could lose
            # the last sends, which a simulated network can afford.
            db.execute("PRAGMA synchronous=NORMAL")
            local.db, local.pid = db, os.getpid()
        connection: sqlite3.Connection = local.db
        return connection

    @contextmanager
    def _db(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: IMMEDIATE for writes, so they queue rather than fail; reads do not
        take the write lock."""
        db = self._connection()
        db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # -- set-up -----------------------------------------------------------------------------

    def load(self, scenario: Scenario, start: datetime) -> None:
        """Replace the network's content with `scenario`, starting at `start`."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        with self._db() as db:
            for table in ("accounts", "messages", "sends", "faults", "meta", "deliveries"):
                db.execute(f"DELETE FROM {table}")
            db.execute("INSERT INTO meta VALUES ('start', ?)", (start.astimezone(UTC).isoformat(),))
            db.executemany("INSERT INTO accounts VALUES (?, ?, ?)",
                           [(a.name, a.as_platform, a.handle) for a in scenario.accounts])
            for index, message in enumerate(scenario.messages, 1):
                _insert(db, message, message.platform_id or f"{message.account}-{index:04d}")
        for fault in scenario.faults:
            self.inject(fault.account, fault.kind, stream=fault.stream, count=fault.count,
                        retry_after=fault.retry_after)

    def add_account(self, name: str, as_platform: str, handle: str = "") -> None:
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?)",
                       (name, as_platform, handle or name))

    def add_message(self, message: ScenarioMessage, default_id: str = "") -> str:
        with self._db() as db:
            if not default_id:
                count = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
                default_id = f"{message.account}-m{count + 1:05d}"
            platform_id = message.platform_id or default_id
            _insert(db, message, platform_id)
        return platform_id

    def inject(self, account: str, kind: str, *, stream: str = "*", count: int = 1,
               retry_after: float = 60.0) -> None:
        """Make the next `count` calls on `stream` ("*" any fetch, "send" any send) fail;
        count -1 keeps failing until clear_faults()."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULT_KINDS)})")
        with self._db() as db:
            db.execute("INSERT INTO faults (account, stream, kind, remaining, retry_after) "
                       "VALUES (?, ?, ?, ?, ?)", (account, stream, kind, count, retry_after))

    def clear_faults(self, account: str | None = None) -> None:
        with self._db() as db:
            if account is None:
                db.execute("DELETE FROM faults")
            else:
                db.execute("DELETE FROM faults WHERE account = ?", (account,))

    # -- what the connector uses ------------------------------------------------------------

    def start(self) -> datetime:
        with self._db(write=False) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'start'").fetchone()
        if row is None:
            raise LookupError(f"sandbox network {self.path} has no scenario loaded")
        return datetime.fromisoformat(row[0])

    def account(self, name: str) -> tuple[str, str] | None:
        with self._db(write=False) as db:
            row = db.execute("SELECT as_platform, handle FROM accounts WHERE name = ?",
                             (name,)).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    def take_fault(self, account: str, stream: str) -> Fault | None:
        with self._db() as db:
            row = db.execute(
                "SELECT id, kind, remaining, retry_after FROM faults WHERE account = ? "
                "AND (stream = ? OR (stream = '*' AND ? != 'send')) ORDER BY id LIMIT 1",
                (account, stream, stream)).fetchone()
            if row is None:
                return None
            if row[2] == 1:
                db.execute("DELETE FROM faults WHERE id = ?", (row[0],))
            elif row[2] > 1:
                db.execute("UPDATE faults SET remaining = remaining - 1 WHERE id = ?", (row[0],))
        return Fault(str(row[1]), float(row[3]))

    def has_fault(self, account: str, kind: str) -> bool:
        with self._db(write=False) as db:
            row = db.execute("SELECT 1 FROM faults WHERE account = ? AND kind = ? LIMIT 1",
                             (account, kind)).fetchone()
        return row is not None

    def visible(self, account: str, stream: str, after: tuple[float, int], now: datetime,
                limit: int) -> list[dict[str, Any]]:
        """Messages of the stream visible at `now`, in order of appearance, after `after`
        = (offset in seconds, seq) of the last one already taken."""
        start = self.start()
        horizon = (now - start).total_seconds()
        rows = self._rows(
            "SELECT * FROM messages WHERE account = ? AND stream = ? "
            "AND (offset_s > ? OR (offset_s = ? AND seq > ?)) AND offset_s <= ? "
            "ORDER BY offset_s, seq LIMIT ?",
            (account, stream, after[0], after[0], after[1], horizon, limit))
        return _timed(rows, start)

    def _rows(self, query: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        with self._db(write=False) as db:
            cursor = db.cursor()
            cursor.row_factory = sqlite3.Row
            return cursor.execute(query, params).fetchall()

    def message(self, account: str, platform_id: str, now: datetime) -> dict[str, Any] | None:
        """One message of `account` by its id, if it is visible at `now`."""
        start = self.start()
        rows = self._rows(
            "SELECT * FROM messages WHERE account = ? AND platform_id = ? AND offset_s <= ?",
            (account, platform_id, (now - start).total_seconds()))
        found = _timed(rows, start)
        return found[0] if found else None

    def undelivered(self, account: str, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
        """Messages of `account` visible at `now` that no webhook has delivered yet, oldest
        first (rows as `visible` gives them)."""
        start = self.start()
        horizon = (now - start).total_seconds()
        rows = self._rows(
            "SELECT * FROM messages m WHERE account = ? AND offset_s <= ? AND NOT EXISTS "
            "(SELECT 1 FROM deliveries d WHERE d.account = m.account "
            "AND d.platform_id = m.platform_id) ORDER BY offset_s, seq LIMIT ?",
            (account, horizon, limit))
        return _timed(rows, start)

    def mark_delivered(self, account: str, platform_id: str, now: datetime) -> None:
        with self._db() as db:
            db.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?)",
                       (account, platform_id, now.astimezone(UTC).isoformat()))

    def delivered(self, account: str) -> list[str]:
        """Platform ids a webhook delivered, in the order they were delivered."""
        with self._db(write=False) as db:
            rows = db.execute("SELECT platform_id FROM deliveries WHERE account = ? "
                              "ORDER BY delivered_at, rowid", (account,)).fetchall()
        return [str(r[0]) for r in rows]

    def record_send(self, account: str, action: str, target_id: str | None, text: str,
                    idempotency_key: str, now: datetime) -> str:
        with self._db() as db:
            cur = db.execute(
                "INSERT INTO sends (account, action, target_id, text, idempotency_key, "
                "platform_id, sent_at) VALUES (?, ?, ?, ?, ?, '', ?)",
                (account, action, target_id, text, idempotency_key,
                 now.astimezone(UTC).isoformat()))
            platform_id = f"sbx-{action}-{cur.lastrowid}"
            db.execute("UPDATE sends SET platform_id = ? WHERE seq = ?",
                       (platform_id, cur.lastrowid))
        return platform_id

    def replies(self, account: str | None = None) -> list[Sent]:
        """Every send (reply, private, post, hide) in the order the network received it."""
        query = "SELECT account, action, target_id, text, idempotency_key, platform_id, " \
                "sent_at FROM sends"
        params: tuple[str, ...] = ()
        if account is not None:
            query, params = query + " WHERE account = ?", (account,)
        with self._db(write=False) as db:
            rows = db.execute(query + " ORDER BY seq", params).fetchall()
        return [Sent(r[0], r[1], r[2], r[3], r[4], r[5], datetime.fromisoformat(r[6]))
                for r in rows]

    def find_post(self, account: str, text: str) -> str | None:
        """The account's own post with this text, as a platform's feed shows it."""
        with self._db(write=False) as db:
            row = db.execute(
                "SELECT platform_id FROM sends WHERE account = ? AND action = 'post' "
                "AND text = ? ORDER BY seq DESC LIMIT 1", (account, text)).fetchone()
        return str(row[0]) if row else None

    def find_send(self, account: str, target_id: str, text: str) -> str | None:
        with self._db(write=False) as db:
            row = db.execute(
                "SELECT platform_id FROM sends WHERE account = ? AND target_id = ? AND text = ? "
                "AND action IN ('reply', 'private') ORDER BY seq LIMIT 1",
                (account, target_id, text)).fetchone()
        return str(row[0]) if row else None


def _timed(rows: list[sqlite3.Row], start: datetime) -> list[dict[str, Any]]:
    """Rows as dicts, each with the time it appeared (`created_at`, ISO 8601)."""
    out = []
    for row in rows:
        item = dict(row)
        item["created_at"] = (start + timedelta(seconds=item["offset_s"])).isoformat()
        out.append(item)
    return out


def _insert(db: sqlite3.Connection, message: ScenarioMessage, platform_id: str) -> None:
    db.execute(
        "INSERT INTO messages (account, stream, platform_id, kind, author_id, "
        "author_handle, text, offset_s, conversation_id, in_reply_to, malformed) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (message.account, message.stream, platform_id, message.kind,
         f"user:{message.author_handle}", message.author_handle, message.text,
         message.offset.total_seconds(), message.conversation_id or platform_id,
         message.in_reply_to, int(message.malformed)),
    )
