"""Impact of a policy change: which profiles change status between two libraries or versions.

Pure: the caller supplies the profiles (the database-side re-evaluation job is elsewhere) and
gets back only the changes, computed on the batch path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.rules.engine import BatchResult, PolicyLibrary
from app.rules.results import Status


class StatusChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    profile_index: int
    policy_id: str
    old_version: str | None
    new_version: str | None
    old_status: Status | None
    new_status: Status | None


def _changes(old: BatchResult, new: BatchResult) -> list[StatusChange]:
    changes: list[StatusChange] = []
    for policy_id in sorted(set(old.statuses) | set(new.statuses)):
        before = old.statuses.get(policy_id)
        after = new.statuses.get(policy_id)
        if before is not None and after is not None:
            indices = (before != after).nonzero()[0].tolist()
        else:
            indices = list(range(old.size if before is not None else new.size))
        for index in indices:
            changes.append(
                StatusChange(
                    profile_index=index,
                    policy_id=policy_id,
                    old_version=old.versions.get(policy_id),
                    new_version=new.versions.get(policy_id),
                    old_status=old.status(policy_id, index) if before is not None else None,
                    new_status=new.status(policy_id, index) if after is not None else None,
                )
            )
    return changes


def compare_libraries(
    old: PolicyLibrary,
    new: PolicyLibrary,
    profiles: Sequence[Mapping[str, Any]],
    as_of: date,
    policy_ids: Sequence[str] | None = None,
) -> list[StatusChange]:
    """Profiles whose status differs between two libraries at ``as_of`` (a policy present in only
    one library reports every profile, with ``None`` on the missing side)."""
    ids = policy_ids
    old_result = old.evaluate_batch(profiles, as_of, _present(old, ids, as_of))
    new_result = new.evaluate_batch(profiles, as_of, _present(new, ids, as_of))
    return _changes(old_result, new_result)


def _present(library: PolicyLibrary, ids: Sequence[str] | None, as_of: date) -> list[str]:
    wanted = ids if ids is not None else library.policy_ids()
    known = set(library.policy_ids())
    return [pid for pid in wanted if pid in known and library.version_at(pid, as_of) is not None]


def compare_versions(
    library: PolicyLibrary,
    policy_id: str,
    old_version: str,
    new_version: str,
    profiles: Sequence[Mapping[str, Any]],
    as_of: date,
) -> list[StatusChange]:
    """Profiles whose status differs between two versions of one policy, both applied at
    ``as_of`` whatever their validity dates (to preview a draft version before it takes effect)."""
    old = library.evaluate_versions_batch(
        [library.version(policy_id, old_version)], profiles, as_of
    )
    new = library.evaluate_versions_batch(
        [library.version(policy_id, new_version)], profiles, as_of
    )
    return _changes(old, new)
