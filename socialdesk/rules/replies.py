"""Canned replies in HAI-DJPb's voice, rendered from config/replies/ and checked by the guard.

Templates are plain text rendered in a sandbox with undefined names refused, so a template
(editable by administrators) can neither reach Python objects nor silently drop a value. X
gets its own short, link-free variant when one exists. Whatever is rendered goes through the
content guard; a reply the guard blocks is an error, never a message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from socialdesk.core.clock_format import format_slot
from socialdesk.core.resources import REPLIES, default_path
from socialdesk.rules.guard import X_CHANNELS, Guard
from socialdesk.rules.types import ACTIONS, Verdict

REPLY_ZONE = "Asia/Jakarta"
# Rendered replies kept per Replies: most canned replies are the same text for every
# message of a channel (only ticket numbers and times differ), and rendering one and passing
# it through the guard is most of what triage spends per message.
RENDERED_KEPT = 512
# Context values given as moments; templates see them written out as slots.
_SLOTS = {"next_open": "next_slot", "due": "due_slot"}
_BLANKS = re.compile(r"[ \t]+")


class ReplyError(ValueError):
    """A template is unknown, misses a value, or the reply set is misconfigured."""


class ReplyBlocked(ReplyError):
    """The rendered reply failed the content guard; `reasons` are the guard's codes."""

    def __init__(self, name: str, channel: str, reasons: tuple[str, ...]) -> None:
        super().__init__(f"reply {name!r} on {channel} blocked by the guard: {', '.join(reasons)}")
        self.reasons = reasons


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    name: str
    action: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    answers: tuple[str, ...] = ()


def _slot(value: Any, key: str, zone: str = REPLY_ZONE) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ReplyError(f"{key!r} must be an aware datetime, got {value!r}")
    return format_slot(value.astimezone(ZoneInfo(zone)), zone)


def _names(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ReplyError(f"{where}: {key!r} must be a list of names")
    return tuple(value)


def _load_index(directory: Path) -> dict[str, TemplateSpec]:
    where = str(directory / "index.yaml")
    try:
        data = yaml.safe_load((directory / "index.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReplyError(f"{where}: cannot read the reply index: {exc}") from None
    entries = data.get("templates") if isinstance(data, Mapping) else None
    if not isinstance(entries, Mapping):
        raise ReplyError(f"{where}: expected a 'templates' mapping")
    specs: dict[str, TemplateSpec] = {}
    for name, entry in entries.items():
        if not isinstance(name, str) or not isinstance(entry, Mapping):
            raise ReplyError(f"{where}: entry {name!r} must be a mapping")
        action = entry.get("action")
        if action not in ACTIONS:
            raise ReplyError(f"{where}: {name}: action {action!r} is not one of {ACTIONS}")
        if not (directory / f"{name}.j2").is_file():
            raise ReplyError(f"{where}: {name}: template file {name}.j2 is missing")
        specs[name] = TemplateSpec(
            name, str(action), _names(entry, "required", f"{where}: {name}"),
            _names(entry, "optional", f"{where}: {name}"),
            _names(entry, "answers", f"{where}: {name}"),
        )
    return specs


class Replies:
    """The reply set of one directory: `Replies.load(dir)` or `Replies.default()`."""

    def __init__(self, directory: Path, specs: Mapping[str, TemplateSpec], guard: Guard,
                 zone: str = REPLY_ZONE) -> None:
        self.zone = zone
        self.directory = directory
        self.specs = dict(specs)
        self.guard = guard
        self._rendered: dict[tuple[Any, ...], str] = {}
        # The guard's verdict on each text rendered, by (text, channel): the outbox of the
        # same process need not ask the guard again about a text it was asked about here.
        self.verdicts: dict[tuple[str, str], Verdict] = {}
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(str(directory)),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )

    @classmethod
    def load(cls, directory: str | Path | None = None, guard: Guard | None = None,
             zone: str = REPLY_ZONE) -> Replies:
        path = default_path(REPLIES) if directory is None else Path(directory)
        return cls(path, _load_index(path), guard or Guard.default(), zone)

    @classmethod
    def default(cls) -> Replies:
        return _default_replies()

    def template_names(self) -> list[str]:
        return sorted(self.specs)

    def answers(self) -> dict[str, str]:
        """Catalog item or service id -> the canned answer for questions about it."""
        return {key: spec.name for spec in self.specs.values() for key in spec.answers}

    def action_of(self, name: str) -> str:
        return self._spec(name).action

    def render(self, name: str, *, channel: str, **context: Any) -> str:
        """The reply `name` for `channel`, guard-checked; raises ReplyBlocked if it fails.

        The text depends on nothing but the arguments (the templates and the guard are read
        once), so a text rendered and passed before is given again; refusals are not kept.
        """
        key = _render_key(name, channel, context)
        if key is not None and (text := self._rendered.get(key)) is not None:
            return text
        text = self._render(name, channel, context)
        if key is not None:
            if len(self._rendered) >= RENDERED_KEPT:
                self._rendered.clear()  # whole: safe while another thread reads it
            self._rendered[key] = text
        return text

    def _render(self, name: str, channel: str, context: Mapping[str, Any]) -> str:
        spec = self._spec(name)
        missing = [k for k in spec.required if context.get(k) is None]
        if missing:
            raise ReplyError(f"reply {name!r} needs {', '.join(missing)}")
        values: dict[str, Any] = {k: None for k in spec.optional}
        values["next_slot"] = None
        for key, value in context.items():
            if key in _SLOTS:
                values[_SLOTS[key]] = None if value is None else _slot(value, key, self.zone)
            else:
                values[key] = value
        variant = f"{name}.x.j2" if channel.lower() in X_CHANNELS else f"{name}.j2"
        if not (self.directory / variant).is_file():
            variant = f"{name}.j2"
        try:
            text = self._env.get_template(variant).render(values)
        except TemplateError as exc:
            raise ReplyError(f"reply {name!r}: {exc}") from None
        text = _BLANKS.sub(" ", text).strip()
        verdict = self.guard.check_outbound(text, channel=channel)
        if len(self.verdicts) >= RENDERED_KEPT:
            self.verdicts.clear()
        self.verdicts[(text, channel)] = verdict
        if not verdict.passed:  # a canned reply is sent unread: review is not enough
            raise ReplyBlocked(name, channel, verdict.reasons)
        return text

    def _spec(self, name: str) -> TemplateSpec:
        try:
            return self.specs[name]
        except KeyError:
            raise ReplyError(f"unknown reply template {name!r}") from None


def _render_key(name: str, channel: str, context: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The arguments of a render as a key, or None when a value cannot be one (a list).
    Each value's type is part of it: 1 and True are equal, but render differently."""
    key = (name, channel, *((k, type(v), v) for k, v in sorted(context.items())))
    try:
        hash(key)
    except TypeError:
        return None
    return key


@cache
def _default_replies() -> Replies:
    return Replies.load()


def render(name: str, *, channel: str, **context: Any) -> str:
    return _default_replies().render(name, channel=channel, **context)


def template_names() -> list[str]:
    return _default_replies().template_names()
