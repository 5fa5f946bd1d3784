"""Joining the demo organisation in tests, the two ways a member of a branch joins: as a person on the branch's
roster (matched by name and birth year, then confirmed by them), or as someone not on it yet ("chưa có trong danh
sách": they skip the phone question and join to be confirmed by the secretary); and the way an officer joins with
the code of a unit above the branches (their details, confirmed). The labels are the Vietnamese ones.
"""

from __future__ import annotations

from tests.transcript import Chat

__all__ = ["LISTED", "OFFICER_CODES", "join", "join_listed", "join_officer", "join_unlisted"]

# The demo's codes of units above the branches.
OFFICER_CODES = frozenset({"DEMO-QUANDOAN"})
# On the demo roster of Chi đoàn Khu phố 1 (storage.demo: the branch's first made-up member).
LISTED = ("Nguyễn Văn An", "1996")


async def join_listed(chat: Chat, user: str, code: str = "DEMO-DOANVIEN", name: str = LISTED[0],
                      year: str = LISTED[1]) -> list[str]:
    """Join with `code` as the roster's `name`, born in `year`; return the bot's last answer."""
    for text in (f"/batdau {code}", name, year):
        await chat.say(user, text)
    assert chat.choices(user)[0] == "Đúng, là tôi", chat.last[user][-1].text
    return await chat.press(user, "Đúng, là tôi")


async def join_unlisted(chat: Chat, user: str, code: str = "DEMO-DOANVIEN", name: str = "Nguyễn Văn An",
                        year: str = "2001") -> list[str]:
    """Join with `code` as someone not on the branch's roster; return the bot's last answer."""
    for text in (f"/batdau {code}", name, year):
        await chat.say(user, text)
    await chat.press(user, "Bỏ qua")
    return await chat.press(user, "Tham gia, chờ xác nhận")


async def join_officer(chat: Chat, user: str, code: str = "DEMO-QUANDOAN", name: str = "Trần Thị Bích",
                       year: str = "1995") -> list[str]:
    """Join with the code of a unit above the branches; return the bot's last answer."""
    for text in (f"/batdau {code}", name, year):
        await chat.say(user, text)
    return await chat.press(user, "Đúng, tham gia")


async def join(chat: Chat, user: str, code: str, name: str, year: str) -> list[str]:
    """Join with `code` as `name`, not on any roster: an officer with an officer's code, else a member to be
    confirmed by the branch's secretary; return the bot's last answer."""
    if code in OFFICER_CODES:
        return await join_officer(chat, user, code, name, year)
    return await join_unlisted(chat, user, code, name, year)
