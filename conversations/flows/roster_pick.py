"""The paged picker of a secretary's branch roster, for recording an introduction on behalf of a member who does
not use the bot: "m<id>" picks a member, "p<page>" turns the page (as `youth_pick` does for young people), and
typing the start of any word of a name ("son", "Khánh") lists the members it fits, which is quicker than paging
on a long roster. The branches are those the speaker is secretary of this turn, never anything a payload says.
"""

from __future__ import annotations

from conversations.engine import Answer, Context, State, Turn
from conversations.flows.youth_pick import PAGE_SIZE, page_choices, picker_payload
from conversations.messages import Choice, Reply
from storage.members import person_key
from storage.models import Member, RoleName, UnitKind
from storage.youth import RosterRow, roster_count, roster_matches, roster_member, roster_page

__all__ = ["pick_member", "roster_turn", "secretary_branch_ids"]

MEMBER, PAGE = "m", "p"


def secretary_branch_ids(ctx: Context) -> list[int]:
    """Return the branches where the speaker holds the secretary role, from the roles loaded this turn."""
    return [unit.id for role, unit in ctx.roles
            if role == RoleName.SECRETARY and unit.kind == UnitKind.BRANCH and unit.id is not None]


def _speaker_id(ctx: Context) -> int:
    assert ctx.member is not None and ctx.member.id is not None  # /gioithieu is members_only
    return ctx.member.id


def _member_choices(ctx: Context, rows: list[RosterRow]) -> list[Choice]:
    return [Choice(ctx.t("youth.pick_label", name=row.full_name, year=row.birth_year), f"{MEMBER}{row.id}")
            for row in rows]


async def roster_turn(ctx: Context, state: State, page: int, *, lead: str | None = None) -> Turn | None:
    """Offer one page of the speaker's branch roster (the speaker left out), after `lead` if given; None when
    nobody else is on it."""
    branches, speaker = secretary_branch_ids(ctx), _speaker_id(ctx)
    total = await roster_count(ctx.session, unit_ids=branches, exclude_id=speaker)
    if total == 0:
        return None
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    rows = await roster_page(ctx.session, unit_ids=branches, offset=page * PAGE_SIZE, limit=PAGE_SIZE,
                             exclude_id=speaker)
    parts = [lead] if lead else []
    parts.append(ctx.t("youth.roster_pick", total=ctx.t.number(total)))
    if pages > 1:
        parts.append(ctx.t("youth.page_of", page=page + 1, pages=pages))
    choices = _member_choices(ctx, rows) + page_choices(ctx, page, pages)
    return Turn([Reply("\n".join(parts), tuple(choices))], state)


async def _search(ctx: Context, state: State, typed: str) -> Turn:
    """List the members a typed name fits (at most a page, with a way back to the whole list)."""
    branches, speaker = secretary_branch_ids(ctx), _speaker_id(ctx)
    key = person_key(typed)
    rows = await roster_matches(ctx.session, unit_ids=branches, name_start=key, limit=PAGE_SIZE + 1,
                                exclude_id=speaker) if key else []
    if not rows:
        return await _whole_list(ctx, state, ctx.t("youth.roster_no_match"))
    key_text = "youth.roster_found_many" if len(rows) > PAGE_SIZE else "youth.roster_found"
    choices = [*_member_choices(ctx, rows[:PAGE_SIZE]), ctx.choice("youth.roster_all", f"{PAGE}0")]
    return Turn([Reply(ctx.t(key_text, shown=len(rows[:PAGE_SIZE])), tuple(choices))], state)


async def _whole_list(ctx: Context, state: State, lead: str) -> Turn:
    """Show the first page after `lead`; end the dialog when the roster has emptied meanwhile."""
    return await roster_turn(ctx, state, 0, lead=lead) or Turn([ctx.reply("youth.roster_empty_now")])


async def pick_member(ctx: Context, state: State, answer: Answer) -> Member | Turn:
    """Turn an answer at the roster into the member picked (checked against the speaker's branches again), or
    the next page, or the members a typed name fits, or a clear word that the member is no longer on the roster.
    """
    if answer.choice is None:
        return await _search(ctx, state, answer.text or "")
    picked = picker_payload(answer.choice, MEMBER + PAGE)
    if picked is None:
        return Turn([ctx.reply("engine.choose_one")], keep_state=True)
    kind, number = picked
    if kind == PAGE:
        return await roster_turn(ctx, state, number) or Turn([ctx.reply("youth.roster_empty_now")])
    member = await roster_member(ctx.session, member_id=number, unit_ids=secretary_branch_ids(ctx))
    if member is None or member.id == _speaker_id(ctx):
        return await _whole_list(ctx, state, ctx.t("youth.roster_gone"))
    return member
