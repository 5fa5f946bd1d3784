"""Steps shared by the youth dialog tests: join the demo organisation, register a young person, count rows.
(No tests here; the name keeps it next to the tests that use it.)"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import col, select

from bot.app import App
from storage.models import Youth
from tests import joining
from tests.transcript import Chat

__all__ = ["REGISTER_STEPS", "count", "join", "register", "rows", "scalar", "vi"]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

# What a member types through /gioithieu, in order (labels or numbers of the offered choices).
REGISTER_STEPS = ["/gioithieu", "1", "Trần Thị Bích", "2006", "Nữ", "0912 345 678", "Học sinh, sinh viên",
                  "Hội Liên hiệp Thanh niên", "Kinh", "Bỏ qua"]


async def join(chat: Chat, user: str, code: str = "DEMO-DOANVIEN", name: str = "Nguyễn Văn An") -> None:
    """Join the demo organisation with an invite code, born in 2000: with a branch's code not on its roster, so
    as someone the secretary has yet to confirm (who uses the bot all the same)."""
    assert "Xong!" in (await joining.join(chat, user, code, name, "2000"))[0]


async def register(chat: Chat, user: str, *, name: str = "Trần Thị Bích", year: str = "2006",
                   phone: str | None = "0912 345 678", save: bool = True) -> list[str]:
    """Go through /gioithieu; return the bot's last answer."""
    steps = [*REGISTER_STEPS]
    steps[2], steps[3], steps[5] = name, year, phone or "Bỏ qua"
    if save:
        steps.append("Đúng, lưu lại")
    answer: list[str] = []
    for line in steps:
        answer = await chat.say(user, line)
    return answer


async def scalar(app: App, sql: str, **params: Any) -> Any:
    async with app.db.connect() as connection:
        return (await connection.execute(text(sql), params)).scalar_one()


async def count(app: App, table: str, where: str = "1=1", **params: Any) -> int:
    return int(await scalar(app, f"SELECT count(*) FROM {table} WHERE {where}", **params))


async def opened(app: App, *fields: str) -> list[tuple[Any, ...]]:
    """Return `fields` of every young person, by id, read through the model: ethnicity and religion opened (a
    plain SQL query sees their sealed tokens, storage/sealed.py)."""
    async with app.sessions() as session:
        query = select(*(getattr(Youth, field) for field in fields)).order_by(col(Youth.id))  # type: ignore[call-overload]
        return [tuple(row) if len(fields) > 1 else (row,) for row in (await session.exec(query)).all()]


async def rows(app: App, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Return the rows of a query, with SQL dates read back as dates on both databases."""
    async with app.db.connect() as connection:
        found = (await connection.execute(text(sql), params)).all()
    return [tuple(date.fromisoformat(v) if isinstance(v, str) and _ISO_DAY.fullmatch(v) else v for v in row)
            for row in found]


def vi(app: App, key: str, **values: object) -> str:
    return app.catalogs.get("vi")(key, **values)
