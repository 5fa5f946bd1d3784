"""Logging in to the officers' web pages from the chat: /web gives a link that works once, for ten minutes, to the
identity that asked; the session it opens follows the roles the database holds at each request."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.app import App, build_app
from bot.serve import NO_WEB_KEY, serve
from bot.settings import Settings
from bot.web.auth import CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import Clock
from tests.transcript import Chat
from tests.web_support import Cast, build_cast, client, hidden, log_in, login_path, text_of


@pytest.fixture
async def cast(demo: App, clock: Clock) -> Cast:
    return await build_cast(demo, now=clock())


async def _count(app: App, sql: str) -> int:
    async with app.sessions() as session:
        return int((await session.exec(text(sql))).one()[0])  # type: ignore[call-overload]


async def test_a_link_opens_the_officers_unit_once(demo: App, chat: Chat, cast: Cast) -> None:
    path = await login_path(chat, "quan")
    async with client(demo) as web:
        first = await web.get(path)
        again = await web.get(path)  # a chat app's link preview fetches it too: that must not use it up
        assert first.status_code == again.status_code == 200
        assert "Vào trang báo cáo" in first.text
        form = {"csrf": hidden(first.text, "csrf"), "token": hidden(first.text, "token")}
        nonce = web.cookies[CSRF_COOKIE]
        opened = await web.post("/login", data=form)
        assert opened.status_code == 303 and opened.headers["location"] == "/"
        cookie = opened.headers["set-cookie"]
        assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # the address is http://: a Secure cookie would never come back
        landed = await web.get("/", follow_redirects=True)
        assert landed.url.path == f"/u/{cast.units['QD-HB']}"
        assert "Quận Đoàn Hòa Bình" in text_of(landed.text) and "Đoàn phường Bình An" in landed.text

        assert (await web.get(path)).status_code == 404
    async with client(demo) as replay:  # the same request again, as sent before: the link is spent
        replay.cookies.set(CSRF_COOKIE, nonce)
        used = await replay.post("/login", data=form)
        assert used.status_code == 404 and "đã được dùng" in used.text
    assert await _count(demo, "SELECT count(*) FROM login_link WHERE used_at IS NOT NULL") == 1
    token = path.rsplit("/", 1)[1]
    assert await _count(demo, f"SELECT count(*) FROM login_link WHERE token_hash = '{token}'") == 0  # hash only


async def test_an_expired_link_opens_nothing(demo: App, chat: Chat, cast: Cast, clock: Clock) -> None:
    path = await login_path(chat, "quan")
    async with client(demo) as web:
        page = await web.get(path)
        clock.advance(minutes=10, seconds=1)
        late = await web.post("/login", data={"csrf": hidden(page.text, "csrf"), "token": hidden(page.text, "token")})
        assert late.status_code == 404 and "hết hạn" in late.text
        assert SESSION_COOKIE not in late.headers.get("set-cookie", "")
        assert (await web.get(path)).status_code == 404
        assert (await web.get("/", follow_redirects=True)).url.path == "/"  # not signed in


@pytest.mark.parametrize("token", [
    "x" * 43, "", "a" * 4000, "../../etc/passwd", "%00", "ﾟ∀ﾟ", "Nguyễn", "🙂" * 10, "' OR 1=1 --",
], ids=["unknown", "empty", "4000 chars", "dots", "NUL", "kana", "NFD Vietnamese", "emoji", "SQL"])
async def test_a_forged_link_is_refused(demo: App, cast: Cast, token: str) -> None:
    async with client(demo) as web:
        page = await web.get(f"/login/{token}")
        assert page.status_code in (404, 307)  # "/login/" alone is redirected to "/login", which takes only POST
        form = {"csrf": hidden(page.text, "csrf") if "csrf" in page.text else "", "token": token}
        refused = await web.post("/login", data=form)
        assert refused.status_code in (403, 404)  # no CSRF token on a 404 page's form: refused before the lookup
        assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")


async def test_the_link_is_bound_to_who_asked_and_to_their_roles(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        secretary = await log_in(web, chat, "bithu")
        assert secretary.url.path == f"/u/{cast.units['CD-KP1']}"
        assert "Chi đoàn Khu phố 1" in secretary.text
    refusal = demo.catalogs.get("vi")("engine.not_allowed")
    assert await chat.say("doanvien", "/web") == [refusal]
    assert await chat.say("stranger", "/web") == [refusal]
    assert await _count(demo, "SELECT count(*) FROM login_link") == 1


async def test_links_are_rate_limited(demo: App, chat: Chat, cast: Cast, clock: Clock) -> None:
    for _ in range(5):
        await login_path(chat, "quan")
    [refused] = await chat.say("quan", "/web")
    assert "đợi khoảng 10 phút" in refused and "/login/" not in refused
    clock.advance(minutes=10, seconds=1)
    assert await login_path(chat, "quan")


async def test_a_revoked_role_ends_the_sessions_rights(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        page = await log_in(web, chat, "quan")
        assert page.status_code == 200
        async with demo.sessions() as session, session.begin():
            await session.exec(text(f"DELETE FROM role WHERE member_id = {cast.members['quan']}"))  # type: ignore[call-overload]
        after = await web.get(page.url.path)
        assert after.status_code == 401 and "không còn quyền" in after.text
        assert (await web.get("/", follow_redirects=True)).url.path == "/"


async def test_a_role_revoked_before_the_click_opens_nothing(demo: App, chat: Chat, cast: Cast) -> None:
    path = await login_path(chat, "bithu")
    async with demo.sessions() as session, session.begin():
        await session.exec(text(f"DELETE FROM role WHERE member_id = {cast.members['bithu']}"))  # type: ignore[call-overload]
    async with client(demo) as web:
        page = await web.get(path)
        form = {"csrf": hidden(page.text, "csrf"), "token": hidden(page.text, "token")}
        refused = await web.post("/login", data=form)
        assert refused.status_code == 401 and "không còn quyền" in refused.text
        assert SESSION_COOKIE not in web.cookies


async def test_a_forged_or_foreign_cookie_is_no_session(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        page = await log_in(web, chat, "quan")
        cookie = web.cookies[SESSION_COOKIE]
    body, mac = cookie.split(".")
    for forged in (f"{body}.{mac[:-2]}AA", f"{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{mac}", "x",
                   "a" * 5000):
        async with client(demo) as web:
            web.cookies.set(SESSION_COOKIE, forged)
            assert (await web.get(page.url.path)).status_code == 401
    another = SecretStr("another key, long enough too!!!!")
    other = build_app(demo.settings.model_copy(update={"web_secret_key": another}))
    try:
        async with client(other) as web:
            web.cookies.set(SESSION_COOKIE, cookie)
            assert (await web.get(page.url.path)).status_code == 401  # signed with another deployment's key
    finally:
        await other.close()


async def test_logging_out_needs_the_form_token(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web:
        page = await log_in(web, chat, "quan")
        refused = await web.post("/logout", data={"csrf": "forged"})
        assert refused.status_code == 403
        assert (await web.get(page.url.path)).status_code == 200  # still signed in
        out = await web.post("/logout", data={"csrf": hidden(page.text, "csrf")})
        assert out.status_code == 303
        assert (await web.get(page.url.path)).status_code == 401


async def test_a_platform_without_a_signing_key_is_refused(settings: Settings, demo: App,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    configured = settings.model_copy(update={"telegram_bot_token": SecretStr("123:abc"), "web_secret_key": None})
    with caplog.at_level(logging.ERROR):
        assert await asyncio.wait_for(serve(configured), timeout=30) == 1
    assert NO_WEB_KEY in caplog.text


@pytest.mark.parametrize("key", ["tiny-key", "x" * 31, "ậ" * 10], ids=["8 bytes", "31 bytes", "30 bytes of 10 letters"])
async def test_a_short_signing_key_is_refused_and_not_echoed(settings: Settings, key: str,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    configured = Settings(_env_file=None, database_url=settings.database_url,  # type: ignore[call-arg]
                          web_secret_key=key)
    with caplog.at_level(logging.ERROR):
        assert await serve(configured) == 1
    assert "shorter than 32 bytes" in caplog.text and key not in caplog.text
