"""The daemon as real processes: SIGTERM, platform faults, poller leadership across
processes, and outbox workers racing for the same replies."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from socialdesk.connectors.sandbox_network import (
    SandboxNetwork,
    Scenario,
    ScenarioAccount,
    ScenarioMessage,
)
from socialdesk.desk import outbox, triage
from socialdesk.desk.context import Desk
from socialdesk.desk.outbox import Outcome
from socialdesk.store.models import Lease, Message, Reply
from tests.crash_rig import (
    ACCOUNTS,
    LEADS,
    DaemonProcess,
    account_row,
    cursor_row,
    daemons,
    duplicate_sends,
    load_network,
    prepare_database,
    sqlite_url,
    wait_until,
    write_config,
)
from tests.desk_helpers import START, make_rig

# Bounds on waits: generous, since the suite shares two cores with whatever else runs.
POLL_BOUND = 20.0
TAKEOVER_BOUND = 10.0



def _say(network: SandboxNetwork, account: str, text: str, platform_id: str,
         *, malformed: bool = False) -> None:
    """A message on `account` that is visible from now on."""
    _, _, stream, kind = next(a for a in ACCOUNTS + FAULTY if a[0] == account)
    offset = datetime.now(UTC) - network.start()
    network.add_message(ScenarioMessage(
        account=account, stream=stream, kind=kind, author_handle="warga_a",
        text=("@haiDJPb " if kind == "mention" else "") + text, offset=offset,
        platform_id=platform_id, malformed=malformed))


def _received(engine: Engine, platform_id: str) -> datetime | None:
    """When the desk stored the message, or None if it never did."""
    with engine.connect() as conn:
        row = conn.execute(select(Message.received_at)
                           .where(Message.platform_id == platform_id)).one_or_none()
    return None if row is None else row[0]


def _answered(network: SandboxNetwork, platform_id: str) -> bool:
    return any(s.target_id == platform_id and s.action == "reply" for s in network.replies())


def _has_error(engine: Engine, account: str) -> bool:
    return account_row(engine, account).last_error is not None


def _reply_of(engine: Engine, platform_id: str) -> tuple[str, str | None, datetime | None]:
    with engine.connect() as conn:
        row = conn.execute(
            select(Reply.state, Reply.reason, Reply.next_attempt_at)
            .join(Message, Message.id == Reply.message_id)
            .where(Message.platform_id == platform_id, Reply.kind == "reply")).one_or_none()
    return (str(row[0]), row[1], row[2]) if row is not None else ("", None, None)


def _setup(tmp_path: Path, url: str,
           accounts: tuple[tuple[str, str, str, str], ...] = ACCOUNTS
           ) -> tuple[Path, SandboxNetwork, Engine]:
    network = load_network(tmp_path / "network.db", Scenario(
        tuple(ScenarioAccount(a, p, a) for a, p, _, _ in accounts), ()), lead=60)
    config = write_config(tmp_path / "socialdesk.toml", database_url=url,
                          network=tmp_path / "network.db", accounts=accounts)
    return config, network, prepare_database(url)


# -- SIGTERM -------------------------------------------------------------------------------


def test_it_stops_cleanly_on_sigterm_leaving_nothing_in_flight(tmp_path: Path) -> None:
    config, network, engine = _setup(tmp_path, sqlite_url(tmp_path / "desk.db"))
    for n in range(6):
        _say(network, "sb-ig", f"halo kak selamat pagi #{n}", f"ig-{n}")
    with daemons() as running:
        daemon = DaemonProcess(config, tmp_path / "daemon.log")
        running.append(daemon)
        daemon.wait_ready()
        assert wait_until(lambda: _answered(network, "ig-0"), POLL_BOUND)
        status = daemon.terminate(timeout=10)
    assert status == 0, daemon.log()[-2000:]
    assert "signal SIGTERM: stopping" in daemon.log()
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Reply)
                           .where(Reply.state == "sending")) == 0
        lease = conn.execute(select(Lease.expires_at)).scalar_one()
    assert lease <= datetime.now(UTC), "a clean stop hands the poller lease back"
    engine.dispose()


# -- platform faults -----------------------------------------------------------------------

FAULTY = (("sb-tw", "x", "mentions", "mention"),)


def test_it_rides_out_platform_faults_and_disables_only_the_revoked_account(
        tmp_path: Path) -> None:
    accounts = ACCOUNTS + FAULTY
    config, network, engine = _setup(tmp_path, sqlite_url(tmp_path / "desk.db"), accounts)
    network.inject("sb-x", "rate_limit", retry_after=6)
    network.inject("sb-ig", "malformed")
    network.inject("sb-ig", "rate_limit", stream="send", retry_after=8)
    network.inject("sb-fb", "revoked")
    network.inject("sb-yt", "server_error")
    network.inject("sb-tw", "timeout")
    _say(network, "sb-x", "halo min selamat siang", "x-1")
    _say(network, "sb-ig", "halo kak (dibuang: item rusak)", "ig-skipped")
    _say(network, "sb-ig", "halo kak", "ig-malformed", malformed=True)
    _say(network, "sb-ig", "halo kak selamat siang", "ig-1")
    _say(network, "sb-fb", "halo min", "fb-1")
    _say(network, "sb-yt", "halo min", "yt-1")
    with daemons() as running:
        daemon = DaemonProcess(config, tmp_path / "daemon.log")
        running.append(daemon)
        daemon.wait_ready()

        # Both resets are read while they stand (the send's first: it comes first).
        assert wait_until(lambda: "429" in (_reply_of(engine, "ig-1")[1] or ""), POLL_BOUND,
                          every=0.05)
        retry_at = _reply_of(engine, "ig-1")[2]
        assert retry_at is not None
        assert wait_until(lambda: (row := cursor_row(engine, "sb-x", "mentions")) is not None
                          and row.retry_at is not None, POLL_BOUND, every=0.05)
        x_cursor = cursor_row(engine, "sb-x", "mentions")
        assert x_cursor is not None and x_cursor.retry_at is not None
        reset = x_cursor.retry_at
        assert "429" in (account_row(engine, "sb-x").last_error or "")
        # Neither the poll nor the send went again before its reset.
        assert wait_until(lambda: _received(engine, "x-1") is not None, POLL_BOUND)
        received = _received(engine, "x-1")
        assert received is not None and received >= reset

        assert wait_until(lambda: _answered(network, "ig-1"), POLL_BOUND)
        ig_send = next(s for s in network.replies() if s.target_id == "ig-1")
        assert ig_send.sent_at >= retry_at

        # The revoked account is switched off with its reason; nobody else is.
        assert wait_until(lambda: not account_row(engine, "sb-fb").enabled, POLL_BOUND)
        fb = account_row(engine, "sb-fb")
        assert "revoked" in (fb.disabled_reason or "") and "revoked" in (fb.last_error or "")
        for name in ("sb-x", "sb-ig", "sb-yt", "sb-tw"):
            row = account_row(engine, name)
            assert row.enabled and row.disabled_reason is None, name

        # Server errors and timeouts back off (30 s with jitter) on their own stream only.
        for name, stream, words in (("sb-yt", "comments", "HTTP 500"),
                                    ("sb-tw", "mentions", "timed out")):
            assert wait_until(partial(_has_error, engine, name), POLL_BOUND)
            row = account_row(engine, name)
            cursor = cursor_row(engine, name, stream)
            assert words in (row.last_error or ""), row.last_error
            assert cursor is not None and cursor.retry_at is not None
            assert row.last_error_at is not None
            pause = cursor.retry_at - row.last_error_at
            assert timedelta(seconds=15) <= pause <= timedelta(seconds=30), pause

        # And the healthy accounts keep flowing after all that.
        _say(network, "sb-x", "terima kasih min", "x-2")
        _say(network, "sb-ig", "terima kasih kak", "ig-2")
        assert wait_until(lambda: _answered(network, "x-2") and _answered(network, "ig-2"),
                          POLL_BOUND)
        assert daemon.alive(), "no fault may stop the daemon"
        status = daemon.terminate(timeout=10)
    assert status == 0
    assert _received(engine, "ig-skipped") is None and _received(engine, "ig-malformed") is None
    assert _received(engine, "fb-1") is None
    assert not [s for s in network.replies() if s.account == "sb-fb"]
    assert duplicate_sends(network.replies()) == []
    log = daemon.log()
    assert "skipped one item" in log
    assert "Traceback" not in log, log[-3000:]
    engine.dispose()


# -- leadership across processes -----------------------------------------------------------


def _leaders(procs: list[DaemonProcess]) -> list[DaemonProcess]:
    return [p for p in procs if LEADS in p.log()]


def _check_takeover(procs: list[DaemonProcess], network: SandboxNetwork,
                    engine: Engine) -> None:
    for p in procs:
        p.wait_ready()
    _say(network, "sb-x", "halo min selamat pagi", "x-before")
    assert wait_until(lambda: _answered(network, "x-before"), POLL_BOUND)
    leaders = _leaders(procs)
    assert len(leaders) == 1, [p.log()[-500:] for p in procs]
    leader = leaders[0]
    leader.kill()
    rest = [p for p in procs if p is not leader]
    assert wait_until(lambda: len(_leaders(rest)) == 1, TAKEOVER_BOUND), \
        [p.log()[-800:] for p in rest]
    _say(network, "sb-x", "terima kasih min", "x-after")
    assert wait_until(lambda: _answered(network, "x-after"), POLL_BOUND)
    assert len(_leaders(rest)) == 1, "only the new leader polls"
    for p in rest:
        assert p.alive()
        assert p.terminate(timeout=10) == 0
    assert duplicate_sends(network.replies()) == []


def test_it_hands_polling_to_another_process_when_the_leader_dies_on_sqlite(
        tmp_path: Path) -> None:
    config, network, engine = _setup(tmp_path, sqlite_url(tmp_path / "desk.db"))
    with daemons() as running:
        # Default worker ids (host:pid): a lease held by a dead local process is free.
        for n in range(2):
            running.append(DaemonProcess(config, tmp_path / f"d{n}.log"))
        _check_takeover(running, network, engine)
    engine.dispose()


@pytest.mark.postgres
def test_it_hands_polling_to_another_process_when_the_leader_dies_on_postgresql(
        tmp_path: Path, pg_url: str) -> None:
    config, network, engine = _setup(tmp_path, pg_url)
    with daemons() as running:
        for worker, roles in (("w1", "poll,triage"), ("w2", "poll,outbox"),
                              ("w3", "poll,triage,outbox,sla")):
            running.append(DaemonProcess(config, tmp_path / f"{worker}.log", roles=roles,
                                         worker_id=worker))
        _check_takeover(running, network, engine)
    engine.dispose()


# -- outbox workers racing -----------------------------------------------------------------


def test_it_sends_each_reply_once_with_two_outbox_workers_racing(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    for n in range(80):
        name = ACCOUNTS[n % len(ACCOUNTS)][0]
        # Eighty different people: one author's repeated greetings would go to a person.
        rig.say(name, f"halo min selamat siang #{n}", at=timedelta(hours=4, minutes=n % 50),
                author=f"warga_{n}")
    rig.clock.set(START + timedelta(hours=5))
    rig.poll_all()
    while triage.run_once(rig.desk):
        pass
    with rig.session() as s:
        queued = s.scalar(select(func.count()).select_from(Reply).where(Reply.state == "queued"))
    assert queued == 80
    # Each send takes 10 ms, as a real platform's does, so the two workers race for claims
    # for the whole run instead of one taking everything before the other starts.
    slow = replace(rig.settings, accounts=tuple(
        replace(a, options={**a.options, "send_delay": 0.01}) for a in rig.settings.accounts))
    first = Desk.from_settings(slow, now=rig.clock, engine=engine, worker_id="test:1")
    other = Desk.from_settings(slow, now=rig.clock, engine=engine, worker_id="test:2")
    start = threading.Barrier(2)
    results: dict[str, list[Outcome]] = {}

    def work(desk: Desk) -> None:
        done: list[Outcome] = []
        start.wait()
        while batch := outbox.run_once(desk, limit=5):
            done.extend(batch)
        results[desk.worker_id] = done

    threads = [threading.Thread(target=work, args=(d,)) for d in (first, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(results) == 2
    sent_by = {w: [o.reply_id for o in done if o.state == "sent"] for w, done in results.items()}
    assert all(sent_by.values()), f"both workers should have won some claims: {sent_by}"
    assert sorted(sent_by["test:1"] + sent_by["test:2"]) == sorted(set(
        sent_by["test:1"] + sent_by["test:2"]))
    sends = rig.network.replies()
    assert len(sends) == 80 and duplicate_sends(sends) == []
    with rig.session() as s:
        assert s.scalar(select(func.count()).select_from(Reply)
                        .where(Reply.state == "sent")) == 80
