"""Crash safety of the running daemon: SIGKILL at random moments of poll, triage and send,
restart, repeat; then nothing is lost, nothing stored twice, no reply sent twice.

A failure prints its seed; replay it with SOCIALDESK_CRASH_SEED=<seed>.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialdesk.connectors.sandbox_network import Sent
from tests.crash_rig import (
    CrashReport,
    Tally,
    crash_run,
    duplicate_sends,
    problems,
    sqlite_url,
)

SEED_ENV = "SOCIALDESK_CRASH_SEED"


def _seed() -> int:
    chosen = os.environ.get(SEED_ENV)
    return int(chosen) if chosen else random.SystemRandom().randrange(2**32)


def _check(report: CrashReport) -> None:
    print(report.summary())
    assert report.kills >= 1
    assert not report.problems, (
        f"crash run failed; replay with {SEED_ENV}={report.seed}: {report.summary()}\n"
        + "\n".join(report.problems))
    assert report.duplicates == 0
    # The run must have had something to lose: messages, replies and lost responses.
    assert report.messages > 0 and report.replies > 0 and report.lost_responses > 0
    # At least a quarter of the kills land in the middle of a send, and poisoned messages
    # (a lone surrogate in the text) went through intake like the others.
    assert report.mid_send_kills * 4 >= report.kills, report.summary()
    assert report.poisoned > 0



@pytest.mark.slow
def test_it_survives_fifty_kills_on_sqlite_without_loss_or_double_send(tmp_path: Path) -> None:
    report = crash_run(tmp_path, sqlite_url(tmp_path / "desk.db"), kills=50, seed=_seed())
    _check(report)
    assert report.kills == 50


@pytest.mark.slow
@pytest.mark.postgres
def test_it_survives_kills_on_postgresql_without_loss_or_double_send(
        tmp_path: Path, pg_url: str) -> None:
    report = crash_run(tmp_path, pg_url, kills=15, seed=_seed())
    _check(report)


# The checks themselves must catch what they are there to catch.

def _sent(target: str, key: str, action: str = "reply") -> Sent:
    return Sent("sb-x", action, target, "teks", key, f"p-{key}", datetime.now(UTC))


def _tally(**changes: object) -> Tally:
    base: dict[str, object] = dict(
        delivered=frozenset({"a", "b"}), stored=Counter({"a": 1, "b": 1}), untriaged=0,
        pending=0, in_flight=0, held=0, needs_answer=frozenset({"a"}),
        answered=Counter({"a": 1}), sends=(_sent("a", "k1"), _sent("b", "", "hide")),
    )
    base.update(changes)
    return Tally(**base)  # type: ignore[arg-type]


def test_it_finds_nothing_wrong_in_a_clean_run() -> None:
    assert problems(_tally()) == []


def test_it_reports_a_reply_sent_twice_under_two_keys() -> None:
    sends = (_sent("a", "k1"), _sent("a", "k2"))
    assert duplicate_sends(sends) == ["sb-x/a/reply sent 2 times"]
    assert any("2 replies" in p for p in problems(_tally(sends=sends)))


def test_it_reports_one_key_sent_twice_but_lets_hides_repeat() -> None:
    sends = (_sent("a", "k1"), _sent("b", "k1", "private"), _sent("c", "", "hide"),
             _sent("c", "", "hide"))
    assert duplicate_sends(sends) == ["idempotency key k1 sent 2 times"]


def test_it_reports_lost_doubled_untriaged_and_stuck_work() -> None:
    found = problems(_tally(stored=Counter({"a": 2}), untriaged=1, pending=1, in_flight=1,
                            needs_answer=frozenset({"a", "b"}), answered=Counter({"a": 2})))
    text = "\n".join(found)
    for needle in ("never stored", "stored twice", "never triaged", "replies stuck",
                   "without a first reply", "more than one first reply"):
        assert needle in text
