"""What the web tests share: people on the demo organisation, the app's HTTP server as an httpx client (through
the ASGI transport, no socket), and reading the forms and links of a page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from html import unescape

import httpx
from sqlmodel import select
from starlette.applications import Starlette

from bot.app import App
from bot.http import routes
from bot.web.app import web_routes
from storage.identities import link_member
from storage.members import add_member, grant_role
from storage.models import MemberStatus, RoleName, Unit
from tests.transcript import Chat

BASE = "http://127.0.0.1:8080"
LINK = re.compile(r"http://127\.0\.0\.1:\d+(/login/[A-Za-z0-9_-]+)")

# user → (unit code, role or None for a plain member, status)
PEOPLE = {
    "quan": ("QD-HB", RoleName.OFFICER, MemberStatus.STAFF),  # the district's officer
    "phuong": ("CS-PBA", RoleName.OFFICER, MemberStatus.STAFF),  # an officer of Đoàn phường Bình An, below it
    "bithu": ("CD-KP1", RoleName.SECRETARY, MemberStatus.ACTIVE),  # the secretary of Chi đoàn Khu phố 1
    "doanvien": ("CD-KP1", None, MemberStatus.ACTIVE),  # a plain member
}


@dataclass(frozen=True, slots=True)
class Cast:
    units: dict[str, int]
    members: dict[str, int]


async def build_cast(app: App, *, now: datetime) -> Cast:
    """Connect the people of `PEOPLE` on the test channel (the demo organisation must be seeded)."""
    async with app.sessions() as session, session.begin():
        units = {u.code: u.id for u in (await session.exec(select(Unit))).all() if u.id is not None}
        members = {}
        for user, (unit, role, status) in PEOPLE.items():
            member = await add_member(session, full_name=f"Người thử {user}", birth_year=1995, unit_id=units[unit],
                                      joined_at=now, status=status)
            assert member.id is not None
            members[user] = member.id
            if role is not None:
                await grant_role(session, member_id=member.id, role=role, unit_id=units[unit])
            await link_member(session, channel="test", external_id=user, chat_id=user, member_id=member.id, now=now)
    return Cast(units, members)


def client(app: App) -> httpx.AsyncClient:
    """Return a client of the app's one HTTP server (webhooks none, web pages all), cookies kept."""
    asgi = Starlette(routes=routes(webhooks=[], db=app.db, pages=web_routes(app)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url=BASE)


async def login_path(chat: Chat, user: str) -> str:
    """Ask for a link with /web as `user`; return its path."""
    [answer] = await chat.say(user, "/web")
    found = LINK.search(answer)
    assert found, answer
    return found.group(1)


def hidden(page: str, name: str) -> str:
    """Return the value of the hidden input `name` in a page's (first) form that has it."""
    found = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    assert found, f"no hidden {name} in the page"
    return unescape(found.group(1))


async def log_in(web: httpx.AsyncClient, chat: Chat, user: str) -> httpx.Response:
    """Open a fresh /web link as `user` and press the button; return the page it lands on."""
    page = await web.get(await login_path(chat, user))
    assert page.status_code == 200, page.text
    answer = await web.post("/login", data={"csrf": hidden(page.text, "csrf"), "token": hidden(page.text, "token")})
    assert answer.status_code == 303, answer.text
    return await web.get("/", follow_redirects=True)


def links(page: str, prefix: str) -> list[str]:
    """Return the hrefs of a page that start with `prefix`, in order."""
    return [unescape(href) for href in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page)]


def text_of(page: str) -> str:
    """Return a page's visible text, tags dropped and blanks folded (for asserting what a person reads)."""
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
