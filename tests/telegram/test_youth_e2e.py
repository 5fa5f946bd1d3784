"""/gioithieu on Telegram, answered by pressing buttons wherever the dialog offers them, by polling and by
webhook."""

from __future__ import annotations

from sqlalchemy import text

from bot.app import App
from tests.telegram.conftest import Running
from tests.telegram.fake_api import FakeBotApi
from tests.telegram.people import Person, callback_update

AN = 5120342711


async def joined(person: Person) -> None:
    await person.say("/start DEMO-DOANVIEN")
    await person.say("Huỳnh Thị Sơn")  # on the demo roster of Chi đoàn Khu phố 1
    await person.say("2001")
    assert (await person.press("Đúng, là tôi"))[0].startswith("Xong!")


async def test_introduce_a_young_person_by_buttons(telegram: Running, demo: App, api: FakeBotApi) -> None:
    t = demo.catalogs.get("vi")
    an = telegram.person(api, AN, "Hân")
    await joined(an)
    assert await an.say("/gioithieu") == [t("youth.ask_consent")]
    assert an.buttons() == ["Bạn ấy đã đồng ý", "Chưa hỏi / chưa đồng ý"]
    assert await an.press("Bạn ấy đã đồng ý") == ["Họ và tên đầy đủ của bạn thanh niên (có dấu):"]
    assert await an.say("trần thị bích") == ["Bạn ấy sinh năm nào? (từ 1991 đến 2012, ví dụ: 2006)"]
    assert await an.say("2006") == ["Giới tính:"]
    assert an.buttons() == ["Nam", "Nữ", "Khác"]
    assert await an.press("Nữ") == [t("youth.ask.phone")]
    assert await an.press("Bỏ qua") == ["Bạn ấy thuộc đối tượng thanh niên nào?"]
    await an.press("Học sinh, sinh viên")
    await an.press("Hội Liên hiệp Thanh niên")
    assert await an.press("Bỏ qua") == [t("youth.ask.religion")]
    [summary] = await an.press("Bỏ qua")
    assert "• Họ và tên: Trần Thị Bích\n" in summary and "• Số điện thoại: (không có)\n" in summary
    assert an.buttons() == ["Đúng, lưu lại", "Sửa một mục", "Hủy"]
    assert await an.press("Đúng, lưu lại") == [
        t("youth.registered", name="Trần Thị Bích", count="1", year=2026)]

    # Each press was acknowledged and its keyboard replaced by the pressed label.
    presses = 1 + 8  # joining, then /gioithieu
    assert len(api.calls_to("answerCallbackQuery")) == presses
    assert [call.params["text"].rsplit("→ ", 1)[1] for call in api.calls_to("editMessageText")][-3:] == [
        "Bỏ qua", "Bỏ qua", "Đúng, lưu lại"]
    async with demo.sessions() as session:
        row = (await session.exec(text(  # type: ignore[call-overload]
            "SELECT full_name, phone, group_code, introduced_to, status FROM youth"))).one()
    assert tuple(row) == ("Trần Thị Bích", None, "student", "hoi", "introduced")


async def test_an_old_keyboard_pressed_again_changes_nothing(polling: Running, demo: App, api: FakeBotApi) -> None:
    an = polling.person(api, AN, "Hân")
    await joined(an)
    await an.say("/gioithieu")
    consent, data = an.button("Bạn ấy đã đồng ý")
    await an.press("Bạn ấy đã đồng ý")
    await an.say("Trần Thị Bích")
    # The consent keyboard pressed a second time (a double tap, or an old message) is refused politely.
    assert await an.send(callback_update(an.user, consent, data)) == [demo.catalogs.get("vi")("engine.stale_choice")]
    assert await an.say("2006") == ["Giới tính:"]  # and the dialog carries on where it was
