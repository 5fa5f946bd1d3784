"""A web session is ended on the server by logging out: the cookie names the login link that opened it, every
request checks that link's row is still there, and logout deletes it, so a copy of the cookie (stolen, or left in
another browser) opens nothing afterwards, and the link itself stays spent."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import col, select

from bot.app import App
from bot.web.auth import SESSION_COOKIE, Session, Signer
from storage.models import LoginLink
from tests.conftest import Clock
from tests.transcript import Chat
from tests.web_support import Cast, build_cast, client, hidden, log_in, login_path


@pytest.fixture
async def cast(demo: App, clock: Clock) -> Cast:
    return await build_cast(demo, now=clock())


async def test_logout_ends_every_copy_of_the_session(demo: App, chat: Chat, cast: Cast) -> None:
    async with client(demo) as web, client(demo) as thief:
        path = await login_path(chat, "quan")
        page = await web.get(path)
        await web.post("/login", data={"csrf": hidden(page.text, "csrf"), "token": hidden(page.text, "token")})
        report = await web.get("/", follow_redirects=True)
        assert report.status_code == 200
        thief.cookies.set(SESSION_COOKIE, web.cookies[SESSION_COOKIE])
        assert (await thief.get(report.url.path)).status_code == 200  # a copy works while the session lives
        out = await web.post("/logout", data={"csrf": hidden(report.text, "csrf")})
        assert out.status_code == 303
        assert (await thief.get(report.url.path)).status_code == 401
        assert (await web.get(report.url.path)).status_code == 401
        assert (await web.get(path)).status_code == 404  # the link that opened it stays spent
    async with client(demo) as again:  # logging in anew opens a new session
        assert (await log_in(again, chat, "quan")).status_code == 200


@pytest.mark.parametrize(("link", "status"), [
    pytest.param("own", 200, id="the-link-that-opened-it"),
    pytest.param("others", 401, id="another-persons-link"),
    pytest.param("unused", 401, id="a-link-not-used-yet"),
    pytest.param("none", 401, id="no-such-link"),
])
async def test_a_session_holds_only_with_the_link_that_opened_it(demo: App, chat: Chat, cast: Cast, clock: Clock,
                                                                link: str, status: int) -> None:
    signer = Signer(demo.web_key)
    async with client(demo) as quan, client(demo) as phuong:
        report = await log_in(quan, chat, "quan")
        await log_in(phuong, chat, "phuong")
        own = signer.session(quan.cookies[SESSION_COOKIE], now=clock())
        others = signer.session(phuong.cookies[SESSION_COOKIE], now=clock())
        assert own is not None and others is not None
        await login_path(chat, "quan")  # a link asked for and never opened
        async with demo.sessions() as session:
            unused = (await session.exec(select(LoginLink.id).where(col(LoginLink.used_at).is_(None)))).one()
        links = {"own": own.link_id, "others": others.link_id, "unused": unused, "none": 2**31 - 1}
        forged: Session = replace(own, link_id=links[link])
    async with client(demo) as web:
        web.cookies.set(SESSION_COOKIE, signer.session_cookie(forged, now=clock()))
        assert (await web.get(report.url.path)).status_code == status
