"""The service catalog: what can be applied for, in which district, decided by which policy."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey


class Service(UUIDPrimaryKey, Timestamps, Base):
    """One service of one district. Form and materials are data so admins can edit them."""

    __tablename__ = "service"
    __table_args__ = (
        UniqueConstraint("district", "code"),
        CheckConstraint("time_limit_days BETWEEN 1 AND 20", name="time_limit_days"),
    )

    code: Mapped[str] = mapped_column(String(60))
    district: Mapped[str] = mapped_column(String(20), index=True)
    department: Mapped[str] = mapped_column(String(40))
    policy_id: Mapped[str | None] = mapped_column(String(80))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(String(2000))
    description_en: Mapped[str] = mapped_column(String(2000))
    # [{"fact": "highest_degree", ...} | {"id": "...", "type": ..., "label_zh": ...}]
    form: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    # [{"code": "degree_certificate", "name_zh": ..., "key": true, "when": "CEL or null"}]
    materials: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    time_limit_days: Mapped[int]  # 承诺时限, working days
    allows_missing_materials: Mapped[bool] = mapped_column(default=False)  # 容缺受理
    allows_commitment: Mapped[bool] = mapped_column(default=False)  # 告知承诺
    needs_employer_confirmation: Mapped[bool] = mapped_column(default=False)
    # 四眼原则: whoever reviewed a case does not approve or reject it, unless the district's
    # admin relaxes that for this service (shown on every case of it).
    reviewer_may_decide: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_active: Mapped[bool] = mapped_column(default=True)
    # A benefit one person holds once at a time (one open application, one current enrolment),
    # whichever district's service grants it; None for services applied for as often as needed.
    benefit: Mapped[str | None] = mapped_column(String(40))
    # Set on the department steps of a bundle and on a service card holder's requests: they
    # are never applied for on their own (the bundle or the card opens them).
    part_of: Mapped[str | None] = mapped_column(String(60))
    # Retention rules per result, as the district's admins set them; None: the shipped rule
    # set the catalog names for the service (app/catalog/retention.yaml).
    retention: Mapped[dict[str, object] | None] = mapped_column(JSON)
    # How an approved case is paid through finance (``app.workflow.grants.PaymentKind``):
    # "one_off" for one payment of the decided amount; None when finance pays nothing.
    payment: Mapped[str | None] = mapped_column(String(20))
    # Filed by an organisation's users (employer workspace), never by a person.
    for_organisations: Mapped[bool] = mapped_column(default=False, server_default=false())
    version: Mapped[int] = mapped_column(default=1)


class CalendarDay(Base):
    """An exception to the Monday–Friday rule: a holiday, or a 调休 make-up working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    source: Mapped[str] = mapped_column(String(20))  # package | admin
    note: Mapped[str | None] = mapped_column(String(200))


class CalendarRevision(Base):
    """One row counting the changes to ``calendar_day``. Triggers bump it on every insert,
    update or delete, whoever makes them, so a calendar kept in a worker's memory is known to
    be current when the revision it was read at is still the database's."""

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
