"""/danhgia, /chidoan, /moi, /nhacnho, /tatnhac as transcripts: what the secretary sends, what the bot answers."""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.app import App, build_app
from bot.settings import Settings
from storage.members import grant_role
from storage.models import Evaluation, EvaluationLine, Member, RoleName, Survey
from storage.units import unit_by_code
from tests.conftest import Clock
from tests.evaluation_support import add_youth, connect, outbox_rows
from tests.transcript import Chat

IN_WINDOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)  # 10:00 in Ho Chi Minh City, H2 window open
SPRING = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
async def branch(demo: App, clock: Clock) -> dict[str, int]:
    """Chi đoàn Khu phố 2 with its secretary "bt" on chat, officers above it, and one young person taking part."""
    clock.now = IN_WINDOW
    secretary = await connect(demo, "bt", unit_code="CD-KP2", role=RoleName.SECRETARY, now=clock.now)
    await connect(demo, "cs", unit_code="CS-PBA", role=RoleName.OFFICER, now=clock.now)
    await connect(demo, "qd", unit_code="QD-HB", role=RoleName.OFFICER, now=clock.now, locale="en")
    await connect(demo, "hd", unit_code="HD-TS", role=RoleName.OFFICER, now=clock.now)
    await add_youth(demo, member_id=secretary, name="Lê Thị Hoa", at=SPRING)
    return {"secretary": secretary}


async def _fill(chat: Chat, user: str, *, lessons: str = "Đi từng nhà, gặp từng bạn") -> list[str]:
    """Go from the per-member lines to the summary with plain answers."""
    await chat.press(user, "Đúng, xác nhận")
    for text in ("1", "1.200", "3", "CLB bóng đá, Đội tình nguyện", lessons):
        await chat.say(user, text)
    await chat.press(user, "Bỏ qua")
    return await chat.say(user, "Đề nghị khen đồng chí Phan Minh An")


async def test_evaluation_in_vietnamese_from_lines_to_submission(chat: Chat, demo: App, branch: dict[str, int]) -> None:
    intro, lines = await chat.say("bt", "/danhgia")
    assert intro.startswith("Đánh giá 6 tháng cuối năm 2026 — Chi đoàn Khu phố 2. Hạn nộp: 10/01/2027.")
    assert "1/6 đoàn viên đạt" in lines and "3. Phan Minh An — giới thiệu 1 — Đạt" in lines
    assert chat.choices("bt") == ["Đúng, xác nhận", "Sửa kết quả một đoàn viên"]

    assert await chat.press("bt", "Sửa kết quả một đoàn viên") == ["Gõ số thứ tự của đoàn viên cần sửa kết quả."]
    assert await chat.say("bt", "9") == ["Số thứ tự phải từ 1 đến 6. Đồng chí gõ lại."]
    assert await chat.say("bt", "2") == ["Ngô Ngọc Sơn (giới thiệu 0 người theo dữ liệu): kết quả đúng là gì?"]
    await chat.press("bt", "Đạt")
    done, lines = await chat.say("bt", "Đã giới thiệu 1 bạn, chưa nhập vào bot")
    assert done == "Đã sửa."
    assert "2. Ngô Ngọc Sơn — giới thiệu 0 — Đạt (đã sửa: Đã giới thiệu 1 bạn, chưa nhập vào bot)" in lines

    assert "1. Lê Thị Hoa — Đang tham gia" in (await chat.press("bt", "Đúng, xác nhận"))[0]
    assert await chat.say("bt", "1, 7") == [
        "Đồng chí gõ các số từ 1 đến 1, cách nhau bằng dấu phẩy, hoặc gõ 0 nếu không đề xuất ai."]
    assert "Khảo sát địa bàn" in (await chat.say("bt", "1"))[0]
    for bad in ("🙂", "-5", "12abc", "mười hai", "99999999"):
        assert await chat.say("bt", bad) == ["Đồng chí gõ một số nguyên từ 0 đến 1.000.000, ví dụ: 120."]
    await chat.say("bt", "1.200")
    await chat.say("bt", "3")
    assert chat.choices("bt") == ["Bỏ qua"]
    await chat.say("bt", "CLB bóng đá, Đội tình nguyện")
    await chat.say("bt", "Đi từng nhà, gặp từng bạn")
    await chat.press("bt", "Bỏ qua")
    (summary,) = await chat.say("bt", "Đề nghị khen đồng chí Phan Minh An")
    assert summary == (
        "Tóm tắt đánh giá 6 tháng cuối năm 2026 — Chi đoàn Khu phố 2\n"
        "• Kết quả 1+1: 2/6 đoàn viên đạt (33,3%); số dòng đã sửa: 1\n"
        "• Đề xuất kết nạp Đoàn: 1 thanh niên\n"
        "• Khảo sát địa bàn: 1.200 thanh niên; 3 CLB/đội/nhóm (CLB bóng đá, Đội tình nguyện)\n"
        "• Bài học kinh nghiệm: Đi từng nhà, gặp từng bạn\n"
        "• Khó khăn, vướng mắc: —\n"
        "• Đề xuất khen thưởng: Đề nghị khen đồng chí Phan Minh An\n"
        "Hạn nộp: 10/01/2027. Chưa nộp (đang là bản nháp).")
    assert await chat.press("bt", "Nộp đánh giá") == [
        "Đã nộp đánh giá 6 tháng cuối năm 2026 của Chi đoàn Khu phố 2. Cấp trên đã được thông báo. "
        "Đồng chí vẫn sửa được đến hết ngày 10/01/2027 (gõ /danhgia)."]

    notices = {row.chat_id: row.payload["text"] for row in await outbox_rows(demo, "eval.2026-H2.submitted")}
    assert notices == {  # not "hd": another district
        "cs": "✅ Chi đoàn Khu phố 2 đã nộp đánh giá 6 tháng cuối năm 2026.",
        "qd": "✅ Chi đoàn Khu phố 2 submitted its evaluation for the second half of 2026.",
    }
    async with demo.sessions() as session:
        survey = (await session.exec(select(Survey))).one()
        lines_saved = (await session.exec(select(EvaluationLine).where(EvaluationLine.corrected))).all()
    assert (survey.period, survey.youth_population, survey.groups) == ("2026-H2", 1200, 3)
    assert [line.fulfilled for line in lines_saved] == [True]


async def test_evaluation_in_english(chat: Chat, demo: App, clock: Clock) -> None:
    clock.now = IN_WINDOW
    await connect(demo, "sec", unit_code="CD-APD", role=RoleName.SECRETARY, now=clock.now, locale="en")
    intro, lines = await chat.say("sec", "/evaluate")
    assert intro.startswith("Evaluation for the second half of 2026 — Chi đoàn ấp Đông. Due: 10 Jan 2027.")
    assert lines.startswith('Step 1/4 — Members\' "1+1" results (from the recorded data): 0/6 members fulfilled.')
    assert chat.choices("sec") == ["Yes, confirm", "Correct a member's result"]
    replies = await chat.press("sec", "Yes, confirm")
    assert replies[0] == ("Step 2/4 — The branch has no young person taking part yet who could be proposed "
                          "for admission.")
    await chat.say("sec", "250")
    await chat.say("sec", "0")
    await chat.press("sec", "Skip")
    await chat.say("sec", "Meet young workers after their shift")
    await chat.press("sec", "Skip")
    (summary,) = await chat.press("sec", "Skip")
    assert "• Area survey: 250 young people; 0 clubs/teams/groups (—)" in summary
    assert summary.endswith("Due: 10 Jan 2027. Not submitted (draft).")
    assert (await chat.press("sec", "Submit"))[0].startswith(
        "Chi đoàn ấp Đông's evaluation for the second half of 2026 is submitted")


async def test_resume_later_then_edit_after_submitting_until_the_deadline(
        chat: Chat, demo: App, clock: Clock, branch: dict[str, int]) -> None:
    await chat.say("bt", "/danhgia")
    await chat.press("bt", "Đúng, xác nhận")
    for text in ("0", "80", "2", "Đội bóng chuyền"):
        await chat.say("bt", text)
    assert await chat.say("bt", "/huy") == ["Đã hủy. Những gì bạn vừa nhập không được lưu."]

    clock.advance(days=2)  # the survey was saved; the draft resumes at the lessons
    _, ask = await chat.say("bt", "/danhgia")
    assert ask == "Bước 4/4 — Bài học kinh nghiệm rút ra trong 6 tháng qua là gì?"
    await chat.say("bt", "Bài học một")
    await chat.press("bt", "Bỏ qua")
    await chat.press("bt", "Bỏ qua")
    await chat.press("bt", "Nộp đánh giá")

    clock.advance(days=5)
    _, summary = await chat.say("bt", "/danhgia")
    assert "Đã nộp ngày 22/12/2026; vẫn sửa được đến hạn." in summary
    await chat.press("bt", "Sửa bài học kinh nghiệm")
    assert "• Bài học kinh nghiệm: Bài học hai" in (await chat.say("bt", "Bài học hai"))[0]
    assert await chat.press("bt", "Nộp đánh giá") == [
        "Đã cập nhật đánh giá 6 tháng cuối năm 2026 của Chi đoàn Khu phố 2."]
    assert len(await outbox_rows(demo, "eval.2026-H2.submitted")) == 2  # told once per officer chat, not again

    clock.now = datetime(2027, 1, 11, 3, 0, tzinfo=UTC)
    assert await chat.say("bt", "/danhgia") == [
        "Đánh giá 6 tháng cuối năm 2026 đã nộp và đã hết hạn chỉnh sửa. Kỳ đánh giá tiếp theo mở ngày 15/06/2027."]


async def test_a_late_branch_can_still_submit_and_upper_levels_hear_it_was_late(
        chat: Chat, demo: App, clock: Clock, branch: dict[str, int]) -> None:
    clock.now = datetime(2027, 1, 20, 3, 0, tzinfo=UTC)
    intro, _ = await chat.say("bt", "/danhgia")
    assert intro.startswith("Đánh giá 6 tháng cuối năm 2026 — Chi đoàn Khu phố 2 đã quá hạn (10/01/2027)")
    await _fill(chat, "bt")
    await chat.press("bt", "Nộp đánh giá")
    texts = [row.payload["text"] for row in await outbox_rows(demo, "eval.2026-H2.submitted")]
    assert "✅ Chi đoàn Khu phố 2 đã nộp đánh giá 6 tháng cuối năm 2026 (sau hạn)." in texts


async def test_submit_refused_while_the_lessons_are_missing(chat: Chat, demo: App, branch: dict[str, int]) -> None:
    await chat.say("bt", "/danhgia")
    await chat.press("bt", "Đúng, xác nhận")
    for text in ("0", "80", "2"):
        await chat.say("bt", text)
    await chat.press("bt", "Bỏ qua")
    await chat.say("bt", "/huy")
    async with demo.sessions() as session:
        assert (await session.exec(select(Survey))).one().groups_note is None


@pytest.mark.parametrize(("text", "accepted"), [
    pytest.param("x" * 4000, True, id="4000-chars"),
    pytest.param("x" * 4001, False, id="4001-chars"),
    pytest.param("'; DROP TABLE evaluation; --", True, id="sql-looking"),
])
async def test_long_and_odd_lessons(chat: Chat, demo: App, branch: dict[str, int], text: str, accepted: bool) -> None:
    await chat.say("bt", "/danhgia")
    await chat.press("bt", "Đúng, xác nhận")
    for answer in ("0", "80", "0"):
        await chat.say("bt", answer)
    await chat.press("bt", "Bỏ qua")
    replies = await chat.say("bt", text)
    if accepted:
        assert replies == ["Khó khăn, vướng mắc của chi đoàn (hoặc bấm Bỏ qua):"]
    else:
        assert replies[0] == "Nội dung dài quá 4.000 ký tự, đồng chí rút gọn lại giúp."
    async with demo.sessions() as session:
        saved = (await session.exec(select(Evaluation))).one().lessons
    assert saved == (text if accepted else None)


BAD_TEXTS = [
    pytest.param("Gặp\x00gỡ", id="nul"),
    pytest.param("Gặp gỡ\x07", id="bell"),
    pytest.param("\x1b[31mĐỏ\x1b[0m", id="ansi-escape"),
    pytest.param("Bài học \u202egnòt", id="bidi-override"),
    pytest.param("\u2066Bài học\u2069", id="bidi-isolate"),
    pytest.param("\ufeffBài học", id="bom"),
    pytest.param("Bài học \ue000", id="private-use"),
]


@pytest.mark.parametrize("text", BAD_TEXTS)
async def test_control_and_bidi_characters_are_refused_at_every_free_text_step(
        chat: Chat, demo: App, branch: dict[str, int], text: str) -> None:
    """Issue 14, defect 5: on PostgreSQL a NUL was a database failure the channel retried forever."""
    bad_chars = demo.catalogs.get("vi")("validate.text_bad_chars")
    await chat.say("bt", "/danhgia")
    await chat.press("bt", "Sửa kết quả một đoàn viên")
    await chat.say("bt", "2")
    await chat.press("bt", "Đạt")
    assert (await chat.say("bt", text))[0] == bad_chars  # the reason for a correction
    await chat.say("bt", "Đã giới thiệu 1 bạn")
    await chat.press("bt", "Đúng, xác nhận")
    for answer in ("0", "80", "0"):
        await chat.say("bt", answer)
    assert (await chat.say("bt", text))[0] == bad_chars  # the note on clubs and groups
    await chat.press("bt", "Bỏ qua")
    assert (await chat.say("bt", text))[0] == bad_chars  # lessons
    await chat.say("bt", "Đi từng nhà")
    assert (await chat.say("bt", text))[0] == bad_chars  # difficulties
    await chat.press("bt", "Bỏ qua")
    assert (await chat.say("bt", text))[0] == bad_chars  # proposals
    async with demo.sessions() as session:
        evaluation = (await session.exec(select(Evaluation))).one()
        reasons = (await session.exec(select(EvaluationLine.reason).where(EvaluationLine.reason != None))).all()  # noqa: E711
        survey = (await session.exec(select(Survey))).one()
    assert (evaluation.lessons, evaluation.difficulties, evaluation.proposals) == ("Đi từng nhà", "", None)
    assert reasons == ["Đã giới thiệu 1 bạn"] and survey.groups_note is None


@pytest.mark.parametrize("typed", ["²", "①", "٣", "1" * 5000])
async def test_numbers_in_other_digits_are_asked_again(chat: Chat, demo: App, branch: dict[str, int],
                                                       typed: str) -> None:
    await chat.say("bt", "/danhgia")
    await chat.press("bt", "Sửa kết quả một đoàn viên")
    assert await chat.say("bt", typed) == ["Số thứ tự phải từ 1 đến 6. Đồng chí gõ lại."]
    await chat.say("bt", "/huy")
    await chat.say("bt", "/danhgia")
    await chat.press("bt", "Đúng, xác nhận")
    admission = "Đồng chí gõ các số từ 1 đến 1, cách nhau bằng dấu phẩy, hoặc gõ 0 nếu không đề xuất ai."
    assert await chat.say("bt", typed) == [admission]
    assert await chat.say("bt", f"1, {typed}") == [admission]
    await chat.say("bt", "0")
    assert (await chat.say("bt", typed))[0] == "Đồng chí gõ một số nguyên từ 0 đến 1.000.000, ví dụ: 120."


async def test_nfd_vietnamese_is_stored_composed(chat: Chat, demo: App, branch: dict[str, int]) -> None:
    await chat.say("bt", "/danhgia")
    await chat.press("bt", "Đúng, xác nhận")
    for answer in ("0", "80", "0"):
        await chat.say("bt", answer)
    await chat.press("bt", "Bỏ qua")
    await chat.say("bt", unicodedata.normalize("NFD", "Gặp gỡ thanh niên công nhân"))
    async with demo.sessions() as session:
        assert (await session.exec(select(Evaluation))).one().lessons == "Gặp gỡ thanh niên công nhân"


# --- authorization


async def test_a_member_cannot_evaluate_and_a_secretary_only_their_branch(
        chat: Chat, demo: App, clock: Clock, branch: dict[str, int]) -> None:
    await connect(demo, "dv", unit_code="CD-KP2", now=clock.now)
    not_allowed = "Lệnh này dành cho cán bộ đoàn có thẩm quyền, tài khoản của bạn chưa được giao quyền này."
    for command in ("/danhgia", "/danhgia CD-KP2", "/moi", "/nhacnho", "/chidoan"):
        assert await chat.say("dv", command) == [not_allowed]
    mine_only = "Đồng chí chỉ xem và làm được việc của chi đoàn mình phụ trách."
    for command in ("/danhgia CD-KP1", "/moi CD-KP1", "/nhacnho CD-APD"):
        assert await chat.say("bt", command) == [mine_only]
    # A branch out of scope is answered as an unknown code (issue 14: nothing tells what exists out of scope).
    unknown = "Không có chi đoàn nào mang mã này. Gõ /chidoan để xem chi đoàn của mình."
    for command in ("/chidoan CD-KP1", "/chidoan cd-12a1", "/chidoan XX-NOPE"):
        assert await chat.say("bt", command) == [unknown]
    async with demo.sessions() as session:
        assert (await session.exec(select(Evaluation))).all() == []


async def test_officers_see_branches_of_their_subtree_only(chat: Chat, branch: dict[str, int]) -> None:
    (progress,) = await chat.say("qd", "/branch CD-KP2")
    assert progress.startswith("Chi đoàn Khu phố 2 — 2026\n✅ Introduced someone: 1/6 members (16.7%)")
    assert await chat.say("hd", "/chidoan CD-KP2") == await chat.say("hd", "/chidoan XX-NOPE") == [
        "Không có chi đoàn nào mang mã này. Gõ /chidoan để xem chi đoàn của mình."]
    assert await chat.say("qd", "/evaluate") == [
        "This command is for Youth Union officers with the right role; your account does not have it."]


async def test_forged_and_replayed_presses_change_nothing(chat: Chat, demo: App, branch: dict[str, int]) -> None:
    await chat.say("bt", "/danhgia")
    payload = chat.payload("bt", "Đúng, xác nhận")
    stale = ("Nút này đã cũ hoặc không còn dùng được. Bạn xem tin nhắn mới nhất của bot, "
             "hoặc gõ /trogiup để bắt đầu lại.")
    assert await chat.send(chat.inbound("bt", choice="1.submit")) == [stale]
    assert await chat.send(chat.inbound("bt", choice="999.confirm")) == [stale]
    first = await chat.send(chat.inbound("bt", choice=payload, update_id="u-77"))
    assert await chat.send(chat.inbound("bt", choice=payload, update_id="u-77")) == []
    assert "Bước 2/4" in first[0]


# --- /chidoan, /moi, /nhacnho, /tatnhac


async def test_branch_progress(chat: Chat, branch: dict[str, int]) -> None:
    (progress,) = await chat.say("bt", "/chidoan")
    assert progress == (
        "Chi đoàn Khu phố 2 — năm 2026\n"
        "✅ Đã giới thiệu thanh niên: 1/6 đoàn viên (16,7%)\n"
        "Phan Minh An (1)\n"
        "⏳ Chưa giới thiệu: 5\n"
        "Bùi Ngọc An, Ngô Ngọc Sơn, Võ Minh Khánh, Đặng Minh Sơn, Đỗ Ngọc Khánh\n"
        "👥 Thanh niên được giới thiệu: Mới giới thiệu 0 · Đang tham gia 1 · Đã vào Hội 0 · Đã kết nạp Đoàn 0 · "
        "Ngừng tham gia 0\n"
        "📋 Đánh giá 6 tháng cuối năm 2026: chưa nộp, hạn 10/01/2027. Còn thiếu: khảo sát địa bàn, "
        "bài học kinh nghiệm. Gõ /danhgia để làm.")


async def test_invite_code_and_deep_link(settings: Settings, clock: Clock, demo: App) -> None:
    clock.now = IN_WINDOW
    await connect(demo, "bt", unit_code="CD-KP2", role=RoleName.SECRETARY, now=clock.now)
    linked = build_app(settings.model_copy(update={"telegram_bot_username": "@bot11_test_bot"}), clock=clock)
    try:
        made, link = await Chat(linked.engine).say("bt", "/moi", update_id="moi-1")
    finally:
        await linked.close()
    code = made.split(": ", 1)[1].split("\n", 1)[0]
    assert made == (f"Mã mời vào Chi đoàn Khu phố 2: {code}\nNgười được mời gửi cho bot: /batdau {code}\n"
                    "Mã dùng được 50 lượt, hạn đến 19/01/2027.")
    assert link == f"Hoặc gửi đường link này, bấm vào là tham gia: https://t.me/bot11_test_bot?start={code}"
    joined = await Chat(demo.engine, channel="other").say("new", f"/batdau {code}")
    assert joined[0] == "Chào mừng bạn đến với Bot 1+1! Mã mời này dành cho đoàn viên của Chi đoàn Khu phố 2."


async def test_remind_now_at_most_once_a_day(chat: Chat, demo: App, clock: Clock, branch: dict[str, int]) -> None:
    members = [await connect(demo, name, unit_code="CD-KP2", now=clock.now) for name in ("m1", "m2")]
    await add_youth(demo, member_id=members[1], name="Trần Văn Tú", at=SPRING)
    assert await chat.say("bt", "/nhacnho") == ["Đã gửi nhắc nhở tới 1 đoàn viên chưa giới thiệu thanh niên."]
    assert await chat.say("bt", "/nhacnho") == [
        "Hôm nay chi đoàn đã gửi nhắc nhở rồi, mai đồng chí nhắc tiếp nhé (mỗi ngày một lần)."]
    (row,) = await outbox_rows(demo, "remind.")
    assert row.chat_id == "m1" and row.payload["text"].startswith("📣 Bí thư Chi đoàn Khu phố 2 nhắc: năm 2026")
    clock.advance(days=1, hours=12)  # 22:00 the next day: quiet hours, queued for 07:00
    assert await chat.say("bt", "/nhacnho") == [
        "Bây giờ là giờ nghỉ nên nhắc nhở tới 1 đoàn viên sẽ được gửi lúc 7 giờ sáng."]
    later = (await outbox_rows(demo, "remind."))[-1]
    assert later.not_before == datetime(2026, 12, 22, 0, 0, tzinfo=UTC)  # 07:00 in Ho Chi Minh City


async def test_mute_and_unmute_the_monthly_nudge(chat: Chat, demo: App, clock: Clock) -> None:
    member_id = await connect(demo, "dv", unit_code="CD-KP1", now=clock.now)
    assert await chat.say("dv", "/tatnhac") == ["Đã tắt tin nhắc hằng tháng. Muốn bật lại, gõ /batnhac."]
    async with demo.sessions() as session:
        assert (await session.get(Member, member_id, populate_existing=True)).nudges is False  # type: ignore[union-attr]
    assert await chat.say("dv", "/batnhac") == ["Đã bật tin nhắc hằng tháng."]
    assert await chat.say("stranger", "/tatnhac") == [
        "Bạn cần tham gia bằng mã mời của chi đoàn trước. Gửi /batdau MÃ_MỜI (xin mã ở bí thư chi đoàn)."]


async def test_two_secretaries_of_one_branch_at_once(chat: Chat, demo: App, clock: Clock,
                                                     branch: dict[str, int]) -> None:
    second = await connect(demo, "bt2", unit_code="CD-KP2", now=clock.now)
    async with demo.sessions() as session, session.begin():
        unit = await unit_by_code(session, code="CD-KP2")
        assert unit is not None and unit.id is not None
        await grant_role(session, member_id=second, role=RoleName.SECRETARY, unit_id=unit.id)
    first, other = await asyncio.gather(chat.say("bt", "/danhgia"), chat.say("bt2", "/danhgia"))
    assert "1/7 đoàn viên đạt" in first[1] and "1/7 đoàn viên đạt" in other[1]
    async with demo.sessions() as session:
        assert len((await session.exec(select(Evaluation))).all()) == 1
        assert len((await session.exec(select(EvaluationLine))).all()) == 7
