"""Tables of Bot 1+1. The schema itself is created by the Alembic migrations in `migrations/`."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from storage.sealed import Sealed, SealedJSON

__all__ = [
    "Audit",
    "AwareDateTime",
    "ChatIdentity",
    "Conversation",
    "Evaluation",
    "EvaluationLine",
    "Gender",
    "IntegrityFlag",
    "Invite",
    "LeftReason",
    "LoginLink",
    "Member",
    "MemberPosition",
    "MemberStatus",
    "Outbox",
    "OutboxStatus",
    "Participation",
    "ParticipationKind",
    "ProcessedUpdate",
    "ReportGroup",
    "ReportGroupBase",
    "ReportGroupPending",
    "ReportRollup",
    "ReportRollupBase",
    "ReportRollupPending",
    "ReportUnit",
    "ReportUnitBase",
    "ReportUnitPending",
    "Role",
    "RoleName",
    "SharedFile",
    "Survey",
    "Target",
    "TargetMetric",
    "Transfer",
    "TransferStatus",
    "Unit",
    "UnitKind",
    "Youth",
    "YouthStatus",
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


def _counted() -> Any:
    """Whether the row is in the report rollups yet (storage/rollups.py). The application never sets it: left
    None, the ORM leaves the column out of its INSERT and the database's default applies, which migration 0014
    sets per database: false on PostgreSQL, where inserts run no trigger and the fold job counts the rows (reports
    add what is not counted yet); true on SQLite, where the triggers count every row as it is written."""
    return Field(default=None, sa_column=Column(Boolean, nullable=False, server_default=text("false")))


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
    """Only ACTIVE members are the roster that reports count (the 1+1 denominator)."""

    ACTIVE = "active"  # on the branch's roster: imported, matched at joining, or confirmed by the secretary
    PENDING = "pending"  # joined "chưa có trong danh sách": uses the bot, counted once the secretary confirms
    STAFF = "staff"  # an officer's or inspector's record at an upper unit: holds roles, is no branch's member
    LEFT = "left"  # no longer in the Union or the branch (left_reason, left_on); their history stays


class MemberPosition(enum.StrEnum):
    """`Chức vụ` on a roster: a secretary row grants the secretary role."""

    SECRETARY = "secretary"
    DEPUTY = "deputy"
    MEMBER = "member"


class LeftReason(enum.StrEnum):
    MATURED = "matured"  # trưởng thành Đoàn
    LEFT_UNION = "left_union"  # ra khỏi Đoàn
    MISSING = "missing"  # absent from a roster re-imported with --mark-missing-inactive
    REJECTED = "rejected"  # joined as not on the roster; the secretary said they are not of the branch


class TransferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CANCELLED = "cancelled"


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
    # Set when the unit was merged into another (kept, deactivated, with its history); no foreign key, so
    # that SQLite adds the column without rebuilding the table and its triggers.
    merged_into_id: int | None = None


class Member(SQLModel, table=True):
    """A union member on a branch's roster (or an officer's record, status STAFF). `name_key` is the folded
    name (storage.members.person_key) a roster row and a person joining are matched by."""

    __tablename__ = "member"
    __table_args__ = (
        Index("ix_member_unit_name", "unit_id", "name_key"),
        Index("ix_member_phone", "phone"),
        Index("uq_member_no", "member_no", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=100)
    name_key: str = Field(default="", max_length=100, sa_column_kwargs={"server_default": ""})
    birth_year: int
    birth_date: date | None = None
    gender: str | None = Field(default=None, max_length=8)
    phone: str | None = Field(default=None, max_length=16)
    member_no: str | None = Field(default=None, max_length=20)
    position: str | None = Field(default=None, max_length=16)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    status: str = Field(default=MemberStatus.ACTIVE, max_length=16)
    left_reason: str | None = Field(default=None, max_length=16)
    left_on: date | None = None
    joined_at: datetime = _aware(nullable=False)
    nudges: bool = True
    # Set when the member left and had their personal data erased (/toi): name, phone, birth date and member
    # number are blanked, their introductions stay as anonymous counts.
    erased_at: datetime | None = _aware(nullable=True)


class Transfer(SQLModel, table=True):
    """A member's move to another branch (chuyển sinh hoạt): pending until the receiving secretary accepts
    or refuses; meanwhile the member stays, and counts, in the branch they leave."""

    __tablename__ = "transfer"
    __table_args__ = (
        Index("ix_transfer_to_status", "to_unit_id", "status"),
        # At most one pending transfer per member, whoever writes.
        Index("uq_transfer_pending_member", "member_id", unique=True, sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    from_unit_id: int = Field(foreign_key="unit.id")
    to_unit_id: int = Field(foreign_key="unit.id")
    status: str = Field(default=TransferStatus.PENDING, max_length=16)
    requested_by: int | None = Field(default=None, foreign_key="member.id")
    requested_at: datetime = _aware(nullable=False)
    decided_by: int | None = Field(default=None, foreign_key="member.id")
    decided_at: datetime | None = _aware(nullable=True)


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
    # Sealed (storage/sealed.py): a dialog under way holds personal answers not yet saved.
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(SealedJSON, nullable=False))
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
    # The unit the record belongs to, so that `bot11 admin audit --unit` lists a subtree's requests.
    unit_id: int | None = Field(default=None, index=True)


# --- The "1+1" domain: young people introduced, their participation, evaluations, surveys, targets, pushes.


class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"


class YouthStatus(enum.StrEnum):
    """introduced → participating → joined_hoi / admitted; or stopped. Never goes backwards by accident."""

    INTRODUCED = "introduced"
    PARTICIPATING = "participating"
    JOINED_HOI = "joined_hoi"
    ADMITTED = "admitted"
    STOPPED = "stopped"


class ParticipationKind(enum.StrEnum):
    ACTIVITY = "activity"
    JOINED_HOI = "joined_hoi"
    ADMITTED = "admitted"
    STOPPED = "stopped"
    NOTE = "note"


class Youth(SQLModel, table=True):
    """A young person a member introduced. Personal data lives only here and in `participation`; deleting
    the row removes it. `name_key` is the folded name used to spot the same person registered twice."""

    __tablename__ = "youth"
    __table_args__ = (
        Index("ix_youth_dup", "name_key", "birth_year"),
        Index("ix_youth_unit_status", "unit_id", "status"),
        Index("ix_youth_uncounted", "id", postgresql_where=text("NOT counted"), sqlite_where=text("NOT counted")),
    )

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=100)
    name_key: str = Field(max_length=100)
    birth_year: int
    gender: str = Field(max_length=8)
    phone: str | None = Field(default=None, max_length=16, unique=True)
    group_code: str = Field(max_length=32)
    introduced_to: str = Field(max_length=16)
    # Sensitive, optional: codes from storage/ethnic_groups.toml and storage/religions.toml (storage/sensitive.py),
    # stored sealed with SENSITIVE_KEYS (storage/sealed.py).
    ethnicity: str | None = Field(default=None, sa_type=Sealed)
    religion: str | None = Field(default=None, sa_type=Sealed)
    introduced_by: int = Field(foreign_key="member.id", index=True)
    # Who wrote the record when not the introducer (a secretary recording on behalf of a member); no foreign
    # key so that SQLite adds the column without rebuilding the table and its triggers.
    recorded_by: int | None = None
    unit_id: int = Field(foreign_key="unit.id")  # looked up by ix_youth_unit_status (unit_id, status)
    introduced_at: datetime = _aware(nullable=False, index=True)
    consent_at: datetime = _aware(nullable=False)
    # Under 16 at registration: who agreed for them (a ConsentBy value: parent, guardian); None when the person
    # agreed themselves.
    consent_by: str | None = Field(default=None, max_length=16)
    status: str = Field(default=YouthStatus.INTRODUCED, max_length=16)
    status_at: datetime = _aware(nullable=False)
    notes: str | None = Field(default=None, max_length=1000)
    # Last time anything about the person was written (registration, edit, event): retention counts from here.
    updated_at: datetime | None = _aware(nullable=True, index=True)
    # Set when the personal data was erased (consent withdrawn, retention): the row stays for the counts.
    anonymised_at: datetime | None = _aware(nullable=True)
    counted: bool | None = _counted()


class Participation(SQLModel, table=True):
    """One event in a young person's participation; the youth's status follows these events."""

    __tablename__ = "participation"
    __table_args__ = (
        Index("ix_participation_uncounted", "id", postgresql_where=text("NOT counted"),
              sqlite_where=text("NOT counted")),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    on_date: date
    activity: str | None = Field(default=None, max_length=200)
    decision_no: str | None = Field(default=None, max_length=40)
    note: str | None = Field(default=None, max_length=1000)
    recorded_by: int = Field(foreign_key="member.id")
    recorded_at: datetime = _aware(nullable=False)
    counted: bool | None = _counted()


class IntegrityFlag(SQLModel, table=True):
    """Something an inspector should look at (same person claimed twice, a burst of registrations...).
    Holds record ids and a machine-readable kind, no personal data."""

    __tablename__ = "integrity_flag"
    # A member's recent flags of one kind: how many phones already registered elsewhere they were refused.
    __table_args__ = (Index("ix_integrity_flag_member", "member_id", "kind", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    member_id: int | None = Field(default=None, foreign_key="member.id")
    youth_id: int | None = Field(default=None, index=True)
    other_youth_id: int | None = None
    answer: str | None = Field(default=None, max_length=16)
    created_at: datetime = _aware(nullable=False)
    # What the check found, never personal data (say "12 in one day", "stated 100%, recorded 40%").
    detail: str | None = Field(default=None, max_length=200)
    # One flag per finding of a detection job (say `burst:member:12:2026-11-26`); None for flags kept inline.
    dedupe_key: str | None = Field(default=None, max_length=96, unique=True)
    # The inspector's review: a FlagReview value ("đúng", "sai, đã sửa", "cần xác minh"), a note, who, when.
    review: str | None = Field(default=None, max_length=16)
    review_note: str | None = Field(default=None, max_length=500)
    reviewed_by: int | None = None
    reviewed_at: datetime | None = _aware(nullable=True)


class Evaluation(SQLModel, table=True):
    """A branch's semiannual evaluation of "1+1" for a period such as `2026-H1`; a draft until submitted."""

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("period", "unit_id", name="uq_evaluation"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=8, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    submitted_by: int | None = Field(default=None, foreign_key="member.id")
    submitted_at: datetime | None = _aware(nullable=True)
    updated_at: datetime = _aware(nullable=False)
    lessons: str | None = Field(default=None, max_length=4000)
    difficulties: str | None = Field(default=None, max_length=4000)
    proposals: str | None = Field(default=None, max_length=4000)


class EvaluationLine(SQLModel, table=True):
    """One member's 1+1 result in an evaluation: computed from the data, confirmed or corrected."""

    __tablename__ = "evaluation_line"
    __table_args__ = (UniqueConstraint("evaluation_id", "member_id", name="uq_evaluation_line"),)

    id: int | None = Field(default=None, primary_key=True)
    evaluation_id: int = Field(foreign_key="evaluation.id", index=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id")
    introduced: int = 0
    fulfilled: bool = False
    corrected: bool = False
    reason: str | None = Field(default=None, max_length=500)
    propose_admission_youth_id: int | None = None


class Survey(SQLModel, table=True):
    """The area survey of a branch for a period: how many young people, which clubs and groups exist."""

    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("period", "unit_id", name="uq_survey"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=8, index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    youth_population: int
    youth_reached: int | None = None
    groups: int = 0
    groups_note: str | None = Field(default=None, max_length=1000)
    recorded_by: int | None = Field(default=None, foreign_key="member.id")
    recorded_at: datetime = _aware(nullable=False)


class TargetMetric(enum.StrEnum):
    ADMISSIONS = "admissions"
    JOINED_HOI = "joined_hoi"
    INTRODUCED = "introduced"


class Target(SQLModel, table=True):
    """A quota (chỉ tiêu) for a unit and year, set by the officers of its parent."""

    __tablename__ = "target"
    __table_args__ = (UniqueConstraint("unit_id", "year", "metric", name="uq_target"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    year: int
    metric: str = Field(max_length=16)
    value: int
    set_by: int | None = Field(default=None, foreign_key="member.id")
    set_at: datetime = _aware(nullable=False)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    DROPPED = "dropped"  # no longer true when its turn came (the branch submitted meanwhile...): never sent


class Outbox(SQLModel, table=True):
    """One intended push; `dedupe_key` is unique, so enqueuing the same message twice is a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "channel", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=160, unique=True)
    channel: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    not_before: datetime = _aware(nullable=False)
    attempts: int = 0
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _aware(nullable=False)
    sent_at: datetime | None = _aware(nullable=True)


# --- Report rollups (issue 6): per-unit counts kept exact by triggers; see storage/rollups.py.


def _count() -> Any:
    # Triggers insert only the columns they change; the others start at 0 in the database too.
    return Field(default=0, sa_column_kwargs={"server_default": "0"})


class RollupCounts(SQLModel):
    """The counts of a `report_rollup` row."""

    introduced: int = _count()
    fulfilled: int = _count()
    male: int = _count()
    female: int = _count()
    other_gender: int = _count()
    age_under_16: int = _count()
    age_16_18: int = _count()
    age_19_24: int = _count()
    age_25_30: int = _count()
    age_over_30: int = _count()
    minority: int = _count()
    religious: int = _count()
    participating: int = _count()
    joined_hoi: int = _count()
    admitted: int = _count()


class ReportRollup(RollupCounts, table=True):
    """Counts of the young people registered in one unit's subtree, for one period (`2026-H1`, `2026-H2`,
    `2026`). A view (storage/rollups.py `view_sql`): the base counts plus what is pending. Read only."""

    __tablename__ = "report_rollup"

    unit_id: int = Field(primary_key=True)
    period: str = Field(max_length=8, primary_key=True)


class ReportRollupBase(RollupCounts, table=True):
    """The folded counts behind `report_rollup`, one row per unit of the subtree and period."""

    __tablename__ = "report_rollup_base"
    __table_args__ = (Index("ix_report_rollup_base_period", "period", "unit_id"),)

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    period: str = Field(max_length=8, primary_key=True)


class ReportRollupPending(RollupCounts, table=True):
    """A change of one unit's own counts not folded into `report_rollup_base` yet (PostgreSQL's triggers append
    these instead of updating every row up the tree; a job folds them every few seconds)."""

    __tablename__ = "report_rollup_pending"

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"),
                                                          primary_key=True, autoincrement=True))
    unit_id: int  # no foreign key: a row lives seconds, and checking one would lock the unit's row
    period: str = Field(max_length=8)


class GroupCount(SQLModel):
    n: int = _count()


class ReportGroup(GroupCount, table=True):
    """Young people registered in one unit's subtree in one period, by group (a view, read only)."""

    __tablename__ = "report_group"

    unit_id: int = Field(primary_key=True)
    period: str = Field(max_length=8, primary_key=True)
    group_code: str = Field(max_length=32, primary_key=True)


class ReportGroupBase(GroupCount, table=True):
    __tablename__ = "report_group_base"

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    period: str = Field(max_length=8, primary_key=True)
    group_code: str = Field(max_length=32, primary_key=True)


class ReportGroupPending(GroupCount, table=True):
    __tablename__ = "report_group_pending"

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"),
                                                          primary_key=True, autoincrement=True))
    unit_id: int  # no foreign key: a row lives seconds, and checking one would lock the unit's row
    period: str = Field(max_length=8)
    group_code: str = Field(max_length=32)


class UnitCounts(SQLModel):
    members: int = _count()
    engaged: int = _count()


class ReportUnit(UnitCounts, table=True):
    """Active members of one unit's subtree, and its young people taking part (participating, in Hội,
    admitted). A view, read only."""

    __tablename__ = "report_unit"

    unit_id: int = Field(primary_key=True)


class ReportUnitBase(UnitCounts, table=True):
    __tablename__ = "report_unit_base"

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class ReportUnitPending(UnitCounts, table=True):
    __tablename__ = "report_unit_pending"

    id: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"),
                                                          primary_key=True, autoincrement=True))
    unit_id: int  # no foreign key: a row lives seconds, and checking one would lock the unit's row


# --- Officers on the web (issue 11).


class LoginLink(SQLModel, table=True):
    """A one-time link to the web pages that /web gave a chat identity: only the SHA-256 of its token is kept;
    it works once (`used_at`), until `expires_at`."""

    __tablename__ = "login_link"
    __table_args__ = (Index("ix_login_link_identity", "identity_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    identity_id: int = Field(foreign_key="chat_identity.id")
    created_at: datetime = _aware(nullable=False)
    expires_at: datetime = _aware(nullable=False)
    used_at: datetime | None = _aware(nullable=True)


class SharedFile(SQLModel, table=True):
    """A file sent by link rather than uploaded (Zalo takes a photo only by URL): kept until `expires_at` and
    served at a signed `/f/` link (bot.web)."""

    __tablename__ = "shared_file"

    id: int | None = Field(default=None, primary_key=True)
    filename: str = Field(max_length=100)
    mime_type: str = Field(max_length=100)
    content: bytes
    created_at: datetime = _aware(nullable=False)
    expires_at: datetime = _aware(nullable=False, index=True)
