"""End to end in headless Chromium (Debian's, driven by Playwright): agents and a supervisor
at work in the console, hostile texts that must stay text, screenshots at two widths."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select

from socialdesk.app import actions
from socialdesk.store.models import Account, Reply, Ticket
from socialdesk.web.app import create_app
from tests.web.conftest import PASSWORD, Console

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
XSS = ('<script>window.__xss=1;alert(1)</script>', '<img src=x onerror="alert(2)">',
       '<a href="javascript:alert(3)">klik</a>', '{{ 7*7 }}')

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium "
                              "(apt-get install -y chromium; .ci/run does it)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(console: Console) -> Iterator[str]:
    """The console on a real port, served by uvicorn in a thread."""
    console.app = create_app(console.rig.desk, refresh_seconds=1)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(console.app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the console did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        yield launched
        launched.close()


class Watch:
    """What a page did besides rendering: dialogs (a script ran) and requests elsewhere."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.dialogs: list[str] = []
        self.elsewhere: list[str] = []

    def attach(self, page: Any) -> None:
        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.on("request", lambda r: None if r.url.startswith((self.base, "data:"))
                else self.elsewhere.append(r.url))


def _page(browser: Any, base: str, watch: Watch, viewport: dict[str, int] = LAPTOP) -> Any:
    context = browser.new_context(base_url=base, viewport=viewport)
    page = context.new_page()
    watch.attach(page)
    return page


def _sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/queue$"))


def _held_reply(console: Console, message_id: int) -> None:
    with console.rig.session() as session, session.begin():
        account = session.scalars(select(Account).where(Account.name == "sb-x")).one()
        session.add(Reply(idempotency_key="held:browser", message_id=message_id,
                          account_id=account.id, text="Mohon maaf, kami cek dulu ya.",
                          state="held", reason="send may have reached the platform"))


def test_agents_and_a_supervisor_work_the_queue_in_a_browser(
        console: Console, served: str, browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    greet = console.message("halo min, selamat pagi", author="warga_pagi", minutes=95)
    sp2d = console.message("min SP2D kami belum masuk rekening sejak kemarin", author="satker_a",
                           minutes=96)
    for n, payload in enumerate(XSS):
        console.message(f"tolong {payload} dicek", author=f"iseng{n}", minutes=97 + n)
    watch = Watch(served)

    # An agent signs in and sees the queue; a message arriving later shows up by itself.
    ani = _page(browser, served, watch)
    _sign_in(ani, "ani")
    assert ani.locator(f"tr[data-id='{greet}']").is_visible()
    ani.keyboard.press("j")
    selected = ani.locator("tr.selected").get_attribute("data-id")
    late = console.message("permisi min, ada yang bisa bantu?", author="warga_siang", minutes=99)
    ani.locator(f"tr[data-id='{late}']").wait_for(timeout=8000)
    assert ani.locator("tr.selected").get_attribute("data-id") == selected  # place kept
    ani.screenshot(path=str(ARTIFACTS / "queue-laptop.png"), full_page=True)

    # She claims one, picks a canned reply (the guard's verdict shows), and sends it.
    ani.goto(f"/messages/{greet}")
    ani.click("button[data-key='c']")
    ani.wait_for_url(re.compile(r".*done=claimed$"))
    ani.select_option("#template", "greeting")
    ani.locator("#verdict").filter(has_text="lolos").wait_for(timeout=5000)
    assert ani.input_value("#reply-text").strip()
    assert int(ani.inner_text("#reply-length")) > 0
    ani.screenshot(path=str(ARTIFACTS / "conversation-laptop.png"), full_page=True)
    ani.click("#reply-form button[type=submit]")
    ani.wait_for_url(re.compile(r".*done=replied$"))
    assert ani.locator("#replies .state-queued").count() == 1

    # She escalates another to its catalog item: a ticket with its due time.
    ani.goto(f"/messages/{sp2d}")
    item = sorted(console.rig.desk.catalog.items)[0]
    ani.select_option("#item", item)
    ani.click("form[action$='/escalate'] button[type=submit]")
    ani.wait_for_url(re.compile(r".*done=escalated$"))
    assert re.search(r"HAI-2026-\d{6}", ani.inner_text("#ticket-title + p"))

    # A second agent sees who has the first message and cannot answer it.
    budi = _page(browser, served, watch)
    _sign_in(budi, "budi")
    budi.goto(f"/messages/{greet}")
    assert budi.inner_text("#holder") == "ani"
    budi.fill("#reply-text", "Selamat pagi, ada yang bisa kami bantu?")
    budi.click("#reply-form button[type=submit]")
    assert "ani" in budi.inner_text("p.error")
    with console.rig.session() as session:
        assert len(session.scalars(select(Reply).where(Reply.message_id == greet)).all()) == 1

    # A supervisor approves a held reply with a reason.
    _held_reply(console, late)
    sari = _page(browser, served, watch)
    _sign_in(sari, "sari")
    sari.goto("/held")
    sari.fill("input[id^='reason-a']", "thread checked, not there")
    sari.click("form[action$='/approve'] button[type=submit]")
    sari.wait_for_url(re.compile(r".*done=approved$"))
    with console.rig.session() as session:
        held = session.scalars(select(Reply).where(Reply.idempotency_key == "held:browser")).one()
        assert held.state == "queued"

    # The same pages on a phone.
    phone = _page(browser, served, watch, PHONE)
    _sign_in(phone, "sari")
    phone.screenshot(path=str(ARTIFACTS / "queue-phone.png"), full_page=True)
    phone.goto(f"/messages/{sp2d}")
    phone.screenshot(path=str(ARTIFACTS / "conversation-phone.png"), full_page=True)

    # The hostile texts were shown as text, ran nothing and sent nothing anywhere.
    ani.goto("/queue")
    for payload in XSS:
        assert ani.get_by_text(payload, exact=False).count() >= 1
    assert ani.evaluate("window.__xss === undefined")
    assert watch.dialogs == []
    assert watch.elsewhere == []
    for name in ("queue-laptop", "conversation-laptop", "queue-phone", "conversation-phone"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 5000


def test_an_agent_finds_the_catalog_item_by_search_and_sees_its_due_time(
        console: Console, served: str, browser: Any) -> None:
    message_id = console.message("min SP2D kami belum masuk rekening sejak kemarin")
    watch = Watch(served)
    page = _page(browser, served, watch)
    _sign_in(page, "ani")
    page.goto(f"/messages/{message_id}")
    page.select_option("#esc-service", "3")
    # Choosing the service narrows the items to its own, the whole service first.
    shown = page.eval_on_selector_all("#item option:not([hidden])",
                                      "os => os.map(o => o.dataset.service)")
    assert set(shown) == {"3"} and page.input_value("#item") == ""
    page.fill("#esc-search", "penyalur gaji")
    assert page.input_value("#item") == "3.13"
    item = console.rig.desk.catalog.items["3.13"]
    due = page.inner_text("#esc-due")
    assert "WIB" in due and "24 jam kerja dari sekarang" in due and item.owner_unit in due
    page.fill("#esc-search", "")
    page.select_option("#esc-service", "7")
    page.fill("#esc-search", "belanja pegawai/gaji")
    assert (page.input_value("#item"), page.input_value("#esc-service")) == ("7.9", "7")
    page.click("form[action$='/escalate'] button[type=submit]")
    page.wait_for_url(re.compile(r".*done=escalated$"))
    assert "jam kerja tersisa" in page.inner_text("#ticket-left")
    with console.rig.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.message_id == message_id)).one()
        assert ticket.item_id == "7.9"
    assert watch.dialogs == []


def test_on_a_phone_every_figure_of_every_table_is_shown_within_the_screen(
        console: Console, served: str, browser: Any) -> None:
    console.message("min SP2D kami belum cair, mohon dicek segera", author="bendahara_satker")
    item = sorted(console.rig.desk.catalog.items)[0]
    escalated = console.message("min SPM kami ditolak", author="warga_tiket", minutes=96)
    actions.escalate(console.rig.desk, escalated, actor="tests", item_id=item)
    watch = Watch(served)
    phone = _page(browser, served, watch, PHONE)
    _sign_in(phone, "sari")
    for path in ("/queue", "/tickets", "/accounts", "/sla"):
        phone.goto(path)
        cells = phone.eval_on_selector_all("main table tbody td, main table tbody th", """
            cells => cells.map(c => {
              const box = c.getBoundingClientRect();
              return {text: c.textContent.trim().slice(0, 30), right: box.right,
                      width: box.width, shown: getComputedStyle(c).display !== "none"};
            })""")
        assert cells, path
        # Hidden cells (the old phone layout hid columns) and cells past the right edge
        # (a table wider than the phone) are both figures a supervisor cannot read.
        hidden = [c["text"] for c in cells if not c["shown"] and c["text"]]
        beyond = [c["text"] for c in cells if c["shown"] and c["right"] > PHONE["width"] + 1]
        assert (path, hidden, beyond) == (path, [], [])
    phone.goto("/queue")
    author = phone.locator("td.q-author", has_text="bendahara_satker")
    assert author.bounding_box()["width"] > 100  # the name reads as a name, not a column
    assert watch.dialogs == []


def test_the_shortcut_list_opens_on_question_mark(console: Console, served: str,
                                                  browser: Any) -> None:
    watch = Watch(served)
    page = _page(browser, served, watch)
    _sign_in(page, "ani")
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    assert "Pintasan papan ketik" in page.inner_text("#shortcuts")
    assert watch.dialogs == []


def test_queue_and_conversation_have_no_serious_accessibility_violations(
        console: Console, served: str, browser: Any) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                     reason="needs axe-playwright-python (pip)")
    message_id = console.message("min NIK saya 3171234567890001, SP2D belum cair",
                                 author="warga_a11y")
    watch = Watch(served)
    page = _page(browser, served, watch)
    _sign_in(page, "ani")
    axe = axe_module.Axe()
    found: dict[str, list[str]] = {}
    for path in ("/queue", f"/messages/{message_id}"):
        page.goto(path)
        violations = axe.run(page).response["violations"]
        found[path] = [f"{v['id']} ({v['impact']})" for v in violations
                       if v["impact"] in ("serious", "critical")]
    assert found == {"/queue": [], f"/messages/{message_id}": []}
