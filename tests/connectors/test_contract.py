"""The contract every connector must keep, run over each of them (sandbox included)."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
import responses

from socialdesk.connectors import Permanent, Rejected, RetryLater
from socialdesk.connectors.types import CAPABILITIES, KINDS, InboundMessage

from .rigs import FAILURES, RIGS, Rig
from .support import FixedClock


@pytest.fixture(params=RIGS, ids=[r.name for r in RIGS])
def rig(request: pytest.FixtureRequest, rsps: responses.RequestsMock, clock: FixedClock,
        tmp_path: Path) -> Rig:
    cls: type[Rig] = request.param
    return cls(rsps, clock, tmp_path)


def drain(rig: Rig, cursor: str | None = None) -> tuple[list[InboundMessage], str | None]:
    """Fetch as the daemon does: while the cursor moves and the page had items."""
    connector = rig.build()
    seen: list[InboundMessage] = []
    for _ in range(20):
        page = connector.fetch(rig.stream, cursor)
        seen.extend(page.messages)
        moved = page.next_cursor != cursor
        cursor = page.next_cursor
        if not moved or not (page.messages or page.skipped):
            break
    return seen, cursor


def test_it_declares_its_facts(rig: Rig) -> None:
    connector = rig.build()
    assert connector.streams and rig.stream in connector.streams
    assert connector.text_limit > 0
    assert connector.capabilities <= set(CAPABILITIES)
    assert "reply" in connector.capabilities
    assert connector.min_poll_interval > 0


def test_it_fetches_every_page_once_in_order(rig: Rig) -> None:
    rig.serve_pages()
    messages, _ = drain(rig)
    assert [m.platform_id for m in messages] == rig.expected_ids
    for message in messages:
        assert message.created_at.tzinfo is not None
        assert message.created_at.utcoffset() == UTC.utcoffset(None)
        assert message.kind in KINDS
        assert message.stream == rig.stream


def test_it_never_returns_a_message_again_after_its_cursor(rig: Rig) -> None:
    rig.serve_pages()
    first, cursor = drain(rig)
    rig.serve_pages()
    again, final = drain(rig, cursor)
    assert not {m.platform_id for m in again} & {m.platform_id for m in first}
    assert final is not None


def test_it_returns_the_platform_id_of_a_reply(rig: Rig) -> None:
    rig.serve_reply()
    result = rig.build().reply(rig.target(), "Terima kasih, Kak. Kami bantu cek.", "key-1")
    assert result.platform_id == rig.reply_id


def test_it_refuses_an_unknown_stream(rig: Rig) -> None:
    with pytest.raises(Rejected):
        rig.build().fetch("no-such-stream", None)


def test_it_refuses_a_reply_over_the_text_limit(rig: Rig) -> None:
    connector = rig.build()
    with pytest.raises(Rejected):
        connector.reply(rig.target(), "a" * (connector.text_limit + 1), "key-2")


@pytest.mark.parametrize("failure", FAILURES)
def test_it_classifies_failures(rig: Rig, failure: str) -> None:
    rig.serve_failure(failure)
    expected = Permanent if failure == "revoked" else RetryLater
    with pytest.raises(expected) as caught:
        rig.build().fetch(rig.stream, None)
    if failure == "rate_limit":
        assert isinstance(caught.value, RetryLater)
        assert caught.value.retry_at is not None
        assert caught.value.retry_at > rig.clock()
