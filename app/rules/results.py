"""What an evaluation returns; ``model_dump(mode="json")`` is the API's JSON shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.rules.facts import Text

Status = Literal["eligible", "ineligible", "unknown"]
Result = Literal["true", "false", "unknown"]


class DecisionStatus(StrEnum):
    """The values of :data:`Status` as names, for code that acts on a decision's status.

    Results keep the ``Status`` literal (their JSON and validation are unchanged); a member is
    the ``str`` it names, so it compares equal to a result's status and to a stored one.
    """

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNKNOWN = "unknown"


class Provenance(StrEnum):
    """Where a policy version's or a parameter's value comes from: a cited source, or an
    assumption staff must confirm (shown as such, never as official)."""

    SOURCED = "sourced"
    ASSUMED = "assumed"


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


@dataclass(frozen=True, slots=True)
class ClauseRef:
    document: str
    document_title: str
    document_number: str | None
    article: str
    text_zh: str
    text_en: str
    verbatim: bool


@dataclass(frozen=True, slots=True)
class Criterion:
    """One atomic condition: its result, the values compared, its clause and message.

    A plain dataclass rather than a model: results carry dozens of these and building them is on
    the 5 ms path; pydantic still validates and serialises them inside :class:`PolicyResult`.
    """

    id: str
    result: Result
    actual: Any
    required: Any
    clause: ClauseRef
    message: str
    missing_facts: list[str]
    groups: tuple[str, ...]
    assumed: list[str]
    """Parameters behind ``required`` whose values are assumptions, not official figures."""


class Hint(_Out):
    """A change that would alter the outcome, verified by re-evaluating the policy.

    ``kind`` is ``numeric_gap`` (``fact`` from ``from`` to ``to``), ``allowed_values`` (``to`` is
    the list of values that would do) or ``eligible_from`` (``date``, nothing else changing).
    Hints sharing an ``option`` number are needed together; ``result_status`` is the status the
    re-evaluation gave once that option is applied (``unknown`` while other answers are missing).
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    kind: Literal["numeric_gap", "allowed_values", "eligible_from"]
    fact: str | None
    from_: Any = Field(alias="from")
    to: Any
    date: date | None
    condition_id: str | None
    option: int
    result_status: Status
    message: str
    messages: Text


class Receipt(_Out):
    """Everything needed to reproduce a decision (see :func:`app.rules.reproduce`)."""

    policy_id: str
    policy_version: str
    content_sha256: str
    engine_version: str
    as_of: date
    facts: dict[str, Any]
    facts_sha256: str
    status: Status
    decision_sha256: str
    assumed_parameters: list[str]
    # Receipts stored before versions carried a status were all of sourced versions.
    version_status: Literal["sourced", "assumed"] = "sourced"


class PolicyResult(_Out):
    policy_id: str
    policy_version: str
    title: str
    district: str
    status: Status
    outputs: dict[str, Any]
    criteria: list[Criterion]
    missing_facts: list[str]
    hints: list[Hint]
    receipt: Receipt
    version_status: Literal["sourced", "assumed"] = "sourced"
    """``assumed`` when the version itself is an assumption staff must confirm."""
    version_assumption: str | None = None
    """Why the version is assumed, in the requested language."""


Model = TypeVar("Model", bound=BaseModel)


def build(cls: type[Model], **values: Any) -> Model:
    """``model_construct`` minus its per-call bookkeeping, for values the engine made itself.

    Results are built on the 5 ms path (dozens per evaluation) from values that are correct by
    construction; validation happens when a client parses them back (``model_validate``).
    Every field must be given.
    """
    model = cls.__new__(cls)
    object.__setattr__(model, "__dict__", values)
    object.__setattr__(model, "__pydantic_fields_set__", set(values))
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model
