from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import requests
from prometheus_client import generate_latest
from sqlalchemy import Engine

from socialdesk.desk import outbox, triage
from socialdesk.desk.poll import poll_stream
from socialdesk.runtime.metrics import Metrics
from tests.desk_helpers import START, make_rig


def test_it_counts_the_daemons_work_and_reports_the_desks_state(
    engine: Engine, tmp_path: Path
) -> None:
    rig = make_rig(engine, tmp_path)
    rig.say("sb-x", "@haiDJPb aplikasi SPAN error terus pas upload ADK", at=timedelta(hours=3))
    rig.say("sb-ig", "slot gacor maxwin daftar sekarang bonus 100%", at=timedelta(hours=3))
    rig.network.inject("sb-yt", "revoked")
    rig.clock.set(START + timedelta(hours=3, minutes=5))
    metrics = Metrics(rig.desk)
    for account, stream in (("sb-x", "mentions"), ("sb-ig", "comments"), ("sb-yt", "comments")):
        metrics.observe("poll", poll_stream(rig.desk, account, stream))
    metrics.observe("triage", triage.run_once(rig.desk))
    metrics.observe("outbox", outbox.run_once(rig.desk))
    text = generate_latest(metrics.registry).decode()
    assert 'socialdesk_polls_total{account="sb-yt",status="permanent",stream="comments"} 1.0' \
        in text
    assert 'socialdesk_triaged_total{action="escalate"} 1.0' in text
    assert 'socialdesk_triaged_total{action="ignore"} 1.0' in text
    assert 'socialdesk_sends_total{state="sent"} 1.0' in text
    assert 'socialdesk_account_enabled{account="sb-yt",platform="sandbox"} 0.0' in text
    assert 'socialdesk_tickets{state="open"} 1.0' in text
    assert 'socialdesk_messages{platform="instagram",state="ignored"} 1.0' in text


def test_it_serves_metrics_over_http_on_localhost(engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    Metrics(rig.desk).serve(port)
    body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert "socialdesk_messages_at_risk 0.0" in body
