"""The service catalog: loading the shipped files into the database, and reading it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.domain.enums import Department, District
from app.domain.fields import EXTRA_FIELDS
from app.errors import NotFound
from app.i18n import localized
from app.models import Service
from app.models.base import utcnow
from app.repositories import catalog as catalog_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import FACTS, load_library
from app.workflow.bundle import HOUSEHOLD_FIELDS, ROUTE_POLICIES, ROUTE_SERVICES
from app.workflow.grants import PaymentKind
from app.workflow.values import local_date


class MaterialSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_zh: str
    name_en: str
    kind: str
    key: bool = False
    when: str | None = None
    verified_by: str | None = None  # outside system whose answer replaces the upload


class ServiceSpec(BaseModel):
    """One entry of ``app/catalog/services.yaml``, validated when loaded."""

    model_config = ConfigDict(extra="forbid")
    code: str
    districts: list[District]
    policy: str | dict[District, str] | None = None
    department: Department
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    facts: list[str] = Field(default_factory=list)
    # Questions that are not talent facts (app/domain/fields.py), asked after the facts.
    fields: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    time_limit_days: int = Field(ge=1, le=20)  # within the legal 20 working days
    # Where the promised time comes from: a source, or "assumed: why" when none is published.
    time_limit_basis: str | None = None
    # One officer may take and decide a case of this service (the admin may change it later).
    reviewer_may_decide: bool = False
    allows_missing_materials: bool = False
    allows_commitment: bool = False
    needs_employer_confirmation: bool = False
    # 人才落户一件事: the bundle's questions and materials are those of the chosen route; its
    # department steps are services of their own, marked with the bundle they belong to.
    bundle: bool = False
    part_of: str | None = None
    # A benefit one person holds once at a time across the services that name it (one open
    # application, one current enrolment): enforced at submission and by the database.
    benefit: str | None = Field(default=None, max_length=40)
    # The retention rule set (app/catalog/retention.yaml) the district's admins start from.
    retention: str = "standard"
    # How an approved case is paid through finance: "one_off" pays the decided amount once.
    payment: PaymentKind | None = None
    # Filed by an organisation from the employer workspace, never by a person.
    organisation: bool = False

    @field_validator("facts")
    @classmethod
    def _no_fact_twice(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("a fact is asked twice")
        return v

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: list[str]) -> list[str]:
        unknown = [name for name in v if name not in EXTRA_FIELDS]
        if unknown:
            raise ValueError(f"unknown form fields {unknown}")
        return v

    @model_validator(mode="after")
    def _applicable_services_ask_something(self) -> ServiceSpec:
        if self.part_of is None and not self.facts:
            raise ValueError(f"service {self.code} asks no question")
        return self

    def policy_for(self, district: District) -> str | None:
        if isinstance(self.policy, dict):
            return self.policy.get(district)
        return self.policy


def _read_yaml(name: str) -> Any:
    return yaml.safe_load(resources.files("app.catalog").joinpath(name).read_text("utf-8"))


@lru_cache(maxsize=1)
def shipped_materials() -> dict[str, MaterialSpec]:
    return {k: MaterialSpec.model_validate(v) for k, v in _read_yaml("materials.yaml").items()}


@lru_cache(maxsize=1)
def shipped_retention_sets() -> dict[str, dict[str, dict[str, Any]]]:
    """The named retention rule sets, as written (``app.services.retention.rules`` reads them)."""
    return dict(_read_yaml("retention.yaml"))


@lru_cache(maxsize=1)
def shipped_services() -> tuple[ServiceSpec, ...]:
    specs = tuple(ServiceSpec.model_validate(s) for s in _read_yaml("services.yaml"))
    materials = shipped_materials()
    for spec in specs:
        if spec.retention not in shipped_retention_sets():
            raise ValueError(f"service {spec.code}: unknown retention set {spec.retention}")
        unknown = [m for m in spec.materials if m not in materials]
        if unknown:
            raise ValueError(f"service {spec.code}: unknown materials {unknown}")
    return specs


def form_facts(spec: ServiceSpec, district: District) -> list[str]:
    """The service's questions: its listed facts in their order, then any other fact its policy
    reads (so a policy change never leaves the form without a question it needs)."""
    facts = list(spec.facts)
    policy_id = spec.policy_for(district)
    if policy_id:
        needed = load_library().evaluate({}, local_date(utcnow()), policy_ids=[policy_id])
        # A verified fact (the talent register's) is read by the portal, never asked.
        facts += [f for f in needed[0].missing_facts if f not in facts and FACTS[f].askable]
    return facts


def _material_rows(codes: list[str]) -> list[dict[str, object]]:
    materials = shipped_materials()
    return [{"code": c, **materials[c].model_dump()} for c in codes]


def _policy_facts(policy_id: str) -> list[str]:
    needed = load_library().evaluate({}, local_date(utcnow()), policy_ids=[policy_id])
    return [f for f in needed[0].missing_facts if FACTS[f].askable]


def bundle_form(spec: ServiceSpec) -> list[dict[str, object]]:
    """Household questions, the questions asked whatever the route, then each fact any route's
    policy reads, once, tagged with the routes that need it (the form shows only those)."""
    form: list[dict[str, object]] = [{"field": name} for name in HOUSEHOLD_FIELDS]
    form += [{"fact": f} for f in spec.facts]
    routes_of: dict[str, list[str]] = {}
    for route, policy_id in ROUTE_POLICIES.items():
        for fact in _policy_facts(policy_id):
            if fact not in spec.facts:
                routes_of.setdefault(fact, []).append(route.value)
    form += [{"fact": f, "routes": routes} for f, routes in routes_of.items()]
    return form


def bundle_materials(spec: ServiceSpec) -> list[dict[str, object]]:
    """The materials of each route's own service, tagged with the routes that ask for them, then
    the household's materials."""
    by_code = {s.code: s for s in shipped_services()}
    routes_of: dict[str, list[str]] = {}
    for route, service_code in ROUTE_SERVICES.items():
        for code in by_code[service_code].materials:
            routes_of.setdefault(code, []).append(route.value)
    rows = [
        {**row, "routes": routes_of[str(row["code"])]} for row in _material_rows(list(routes_of))
    ]
    return rows + _material_rows(spec.materials)


async def load_shipped_catalog(session: AsyncSession) -> int:
    """Adds shipped services that the database lacks; never overwrites an admin's edits."""
    added = 0
    for spec in shipped_services():
        for district in spec.districts:
            if await catalog_repo.get_by_code(session, district.value, spec.code):
                continue
            form: list[dict[str, object]]
            if spec.bundle:
                form, materials = bundle_form(spec), bundle_materials(spec)
            else:
                form = [{"fact": f} for f in form_facts(spec, district)]
                if spec.needs_employer_confirmation:
                    form.append({"field": "employer_uscc"})
                form += [{"field": name} for name in spec.fields]
                materials = _material_rows(spec.materials)
            session.add(
                Service(
                    code=spec.code,
                    district=district.value,
                    department=spec.department.value,
                    policy_id=spec.policy_for(district),
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    description_zh=spec.description_zh,
                    description_en=spec.description_en,
                    form=form,
                    materials=materials,
                    time_limit_days=spec.time_limit_days,
                    allows_missing_materials=spec.allows_missing_materials,
                    allows_commitment=spec.allows_commitment,
                    needs_employer_confirmation=spec.needs_employer_confirmation,
                    part_of=spec.part_of,
                    reviewer_may_decide=spec.reviewer_may_decide,
                    benefit=spec.benefit,
                    payment=spec.payment.value if spec.payment else None,
                    for_organisations=spec.organisation,
                )
            )
            added += 1
    await session.flush()
    return added


@dataclass(frozen=True)
class ServiceView:
    id: uuid.UUID
    code: str
    district: str
    department: str
    policy_id: str | None
    name: str
    description: str
    time_limit_days: int
    facts: list[str]
    materials: list[dict[str, object]]
    allows_missing_materials: bool
    allows_commitment: bool
    needs_employer_confirmation: bool


def service_view(service: Service, lang: str) -> ServiceView:
    return ServiceView(
        id=service.id,
        code=service.code,
        district=service.district,
        department=service.department,
        policy_id=service.policy_id,
        name=localized(service, "name", lang),
        description=localized(service, "description", lang),
        time_limit_days=service.time_limit_days,
        facts=[str(q["fact"]) for q in service.form if "fact" in q],
        materials=list(service.materials),
        allows_missing_materials=service.allows_missing_materials,
        allows_commitment=service.allows_commitment,
        needs_employer_confirmation=service.needs_employer_confirmation,
    )


async def list_services(
    session: AsyncSession, lang: str, district: str | None = None
) -> list[ServiceView]:
    rows = await catalog_repo.list_active(session, district, applicable_only=True)
    return [service_view(s, lang) for s in rows]


async def services_by_policy(session: AsyncSession, lang: str) -> dict[str, list[ServiceView]]:
    """The services each policy decides, so a calculator result links to applying for it under
    the service's own name (the name the home page, the task list, the case and e-mail use)."""
    out: dict[str, list[ServiceView]] = {}
    for service in await list_services(session, lang):
        if service.policy_id:
            out.setdefault(service.policy_id, []).append(service)
    return out


async def get_service(session: AsyncSession, service_id: uuid.UUID, lang: str) -> ServiceView:
    service = await catalog_repo.get(session, service_id)
    if service is None or not service.is_active:
        raise NotFound()
    return service_view(service, lang)
