"""`socialdesk demo`: the whole desk on the sandbox network, with a simulated clock.

A working Monday at HAI-DJPb and its evening, on four simulated accounts (X, Instagram,
Facebook, YouTube), runs through the real daemon — pollers, triage, outbox, SLA watcher —
on a fresh SQLite database, many times faster than real time. It prints each message and
reply as it happens and ends with the figures a supervisor asks for. The database and the
settings stay in var/demo/, so `socialdesk --config var/demo/socialdesk.toml queue` shows
the agents' view of the day afterwards.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from socialdesk.app import broadcasts, digest_send
from socialdesk.app.sla_report import message_clocks, response_figures, ticket_figures
from socialdesk.app.users import add_user
from socialdesk.connectors.sandbox_network import SandboxNetwork
from socialdesk.core.settings import HOME_ENV, Settings, load_settings
from socialdesk.demo.push import SAFETY_NET_POLL, PushPath, Receiver
from socialdesk.demo.scenario import BROADCAST_IMAGE, demo_scenario
from socialdesk.demo.simclock import SimClock
from socialdesk.desk.accounts import sync_accounts
from socialdesk.desk.context import Desk
from socialdesk.desk.digest_job import period_for
from socialdesk.desk.outbox import Outcome
from socialdesk.desk.poll import PollResult
from socialdesk.desk.publish import Published
from socialdesk.desk.tickets import format_number
from socialdesk.desk.triage import TriageOutcome
from socialdesk.rules.pii import mask
from socialdesk.runtime.daemon import Daemon, Intervals
from socialdesk.store.db import make_engine
from socialdesk.store.migrate import upgrade
from socialdesk.store.models import Account, Message, Reply, Ticket, TicketEvent

WIB = ZoneInfo("Asia/Jakarta")
# Monday 30 November 2026; the scenario's minutes count from 08:00 WIB.
DAY = datetime(2026, 11, 30, 8, 0, tzinfo=WIB)
LEAD_IN = timedelta(minutes=10)
PLATFORM_NAMES = {"x": "X", "instagram": "Instagram", "facebook": "Facebook",
                  "youtube": "YouTube"}
# Tickets the demo's users already have, opened the week before, so status questions work.
DEMO_USERS = (("andi", "agent"), ("sari", "supervisor"))
DEMO_MEDIA_URL = "https://desk.example.go.id/media"
DEMO_PASSWORD = "demo-password-only"  # the demo's throw-away database
BROADCAST_TEXT = ("Layanan HAI-DJPb libur pada 24-25 Desember 2026 (cuti bersama dan Hari Raya "
                  "Natal) dan kembali melayani pada 28 Desember 2026 pukul 08.00 WIB.")
EARLIER_TICKETS = (
    ("demo-x", "pak_hendra_bpp", 4512, "8", "8.4.a", "Kendala rekam kontrak di SAKTI"),
    ("demo-x", "bendahara_rina", 4390, "2", "2.1", "Revisi DIPA lewat portal"),
)


@dataclass(frozen=True, slots=True)
class DemoPaths:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "desk.db"

    @property
    def network(self) -> Path:
        return self.root / "network.db"

    @property
    def settings(self) -> Path:
        return self.root / "socialdesk.toml"


def write_settings(paths: DemoPaths, push: PushPath | None = None) -> Settings:
    """The demo's settings; with `push`, the Facebook and Instagram accounts are subscribed
    to its receiver and poll only as a safety net."""
    def extra(name: str) -> str:
        return push.options(name) if push is not None else ""

    accounts = "".join(
        f'\n[[accounts]]\nname = "{name}"\nplatform = "sandbox"\nhandle = "{handle}"\n'
        f"poll_interval = {SAFETY_NET_POLL if extra(name) else 60}\n"
        f'options = {{ network = "{paths.network}", as_platform = "{platform}"{extra(name)} }}\n'
        for name, platform, handle in (("demo-x", "x", "haiDJPb"),
                                       ("demo-ig", "instagram", "hai.djpb"),
                                       ("demo-fb", "facebook", "hai.djpb"),
                                       ("demo-yt", "youtube", "HAI-DJPB")))
    paths.settings.write_text(
        "# Written by `socialdesk demo`: the demo's database and simulated network.\n"
        f'[database]\nurl = "sqlite:///{paths.database}"\n'
        # Where Instagram would fetch the broadcast's picture (the sandbox takes it as is).
        f'\n[broadcast]\npublic_media_url = "{DEMO_MEDIA_URL}"\n'
        + accounts, encoding="utf-8")
    # The day's state (the broadcast's picture in media/) stays in the demo's folder.
    environ = {HOME_ENV: str(paths.root), **(push.environ() if push is not None else {})}
    return load_settings(paths.settings, environ=environ)


class Printer:
    """Progress lines from the scheduler's threads, one at a time, in simulated WIB time."""

    def __init__(self, desk: Desk, out: TextIO, push: PushPath | None = None) -> None:
        self.desk = desk
        self.out = out
        self.lock = threading.Lock()
        self.push = push
        # The outbox may send a reply before the triage job has printed the message it
        # answers (they run on different threads): such lines wait for their message.
        self.announced: set[int] = set()
        self.waiting: dict[int, list[str]] = {}

    def line(self, text: str) -> None:
        stamp = self.desk.now().astimezone(WIB).strftime("%H:%M")
        with self.lock:
            print(f"{stamp}  {text}", file=self.out, flush=True)

    def __call__(self, job: str, result: Any) -> None:
        if isinstance(result, PollResult):
            if result.error:
                what = "account disabled" if result.status == "permanent" else "backing off"
                self.line(f"   ! {result.account} {result.stream}: {result.error} ({what})")
            if result.skipped:
                self.line(f"   ! {result.account} {result.stream}: {result.skipped} malformed "
                          "item skipped, the rest of the page kept")
            return
        if isinstance(result, list):
            for entry in result:
                if isinstance(entry, TriageOutcome):
                    self._triaged(entry)
                elif isinstance(entry, Outcome):
                    self._sent(entry)
                elif isinstance(entry, Published):
                    self._published(entry)

    def _triaged(self, outcome: TriageOutcome) -> None:
        with self.desk.sessions() as session:
            message = session.get(Message, outcome.message_id)
            if message is None:
                return
            platform = PLATFORM_NAMES.get(message.platform, message.platform)
            text = " ".join(mask(message.text).split())
            where = (message.service_id or "-") + (f"/{message.item_id}" if message.item_id else "")
            extra = f"  ticket {outcome.ticket}" if outcome.ticket else ""
            pushed = self.push is not None and self.push.came_by_push(message.platform_id)
            via = "via webhook" if pushed else "via poll"
            self.line(f"<- {platform:<9} {message.kind:<7} {via:<11} @{message.author_handle}: "
                      f"{text[:60]}{'…' if len(text) > 60 else ''}")
            self.line(f"   triage: {message.intent}, {outcome.action}, service {where}{extra}")
        self._announced(outcome.message_id)

    def _announced(self, message_id: int) -> None:
        """The message is on screen: print what waited for it."""
        with self.lock:
            self.announced.add(message_id)
            held = self.waiting.pop(message_id, [])
        for text in held:
            self.line(text)

    def _after_message(self, message_id: int | None, text: str) -> None:
        """Print `text` now, or once the message it answers has been printed."""
        with self.lock:
            if message_id is not None and message_id not in self.announced:
                self.waiting.setdefault(message_id, []).append(text)
                return
        self.line(text)

    def _published(self, done: Published) -> None:
        view = broadcasts.get(self.desk, done.broadcast_id)
        where = ", ".join(f"{t.account} ({t.platform_id or t.error})" for t in view.targets)
        late = ", late against its 8 working hours" if view.late else ""
        self.line(f"-> broadcast #{view.id} {view.state}{late}: {where}")

    def _sent(self, outcome: Outcome) -> None:
        with self.desk.sessions() as session:
            reply = session.get(Reply, outcome.reply_id)
            if reply is None:
                return
            if outcome.state == "sent" and reply.kind == "hide":
                text = "-> comment hidden (it carried personal data)"
            elif outcome.state == "sent":
                text = f"-> {reply.template or reply.kind}: {reply.text[:90]}…"
            elif outcome.state == "held":
                text = f"-> held for a supervisor: {outcome.detail}"
            elif outcome.state == "queued":
                text = f"-> send postponed: {outcome.detail}"
            else:
                return
            self._after_message(reply.message_id, text)


def seed_earlier_tickets(desk: Desk) -> None:
    opened = DAY - timedelta(days=3) + timedelta(hours=2)  # the Friday before, 10:00
    with desk.sessions() as session, session.begin():
        for account_name, author, serial, service, item, summary in EARLIER_TICKETS:
            ticket = Ticket(
                number=format_number(DAY.year, serial), requester_platform=account_platform(
                    desk, account_name), requester_id=f"user:{author}", requester_handle=author,
                service_id=service, item_id=item, owner_unit=desk.catalog.owner_for(service, item),
                summary=summary, state="in_progress", opened_at=opened,
                due_at=desk.calendar.add(opened, desk.catalog.hours_for(service, item)))
            session.add(ticket)
            session.flush()
            session.add(TicketEvent(ticket_id=ticket.id, at=opened, actor="agent", kind="opened"))


def draft_broadcast(desk: Desk, out: TextIO) -> None:
    """The day's broadcast: requested by an agent before opening, approved by a supervisor,
    published at 10:00 by the scheduler on every account whose platform lets an app post."""
    for name, role in DEMO_USERS:
        add_user(desk, name, DEMO_PASSWORD, role=role, actor="demo")
    image = desk.settings.state_dir / "libur-natal.jpg"
    image.write_bytes(BROADCAST_IMAGE)
    fits = broadcasts.check(desk, BROADCAST_TEXT, [a.name for a in desk.settings.accounts],
                            image=str(image))
    drafted = broadcasts.draft(desk, text=BROADCAST_TEXT, actor=DEMO_USERS[0][0],
                               accounts=[f.account for f in fits if f.ok], image=str(image),
                               at=DAY + timedelta(hours=2), title="Layanan libur Natal")
    approved = broadcasts.approve(desk, drafted.broadcast.id, actor=DEMO_USERS[1][0])
    print(f"Broadcast #{approved.id} requested by {approved.requested_by}, approved by "
          f"{approved.approved_by}, to be published at 10:00 on "
          f"{', '.join(t.account for t in approved.targets)}", file=out)
    for f in fits:
        if not f.ok:
            print(f"  not on {f.account}: {'; '.join(f.problems)}", file=out)


def account_platform(desk: Desk, account_name: str) -> str:
    connector = desk.connector(account_name)
    return str(getattr(connector, "as_platform", connector.platform))


def summary(desk: Desk, network: SandboxNetwork) -> str:
    with desk.sessions() as session:
        rows = session.execute(select(Message.platform, Message.action, func.count())
                               .group_by(Message.platform, Message.action)).all()
        # Every SLA figure from the rows' timestamps, by the functions the digest uses.
        # The period of the day's digest, so that the digest shows the same figures.
        now = desk.now()
        start, end = period_for(desk.calendar, DAY.date()).bounds(desk.calendar)
        clocks = message_clocks(session, desk.calendar, start=start, end=end)
        response = response_figures(clocks, now)
        fulfilment = ticket_figures(session, start=start, end=end, now=now)
        tickets = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.message_id.is_not(None)))
        held = session.scalar(select(func.count()).select_from(Reply).where(
            Reply.state == "held"))
        replies_by_state = Counter(dict(session.execute(
            select(Reply.state, func.count()).group_by(Reply.state)).all()))
        disabled = session.scalars(select(Account.name).where(Account.enabled.is_(False))).all()
    actions = ("auto_reply", "escalate", "refuse", "redirect_private", "agent", "ignore")
    table: dict[str, Counter[str]] = {}
    for platform, action, count in rows:
        table.setdefault(platform, Counter())[action or "untriaged"] += count
    lines = ["", "Summary of the day", "",
             f"{'platform':<10}" + "".join(f"{a:>17}" for a in actions) + f"{'total':>8}"]
    for platform in ("x", "instagram", "facebook", "youtube"):
        counts = table.get(platform, Counter())
        lines.append(f"{PLATFORM_NAMES[platform]:<10}"
                     + "".join(f"{counts[a]:>17}" for a in actions)
                     + f"{sum(counts.values()):>8}")
    total = Counter[str]()
    for counts in table.values():
        total.update(counts)
    lines.append(f"{'all':<10}" + "".join(f"{total[a]:>17}" for a in actions)
                 + f"{sum(total.values()):>8}")
    sends = network.replies()
    hidden = sum(1 for s in sends if s.action == "hide")
    lines += [
        "",
        f"replies sent:            {replies_by_state['sent'] - hidden} "
        f"(and {hidden} comments hidden)",
        f"tickets opened:          {tickets}",
        f"answered within 1 working hour: {response.on_time} of {response.needing} messages "
        f"that need an answer ({response.handled} answered)",
        f"breaches:                {response.breaches} of the response rule, "
        f"{fulfilment.breaches} of ticket due times",
        f"replies held by the guard or for a person: {held}",
        f"accounts disabled:       {', '.join(disabled) or 'none'}",
    ]
    return "\n".join(lines)


def settled(desk: Desk) -> bool:
    """Nothing left for the bot: every message triaged, every reply out of the queue."""
    with desk.sessions() as session:
        untriaged = session.scalar(select(func.count()).select_from(Message)
                                   .where(Message.triaged_at.is_(None)))
        waiting = session.scalar(select(func.count()).select_from(Reply)
                                 .where(Reply.state.in_(("queued", "sending"))))
    return not untriaged and not waiting


def command_name() -> str:
    """How this shell reaches the command: the virtualenv's script when it is not on PATH."""
    script = Path(sys.executable).parent / "socialdesk"
    if shutil.which("socialdesk") == str(script) or not script.exists():
        return "socialdesk"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def run_demo(*, root: Path | None = None, speed: float = 1200.0, seed: int = 0,
             out: TextIO = sys.stdout, on_start: Callable[[Desk], None] | None = None,
             receiver: Receiver | None = None) -> str:
    """Run the day; `on_start` gets the day's desk (its clock simulated) before the daemon
    starts, e.g. to open the console on it. With `receiver` (the web face's webhook
    receiver), the Facebook and Instagram messages come by push as well as by poll."""
    paths = DemoPaths(root or Path.cwd() / "var" / "demo")
    if paths.root.exists():
        shutil.rmtree(paths.root)
    paths.root.mkdir(parents=True)
    push = PushPath(receiver) if receiver is not None else None
    settings = write_settings(paths, push)
    network = SandboxNetwork(paths.network)
    scenario = demo_scenario(seed)
    network.load(scenario, DAY)
    span = LEAD_IN + max(m.offset for m in scenario.messages) + timedelta(minutes=15)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sync_accounts(engine, settings)
    clock = SimClock(DAY - LEAD_IN, speed=speed, paused=True)
    desk = Desk.from_settings(settings, now=clock, engine=engine, worker_id="demo:1")
    seed_earlier_tickets(desk)
    draft_broadcast(desk, out)
    if on_start is not None:
        on_start(desk)
    if push is not None:
        push.start(desk, settings, network, clock)
        print(f"Webhooks: Facebook and Instagram push to {push.url}; X and YouTube are "
              "polled, and so are the others as a safety net", file=out)
    printer = Printer(desk, out, push)
    print(f"socialdesk demo: {DAY:%A %d %B %Y} on four simulated accounts, "
          f"{speed:.0f}x real time (about {span.total_seconds() / speed:.0f} s)", file=out)
    print("Working hours 08:00-16:00 WIB; every message must be answered within 1 working "
          "hour.\n", file=out, flush=True)
    # Jobs wake every two simulated minutes (as often as the machine sensibly can).
    tick = max(0.05, min(0.25, 120 / speed))
    daemon = Daemon(desk, intervals=Intervals(triage=tick, outbox=tick, sla=0.5, publish=tick,
                                              leadership=1.0, reconcile=2.0, poll_tick=tick),
                    on_event=printer)
    daemon.start()
    clock.run()
    try:
        deadline = DAY - LEAD_IN + span
        give_up = time.monotonic() + span.total_seconds() / speed + 30
        while (clock() < deadline or not settled(desk)) and time.monotonic() < give_up:
            time.sleep(0.2)
    finally:
        daemon.stop()
        clock.set_speed(1.0)
        if push is not None:
            push.stop()
    report = summary(desk, network)
    print(report, file=out)
    digest_file = digest_send.write_day(desk, DAY.date(), paths.root / "digest.html")
    print(f"\nThe supervisors' digest of the day (same figures): {digest_file}", file=out)
    command = command_name()
    print(f"\nThe day is kept in {paths.root}. Try:\n"
          f"  {command} --config {paths.settings} queue\n"
          f"  {command} --config {paths.settings} show 3", file=out)
    desk.close()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    run_demo()
    return 0
