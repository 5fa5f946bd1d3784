"""Tables of Bot 1+1. The schema itself is created by the Alembic migrations in `migrations/`."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, String, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "Audit",
    "AwareDateTime",
    "ChatIdentity",
    "Conversation",
    "Invite",
    "Member",
    "MemberStatus",
    "ProcessedUpdate",
    "Role",
    "RoleName",
    "Unit",
    "UnitKind",
]

# Materialized paths compare byte by byte: PostgreSQL needs the "C" collation so that a range scan on the
# index finds exactly one subtree; SQLite's default BINARY collation already does that.
PATH_TYPE = String(255).with_variant(String(255, collation="C"), "postgresql")


class AwareDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp on every database: SQLite keeps no offset, so values are stored in UTC
    and read back as UTC. A naive datetime is a bug and is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to an aware column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _aware(**kwargs: Any) -> Any:
    return Field(sa_column=Column(AwareDateTime(), **kwargs))


class UnitKind(enum.StrEnum):
    """Level of a unit in the Youth Union tree. Depth is data: any kind may sit under any other."""

    PROVINCE = "province"
    DISTRICT = "district"
    GRASSROOTS = "grassroots"
    BRANCH = "branch"


class RoleName(enum.StrEnum):
    """What an invite or a role grants; every role applies to its unit's whole subtree."""

    MEMBER = "member"
    SECRETARY = "secretary"
    OFFICER = "officer"
    INSPECTOR = "inspector"
    ADMIN = "admin"


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    TRANSFERRED = "transferred"
    LEFT = "left"


class Unit(SQLModel, table=True):
    """A node of the organisation tree; `path` is `/1/5/23/`, the ids from the root down to this unit."""

    __tablename__ = "unit"
    __table_args__ = (Index("ix_unit_path", "path"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    path: str = Field(default="", sa_type=PATH_TYPE)
    active: bool = True


class Member(SQLModel, table=True):
    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=100)
    birth_year: int
    gender: str | None = Field(default=None, max_length=8)
    phone: str | None = Field(default=None, max_length=16)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    status: str = Field(default=MemberStatus.ACTIVE, max_length=16)
    joined_at: datetime = _aware(nullable=False)


class Role(SQLModel, table=True):
    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("member_id", "role", "unit_id", name="uq_role"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    role: str = Field(max_length=16)
    unit_id: int = Field(foreign_key="unit.id", index=True)


class ChatIdentity(SQLModel, table=True):
    """One person on one channel; exists before onboarding so that the chosen language is remembered."""

    __tablename__ = "chat_identity"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_chat_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    chat_id: str = Field(max_length=64)
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    locale: str | None = Field(default=None, max_length=8)
    reachable: bool = True
    created_at: datetime = _aware(nullable=False)


class Invite(SQLModel, table=True):
    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(default=RoleName.MEMBER, max_length=16)
    expires_at: datetime = _aware(nullable=False)
    max_uses: int = 1
    uses: int = 0
    created_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = _aware(nullable=False)


class Conversation(SQLModel, table=True):
    """Where one identity stands in one dialog; written after every step, so a restart loses nothing."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_conversation"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    version: int = 0
    expires_at: datetime = _aware(nullable=False)


class ProcessedUpdate(SQLModel, table=True):
    """Platform update ids already handled, so that a redelivered update is acknowledged and ignored."""

    __tablename__ = "processed_update"

    channel: str = Field(max_length=16, primary_key=True)
    update_id: str = Field(max_length=64, primary_key=True)
    processed_at: datetime = _aware(nullable=False, index=True)


class Audit(SQLModel, table=True):
    """Who did what to which record id. Never holds personal data."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    actor_member_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=48)
    target: str = Field(max_length=64)
    at: datetime = _aware(nullable=False, index=True)
