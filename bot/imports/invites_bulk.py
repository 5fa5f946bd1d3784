"""`bot11 admin invites --under CODE --role member|secretary --out DIR`: one invite code per active branch under
a unit, made or reused while still valid, written as `DIR/invites.xlsx` and one invite card PNG per branch.

Running it again while the codes are valid hands out the same codes, so cards already printed keep working;
a branch whose code expired or was used up gets a new one.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.app import App
from conversations.i18n import LOCALES, Translator
from conversations.invite_card import InviteCard, JoinLinks, render_card
from storage.invites import BranchInvite, branch_invites, create_invite
from storage.models import RoleName
from storage.units import unit_by_code

__all__ = ["WORKBOOK", "BranchCode", "add_invites_parser", "card_filename", "make_invites", "write_workbook"]

WORKBOOK = "invites.xlsx"
ROLES = (RoleName.MEMBER.value, RoleName.SECRETARY.value)
DEFAULT_USES = {RoleName.MEMBER.value: 50, RoleName.SECRETARY.value: 1}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class BranchCode:
    """One line of the sheet and one card: a branch, the unit above it, and its invite."""

    parent: str | None
    branch: str
    branch_code: str
    code: str
    expires: date
    uses_left: int


def add_invites_parser(admin: Any) -> None:
    """Add `invites` to the `admin` subparsers."""
    invites = admin.add_parser("invites", help="an invite code and a QR card for every branch under a unit")
    invites.add_argument("--under", required=True, help="unit code: every active branch under it gets a code")
    invites.add_argument("--role", default=RoleName.MEMBER.value, choices=ROLES)
    invites.add_argument("--out", required=True, type=Path, help=f"folder for {WORKBOOK} and the PNG cards")
    invites.add_argument("--days", type=int, default=30, help="days until a new code expires")
    invites.add_argument("--uses", type=int, help="how many people may use a new code (default: 50 for member, "
                         "1 for secretary, so a secretary's code cannot make a second secretary)")
    invites.add_argument("--locale", choices=LOCALES, help="language of the messages and files (default: the bot's)")


async def make_invites(app: App, args: argparse.Namespace, out: TextIO) -> int:
    """Make or reuse a code per active branch under `--under`, write the workbook and the cards; return 0, or
    2 when the arguments name nothing to do."""
    t = app.catalogs.get(args.locale)
    uses = DEFAULT_USES[args.role] if args.uses is None else args.uses
    if args.days < 1 or uses < 1:
        out.write(t("invites.bad_numbers") + "\n")
        return 2
    links = JoinLinks.of(app.settings.telegram_bot_username, app.settings.zalo_bot_link)
    now = app.clock()
    async with app.sessions() as session, session.begin():
        root = await unit_by_code(session, code=args.under.strip().upper())
        if root is None:
            out.write(t("invites.unknown_unit", code=args.under) + "\n")
            return 2
        found = await branch_invites(session, root=root, role=args.role, now=now)
        if not found:
            out.write(t("invites.no_branches", unit=f"{root.code} {root.name}") + "\n")
            return 2
        rows: list[BranchCode] = []
        made = 0
        for entry in found:
            invite = entry.invite
            if invite is None:
                assert entry.branch.id is not None
                invite = await create_invite(session, unit_id=entry.branch.id, role=args.role, max_uses=uses,
                                             expires_at=now + timedelta(days=args.days), created_at=now)
                made += 1
            rows.append(_row(entry, invite.code, invite.expires_at.astimezone(app.tz).date(),
                             invite.max_uses - invite.uses))
    if links.telegram_username is None:
        out.write(t("invites.no_bot_username") + "\n")
    files = _write_files(t, rows, links, args.out)
    out.write(t("invites.summary", made=made, reused=len(rows) - made, files=files, dir=args.out) + "\n")
    return 0


def _row(entry: BranchInvite, code: str, expires: date, uses_left: int) -> BranchCode:
    return BranchCode(parent=entry.parent_name, branch=entry.branch.name, branch_code=entry.branch.code,
                      code=code, expires=expires, uses_left=uses_left)


def _write_files(t: Translator, rows: list[BranchCode], links: JoinLinks, folder: Path) -> int:
    """Write the workbook and a card per branch into `folder`; return how many files were written."""
    folder.mkdir(parents=True, exist_ok=True)
    write_workbook(t, rows, links, folder / WORKBOOK)
    for row in rows:
        card = InviteCard(branch=row.branch, parent=row.parent, code=row.code, expires=row.expires)
        (folder / card_filename(row.branch_code)).write_bytes(render_card(t, card, links))
    return 1 + len(rows)


def card_filename(branch_code: str) -> str:
    """Return the PNG file name of a branch's card, from its code (anything unsafe in a file name becomes _)."""
    return f"{_UNSAFE.sub('_', branch_code)}.png"


def write_workbook(t: Translator, rows: list[BranchCode], links: JoinLinks, path: Path) -> None:
    """Write the sheet of codes: a bold, frozen header, widths set, landscape and one page wide when printed,
    the header repeated on every page; a note under the table when links are missing or Zalo needs the code."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    columns = [("invites.col_parent", 34), ("invites.col_branch", 38), ("invites.col_branch_code", 16),
               ("invites.col_code", 14), ("invites.col_telegram", 46)]
    if links.zalo_link:
        columns.append(("invites.col_zalo", 34))
    columns += [("invites.col_expires", 12), ("invites.col_uses_left", 14)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("invites.sheet_title")
    sheet.append([t(key) for key, _ in columns])
    for row in rows:
        line: list[object] = [row.parent or "", row.branch, row.branch_code, row.code,
                              links.telegram(row.code) or ""]
        if links.zalo_link:
            line.append(links.zalo_link)
        sheet.append([*line, row.expires, row.uses_left])
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    expires_column = len(columns) - 1
    for (cell,) in sheet.iter_rows(min_row=2, min_col=expires_column, max_col=expires_column):
        cell.number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    notes = [t("invites.sheet_no_username")] if links.telegram_username is None else []
    notes += [t("invites.sheet_zalo_note")] if links.zalo_link else []
    if notes:
        sheet.append([])
    for note in notes:
        sheet.append([note])
        sheet.cell(sheet.max_row, 1).font = Font(italic=True)
    workbook.save(path)
