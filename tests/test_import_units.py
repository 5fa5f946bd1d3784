"""`bot11 admin import-units` and `bot11 admin template units` against a real database: a good file previews,
applies, shows in the tree and changes nothing the second time; every bad row is named with its row number and
nothing is written; a file in another encoding is named as such."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from tests.importing import Rows, demo_cli, run, write_csv, write_xlsx, writers

HEADER = ("Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Cấp")
# Two new units (one under a unit of the database, one under a unit of the file), a rename, an unchanged root
# whose parent cell is empty, and a blank row.
GOOD = [
    ("CS-MOI", "Đoàn phường Mới", "QD-HB", "Đoàn cơ sở"),
    ("CD-MOI1", "Chi đoàn Mới 1", "cs-moi", "chi doan"),
    ("", "", "", ""),
    ("CD-KP1", "Chi đoàn Khu phố Một", "CS-PBA", "CHI ĐOÀN"),
    ("TD-AL", "Tỉnh Đoàn An Lạc", "", "tỉnh/thành"),
]
GOOD_ROW = ("CS-TOT", "Đoàn phường Tốt", "QD-HB", "đoàn cơ sở")

@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    """The command line pointed at a database holding the demo organisation; returns a folder for files."""
    return demo_cli(monkeypatch, database_url, tmp_path)


WRITERS = writers("units")


def tree(capsys: pytest.CaptureFixture[str]) -> list[str]:
    code, out = run(capsys, "tree")
    assert code == 0
    return out.splitlines()


@pytest.mark.parametrize("kind", list(WRITERS))
def test_a_good_file_previews_applies_and_then_changes_nothing(
    env: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = str(WRITERS[kind](env, [HEADER, *GOOD]))
    before = tree(capsys)

    code, out = run(capsys, "import-units", path)
    assert code == 0
    assert out.splitlines()[0] == "3 thay đổi: 2 tạo mới, 1 đổi tên/cấp, 0 chuyển chỗ, 1 không đổi; 0 lỗi."
    assert "  + CS-MOI     Đoàn phường Mới (đoàn cơ sở) ← QD-HB" in out
    assert "  ~ CD-KP1     Chi đoàn Khu phố 1 (chi đoàn) → Chi đoàn Khu phố Một (chi đoàn)" in out
    assert "chưa ghi gì" in out
    assert tree(capsys) == before

    code, out = run(capsys, "import-units", path, "--apply")
    assert (code, out.splitlines()[-1]) == (0, "Đã ghi 3 thay đổi.")
    after = tree(capsys)
    assert len(after) == len(before) + 2
    assert any(line.startswith("    CS-MOI") and "Đoàn phường Mới (grassroots)" in line for line in after)
    moi = after.index(next(line for line in after if line.startswith("    CS-MOI")))
    assert after[moi + 1].startswith("      CD-MOI1") and "Chi đoàn Mới 1 (branch)" in after[moi + 1]
    assert any(line.startswith("      CD-KP1") and "Chi đoàn Khu phố Một" in line for line in after)

    code, out = run(capsys, "import-units", path, "--apply")
    assert code == 0
    assert out.splitlines()[0] == "0 thay đổi: 0 tạo mới, 0 đổi tên/cấp, 0 chuyển chỗ, 4 không đổi; 0 lỗi."
    assert tree(capsys) == after


@pytest.mark.parametrize("header", [
    ("Code", "Name", "Parent code", "Level"),
    ("ma don vi", "TEN DON VI", "Mã  Đơn Vị  Cấp Trên", "cap"),
    ("Ghi chú", "Cấp", "Mã đơn vị cấp trên", "Tên đơn vị", "Mã đơn vị"),
], ids=["english", "folded", "reordered-extra-column"])
def test_headers_match_in_either_language_and_any_order(
    env: Path, capsys: pytest.CaptureFixture[str], header: tuple[str, ...]
) -> None:
    row = dict(zip(("code", "name", "parent", "kind"), GOOD_ROW, strict=True))
    by_header = {"mã đơn vị": "code", "code": "code", "ma don vi": "code", "tên đơn vị": "name", "name": "name",
                 "ten don vi": "name", "mã đơn vị cấp trên": "parent", "parent code": "parent",
                 "mã  đơn vị  cấp trên": "parent", "cấp": "kind", "level": "kind", "cap": "kind"}
    cells = [row.get(by_header.get(name.lower(), ""), "ghi chú") for name in header]
    path = str(write_csv(env / "units.csv", [header, cells]))
    code, out = run(capsys, "import-units", path, "--apply")
    assert code == 0, out
    assert any(line.startswith("    CS-TOT") for line in tree(capsys))


BAD = [
    ("unknown-parent", [("CS-X", "Đoàn X", "NOPE", "đoàn cơ sở")],
     "dòng 3: không tìm thấy đơn vị cấp trên NOPE"),
    ("cycle", [("CD-A", "Chi đoàn A", "CD-B", "chi đoàn"), ("CD-B", "Chi đoàn B", "CD-A", "chi đoàn")],
     "dòng 3: đơn vị cấp trên tạo vòng lặp: CD-A → CD-B → CD-A"),
    ("own-parent", [("CD-A", "Chi đoàn A", "CD-A", "chi đoàn")],
     "dòng 3: đơn vị cấp trên tạo vòng lặp: CD-A → CD-A"),
    ("duplicate-code", [("CS-TOT", "Đoàn phường Tốt lần hai", "QD-HB", "đoàn cơ sở")],
     "dòng 3: mã CS-TOT trùng với dòng 2"),
    ("empty-name", [("CS-X", "", "QD-HB", "đoàn cơ sở")], "dòng 3: thiếu tên đơn vị"),
    ("empty-code", [("", "Đoàn X", "QD-HB", "đoàn cơ sở")], "dòng 3: thiếu mã đơn vị"),
    ("bad-code", [("CS X!", "Đoàn X", "QD-HB", "đoàn cơ sở")], "dòng 3: mã “CS X!” có ký tự không hợp lệ"),
    ("accented-code", [("CS-ĐÔNG", "Đoàn Đông", "QD-HB", "đoàn cơ sở")], "dòng 3: mã “CS-ĐÔNG” có ký tự"),
    ("unknown-level", [("CS-X", "Đoàn X", "QD-HB", "phường")], "dòng 3: cấp “phường” không hợp lệ"),
    ("move-under-own-child", [("CS-PBA", "Đoàn phường Bình An", "CD-KP1", "đoàn cơ sở")],
     "dòng 3: đơn vị cấp trên tạo vòng lặp: CS-PBA → CD-KP1 → CS-PBA"),
    ("move-under-own-grandchild", [("QD-HB", "Quận Đoàn Hòa Bình", "CD-12A1", "huyện/quận")],
     "dòng 3: đơn vị cấp trên tạo vòng lặp: QD-HB → CD-12A1 → CS-LL → QD-HB"),
    ("cycle-through-stored-tree", [("CS-X", "Đoàn X", "CD-KP1", "đoàn cơ sở"),
                                   ("CS-PBA", "Đoàn phường Bình An", "CS-X", "đoàn cơ sở")],
     "dòng 4: đơn vị cấp trên tạo vòng lặp: CS-PBA → CS-X → CD-KP1 → CS-PBA"),
    ("after-blank-rows", [("", "", "", ""), ("", "  ", "", ""), ("CS-X", "", "QD-HB", "đoàn cơ sở")],
     "dòng 5: thiếu tên đơn vị"),
]


@pytest.mark.parametrize(("rows", "expected"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_bad_row_is_named_and_nothing_is_written(
    env: Path, capsys: pytest.CaptureFixture[str], kind: str, rows: Rows, expected: str
) -> None:
    path = str(WRITERS[kind](env, [HEADER, GOOD_ROW, *rows]))
    before = tree(capsys)
    for apply in ([], ["--apply"]):
        code, out = run(capsys, "import-units", path, *apply)
        assert code == 1
        assert expected in out
        assert "lỗi: chưa ghi gì" in out
    assert tree(capsys) == before


def test_problems_are_worded_in_the_chosen_language(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_csv(env / "units.csv", [HEADER, ("CS-X", "Đoàn X", "NOPE", "đoàn cơ sở")]))
    code, out = run(capsys, "import-units", path, "--locale", "en")
    assert code == 1
    assert "row 2: the parent NOPE is neither in the file nor in the database." in out


@pytest.mark.parametrize(("encoding", "named"), [
    ("utf-16", "UTF-16"),
    ("utf-16-le", "UTF-16"),
    ("cp1258", "Windows-1258"),
], ids=["utf-16-bom", "utf-16-no-bom", "windows-1258"])
def test_a_csv_in_another_encoding_is_named_not_misread(
    env: Path, capsys: pytest.CaptureFixture[str], encoding: str, named: str
) -> None:
    # Windows-1258 has no precomposed "ã" or "ờ": these words are written in letters it does have.
    path = str(write_csv(env / "units.csv", [("Code", "Name", "Parent code", "Level"),
                                             ("CS-TP", "Đoàn Tân Phú", "QD-HB", "chi đoàn")], encoding))
    before = tree(capsys)
    code, out = run(capsys, "import-units", path, "--apply")
    assert code == 1
    assert f"bảng mã {named}, không phải UTF-8" in out
    assert tree(capsys) == before


def merged_header(path: Path) -> Path:
    write_xlsx(path, [("Mã đơn vị và tên", None, "Mã đơn vị cấp trên", "Cấp"), GOOD_ROW])
    workbook = load_workbook(path)
    workbook.active.merge_cells("A1:B1")
    workbook.save(path)
    return path


FILES = [
    ("formula", lambda folder: write_xlsx(folder / "f.xlsx", [HEADER, (*GOOD_ROW[:1], '=UPPER("x")', *GOOD_ROW[2:])]),
     "Ô B2 là công thức"),
    ("merged-header", lambda folder: merged_header(folder / "m.xlsx"), "Dòng tiêu đề có ô trống ở cột B (ô gộp?)"),
    ("missing-column", lambda folder: write_csv(folder / "c.csv", [HEADER[:3], GOOD_ROW[:3]]), "Thiếu cột: Cấp."),
    ("header-twice", lambda folder: write_csv(folder / "c.csv", [(*HEADER, "Code"), (*GOOD_ROW, "X")]),
     "Tiêu đề “Code” xuất hiện hai lần."),
    ("empty", lambda folder: write_csv(folder / "c.csv", [("", ""), ()]), "Tệp không có dòng nào."),
    ("other-type", lambda folder: write_csv(folder / "c.txt", [HEADER]), "Chỉ nhập được tệp .xlsx hoặc .csv"),
]


@pytest.mark.parametrize(("make", "expected"), [case[1:] for case in FILES], ids=[case[0] for case in FILES])
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(
    env: Path, capsys: pytest.CaptureFixture[str], make: object, expected: str
) -> None:
    assert callable(make)
    path = str(make(env))
    before = tree(capsys)
    code, out = run(capsys, "import-units", path, "--apply")
    assert code == 1
    assert expected in out
    assert tree(capsys) == before


def test_the_template_round_trips(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = env / "mau.xlsx"
    assert main(["admin", "template", "units", str(path)]) == 0
    workbook = load_workbook(path)
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == list(HEADER)
    assert [validation.formula1 for validation in sheet.data_validations.dataValidation] == [
        '"tỉnh/thành,huyện/quận,đoàn cơ sở,chi đoàn"']
    assert "D2" in sheet.data_validations.dataValidation[0].sqref
    sheet.append(["CD-VIDU1", "Chi đoàn Ví dụ 1", "TD-VIDU", "chi đoàn"])
    workbook.save(path)

    code, out = run(capsys, "import-units", str(path), "--apply")
    assert code == 0, out
    lines = tree(capsys)
    root = lines.index(next(line for line in lines if line.startswith("TD-VIDU")))
    assert "Tỉnh Đoàn Ví Dụ (province)" in lines[root]
    assert lines[root + 1].startswith("  CD-VIDU1") and "(branch)" in lines[root + 1]
