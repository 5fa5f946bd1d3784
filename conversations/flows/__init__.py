"""The dialogs, and the command table the composition root hands to the engine."""

from __future__ import annotations

from conversations.engine import Command, Midway
from conversations.flows.basics import CancelFlow, HelpFlow, LanguageFlow
from conversations.flows.branch import BranchFlow
from conversations.flows.data import DataExportFlow, WithdrawConsentFlow
from conversations.flows.evaluate import EvaluateFlow
from conversations.flows.inspect import InspectFlow
from conversations.flows.invite import InviteFlow
from conversations.flows.join import JoinFlow
from conversations.flows.me import MeFlow
from conversations.flows.remind import NudgeSwitchFlow, RemindFlow
from conversations.flows.report import report_commands
from conversations.flows.transfer import TransferFlow
from conversations.flows.web import DEFAULT_BASE_URL, web_commands
from conversations.flows.youth_edit import YouthDeleteFlow, YouthEditFlow
from conversations.flows.youth_mine import YouthMineFlow
from conversations.flows.youth_register import YouthRegisterFlow
from conversations.flows.youth_update import YouthUpdateFlow
from storage.calendar import EvaluationCalendar
from storage.models import RoleName
from storage.youth import load_youth_groups

__all__ = ["default_commands"]


def default_commands(
    *, calendar: EvaluationCalendar | None = None, bot_username: str | None = None, zalo_bot_link: str | None = None,
    web_base_url: str = DEFAULT_BASE_URL,
) -> list[Command]:
    """Return every command, in the order /trogiup lists them (`calendar`, `bot_username` and `zalo_bot_link`
    from settings)."""
    calendar = calendar or EvaluationCalendar()
    secretary = frozenset({RoleName.SECRETARY})
    commands: list[Command] = [
        Command(("batdau", "start"), JoinFlow(calendar), "help.start", midway=Midway.REPLACE),
        *_youth_commands(calendar),
        Command(("ngonngu", "language"), LanguageFlow(), "help.language", midway=Midway.ASIDE),
        Command(("huy", "cancel"), CancelFlow(), "help.cancel", midway=Midway.CANCEL),
    ]
    commands += [
        Command(("chidoan", "branch"), BranchFlow(calendar), "help.branch",
                roles=frozenset({RoleName.SECRETARY, RoleName.OFFICER})),
        Command(("danhgia", "evaluate"), EvaluateFlow(calendar), "help.evaluate", roles=secretary,
                midway=Midway.REPLACE),
        Command(("moi", "invite"), InviteFlow(bot_username, zalo_bot_link), "help.invite", roles=secretary),
        Command(("nhacnho", "remind"), RemindFlow(calendar), "help.remind", roles=secretary),
        Command(("chuyen", "transfer"), TransferFlow(calendar), "help.transfer", roles=secretary,
                midway=Midway.REPLACE),
        Command(("kiemtra", "inspect"), InspectFlow(), "inspect.help", roles=frozenset({RoleName.INSPECTOR}),
                midway=Midway.REPLACE),
        Command(("tatnhac", "mute"), NudgeSwitchFlow(on=False), "help.mute", members_only=True),
        Command(("batnhac", "unmute"), NudgeSwitchFlow(on=True), "help.unmute", members_only=True),
    ]
    commands += report_commands(calendar)
    commands += web_commands(web_base_url)
    commands.append(Command(("trogiup", "help"), HelpFlow(lambda: commands), "help.help"))
    return commands


def _youth_commands(calendar: EvaluationCalendar) -> list[Command]:
    groups = load_youth_groups()
    replace = Midway.REPLACE
    return [
        Command(("gioithieu", "introduce"), YouthRegisterFlow(groups, calendar), "youth.help_introduce",
                members_only=True, midway=replace),
        Command(("capnhat", "update"), YouthUpdateFlow(), "youth.help_update", members_only=True, midway=replace),
        Command(("cuatoi", "mine"), YouthMineFlow(), "youth.help_mine", members_only=True),
        Command(("sua", "edit"), YouthEditFlow(groups), "youth.help_edit", members_only=True, midway=replace),
        Command(("xoa", "delete"), YouthDeleteFlow(), "youth.help_delete", members_only=True, midway=replace),
        Command(("dulieu", "data"), DataExportFlow(groups), "privacy.help_data", members_only=True, midway=replace),
        Command(("rutdongy", "withdraw"), WithdrawConsentFlow(), "privacy.help_withdraw", members_only=True,
                midway=replace),
        Command(("toi", "me"), MeFlow(), "privacy.help_me", members_only=True, midway=replace),
    ]
