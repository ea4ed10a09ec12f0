"""Re-checking stored profiles and open applications when a policy changes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.errors import FieldError, NotFound, ValidationFailed
from app.i18n import N_
from app.repositories import reevaluation as reevaluation_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import UnknownPolicyError, compare_versions, load_library, validate_facts
from app.services.eligibility import today

CHUNK = 5000


@dataclass(frozen=True)
class Change:
    subject: str  # "applicant" | "application"
    subject_id: uuid.UUID
    case_number: str | None
    old_status: str | None
    new_status: str | None


@dataclass(frozen=True)
class ReevaluationReport:
    policy_id: str
    old_version: str
    new_version: str
    as_of: date
    checked: int
    skipped_invalid: int
    changes: list[Change]


async def reevaluate(
    session: AsyncSession,
    policy_id: str,
    old_version: str,
    new_version: str,
    *,
    as_of: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReevaluationReport:
    """Every stored profile and open application for the policy, through both versions in the
    vectorised path; reports exactly whose status differs."""
    library = load_library()
    try:
        versions = {v.version for v in library.get(policy_id).versions}
    except UnknownPolicyError as exc:
        raise NotFound(N_("There is no policy with this id.")) from exc
    missing = [v for v in (old_version, new_version) if v not in versions]
    if missing:
        raise ValidationFailed(
            field_errors=[
                FieldError("version", "unknown_version", N_("This policy has no such version."))
            ]
        )
    when = as_of or today()
    subjects = await reevaluation_repo.subjects_for_policy(session, policy_id)
    total = len(subjects)
    changes: list[Change] = []
    invalid = 0
    done = 0
    for start in range(0, total, CHUNK):
        chunk = subjects[start : start + CHUNK]
        profiles = []
        keep = []
        for subject in chunk:
            facts = {k: v for k, v in subject.facts.items() if k != "employer_uscc"}
            if validate_facts(facts).ok:
                profiles.append(facts)
                keep.append(subject)
            else:
                invalid += 1
        for change in compare_versions(
            library, policy_id, old_version, new_version, profiles, when
        ):
            s = keep[change.profile_index]
            changes.append(
                Change(
                    s.kind,
                    s.id,
                    s.case_number,
                    change.old_status,
                    change.new_status,
                )
            )
        done += len(chunk)
        if progress:
            progress(done, total)
    return ReevaluationReport(
        policy_id, old_version, new_version, when, total - invalid, invalid, changes
    )
