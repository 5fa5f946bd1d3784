"""Issue 12, small counts hidden: ethnic minority and religion counts of 1–4, of groups under 10 people and of
"nearly everyone" are shown as "<5" or "ẩn" in the chat summary, the workbook, the web page and `bot11 report`,
and no hidden count can be worked out from its siblings' and parent's counts or from the other half-year
(conversations/reports/suppress.py). The young people are registered through storage.youth.add_youth."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlmodel import col, select

from bot.app import App
from bot.report_cli import run_report
from bot.settings import Settings
from conversations.reports import render_summary, render_workbook
from conversations.reports.suppress import Cell, Shown, is_hidden, label, primary
from storage.calendar import Period
from storage.models import Member, Unit
from storage.reports import Report, SensitiveRow, report_for
from storage.units import unit_by_code
from storage.youth import add_youth
from tests.conftest import Clock
from tests.joining import join_officer
from tests.transcript import Chat
from tests.web_support import build_cast, client, log_in, text_of

H2 = Period(2026, 2)
YEAR = Period(2026)
IN_H2 = datetime(2026, 8, 3, 3, tzinfo=UTC)


# --- The rule for one cell on its own (rules 1 and 2).

@pytest.mark.parametrize(("n", "v", "shown"), [
    (20, 0, Shown.EXACT),
    (20, 1, Shown.FEW),
    (20, 4, Shown.FEW),
    (20, 5, Shown.EXACT),
    (20, 15, Shown.EXACT),
    (20, 16, Shown.HIDDEN),  # four people without: "nearly everyone"
    (2, 2, Shown.FEW),  # the two-person branch, both religious
    (2, 0, Shown.FEW),  # ... reads the same when neither is
    (5, 5, Shown.HIDDEN),  # five of five
    (7, 0, Shown.HIDDEN),  # ... reads the same when none is
    (0, 0, Shown.EXACT),
], ids=["0-of-20", "1", "4", "5", "15-of-20", "16-of-20", "2-of-2", "0-of-2", "5-of-5", "0-of-7", "nobody"])
def test_a_cell_on_its_own(n: int, v: int, shown: Shown) -> None:
    cell = Cell(n, v)
    assert label(cell, hidden=primary(cell)) is shown


@pytest.mark.parametrize(("cell", "shown"), [
    (Cell(20, 8), Shown.HIDDEN), (Cell(20, 0), Shown.HIDDEN), (Cell(3, 0), Shown.FEW), (Cell(0, 0), Shown.EXACT),
], ids=["8-of-20", "0-of-20", "0-of-3", "nobody"])
def test_a_hidden_cell_says_only_below_or_not(cell: Cell, shown: Shown) -> None:
    assert label(cell, hidden=True) is shown


# --- Complementary suppression (rules 3 and 4), on rows as storage.reports.sensitive_rows returns them.

Tree = dict[int, tuple[int | None, dict[str, tuple[int, int]]]]  # unit -> (parent, period -> (n, religious))


def _rows(tree: Tree) -> list[SensitiveRow]:
    return [SensitiveRow(unit, parent, period, n, 0, v)
            for unit, (parent, periods) in tree.items() for period, (n, v) in periods.items()]


def _h2(n: int, v: int) -> dict[str, tuple[int, int]]:
    """Everything in the second half: the year equals it."""
    return {"2026-H2": (n, v), "2026": (n, v)}


SIBLINGS: Tree = {1: (None, _h2(40, 16)), 2: (1, _h2(10, 5)), 3: (1, _h2(10, 2)), 4: (1, _h2(20, 9)),
                  5: (1, _h2(10, 0))}
HALVES: Tree = {1: (None, {"2026-H1": (3, 2), "2026-H2": (20, 8), "2026": (23, 10)}),
                2: (None, {"2026-H2": (20, 8), "2026": (20, 8)})}
TWO_PERSON: Tree = {1: (None, _h2(2, 2)), 2: (1, _h2(2, 2)), 3: (2, _h2(2, 2))}
PARENT_FORCED: Tree = {1: (None, _h2(10, 5)), 2: (1, _h2(1, 1)), 3: (1, _h2(9, 4))}
OWN_ROWS: Tree = {1: (None, _h2(20, 8)), 2: (1, _h2(15, 6))}  # five registered at unit 1 itself, two religious
ONLY_CHILD: Tree = {1: (None, _h2(20, 7)), 2: (1, _h2(20, 7))}  # equal to its parent, and both safe to show


@pytest.mark.parametrize(("tree", "unit", "hidden"), [
    (SIBLINGS, 3, True),  # 2 of 10: "<5"
    (SIBLINGS, 2, True),  # 5 of 10 alone is fine, but 16 − 9 − 0 − 5 would give the "<5" sibling: hidden too
    (SIBLINGS, 4, False),  # the smallest non-zero sibling was enough
    (SIBLINGS, 5, False),  # a zero hides nothing
    (SIBLINGS, 1, False),
    (HALVES, 1, True),  # 2 in H1: the whole year hidden, so H2's 8 of 20 cannot give H1 as 10 − 8
    (HALVES, 2, False),
    (TWO_PERSON, 3, True), (TWO_PERSON, 2, True), (TWO_PERSON, 1, True),
    (PARENT_FORCED, 1, True),  # both children hidden and still 5 = 1 + 4: the parent goes
    (OWN_ROWS, 2, True),  # 8 − 6 would give the unit's own two
    (ONLY_CHILD, 1, False), (ONLY_CHILD, 2, False),  # nothing hidden, nothing to protect
], ids=["sibling-primary", "sibling-complement", "sibling-larger-shown", "sibling-zero-shown", "sibling-parent",
        "half-year-complement", "half-year-clean", "two-person-branch", "two-person-parent", "two-person-top",
        "parent-forced", "own-rows", "only-child-parent", "only-child"])
def test_which_units_are_hidden(tree: Tree, unit: int, hidden: bool) -> None:
    assert is_hidden(_rows(tree), "religious", unit) is hidden


def test_half_year_shows_its_label_when_its_year_is_hidden() -> None:
    assert label(Cell(20, 8), hidden=is_hidden(_rows(HALVES), "religious", 1)) is Shown.HIDDEN
    assert label(Cell(20, 8), hidden=is_hidden(_rows(HALVES), "religious", 2)) is Shown.EXACT


# --- End to end on the demo organisation, through storage.


async def _register(app: App, branch: str, religions: list[str | None], *, at: datetime = IN_H2) -> None:
    """Register young people at `branch`, introduced by its members in turn, with these religions."""
    async with app.sessions() as session, session.begin():
        unit = await unit_by_code(session, code=branch)
        assert unit is not None
        members = (await session.exec(select(Member.id).where(Member.unit_id == unit.id)
                                      .order_by(col(Member.id)))).all()
        for index, religion in enumerate(religions):
            name = f"Thanh Niên {branch} {index}"
            youth_id = await add_youth(session, values={
                "full_name": name, "name_key": name.lower(), "birth_year": 2004, "gender": "female",
                "group_code": "residential", "introduced_to": "doan", "introduced_by": members[index % len(members)],
                "unit_id": unit.id, "introduced_at": at, "consent_at": at, "status": "introduced",
                "status_at": at, "religion": religion})
            assert youth_id is not None


async def _report(app: App, code: str, period: Period) -> Report:
    async with app.sessions() as session:
        unit = await unit_by_code(session, code=code)
        assert unit is not None
        return await report_for(session, unit=unit, period=period, calendar=app.calendar, tz=app.tz)


def _religious_line(summary: str) -> str:
    return next(line for line in summary.splitlines() if "có tôn giáo" in line or "with a religion" in line)


def _makeup(workbook: bytes) -> dict[str, object]:
    sheet = openpyxl.load_workbook(io.BytesIO(workbook)).worksheets[1]
    return {str(row[0].value): row[1].value for row in sheet.iter_rows() if row[0].value}


@pytest.fixture
async def two_religious(demo: App) -> App:
    """Chi đoàn Khu phố 1 introduced two young people in 2026-H2, both with a religion; nobody else did."""
    await _register(demo, "CD-KP1", ["buddhism", "catholicism"])
    return demo


@pytest.mark.parametrize("period", [H2, YEAR], ids=["half-year", "year"])
@pytest.mark.parametrize("code", ["CD-KP1", "CS-PBA", "QD-HB", "TD-AL"])
async def test_two_person_branch_reads_the_same_as_if_neither_were_religious(
    two_religious: App, code: str, period: Period, clock: Clock,
) -> None:
    report = await _report(two_religious, code, period)
    assert (report.total.introduced, report.total.religious) == (2, 2)  # the rollups hold the truth
    vi, en = two_religious.catalogs.get("vi"), two_religious.catalogs.get("en")
    summary = render_summary(vi, report)
    assert "• Thanh niên được giới thiệu: 2" in summary
    assert _religious_line(summary) == "  – Dân tộc thiểu số: <5; có tôn giáo: <5"
    assert "<5: dưới 5 người" in summary
    assert _religious_line(render_summary(en, report)) == "  – Ethnic minority: <5; with a religion: <5"
    makeup = _makeup(render_workbook(vi, report, today=clock().date()))
    assert makeup["Có tôn giáo"] == "<5" and makeup["Dân tộc thiểu số"] == "<5"
    assert makeup["Thanh niên được giới thiệu"] == 2


async def test_two_person_branch_on_the_web_in_chat_and_at_the_shell(
    two_religious: App, chat: Chat, clock: Clock, settings: Settings,
) -> None:
    cast = await build_cast(two_religious, now=clock())
    async with client(two_religious) as web:
        await log_in(web, chat, "phuong")  # the officer of Đoàn phường Bình An, who sees the branch's names
        pages = [text_of((await web.get(f"/u/{cast.units[code]}?period={period}")).text)
                 for code in ("CD-KP1", "CS-PBA") for period in ("2026-H2", "2026")]
    for page in pages:
        assert "Thanh niên được giới thiệu 2" in page
        assert "Dân tộc thiểu số <5" in page and "Có tôn giáo <5" in page
    await join_officer(chat, "cb")
    summary = (await chat.say("cb", "/baocao"))[1]
    assert _religious_line(summary) == "  – Dân tộc thiểu số: <5; có tôn giáo: <5"
    out = io.StringIO()
    args = argparse.Namespace(unit="CD-KP1", period="2026-H2", xlsx=None, png=None, locale="en")
    assert await run_report(settings, args, out) == 0
    assert _religious_line(out.getvalue()) == "  – Ethnic minority: <5; with a religion: <5"


@pytest.fixture
async def siblings(demo: App) -> App:
    """Đoàn phường Bình An: Khu phố 1 introduced 10 young people in 2026-H2, 5 with a religion; Khu phố 2 10,
    2 with a religion. Shown plainly, 7 − 5 would give Khu phố 2's 2."""
    await _register(demo, "CD-KP1", ["buddhism"] * 5 + [None] * 3 + ["none"] * 2)
    await _register(demo, "CD-KP2", ["caodaism", "islam"] + [None] * 8)
    return demo


@pytest.mark.parametrize("period", [H2, YEAR], ids=["half-year", "year"])
async def test_a_small_count_cannot_be_subtracted_from_its_parent(siblings: App, period: Period,
                                                                   clock: Clock) -> None:
    vi = siblings.catalogs.get("vi")
    shown = {}
    for code in ("CS-PBA", "CD-KP1", "CD-KP2"):
        report = await _report(siblings, code, period)
        shown[code] = _makeup(render_workbook(vi, report, today=clock().date()))["Có tôn giáo"]
        assert _religious_line(render_summary(vi, report)).endswith(f"có tôn giáo: {shown[code]}")
    assert shown == {"CS-PBA": 7, "CD-KP1": "ẩn", "CD-KP2": "<5"}
    district = await _report(siblings, "QD-HB", period)
    assert _makeup(render_workbook(vi, district, today=clock().date()))["Có tôn giáo"] == 7


async def test_the_web_page_hides_the_complement_too(siblings: App, chat: Chat, clock: Clock) -> None:
    cast = await build_cast(siblings, now=clock())
    async with client(siblings) as web:
        await log_in(web, chat, "phuong")
        pages = {code: text_of((await web.get(f"/u/{cast.units[code]}?period=2026-H2")).text)
                 for code in ("CS-PBA", "CD-KP1", "CD-KP2")}
    assert "Có tôn giáo 7" in pages["CS-PBA"]
    assert "Có tôn giáo ẩn" in pages["CD-KP1"] and "Có tôn giáo <5" in pages["CD-KP2"]
    assert "Dân tộc thiểu số 0" in pages["CD-KP1"]  # 0 of 10: nobody declared one, nobody pointed at


@pytest.mark.parametrize(("code", "read"), [
    ("CD-KP1", {"CS-PBA", "CD-KP1", "CD-KP2"}),  # the parent, the unit and its sibling
    ("QD-HB", {"TD-AL", "QD-HB", "CS-PBA"}),  # the parent, the unit, and the children of the unit's level
    ("TD-AL", {"TD-AL", "QD-HB"}),  # a root: itself and its children
], ids=["branch", "district", "root"])
async def test_the_rows_read_are_the_neighbourhood_only(siblings: App, code: str, read: set[str]) -> None:
    report = await _report(siblings, code, H2)
    async with siblings.sessions() as session:
        codes = dict((await session.exec(select(Unit.id, Unit.code))).all())
    assert {codes[row.unit_id] for row in report.sensitive} == read  # units without young people have no rows
    assert {row.period for row in report.sensitive} == {"2026-H2", "2026"}
