"""The engine between two dialogs: old buttons, typed numbers, and commands sent in the middle of a dialog.

Transcripts on the demo organisation; every case runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from bot.app import App
from tests.test_youth_support import count, join, register, scalar, vi
from tests.transcript import Chat


async def test_a_button_from_an_ended_dialog_does_not_act_on_a_new_one(demo: App, chat: Chat) -> None:
    """Issue 14, defect 1: `/xoa` → Một → `/huy` → `/xoa` → Hai → the old "Xóa hẳn" deleted Hai."""
    await join(chat, "an")
    await register(chat, "an", name="Trần Văn Một", year="2005", phone="0912 345 671")
    await register(chat, "an", name="Lê Thị Hai", year="2006", phone="0912 345 672")
    await chat.say("an", "/xoa")
    await chat.press("an", "Trần Văn Một (2005)")
    old_delete = chat.payload("an", "Xóa hẳn")
    await chat.say("an", "/huy")
    await chat.say("an", "/xoa")
    await chat.press("an", "Lê Thị Hai (2006)")
    new_delete = chat.payload("an", "Xóa hẳn")
    assert await chat.send(chat.inbound("an", choice=old_delete)) == [vi(demo, "engine.stale_choice")]
    assert await count(demo, "youth") == 2
    assert await chat.send(chat.inbound("an", choice=new_delete)) == ["Đã xóa thông tin của Lê Thị Hai."]
    assert await scalar(demo, "SELECT full_name FROM youth") == "Trần Văn Một"


async def test_a_button_from_a_finished_dialog_is_stale_after_the_row_is_gone(demo: App, chat: Chat) -> None:
    """The first question of every new dialog used to carry version 1, whatever came before."""
    await join(chat, "an")
    await register(chat, "an", name="Trần Văn Một", year="2005", phone="0912 345 671")
    await register(chat, "an", name="Lê Thị Hai", year="2006", phone="0912 345 672")
    await chat.say("an", "/xoa")
    first_pick = chat.payload("an", "Trần Văn Một (2005)")
    await chat.say("an", "/huy")
    await chat.say("an", "/capnhat")
    assert await chat.send(chat.inbound("an", choice=first_pick)) == [vi(demo, "engine.stale_choice")]


@pytest.mark.parametrize("typed", ["²", "①", "²⁰⁰⁰", "٣", "２", "1" * 4300, "9" * 5000, "0", "-1", "1.0"],
                         ids=["superscript", "circled", "superscript-year", "arabic-indic", "full-width",
                              "4300-digits", "5000-digits", "zero", "negative", "decimal"])
async def test_a_typed_number_that_is_not_an_ascii_choice_is_asked_again(demo: App, chat: Chat, typed: str) -> None:
    """Issue 14, defect 4: `str.isdigit()` is true for "²" and "①" but `int()` fails on them."""
    for line in ("/batdau DEMO-DOANVIEN", "Đinh Thị Số", "2001", "Bỏ qua"):
        await chat.say("an", line)
    answer = await chat.say("an", typed)
    assert answer == [vi(demo, "engine.choose_one")]
    assert chat.choices("an")[0] == "Tham gia, chờ xác nhận"
    assert await count(demo, "member", "full_name = 'Đinh Thị Số'") == 0


@pytest.mark.parametrize("typed", ["²⁰⁰¹", "①⑨⑨⑨", "1" * 4300, "２００１"])
async def test_a_birth_year_in_other_digits_is_refused_politely(demo: App, chat: Chat, typed: str) -> None:
    await chat.say("an", "/batdau DEMO-DOANVIEN")
    await chat.say("an", "Nguyễn Văn An")
    assert await chat.say("an", typed) == [vi(demo, "validate.year_format")]


@pytest.mark.parametrize("args", ["²⁰²⁶", "CS-LL ²⁰²⁶", "1" * 4300])
async def test_report_and_target_arguments_in_other_digits(demo: App, chat: Chat, args: str) -> None:
    await join(chat, "cb", "DEMO-QUANDOAN", "Lâm Chí Bảo")
    for command in ("/chitieu", "/baocao", "/xephang"):
        answer = await chat.say("cb", f"{command} {args}")
        assert answer and vi(demo, "engine.internal_error") not in answer, command


# A command in the middle of a dialog (issue 14, defect 16).

async def test_a_command_that_only_shows_something_asks_the_pending_question_again(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in ("/gioithieu", "1", "Trần Thị Bích"):
        await chat.say("an", line)
    mine = await chat.say("an", "/cuatoi")
    assert mine[0].startswith(vi(demo, "youth.mine_empty"))
    assert mine[-1] == vi(demo, "engine.pending", dialog="giới thiệu thanh niên",
                          question=vi(demo, "youth.ask.birth_year", oldest=1991, youngest=2012))
    await chat.say("an", "2006")
    assert chat.choices("an")[:2] == ["Nam", "Nữ"]
    for line in ("Nữ", "Bỏ qua", "Học sinh, sinh viên", "Hội Liên hiệp Thanh niên", "Bỏ qua", "Bỏ qua"):
        await chat.say("an", line)
    assert (await chat.say("an", "Đúng, lưu lại"))[0].startswith("Đã lưu")
    assert await scalar(demo, "SELECT birth_year FROM youth") == 2006


@pytest.mark.parametrize("command", ["/trogiup", "/cuatoi", "/chidoan", "/abc", "/baocao", "/xephang", "/moi"])
async def test_showing_commands_keep_the_dialog_and_its_buttons(demo: App, chat: Chat, command: str) -> None:
    """Whatever the command answers (even a refusal), the pending question comes back with its buttons."""
    await join(chat, "an")
    for line in ("/gioithieu", "1", "Trần Thị Bích", "2006"):
        await chat.say("an", line)
    gender_question = chat.choices("an")
    answer = await chat.say("an", command)
    assert answer[-1].startswith("↩️ Quay lại việc bạn đang làm dở (giới thiệu thanh niên)")
    assert chat.choices("an") == gender_question
    await chat.press("an", "Nữ")
    assert "số điện thoại" in (await chat.say("an", "/trogiup"))[-1].lower()


async def test_the_old_buttons_of_the_pending_question_still_work_after_a_look_elsewhere(
        demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in ("/gioithieu", "1", "Trần Thị Bích", "2006"):
        await chat.say("an", line)
    female = chat.payload("an", "Nữ")
    await chat.say("an", "/cuatoi")
    assert await chat.send(chat.inbound("an", choice=female)) != [vi(demo, "engine.stale_choice")]


async def test_changing_language_while_joining_goes_back_to_the_name_in_the_new_language(
        demo: App, chat: Chat) -> None:
    await chat.say("an", "/batdau DEMO-DOANVIEN")
    assert chat.last["an"][-1].text == vi(demo, "join.ask_name")
    await chat.say("an", "/ngonngu")
    back = await chat.press("an", "English")
    en = demo.catalogs.get("en")
    assert back == [en("language.done"), en("engine.pending", dialog=en("dialog.join"), question=en("join.ask_name"))]
    await chat.say("an", "Đinh Thị Số")
    assert (await chat.say("an", "2001"))[0] == en("join.ask_phone_not_found", name="Đinh Thị Số", year=2001,
                                                   unit="Chi đoàn Khu phố 1")
    await chat.say("an", "1")  # skip the phone
    assert (await chat.say("an", "1"))[0].startswith("Done!")
    assert await count(demo, "member", "full_name = 'Đinh Thị Số'") == 1


async def test_typing_the_answer_instead_of_choosing_a_language_answers_the_pending_question(
        demo: App, chat: Chat) -> None:
    await chat.say("an", "/batdau DEMO-DOANVIEN")
    await chat.say("an", "/ngonngu")
    assert await chat.say("an", "Nguyễn Văn An") == [vi(demo, "join.ask_birth_year")]
    await chat.say("an", "1996")
    assert (await chat.say("an", "1"))[0].startswith("Xong!")


async def test_a_command_that_starts_another_dialog_says_which_one_it_replaced(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await register(chat, "an", name="Lê Văn Cường", year="2004", phone=None)
    for line in ("/gioithieu", "1", "Trần Thị Bích"):
        await chat.say("an", line)
    answer = await chat.say("an", "/capnhat")
    assert answer[0] == vi(demo, "engine.set_aside", dialog="giới thiệu thanh niên")
    assert chat.choices("an")[0] == "Lê Văn Cường (2004)"
    await chat.say("an", "2006")  # not a birth year any more: the /capnhat list is what is asked
    assert await count(demo, "youth") == 1


async def test_a_refused_dialog_command_keeps_the_pending_one(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in ("/gioithieu", "1", "Trần Thị Bích"):
        await chat.say("an", line)
    answer = await chat.say("an", "/danhgia")
    assert answer[0] == vi(demo, "engine.not_allowed")
    assert await chat.say("an", "2006") != [vi(demo, "engine.fallback_member")]
    assert chat.choices("an")[:2] == ["Nam", "Nữ"]


async def test_cancel_in_a_short_dialog_on_top_ends_both(demo: App, chat: Chat) -> None:
    await chat.say("an", "/batdau DEMO-DOANVIEN")
    await chat.say("an", "/ngonngu")
    assert await chat.say("an", "/huy") == [vi(demo, "cancel.done")]
    assert await chat.say("an", "Nguyễn Văn An") == [vi(demo, "engine.fallback_stranger")]


def test_every_dialog_that_can_be_pending_has_a_name(demo: App) -> None:
    from conversations.engine import OneShotFlow

    for command in demo.engine.commands:
        if not isinstance(command.flow, OneShotFlow):
            key = f"dialog.{command.flow.name}"
            for locale in ("vi", "en"):
                assert demo.catalogs.get(locale)(key) != key, (locale, key)


@pytest.mark.parametrize("typed", ["/\u202eabc", "/ab\x1b[31mc", "/a\x00b", "/" + "x" * 4000])
async def test_an_unknown_command_is_not_echoed_with_its_control_characters(demo: App, chat: Chat,
                                                                            typed: str) -> None:
    answer = await chat.say("an", typed)
    refused = answer == [vi(demo, "validate.text_bad_chars")]  # a control character is refused before anything
    assert refused or (len(answer) == 1 and answer[0].startswith("Bot chưa có lệnh /"))
    assert all(ch.isprintable() for ch in answer[0]) and len(answer[0]) < 120


@pytest.mark.parametrize("typed", ["/chidoan \x00", "/baocao CD-KP1\x00", "Trần\x00", "\ud800", "/chidoan \ud800"])
async def test_nul_and_lone_surrogates_never_reach_the_database(demo: App, chat: Chat, typed: str) -> None:
    """On PostgreSQL a NUL in a query argument was a database failure the channel retried for ever."""
    await join(chat, "ha", "DEMO-BITHU", "Phạm Thu Hà")
    await chat.say("ha", "/gioithieu")
    question = chat.choices("ha")
    assert await chat.say("ha", typed) == [vi(demo, "validate.text_bad_chars")]
    assert chat.choices("ha") == question
