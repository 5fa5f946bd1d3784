"""Alembic environment. The app passes an open connection in `config.attributes["connection"]`; the
`alembic` command line uses `DATABASE_URL` through the same settings as the app."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_settings() -> None:
    from bot.settings import Settings
    from storage.db import create_engine

    settings = Settings()
    engine = create_engine(settings.database_url, sealer=settings.sealer())
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_from_settings())
