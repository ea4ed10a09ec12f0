"""The policy library: choosing versions by date, evaluating, explaining, batching, receipts."""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from app.rules import batch, explain, hints, lapsing, loader, vector
from app.rules.compiled import CompiledPolicy
from app.rules.facts import (
    FactValue,
    Text,
    check_as_of,
    derive,
    require_valid,
    to_json_value,
)
from app.rules.results import PolicyResult, Receipt, Status, build
from app.rules.scalar import UNKNOWN
from app.rules.schema import PolicyFile

ENGINE_VERSION = "1.0.0"
LANGS = ("zh", "en")
DISTRICTS = ("yangpu", "changning")
SHARED = ("shanghai", "national")


class UnknownPolicyError(KeyError):
    """No policy (or no such version) with this id."""


class PolicyNotInForceError(LookupError):
    """The policy exists but no version of it is valid on the requested date."""


class PolicyNotInDistrictError(LookupError):
    """A policy asked for by id belongs to another district than the ``district`` filter: the
    request contradicts itself, and answering without the policy would pass for "no result"."""

    def __init__(self, policy_id: str, district: str) -> None:
        super().__init__(f"{policy_id} is not a policy of {district} or of the whole city")
        self.policy_id = policy_id
        self.district = district


class ReceiptMismatchError(ValueError):
    """A receipt cannot be reproduced: policy file, facts or decision differ."""


class PolicyVersionInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    valid_from: date
    valid_to: date | None
    content_sha256: str
    outputs: list[str]
    vectorised: bool
    spec: PolicyFile


class PolicyInfo(BaseModel):
    """A policy's metadata with all its versions (parameters, sources, clauses, titles)."""

    model_config = ConfigDict(frozen=True)

    policy_id: str
    district: str
    title: Text
    versions: list[PolicyVersionInfo]


@dataclass(frozen=True)
class BatchResult:
    """Statuses and outputs of many profiles for each policy, column by column.

    ``statuses[policy_id]`` holds codes 1 eligible, 0 ineligible, 2 unknown; ``outputs`` one
    :class:`~app.rules.batch.OutputColumn` per output. :meth:`row` gives one profile's plain
    values, equal to what the single path returns.
    """

    as_of: date
    size: int
    versions: dict[str, str]
    statuses: dict[str, npt.NDArray[np.int8]]
    outputs: dict[str, dict[str, batch.OutputColumn]]

    def status(self, policy_id: str, index: int) -> Status:
        return batch.STATUS_NAMES[int(self.statuses[policy_id][index])]

    def counts(self, policy_id: str) -> dict[Status, int]:
        codes = np.bincount(self.statuses[policy_id], minlength=3)
        return {name: int(codes[code]) for code, name in enumerate(batch.STATUS_NAMES)}

    def row(self, index: int) -> dict[str, dict[str, Any]]:
        return {
            policy_id: {
                "status": self.status(policy_id, index),
                "outputs": {
                    name: col.value(index) for name, col in self.outputs[policy_id].items()
                },
            }
            for policy_id in self.statuses
        }


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(payload: Any) -> str:
    """SHA-256 of canonical JSON (sorted keys, no spaces), reproducible in any language."""
    return hashlib.sha256(_CANONICAL.encode(payload).encode()).hexdigest()


def _fragments(entered: Mapping[str, FactValue]) -> dict[str, str]:
    """Each fact as its canonical ``"name":value`` JSON member, encoded once per applicant."""
    return {
        name: f"{_CANONICAL.encode(name)}:{_CANONICAL.encode(to_json_value(value))}"
        for name, value in entered.items()
    }


def _joined_digest(fragments: Mapping[str, str], subset: Mapping[str, Any]) -> str:
    """``_digest(subset)`` for a subset of the facts, from their pre-encoded members."""
    text = "{" + ",".join(fragments[name] for name in sorted(subset)) + "}"
    return hashlib.sha256(text.encode()).hexdigest()


class PolicyLibrary:
    """All versions of all policies, compiled once; evaluation is pure and thread-safe."""

    def __init__(self, versions: Mapping[str, list[CompiledPolicy]]) -> None:
        self._versions = {pid: list(v) for pid, v in sorted(versions.items())}
        try:
            self._lapsing = lapsing.LapsingChecks(self._versions)
        except ValueError as error:
            raise loader.PolicyLoadError([str(error)]) from error

    @classmethod
    def from_directory(cls, directory: Traversable | Path) -> PolicyLibrary:
        return cls(loader.load_policies(loader.read_directory(directory)))

    # --- metadata ---------------------------------------------------------------------------

    def policy_ids(self) -> list[str]:
        return list(self._versions)

    def policies(self) -> list[PolicyInfo]:
        return [self.get(policy_id) for policy_id in self._versions]

    def get(self, policy_id: str) -> PolicyInfo:
        versions = self._all(policy_id)
        latest = versions[-1].spec
        return PolicyInfo(
            policy_id=policy_id,
            district=latest.district,
            title=latest.title,
            versions=[
                PolicyVersionInfo(
                    version=v.version,
                    valid_from=v.spec.valid_from,
                    valid_to=v.spec.valid_to,
                    content_sha256=v.content_hash,
                    outputs=list(v.outputs),
                    vectorised=v.vector_plan is not None,
                    spec=v.spec,
                )
                for v in versions
            ],
        )

    def requirements(self, policy_id: str, version: str, day: date, lang: str) -> dict[str, str]:
        """Each atomic condition's requirement in words, with the parameter values on ``day``."""
        return explain.requirement_texts(self.version(policy_id, version), day, lang)

    def _all(self, policy_id: str) -> list[CompiledPolicy]:
        versions = self._versions.get(policy_id)
        if versions is None:
            raise UnknownPolicyError(policy_id)
        return versions

    def version(self, policy_id: str, version: str) -> CompiledPolicy:
        for candidate in self._all(policy_id):
            if candidate.version == version:
                return candidate
        raise UnknownPolicyError(f"{policy_id}@{version}")

    def version_at(self, policy_id: str, day: date) -> CompiledPolicy | None:
        for candidate in self._all(policy_id):
            if candidate.covers(day):
                return candidate
        return None

    def select(
        self, as_of: date, policy_ids: Sequence[str] | None = None, district: str | None = None
    ) -> list[CompiledPolicy]:
        """Versions in force at ``as_of``; explicitly named policies must be in force and, with a
        ``district``, belong to it or to the whole city (:class:`PolicyNotInDistrictError`).

        Raises :class:`~app.rules.facts.AsOfOutOfRangeError` for an ``as_of`` the engine cannot
        compute.
        """
        check_as_of(as_of)
        if district is not None and district not in DISTRICTS:
            raise ValueError(f"district must be one of {DISTRICTS}")
        chosen = []
        for policy_id in policy_ids if policy_ids is not None else self._versions:
            policy = self.version_at(policy_id, as_of)
            if policy is None:
                if policy_ids is not None:
                    raise PolicyNotInForceError(f"{policy_id} has no version in force on {as_of}")
                continue
            if district is None or policy.spec.district in (district, *SHARED):
                chosen.append(policy)
            elif policy_ids is not None:
                raise PolicyNotInDistrictError(policy_id, district)
        return chosen

    # --- single path --------------------------------------------------------------------------

    def evaluate(
        self,
        facts: Mapping[str, Any],
        as_of: date,
        policy_ids: Sequence[str] | None = None,
        district: str | None = None,
        lang: str = "zh",
    ) -> list[PolicyResult]:
        """Evaluate one applicant against one, some or all policies at ``as_of``.

        Raises :class:`~app.rules.facts.FactsValidationError` for invalid facts (see
        :func:`~app.rules.facts.validate_facts`, at ``as_of``: no past-only date after it),
        :class:`~app.rules.facts.AsOfOutOfRangeError` for an ``as_of`` outside the supported
        years, :class:`UnknownPolicyError`, :class:`PolicyNotInForceError` and
        :class:`PolicyNotInDistrictError` for policy ids that cannot be evaluated.
        """
        if lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}")
        check_as_of(as_of)
        entered = require_valid(facts, as_of)
        derived = derive(entered, as_of)
        fragments = _fragments(entered)
        return [
            self.evaluate_version(policy, entered, as_of, lang, derived, fragments)
            for policy in self.select(as_of, policy_ids, district)
        ]

    def evaluate_version(
        self,
        policy: CompiledPolicy,
        entered: dict[str, FactValue],
        as_of: date,
        lang: str,
        derived: dict[str, FactValue] | None = None,
        fragments: Mapping[str, str] | None = None,
    ) -> PolicyResult:
        """Evaluate one given version (already validated facts), whatever its validity dates.

        ``derived`` and ``fragments`` are what the caller already computed for the applicant.
        """
        check_as_of(as_of)
        ev = policy.run(entered, as_of, derived)
        outputs: dict[str, Any] = {}
        unknown_outputs: list[str] = []
        for name in policy.outputs:
            when = policy.formulas[name].spec.when
            if when != "always" and ev.outcome is False:
                outputs[name] = None
                continue
            value = ev.output(name)
            if value is UNKNOWN:
                # Still computed while the result is open: the facts it needs are worth asking.
                unknown_outputs.append(name)
            granted = when != "eligible" or ev.outcome is True
            outputs[name] = explain.json_value(value) if granted else None
        missing = [] if ev.outcome is False else explain.missing_facts(ev, unknown_outputs)
        found_hints = []
        if ev.outcome is False:
            found_hints = hints.value_hints(ev, entered, lang)
            waiting = hints.eligible_from(
                ev,
                entered,
                self._versions.get(policy.policy_id) or [policy],
                lang,
                option=max((h.option for h in found_hints), default=0) + 1,
            )
            if waiting is not None:
                found_hints.append(waiting)
        criteria = explain.criteria(ev, lang)
        status = ev.status
        used = {n: to_json_value(entered[n]) for n in policy.facts_used_sorted if n in entered}
        fragments = _fragments(entered) if fragments is None else fragments
        decision = (status, outputs, [(c.id, c.result) for c in criteria])
        receipt = build(
            Receipt,
            policy_id=policy.policy_id,
            policy_version=policy.version,
            content_sha256=policy.content_hash,
            engine_version=ENGINE_VERSION,
            as_of=as_of,
            facts=used,
            facts_sha256=_joined_digest(fragments, used),
            status=status,
            decision_sha256=_digest(decision),
            assumed_parameters=sorted(policy.assumed_at(as_of) & policy.params_used),
            version_status=policy.spec.status,
        )
        assumption = policy.spec.assumption
        return build(
            PolicyResult,
            policy_id=policy.policy_id,
            policy_version=policy.version,
            title=policy.spec.title.get(lang),
            district=policy.spec.district,
            status=status,
            outputs=outputs,
            criteria=criteria,
            missing_facts=missing,
            hints=found_hints,
            receipt=receipt,
            version_status=policy.spec.status,
            version_assumption=assumption.reason.get(lang) if assumption else None,
        )

    # --- lapsing conditions (payment cycles) --------------------------------------------------

    def version_for_payments(self, policy_id: str, day: date) -> CompiledPolicy:
        """The version in force on ``day``, else the last one that started before it (a benefit
        granted keeps being paid under its rules after they stop taking new applications)."""
        started = [v for v in self._all(policy_id) if v.spec.valid_from <= day]
        check_as_of(day)
        chosen = self.version_at(policy_id, day) or (started[-1] if started else None)
        if chosen is None:
            raise PolicyNotInForceError(f"{policy_id} has no version on or before {day}")
        return chosen

    def evaluate_lapsing(
        self, facts: Mapping[str, Any], as_of: date, policy_id: str, schedule_month: int
    ) -> lapsing.LapsingResult:
        """Only the policy's lapsing conditions in force in ``schedule_month`` (1-based)."""
        policy = self.version_for_payments(policy_id, as_of)
        return self._lapsing.evaluate(policy, facts, as_of, schedule_month)

    def evaluate_lapsing_batch(
        self,
        profiles: Sequence[Mapping[str, Any]],
        as_of: date,
        policy_id: str,
        schedule_months: Sequence[int],
    ) -> list[Status]:
        """:meth:`evaluate_lapsing`'s status for many profiles (vectorised, same answers)."""
        policy = self.version_for_payments(policy_id, as_of)
        return self._lapsing.evaluate_batch(policy, profiles, as_of, schedule_months)

    # --- batch path -----------------------------------------------------------------------------

    def evaluate_batch(
        self,
        profiles: Sequence[Mapping[str, Any]],
        as_of: date,
        policy_ids: Sequence[str] | None = None,
        district: str | None = None,
    ) -> BatchResult:
        """Statuses and outputs for many profiles (vectorised; same results as :meth:`evaluate`).

        Raises :class:`~app.rules.batch.BatchValidationError` naming every refused profile.
        """
        policies = self.select(as_of, policy_ids, district)
        return self._batch(policies, profiles, as_of)

    def _batch(
        self, policies: Sequence[CompiledPolicy], profiles: Sequence[Mapping[str, Any]], as_of: date
    ) -> BatchResult:
        source = batch.ProfileColumns(profiles, as_of)
        statuses: dict[str, npt.NDArray[np.int8]] = {}
        outputs: dict[str, dict[str, batch.OutputColumn]] = {}
        for policy in policies:
            try:
                codes, columns = batch.evaluate(policy, source, as_of)
            except vector.VectorUnsupported:
                codes, columns = self._scalar_columns(policy, profiles, as_of)
            statuses[policy.policy_id] = codes
            outputs[policy.policy_id] = columns
        versions = {p.policy_id: p.version for p in policies}
        return BatchResult(as_of, len(profiles), versions, statuses, outputs)

    def _scalar_columns(
        self, policy: CompiledPolicy, profiles: Sequence[Mapping[str, Any]], as_of: date
    ) -> tuple[npt.NDArray[np.int8], dict[str, batch.OutputColumn]]:
        # Safety net for a policy the numpy compiler cannot handle: slow, but the same answers.
        codes = np.zeros(len(profiles), dtype=np.int8)
        values: dict[str, list[Any]] = {name: [] for name in policy.outputs}
        for index, profile in enumerate(profiles):
            result = self.evaluate_version(policy, require_valid(profile), as_of, "en")
            codes[index] = batch.STATUS_NAMES.index(result.status)
            for name in policy.outputs:
                values[name].append(result.outputs[name])
        columns = {
            name: batch.OutputColumn(
                policy.formulas[name].kind,
                np.array(column, dtype=object),
                np.array([v is not None for v in column], dtype=bool),
            )
            for name, column in values.items()
        }
        return codes, columns

    def evaluate_versions_batch(
        self, versions: Sequence[CompiledPolicy], profiles: Sequence[Mapping[str, Any]], as_of: date
    ) -> BatchResult:
        """Batch-evaluate given versions (for comparing two versions of one policy)."""
        return self._batch(versions, profiles, as_of)


@cache
def load_library() -> PolicyLibrary:
    """The library of the policy files shipped in ``app/rules/policies`` (loaded once).

    The loaded library is immutable and lives as long as the process, so its objects are moved
    out of the cyclic garbage collector's reach (``gc.freeze``): otherwise every full collection
    walks them again, which measured as a third of the time of an evaluation.
    """
    library = PolicyLibrary.from_directory(loader.package_directory())
    gc.collect()
    gc.freeze()
    return library


def reproduce(
    receipt: Receipt, facts: Mapping[str, Any] | None = None, library: PolicyLibrary | None = None
) -> PolicyResult:
    """Re-run a stored decision and check it is the same.

    ``facts`` are the facts stored with the decision (the receipt's own ``facts`` when omitted);
    only the facts the policy reads must match. Raises :class:`ReceiptMismatchError` when the policy
    version is gone or its file changed, the facts differ, or the decision comes out different.
    """
    library = library or load_library()
    try:
        policy = library.version(receipt.policy_id, receipt.policy_version)
    except UnknownPolicyError as error:
        raise ReceiptMismatchError(f"policy version not in the library: {error}") from error
    if policy.content_hash != receipt.content_sha256:
        raise ReceiptMismatchError(f"{receipt.policy_id}@{receipt.policy_version} file changed")
    entered = require_valid(receipt.facts if facts is None else facts)
    result = library.evaluate_version(policy, entered, receipt.as_of, "en")
    if result.receipt.facts_sha256 != receipt.facts_sha256:
        raise ReceiptMismatchError("the facts differ from the ones the decision used")
    if result.status != receipt.status:
        raise ReceiptMismatchError(
            f"status differs (receipt {receipt.status}, now {result.status})"
        )
    if result.receipt.decision_sha256 != receipt.decision_sha256:
        raise ReceiptMismatchError(
            f"decision differs (engine {ENGINE_VERSION}, receipt {receipt.engine_version})"
        )
    return result
