"""Speed of the full triage of one message on one core, stage by stage (normalize, classify,
personal data, inbound guard, decide) and in full, over the dev texts replicated; plus the
outbound guard on the canned replies, and how the personal-data detector does on the labelled
public messages. The word tables of the normalizer and matcher fill on first sight of a word,
so a last row runs the full triage with one never-seen word added to every message.

Run: .venv/bin/python bench/bench_triage.py [DEV_JSONL] [--messages N] [--model WEIGHTS]
DEV_JSONL defaults to ../shared/data/dev.jsonl (next to the repository). The triage is the desk
as shipped, with the packaged second opinion; `--model ""` measures the rules alone. Besides
wall-clock rates, `cpu msg/s` counts the process's own CPU time, which moves less when other
work shares the machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from socialdesk.core.resources import SECOND_OPINION, default_path
from socialdesk.rules.assess import Triage
from socialdesk.rules.decide import decide
from socialdesk.rules.guard import Guard
from socialdesk.rules.normalize import tokens
from socialdesk.rules.pii import pii_kinds
from socialdesk.rules.replies import Replies
from socialdesk.rules.types import PUBLIC_KINDS

T = TypeVar("T")
DEFAULT_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "dev.jsonl"


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def percentile(sorted_ns: list[int], p: float) -> float:
    return sorted_ns[min(len(sorted_ns) - 1, int(p * len(sorted_ns)))] / 1000


def timed(fn: Callable[[T], object], work: Sequence[T]) -> tuple[float, float, list[int]]:
    """Seconds for all of `work` (wall clock and CPU) and each call's nanoseconds, sorted."""
    each: list[int] = []
    clock = time.perf_counter_ns
    cpu = time.process_time()
    began = clock()
    for item in work:
        t0 = clock()
        fn(item)
        each.append(clock() - t0)
    spent = (clock() - began) / 1e9
    cpu = time.process_time() - cpu
    each.sort()
    return spent, cpu, each


def row(name: str, n: int, spent: float, cpu: float, each: list[int]) -> None:
    print(f"  {name:<28} {n / spent:>10,.0f} {n / cpu:>10,.0f} {percentile(each, 0.50):>9.1f} "
          f"{percentile(each, 0.99):>9.1f} {each[-1] / 1000:>10.1f}")


def bench_triage(rows: list[dict[str, object]], n: int, model: Path | None = None) -> None:
    triage = Triage.default(model)
    classifier, guard = triage.classifier, triage.guard
    inputs = [(str(r["text"]), str(r["channel"]), str(r["kind"])) for r in rows]
    for text, channel, kind in inputs:  # warm caches and lazy tables
        triage.run(text, channel=channel, kind=kind)
    work = (inputs * (n // len(inputs) + 1))[:n]
    texts = [text for text, _, _ in work]
    decided = [
        (classifier.classify(text, channel=channel, kind=kind), pii_kinds(text), kind)
        for text, channel, kind in inputs
    ]
    decide_work = (decided * (n // len(decided) + 1))[:n]
    unseen = [(f"{text} zq{i}x", channel, kind) for i, (text, channel, kind) in enumerate(work)]
    stages: list[tuple[str, Callable[[Any], object], Sequence[Any]]] = [
        ("normalize", tokens, texts),
        ("classify (incl. normalize)", classifier.classify, texts),
        ("pii", pii_kinds, texts),
        ("guard inbound", guard.check_inbound, texts),
        ("decide", lambda d: decide(d[0], d[1], kind=d[2]), decide_work),
        *([("second opinion", triage.second_opinion.judge, texts)]
          if triage.second_opinion is not None else []),
        ("full triage", lambda i: triage.run(i[0], channel=i[1], kind=i[2]), work),
        ("full, one unseen word each", lambda i: triage.run(i[0], channel=i[1], kind=i[2]),
         unseen),
    ]
    print(f"triage on one core, {n:,} messages per stage (µs per message):")
    print(f"  {'stage':<28} {'msg/s':>10} {'cpu msg/s':>10} {'p50':>9} {'p99':>9} {'max':>10}")
    for name, fn, items in stages:
        spent, cpu, each = timed(fn, items)
        row(name, n, spent, cpu, each)
    hits = sum(triage.run(*i[:1], channel=i[1], kind=i[2]).action == r["expected_action"]
               for i, r in zip(inputs, rows, strict=True))
    print(f"  action agreement with the labels: {hits}/{len(rows)}")


def bench_guard(n: int) -> None:
    guard, replies = Guard.default(), Replies.default()
    due = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    texts = [
        (replies.render(name, channel=ch, ticket="HAI-2026-000123", status="Diproses", due=due),
         ch)
        for name in replies.template_names() for ch in ("twitter", "instagram")
    ]
    work = (texts * (n // len(texts) + 1))[:n]
    began = time.perf_counter()
    for text, ch in work:
        guard.check_outbound(text, channel=ch)
    spent = time.perf_counter() - began
    print(f"outbound guard: {n / spent:,.0f} replies/s ({spent * 1e6 / n:.1f} µs/reply)")


def pii_figures(rows: list[dict[str, object]]) -> None:
    expected_public = found_public = missed = false_alarms = 0
    clean = flagged_clean = 0
    for r in rows:
        want = set(r["pii"]) if isinstance(r["pii"], list) else set()
        got = set(pii_kinds(str(r["text"])))
        missed += len(want - got)
        false_alarms += len(got - want)
        if r["kind"] in PUBLIC_KINDS:
            expected_public += len(want)
            found_public += len(want & got)
        if not want:
            clean += 1
            flagged_clean += bool(got)
    recall = found_public / expected_public if expected_public else 1.0
    print(f"pii: public recall {found_public}/{expected_public} = {recall:.1%}; "
          f"kinds missed overall {missed}; false kinds {false_alarms}; "
          f"clean messages flagged {flagged_clean}/{clean}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("dev", nargs="?", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--model", default=None,
                        help='the second opinion\'s weights (default: the packaged ones, as the '
                             'desk ships; "" for the rules alone)')
    args = parser.parse_args()
    model = default_path(SECOND_OPINION) if args.model is None else (
        Path(args.model) if args.model else None)
    rows = load(args.dev)
    pii_figures(rows)
    print(f"second opinion: {model or 'off (rules alone)'}")
    bench_triage(rows, args.messages, model)
    bench_guard(args.messages)


if __name__ == "__main__":
    main()
