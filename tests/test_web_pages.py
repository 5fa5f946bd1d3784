"""The officers' web pages: the report with its child units, drill-down and breadcrumbs, exactly the caller's scope
(404 otherwise, the same as a unit that does not exist), late branches, targets set by form, files by signed
link, the security headers, `/metrics`, and every word from the catalogs."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from bot.app import App, build_app
from bot.settings import Settings
from bot.web.auth import SESSION_COOKIE, Session, Signer
from bot.web.files import FILE_TTL
from conversations.i18n import LOCALES
from storage.calendar import Period
from storage.models import Evaluation
from storage.reports import report_for
from storage.units import unit_by_code
from tests.conftest import Clock
from tests.test_catalogs import DOMAINS, _messages
from tests.transcript import Chat
from tests.web_support import Cast, build_cast, client, hidden, links, log_in, text_of

TEMPLATES = Path(__file__).resolve().parent.parent / "bot" / "web" / "templates"


@pytest.fixture
async def cast(demo: App, clock: Clock) -> Cast:
    return await build_cast(demo, now=clock())


async def _rows(app: App, sql: str) -> list[tuple[object, ...]]:
    async with app.sessions() as session:
        return [tuple(row) for row in (await session.exec(text(sql))).all()]  # type: ignore[call-overload]


async def test_the_report_shows_the_same_figures_as_the_chat(demo: App, chat: Chat, cast: Cast,
                                                             clock: Clock) -> None:
    async with client(demo) as web:
        page = await log_in(web, chat, "quan")
    async with demo.sessions() as session:
        unit = await unit_by_code(session, code="QD-HB")
        assert unit is not None
        report = await report_for(session, unit=unit, period=Period(2026, 2), calendar=demo.calendar, tz=demo.tz)
    shown = text_of(page.text)
    assert "Số liệu toàn đơn vị, 6 tháng cuối năm 2026" in shown
    assert f"Số đoàn viên {report.total.members}" in shown and report.total.members == 26  # 4 × 6, and the cast's two
    # officers are not counted
    # The child units as a table, each name a link one level down, in the report's ranking.
    children = [f"/u/{child.unit_id}?period=2026-H2" for child in report.children]
    assert [link for link in links(page.text, "/u/") if "?period=" in link and "sort" not in link] == children
    assert "Tải Excel" in page.text and len(links(page.text, "/f/")) == 1


async def test_drilling_down_two_levels_keeps_the_breadcrumbs_to_the_callers_unit(demo: App, chat: Chat,
                                                                                   cast: Cast) -> None:
    async with client(demo) as web:
        await log_in(web, chat, "quan")
        ward = await web.get(f"/u/{cast.units['CS-PBA']}?period=2026-H1")
        assert ward.status_code == 200
        branch = await web.get(links(ward.text, f"/u/{cast.units['CD-KP1']}?")[0])
    assert branch.status_code == 200
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', branch.text, re.S)
    assert crumbs is not None
    assert text_of(crumbs.group(0)) == "Quận Đoàn Hòa Bình Đoàn phường Bình An Chi đoàn Khu phố 1"
    assert "Tỉnh Đoàn An Lạc" not in branch.text  # nothing above the caller's own unit is named
    assert links(crumbs.group(0), "/u/") == [f"/u/{cast.units['QD-HB']}?period=2026-H1",
                                             f"/u/{cast.units['CS-PBA']}?period=2026-H1"]
    assert "6 tháng đầu năm 2026" in branch.text and "Đơn vị này không có đơn vị trực thuộc." in branch.text


@pytest.mark.parametrize(("user", "visible", "hidden_codes"), [
    ("quan", ["QD-HB", "CS-PBA", "CD-KP1", "CD-12A1"], ["TD-AL", "HD-TS", "CS-TL", "CD-APD"]),
    ("phuong", ["CS-PBA", "CD-KP1", "CD-KP2"], ["QD-HB", "CS-LL", "CD-12A1", "TD-AL"]),
    ("bithu", ["CD-KP1"], ["CD-KP2", "CS-PBA", "QD-HB"]),
], ids=["district officer", "ward officer", "branch secretary"])
async def test_a_unit_outside_the_scope_answers_like_an_unknown_one(
        demo: App, chat: Chat, cast: Cast, user: str, visible: list[str], hidden_codes: list[str]) -> None:
    async with client(demo) as web:
        await log_in(web, chat, user)
        for code in visible:
            for page in ("", "/late", "/targets"):
                assert (await web.get(f"/u/{cast.units[code]}{page}")).status_code == 200, (code, page)
        unknown = await web.get("/u/999999")
        assert unknown.status_code == 404
        for code in hidden_codes:
            for page in ("", "/late", "/targets"):
                answer = await web.get(f"/u/{cast.units[code]}{page}")
                assert answer.status_code == 404 and text_of(answer.text) == text_of(unknown.text), (code, page)
        for forged in ("/u/0", "/u/-1", "/u/99999999999999999999", "/u/2147483648", "/u/abc", "/u/1%00",
                       "/u/%F0%9F%99%82", "/u/1.5", f"/u/{cast.units['TD-AL']}?period=2026-H1&unit=1"):
            assert (await web.get(forged)).status_code == 404, forged


async def test_the_table_sorts_by_any_column(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        await log_in(web, chat, "quan")
        by_name = await web.get(f"/u/{cast.units['QD-HB']}?period=2026-H2&sort=name&dir=asc")
        backwards = await web.get(f"/u/{cast.units['QD-HB']}?period=2026-H2&sort=name&dir=desc")
        nonsense = await web.get(f"/u/{cast.units['QD-HB']}?sort=%27%3B+DROP+TABLE+unit&dir=🙂")

    def names(page: str) -> list[str]:
        return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)

    assert names(by_name.text) == ["Đoàn phường Bình An", "Đoàn trường THPT Lê Lợi"]
    assert names(backwards.text) == list(reversed(names(by_name.text)))
    assert 'aria-sort="ascending"' in by_name.text
    assert nonsense.status_code == 200 and len(names(nonsense.text)) == 2
    # The header of the sorted column links to the other direction.
    assert "sort=name&amp;dir=desc" in by_name.text


async def test_files_by_signed_link_expire_and_refuse_tampering(demo: App, chat: Chat, cast: Cast,
                                                                clock: Clock) -> None:
    async with client(demo) as web:
        page = await log_in(web, chat, "quan")
        [workbook] = links(page.text, "/f/")
        chart = re.search(r'<img src="(/f/[^"]+)"', page.text)
        assert chart is not None
        xlsx = await web.get(workbook)
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    assert "baocao-QD-HB-2026-H2.xlsx" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("Quận Đoàn Hòa Bình" in c for c in cells) and "Đoàn phường Bình An" in cells
    async with client(demo) as stranger:  # a signed link needs no session: Zalo fetches charts by URL
        png = await stranger.get(chart.group(1))
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG") and png.headers["content-type"] == \
            "image/png"
        token = workbook.removeprefix("/f/")
        body, mac = token.split(".")
        flipped = body[:5] + ("A" if body[5] != "A" else "B") + body[6:]
        for forged in (f"{flipped}.{mac}", f"{body}.{mac[::-1]}", body, "🙂", "a" * 5000, f"{body}.{mac}.x"):
            assert (await stranger.get(f"/f/{forged}")).status_code == 404, forged
        session = stranger.cookies.get("bot11_session")
        assert session is None
        clock.advance(seconds=FILE_TTL.total_seconds() + 1)
        expired = await stranger.get(workbook)
        assert expired.status_code == 404 and "hết hạn" in expired.text


async def test_a_session_cookie_is_no_file_link(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        await log_in(web, chat, "quan")
        cookie = web.cookies["bot11_session"]
        assert (await web.get(f"/f/{cookie}")).status_code == 404


async def test_officers_set_targets_of_the_units_below_by_form(demo: App, chat: Chat, cast: Cast) -> None:
    ward = cast.units["CS-PBA"]
    async with client(demo) as web:
        await log_in(web, chat, "quan")
        page = await web.get(f"/u/{cast.units['QD-HB']}/targets?year=2026")
        csrf = hidden(page.text, "csrf")
        saved = await web.post(f"/u/{cast.units['QD-HB']}/targets",
                               data={"csrf": csrf, "unit": str(ward), "year": "2026", "admissions": "1.200",
                                     "joined_hoi": "", "introduced": " 300 "})
        assert saved.status_code == 200 and "Đã lưu chỉ tiêu cho Đoàn phường Bình An." in saved.text
        assert 'value="1200"' in saved.text
        for bad in ("12abc", "-5", "１２", "1e9", "🙂", "Mười", "9" * 4000, "99999999"):
            refused = await web.post(f"/u/{cast.units['QD-HB']}/targets",
                                     data={"csrf": csrf, "unit": str(ward), "year": "2026", "admissions": bad})
            assert refused.status_code in (400, 403), bad  # 4,000 digits: the body is over the form limit
        no_token = await web.post(f"/u/{cast.units['QD-HB']}/targets",
                                  data={"unit": str(ward), "year": "2026", "admissions": "5"})
        assert no_token.status_code == 403 and "Chưa gửi được" in no_token.text
        # A unit not directly settable from here (outside, or the page's own unit) is refused, whatever the form.
        for other in (cast.units["QD-HB"], cast.units["HD-TS"], cast.units["CD-KP1"]):
            refused = await web.post(f"/u/{cast.units['QD-HB']}/targets",
                                     data={"csrf": csrf, "unit": str(other), "year": "2026", "admissions": "7"})
            assert refused.status_code == 403, other
    assert sorted(await _rows(demo, "SELECT unit_id, year, metric, value FROM target")) == [
        (ward, 2026, "admissions", 1200), (ward, 2026, "introduced", 300)]
    assert len(await _rows(demo, "SELECT id FROM audit WHERE action = 'target.set'")) == 2


async def test_a_secretary_sees_targets_but_sets_none(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        page = await log_in(web, chat, "bithu")
        assert page.status_code == 200
        targets = await web.get(f"/u/{cast.units['CD-KP1']}/targets")
        assert targets.status_code == 200 and 'name="admissions"' not in targets.text
        csrf = hidden(page.text, "csrf")
        refused = await web.post(f"/u/{cast.units['CD-KP1']}/targets",
                                 data={"csrf": csrf, "unit": str(cast.units["CD-KP1"]), "admissions": "3"})
        assert refused.status_code == 403
    assert await _rows(demo, "SELECT id FROM target") == []


async def test_late_branches_with_their_secretary_reachable_or_not(demo: App, chat: Chat, cast: Cast,
                                                                   clock: Clock) -> None:
    # On 24/11/2026 the last closed half-year is 2026-H1 (due 10/07/2026). Khu phố 2 submitted on time, 12A1 late.
    async with demo.sessions() as session, session.begin():
        session.add(Evaluation(period="2026-H1", unit_id=cast.units["CD-KP2"], updated_at=clock(),
                               submitted_at=datetime(2026, 7, 1, tzinfo=UTC)))
        session.add(Evaluation(period="2026-H1", unit_id=cast.units["CD-12A1"], updated_at=clock(),
                               submitted_at=datetime(2026, 7, 20, 5, tzinfo=UTC)))
    async with client(demo) as web:
        await log_in(web, chat, "quan")
        async with demo.sessions() as session, session.begin():
            await session.exec(text("UPDATE chat_identity SET reachable = false WHERE external_id = 'bithu'"))  # type: ignore[call-overload]
        page = await web.get(f"/u/{cast.units['QD-HB']}/late")
    rows = [text_of(row) for row in re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", page.text, re.S)]
    assert rows == [
        "Chi đoàn Khu phố 1 Đoàn phường Bình An Chưa nộp Không nhắn được (đã chặn bot)",
        "Chi đoàn lớp 12A1 Đoàn trường THPT Lê Lợi Nộp trễ ngày 20/07/2026 Chưa dùng bot",
        "Chi đoàn lớp 12A2 Đoàn trường THPT Lê Lợi Chưa nộp Chưa dùng bot",
    ]
    assert "Có 3 chi đoàn chưa nộp đúng hạn." in text_of(page.text) and "10/07/2026" in page.text


async def test_pages_follow_the_persons_language(demo: App, chat: Chat, cast: Cast) -> None:
    await chat.say("quan", "/ngonngu")
    await chat.press("quan", "English")
    async with client(demo) as web:
        page = await log_in(web, chat, "quan")
    assert '<html lang="en">' in page.text and "Download Excel" in page.text and "Members" in page.text
    assert "second half of 2026" in page.text


async def test_every_page_sends_the_security_headers(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        pages = [await web.get("/"), await web.get("/login/nothing"), await web.get("/u/1"),
                 await log_in(web, chat, "quan")]
        pages.append(await web.get(f"/u/{cast.units['QD-HB']}/late"))
        pages.append(await web.get(f"/u/{cast.units['QD-HB']}/targets"))
        pages.append(await web.get(f"/u/{cast.units['TD-AL']}"))
    for page in pages:
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "unsafe-inline" not in policy and "script-src" not in policy
        assert "frame-ancestors 'none'" in policy and page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
        assert "<script" not in page.text.lower() and " style=" not in page.text and " on" not in \
            re.sub(r'"[^"]*"', "", " ".join(re.findall(r"<[a-z][^>]*>", page.text)))


async def test_metrics_in_prometheus_format(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        await log_in(web, chat, "quan")
        await web.get("/login/forged")
        metrics = await web.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    body = metrics.text
    assert 'bot11_outbox_messages{status="pending"} 0.0' in body
    assert "bot11_database_up 1.0" in body
    assert 'bot11_web_logins_total{outcome="ok"} 1.0' in body
    assert 'bot11_web_logins_total{outcome="refused"} 1.0' in body
    assert "bot11_database_errors_total 0.0" in body


async def test_a_database_away_answers_503_and_is_counted(settings: Settings, clock: Clock) -> None:
    away = build_app(settings.model_copy(update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:9/x"}),
                     clock=clock)
    try:
        async with client(away) as web:
            web.cookies.set(SESSION_COOKIE, Signer(away.web_key).session_cookie(Session(1, 1, 1), now=clock()))
            page = await web.get("/u/1")
            metrics = await web.get("/metrics")
    finally:
        await away.close()
    assert page.status_code == 503 and "Hệ thống đang bận" in page.text
    assert "bot11_database_up 0.0" in metrics.text and "bot11_database_errors_total 2.0" in metrics.text


def test_every_word_of_the_templates_is_in_both_catalogs() -> None:
    named = set()
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text(encoding="utf-8")
        named |= set(re.findall(r"""\bt(?:\.count)?\(\s*["']([a-z][a-z0-9_.]*[a-z0-9_])["']""", source))
        # Words are never written into the markup itself: every text node holds an expression or nothing.
        between = re.sub(r"{%.*?%}|{{.*?}}|<[^>]+>", "", source, flags=re.S)
        assert not re.sub(r"[\s·›▲▼–—|/]+", "", between.replace("Bot 1+1", "")), template.name
    for locale in LOCALES:
        known = {key for domain in DOMAINS for key in _messages(locale, domain)}
        assert named - known == set(), locale
    assert len(named) > 40

