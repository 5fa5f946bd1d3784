"""/toi (/me): what the bot holds on the member asking, as a message and as a JSON file; from there they may
leave the Union on the bot and have their personal data erased.

Erasing blanks the member's name, phone, birth date and member number, unlinks their chats and takes their
roles; the young people they introduced stay in the reports as anonymous counts (introduced by a member who
left). It is written to the audit log as the export is.
"""

from __future__ import annotations

import enum
from typing import Any

from conversations.engine import Answer, Context, State, StepFlow, Turn
from conversations.flows.data import json_file
from conversations.messages import Reply
from storage import audit
from storage.identities import identities_of
from storage.models import Member
from storage.privacy import erase_member
from storage.units import unit_by_id
from storage.youth import Scope, youth_count, youth_page

__all__ = ["MeFlow"]

class Step(enum.StrEnum):
    SHOWN = "shown"
    CONFIRM = "confirm"


class Pick(enum.StrEnum):
    ERASE = "erase"
    YES = "yes"
    NO = "no"


class MeFlow(StepFlow):
    name = "privacy_me"

    async def start(self, ctx: Context, args: str) -> Turn:
        member = ctx.member
        assert member is not None and member.id is not None  # members_only
        held = await member_record(ctx, member)
        await audit.record(ctx.session, actor_member_id=member.id, action="privacy.self_exported",
                           target=f"member:{member.id}", at=ctx.now, unit_id=member.unit_id)
        unknown = ctx.t("youth.none")
        roles = ", ".join(ctx.t("privacy.role_line", role=ctx.t(f"privacy.role.{role}"), unit=unit.name)
                          for role, unit in ctx.roles)
        text = ctx.t("privacy.me", name=member.full_name, year=member.birth_year,
                     phone=member.phone or unknown, member_no=member.member_no or unknown,
                     branch=held["branch"]["name"] if held["branch"] else unknown, roles=roles or unknown,
                     chats=", ".join(chat["channel"] for chat in held["chats"]) or unknown,
                     introduced=ctx.t.number(len(held["introduced"])))
        file = json_file(f"du-lieu-cua-toi-{member.id}.json", held)
        choices = [ctx.choice("privacy.me_erase", Pick.ERASE), ctx.choice("privacy.me_keep", Pick.NO)]
        return Turn([Reply(text), Reply(ctx.t("privacy.me_file"), tuple(choices), attachment=file)],
                    self.at(Step.SHOWN))

    def accepts_text(self, step: str) -> bool:
        return False

    async def resume(self, ctx: Context, state: State, answer: Answer) -> Turn:
        if state.step == Step.SHOWN:
            if answer.choice != Pick.ERASE:
                return Turn([ctx.reply("cancel.done")])
            choices = [ctx.choice("privacy.me_erase_yes", Pick.YES), ctx.choice("privacy.me_erase_no", Pick.NO)]
            return Turn([ctx.reply("privacy.me_erase_confirm", choices=choices)], self.at(Step.CONFIRM))
        if answer.choice != Pick.YES:
            return Turn([ctx.reply("cancel.done")])
        member = ctx.member
        assert member is not None and member.id is not None
        await erase_member(ctx.session, member_id=member.id, on=ctx.today, at=ctx.now)
        await audit.record(ctx.session, actor_member_id=member.id, action="privacy.member_erased",
                           target=f"member:{member.id}", at=ctx.now, unit_id=member.unit_id)
        return Turn([ctx.reply("privacy.me_erased")])


async def member_record(ctx: Context, member: Member) -> dict[str, Any]:
    """Return everything held on `member`: their fields, branch, roles, chats and the young people they
    introduced (who they are to them, as /cuatoi shows)."""
    assert member.id is not None
    branch = await unit_by_id(ctx.session, unit_id=member.unit_id)
    mine = Scope(member.id)
    total = await youth_count(ctx.session, scope=mine, mine_only=True)
    introduced = await youth_page(ctx.session, scope=mine, offset=0, limit=total, mine_only=True) if total else []
    return {
        "id": member.id,
        "full_name": member.full_name,
        "birth_year": member.birth_year,
        "birth_date": member.birth_date,
        "gender": member.gender,
        "phone": member.phone,
        "member_no": member.member_no,
        "position": member.position,
        "status": member.status,
        "joined_at": member.joined_at.isoformat(),
        "branch": {"code": branch.code, "name": branch.name} if branch is not None else None,
        "roles": [{"role": role, "unit": unit.code} for role, unit in ctx.roles],
        "chats": [{"channel": chat.channel, "locale": chat.locale}
                  for chat in await identities_of(ctx.session, member_id=member.id)],
        "introduced": [{"id": row.id, "full_name": row.full_name, "birth_year": row.birth_year,
                        "status": row.status, "introduced_at": row.introduced_at.isoformat()}
                       for row in reversed(introduced)],
    }
