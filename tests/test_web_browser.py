"""The web pages in a real browser: Debian's Chromium (installed by `make test` when missing) driven by Playwright
with that executable, never a browser of Playwright's own download. On a phone-sized window it opens a login
link from /web, sees the district's report, drills down two levels, downloads the workbook and opens it with
openpyxl, and takes screenshots of the report and of the branch page.

Without Chromium this test fails rather than skips: a browser test that silently did not run would pass CI.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, async_playwright

from bot.app import App
from bot.http import HttpServer, routes
from bot.web.app import web_routes
from tests.conftest import Clock
from tests.transcript import Chat
from tests.web_support import build_cast, login_path

CHROMIUM = shutil.which("chromium")
# As root, without a display and on a machine whose network is closed (no background calls to Google's hosts).
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: `make test` installs Debian's package with apt-get")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        await launched.close()


@pytest.fixture
async def served(demo: App) -> AsyncIterator[str]:
    """Serve the web pages on a free port of 127.0.0.1; yield the address."""
    server = HttpServer(routes(webhooks=[], db=demo.db, pages=web_routes(demo)), listen="127.0.0.1", port=0)
    port = await server.start()
    yield f"http://127.0.0.1:{port}"
    await server.stop()


async def test_an_officer_reads_the_report_on_a_phone(demo: App, clock: Clock, browser: Browser, served: str,
                                                      tmp_path: Path) -> None:
    cast = await build_cast(demo, now=clock())
    link = served + await login_path(Chat(demo.engine), "quan")
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                        accept_downloads=True, locale="vi-VN")
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    await page.goto(link)
    await page.get_by_role("button", name="Vào trang báo cáo").click()
    await page.wait_for_url(f"{served}/u/{cast.units['QD-HB']}")
    assert await page.get_by_role("heading", level=1).inner_text() == "Quận Đoàn Hòa Bình"
    chart = page.locator("figure.chart img")
    assert await chart.evaluate("image => image.complete && image.naturalWidth > 0")  # the PNG by signed link
    await page.screenshot(path=tmp_path / "report.png", full_page=True)

    await page.get_by_role("link", name="Đoàn phường Bình An").click()
    await page.wait_for_url(f"{served}/u/{cast.units['CS-PBA']}?period=2026-H2")
    await page.get_by_role("link", name="Chi đoàn Khu phố 1").click()
    await page.wait_for_url(f"{served}/u/{cast.units['CD-KP1']}?period=2026-H2")
    crumbs = await page.locator("nav.crumbs li").all_inner_texts()
    assert crumbs == ["Quận Đoàn Hòa Bình", "Đoàn phường Bình An", "Chi đoàn Khu phố 1"]
    await page.screenshot(path=tmp_path / "branch.png", full_page=True)
    # Nothing is wider than the phone's screen but the table, which scrolls in its own box.
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Tải Excel").click()
    download = await download_info.value
    assert download.suggested_filename == "baocao-CD-KP1-2026-H2.xlsx"
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet is not None
    assert any("Chi đoàn Khu phố 1" in str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)

    await context.close()
    assert errors == []  # the Content-Security-Policy refused nothing the pages use
    for shot in ("report.png", "branch.png"):
        assert (tmp_path / shot).read_bytes().startswith(b"\x89PNG")
