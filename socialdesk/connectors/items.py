"""Reading one platform item at a time: a malformed item becomes a Skipped, never a crash."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from socialdesk.connectors.types import Skipped

log = logging.getLogger(__name__)
T = TypeVar("T")


class BadItem(ValueError):
    """One item lacks a field or has the wrong type; the message says which."""


def obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadItem(f"{where} is {type(value).__name__}, not an object")
    return value


def text_field(item: Mapping[str, Any], key: str, *, default: str | None = None) -> str:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, str | int):
        if value is None:
            raise BadItem(f"missing {key}")
        raise BadItem(f"{key} is {type(value).__name__}, not text")
    return str(value)


def maybe_text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def parse_time(value: Any, key: str = "time") -> datetime:
    """ISO 8601 as the platforms write it ("...Z", "...+0000", "....000Z"), made UTC."""
    if not isinstance(value, str):
        raise BadItem(f"missing {key}" if value is None else f"{key} is not text")
    raw = value.strip().replace("Z", "+00:00")
    if len(raw) >= 5 and raw[-5] in "+-" and raw[-4:].isdigit():
        raw = f"{raw[:-2]}:{raw[-2:]}"
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise BadItem(f"{key} {value!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        raise BadItem(f"{key} {value!r} has no UTC offset")
    return when.astimezone(UTC)


def data_list(body: Any, key: str = "data") -> list[Any]:
    """The list of items in a listing body; a body of the wrong shape is for the caller."""
    if not isinstance(body, Mapping):
        raise BadItem(f"response is {type(body).__name__}, not an object")
    value = body.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadItem(f"response {key} is {type(value).__name__}, not a list")
    return value


def collect(raw_items: Iterable[Any], parse: Callable[[Any], list[T]],
            where: str) -> tuple[list[T], list[Skipped]]:
    """Parse each item; a BadItem is logged and skipped, the others are kept."""
    kept: list[T] = []
    skipped: list[Skipped] = []
    for raw in raw_items:
        try:
            kept.extend(parse(raw))
        except BadItem as exc:
            log.warning("%s: skipped one item: %s", where, exc)
            skipped.append(Skipped(raw, str(exc)))
    return kept, skipped
