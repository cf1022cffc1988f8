"""The Desk: what every pipeline step needs, built once per process."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.core.catalog import Catalog, load_catalog
from socialdesk.core.clock import WorkingCalendar, wall_clock
from socialdesk.core.settings import AccountConfig, Settings
from socialdesk.core.vocab import Channel, channel_of
from socialdesk.store.db import make_engine, session_factory

if TYPE_CHECKING:  # imported where first used: a command that only reads never pays for them
    from socialdesk.connectors.types import Connector
    from socialdesk.rules.assess import Triage
    from socialdesk.rules.guard import Guard
    from socialdesk.rules.replies import Replies
    from socialdesk.rules.types import Verdict

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
T = TypeVar("T")
# Verdicts on outgoing texts kept per Desk: the bot's canned replies are a few texts sent
# many times, and the guard's look at each is a tenth of what a send costs.
VERDICTS_KEPT = 1024


class _OnFirstUse(Generic[T]):
    """A Desk part read from the settings' files the first time it is asked for.

    Compiling the guard's patterns and the reply templates takes longer than the rest of a
    shell command that lists the queue, so only the commands and workers that use them pay.
    As a dataclass field it is still a constructor argument: a part given there is kept
    as given (tests hand in their own), None means "read it when needed".
    """

    def __init__(self, build: Callable[[Desk], T]) -> None:
        self._build = build
        self._slot = ""

    def __set_name__(self, owner: type[Desk], name: str) -> None:
        self._slot = "_" + name

    @overload
    def __get__(self, desk: None, owner: type[Desk]) -> None: ...
    @overload
    def __get__(self, desk: Desk, owner: type[Desk]) -> T: ...
    def __get__(self, desk: Desk | None, owner: type[Desk]) -> T | None:
        if desk is None:  # asked by @dataclass for the field's default
            return None
        value: T | None = desk.__dict__.get(self._slot)
        if value is None:
            value = self._build(desk)
            desk.__dict__[self._slot] = value
        return value

    def __set__(self, desk: Desk, value: T | None) -> None:
        desk.__dict__[self._slot] = value


def _load_guard(desk: Desk) -> Guard:
    from socialdesk.rules.guard import Guard

    return Guard.load(desk.settings.guard_path, model_path=desk.settings.guard_model_path)


def _load_replies(desk: Desk) -> Replies:
    from socialdesk.rules.replies import Replies

    s = desk.settings
    return Replies.load(s.replies_dir, desk.guard, zone=s.working_hours.timezone)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Desk:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    calendar: WorkingCalendar
    catalog: Catalog
    guard: _OnFirstUse[Guard] = _OnFirstUse(_load_guard)
    replies: _OnFirstUse[Replies] = _OnFirstUse(_load_replies)
    now: Clock = wall_clock
    worker_id: str = field(default_factory=default_worker_id)
    connector_options: dict[str, Any] = field(default_factory=dict)
    _connectors: dict[str, Connector] = field(default_factory=dict, repr=False)
    _triage: Triage | None = field(default=None, repr=False)
    _verdicts: dict[tuple[str, str], Verdict] = field(default_factory=dict, repr=False)
    _verdicts_of: Guard | None = field(default=None, repr=False)

    @property
    def triage(self) -> Triage:
        """The rules, loaded on first use: shell commands that only read never pay for it."""
        if self._triage is None:
            from socialdesk.rules.assess import Triage

            s = self.settings
            self._triage = Triage.load(catalog=self.catalog, rules_dir=s.rules_dir,
                                       guard=self.guard, lexicon_dir=s.lexicon_dir,
                                       model_path=s.model_path)
        return self._triage

    @classmethod
    def from_settings(cls, settings: Settings, *, now: Clock = wall_clock,
                      engine: Engine | None = None, worker_id: str | None = None) -> Desk:
        """The desk the settings describe; the guard, the reply templates and the rules
        are read on first use (see _OnFirstUse)."""
        engine = engine or make_engine(settings.database_url)
        return cls(
            settings=settings, engine=engine, sessions=session_factory(engine),
            calendar=WorkingCalendar.from_settings(settings.working_hours),
            catalog=load_catalog(settings.catalog_path), now=now,
            worker_id=worker_id or default_worker_id(),
        )

    def outbound_verdict(self, text: str, channel: str) -> Verdict:
        """The guard's verdict on `text` for `channel`, as guard.check_outbound gives it; a
        text asked about before is answered from memory (the guard is pure)."""
        guard = self.guard
        if self._verdicts_of is not guard:  # another guard was set: its verdicts differ
            self._verdicts, self._verdicts_of = {}, guard
        key = (text, channel)
        verdict = self._verdicts.get(key)
        replies: Replies | None = self.__dict__.get("_replies")  # not loaded for this
        if verdict is None and replies is not None and replies.guard is guard:
            verdict = replies.verdicts.get(key)  # a canned reply this process rendered
        if verdict is None:
            verdict = guard.check_outbound(text, channel=channel)
            if len(self._verdicts) >= VERDICTS_KEPT:
                self._verdicts.clear()  # whole: safe while another thread reads it
            self._verdicts[key] = verdict
        return verdict

    def account_config(self, name: str) -> AccountConfig:
        for account in self.settings.accounts:
            if account.name == name:
                return account
        raise KeyError(f"account {name!r} is not in the settings ({self.settings.source})")

    def connector(self, name: str) -> Connector:
        """The connector of an account, built on first use and kept for the process."""
        if name not in self._connectors:
            from socialdesk.connectors import connector_for  # HTTP libraries: senders only
            from socialdesk.desk.usage import DbUsage

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
