"""The digest's HTML in headless Chromium at phone width: nothing wider than the screen,
nothing fetched from elsewhere; the screenshot is kept in tests/artifacts/."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from socialdesk.app import digest_send
from tests.test_digest_content import full_day

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
PHONE = {"width": 390, "height": 844}  # a common phone (iPhone 12-15)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)")
sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip)")

# Elements whose right edge passes the viewport, as "tag: text".
OVERFLOW = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5)
  .map(e => e.tagName + ': ' + (e.textContent || '').trim().slice(0, 40))"""


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_digest_fits_a_phone_screen(engine: Engine, tmp_path: Path) -> None:
    rig = full_day(engine, tmp_path)  # every section filled, links to the console too
    page_file = digest_send.write_day(rig.desk, date(2026, 11, 30), tmp_path / "digest.html")
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page: Any = browser.new_page(viewport=PHONE, java_script_enabled=True)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            assert page.evaluate(OVERFLOW, PHONE["width"]) == []
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "digest-phone.png"), full_page=True)
        finally:
            browser.close()
    assert requests == [page_file.as_uri()]  # no image, font or script from elsewhere
