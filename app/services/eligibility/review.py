"""The policy review pages for staff: every parameter of every version with its values over
time, what each value stands on (the document, article and the facts row that states it, or the
assumption and why) and the YAML cases that exercise it. What a reviewer signs off before a
version goes live; it reads the policy files only (no database)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from app.domain import labels
from app.domain.enums import Permission
from app.domain.principal import Principal
from app.errors import NotFound, PermissionDenied
from app.i18n import N_, gettext
from app.rules import FACTS, UnknownPolicyError, load_library
from app.rules.audit import Problem, audit_library, evidence, package_references
from app.rules.compiled import CompiledPolicy
from app.rules.explain import country_name
from app.rules.schema import ParamScalar
from app.rules.testing import read_test_files, run_case
from app.services.eligibility.checks import ERR_UNKNOWN_POLICY


@dataclass(frozen=True, slots=True)
class PolicyRow:
    policy_id: str
    title: str
    district: str
    versions: int
    current_version: str
    parameters: int
    assumed: int
    problems: int


@dataclass(frozen=True, slots=True)
class SourceView:
    document_title: str
    number: str | None  # 文号
    clause: str
    url: str | None
    refs: tuple[str, ...]
    confidence: str
    note: str | None


@dataclass(frozen=True, slots=True)
class QuoteView:
    """A row of a facts file (or the plan's article) that states the value."""

    where: str
    text: str


@dataclass(frozen=True, slots=True)
class ValueView:
    valid_from: date
    value: ParamScalar
    # The value in words (answer labels, district names, yes/no), item by item with the
    # language of an item written in one (a university's Chinese or English name).
    shown: tuple[tuple[str, str | None], ...]
    basis: Literal["sourced", "assumed", "none"]
    source: SourceView | None
    assumption: str | None
    quotes: tuple[QuoteView, ...]
    missing: tuple[float, ...]  # numbers of the value its source's rows do not state


@dataclass(frozen=True, slots=True)
class CaseUse:
    """A YAML case that evaluates a condition or formula reading the parameter."""

    case: str
    uses: str  # condition or formula id
    result: str  # true / false / unknown for a condition, "output" for a formula


@dataclass(frozen=True, slots=True)
class CaseRow:
    """A YAML case once, with the parameters it reads and the conditions it evaluates (each
    parameter links here instead of repeating the cases: a policy has dozens)."""

    case: str
    parameters: tuple[str, ...]  # labels
    uses: tuple[CaseUse, ...]


@dataclass(frozen=True, slots=True)
class ParameterView:
    name: str
    label: str
    unit: str
    status: Literal["sourced", "assumed"]
    values: tuple[ValueView, ...]
    cases: tuple[CaseUse, ...]

    @property
    def assumed(self) -> bool:
        return any(v.basis == "assumed" for v in self.values)

    @property
    def case_count(self) -> int:
        return len({c.case for c in self.cases})


@dataclass(frozen=True, slots=True)
class VersionView:
    version: str
    valid_from: date
    valid_to: date | None
    status: Literal["sourced", "assumed"]
    assumption: str | None
    parameters: tuple[ParameterView, ...]
    problems: tuple[str, ...]
    cases: tuple[CaseRow, ...]


@dataclass(frozen=True, slots=True)
class PolicyReview:
    policy_id: str
    title: str
    summary: str
    district: str
    versions: tuple[VersionView, ...]


def require_reviewer(principal: Principal) -> None:
    if not principal.can(Permission.REVIEW_POLICIES):
        raise PermissionDenied()


@cache
def _problems() -> tuple[Problem, ...]:
    return tuple(audit_library(load_library()))


def list_policies(principal: Principal, lang: str) -> list[PolicyRow]:
    require_reviewer(principal)
    rows = []
    problems = _problems()
    for info in load_library().policies():
        latest = info.versions[-1].spec
        assumed = [
            name
            for name, p in latest.parameters.items()
            if p.assumption is not None or any(v.assumption for v in p.values)
        ]
        rows.append(
            PolicyRow(
                policy_id=info.policy_id,
                title=info.title.get(lang),
                district=info.district,
                versions=len(info.versions),
                current_version=info.versions[-1].version,
                parameters=len(latest.parameters),
                assumed=len(assumed),
                problems=sum(1 for p in problems if p.policy_id == info.policy_id),
            )
        )
    return rows


def review(principal: Principal, policy_id: str, lang: str) -> PolicyReview:
    require_reviewer(principal)
    library = load_library()
    try:
        info = library.get(policy_id)
    except UnknownPolicyError as exc:
        raise NotFound(ERR_UNKNOWN_POLICY) from exc
    coverage = _coverage(policy_id)
    versions = []
    for version in info.versions:
        compiled = library.version(policy_id, version.version)
        versions.append(
            _version_view(compiled, coverage.get(version.version, {}), lang, _problems())
        )
    return PolicyReview(
        policy_id=policy_id,
        title=info.title.get(lang),
        summary=info.versions[-1].spec.summary.get(lang),
        district=info.district,
        versions=tuple(versions),
    )


def _version_view(
    policy: CompiledPolicy,
    uses: Mapping[str, tuple[CaseUse, ...]],
    lang: str,
    problems: tuple[Problem, ...],
) -> VersionView:
    spec = policy.spec
    references = package_references()
    parameters = []
    for name, parameter in spec.parameters.items():
        values = []
        for entry in parameter.values:
            found = evidence(references, spec, parameter, entry)
            source = None
            quotes = [QuoteView(f"{row.file}:{row.line}", row.text) for row in found.rows]
            if found.source is not None:
                document = spec.documents[found.source.document]
                if found.article_text is not None and document.text is not None:
                    quotes.append(QuoteView(document.text, found.article_text))
                source = SourceView(
                    document_title=document.title.get(lang),
                    number=document.number,
                    clause=found.source.clause,
                    url=document.url,
                    refs=found.source.refs,
                    confidence=found.source.confidence,
                    note=found.source.note.get(lang) if found.source.note else None,
                )
            reason = entry.assumption or (
                parameter.assumption if found.basis == "assumed" else None
            )
            values.append(
                ValueView(
                    valid_from=entry.valid_from,
                    value=entry.value,
                    shown=_shown(entry.value, lang),
                    basis=found.basis,
                    source=source,
                    assumption=reason.reason.get(lang) if reason else None,
                    quotes=tuple(quotes),
                    missing=found.missing,
                )
            )
        parameters.append(
            ParameterView(
                name=name,
                label=parameter.label.get(lang),
                unit=parameter.unit.get(lang),
                status=parameter.status,
                values=tuple(values),
                cases=uses.get(name, ()),
            )
        )
    return VersionView(
        cases=_case_rows(parameters),
        version=spec.version,
        valid_from=spec.valid_from,
        valid_to=spec.valid_to,
        status=spec.status,
        assumption=spec.assumption.reason.get(lang) if spec.assumption else None,
        parameters=tuple(parameters),
        problems=tuple(
            p.line for p in problems if p.policy_id == spec.policy_id and spec.version in p.versions
        ),
    )


def _case_rows(parameters: list[ParameterView]) -> tuple[CaseRow, ...]:
    labels_of: dict[str, list[str]] = {}
    uses_of: dict[str, list[CaseUse]] = {}
    for parameter in parameters:
        for use in parameter.cases:
            if parameter.label not in labels_of.setdefault(use.case, []):
                labels_of[use.case].append(parameter.label)
            if use not in uses_of.setdefault(use.case, []):
                uses_of[use.case].append(use)
    return tuple(
        CaseRow(case, tuple(names), tuple(uses_of[case])) for case, names in labels_of.items()
    )


@cache
def _answer_labels() -> dict[str, dict[str, str]]:
    """Answer codes of the fact vocabulary (``associate_senior``) with their words by language;
    a code two facts share means the same in both (``none`` aside, which reads as "none")."""
    found: dict[str, dict[str, str]] = {}
    for spec in FACTS.values():
        for value in spec.values:
            found.setdefault(
                str(value.code), {"zh": value.label.get("zh"), "en": value.label.get("en")}
            )
    return found


def _shown(value: object, lang: str) -> tuple[tuple[str, str | None], ...]:
    if isinstance(value, list | tuple):
        return tuple(part for item in value for part in _shown(item, lang))
    if value is True:
        return ((gettext(lang, N_("yes")), None),)
    if value is False:
        return ((gettext(lang, N_("no")), None),)
    if isinstance(value, int | float):
        return ((f"{value:,}", None),)
    text = str(value)
    if text in labels.DISTRICT:
        return ((gettext(lang, labels.DISTRICT[text]), None),)
    if text in labels.SERVICE_AREA:
        return ((gettext(lang, labels.SERVICE_AREA[text]), None),)
    if len(text) == 2 and text.isascii() and text.isupper():
        return ((country_name(text, lang), None),)
    words = _answer_labels().get(text)
    if words:
        return ((words[lang], None),)
    # Data written in one language (a name, a list's own words) is marked as that language.
    return ((text, "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"),)


@cache
def _coverage(policy_id: str) -> dict[str, dict[str, tuple[CaseUse, ...]]]:
    """For each version and parameter, the cases that evaluate a condition or an output formula
    reading it (the policy files and their cases do not change while the app runs)."""
    library = load_library()
    found: dict[str, dict[str, list[CaseUse]]] = {}
    for file in read_test_files():
        if file.policy_id != policy_id:
            continue
        for case in file.cases:
            result, _ = run_case(library, file, case)
            policy = library.version(policy_id, result.policy_version)
            by_param = found.setdefault(result.policy_version, {})
            reads = {leaf.atomic.id: leaf.params for leaf in policy.leaves}
            for criterion in result.criteria:
                for name in sorted(reads.get(criterion.id, ())):
                    by_param.setdefault(name, []).append(
                        CaseUse(case.name, criterion.id, criterion.result)
                    )
            for output, value in result.outputs.items():
                formula = policy.formulas.get(output)
                if formula is None or value is None:
                    continue
                for name in sorted(formula.params):
                    by_param.setdefault(name, []).append(CaseUse(case.name, output, "output"))
    return {v: {p: tuple(u) for p, u in params.items()} for v, params in found.items()}
