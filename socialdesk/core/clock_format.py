"""Moments written the way replies to the public write them, in Indonesian."""

from __future__ import annotations

from datetime import datetime

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
# Indonesia's own names for its three zones; the tz database only knows them as "+07" etc.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_label(tz_key: str, local: datetime) -> str:
    if tz_key in ZONE_NAMES:
        return ZONE_NAMES[tz_key]
    name = local.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = local.utcoffset()
    if offset is None:
        return tz_key
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}.{mins:02d}"


def format_slot(local: datetime, tz_key: str) -> str:
    """"Senin, 30 November 2026 pukul 08.00 WIB" for a moment already in zone `tz_key`.

    Seconds are left out, as people write it; a due time is never shown later than it is.
    """
    return (
        f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year} "
        f"pukul {local.hour:02d}.{local.minute:02d} {zone_label(tz_key, local)}"
    )
