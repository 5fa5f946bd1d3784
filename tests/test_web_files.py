"""Files by signed link on Zalo, whose Bot API takes a file only from a URL: with the web pages on a public HTTPS
address, /baocao on Zalo sends the chart as a photo Zalo fetches from `/f/<token>` and the workbook as a
download link; both links serve the very bytes, for 24 hours, and refuse a tampered token."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from bot.app import App, build_app, file_links
from bot.dispatch import Dispatcher
from bot.settings import Settings
from bot.web.files import FILE_TTL, FileLinks
from bot.zalo import ZaloApi, ZaloOutlet, ZaloService
from conversations.messages import Attachment, Reply
from storage.identities import link_member
from storage.members import add_member, grant_role
from storage.models import MemberStatus, RoleName
from storage.units import unit_by_code
from tests.conftest import Clock
from tests.web_support import client

TOKEN = "1459232241:s3cr3t-zalo-token"
PUBLIC = "https://bot.example.vn"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class Zalo:
    """The far side of the Bot API: records every call with its payload and answers ok."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path.startswith(f"/bot{TOKEN}/")
        self.calls.append((request.url.path.rsplit("/", 1)[1], json.loads(request.content or b"{}")))
        return httpx.Response(200, json={"ok": True, "result": {"message_id": f"m{len(self.calls)}"}})

    def photos(self) -> list[str]:
        return [payload["photo"] for method, payload in self.calls if method == "sendPhoto"]

    def texts(self) -> list[str]:
        return [payload["text"] for method, payload in self.calls if method == "sendMessage"]


@pytest.fixture
def zalo() -> Zalo:
    return Zalo()


def _api(zalo: Zalo) -> ZaloApi:
    return ZaloApi(TOKEN, base_url="https://zalo.test/bot", transport=httpx.MockTransport(zalo.handler))


def _links(app: App) -> FileLinks:
    return FileLinks(sessions=app.sessions, key=app.web_key, base_url=PUBLIC, clock=app.clock)


def _path(url: str) -> str:
    assert url.startswith(f"{PUBLIC}/f/"), url
    return url.removeprefix(PUBLIC)


async def test_a_report_on_zalo_sends_the_chart_as_a_photo_by_url(demo: App, zalo: Zalo, clock: Clock) -> None:
    async with demo.sessions() as session, session.begin():
        district = await unit_by_code(session, code="QD-HB")
        assert district is not None and district.id is not None
        officer = await add_member(session, full_name="Trần Quân", birth_year=1990, unit_id=district.id,
                                   joined_at=clock(), status=MemberStatus.STAFF)
        assert officer.id is not None
        await grant_role(session, member_id=officer.id, role=RoleName.OFFICER, unit_id=district.id)
        await link_member(session, channel="zalo", external_id="z1", chat_id="z1", member_id=officer.id, now=clock())
    api = _api(zalo)
    t = demo.catalogs.get("vi")
    channel = Dispatcher(ZaloService(api, t=t, files=_links(demo)), handle=demo.engine.handle,
                         sessions=demo.sessions, t=t, backoff=(0.01,))
    body = {"event_name": "message.text.received", "message": {
        "chat": {"id": "z1", "chat_type": "PRIVATE"}, "text": "/baocao", "message_id": "r1", "date": 1766619597466,
        "from": {"id": "z1", "display_name": "Tran Quan"}}}
    try:
        assert await channel.receive(body) == HTTPStatus.OK
    finally:
        await api.close()

    [photo] = zalo.photos()
    [workbook_line] = [text for text in zalo.texts() if "baocao-QD-HB-2026-H2.xlsx" in text]
    workbook = workbook_line.split(": ")[-1].strip()
    assert not any("chưa gửi được qua Zalo" in text for text in zalo.texts())
    async with client(demo) as web:  # no session: Zalo's servers fetch it
        chart = await web.get(_path(photo))
        xlsx = await web.get(_path(workbook))
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and "Quận Đoàn Hòa Bình".upper() in str(sheet["A1"].value)


async def test_a_kept_file_is_served_as_sent_for_a_day_and_refuses_tampering(demo: App, zalo: Zalo,
                                                                           clock: Clock) -> None:
    api = _api(zalo)
    outlet = ZaloOutlet(api, t=demo.catalogs.get("vi"), files=_links(demo))
    try:
        await outlet.send("z9", Reply("Biểu đồ", attachment=Attachment("chart.png", PNG, "image/png")))
    finally:
        await api.close()
    assert [method for method, _ in zalo.calls] == ["sendMessage", "sendPhoto"]
    assert zalo.calls[1][1]["chat_id"] == "z9"
    path = _path(zalo.photos()[0])
    body, mac = path.removeprefix("/f/").split(".")
    async with client(demo) as web:
        served = await web.get(path)
        assert served.content == PNG and served.headers["content-disposition"] == 'inline; filename="chart.png"'
        for forged in (f"{body}.{mac[:-3]}AAA", f"{body[:-1]}.{mac}", "0.0", "🙂", body):
            assert (await web.get(f"/f/{forged}")).status_code == 404, forged
        clock.advance(seconds=FILE_TTL.total_seconds() + 1)
        assert (await web.get(path)).status_code == 404


async def test_without_a_public_https_address_zalo_says_the_file_was_not_sent(demo: App, zalo: Zalo) -> None:
    assert file_links(demo) is None  # the tests' address is http://127.0.0.1
    public = demo.settings.model_copy(update={"web_base_url": PUBLIC + "/"})
    links = file_links(replace(demo, settings=public))
    assert links is not None and links.base_url == PUBLIC
    api = _api(zalo)
    outlet = ZaloOutlet(api, t=demo.catalogs.get("vi"), files=None)
    try:
        await outlet.send("z9", Reply("Biểu đồ", attachment=Attachment("chart.png", PNG, "image/png")))
    finally:
        await api.close()
    assert zalo.photos() == [] and "chart.png" in zalo.texts()[0] and "chưa gửi được qua Zalo" in zalo.texts()[0]


async def test_a_file_the_database_cannot_keep_goes_as_a_note(settings: Settings, zalo: Zalo,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    away = build_app(settings.model_copy(update={"database_url": "postgresql+asyncpg://postgres@127.0.0.1:9/x"}))
    api = _api(zalo)
    outlet = ZaloOutlet(api, t=away.catalogs.get("vi"), files=_links(away))
    try:
        with caplog.at_level(logging.WARNING):
            await outlet.send("z9", Reply("Biểu đồ", attachment=Attachment("chart.png", PNG, "image/png")))
    finally:
        await api.close()
        await away.close()
    assert zalo.photos() == [] and "chưa gửi được qua Zalo" in zalo.texts()[0]
    assert "file chart.png not kept for its link" in caplog.text
