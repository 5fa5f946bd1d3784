"""Which unit a speaker acts for, read from the roles the engine loaded for this turn (never from what was
typed or pressed)."""

from __future__ import annotations

from conversations.engine import Context
from conversations.text import nfc
from storage.models import RoleName, UnitKind

__all__ = ["secretary_branch"]


def secretary_branch(ctx: Context, args: str) -> tuple[int, str] | str:
    """Return (unit id, name) of the branch the speaker is secretary of (the one named by code in `args` when
    they have several), or the catalog key explaining why there is none. Only the speaker's own roles count."""
    branches = [(u.id, u.name, u.code) for role, u in ctx.roles
                if role == RoleName.SECRETARY and u.kind == UnitKind.BRANCH and u.id is not None]
    wanted = nfc(args).upper()
    if wanted:
        branches = [b for b in branches if b[2] == wanted]
        if not branches:
            return "evaluation.not_your_branch"
    if not branches:
        return "evaluation.no_branch"
    if len(branches) > 1:
        return "evaluation.which_branch"
    return branches[0][0], branches[0][1]
