"""The service catalog: loading the shipped files into the database, and reading it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import Department, District
from app.errors import NotFound
from app.models import Service
from app.models.base import utcnow
from app.repositories import catalog as catalog_repo
from app.workflow.values import local_date


class MaterialSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name_zh: str
    name_en: str
    kind: str
    key: bool = False
    when: str | None = None


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
    facts: list[str] = Field(min_length=1)
    materials: list[str]
    time_limit_days: int = Field(ge=1, le=20)  # within the legal 20 working days
    allows_missing_materials: bool = False
    allows_commitment: bool = False
    needs_employer_confirmation: bool = False

    @field_validator("facts")
    @classmethod
    def _no_fact_twice(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("a fact is asked twice")
        return v

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
def shipped_services() -> tuple[ServiceSpec, ...]:
    specs = tuple(ServiceSpec.model_validate(s) for s in _read_yaml("services.yaml"))
    materials = shipped_materials()
    for spec in specs:
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
        from app.rules import load_library

        needed = load_library().evaluate({}, local_date(utcnow()), policy_ids=[policy_id])
        facts += [f for f in needed[0].missing_facts if f not in facts]
    return facts


def _material_rows(codes: list[str]) -> list[dict[str, object]]:
    materials = shipped_materials()
    return [{"code": c, **materials[c].model_dump()} for c in codes]


async def load_shipped_catalog(session: AsyncSession) -> int:
    """Adds shipped services that the database lacks; never overwrites an admin's edits."""
    added = 0
    for spec in shipped_services():
        for district in spec.districts:
            if await catalog_repo.get_by_code(session, district.value, spec.code):
                continue
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
                    form=[{"fact": f} for f in form_facts(spec, district)]
                    + ([{"field": "employer_uscc"}] if spec.needs_employer_confirmation else []),
                    materials=_material_rows(spec.materials),
                    time_limit_days=spec.time_limit_days,
                    allows_missing_materials=spec.allows_missing_materials,
                    allows_commitment=spec.allows_commitment,
                    needs_employer_confirmation=spec.needs_employer_confirmation,
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
        name=service.name_zh if lang == "zh" else service.name_en,
        description=service.description_zh if lang == "zh" else service.description_en,
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
    rows = await catalog_repo.list_active(session, district)
    return [service_view(s, lang) for s in rows]


async def get_service(session: AsyncSession, service_id: uuid.UUID, lang: str) -> ServiceView:
    service = await catalog_repo.get(session, service_id)
    if service is None or not service.is_active:
        raise NotFound()
    return service_view(service, lang)
