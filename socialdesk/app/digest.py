"""The supervisors' daily digest: what it says (built from the database), how it reads
(Jinja2 templates, HTML autoescaped and plain text, in Bahasa Indonesia), and the e-mail.

Every SLA figure comes from app.sla_report, the functions the demo summary uses, so the two
agree. Personal data never appears: message texts are masked and no author is named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import func, select

from socialdesk.app import broadcasts
from socialdesk.app.digest_usage import usage_lines
from socialdesk.app.sla_report import (
    ResponseFigures,
    by_platform,
    message_clocks,
    response_figures,
    ticket_figures,
)
from socialdesk.core.clock_format import DAYS, MONTHS
from socialdesk.desk.context import Desk
from socialdesk.desk.digest_job import Period, undelivered
from socialdesk.rules.pii import mask
from socialdesk.store.models import Account, Message, Reply, Ticket, UsageLedger

PLATFORM_NAMES = {"x": "X", "instagram": "Instagram", "facebook": "Facebook",
                  "youtube": "YouTube", "sandbox": "Sandbox"}
ACTION_NAMES = {"auto_reply": "dijawab otomatis", "escalate": "dieskalasi (tiket)",
                "refuse": "ditolak sesuai ketentuan", "redirect_private": "diarahkan ke DM",
                "agent": "ditangani agen", "ignore": "diabaikan (spam/bukan untuk kami)",
                None: "belum ditriase"}
TARGET_STATES = {"sent": "terkirim", "failed": "gagal", "pending": "menunggu"}
BROADCAST_STATES = {"draft": "draf", "pending": "menunggu persetujuan",
                    "approved": "disetujui", "rejected": "ditolak",
                    "publishing": "sedang diterbitkan", "published": "terbit",
                    "failed": "gagal sebagian"}
BAR_MAX = 100  # percent of the widest bar
DUE_TICKETS_SHOWN = 20  # the rest are in the console's ticket list


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    count: int
    width: int
    """Percent of the largest count in its chart (a table cell's width: every client shows
    it, no image or script needed)."""


@dataclass(frozen=True, slots=True)
class Compliance:
    label: str
    needing: int
    on_time: int
    share: str
    median: str
    worst: str
    breaches: int
    width: int


@dataclass(frozen=True, slots=True)
class BreachLine:
    message_id: int
    platform: str
    service: str
    arrived: str
    due: str
    handled: str
    """Local time of the first response; empty while unanswered."""
    text: str
    link: str


@dataclass(frozen=True, slots=True)
class UnitLine:
    unit: str
    open: int
    young: int
    middle: int
    old: int
    overdue: int
    due_soon: int


@dataclass(frozen=True, slots=True)
class Line:
    """A labelled line of free text (held replies, broadcasts, account problems, usage)."""

    label: str
    text: str
    link: str = ""
    """Where the console shows it (empty without [digest] console_url)."""


@dataclass(frozen=True, slots=True)
class Digest:
    day: date
    first: date
    subject: str
    period: str
    generated: str
    total: int
    by_platform: tuple[Bar, ...]
    by_service: tuple[Bar, ...]
    by_action: tuple[Bar, ...]
    overall: Compliance
    compliance: tuple[Compliance, ...]
    breaches: tuple[BreachLine, ...]
    tickets_opened: int
    tickets_open: int
    tickets_overdue: int
    tickets_due_soon: int
    tickets_resolved_late: int
    units: tuple[UnitLine, ...]
    held: tuple[Line, ...]
    broadcast_lines: tuple[Line, ...]
    accounts: tuple[Line, ...]
    usage: tuple[Line, ...]
    undelivered: tuple[Line, ...] = ()
    """Earlier digests that may not have reached the supervisors."""
    due_tickets: tuple[Line, ...] = ()
    """Open tickets past their due time, then those due within 24 hours, soonest first."""


def long_date(day: date) -> str:
    """"Senin, 30 November 2026"."""
    return f"{DAYS[day.weekday()]}, {day.day} {MONTHS[day.month - 1]} {day.year}"


def _minutes(value: timedelta | None) -> str:
    if value is None:
        return "-"
    minutes = round(value.total_seconds() / 60)
    return f"{minutes // 60} j {minutes % 60} mnt" if minutes >= 60 else f"{minutes} mnt"


def _bars(counts: Iterable[tuple[str, int]]) -> tuple[Bar, ...]:
    items = sorted(counts, key=lambda kv: (-kv[1], kv[0]))
    top = max((c for _, c in items), default=0)
    return tuple(Bar(label, count, max(1, round(BAR_MAX * count / top)) if top else 0)
                 for label, count in items)


def _compliance(label: str, f: ResponseFigures) -> Compliance:
    share = f.share_on_time
    return Compliance(label, f.needing, f.on_time, "-" if share is None else f"{share:.0%}",
                      _minutes(f.median), _minutes(f.worst), f.breaches,
                      0 if share is None else round(BAR_MAX * share))


def build(desk: Desk, period: Period) -> Digest:
    """The digest of `period`, with the state of tickets and accounts as it is now."""
    cal, now = desk.calendar, desk.now()
    start, end = period.bounds(cal)
    tz = cal.tz
    console = desk.settings.digest.console_url

    def local(t: datetime | None) -> str:
        return "-" if t is None else t.astimezone(tz).strftime("%d/%m %H.%M")

    with desk.sessions() as session:
        rows = session.execute(
            select(Message.platform, Message.service_id, Message.action, func.count())
            .where(Message.received_at >= start, Message.received_at < end)
            .group_by(Message.platform, Message.service_id, Message.action)).all()
        clocks = message_clocks(session, cal, start=start, end=end)
        tickets = ticket_figures(session, start=start, end=end, now=now)
        open_tickets = session.execute(
            select(Ticket.owner_unit, Ticket.opened_at, Ticket.due_at, Ticket.number,
                   Ticket.summary)
            .where(Ticket.state.in_(("open", "in_progress"))).order_by(Ticket.due_at)).all()
        held_rows = session.execute(
            select(Reply.id, Account.name, Reply.kind, Reply.reason)
            .join(Account, Account.id == Reply.account_id)
            .where(Reply.state == "held").order_by(Reply.id)).all()
        accounts = session.execute(select(Account.name, Account.platform, Account.enabled,
                                          Account.disabled_reason, Account.last_error)
                                   .order_by(Account.name)).all()
        usage = usage_lines(session.execute(
            select(UsageLedger.account, UsageLedger.day, UsageLedger.key, UsageLedger.amount,
                   UsageLedger.calls)
            .where(UsageLedger.day >= period.first, UsageLedger.day <= period.day)).all(),
            desk.settings.accounts)
        texts = {mid: text for mid, text in session.execute(
            select(Message.id, Message.text).where(
                Message.id.in_([c.message_id for c in clocks if c.breached(now)])))}

    platforms: Counter[str] = Counter()
    services: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    for platform, service_id, action, count in rows:
        platforms[PLATFORM_NAMES.get(platform, platform)] += count
        services[_service_name(desk, service_id, triaged=action is not None)] += count
        actions[ACTION_NAMES.get(action, str(action))] += count

    breaches = tuple(
        BreachLine(c.message_id, PLATFORM_NAMES.get(c.platform, c.platform),
                   _service_name(desk, c.service_id), local(c.arrived_at), local(c.due_at),
                   local(c.handled_at) if c.handled_at else "",
                   _preview(texts.get(c.message_id, "")),
                   f"{console}/messages/{c.message_id}" if console else "")
        for c in clocks if c.breached(now))

    return Digest(
        day=period.day, first=period.first,
        subject=f"Ringkasan harian HAI-DJPb media sosial — {long_date(period.day)}",
        period=(long_date(period.day) if period.first == period.day
                else f"{long_date(period.first)} s.d. {long_date(period.day)}"),
        generated=f"{long_date(now.astimezone(tz).date())} pukul "
                  f"{now.astimezone(tz):%H.%M}",
        total=sum(platforms.values()),
        by_platform=_bars(platforms.items()), by_service=_bars(services.items()),
        by_action=_bars(actions.items()),
        overall=_compliance("Semua platform", response_figures(clocks, now)),
        compliance=tuple(_compliance(PLATFORM_NAMES.get(p, p), f)
                         for p, f in by_platform(clocks, now).items()),
        breaches=breaches,
        tickets_opened=tickets.opened, tickets_open=tickets.open_now,
        tickets_overdue=tickets.overdue_now, tickets_due_soon=tickets.due_soon,
        tickets_resolved_late=tickets.resolved_late,
        units=_units(((u, o, d) for u, o, d, _, _ in open_tickets), now),
        held=tuple(Line(f"balasan #{rid} ({name}, {kind})", reason or "-",
                        f"{console}/held" if console else "")
                   for rid, name, kind, reason in held_rows),
        broadcast_lines=_broadcast_lines(desk, start, end),
        accounts=tuple(
            Line(f"{name} ({PLATFORM_NAMES.get(platform, platform)})",
                 f"nonaktif: {disabled or '-'}" if not enabled else f"galat terakhir: {error}")
            for name, platform, enabled, disabled, error in accounts
            if not enabled or error) + tuple(
            Line(u.account, f"mendekati batas: {u.warning}") for u in usage if u.warning),
        usage=tuple(Line(u.account, u.text) for u in usage),
        undelivered=_undelivered(desk, period.first),
        due_tickets=_due_tickets(open_tickets, now, local, console),
    )


def _due_tickets(rows: Iterable[tuple[str, datetime, datetime, str, str]], now: datetime,
                 local: Callable[[datetime | None], str], console: str) -> tuple[Line, ...]:
    soon = now + timedelta(days=1)
    lines = []
    for unit, _opened, due, number, summary in rows:  # soonest due first
        if due > soon:
            break
        when = "LEWAT batas" if due <= now else "jatuh tempo"
        lines.append(Line(number, f"{when} {local(due)} — {unit}: {_preview(summary, 80)}",
                          f"{console}/tickets/{number}" if console else ""))
    return tuple(lines[:DUE_TICKETS_SHOWN])


def _undelivered(desk: Desk, before: date) -> tuple[Line, ...]:
    lines = []
    for row in undelivered(desk, before):
        if row.maybe_sent:
            text = (f"terputus saat dikirim; mungkin sudah sampai (Message-ID "
                    f"{row.message_id or '-'}). Bila tidak ada di kotak masuk, kirim ulang: "
                    f"socialdesk digest --resend {row.day.isoformat()}")
        else:
            text = (f"gagal dikirim ({row.attempts} kali): {_preview(row.last_error or '-', 120)}"
                    f". Kirim ulang: socialdesk digest --resend {row.day.isoformat()}")
        lines.append(Line(f"Ringkasan {long_date(row.day)}", text))
    return tuple(lines)


def _service_name(desk: Desk, service_id: str | None, *, triaged: bool = True) -> str:
    if service_id is None:
        # Greetings, thanks, spam: triaged, but no service of the catalog is asked for.
        return "tanpa layanan katalog (sapaan, spam, dll.)" if triaged else "belum ditriase"
    try:
        return f"{service_id}. {desk.catalog.service(service_id).name}"
    except KeyError:
        return service_id


def _preview(text: str, limit: int = 100) -> str:
    flat = " ".join(mask(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def _units(rows: Iterable[tuple[str, datetime, datetime]], now: datetime) -> tuple[UnitLine, ...]:
    by_unit: dict[str, list[tuple[datetime, datetime]]] = {}
    for unit, opened, due in rows:
        by_unit.setdefault(unit, []).append((opened, due))
    lines = []
    for unit, items in sorted(by_unit.items()):
        ages = [now - opened for opened, _ in items]
        lines.append(UnitLine(
            unit, len(items),
            young=sum(1 for a in ages if a < timedelta(days=1)),
            middle=sum(1 for a in ages if timedelta(days=1) <= a < timedelta(days=3)),
            old=sum(1 for a in ages if a >= timedelta(days=3)),
            overdue=sum(1 for _, due in items if due <= now),
            due_soon=sum(1 for _, due in items if now < due <= now + timedelta(days=1))))
    return tuple(lines)


def _broadcast_lines(desk: Desk, start: datetime, end: datetime) -> tuple[Line, ...]:
    lines = []
    for b in broadcasts.published_between(desk, start, end):
        results = "; ".join(
            f"{t.account}: {TARGET_STATES.get(t.state, t.state)}"
            + (f" ({_preview(t.error, 80)})" if t.error and t.state != "sent" else "")
            for t in b.targets)
        late = ", TERLAMBAT" if b.late else ""
        lines.append(Line(f"#{b.id} {_preview(b.title, 60)}",
                          f"{BROADCAST_STATES.get(b.state, b.state)}{late} — {results}"))
    return tuple(lines)


def environment(desk: Desk) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(desk.settings.digest_dir)),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"),
                                     default_for_string=True, default=True),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(desk: Desk, digest: Digest) -> tuple[str, str]:
    """(HTML, plain text) of the digest."""
    env = environment(desk)
    html = env.get_template("digest.html.j2").render(d=digest)
    # The plain-text part is not HTML: nothing in it is escaped.
    text_env = environment(desk)
    text_env.autoescape = False
    text = text_env.get_template("digest.txt.j2").render(d=digest)
    return html, text


def message_id_for(digest: Digest) -> str:
    return make_msgid(idstring=f"digest-{digest.day.isoformat()}")


def message(desk: Desk, digest: Digest, recipients: Iterable[str], *,
            message_id: str | None = None) -> EmailMessage:
    html, text = render(desk, digest)
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = desk.settings.smtp.sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = formatdate(desk.now().timestamp(), localtime=False)
    msg["Message-ID"] = message_id or message_id_for(digest)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg
