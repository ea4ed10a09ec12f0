"""Eligibility rules for the talent-services portal: policy files as data, a pure engine.

Public API (the web layer imports only from here)::

    from app.rules import load_library, validate_facts, reproduce, FACTS

    library = load_library()
    results = library.evaluate(facts, as_of=date.today(), district="changning", lang="en")

See ``docs/rules.md`` for the policy file format and the fact vocabulary.
"""

from app.rules.batch import BatchValidationError, OutputColumn
from app.rules.diff import StatusChange, compare_libraries, compare_versions
from app.rules.engine import (
    ENGINE_VERSION,
    BatchResult,
    PolicyInfo,
    PolicyLibrary,
    PolicyNotInDistrictError,
    PolicyNotInForceError,
    PolicyVersionInfo,
    ReceiptMismatchError,
    UnknownPolicyError,
    load_library,
    reproduce,
)
from app.rules.explain import country_choices, format_value, output_lines
from app.rules.facts import (
    FACTS,
    SUPPORTED_FROM,
    SUPPORTED_TO,
    VALUE_LABELS,
    AsOfOutOfRangeError,
    FactError,
    FactSpec,
    FactsValidation,
    FactsValidationError,
    Text,
    check_as_of,
    validate_facts,
)
from app.rules.loader import PolicyLoadError
from app.rules.results import (
    ClauseRef,
    Criterion,
    DecisionStatus,
    Hint,
    PolicyResult,
    Provenance,
    Receipt,
    Status,
)

__all__ = [
    "country_choices",
    "format_value",
    "output_lines",
    "ENGINE_VERSION",
    "FACTS",
    "SUPPORTED_FROM",
    "SUPPORTED_TO",
    "VALUE_LABELS",
    "AsOfOutOfRangeError",
    "BatchResult",
    "BatchValidationError",
    "ClauseRef",
    "Criterion",
    "DecisionStatus",
    "Provenance",
    "FactError",
    "FactSpec",
    "FactsValidation",
    "FactsValidationError",
    "Hint",
    "OutputColumn",
    "PolicyInfo",
    "PolicyLibrary",
    "PolicyLoadError",
    "PolicyNotInDistrictError",
    "PolicyNotInForceError",
    "PolicyResult",
    "PolicyVersionInfo",
    "Receipt",
    "ReceiptMismatchError",
    "StatusChange",
    "Status",
    "Text",
    "UnknownPolicyError",
    "check_as_of",
    "compare_libraries",
    "compare_versions",
    "load_library",
    "reproduce",
    "validate_facts",
]
