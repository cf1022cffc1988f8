"""Reading one platform item at a time: a malformed item becomes a Skipped, never a crash."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from socialdesk.connectors.types import Attachment, Skipped

log = logging.getLogger(__name__)
T = TypeVar("T")


class BadItem(ValueError):
    """One item lacks a field or has the wrong type; the message says which."""


class PartlyBad(BadItem):
    """An item that was read but some of its nested items (replies) were not: `kept` holds
    what was read, `skipped` what was not, so neither is lost silently."""

    def __init__(self, kept: list[Any], skipped: list[Skipped]) -> None:
        super().__init__("; ".join(s.reason for s in skipped))
        self.kept = kept
        self.skipped = skipped


# What an agent and the rules see of a message that is only (or also) an attachment.
ATTACHMENT_WORDS = {
    "image": "[gambar]", "photo": "[gambar]", "animated_image_share": "[gambar]",
    "animated_image_autoplay": "[gambar]", "gif": "[gambar]", "share": "[tautan]",
    "sticker": "[stiker]", "video": "[video]", "video_inline": "[video]",
    "video_autoplay": "[video]", "audio": "[audio]", "file": "[berkas]",
    "story_mention": "[story]", "ig_reel": "[video]", "reel": "[video]",
    "animated_gif": "[gambar]", "story_reply": "[story]",
}


def attachment_word(kind: str) -> str:
    return ATTACHMENT_WORDS.get(kind.lower(), "[lampiran]")


def with_attachments(text: str, kinds: Iterable[str]) -> str:
    """The text with a word for each attachment after it, so nothing sent is invisible."""
    words = [attachment_word(k) for k in kinds]
    return " ".join([text, *words] if text else words)


def described(text: str, attachments: Iterable[Attachment]) -> str:
    """`with_attachments` for Attachment values."""
    return with_attachments(text, [a.kind for a in attachments])


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
        except PartlyBad as exc:
            log.warning("%s: kept an item, skipped part of it: %s", where, exc)
            kept.extend(exc.kept)
            skipped.extend(exc.skipped)
        except BadItem as exc:
            log.warning("%s: skipped one item: %s", where, exc)
            skipped.append(Skipped(raw, str(exc)))
    return kept, skipped
