"""The fact vocabulary, fact validation and the facts the engine derives from dates.

Names follow ``talent-facts.md`` and are never renamed: applicant profiles, policy files and
mobile clients all use them. Additions made for policies that needed them are listed in
``docs/rules.md``.

An absent or ``null`` fact is unknown. Validation never fills in a default, and derived facts are
left out (unknown) whenever the date they are computed from is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from app.rules.countries import ISO_3166_ALPHA2
from app.rules.timeutil import exact_months, term_months, whole_months, whole_years

FactType = Literal["bool", "int", "number", "string", "enum", "country", "date", "list"]
Advance = Literal["months", "years"]
Derivation = Literal["since", "until", "between"]
Measure = Literal["whole_years", "whole_months", "exact_months", "term_months"]
FactValue = bool | int | float | str | date | tuple[str, ...]


class Text(BaseModel):
    """A text in both languages the portal serves."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class EnumValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    label: Text


class FactSpec(BaseModel):
    """One fact name, with what a questionnaire needs to ask for it.

    ``advances`` marks counters that keep growing while nothing else changes (the applicant keeps
    paying social insurance, holding the permit, working): the date search of the hints moves them
    forward with the calendar. ``gap`` is the phrase a numeric-gap hint uses, with ``{delta}`` and
    ``{district}`` placeholders. ``changeable: false`` marks what a person cannot be asked to
    change (birth date, nationality, hukou, the university and degree already obtained, days
    already used): hints never propose it. ``value_labels`` name the codes of an int-coded fact
    (skill level 0 = none, 1 = senior technician...) wherever a value is shown. ``future`` says
    whether a date may lie after the evaluation date (a contract's end, an expected graduation);
    every other date is refused when it does.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    type: FactType
    # ``label`` names the fact in summaries and inside sentences (lower case in English, shown
    # sentence-cased on its own); ``question`` is how a form asks for it. Derived facts are never
    # asked, so they have none.
    label: Text
    question: Text | None = None
    help: Text
    category: Literal["person", "education", "employment", "qualification", "derived"]
    values: tuple[EnumValue, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: Text | None = None
    step: float = 1.0
    derived_from: str | None = None
    derived_to: str | None = None
    derivation: Derivation | None = None
    measure: Measure | None = None
    advances: Advance | None = None
    gap: Text | None = None
    changeable: bool = True
    value_labels: tuple[tuple[int, Text], ...] = ()
    future: Literal["allowed", "refused"] = "refused"
    # The earliest plausible date (a birth date before 1900 is a typing slip, not a person).
    earliest: date | None = None
    # When a questionnaire asks for the fact at all: one comparison on another fact, in the
    # materials' ``when`` form (``degree_country != 'CN'``). A return date is not asked of
    # someone whose degree is from China; while the other fact is unknown, it is asked.
    asked_when: str | None = None
    # A fact the portal reads from a verified record (the talent register) instead of asking:
    # ``verifies`` names the fact the applicant declares the same thing in, ``verification``
    # says what verifies it, for the explanation of a declared value that is not verified.
    verifies: str | None = None
    verification: Text | None = None

    @property
    def derived(self) -> bool:
        return self.derived_from is not None

    @property
    def verified(self) -> bool:
        return self.verifies is not None

    @property
    def askable(self) -> bool:
        """Whether a questionnaire may ask a person for it (not derived, not verified)."""
        return not self.derived and not self.verified

    @property
    def sources(self) -> tuple[str, ...]:
        """The entered facts this one is computed from (itself when entered)."""
        if self.derived_from is None:
            return (self.name,)
        if self.derived_to is None:
            return (self.derived_from,)
        return (self.derived_from, self.derived_to)

    @property
    def can_change(self) -> bool:
        """Whether a hint may propose a new value (derived facts move only with time)."""
        return self.changeable and not self.derived

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(value.code for value in self.values)

    def asked(self, lang: str) -> str:
        """The question a form asks for the fact with, in the reader's language."""
        if self.question is None:
            raise ValueError(f"{self.name} is derived or verified and never asked")
        return self.question.get(lang)


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


def _load_vocabulary() -> tuple[FactSpec, ...]:
    # Data rather than code so that mobile clients and questionnaires can ship the same file.
    text = resources.files("app.rules").joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    entries: list[dict[str, Any]] = yaml.load(text, Loader=_Loader)
    specs = []
    for entry in entries:
        entry.setdefault("help", {"zh": "", "en": ""})
        entry["values"] = tuple(
            EnumValue(code=item["code"], label=_t(item["zh"], item["en"]))
            for item in entry.get("values", ())
        )
        entry["value_labels"] = tuple(
            (int(item["code"]), _t(item["zh"], item["en"]))
            for item in entry.get("value_labels", ())
        )
        spec = FactSpec.model_validate(entry)
        if spec.derived and (spec.derivation is None or spec.measure is None):
            raise ValueError(f"derived fact {spec.name} needs a derivation and a measure")
        if spec.askable and spec.question is None:
            raise ValueError(f"fact {spec.name} is asked, so it needs a question")
        if spec.verified and (spec.verification is None or spec.changeable):
            raise ValueError(f"verified fact {spec.name} needs a verification and no change")
        specs.append(spec)
    return tuple(specs)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SPECS = _load_vocabulary()

FACTS: Mapping[str, FactSpec] = {spec.name: spec for spec in _SPECS}
VALUE_LABELS: Mapping[str, Mapping[str, Text]] = {
    spec.name: {value.code: value.label for value in spec.values} for spec in _SPECS if spec.values
}
"""The fact vocabulary, in questionnaire order."""
INT_LABELS: Mapping[str, Mapping[int, Text]] = {
    spec.name: dict(spec.value_labels) for spec in _SPECS if spec.value_labels
}
"""Names of the codes of int-coded facts (skill levels), shown instead of the bare number."""

TIME_FACTS: frozenset[str] = frozenset(
    spec.name for spec in _SPECS if spec.derivation in ("since", "until") or spec.advances
)
"""Facts that change with the calendar alone (measured from a date to the evaluation date, or
counters that advance); a period between two entered dates does not."""
DERIVED_FACTS: tuple[str, ...] = tuple(spec.name for spec in _SPECS if spec.derived)
INPUT_FACTS: tuple[str, ...] = tuple(spec.name for spec in _SPECS if not spec.derived)
FACT_ORDER: Mapping[str, int] = {name: index for index, name in enumerate(FACTS)}


def base_facts(name: str) -> tuple[str, ...]:
    """Every entered fact a derived fact is computed from (the fact itself otherwise)."""
    return FACTS[name].sources


MEASURES: Mapping[str, Callable[[date, date], int | float]] = {
    "whole_years": whole_years,
    "whole_months": whole_months,
    "exact_months": exact_months,
    "term_months": term_months,
}
"""How each derived fact measures its period: the one definition both engines follow."""


def derive(facts: Mapping[str, FactValue], as_of: date) -> dict[str, FactValue]:
    """Entered facts plus the derived ones that can be computed at ``as_of``."""
    result = dict(facts)
    for spec in _DERIVED_SPECS:
        first = facts.get(spec.derived_from or "")
        if not isinstance(first, date):
            continue
        if spec.derivation == "between":
            second = facts.get(spec.derived_to or "")
            if not isinstance(second, date):
                continue
            start, end = first, second
        elif spec.derivation == "until":
            start, end = as_of, first
        else:
            start, end = first, as_of
        result[spec.name] = MEASURES[spec.measure or "whole_months"](start, end)
    return result


_DERIVED_SPECS: tuple[FactSpec, ...] = tuple(spec for spec in _SPECS if spec.derived)


def advance(facts: Mapping[str, FactValue], months: int) -> dict[str, FactValue]:
    """Entered counters after ``months`` more months of the same situation.

    A counter stops at its vocabulary maximum: a date a hint announces can be checked by
    entering the counters of that day, which validation would refuse beyond it."""
    result = dict(facts)
    for name, value in facts.items():
        spec = FACTS[name]
        top = spec.maximum if spec.maximum is not None else float("inf")
        if spec.advances == "months" and isinstance(value, int):
            result[name] = int(min(value + months, top))
        elif spec.advances == "years" and isinstance(value, float):
            result[name] = min(value + months / 12, top)
    return result


# --- validation -------------------------------------------------------------------------------

SUPPORTED_FROM = date(1950, 1, 1)
SUPPORTED_TO = date(2100, 12, 31)
"""The evaluation dates (``as_of``) the engine answers for, both inclusive.

The oldest policy in the library starts in 2017 and none is planned past this century, so outside
these years there is nothing to decide, only arithmetic to break. The bounds keep every date the
engine computes far inside what ``datetime.date`` and ``numpy.datetime64`` represent: the hints'
eligible-from search looks ten years past ``as_of`` (``hints.HORIZON_MONTHS``), so it ends in
2110 at the latest, where an ``as_of`` in 9999 used to step past ``date.max`` and crash.
"""


class FactError(BaseModel):
    """One reason a raw facts object was refused (the API answers 422 with these)."""

    model_config = ConfigDict(frozen=True)

    code: Literal[
        "unknown_fact",
        "derived_fact",
        "invalid_type",
        "invalid_value",
        "out_of_range",
        "future_date",
        "verified_fact",
        "contradiction",
    ]
    field: str
    message: Text


class FactsValidation(BaseModel):
    """Typed facts (unknown facts simply absent) or the list of errors."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    ok: bool
    facts: dict[str, FactValue] | None = None
    errors: tuple[FactError, ...] = ()


class FactsValidationError(ValueError):
    def __init__(self, errors: tuple[FactError, ...]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message.en}" for e in errors))
        self.errors = errors


class AsOfOutOfRangeError(ValueError):
    """An evaluation date outside :data:`SUPPORTED_FROM`..:data:`SUPPORTED_TO`."""

    field = "as_of"

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        low, high = SUPPORTED_FROM.isoformat(), SUPPORTED_TO.isoformat()
        self.message = _t(
            f"评估日期 {as_of.isoformat()} 超出可计算的范围（{low} 至 {high}）",
            f"the evaluation date {as_of.isoformat()} is outside the dates the rules can "
            f"compute ({low} to {high})",
        )
        super().__init__(self.message.en)


def check_as_of(as_of: date) -> None:
    """Raise :class:`AsOfOutOfRangeError` unless the engine can evaluate at ``as_of``."""
    if not SUPPORTED_FROM <= as_of <= SUPPORTED_TO:
        raise AsOfOutOfRangeError(as_of)


_COUNTRY = re.compile(r"^[A-Z]{2}$")

_TYPE_TEXT: Mapping[FactType, Text] = {
    "bool": _t("布尔值 true/false", "a boolean true/false"),
    "int": _t("整数", "an integer"),
    "number": _t("数字", "a number"),
    "string": _t("文本", "a text"),
    "enum": _t("列表中的取值", "one of the listed codes"),
    "country": _t("两位国家或地区代码（如 CN）", "a two-letter country code (such as CN)"),
    "date": _t("YYYY-MM-DD 格式的日期", "a date as YYYY-MM-DD"),
    "list": _t("代码列表", "a list of codes"),
}


def _type_error(spec: FactSpec) -> FactError:
    expected = _TYPE_TEXT[spec.type]
    return FactError(
        code="invalid_type",
        field=spec.name,
        message=_t(f"{spec.label.zh}应为{expected.zh}", f"{spec.label.en} must be {expected.en}"),
    )


def _value_error(spec: FactSpec, value: object, allowed: Text | None = None) -> FactError:
    codes = ", ".join(spec.codes)
    zh, en = (allowed.zh, allowed.en) if allowed else (codes, codes)
    return FactError(
        code="invalid_value",
        field=spec.name,
        message=_t(
            f"{spec.label.zh}的取值“{value}”无效，可选：{zh}",
            f"{spec.label.en}: “{value}” is not valid; allowed: {en}",
        ),
    )


# Two letters no country holds (XK, ZZ, EU) would match no policy's list yet read as a country.
_ISO_CODES = _t("ISO 3166-1 国家或地区代码", "an ISO 3166-1 country or region code")


def _shown(value: float) -> str:
    # An integer too large for a float (JSON allows any number of digits) cannot be formatted
    # with ``g``; its first digits say enough.
    try:
        return f"{value:g}"
    except OverflowError:
        return f"{str(value)[:12]}…"


def _range_error(spec: FactSpec, value: float) -> FactError:
    if spec.minimum is not None and spec.maximum is not None:
        bounds = f"{spec.minimum:g}–{spec.maximum:g}"
    elif spec.minimum is not None:
        bounds = f"≥ {spec.minimum:g}"
    else:
        bounds = f"≤ {spec.maximum:g}"
    return FactError(
        code="out_of_range",
        field=spec.name,
        message=_t(
            f"{spec.label.zh}超出范围（应 {bounds}）：{_shown(value)}",
            f"{spec.label.en} is out of range (must be {bounds}): {_shown(value)}",
        ),
    )


def _convert(spec: FactSpec, raw: object) -> FactValue | FactError:
    kind = spec.type
    if kind == "bool":
        return raw if isinstance(raw, bool) else _type_error(spec)
    if kind in ("int", "number"):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return _type_error(spec)
        if raw != raw or raw in (float("inf"), float("-inf")):
            return _type_error(spec)
        number: int | float
        if kind == "int":
            if isinstance(raw, float) and not raw.is_integer():
                return _type_error(spec)
            number = int(raw)
        else:
            try:
                number = float(raw)
            except OverflowError:
                # Beyond any float, so beyond any bound the vocabulary gives.
                return _range_error(spec, raw) if spec.maximum is not None else _type_error(spec)
        too_low = spec.minimum is not None and number < spec.minimum
        too_high = spec.maximum is not None and number > spec.maximum
        return _range_error(spec, number) if too_low or too_high else number
    if kind == "date":
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                return _type_error(spec)
        return _type_error(spec)
    if kind == "list":
        if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
            return _type_error(spec)
        unknown = [v for v in raw if v not in spec.codes]
        if unknown:
            return _value_error(spec, ", ".join(unknown))
        return tuple(sorted(set(raw)))
    if not isinstance(raw, str):
        return _type_error(spec)
    if kind == "enum":
        return raw if raw in spec.codes else _value_error(spec, raw)
    if kind == "country":
        code = raw.upper()
        if not _COUNTRY.match(code):
            return _type_error(spec)
        return code if code in ISO_3166_ALPHA2 else _value_error(spec, raw, _ISO_CODES)
    return raw


ORDERED: tuple[tuple[str, str, Text | None], ...] = (
    (
        "residence_permit_social_insurance_years",
        "residence_permit_years",
        _t(
            "持证期间的社保年限包含在持证年限之内",
            "insurance while holding the permit is part of holding it",
        ),
    ),
    (
        "social_insurance_months_in_district",
        "social_insurance_months",
        _t(
            "在本区缴纳的月数包含在本市累计月数之内",
            "months insured in the district are months insured in Shanghai",
        ),
    ),
    (
        "employment_start_date",
        "contract_end_date",
        _t("劳动合同不能在入职之前截止", "a contract cannot end before the job began"),
    ),
    (
        "contract_start_date",
        "contract_end_date",
        _t("劳动合同不能在起始之前截止", "a contract cannot end before it starts"),
    ),
    *(
        ("birth_date", later, None)
        for later in (
            "graduation_date",
            "return_date",
            "employment_start_date",
            "contract_start_date",
            "contract_end_date",
            "certificate_date",
        )
    ),
)
"""Pairs of facts where the first can never exceed the second: one is part of the other, or
happens after it. A profile breaking one is refused naming both facts, rather than decided."""

HUKOU_HOLDERS = ("shanghai", "other")
"""Hukou codes only a mainland PRC citizen holds: foreigners and Hong Kong, Macao and Taiwan
residents (nationality other than CN) have no hukou."""


def _shown_value(value: FactValue) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _contradiction(names: tuple[str, str], zh: str, en: str) -> list[FactError]:
    # Reported on both facts, so a form marks both fields: either may be the wrong one.
    message = _t(zh, en)
    return [FactError(code="contradiction", field=name, message=message) for name in names]


def implausible_dates(facts: Mapping[str, FactValue]) -> list[FactError]:
    """Dates before their fact's earliest plausible day (a birth date in 1850): refused where
    a person enters them (``validate_facts(..., entered=True)``), not when the engine decides
    on facts already kept."""
    errors: list[FactError] = []
    for name, value in facts.items():
        earliest = FACTS[name].earliest
        if isinstance(value, date) and earliest is not None and value < earliest:
            label = FACTS[name].label
            errors.append(
                FactError(
                    code="out_of_range",
                    field=name,
                    message=_t(
                        f"{label.zh}（{value.isoformat()}）不能早于 {earliest.isoformat()}",
                        f"{label.en} ({value.isoformat()}) cannot be before {earliest.isoformat()}",
                    ),
                )
            )
    return errors


def consistency_errors(facts: Mapping[str, FactValue], as_of: date | None) -> list[FactError]:
    """Typed facts that cannot all be true: a past-only date after ``as_of`` (checked only when
    ``as_of`` is given), a pair of :data:`ORDERED` facts out of order, a foreign nationality with a
    hukou. Each error names every fact involved."""
    errors: list[FactError] = []
    if as_of is not None:
        for name, value in facts.items():
            spec = FACTS[name]
            if isinstance(value, date) and spec.future == "refused" and value > as_of:
                day, on = value.isoformat(), as_of.isoformat()
                errors.append(
                    FactError(
                        code="future_date",
                        field=name,
                        message=_t(
                            f"{spec.label.zh}（{day}）晚于评估日期 {on}，不能是将来的日期",
                            f"{spec.label.en} ({day}) is after the evaluation date {on}; "
                            "it cannot be in the future",
                        ),
                    )
                )
    for low, high, why in ORDERED:
        first, second = facts.get(low), facts.get(high)
        if first is None or second is None or not first > second:  # type: ignore[operator]
            continue
        a, b = FACTS[low], FACTS[high]
        shown_a, shown_b = _shown_value(first), _shown_value(second)
        dated = isinstance(first, date)
        zh = f"{a.label.zh}（{shown_a}）不能{'晚于' if dated else '大于'}{b.label.zh}（{shown_b}）"
        en = (
            f"{a.label.en} ({shown_a}) cannot be {'later' if dated else 'greater'} than "
            f"{b.label.en} ({shown_b})"
        )
        if why is not None:
            zh, en = f"{zh}：{why.zh}", f"{en}: {why.en}"
        errors += _contradiction((low, high), zh, en)
    nationality, hukou = facts.get("nationality"), facts.get("hukou")
    if nationality is not None and nationality != "CN" and hukou in HUKOU_HOLDERS:
        n, h = FACTS["nationality"].label, FACTS["hukou"].label
        held = VALUE_LABELS["hukou"][str(hukou)]
        errors += _contradiction(
            ("nationality", "hukou"),
            f"{n.zh}为 {nationality}（非中国内地居民）时不可能持有{held.zh}：请核对{n.zh}和{h.zh}",
            f"with {n.en} {nationality} (not a mainland PRC citizen) there is no {held.en}: "
            f"check the {n.en} and the {h.en}",
        )
    return errors


def validate_facts(
    raw: Mapping[str, Any], as_of: date | None = None, *, entered: bool = False
) -> FactsValidation:
    """Check a raw JSON facts object against the vocabulary.

    Every problem is reported, not just the first, so one 422 answer lists them all. Derived facts
    are refused because the engine computes them from ``as_of``; accepting them would let a stale
    age outlive its evaluation date. Facts that contradict each other are refused too (see
    :func:`consistency_errors`), and with ``as_of`` given, dates after it that cannot be in the
    future. ``entered``: the facts come from a person just now, so implausible dates are
    refused as well (:func:`implausible_dates`).
    """
    facts: dict[str, FactValue] = {}
    errors: list[FactError] = []
    for name, value in raw.items():
        spec = FACTS.get(name)
        if spec is None:
            errors.append(
                FactError(
                    code="unknown_fact",
                    field=str(name),
                    message=_t(f"未知的事实项：{name}", f"unknown fact: {name}"),
                )
            )
            continue
        if spec.derived:
            errors.append(
                FactError(
                    code="derived_fact",
                    field=name,
                    message=_t(
                        f"{spec.label.zh}由系统根据"
                        f"{FACTS[spec.derived_from or name].label.zh}计算，"
                        "无需填写",
                        f"{spec.label.en} is computed from "
                        f"{FACTS[spec.derived_from or name].label.en}; do not send it",
                    ),
                )
            )
            continue
        if entered and spec.verified:
            # A person's word is not a verification: the portal adds the fact from the register.
            declared = FACTS[spec.verifies or name].label
            errors.append(
                FactError(
                    code="verified_fact",
                    field=name,
                    message=_t(
                        f"{spec.label.zh}由系统读取区人才名册，无需填写；本人申报请填写{declared.zh}",
                        f"{spec.label.en} are read from the district talent register; do not "
                        f"send them, declare {declared.en} instead",
                    ),
                )
            )
            continue
        if value is None:
            continue
        converted = _convert(spec, value)
        if isinstance(converted, FactError):
            errors.append(converted)
        else:
            facts[name] = converted
    errors += consistency_errors(facts, as_of)
    if entered:
        errors += implausible_dates(facts)
    if errors:
        return FactsValidation(ok=False, errors=tuple(errors))
    return FactsValidation(ok=True, facts=facts)


def require_valid(raw: Mapping[str, Any], as_of: date | None = None) -> dict[str, FactValue]:
    """Typed facts, or :class:`FactsValidationError` listing every problem."""
    validation = validate_facts(raw, as_of)
    if validation.facts is None:
        raise FactsValidationError(validation.errors)
    return validation.facts


def to_json_value(value: FactValue) -> Any:
    """JSON form of a typed fact value (dates as ISO strings, lists as lists)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
