"""The console's pages through HTTP: sign-in, the queue, a conversation and its actions,
claims between two agents, held replies for supervisors."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from socialdesk.store.models import Account, AuditLog, Message, Reply, Ticket
from tests.web.conftest import Console


def test_signing_in_leads_to_the_queue_and_a_wrong_password_does_not(console: Console) -> None:
    client = console.client()
    wrong = console.sign_in(client, "ani", "salah-salah-salah")
    assert wrong.status_code == 401
    assert "sd_session" not in client.cookies
    right = console.sign_in(client, "ani", "kata-sandi-yang-panjang")
    assert right.status_code == 303 and right.headers["location"] == "/queue"
    assert client.get("/queue").status_code == 200


def test_the_queue_lists_polled_messages_with_their_response_clock(console: Console) -> None:
    first = console.message("min SP2D saya belum cair", author="warga_satu")
    client, _ = console.signed_in("ani")
    page = client.get("/queue")
    assert f'data-id="{first}"' in page.text
    assert "warga_satu" in page.text
    assert "clock-ok" in page.text
    rows = client.get("/queue/rows?platform=x")
    assert f'data-id="{first}"' in rows.text and "<html" not in rows.text
    assert f'data-id="{first}"' not in client.get("/queue/rows?platform=youtube").text


def test_a_claimed_message_is_refused_to_a_second_agent_who_sees_who_has_it(
        console: Console) -> None:
    message_id = console.message("halo min, mau tanya SAKTI")
    ani, ani_csrf = console.signed_in("ani")
    budi, budi_csrf = console.signed_in("budi")
    assert ani.post(f"/messages/{message_id}/claim", data={"csrf": ani_csrf}).status_code == 303
    refused = budi.post(f"/messages/{message_id}/reply",
                        data={"csrf": budi_csrf, "template": "greeting"})
    assert refused.status_code == 409
    assert "Ani" in refused.text or "ani" in refused.text
    with console.rig.session() as session:
        assert session.scalars(select(Reply).where(Reply.message_id == message_id)).all() == []


def test_an_agent_replies_with_a_canned_reply_through_the_outbox(console: Console) -> None:
    message_id = console.message("halo min")
    client, csrf = console.signed_in("ani")
    draft = client.post(f"/messages/{message_id}/draft", data={"template": "greeting"},
                        headers={"X-CSRF-Token": csrf})
    assert draft.status_code == 200
    body = draft.json()
    assert body["verdict"] == "pass" and body["text"] and body["length"] <= body["limit"]
    sent = client.post(f"/messages/{message_id}/reply", data={"csrf": csrf, "text": body["text"]})
    assert sent.status_code == 303 and sent.headers["location"].endswith("done=replied")
    with console.rig.session() as session:
        reply = session.scalars(select(Reply).where(Reply.message_id == message_id)).one()
        assert (reply.state, reply.author, reply.text) == ("queued", "ani", body["text"])
        message = session.get(Message, message_id)
        assert message is not None and message.claimed_by_id is not None
    page = client.get(f"/messages/{message_id}")
    assert body["text"][:30] in page.text
    assert f'data-reply="{reply.id}"' in client.get(f"/messages/{message_id}/replies").text


def test_the_guard_verdict_blocks_a_reply_that_interprets_a_regulation(
        console: Console) -> None:
    message_id = console.message("min PMK ini maksudnya apa")
    client, csrf = console.signed_in("ani")
    text = "Menurut kami pasal 5 PMK itu artinya Anda boleh tidak membayar, hubungi 081234567890"
    verdict = client.post(f"/messages/{message_id}/draft", data={"text": text},
                          headers={"X-CSRF-Token": csrf}).json()
    assert verdict["verdict"] == "block" and verdict["reasons"]
    refused = client.post(f"/messages/{message_id}/reply", data={"csrf": csrf, "text": text})
    assert refused.status_code == 422


def test_escalating_opens_a_ticket_shown_with_its_due_time(console: Console) -> None:
    message_id = console.message("min SP2D saya belum masuk rekening sejak minggu lalu")
    client, csrf = console.signed_in("ani")
    item = next(iter(sorted(console.rig.desk.catalog.items)))
    done = client.post(f"/messages/{message_id}/escalate", data={"csrf": csrf, "item": item})
    assert done.status_code == 303, done.text
    page = client.get(f"/messages/{message_id}")
    assert "HAI-2026-" in page.text
    tickets = client.get("/tickets")
    assert "HAI-2026-" in tickets.text


def test_closing_a_message_takes_it_out_of_the_queue(console: Console) -> None:
    message_id = console.message("spam spam")
    client, csrf = console.signed_in("ani")
    assert client.post(f"/messages/{message_id}/close",
                       data={"csrf": csrf, "note": "spam"}).status_code == 303
    assert f'data-id="{message_id}"' not in client.get("/queue").text


def test_a_supervisor_approves_a_held_reply_with_a_reason_and_it_is_audited(
        console: Console) -> None:
    message_id = console.message("halo")
    with console.rig.session() as session, session.begin():
        account = session.scalars(select(Account).where(Account.name == "sb-x")).one()
        session.add(Reply(idempotency_key="held:1", message_id=message_id, account_id=account.id,
                          text="Terima kasih, kami bantu cek.", state="held",
                          reason="send may have reached the platform"))
    sari, csrf = console.signed_in("sari")
    page = sari.get("/held")
    assert "Terima kasih, kami bantu cek." in page.text
    with console.rig.session() as session:
        reply_id = session.scalars(select(Reply.id)).one()
    done = sari.post(f"/held/{reply_id}/approve", data={"csrf": csrf, "reason": "thread checked"})
    assert done.status_code == 303
    with console.rig.session() as session:
        assert session.get(Reply, reply_id).state == "queued"  # type: ignore[union-attr]
        actions = [a.action for a in session.scalars(select(AuditLog).where(
            AuditLog.object_type == "reply"))]
        assert "reply_approve" in actions and "reply_release" in actions


def test_revealing_personal_data_is_audited(console: Console) -> None:
    message_id = console.message("NIK saya 3171234567890001 tolong dicek min")
    client, csrf = console.signed_in("ani")
    masked = client.get(f"/messages/{message_id}")
    assert "3171234567890001" not in masked.text
    shown = client.post(f"/messages/{message_id}/reveal", data={"csrf": csrf})
    assert "3171234567890001" in shown.text
    with console.rig.session() as session:
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "reveal")).one()
        assert (audit.actor, audit.object_id) == ("ani", str(message_id))


def test_the_console_speaks_indonesian_and_english_on_request(console: Console) -> None:
    client, csrf = console.signed_in("ani")
    assert "Antrean" in client.get("/queue").text
    client.post("/me/language", data={"csrf": csrf, "lang": "en", "back": "/queue"})
    assert ">Queue<" in client.get("/queue").text


def test_the_supervisor_sees_todays_sla_figures_by_platform(console: Console) -> None:
    answered = console.message("halo min", minutes=90)
    console.message("halo juga min", account="sb-ig", minutes=91)
    ani, csrf = console.signed_in("ani")
    ani.post(f"/messages/{answered}/reply", data={"csrf": csrf, "template": "greeting"})
    with console.rig.session() as session, session.begin():
        message = session.get(Message, answered)
        assert message is not None
        message.first_response_at = console.rig.desk.now()  # as the outbox records a send
    sari, _ = console.signed_in("sari")
    page = sari.get("/sla")
    assert page.status_code == 200
    assert "SLA hari ini" in page.text
    assert re.search(r'<th scope="row">x</th><td[^>]*>1</td><td[^>]*>1</td>', page.text)
    assert re.search(r'<th scope="row">instagram</th><td[^>]*>1</td><td[^>]*>0</td>',
                     page.text)
    # The next morning the supervisor can still read the day before, as it ended.
    console.rig.clock.advance(timedelta(days=1))
    sari, _ = console.signed_in("sari")  # yesterday's session has run out
    today = sari.get("/sla").text
    assert "SLA hari ini · 01-12-2026" in today
    assert re.search(r'<th scope="row">x</th>', today) is None
    yesterday = sari.get("/sla?day=2026-11-30").text
    assert "Angka SLA · 30-11-2026" in yesterday and 'href="/sla?day=2026-12-01"' in yesterday
    assert re.search(r'<th scope="row">x</th><td[^>]*>1</td><td[^>]*>1</td>', yesterday)
    assert "SLA hari ini · 01-12-2026" in sari.get("/sla?day=2027-01-01").text  # no future


def test_a_ticket_state_change_is_told_to_the_user_in_their_thread(console: Console) -> None:
    message_id = console.message("min SP2D saya belum masuk rekening")
    client, csrf = console.signed_in("ani")
    item = sorted(console.rig.desk.catalog.items)[0]
    client.post(f"/messages/{message_id}/escalate", data={"csrf": csrf, "item": item})
    with console.rig.session() as session:
        number = session.scalars(select(Ticket.number)).one()
    done = client.post(f"/tickets/{number}/state", data={"csrf": csrf, "state": "in_progress"})
    assert done.status_code == 303
    with console.rig.session() as session:
        told = session.scalars(select(Reply).where(
            Reply.template == "ticket_status_found")).one()
        assert told.message_id == message_id and number in told.text
        assert told.state == "queued"
    history = client.get(f"/tickets/{number}").text
    assert "in_progress" in history


def test_a_reclassification_is_stored_and_exported_as_labelled_data(console: Console) -> None:
    from socialdesk.app.corrections import labelled_rows

    message_id = console.message("min password SAKTI saya terkunci", author="ppk_a")
    client, csrf = console.signed_in("ani")
    item = sorted(console.rig.desk.catalog.items)[0]
    done = client.post(f"/messages/{message_id}/reclassify",
                       data={"csrf": csrf, "item": item, "intent": "question",
                             "action": "escalate", "note": "SAKTI, not SPAN"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=reclassified")
    [row] = list(labelled_rows(console.rig.desk))
    assert row["id"] == f"corr-{message_id}" and row["channel"] == "twitter"
    assert (row["item"], row["intent"], row["expected_action"]) == (item, "question", "escalate")
    assert row["service"] == console.rig.desk.catalog.items[item].service_id
    assert "triage said" in row["notes"] and "SAKTI, not SPAN" in row["notes"]
    with console.rig.session() as session:
        message = session.get(Message, message_id)
        assert message is not None and message.item_id == item
    refused = client.post(f"/messages/{message_id}/reclassify",
                          data={"csrf": csrf, "intent": "nonsense", "action": "escalate"})
    assert refused.status_code == 422


def test_a_supervisor_rewrites_a_held_reply_and_the_guard_checks_the_new_text(
        console: Console) -> None:
    message_id = console.message("halo")
    with console.rig.session() as session, session.begin():
        account = session.scalars(select(Account).where(Account.name == "sb-x")).one()
        session.add(Reply(idempotency_key="held:edit", message_id=message_id,
                          account_id=account.id, text="Hubungi 081234567890 ya",
                          state="held", reason="guard: pii:phone"))
    sari, csrf = console.signed_in("sari")
    with console.rig.session() as session:
        reply_id = session.scalars(select(Reply.id)).one()
    blocked = sari.post(f"/held/{reply_id}/edit",
                        data={"csrf": csrf, "text": "Telepon saja 081298765432"})
    assert blocked.status_code == 422
    done = sari.post(f"/held/{reply_id}/edit", data={
        "csrf": csrf, "text": "Mohon maaf, silakan kirim detailnya lewat DM ya.",
        "reason": "no phone number in public"})
    assert done.status_code == 303
    with console.rig.session() as session:
        reply = session.get(Reply, reply_id)
        assert reply is not None and reply.state == "queued"
        assert reply.text.startswith("Mohon maaf")
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "reply_edit")).one()
        assert "081234567890" not in str(audit.detail)


def test_the_supervisor_sees_each_account_with_its_last_error(console: Console) -> None:
    with console.rig.session() as session, session.begin():
        account = session.scalars(select(Account).where(Account.name == "sb-ig")).one()
        account.last_error = "token expired <b>again</b>"
    sari, _ = console.signed_in("sari")
    page = sari.get("/accounts").text
    assert "sb-ig" in page and "token expired &lt;b&gt;again&lt;/b&gt;" in page


def test_a_canned_reply_for_an_escalated_message_names_its_ticket(console: Console) -> None:
    message_id = console.message("min SP2D saya belum masuk, sudah seminggu")
    client, csrf = console.signed_in("ani")
    item = sorted(console.rig.desk.catalog.items)[0]
    client.post(f"/messages/{message_id}/escalate", data={"csrf": csrf, "item": item})
    draft = client.post(f"/messages/{message_id}/draft", data={"template": "ticket_status_found"},
                        headers={"X-CSRF-Token": csrf}).json()
    assert re.search(r"HAI-2026-\d{6}", draft["text"]) and draft["label"] == "lolos"
    unknown = client.post(f"/messages/{message_id}/draft", data={"template": "no_such"},
                          headers={"X-CSRF-Token": csrf})
    assert unknown.status_code == 422
