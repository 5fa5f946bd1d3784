"""Ethnicity and religion are chosen from the lists in storage/*.toml and stored as codes: the common ones as
buttons, any other listed name typed (case, diacritics, spacing ignored), "Khác" for the rest; reports count
ethnic minorities and religion by code, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata

import pytest

from bot.app import App
from conversations.flows.youth_fields import SensitiveList
from storage.sensitive import ListEntry, Listing, load_ethnic_groups, load_religions
from tests.test_youth_support import REGISTER_STEPS, count, join, opened, scalar, vi
from tests.transcript import Chat

ETHNICITY_STEP = REGISTER_STEPS.index("Kinh")
NFD = "NFD"


async def _answer(chat: Chat, user: str, actions: tuple[str, ...]) -> list[str]:
    """Type each action, or press it when written "[label]"; return the last answer."""
    answer: list[str] = []
    for action in actions:
        if action.startswith("[") and action.endswith("]"):
            answer = await chat.press(user, action[1:-1])
        else:
            answer = await chat.say(user, action)
    return answer


async def _register(chat: Chat, ethnicity: tuple[str, ...], religion: tuple[str, ...]) -> list[str]:
    """Register the usual young person with these answers at the ethnicity and religion steps; return the
    summary shown before saving."""
    await join(chat, "an")
    for line in REGISTER_STEPS[:ETHNICITY_STEP]:
        await chat.say("an", line)
    await _answer(chat, "an", ethnicity)
    summary = await _answer(chat, "an", religion)
    await chat.say("an", "Đúng, lưu lại")
    return summary


ETHNICITY = [
    pytest.param(("[Tày]",), "tay", id="button"),
    pytest.param(("[H'Mông]",), "hmong", id="button-apostrophe"),
    pytest.param(("KINH",), "kinh", id="typed-upper-case"),
    pytest.param(("Việt",), "kinh", id="typed-other-name-of-kinh"),
    pytest.param(("Kinh\u0301",), "kinh", id="typed-stray-combining-accent"),
    pytest.param((unicodedata.normalize(NFD, "Tày"),), "tay", id="typed-nfd"),
    pytest.param(("ê-đê",), "e_de", id="typed-not-a-button"),
    pytest.param(("[Dân tộc khác]", "gia rai"), "gia_rai", id="more-then-typed"),
    pytest.param(("[Dân tộc khác]", "Hmog", "[Khác]"), "other", id="unlisted-then-other"),
    pytest.param(("[Bỏ qua]",), None, id="skipped"),
]


@pytest.mark.parametrize(("actions", "code"), ETHNICITY)
async def test_ethnicity_is_stored_as_a_code(demo: App, chat: Chat, actions: tuple[str, ...],
                                             code: str | None) -> None:
    await _register(chat, actions, ("[Bỏ qua]",))
    assert await count(demo, "youth") == 1
    assert await opened(demo, "ethnicity") == [(code,)]


RELIGION = [
    pytest.param(("[Không]",), "none", id="button-none"),
    pytest.param(("Không tôn giáo",), "none", id="typed-khong-ton-giao"),
    pytest.param(("KHÔNG",), "none", id="typed-upper-case"),
    pytest.param(("không có",), "none", id="typed-khong-co"),
    pytest.param(("[Phật giáo]",), "buddhism", id="button"),
    pytest.param(("đạo phật",), "buddhism", id="typed-other-name"),
    pytest.param(("Thiên Chúa giáo",), "catholicism", id="typed-catholic"),
    pytest.param(("[Tôn giáo khác]", "baha'i"), "bahai", id="more-then-typed"),
    pytest.param(("[Tôn giáo khác]", "Đạo Mẫu", "[Khác]"), "other", id="unlisted-then-other"),
]


@pytest.mark.parametrize(("actions", "code"), RELIGION)
async def test_religion_is_stored_as_a_code(demo: App, chat: Chat, actions: tuple[str, ...], code: str) -> None:
    await _register(chat, ("[Bỏ qua]",), actions)
    assert await opened(demo, "religion") == [(code,)]


async def test_other_ethnic_groups_are_typed_and_checked_against_the_list(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    for line in REGISTER_STEPS[:ETHNICITY_STEP]:
        await chat.say("an", line)
    assert await chat.press("an", "Dân tộc khác") == [vi(demo, "youth.type.ethnicity")]
    assert chat.choices("an") == ["Khác", "Bỏ qua"]
    assert await chat.say("an", "hmog") == [vi(demo, "youth.unlisted.ethnicity", name="Hmog")]
    assert chat.choices("an") == ["Khác", "Bỏ qua"]
    assert await chat.say("an", "Kinh 🙏") == [vi(demo, "validate.label_bad_chars")]
    assert await chat.say("an", "h'mong") == [vi(demo, "youth.ask.religion")]
    summary = await chat.press("an", "Tôn giáo khác")
    assert summary == [vi(demo, "youth.type.religion")]
    summary = await chat.say("an", "cơ đốc phục lâm")
    assert "• Dân tộc (nhạy cảm): H'Mông\n• Tôn giáo (nhạy cảm): Cơ đốc Phục lâm\n" in summary[0]
    await chat.press("an", "Đúng, lưu lại")
    assert await opened(demo, "ethnicity", "religion") == [("hmong", "adventism")]


async def test_english_shows_english_names_and_takes_vietnamese_ones(demo: App, chat: Chat) -> None:
    await join(chat, "an")
    await chat.say("an", "/ngonngu en")
    for line in ("/introduce", "1", "Lê Văn Cường", "2003", "male", "Skip", "Self-employed", "1"):
        await chat.say("an", line)
    assert chat.choices("an") == ["Kinh (Viet)", "Tay", "Thai", "Muong", "Khmer", "Hoa (Chinese)", "Nung", "Hmong",
                                  "Another ethnic group", "Skip"]
    await chat.say("an", "Tày")
    assert chat.choices("an") == ["None", "Buddhism", "Catholicism", "Protestantism", "Cao Dai", "Hoa Hao Buddhism",
                                  "Islam", "Another religion", "Skip"]
    await chat.press("an", "Another religion")
    summary = await chat.say("an", "Minh Sư Đạo")  # no English name: the Vietnamese one is shown
    assert "• Ethnicity (sensitive): Tay\n• Religion (sensitive): Minh Sư đạo\n" in summary[0]
    await chat.press("an", "Yes, save")
    assert await opened(demo, "ethnicity", "religion") == [("tay", "minh_su_dao")]


async def test_edit_picks_from_the_same_lists(demo: App, chat: Chat) -> None:
    await _register(chat, ("[Kinh]",), ("[Bỏ qua]",))
    for line in ("/sua", "1"):
        await chat.say("an", line)
    assert await chat.press("an", "Dân tộc (nhạy cảm)") == [vi(demo, "youth.ask.ethnicity")]
    assert "Dân tộc khác" in chat.choices("an")
    edited = await chat.say("an", "Chàm")
    assert "• Dân tộc (nhạy cảm): Chăm\n" in edited[0]
    assert await opened(demo, "ethnicity") == [("cham",)]


# (ethnicity answers, religion answers, counted as an ethnic minority, counted as having a religion)
CLASSIFIED = [
    pytest.param(("Kinh",), ("Không tôn giáo",), 0, 0, id="kinh-no-religion"),
    pytest.param(("Việt",), ("KHÔNG",), 0, 0, id="viet-is-kinh-KHONG-is-none"),
    pytest.param(("Kinh\u0301",), ("không có",), 0, 0, id="combining-accent-kinh"),
    pytest.param(("Tày",), ("Phật giáo",), 1, 1, id="minority-religious"),
    pytest.param(("[Dân tộc khác]", "Người Nhật", "[Khác]"), ("[Tôn giáo khác]", "Thần đạo", "[Khác]"), 0, 1,
                 id="other-ethnicity-is-no-minority-other-religion-is-one"),
    pytest.param(("[Bỏ qua]",), ("[Bỏ qua]",), 0, 0, id="skipped"),
]


@pytest.mark.parametrize(("ethnicity", "religion", "minority", "religious"), CLASSIFIED)
async def test_reports_classify_by_code(demo: App, chat: Chat, ethnicity: tuple[str, ...],
                                        religion: tuple[str, ...], minority: int, religious: int) -> None:
    await _register(chat, ethnicity, religion)
    counts = await scalar(demo, "SELECT r.introduced || '|' || r.minority || '|' || r.religious FROM report_rollup r "
                                "JOIN unit u ON u.id = r.unit_id WHERE u.parent_id IS NULL AND r.period = '2026'")
    assert counts == f"1|{minority}|{religious}"


def test_the_lists_are_the_official_ones() -> None:
    groups, religions = load_ethnic_groups(), load_religions()
    assert len(groups.entries) == 54 + 1 and groups.entries[0].vi == "Kinh" and groups.entries[-1].code == "other"
    assert len(religions.entries) == 1 + 16 + 1
    assert (religions.entries[0].code, religions.entries[-1].code) == ("none", "other")
    for listing in (groups, religions):
        assert set(listing.offered) <= listing.codes
        for entry in listing.entries:
            assert unicodedata.is_normalized("NFC", entry.vi) and entry.code.isascii() and len(entry.code) <= 32
        SensitiveList.of(listing)  # no spelling names two entries


def test_a_spelling_naming_two_entries_is_refused() -> None:
    kinh, tay = load_ethnic_groups().entries[:2]
    clash = Listing((kinh, ListEntry(tay.code, tay.vi, tay.en, ("Kinh",))), ("kinh",))
    with pytest.raises(ValueError, match="kinh"):
        SensitiveList.of(clash)
