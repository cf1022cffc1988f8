"""Prometheus metrics for monitoring the desk.

Two kinds: counters of what this process did (polls, triage actions, sends by outcome),
fed from the daemon's job results; and gauges of the desk's state (queues, accounts, SLA),
read from the database at each scrape, so every process reports the same truth.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from socialdesk.desk.context import Desk
from socialdesk.desk.outbox import Outcome
from socialdesk.desk.poll import PollResult
from socialdesk.desk.sla import at_risk
from socialdesk.desk.triage import TriageOutcome
from socialdesk.store.models import Account, Message, Reply, SlaEvent, Ticket


class DeskState(Collector):
    """Gauges read from the database when Prometheus scrapes."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.desk.sessions() as session:
            messages = GaugeMetricFamily("socialdesk_messages", "Messages by platform and state",
                                         labels=["platform", "state"])
            for platform, state, count in session.execute(
                    select(Message.platform, Message.state, func.count())
                    .group_by(Message.platform, Message.state)):
                messages.add_metric([platform, state], count)
            yield messages
            replies = GaugeMetricFamily("socialdesk_replies", "Outbox rows by state",
                                        labels=["state"])
            for state, count in session.execute(
                    select(Reply.state, func.count()).group_by(Reply.state)):
                replies.add_metric([state], count)
            yield replies
            tickets = GaugeMetricFamily("socialdesk_tickets", "Tickets by state",
                                        labels=["state"])
            for state, count in session.execute(
                    select(Ticket.state, func.count()).group_by(Ticket.state)):
                tickets.add_metric([state], count)
            yield tickets
            accounts = GaugeMetricFamily("socialdesk_account_enabled",
                                         "1 if the account is enabled, 0 if disabled",
                                         labels=["account", "platform"])
            for name, platform, enabled in session.execute(
                    select(Account.name, Account.platform, Account.enabled)):
                accounts.add_metric([name, platform], 1.0 if enabled else 0.0)
            yield accounts
            yield GaugeMetricFamily("socialdesk_messages_at_risk",
                                    "Unanswered messages near or past the response rule",
                                    value=len(at_risk(session, self.desk)))
            breaches = GaugeMetricFamily("socialdesk_sla_breaches",
                                         "Recorded SLA breaches by target", labels=["target"])
            for target, count in session.execute(
                    select(SlaEvent.target, func.count()).where(SlaEvent.kind == "breach")
                    .group_by(SlaEvent.target)):
                breaches.add_metric([target], count)
            yield breaches


class Metrics:
    """The registry of one process; `observe` is the daemon's event callback."""

    def __init__(self, desk: Desk) -> None:
        self.registry = CollectorRegistry()
        self.polls = Counter("socialdesk_polls", "Polls by account, stream and outcome",
                             ["account", "stream", "status"], registry=self.registry)
        self.stored = Counter("socialdesk_messages_stored", "New messages stored",
                              ["account"], registry=self.registry)
        self.triaged = Counter("socialdesk_triaged", "Messages triaged by first action",
                               ["action"], registry=self.registry)
        self.sends = Counter("socialdesk_sends", "Outbox attempts by outcome", ["state"],
                             registry=self.registry)
        self.registry.register(DeskState(desk))

    def observe(self, job: str, result: Any) -> None:
        if isinstance(result, PollResult):
            self.polls.labels(result.account, result.stream, result.status).inc()
            self.stored.labels(result.account).inc(result.stored)
            return
        if isinstance(result, list):
            for entry in result:
                if isinstance(entry, TriageOutcome):
                    self.triaged.labels(entry.action).inc()
                elif isinstance(entry, Outcome):
                    self.sends.labels(entry.state).inc()

    def serve(self, port: int, host: str = "127.0.0.1") -> None:
        start_http_server(port, addr=host, registry=self.registry)
