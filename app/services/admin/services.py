"""The service catalog as district admins edit it: names, time limits, 容缺/告知承诺, materials
and the conditions that make a material apply, offered or not. The system administrator
manages accounts only (MLPS three roles) and cannot edit a district's catalog."""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from app.i18n import N_
from app.models import Service
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import cel
from app.rules.facts import FACTS, validate_facts
from app.schemas.retention import RetentionRuleEdit, RetentionRuleRead
from app.schemas.text import CleanInput
from app.services import audit
from app.services import settlement as bundles
from app.services.catalog import shipped_materials
from app.services.retention import rules as retention_rules


class MaterialEdit(BaseModel):
    """One material of a service: a code of the shipped material list (its names, kind and
    outside-system check come from there), whether it is key, and when it is asked."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str = Field(min_length=1, max_length=60)
    key: bool = False
    when: str | None = Field(default=None, max_length=200)


class ServiceUpdate(CleanInput):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name_zh: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    description_zh: str | None = Field(default=None, max_length=2000)
    description_en: str | None = Field(default=None, max_length=2000)
    time_limit_days: int | None = Field(default=None, ge=1, le=20)
    allows_missing_materials: bool | None = None
    allows_commitment: bool | None = None
    needs_employer_confirmation: bool | None = None
    reviewer_may_decide: bool | None = None
    is_active: bool | None = None
    materials: list[MaterialEdit] | None = Field(default=None, max_length=30)
    # Retention rules by result (or "default"); the results not named keep their rule.
    retention: dict[str, RetentionRuleEdit] | None = Field(default=None, max_length=8)


class AdminServiceRead(BaseModel):
    """A service as its district's admins edit it: both languages, inactive ones included."""

    id: uuid.UUID
    code: str
    district: str
    department: str
    policy_id: str | None
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    time_limit_days: int
    allows_missing_materials: bool
    allows_commitment: bool
    needs_employer_confirmation: bool
    reviewer_may_decide: bool
    is_active: bool
    is_bundle_step: bool
    materials: list[dict[str, Any]]
    retention: list[RetentionRuleRead]
    # False while the shipped rule set applies (its figures may be marked assumed).
    retention_customised: bool
    version: int


def _admin_view(service: Service) -> AdminServiceRead:
    return AdminServiceRead(
        id=service.id,
        code=service.code,
        district=service.district,
        department=service.department,
        policy_id=service.policy_id,
        name_zh=service.name_zh,
        name_en=service.name_en,
        description_zh=service.description_zh,
        description_en=service.description_en,
        time_limit_days=service.time_limit_days,
        allows_missing_materials=service.allows_missing_materials,
        allows_commitment=service.allows_commitment,
        needs_employer_confirmation=service.needs_employer_confirmation,
        reviewer_may_decide=service.reviewer_may_decide,
        is_active=service.is_active,
        is_bundle_step=service.part_of is not None,
        materials=list(service.materials),
        retention=retention_rules.rules_read(service),
        retention_customised=service.retention is not None,
        version=service.version,
    )


# The conditions the application pages evaluate (``applications.material_needed``): one input
# fact compared with one literal. Anything richer would be silently treated as "always asked".
_CONDITION = re.compile(r"""^([a-z][a-z0-9_]*)\s*(==|!=)\s*(?:'([^'"]*)'|"([^'"]*)")$""")


_COMPARABLE = {"enum", "country", "string", "bool"}


def condition_problem(when: str) -> str | None:
    """Why a material's ``when`` condition is refused (a msgid), or None when it is valid."""
    match = _CONDITION.match(when.strip())
    if match is None:
        return N_("Write the condition as fact == 'value' or fact != 'value'.")
    fact, _op, single, double = match.groups()
    value = single if single is not None else double
    spec = FACTS.get(fact)
    if spec is None or spec.derived:
        return N_("The condition names a fact the forms do not ask.")
    if spec.type not in _COMPARABLE:
        return N_("A condition can compare only a choice, country, text or yes/no fact.")
    if spec.type == "bool":
        return (
            None
            if value in ("true", "false")
            else N_("Compare a yes/no fact with 'true' or 'false'.")
        )
    try:
        cel.parse(f"{fact} == {value!r}")
    except cel.CelError:
        return N_("Write the condition as fact == 'value' or fact != 'value'.")
    checked = validate_facts({fact: value})
    if not checked.ok:
        return N_("The value in the condition is not one the fact can take.")
    return None


def _material_rows(edits: list[MaterialEdit]) -> list[dict[str, object]]:
    shipped = shipped_materials()
    problems: list[FieldError] = []
    seen: set[str] = set()
    rows: list[dict[str, object]] = []
    for i, edit in enumerate(edits):
        spec = shipped.get(edit.code)
        if spec is None:
            problems.append(
                FieldError(
                    f"materials.{i}.code",
                    "unknown_material",
                    N_("Choose a material from the list."),
                )
            )
            continue
        if edit.code in seen:
            problems.append(
                FieldError(
                    f"materials.{i}.code", "duplicate", N_("Each material can be listed only once.")
                )
            )
            continue
        seen.add(edit.code)
        when = edit.when or None
        problem = condition_problem(when) if when else None
        if problem:
            problems.append(FieldError(f"materials.{i}.when", "invalid_condition", problem))
            continue
        rows.append({"code": edit.code, **spec.model_dump(), "key": edit.key, "when": when})
    if problems:
        raise ValidationFailed(field_errors=problems)
    return rows


def _retention(edits: dict[str, RetentionRuleEdit]) -> dict[str, object]:
    """The service's whole rule set: a rule per result named, and the default for the rest."""
    problems = [
        FieldError(f"retention.{key}", "unknown_result", N_("Choose a result from the list."))
        for key in edits
        if key not in retention_rules.RULE_KEYS
    ]
    if retention_rules.DEFAULT not in edits:
        problems.append(
            FieldError(
                "retention.default",
                "required",
                N_("Give the rule for the results without a rule of their own."),
            )
        )
    if problems:
        raise ValidationFailed(field_errors=problems)
    return {key: retention_rules.stored_rule(edit) for key, edit in edits.items()}


def require_permission(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise PermissionDenied()


async def list_services(session: AsyncSession, principal: Principal) -> list[AdminServiceRead]:
    """Every service of the admin's district, inactive ones included."""
    require_permission(principal, Permission.MANAGE_CATALOG)
    rows = await catalog_repo.list_for_district(session, str(principal.district))
    return [_admin_view(s) for s in rows]


async def get_service(
    session: AsyncSession, principal: Principal, service_id: uuid.UUID
) -> AdminServiceRead:
    require_permission(principal, Permission.MANAGE_CATALOG)
    service = await catalog_repo.get(session, service_id)
    if service is None or service.district != principal.district:
        raise NotFound()
    return _admin_view(service)


async def update_service(
    session: AsyncSession,
    principal: Principal,
    service_id: uuid.UUID,
    data: ServiceUpdate,
) -> AdminServiceRead:
    """Edits a service of the admin's district. New applications use the edit; submitted
    cases keep what they were submitted under."""
    require_permission(principal, Permission.MANAGE_CATALOG)
    service = await catalog_repo.get(session, service_id)
    if service is None or service.district != principal.district:
        raise NotFound()
    changes = data.model_dump(exclude_none=True, exclude={"materials", "retention"})
    if data.retention is not None:
        changes["retention"] = _retention(data.retention)
    if data.materials is not None:
        if bundles.is_bundle(service):
            # The bundle's materials are those of each settlement route's own service.
            raise ValidationFailed(
                field_errors=[
                    FieldError(
                        "materials",
                        "bundle_materials",
                        N_("The bundle's materials come from each route's service; edit those."),
                    )
                ]
            )
        changes["materials"] = _material_rows(data.materials)
    before = {key: getattr(service, key) for key in changes}
    changed = {key: value for key, value in changes.items() if before[key] != value}
    if not changed:
        return _admin_view(service)
    for key, value in changed.items():
        setattr(service, key, value)
    service.version += 1
    await audit.record(
        session,
        "service.updated",
        actor=principal,
        object_type="service",
        object_id=service.id,
        district=service.district,
        detail={"changes": changed, "before": {k: before[k] for k in changed}},
    )
    await session.flush()
    return _admin_view(service)


# Days outside this range are typing mistakes, not calendar corrections.
