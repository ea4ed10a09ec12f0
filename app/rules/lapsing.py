"""Conditions that can lapse, re-checked each month of a benefit paid over time.

A policy file lists them under ``lapsing``: ids of eligibility conditions that can stop holding
after the grant (still employed in the district, no home bought, no other housing benefit) and
continuation conditions that are not asked when applying but are required from a month of the
schedule on. Entry-time windows ("back in China less than a year") are not listed: they held when
the applicant applied and are never re-checked.

Each set of conditions in force for a schedule month is compiled as a policy of its own (same
documents, parameters and the formulas its conditions read, those conditions as its tree), so the
single path, the vectorised batch path and the explanations are the engine's own and agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from app.rules import batch, cel, explain, vector
from app.rules.compiled import CompiledPolicy, compile_policy
from app.rules.facts import Text, require_valid
from app.rules.results import Status
from app.rules.schema import Atomic, Condition, Continuation, Group, PolicyFile


@dataclass(frozen=True)
class Lapsed:
    """One lapsing condition that did not hold, with its message in both languages."""

    id: str
    result: str  # "false" or "unknown"
    message: Text


@dataclass(frozen=True)
class LapsingResult:
    """``eligible`` when every condition in force for the month holds (or none is listed)."""

    policy_id: str
    policy_version: str
    schedule_month: int
    checked: tuple[str, ...]
    status: Status
    failed: tuple[Lapsed, ...]


def condition_ids(spec: PolicyFile, schedule_month: int) -> tuple[str, ...]:
    """Ids of the lapsing conditions in force in ``schedule_month`` (1 is the first month)."""
    return tuple(
        entry if isinstance(entry, str) else entry.condition.id
        for entry in spec.lapsing
        if isinstance(entry, str) or entry.from_month <= schedule_month
    )


def _find(node: Condition, wanted: str) -> Condition | None:
    if node.id == wanted:
        return node
    if isinstance(node, Group):
        for child in node.children:
            found = _find(child, wanted)
            if found is not None:
                return found
    return None


def _spec_for(spec: PolicyFile, ids: tuple[str, ...]) -> PolicyFile:
    continuations = {
        e.condition.id: e.condition for e in spec.lapsing if isinstance(e, Continuation)
    }
    nodes: list[Condition] = []
    for cid in ids:
        node = continuations.get(cid) or _find(spec.conditions, cid)
        assert node is not None  # the schema checked every id
        nodes.append(node)
    tree = Group(all=tuple(nodes))
    exprs = [a.expr for a in _atomics(tree)]
    # Only the formulas the conditions read (a formula naming another condition of the policy
    # would not type-check here).
    needed = _formulas_read(spec, exprs)
    formulas = {
        name: f.model_copy(update={"output": False})
        for name, f in spec.formulas.items()
        if name in needed
    }
    return spec.model_copy(update={"conditions": tree, "formulas": formulas, "lapsing": ()})


def _atomics(node: Condition) -> list[Atomic]:
    if isinstance(node, Atomic):
        return [node]
    return [a for child in node.children for a in _atomics(child)]


def _formulas_read(spec: PolicyFile, exprs: Sequence[str]) -> set[str]:
    asts = cel.parse_many(list(exprs) + [f.expr for f in spec.formulas.values()])
    needed: set[str] = set()
    pending = list(exprs)
    while pending:
        for name in cel.collect_names(asts[pending.pop()]).get(cel.Calc, ()):
            if name in spec.formulas and name not in needed:
                needed.add(name)
                pending.append(spec.formulas[name].expr)
    return needed


class LapsingChecks:
    """The compiled lapsing checks of every version of every policy (built at load, so a bad
    continuation condition stops the start like any bad policy file)."""

    def __init__(self, versions: Mapping[str, Sequence[CompiledPolicy]]) -> None:
        self._checks: dict[tuple[str, str, tuple[str, ...]], CompiledPolicy] = {}
        for policy_versions in versions.values():
            for policy in policy_versions:
                spec = policy.spec
                months = {1} | {e.from_month for e in spec.lapsing if isinstance(e, Continuation)}
                for month in sorted(months):
                    ids = condition_ids(spec, month)
                    key = (spec.policy_id, spec.version, ids)
                    if ids and key not in self._checks:
                        self._checks[key] = self._compile(policy, ids)

    @staticmethod
    def _compile(policy: CompiledPolicy, ids: tuple[str, ...]) -> CompiledPolicy:
        spec = _spec_for(policy.spec, ids)
        texts = [a.expr for a in spec.atomics()] + [f.expr for f in spec.formulas.values()]
        try:
            return compile_policy(spec, f"{policy.content_hash}:lapsing", cel.parse_many(texts))
        except (cel.CelError, KeyError) as error:
            raise ValueError(
                f"{spec.policy_id}@{spec.version}.yaml: lapsing conditions: {error}"
            ) from error

    def check_for(
        self, policy: CompiledPolicy, schedule_month: int
    ) -> tuple[tuple[str, ...], CompiledPolicy | None]:
        ids = condition_ids(policy.spec, schedule_month)
        return ids, self._checks.get((policy.policy_id, policy.version, ids))

    def evaluate(
        self,
        policy: CompiledPolicy,
        facts: Mapping[str, Any],
        as_of: date,
        schedule_month: int,
    ) -> LapsingResult:
        ids, check = self.check_for(policy, schedule_month)
        if check is None:
            return LapsingResult(
                policy.policy_id, policy.version, schedule_month, (), "eligible", ()
            )
        ev = check.run(require_valid(facts), as_of)
        failed: list[Lapsed] = []
        if ev.status != "eligible":
            zh, en = explain.criteria(ev, "zh"), explain.criteria(ev, "en")
            failed = [
                Lapsed(c.id, c.result, Text(zh=z.message, en=c.message))
                for z, c in zip(zh, en, strict=True)
                if c.result != "true"
            ]
        return LapsingResult(
            policy.policy_id, policy.version, schedule_month, ids, ev.status, tuple(failed)
        )

    def evaluate_batch(
        self,
        policy: CompiledPolicy,
        profiles: Sequence[Mapping[str, Any]],
        as_of: date,
        schedule_months: Sequence[int],
    ) -> list[Status]:
        """The status of each profile's check, each at its own schedule month."""
        out: list[Status] = ["eligible"] * len(profiles)
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, month in enumerate(schedule_months):
            groups.setdefault(condition_ids(policy.spec, month), []).append(index)
        for ids, rows in groups.items():
            check = self._checks.get((policy.policy_id, policy.version, ids))
            if check is None:
                continue
            chosen = [profiles[i] for i in rows]
            codes = _codes(check, chosen, as_of)
            for i, code in zip(rows, codes, strict=True):
                out[i] = batch.STATUS_NAMES[int(code)]
        return out


def _codes(
    check: CompiledPolicy, profiles: Sequence[Mapping[str, Any]], as_of: date
) -> npt.NDArray[np.int8]:
    try:
        codes, _ = batch.evaluate(check, batch.ProfileColumns(profiles, as_of), as_of)
    except vector.VectorUnsupported:
        # The same safety net as the library's: slow, but the same answers.
        codes = np.array(
            [batch.STATUS_NAMES.index(check.run(require_valid(p), as_of).status) for p in profiles],
            dtype=np.int8,
        )
    return codes
