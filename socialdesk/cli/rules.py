"""`socialdesk classify` and `socialdesk guard`: the rules run on text from the command line
or on JSON Lines, one JSON result per input. A malformed input line yields an error line and
the run goes on; the exit status is 1 when any line failed. `guard` prints each text's verdict
(pass, review, block) with its reasons, and exits 1 when any text is blocked too."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO, get_args

from socialdesk.cli.common import UsageError, settings_from
from socialdesk.core.vocab import UnknownPlatform, channel_of
from socialdesk.rules.types import Channel, Kind

if TYPE_CHECKING:  # loaded by the command that runs: the rules take a while to read
    from socialdesk.rules.assess import Triage
    from socialdesk.rules.guard import Guard

CHANNELS: tuple[str, ...] = get_args(Channel)
KINDS: tuple[str, ...] = get_args(Kind)


class LineError(ValueError):
    """One input line is unusable; `id` is the line's id when it could be read."""

    def __init__(self, message: str, line_id: Any = None) -> None:
        super().__init__(message)
        self.line_id = line_id


# The platform is "x" everywhere; "twitter", its old name, is still understood.
CHANNEL_HELP = "x (or twitter), instagram, facebook or youtube (default x)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("classify", help="triage messages: service, item, intent, PII, action")
    _add_input(p, "id, channel, kind, text")
    p.add_argument("--channel", default="x", help=CHANNEL_HELP)
    p.add_argument("--kind", default="mention", help=f"one of {', '.join(KINDS)}")
    p.set_defaults(func=run_classify)

    g = sub.add_parser("guard", help="check outgoing replies against the content guard")
    _add_input(g, "id, channel, text")
    g.add_argument("--channel", default="x", help=CHANNEL_HELP)
    g.set_defaults(func=run_guard)


def _add_input(p: argparse.ArgumentParser, fields: str) -> None:
    p.add_argument("text", nargs="?", help="the message text")
    p.add_argument("--jsonl", metavar="FILE",
                   help=f"read JSON Lines ({fields}) from FILE, or - for standard input")


def _channel(value: Any, *, line_id: Any = None) -> str:
    try:
        return channel_of(value) if isinstance(value, str) else channel_of(repr(value))
    except UnknownPlatform:
        raise LineError(f"channel must be one of {', '.join(CHANNELS)} (x for twitter), "
                        f"got {value!r}", line_id) from None


def _kind(value: Any, *, line_id: Any = None) -> str:
    if value not in KINDS:
        raise LineError(f"kind must be one of {', '.join(KINDS)}, got {value!r}", line_id)
    return str(value)


def _field(obj: dict[str, Any], key: str, line_id: Any) -> str:
    if key not in obj:
        raise LineError(f"missing field {key!r}", line_id)
    value = obj[key]
    if not isinstance(value, str):
        raise LineError(f"field {key!r} must be a string, got {type(value).__name__}", line_id)
    return value


def _records(source: TextIO) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    for number, line in enumerate(source, start=1):
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte order mark some editors write
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, LineError(f"not JSON: {exc.msg}")
            continue
        if not isinstance(obj, dict):
            yield number, LineError("expected a JSON object")
            continue
        yield number, obj


def _line_id(obj: dict[str, Any]) -> Any:
    value = obj.get("id")
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


def _open(path: str) -> TextIO:
    if path == "-":
        return sys.stdin
    try:
        return open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=False)


def _each(
    args: argparse.Namespace,
    fields: tuple[str, ...],
    one: Callable[[dict[str, Any]], dict[str, Any]],
    single: Callable[[], dict[str, Any]],
) -> int:
    if (args.text is None) == (args.jsonl is None):
        raise UsageError("give either TEXT or --jsonl FILE (not both)")
    if args.text is not None:
        _emit(single())
        return 0
    failed = False
    source = _open(args.jsonl)
    try:
        for number, record in _records(source):
            try:
                if isinstance(record, LineError):
                    raise record
                line_id = _line_id(record)
                if "id" in record and line_id is None:
                    raise LineError("field 'id' must be a string or a number")
                for key in fields:
                    if key != "id":  # checked above: a string or a number
                        _field(record, key, line_id)
                    elif key not in record:
                        raise LineError("missing field 'id'")
                _emit(one(record))
            except LineError as exc:
                failed = True
                # The row keeps the output in step with the input; the person reads stderr.
                _emit({"id": exc.line_id, "error": f"line {number}: {exc}"})
                where = f" (id {exc.line_id})" if exc.line_id is not None else ""
                print(f"socialdesk: line {number}{where}: {exc}", file=sys.stderr)
        sys.stdout.flush()
    finally:
        if source is not sys.stdin:
            source.close()
    return 1 if failed else 0


def _classified(triage: Triage, line_id: Any, text: str, channel: str, kind: str) -> dict[str, Any]:
    r = triage.run(text, channel=channel, kind=kind)
    return {
        "id": line_id, "service": r.service, "item": r.item, "intent": r.intent,
        "pii": list(r.pii), "action": r.action, "confidence": round(r.confidence, 3),
        "rules": list(r.rules),
    }


def run_classify(args: argparse.Namespace) -> int:
    try:
        channel, kind = _channel(args.channel), _kind(args.kind)
    except LineError as exc:
        raise UsageError(str(exc)) from None
    from socialdesk.core.catalog import load_catalog
    from socialdesk.rules.assess import Triage
    from socialdesk.rules.guard import Guard

    # The rules, guard, catalog and lexicon the settings name, as the desk itself uses them.
    settings = settings_from(args)
    triage = Triage.load(catalog=load_catalog(settings.catalog_path),
                         # Triage reads incoming text: the outgoing second opinion is not asked.
                         rules_dir=settings.rules_dir,
                         guard=Guard.load(settings.guard_path, model_path=None),
                         lexicon_dir=settings.lexicon_dir)

    def one(rec: dict[str, Any]) -> dict[str, Any]:
        line_id = _line_id(rec)
        return _classified(triage, line_id, rec["text"], _channel(rec["channel"], line_id=line_id),
                           _kind(rec["kind"], line_id=line_id))

    return _each(args, ("id", "channel", "kind", "text"), one,
                 lambda: _classified(triage, None, args.text, channel, kind))


def _checked(guard: Guard, line_id: Any, text: str, channel: str,
             blocked: list[Any]) -> dict[str, Any]:
    verdict = guard.check_outbound(text, channel=channel)
    if verdict.verdict == "block":
        blocked.append(line_id)
    return {"id": line_id, "verdict": verdict.verdict, "reasons": list(verdict.reasons)}


def run_guard(args: argparse.Namespace) -> int:
    try:
        channel = _channel(args.channel)
    except LineError as exc:
        raise UsageError(str(exc)) from None
    from socialdesk.rules.guard import Guard

    settings = settings_from(args)
    guard = Guard.load(settings.guard_path, model_path=settings.guard_model_path)
    blocked: list[Any] = []

    def one(rec: dict[str, Any]) -> dict[str, Any]:
        line_id = _line_id(rec)
        return _checked(guard, line_id, rec["text"], _channel(rec["channel"], line_id=line_id),
                        blocked)

    status = _each(args, ("id", "channel", "text"), one,
                   lambda: _checked(guard, None, args.text, channel, blocked))
    return 1 if blocked else status
