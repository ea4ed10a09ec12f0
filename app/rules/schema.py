"""The pydantic schema of policy files and of their YAML test files.

A policy file is one version of one policy. Everything a caseworker or auditor needs to trust a
decision is in it: the issuing documents, each parameter's value history and where it comes from
(``sourced``: document, clause, confidence; ``assumed``: reason and date, never shown as
official), and each atomic condition's clause in Chinese with an English gloss.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.rules.facts import Text

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
PolicyId = Annotated[str, Field(pattern=r"^(yangpu|changning|shanghai|national)\.[a-z][a-z0-9_]*$")]
District = Literal["yangpu", "changning", "shanghai", "national"]
Confidence = Literal["high", "medium", "low"]
ParamType = Literal["int", "double", "bool", "string", "list<string>", "list<int>", "list<double>"]
ParamScalar = bool | int | float | str | list[str] | list[int] | list[float]
EdgeClass = Literal[
    "route_access",
    "durations_from_dates",
    "windows_counted_strictly",
    "dates_in_the_future",
    "outputs_of_a_non_eligible_result",
    "three_valued_sums",
    "citations_and_dates",
    "assumptions_flagged",
    "explanations_a_citizen_understands",
    "requests_refused_cleanly",
]
"""The classes of rule errors a review found (issue 13); a test case names the ones it guards."""


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, serialize_by_alias=True
    )


class Document(_Strict):
    """An issuing document. ``number`` is the 文号; null when no source gave it. ``text`` names
    the document's full text kept in the package (``sources/<file>.txt`` under app/rules) when
    we have it, so ``python -m app.rules check`` can find each cited article and quote in it."""

    title: Text
    issuer: Text
    number: str | None = None
    issued: date | None = None
    url: str | None = None
    note: Text | None = None
    text: str | None = Field(default=None, pattern=r"^sources/[a-z0-9][a-z0-9._-]*\.txt$")


class Source(_Strict):
    document: str
    clause: str
    confidence: Confidence
    refs: tuple[str, ...] = ()
    note: Text | None = None


class Assumption(_Strict):
    reason: Text
    date: date


class ParamValue(_Strict):
    """One dated value; ``source`` or ``assumption`` here override the parameter's own for this
    value only (a wage series mixing official figures and a not-yet-confirmed one)."""

    valid_from: date = Field(alias="from")
    value: ParamScalar
    note: Text | None = None
    source: Source | None = None
    assumption: Assumption | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> ParamValue:
        if self.source is not None and self.assumption is not None:
            raise ValueError("a value has a source or an assumption, not both")
        return self


class Parameter(_Strict):
    """A number (or list) the conditions use, with its value history by date."""

    type: ParamType
    label: Text
    unit: Text
    status: Literal["sourced", "assumed"]
    source: Source | None = None
    assumption: Assumption | None = None
    values: tuple[ParamValue, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _status_matches(self) -> Parameter:
        if self.status == "sourced" and (self.source is None or self.assumption is not None):
            raise ValueError("a sourced parameter has a source and no assumption")
        if self.status == "assumed" and (self.assumption is None or self.source is not None):
            raise ValueError("an assumed parameter has an assumption (reason, date), no source")
        dates = [entry.valid_from for entry in self.values]
        if dates != sorted(set(dates)):
            raise ValueError("parameter values must be in increasing date order")
        return self

    def value_at(self, day: date) -> ParamScalar | None:
        current: ParamScalar | None = None
        for entry in self.values:
            if entry.valid_from <= day:
                current = entry.value
        return current


class Clause(_Strict):
    """Where a condition comes from. ``verbatim`` is true only for the official wording."""

    document: str
    article: str
    text_zh: str = Field(min_length=1)
    text_en: str = Field(min_length=1)
    verbatim: bool = False


class Messages(_Strict):
    passed: Text = Field(alias="pass")
    failed: Text = Field(alias="fail")

    @model_validator(mode="after")
    def _both_languages(self) -> Messages:
        for text in (self.passed, self.failed):
            if not text.zh.strip() or not text.en.strip():
                raise ValueError("pass and fail messages need both zh and en")
        return self


class Atomic(_Strict):
    id: Identifier
    expr: str
    clause: Clause
    messages: Messages


class Group(_Strict):
    """``all``, ``any`` or ``not``; an optional id and label name the group in explanations."""

    id: Identifier | None = None
    label: Text | None = None
    all: tuple[Condition, ...] | None = None
    any: tuple[Condition, ...] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_operator(self) -> Group:
        present = [x for x in (self.all, self.any, self.not_) if x is not None]
        if len(present) != 1:
            raise ValueError("a group has exactly one of all, any, not")
        if self.all is not None and not self.all or self.any is not None and not self.any:
            raise ValueError("all/any groups need at least one condition")
        return self

    @property
    def operator(self) -> Literal["all", "any", "not"]:
        if self.all is not None:
            return "all"
        return "any" if self.any is not None else "not"

    @property
    def children(self) -> tuple[Condition, ...]:
        if self.not_ is not None:
            return (self.not_,)
        return self.all if self.all is not None else self.any or ()


Condition = Atomic | Group


class Continuation(_Strict):
    """A condition not asked at application but required of every payment from a month of the
    schedule on (Changning's months 7-12 only while employed in Changning)."""

    from_month: int = Field(ge=1)
    condition: Atomic


class Formula(_Strict):
    """A named CEL formula; ``output: true`` exposes it in results.

    ``when`` says in which results an output has a value (null otherwise): ``always``
    (explanatory: points, years required), ``not_ineligible`` (eligible or still open: a score
    that ranks an application) or ``eligible`` (it grants something: an amount, a route, a permit
    class, so a person who does not qualify is never shown one). ``values`` name the codes an
    output can take (a route, a tier, the keys of a breakdown), so no code reaches a reader.
    """

    expr: str
    label: Text
    unit: Text | None = None
    values: dict[str, Text] = Field(default_factory=dict)
    output: bool = False
    when: Literal["always", "not_ineligible", "eligible"] = "not_ineligible"
    note: Text | None = None


class PolicyFile(_Strict):
    policy_id: PolicyId
    version: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    district: District
    title: Text
    summary: Text
    documents: dict[Identifier, Document] = Field(min_length=1)
    valid_from: date
    valid_to: date | None = None
    # A published version's file never changes (stored receipts cite its content hash), so a
    # successor of an open-ended version ends it from here: the named version is taken to end
    # the day before this one begins.
    supersedes: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_.]*@\d{4}-\d{2}-\d{2}$")
    basis: Text | None = None
    # Whether the version itself stands on a source (the usual case) or is an assumption staff
    # must confirm, such as a successor assumed after the sourced rules ended.
    status: Literal["sourced", "assumed"] = "sourced"
    assumption: Assumption | None = None
    parameters: dict[Identifier, Parameter] = Field(default_factory=dict)
    conditions: Group
    formulas: dict[Identifier, Formula] = Field(default_factory=dict)
    # What a payment cycle re-checks each month of a benefit paid over time: ids of eligibility
    # conditions that can lapse (still employed in the district, no home bought), and
    # continuation conditions. Entry-time windows are left out: they held when applying.
    lapsing: tuple[Identifier | Continuation, ...] = ()

    @model_validator(mode="after")
    def _lapsing_known(self) -> PolicyFile:
        known = {a.id for a in self.atomics()} | _group_ids(self.conditions)
        ids = [e if isinstance(e, str) else e.condition.id for e in self.lapsing]
        if len(ids) != len(set(ids)):
            raise ValueError("a lapsing condition is listed twice")
        for entry in self.lapsing:
            if isinstance(entry, str) and entry not in known:
                raise ValueError(f"lapsing names an unknown condition '{entry}'")
            if isinstance(entry, Continuation) and entry.condition.id in known:
                raise ValueError(f"continuation '{entry.condition.id}' reuses a condition id")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> PolicyFile:
        if self.policy_id.split(".", 1)[0] != self.district:
            raise ValueError("the policy id starts with its district")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.version != self.valid_from.isoformat():
            raise ValueError("the version is the valid_from date")
        if self.supersedes is not None:
            policy_id, _, version = self.supersedes.partition("@")
            if policy_id != self.policy_id or version >= self.version:
                raise ValueError("supersedes names an earlier version of the same policy")
        if (self.status == "assumed") != (self.assumption is not None):
            raise ValueError("an assumed version gives an assumption (reason, date); only it")
        cited = [p.source for p in self.parameters.values() if p.source is not None]
        cited += [
            entry.source for p in self.parameters.values() for entry in p.values if entry.source
        ]
        for source in cited:
            if source.document not in self.documents:
                raise ValueError(f"unknown document '{source.document}' in a parameter source")
        for entry in self.parameters.values():
            first = entry.values[0].valid_from
            if first > self.valid_from:
                raise ValueError(f"a parameter has no value on {self.valid_from} (first {first})")
        return self

    def atomics(self) -> list[Atomic]:
        found: list[Atomic] = []

        def visit(node: Condition) -> None:
            if isinstance(node, Atomic):
                found.append(node)
            else:
                for child in node.children:
                    visit(child)

        visit(self.conditions)
        return found


def _group_ids(node: Condition) -> set[str]:
    if isinstance(node, Atomic):
        return set()
    found = {node.id} if node.id is not None else set()
    for child in node.children:
        found |= _group_ids(child)
    return found


Group.model_rebuild()


class TestCase(_Strict):
    """One OpenFisca-style case: facts at a date and what must come out.

    ``facts`` are laid over the file's ``base_facts`` (a ``null`` removes a base fact, making it
    unknown); ``as_of`` defaults to the file's. ``outputs`` and ``conditions`` list only what the
    case checks; ``missing_facts`` is compared in order; each ``hints`` entry must match one hint
    on the keys it gives.
    """

    __test__ = False

    name: str
    as_of: date | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    status: Literal["eligible", "ineligible", "unknown"]
    version: str | None = None
    outputs: dict[str, Any] = Field(default_factory=dict)
    missing_facts: tuple[str, ...] | None = None
    conditions: dict[str, Literal["true", "false", "unknown"]] = Field(default_factory=dict)
    hints: tuple[dict[str, Any], ...] = ()
    # Words a condition's English message must contain (what a failed condition explains, such
    # as a declared programme membership that is not verified).
    messages: dict[str, str] = Field(default_factory=dict)
    # A payment cycle's re-check instead of the application: only the lapsing conditions in
    # force in this month of the schedule; ``status`` and ``conditions`` are theirs.
    lapsing_month: int | None = Field(default=None, ge=1)
    # Which class of past errors this case guards against; tests/unit/rules/edge_classes/ runs
    # the cases of each class and requires them on every policy the class touches.
    classes: tuple[EdgeClass, ...] = ()


class TestFile(_Strict):
    __test__ = False

    policy_id: PolicyId
    as_of: date
    base_facts: dict[str, Any] = Field(default_factory=dict)
    cases: tuple[TestCase, ...] = Field(min_length=1)

    def facts_of(self, case: TestCase) -> dict[str, Any]:
        merged = {**self.base_facts, **case.facts}
        return {name: value for name, value in merged.items() if value is not None}

    def as_of_of(self, case: TestCase) -> date:
        return case.as_of or self.as_of
