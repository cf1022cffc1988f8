"""The pipeline end to end on the sandbox network: intake, triage, outbox, tickets, SLA."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from socialdesk.desk import outbox, sla, triage
from socialdesk.desk.outbox import queue_reply
from socialdesk.desk.poll import poll_stream
from socialdesk.store.models import Account, Message, PollCursor, Reply, SlaEvent, Ticket
from tests.desk_helpers import START, Rig, make_rig

NOON = timedelta(hours=4, minutes=30)  # 12:00 WIB on the scenario's Monday


@pytest.fixture
def rig(engine: Engine, tmp_path: Path) -> Rig:
    return make_rig(engine, tmp_path)


def _message(rig: Rig, platform_id: str) -> Message:
    with rig.session() as s:
        return s.scalars(select(Message).where(Message.platform_id == platform_id)).one()


def _replies(rig: Rig, platform_id: str) -> list[Reply]:
    with rig.session() as s:
        message = s.scalars(select(Message).where(Message.platform_id == platform_id)).one()
        return list(s.scalars(select(Reply).where(Reply.message_id == message.id)))


def test_it_stores_each_message_once_however_often_it_is_polled(rig: Rig) -> None:
    rig.say("sb-x", "@haiDJPb halo min", at=timedelta(minutes=1))
    rig.say("sb-x", "@haiDJPb selamat pagi", at=timedelta(minutes=2))
    rig.clock.set(START + timedelta(minutes=40))
    first = poll_stream(rig.desk, "sb-x", "mentions")
    with rig.session() as s:
        s.execute(PollCursor.__table__.update().values(cursor=None))
        s.commit()
    again = poll_stream(rig.desk, "sb-x", "mentions")
    assert (first.stored, again.stored, again.duplicates) == (2, 0, 2)
    with rig.session() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 2


def test_it_keeps_the_cursor_with_the_messages_it_covers(rig: Rig) -> None:
    rig.say("sb-ig", "kak mau tanya revisi DIPA", at=timedelta(minutes=1))
    rig.clock.set(START + timedelta(minutes=40))
    poll_stream(rig.desk, "sb-ig", "comments")
    with rig.session() as s:
        cursor = s.scalars(select(PollCursor)).one()
        assert cursor.stream == "comments" and cursor.cursor is not None
        assert s.scalar(select(func.count()).select_from(Message)) == 1


def test_it_escalates_a_sakti_problem_with_a_ticket_due_in_24_working_hours(rig: Rig) -> None:
    pid = rig.say("sb-x", "@haiDJPb min sy tdk bisa login SAKTI, user terkunci trs gmn ya",
                  at=NOON - timedelta(minutes=3))
    rig.clock.set(START + NOON)
    rig.cycle()
    message = _message(rig, pid)
    assert (message.action, message.service_id, message.state) == ("escalate", "8", "waiting")
    assert message.rules, "the rules that fired are kept for the agent"
    with rig.session() as s:
        ticket = s.scalars(select(Ticket)).one()
    assert ticket.number == "HAI-2026-000001"
    assert ticket.due_at == rig.desk.calendar.add(START + NOON, 24)
    assert "Sistem Informasi" in ticket.owner_unit
    sent = rig.network.replies("sb-x")
    assert len(sent) == 1 and "HAI-2026-000001" in sent[0].text
    assert message.first_response_at is not None
    assert message.response_due_at is not None
    assert message.first_response_at <= message.response_due_at


def test_it_answers_out_of_hours_naming_the_next_working_slot(rig: Rig) -> None:
    evening = timedelta(hours=12, minutes=30)  # Monday 20:00 WIB
    pid = rig.say("sb-ig", "halo kak, selamat malam 🙏", at=evening)
    rig.clock.set(START + evening + timedelta(minutes=2))
    rig.cycle()
    message = _message(rig, pid)
    assert message.response_due_at == START + timedelta(days=1, hours=1, minutes=30)
    text = rig.network.replies("sb-ig")[0].text
    assert "Selasa, 1 Desember 2026 pukul 08.00 WIB" in text


def test_it_refuses_interpretation_and_sends_no_ticket(rig: Rig) -> None:
    pid = rig.say("sb-fb", "Min, menurut PMK 62 tahun 2023 pasal 40, apakah boleh TUP dipakai "
                  "untuk bayar honor? mohon penegasannya", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.cycle()
    assert _message(rig, pid).action == "refuse"
    with rig.session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
    assert len(rig.network.replies("sb-fb")) == 1


def test_it_redirects_public_personal_data_and_hides_the_comment(rig: Rig) -> None:
    pid = rig.say("sb-ig", "kak gaji sy blm masuk, NIK 3201011203900004 "
                  "rek BRI 0123-01-000456-50-1", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.cycle()
    rig.cycle()
    message = _message(rig, pid)
    assert message.action == "redirect_private" and message.hidden
    sent = rig.network.replies("sb-ig")
    assert {s.action for s in sent} == {"reply", "hide"}
    reply = next(s for s in sent if s.action == "reply")
    assert "3201011203900004" not in reply.text and "000456" not in reply.text


def test_it_ignores_spam_without_a_reply(rig: Rig) -> None:
    pid = rig.say("sb-yt", "slot gacor maxwin hari ini!!! daftar sekarang bonus 100% wd cepat",
                  at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.cycle()
    message = _message(rig, pid)
    assert (message.action, message.state) == ("ignore", "ignored")
    assert rig.network.replies("sb-yt") == []


def test_it_tells_a_ticket_status_only_to_the_person_who_opened_it(rig: Rig) -> None:
    rig.say("sb-x", "@haiDJPb sy tdk bisa login SAKTI, password salah terus", at=NOON,
            author="pelapor")
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.cycle()
    rig.say("sb-x", "@haiDJPb min gmn status tiket HAI-2026-000001 ya?",
            at=NOON + timedelta(minutes=5), author="pelapor")
    rig.say("sb-x", "@haiDJPb cek tiket HAI-2026-000001 dong",
            at=NOON + timedelta(minutes=6), author="orang_lain")
    rig.clock.set(START + NOON + timedelta(minutes=10))
    rig.cycle()
    texts = [s.text for s in rig.network.replies("sb-x")]
    assert len(texts) == 3
    assert "diteruskan ke unit terkait" in texts[1]
    assert "pelapor" in texts[2] and "diteruskan" not in texts[2]


def test_it_holds_a_reply_the_guard_blocks_and_reopens_the_message(rig: Rig) -> None:
    pid = rig.say("sb-fb", "min mau tanya soal revisi DIPA", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    message = _message(rig, pid)
    with rig.session() as s, s.begin():
        queue_reply(s, account_id=message.account_id, message_id=message.id,
                    text="Menurut PMK tersebut Bapak boleh memakai TUP untuk honor, NIK "
                         "3201011203900004 sudah kami catat.",
                    idempotency_key="agent:test:1", author="agent1",
                    now=rig.clock())
        s.get(Message, message.id).state = "closed"  # type: ignore[union-attr]
    outcomes = outbox.run_once(rig.desk)
    held = [o for o in outcomes if o.state == "held"]
    assert held and "guard:" in held[0].detail and "pii:nik" in held[0].detail
    assert rig.network.replies("sb-fb") == []
    assert _message(rig, pid).state == "open"


def test_it_sends_once_when_the_response_was_lost_after_the_send(rig: Rig) -> None:
    pid = rig.say("sb-x", "@haiDJPb terima kasih min 🙏", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    triage.run_once(rig.desk)
    rig.network.inject("sb-x", "lost_response", stream="send")
    first = outbox.run_once(rig.desk)
    assert [o.state for o in first] == ["queued"]
    rig.clock.advance(timedelta(hours=1))
    second = outbox.run_once(rig.desk)
    assert [o.state for o in second] == ["sent"]
    assert len(rig.network.replies("sb-x")) == 1
    assert _replies(rig, pid)[0].platform_id == rig.network.replies("sb-x")[0].platform_id


def test_it_reconciles_a_send_left_in_flight_by_a_dead_worker(rig: Rig) -> None:
    rig.say("sb-ig", "makasih kak infonya", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()
    triage.run_once(rig.desk)
    claimed = outbox.claim(rig.desk)
    assert len(claimed) == 1
    # The worker "dies" after the platform took the reply but before it recorded that.
    with rig.session() as s:
        reply = s.get(Reply, claimed[0])
        assert reply is not None
        target = s.get(Message, reply.message_id)
        assert target is not None
        rig.network.record_send("sb-ig", "reply", target.platform_id, reply.text,
                                reply.idempotency_key, rig.clock())
    rig.clock.advance(timedelta(minutes=5))
    assert len(outbox.reconcile_stale(rig.desk)) == 1
    assert [o.state for o in outbox.run_once(rig.desk)] == ["sent"]
    assert len(rig.network.replies("sb-ig")) == 1


def test_it_backs_off_on_a_rate_limit_and_keeps_other_accounts_flowing(rig: Rig) -> None:
    rig.say("sb-x", "@haiDJPb halo", at=timedelta(minutes=1))
    rig.say("sb-fb", "halo min", at=timedelta(minutes=1))
    rig.network.inject("sb-x", "rate_limit", retry_after=900)
    rig.clock.set(START + NOON)
    rig.poll_all()
    with rig.session() as s:
        account = s.scalars(select(Account).where(Account.name == "sb-x")).one()
        cursor = s.scalars(select(PollCursor).where(PollCursor.account_id == account.id)).one()
        assert account.enabled and "429" in (account.last_error or "")
        assert cursor.retry_at == START + NOON + timedelta(seconds=900)
        assert s.scalar(select(func.count()).select_from(Message)) == 1
    assert poll_stream(rig.desk, "sb-x", "mentions").status == "waiting"
    rig.clock.advance(timedelta(minutes=16))
    assert poll_stream(rig.desk, "sb-x", "mentions").stored == 1


def test_it_disables_only_the_account_whose_token_was_revoked(rig: Rig) -> None:
    rig.say("sb-yt", "min mau tanya SPAN", at=timedelta(minutes=1))
    rig.say("sb-ig", "kak mau tanya SPAN", at=timedelta(minutes=1))
    rig.network.inject("sb-yt", "revoked")
    rig.clock.set(START + NOON)
    rig.cycle()
    with rig.session() as s:
        yt = s.scalars(select(Account).where(Account.name == "sb-yt")).one()
        ig = s.scalars(select(Account).where(Account.name == "sb-ig")).one()
    assert not yt.enabled and "revoked" in (yt.disabled_reason or "")
    assert ig.enabled
    assert len(rig.network.replies("sb-ig")) == 1


def test_it_warns_before_and_records_a_response_breach_once(rig: Rig) -> None:
    rig.say("sb-fb", "min mau tanya soal revisi DIPA", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.poll_all()  # stored, but no triage and no reply: the clock runs
    rig.clock.set(START + NOON + timedelta(minutes=50))
    assert sla.watch(rig.desk) == sla.SlaCounts(warnings=1, breaches=0)
    rig.clock.set(START + NOON + timedelta(minutes=65))
    assert sla.watch(rig.desk) == sla.SlaCounts(warnings=0, breaches=1)
    assert sla.watch(rig.desk) == sla.SlaCounts(0, 0)
    with rig.session() as s:
        assert s.scalar(select(func.count()).select_from(SlaEvent)) == 2


def test_it_acknowledges_every_kind_of_message_within_the_response_rule(rig: Rig) -> None:
    texts = ["@haiDJPb selamat pagi min", "@haiDJPb menurut PMK boleh ga TUP utk honor?",
             "@haiDJPb SP2D sdh terbit tp dana blm masuk, brp lama ya?",
             "@haiDJPb aplikasi SPAN error terus pas upload ADK"]
    for index, text in enumerate(texts):
        rig.say("sb-x", text, at=NOON + timedelta(minutes=index))
    rig.clock.set(START + NOON + timedelta(minutes=5))
    rig.cycle()
    with rig.session() as s:
        messages = s.scalars(select(Message)).all()
        assert len(messages) == 4
        for message in messages:
            assert message.first_response_at is not None, message.text
            assert message.response_due_at is not None
            assert message.first_response_at <= message.response_due_at


def test_it_records_a_ticket_fulfilment_breach_once(rig: Rig) -> None:
    rig.say("sb-x", "@haiDJPb min aplikasi SPAN error terus pas upload ADK", at=NOON)
    rig.clock.set(START + NOON + timedelta(minutes=1))
    rig.cycle()
    with rig.session() as s:
        due = s.scalars(select(Ticket)).one().due_at
    rig.clock.set(due + timedelta(minutes=1))
    counts = sla.watch(rig.desk)
    assert counts.breaches == 1
    assert sla.watch(rig.desk).breaches == 0
    with rig.session() as s:
        events = s.scalars(select(SlaEvent).where(SlaEvent.target == "fulfilment")).all()
        assert [e.kind for e in events] == ["breach"]



def test_it_stores_no_revealed_secret_in_an_accounts_last_error(rig: Rig) -> None:
    from socialdesk.core.settings import Secret
    from socialdesk.desk.poll import _note_error

    token = Secret("EAAG-token-quoted-by-a-library", "SOCIALDESK_SB_X_TOKEN").reveal()
    rig.clock.set(START + NOON)
    # What a poll records when a library quoted the token in its error.
    _note_error(rig.desk, "sb-x", "mentions", f"HTTP 401 for /me?access_token={token}",
                disable=True)
    with rig.session() as s:
        account = s.scalars(select(Account).where(Account.name == "sb-x")).one()
    assert token not in (account.last_error or "") and "********" in (account.last_error or "")
    assert token not in (account.disabled_reason or "") and not account.enabled
