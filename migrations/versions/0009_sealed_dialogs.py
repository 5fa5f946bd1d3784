"""sealed dialogs: what a dialog under way holds (`conversation.data`, say a registration's name, phone, ethnicity
and religion before it is saved) is stored as one Fernet token, kept as a JSON string (storage/sealed.py,
SealedJSON), so that a copy of the database taken mid-dialog reveals none of it

Revision ID: 0009_sealed_dialogs
Revises: 0008_sealed

The column stays of type JSON. Existing dialogs are sealed with the key of the engine that runs the migration,
as 0008_sealed seals the young people's values; without a key the migration refuses when a dialog is under way,
and changes nothing. Downgrading opens them again. This text is frozen: nothing is imported from storage/.
"""

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0009_sealed_dialogs'
down_revision = '0008_sealed'
branch_labels = None
depends_on = None

_DIALOGS = sa.table('conversation', sa.column('id', sa.Integer()), sa.column('data', sa.JSON()))
_NO_KEY = ("migration 0009_sealed_dialogs: dialogs are under way and this engine has no SENSITIVE_KEYS to seal "
           "them with; set SENSITIVE_KEYS (`bot11 admin new-key`) and migrate again")


def _rewrite(change: Callable[[Any, Any], Any]) -> None:
    bind = op.get_bind()
    rows = list(bind.execute(sa.select(_DIALOGS.c.id, _DIALOGS.c.data)))
    if not rows:
        return
    sealer = getattr(bind.dialect, 'bot11_sealer', None)
    if sealer is None:
        raise RuntimeError(_NO_KEY)
    for row_id, data in rows:
        bind.execute(sa.update(_DIALOGS).where(_DIALOGS.c.id == row_id).values(data=change(sealer, data)))


def _seal(sealer: Any, data: Any) -> Any:
    return data if isinstance(data, str) else sealer.seal(json.dumps(data, ensure_ascii=False, separators=(',', ':')))


def _open(sealer: Any, data: Any) -> Any:
    return json.loads(sealer.open(data)) if isinstance(data, str) else data


def upgrade() -> None:
    _rewrite(_seal)


def downgrade() -> None:
    _rewrite(_open)
