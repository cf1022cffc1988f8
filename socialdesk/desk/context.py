"""The Desk: what every pipeline step needs, built once per process."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.connectors import connector_for
from socialdesk.connectors.types import Connector
from socialdesk.core.catalog import Catalog, load_catalog
from socialdesk.core.clock import WorkingCalendar
from socialdesk.core.settings import AccountConfig, Settings
from socialdesk.core.vocab import Channel, channel_of
from socialdesk.desk.usage import DbUsage
from socialdesk.rules.assess import Triage
from socialdesk.rules.guard import Guard
from socialdesk.rules.replies import Replies
from socialdesk.store.db import make_engine, session_factory

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]



def wall_clock() -> datetime:
    return datetime.now(UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Desk:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    calendar: WorkingCalendar
    catalog: Catalog
    guard: Guard
    replies: Replies
    now: Clock = wall_clock
    worker_id: str = field(default_factory=default_worker_id)
    connector_options: dict[str, Any] = field(default_factory=dict)
    _connectors: dict[str, Connector] = field(default_factory=dict, repr=False)
    _triage: Triage | None = field(default=None, repr=False)

    @property
    def triage(self) -> Triage:
        """The rules, loaded on first use: shell commands that only read never pay for it."""
        if self._triage is None:
            s = self.settings
            self._triage = Triage.load(catalog=self.catalog, rules_dir=s.rules_dir,
                                       guard=self.guard, lexicon_dir=s.lexicon_dir)
        return self._triage

    @classmethod
    def from_settings(cls, settings: Settings, *, now: Clock = wall_clock,
                      engine: Engine | None = None, worker_id: str | None = None) -> Desk:
        engine = engine or make_engine(settings.database_url)
        catalog = load_catalog(settings.catalog_path)
        guard = Guard.load(settings.guard_path)
        return cls(
            settings=settings, engine=engine, sessions=session_factory(engine),
            calendar=WorkingCalendar.from_settings(settings.working_hours),
            catalog=catalog, guard=guard,
            replies=Replies.load(settings.replies_dir, guard,
                                 zone=settings.working_hours.timezone), now=now,
            worker_id=worker_id or default_worker_id(),
        )

    def account_config(self, name: str) -> AccountConfig:
        for account in self.settings.accounts:
            if account.name == name:
                return account
        raise KeyError(f"account {name!r} is not in the settings ({self.settings.source})")

    def connector(self, name: str) -> Connector:
        """The connector of an account, built on first use and kept for the process."""
        if name not in self._connectors:
            connector = connector_for(self.account_config(name), now=self.now)
            connector.attach_usage(DbUsage(self.sessions, self.now))
            self._connectors[name] = connector
        return self._connectors[name]

    def channel(self, account_name: str) -> Channel:
        connector = self.connector(account_name)
        # The sandbox imitates a real platform; replies must fit that platform's rules.
        platform = str(getattr(connector, "as_platform", connector.platform))
        return channel_of(platform)

    def close(self) -> None:
        self.engine.dispose()
