"""The paged picker of young people in the caller's scope, shared by the youth dialogs: "y<id>" picks a young
person, "p<page>" turns the page. Short payloads keep Telegram's 64-byte callback limit with the engine's
version prefix."""

from __future__ import annotations

from conversations.engine import Answer, Context, State, Turn
from conversations.messages import Choice, Reply
from storage.models import Youth
from storage.youth import Scope, youth_count, youth_in_scope, youth_page

__all__ = ["PAGE_SIZE", "page_choices", "pick_from_page", "picker_payload", "picker_turn", "scope_of"]

PAGE_SIZE = 8
_ID_DIGITS = 9  # ids and page numbers in button payloads: within a 32-bit integer column


def scope_of(ctx: Context) -> Scope:
    assert ctx.member is not None and ctx.member.id is not None  # commands are members_only
    return Scope.of(ctx.member.id, ctx.roles)


async def picker_turn(ctx: Context, state: State, page: int, *, prompt: str) -> Turn:
    """Offer one page of the young people in the caller's scope; end the dialog if there are none."""
    scope = scope_of(ctx)
    total = await youth_count(ctx.session, scope=scope)
    if total == 0:
        return Turn([ctx.reply("youth.none_yet")])
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    rows = await youth_page(ctx.session, scope=scope, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    choices = [Choice(ctx.t("youth.pick_label", name=row.full_name, year=row.birth_year), f"y{row.id}")
               for row in rows]
    choices += page_choices(ctx, page, pages)
    text = ctx.t(prompt, total=ctx.t.number(total))
    if pages > 1:
        text += "\n" + ctx.t("youth.page_of", page=page + 1, pages=pages)
    return Turn([Reply(text, tuple(choices))], state)


def page_choices(ctx: Context, page: int, pages: int) -> list[Choice]:
    """Return the buttons to the previous and the next page ("p<page>"), where there is one."""
    choices = []
    if page > 0:
        choices.append(ctx.choice("youth.page_prev", f"p{page - 1}"))
    if page < pages - 1:
        choices.append(ctx.choice("youth.page_next", f"p{page + 1}"))
    return choices


def picker_payload(choice: str | None, kinds: str) -> tuple[str, int] | None:
    """Split a button payload such as "y12" or "p0" into its kind (one letter of `kinds`) and its number;
    None for anything else. Only ASCII digits, and few of them: "y²" or a thousand-digit number is refused
    here rather than failing in `int()` or in the database."""
    if not choice or choice[0] not in kinds:
        return None
    digits = choice[1:]
    if not (0 < len(digits) <= _ID_DIGITS and digits.isascii() and digits.isdigit()):
        return None
    return choice[0], int(digits)


async def pick_from_page(ctx: Context, state: State, answer: Answer, *, prompt: str) -> Youth | Turn:
    """Turn a picker answer into the young person (checked against the caller's scope again), or the
    next page, or a clear "not found" when the record is gone or out of scope."""
    picked = picker_payload(answer.choice, "py")
    if picked is None:
        return Turn([ctx.reply("engine.choose_one")], keep_state=True)
    kind, number = picked
    if kind == "p":
        return await picker_turn(ctx, state, number, prompt=prompt)
    youth = await youth_in_scope(ctx.session, youth_id=number, scope=scope_of(ctx), for_update=True)
    if youth is None:
        return Turn([ctx.reply("youth.not_found")])
    return youth
