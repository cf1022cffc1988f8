"""Pages from Jinja2 templates with autoescaping always on: whatever a message says is shown
as text. Times are shown in the desk's zone, working time as hours and minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from socialdesk.app.auth import SignedIn
from socialdesk.web.i18n import DEFAULT_LOCALE, translations

# Found through the package, as an installed wheel lays it out.
TEMPLATES = Path(str(files("socialdesk.web") / "templates"))
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   trim_blocks=True, lstrip_blocks=True)


def clock_class(entry: Any, warn: timedelta) -> str:
    """The colour of a response clock: late, near the breach, or fine."""
    if entry.answered:
        return "clock-done"
    if entry.late:
        return "clock-late"
    if entry.due_in is not None and entry.due_in <= warn:
        return "clock-warn"
    return "clock-ok"


def duration(value: timedelta | None) -> str:
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    sign = "-" if minutes < 0 else ""
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{mins:02d}"


def render(request: Request, template: str, signed: SignedIn | None, *,
           status_code: int = 200, **context: Any) -> HTMLResponse:
    desk = request.app.state.desk
    locale = signed.user.locale if signed else DEFAULT_LOCALE
    zone = ZoneInfo(desk.settings.working_hours.timezone)

    def when(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%d-%m %H:%M") if value else ""

    def clock_time(value: datetime) -> str:
        """A due time as the office clock reads it, with the zone's name: 01-12 14:00 WIB."""
        local = value.astimezone(zone)
        return f"{local.strftime('%d-%m %H:%M')} {local.tzname()}"

    page = _env.get_template(template).render(
        _=translations(locale).gettext, lang=locale, user=signed.user if signed else None,
        csrf=signed.csrf if signed else "", when=when, clock_time=clock_time,
        duration=duration,
        clock_class=lambda e: clock_class(
            e, timedelta(minutes=desk.settings.sla.warn_before_minutes)),
        path=request.url.path, **context)
    response = HTMLResponse(page, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
