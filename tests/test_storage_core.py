"""The schema, the unit tree and the small storage pieces the engine stands on, asserted with SQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, text

from bot.app import App
from storage.db import reader_factory
from storage.invites import consume_invite, create_invite, invite_by_code
from storage.members import add_member, grant_role, roles_over_unit
from storage.models import UnitKind
from storage.rollups import ROLLUP_VIEWS
from storage.units import add_unit, subtree_units, unit_by_code
from storage.updates import CLAIM, claim_update
from tests.conftest import Clock


async def test_migrations_match_the_models(app: App) -> None:
    def tables_only(item: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        return not (kind == "table" and name in ROLLUP_VIEWS)  # views: not reflected as tables

    def diff(connection):
        context = MigrationContext.configure(connection, opts={"include_object": tables_only})
        return compare_metadata(context, SQLModel.metadata)

    async with app.db.connect() as connection:
        assert await connection.run_sync(diff) == []


async def test_start_applies_migrations_to_an_empty_database(app: App) -> None:
    async with app.db.connect() as connection:
        heads = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    assert heads and all(heads)
    await app.prepare()  # a second start is a no-op


async def test_subtree_is_exact_even_when_ids_share_a_prefix(app: App) -> None:
    async with app.sessions() as session, session.begin():
        root = await add_unit(session, code="R", name="Root", kind=UnitKind.PROVINCE)
        units = [await add_unit(session, code=f"U{i}", name=f"Unit {i}", kind=UnitKind.DISTRICT, parent=root)
                 for i in range(12)]
        # unit ids 2..13: "/1/2/" must not contain "/1/12/" or "/1/13/"
        child = await add_unit(session, code="C", name="Child", kind=UnitKind.BRANCH, parent=units[0])
        grandchild = await add_unit(session, code="G", name="Grandchild", kind=UnitKind.BRANCH, parent=child)
        other = await add_unit(session, code="O", name="Other", kind=UnitKind.BRANCH, parent=units[10])
        found = [unit.code for unit in await subtree_units(session, root=units[0])]
        assert found == ["U0", "C", "G"]
        assert grandchild.path == f"/1/{units[0].id}/{child.id}/{grandchild.id}/"
        assert [u.code for u in await subtree_units(session, root=units[10])] == ["U10", "O"]
        assert len(await subtree_units(session)) == 16
        assert other.parent_id == units[10].id


async def test_subtree_query_uses_the_path_index_on_postgres(app: App) -> None:
    async with app.sessions() as session:
        if session.bind.dialect.name != "postgresql":
            plan = (await session.exec(text(
                "EXPLAIN QUERY PLAN SELECT id FROM unit WHERE path >= '/1/' AND path < '/10'"))).all()
            assert any("ix_unit_path" in str(row) for row in plan)
            return
        await session.exec(text("SET enable_seqscan = off"))
        plan = (await session.exec(text(
            "EXPLAIN SELECT id FROM unit WHERE path >= '/1/' AND path < '/10'"))).all()
        assert any("ix_unit_path" in str(row) for row in plan)


async def test_role_applies_to_the_whole_subtree(demo: App) -> None:
    async with demo.sessions() as session, session.begin():
        district = await unit_by_code(session, code="QD-HB")
        branch = await unit_by_code(session, code="CD-KP1")
        far = await unit_by_code(session, code="CD-APD")
        officer = await add_member(session, full_name="Cán Bộ", birth_year=1990, unit_id=district.id,
                                   joined_at=demo.clock())
        await grant_role(session, member_id=officer.id, role="officer", unit_id=district.id)
        await grant_role(session, member_id=officer.id, role="officer", unit_id=district.id)  # idempotent
        assert await roles_over_unit(session, member_id=officer.id, unit=branch) == {"officer"}
        assert await roles_over_unit(session, member_id=officer.id, unit=far) == set()
        count = (await session.exec(text(f"SELECT count(*) FROM role WHERE member_id = {officer.id}"))).one()
        assert count == (1,)


async def test_invite_use_limit_and_expiry(app: App, clock: Clock) -> None:
    async with app.sessions() as session, session.begin():
        unit = await add_unit(session, code="B", name="Branch", kind=UnitKind.BRANCH)
        await create_invite(session, code="TWICE", unit_id=unit.id, role="member", max_uses=2,
                            expires_at=clock() + timedelta(hours=1), created_at=clock())
        assert await consume_invite(session, code="TWICE", now=clock())
        assert await consume_invite(session, code="TWICE", now=clock())
        assert not await consume_invite(session, code="TWICE", now=clock())
        await create_invite(session, code="LATE", unit_id=unit.id, role="member", max_uses=2,
                            expires_at=clock() + timedelta(hours=1), created_at=clock())
        assert not await consume_invite(session, code="LATE", now=clock() + timedelta(hours=2))
        assert (await invite_by_code(session, code="LATE")).uses == 0
        generated = await create_invite(session, unit_id=unit.id, role="member", max_uses=1,
                                        expires_at=clock() + timedelta(hours=1), created_at=clock())
        assert len(generated.code) == 8 and not set(generated.code) & set("01OIL")


async def test_update_ids_are_claimed_once_per_channel(app: App, clock: Clock) -> None:
    async with app.sessions() as session, session.begin():
        assert await claim_update(session, channel="telegram", update_id="7", now=clock())
        assert not await claim_update(session, channel="telegram", update_id="7", now=clock())
        assert await claim_update(session, channel="zalo", update_id="7", now=clock())


async def test_a_reader_mid_transaction_does_not_hold_up_a_writer(app: App) -> None:
    """The command menu's role check reads while updates write: a reader's open transaction must not take the
    write lock (on SQLite, BEGIN IMMEDIATE would make the writer wait out SQLite's busy handler)."""
    async with reader_factory(app.db)() as reading:
        await reading.exec(text("SELECT count(*) FROM unit"))  # its transaction is open until the block ends
        async with app.sessions() as writing:
            async def write() -> None:
                async with writing.begin():
                    await add_unit(writing, code="W", name="Written meanwhile", kind=UnitKind.PROVINCE)

            await asyncio.wait_for(write(), timeout=5)
    async with app.sessions() as session:
        assert await unit_by_code(session, code="W") is not None


def test_the_statements_every_update_runs_are_compiled_once() -> None:
    """SQLAlchemy compiles a statement once and reuses it by its cache key; a statement without one (the
    dialects' own INSERT constructs, in SQLAlchemy 2.0) is compiled again for every update that runs it."""
    from storage import chat_roles, dialog_state

    every_update = [CLAIM, dialog_state._INSERT, dialog_state._UPDATE, chat_roles._QUERY,
                    *(dialog_state._speaking_query(sqlite) for sqlite in (True, False))]
    assert all(statement._generate_cache_key() is not None for statement in every_update)
