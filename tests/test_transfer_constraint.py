"""One pending transfer per member is held by the database (migration 0012): a second pending transfer of the same
member is refused whoever writes it, a decided one does not count, and upgrading a database that already holds two
keeps the earliest and withdraws the other."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.app import App
from storage.db import create_engine
from storage.models import AwareDateTime, Member, Unit
from storage.sealed import Sealer
from storage.transfers import create_transfer
from tests.conftest import TEST_SENSITIVE_KEY
from tests.test_sensitive_migration import _alembic, _insert_units_and_youth, empty_url  # noqa: F401 (a fixture)

AT = datetime(2026, 11, 20, 3, tzinfo=UTC)
TRANSFER = sa.table("transfer", sa.column("id"), sa.column("member_id"), sa.column("from_unit_id"),
                    sa.column("to_unit_id"), sa.column("status"), sa.column("requested_at", AwareDateTime()))


async def test_a_second_pending_transfer_of_a_member_is_refused_by_the_database(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        units = {u.code: u.id or 0 for u in (await session.exec(select(Unit))).all()}
        member = (await session.exec(select(Member).where(Member.unit_id == units["CD-KP1"]))).first()
        assert member is not None and member.id is not None
        first = await create_transfer(session, member_id=member.id, from_unit_id=units["CD-KP1"],
                                      to_unit_id=units["CD-KP2"], requested_by=None, now=AT)
    with pytest.raises(IntegrityError):
        async with demo.sessions() as session, session.begin():
            await create_transfer(session, member_id=member.id, from_unit_id=units["CD-KP1"],
                                  to_unit_id=units["CD-KP2"], requested_by=None, now=AT)
    async with demo.sessions() as session, session.begin():
        await session.exec(sa.update(TRANSFER).where(TRANSFER.c.id == first.id)  # type: ignore[call-overload]
                           .values(status="refused"))
        await create_transfer(session, member_id=member.id, from_unit_id=units["CD-KP1"],
                              to_unit_id=units["CD-KP2"], requested_by=None, now=AT)


def _two_pending_then_upgrade(connection: Connection) -> None:
    _alembic(connection, "upgrade", "0011_trigger_locks")
    _insert_units_and_youth(connection, [(None, None)])
    connection.execute(sa.text("INSERT INTO unit (id, code, name, kind, parent_id, path, active) "
                               "VALUES (3, 'CD2', 'Chi đoàn 2', 'branch', 1, '/1/3/', true)"))
    connection.execute(sa.insert(TRANSFER), [
        {"id": 1, "member_id": 1, "from_unit_id": 2, "to_unit_id": 3, "status": "pending", "requested_at": AT},
        {"id": 2, "member_id": 1, "from_unit_id": 2, "to_unit_id": 3, "status": "pending", "requested_at": AT},
        {"id": 3, "member_id": 1, "from_unit_id": 2, "to_unit_id": 3, "status": "refused", "requested_at": AT}])
    _alembic(connection, "upgrade", "0012_one_pending_transfer")
    statuses = connection.execute(sa.text("SELECT id, status FROM transfer ORDER BY id")).all()
    assert [tuple(row) for row in statuses] == [(1, "pending"), (2, "cancelled"), (3, "refused")]
    _alembic(connection, "downgrade", "0011_trigger_locks")
    connection.execute(sa.text("UPDATE transfer SET status = 'pending'"))  # no index any more
    _alembic(connection, "upgrade", "head")


async def test_upgrading_keeps_the_earliest_of_two_pending_transfers(empty_url: str) -> None:  # noqa: F811
    engine = create_engine(empty_url, sealer=Sealer([TEST_SENSITIVE_KEY]))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_two_pending_then_upgrade)
    finally:
        await engine.dispose()
