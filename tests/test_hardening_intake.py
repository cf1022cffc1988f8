"""Issue 13, point 1: one malformed item never stops a page, and a failing poll shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from socialdesk.connectors.http import parse_json
from socialdesk.connectors.types import InboundMessage, Page
from socialdesk.core.clock import WorkingCalendar
from socialdesk.desk.intake import current_cursor, store_page
from socialdesk.desk.poll import poll_stream
from socialdesk.store.db import transaction
from socialdesk.store.models import Account, Message
from tests.desk_helpers import make_rig

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _message(platform_id: str, text: str, *, handle: str = "warga",
             raw: dict[str, object] | None = None) -> InboundMessage:
    return InboundMessage(
        platform="instagram", stream="comments", platform_id=platform_id, kind="comment",
        author_id="u-" + platform_id, author_handle=handle, text=text,
        created_at=NOW - timedelta(minutes=5), conversation_id="media-1",
        raw=raw if raw is not None else {"id": platform_id, "text": text})


def _store(sessions: sessionmaker[Session], page: Page) -> int:
    with transaction(sessions) as s:
        account = s.scalars(select(Account)).one_or_none()
        if account is None:
            account = Account(name="ig-main", platform="instagram", handle="haidjpb")
            s.add(account)
            s.flush()
        result = store_page(s, account, "comments", page, now=NOW,
                            calendar=WorkingCalendar(), response_hours=2.0)
    return result.skipped


def test_it_stores_a_lone_surrogate_and_the_rest_of_its_page(
        sessions: sessionmaker[Session]) -> None:
    page = Page((_message("c1", "halo min \ud83d"), _message("c2", "sp2d belum cair",
                                                          handle="nul\x00name")), "cur-2")
    assert _store(sessions, page) == 0
    with sessions() as s:
        texts = dict(s.execute(select(Message.platform_id, Message.text)).tuples().all())
        assert texts == {"c1": "halo min \ufffd", "c2": "sp2d belum cair"}
        account = s.scalars(select(Account)).one()
        row = current_cursor(s, account, "comments")
        assert row is not None and row.cursor == "cur-2"


def test_it_skips_an_unstorable_item_with_its_reason_on_the_account(
        sessions: sessionmaker[Session]) -> None:
    bad = _message("c3", "isi", raw={"id": "c3", "when": datetime(2026, 1, 1)})
    page = Page((bad, _message("c4", "terima kasih")), "cur-4")
    assert _store(sessions, page) == 1
    with sessions() as s:
        assert list(s.scalars(select(Message.platform_id))) == ["c4"]
        account = s.scalars(select(Account)).one()
        assert account.skipped_items == 1
        assert account.last_skipped is not None and "c3" in account.last_skipped
        row = current_cursor(s, account, "comments")
        assert row is not None and row.cursor == "cur-4"


def test_it_records_an_unexpected_poll_failure_on_the_account(
        engine: Engine, tmp_path: Path) -> None:
    rig = make_rig(engine, tmp_path)
    # The sandbox's network file replaced by a directory: opening it fails in a way no
    # connector classifies.
    (tmp_path / "network.db").unlink()
    (tmp_path / "network.db").mkdir()
    result = poll_stream(rig.desk, "sb-ig", "comments")
    assert result.status == "error"
    assert result.error is not None and "unexpected" in result.error
    with rig.session() as s:
        account = s.scalars(select(Account).where(Account.name == "sb-ig")).one()
        assert account.last_error is not None and "unexpected" in account.last_error
        row = current_cursor(s, account, "comments")
        assert row is not None and row.retry_at is not None


def test_it_makes_platform_json_storable_at_the_http_boundary() -> None:
    body = parse_json(b'{"data": [{"id": "1", "text": "halo \\ud83d", "\\u0000k": "v"}]}', "t")
    assert body == {"data": [{"id": "1", "text": "halo \ufffd", "\ufffdk": "v"}]}
