"""Class 9: explanations a citizen understands, in both languages.

Every criterion message and hint of every policy, for the fact sets of its YAML cases, reads as
words: no JSON, no codes (enum codes, fact names, two-letter country codes), no negative
durations, no doubled words, thousands separators on large numbers; and hints only ask for
what a person can change, each change once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from app.rules import FACTS, FactsValidationError, load_library
from app.rules.explain import actual_required, output_lines, render_message, requirement_texts
from app.rules.facts import derive, require_valid
from app.rules.results import PolicyResult
from app.rules.testing import read_test_files
from app.rules.timeutil import add_months
from tests.unit.rules.edge_classes import check_class, policies_tagged

_FILES = read_test_files()
POLICIES = sorted({file.policy_id for file in _FILES})

_JSON = re.compile(r"[{}\[\]]")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_COUNTRY = re.compile(r"(?<![A-Za-z])[A-Z]{2}(?![A-Za-z])")
_NEGATIVE_DURATION = re.compile(r"-\s*\d[\d,.]*\s*(?:个月|月|年|天|周岁|岁|months?|years?|days?)")
_LONG_NUMBER = re.compile(r"(?<![\d,.])\d{5,}")
_DOUBLED_EN = re.compile(r"\b([A-Za-z]{2,})\b[\s:,]+\1\b", re.IGNORECASE)
_DOUBLED_ZH = re.compile(r"([\u4e00-\u9fff]{2,})\1")


def _shifted(facts: dict[str, Any], months: int, names: tuple[str, ...]) -> dict[str, Any]:
    moved = dict(facts)
    for name in names:
        value = facts.get(name)
        if value is not None:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
            moved[name] = add_months(day, months)
    return moved


def _fact_sets(policy_id: str) -> Iterator[tuple[str, dict[str, Any], date]]:
    """The YAML cases' facts, and the same with the dates moved so that durations run
    backwards (graduation, return, job and certificate still ahead; a contract already over)."""
    for file in _FILES:
        if file.policy_id != policy_id:
            continue
        for case in file.cases:
            if case.lapsing_month is not None:
                continue
            facts, as_of = file.facts_of(case), file.as_of_of(case)
            yield case.name, facts, as_of
            ahead = ("graduation_date", "return_date", "employment_start_date", "certificate_date")
            yield f"{case.name} (dates ahead)", _shifted(facts, 30, ahead), as_of
            yield (
                f"{case.name} (contract over)",
                _shifted(facts, -40, ("contract_end_date",)),
                as_of,
            )


def _results(policy_id: str) -> Iterator[tuple[str, str, PolicyResult]]:
    library = load_library()
    for name, facts, as_of in _fact_sets(policy_id):
        for lang in ("zh", "en"):
            try:
                (result,) = library.evaluate(facts, as_of, policy_ids=[policy_id], lang=lang)
            except FactsValidationError:
                continue  # a date refused as being in the future: nothing to explain
            yield name, lang, result


def _every_message(policy_id: str) -> Iterator[tuple[str, str, str, str]]:
    """Both messages of every condition, filled with each fact set's values (a YAML case reaches
    only one of them)."""
    library = load_library()
    for name, facts, as_of in _fact_sets(policy_id):
        policy = library.version_at(policy_id, as_of)
        try:
            entered = require_valid(facts)
        except FactsValidationError:
            continue
        if policy is None:
            continue
        ev = policy.run(entered, as_of, derive(entered, as_of))
        for leaf in policy.leaves:
            actual, required, fact = actual_required(ev, leaf)
            for lang in ("zh", "en"):
                for passed in (True, False):
                    text = render_message(ev, leaf, passed, lang, actual, required, fact)
                    if "未知" not in text and "unknown" not in text:
                        yield name, lang, leaf.atomic.id, text


def _problems(text: str, lang: str) -> list[str]:
    found = []
    if _JSON.search(text):
        found.append("JSON or a template field")
    if _SNAKE.search(text):
        found.append(f"a code: {_SNAKE.search(text).group()}")  # type: ignore[union-attr]
    if _COUNTRY.search(text):
        found.append(f"a country code: {_COUNTRY.search(text).group()}")  # type: ignore[union-attr]
    if _NEGATIVE_DURATION.search(text):
        found.append("a negative duration")
    if _LONG_NUMBER.search(text):
        found.append("a number without thousands separators")
    doubled = _DOUBLED_EN.search(text) if lang == "en" else _DOUBLED_ZH.search(text)
    if doubled:
        found.append(f"a doubled word: {doubled.group()}")
    if lang == "zh" and "学位为大专" in text:
        found.append("大专 called a degree")
    return found


@pytest.mark.parametrize("policy_id", POLICIES)
def test_explanations_a_citizen_understands(policy_id: str) -> None:
    failures: set[str] = set()
    for name, lang, result in _results(policy_id):
        texts = [(f"criterion {c.id}", c.message) for c in result.criteria]
        texts += [(f"hint {h.fact or h.kind}", h.messages.get(lang)) for h in result.hints]
        for where, text in texts:
            for problem in _problems(text, lang):
                failures.add(f"{name} [{lang}] {where}: {problem}: {text}")
        for hint in result.hints:
            if hint.fact is not None and not FACTS[hint.fact].can_change:
                failures.add(f"{name}: a hint asks to change {hint.fact}: {hint.message}")
        changes = [(h.fact, repr(h.to)) for h in result.hints if h.fact is not None]
        if len(changes) != len(set(changes)):
            failures.add(f"{name}: a change is proposed twice: {changes}")
    for name, lang, condition, text in _every_message(policy_id):
        for problem in _problems(text, lang):
            failures.add(f"{name} [{lang}] message of {condition}: {problem}: {text}")
    assert sorted(failures) == []


@pytest.mark.parametrize("policy_id", sorted(policies_tagged("explanations_a_citizen_understands")))
def test_tagged_cases_of_explanations_pass(policy_id: str) -> None:
    check_class("explanations_a_citizen_understands", policy_id, frozenset())


@pytest.mark.parametrize("policy_id", POLICIES)
def test_explanations_a_citizen_understands_in_outputs(policy_id: str) -> None:
    """What a result grants or scores, as a result page shows it: by label, codes by name
    (a route, a tier, a breakdown's items), numbers with separators and their unit."""
    library = load_library()
    bad = []
    for name, facts, as_of in _fact_sets(policy_id):
        for lang in ("zh", "en"):
            try:
                (result,) = library.evaluate(facts, as_of, policy_ids=[policy_id], lang=lang)
            except FactsValidationError:
                continue
            policy = library.version(policy_id, result.policy_version)
            for label, text in output_lines(policy, result.outputs, lang):
                line = f"{label}: {text}"
                for problem, pattern in (
                    ("a code", _SNAKE),
                    ("JSON", _JSON),
                    ("a number without separators", _LONG_NUMBER),
                ):
                    if pattern.search(line):
                        bad.append(f"{name} [{lang}]: {problem}: {line}")
                if re.fullmatch(r"[a-z_]+", text):
                    bad.append(f"{name} [{lang}]: a bare code: {line}")
    assert bad == []


@pytest.mark.parametrize("policy_id", POLICIES)
def test_explanations_a_citizen_understands_in_requirements(policy_id: str) -> None:
    """The requirement lines of the public policy pages: no negative duration ("at least -12
    months since graduation" reads "at most 12 months before the graduation date"), no codes."""
    library = load_library()
    bad = []
    for info in library.get(policy_id).versions:
        policy = library.version(policy_id, info.version)
        for lang in ("zh", "en"):
            for condition, line in requirement_texts(policy, policy.spec.valid_from, lang).items():
                if _NEGATIVE_DURATION.search(line) or _JSON.search(line):
                    bad.append(f"{info.version} {condition} [{lang}]: {line}")
    assert bad == []
