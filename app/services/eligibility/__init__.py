"""Eligibility: checks against the rules, the public calculator, re-checks after a policy change."""

from app.services.eligibility.checks import (
    as_of_error,
    check,
    checked_facts,
    fact_field_errors,
    fact_vocabulary,
    get_policy,
    list_policies,
    today,
)

__all__ = [
    "as_of_error",
    "check",
    "checked_facts",
    "fact_field_errors",
    "fact_vocabulary",
    "get_policy",
    "list_policies",
    "today",
]
