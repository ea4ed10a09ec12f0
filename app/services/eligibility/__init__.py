"""Eligibility: checks against the rules, the public calculator, re-checks after a policy change."""

from app.services.eligibility.checks import (
    ERR_NO_SUCH_POLICY,
    ERR_NOT_IN_FORCE,
    ERR_UNKNOWN_POLICY,
    check,
    checked_facts,
    fact_field_errors,
    fact_vocabulary,
    get_policy,
    list_policies,
    today,
)

__all__ = [
    "ERR_NOT_IN_FORCE",
    "ERR_NO_SUCH_POLICY",
    "ERR_UNKNOWN_POLICY",
    "check",
    "checked_facts",
    "fact_field_errors",
    "fact_vocabulary",
    "get_policy",
    "list_policies",
    "today",
]
