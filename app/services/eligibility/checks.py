"""Eligibility checks and the policy library, over the pure rules module."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from app.errors import FieldError, NotFound, ValidationFailed
from app.i18n import N_, gettext, localized
from app.models.base import utcnow
from app.rules import (
    FACTS,
    VALUE_LABELS,
    AsOfOutOfRangeError,
    FactError,
    PolicyNotInDistrictError,
    UnknownPolicyError,
    check_as_of,
    load_library,
    validate_facts,
)
from app.workflow.values import local_date

ERR_UNKNOWN_POLICY = N_("There is no policy with this id.")
ERR_NO_SUCH_POLICY = N_("There is no policy with the id {id}.")
ERR_NOT_IN_FORCE = N_("Policy {id} has no version in force on {date}.")
ERR_NOT_IN_DISTRICT = N_(
    "Policy {id} is neither a policy of the district asked for ({district}) nor of the whole "
    "city: ask without the district, or without this policy."
)


def today() -> date:
    return local_date(utcnow())


def fact_field_errors(errors: Iterable[FactError], prefix: str = "") -> list[FieldError]:
    """Each problem with the facts as a field error in both languages; ``prefix`` names the
    object the facts were sent in."""
    return [
        FieldError(
            f"{prefix}{e.field}",
            e.code,
            e.message.en,
            localized={"zh": e.message.zh, "en": e.message.en},
        )
        for e in errors
    ]


def checked_facts(raw: Mapping[str, Any], as_of: date | None = None) -> dict[str, Any]:
    """Typed facts, or 422 naming every unknown fact, ill-typed value and contradiction in both
    languages (with ``as_of``, also every past-only date after it)."""
    result = validate_facts(raw, as_of, entered=True)
    if not result.ok:
        raise ValidationFailed(field_errors=fact_field_errors(result.errors, "facts."))
    return dict(result.facts or {})


def as_of_error(as_of: date) -> FieldError | None:
    """The ``as_of`` field's error when the rules cannot evaluate on that date."""
    try:
        check_as_of(as_of)
    except AsOfOutOfRangeError as exc:
        message = exc.message
        return FieldError(
            exc.field, "out_of_range", message.en, localized={"zh": message.zh, "en": message.en}
        )
    return None


def check(
    raw: Mapping[str, Any],
    *,
    as_of: date | None,
    policy_ids: Sequence[str] | None,
    district: str | None,
    lang: str,
) -> tuple[date, list[dict[str, Any]]]:
    library = load_library()
    when = as_of or today()
    date_error = as_of_error(when)
    if date_error is not None:
        # Nothing else can be checked against a date the rules cannot compute.
        raise ValidationFailed(field_errors=[date_error])
    known = set(library.policy_ids())
    problems = []
    for index, policy_id in enumerate(policy_ids or []):
        field = f"policies.{index}"
        params = {"id": policy_id, "date": when.isoformat(), "district": district}
        if policy_id not in known:
            problems.append(FieldError(field, "unknown_policy", ERR_NO_SUCH_POLICY, params))
        elif library.version_at(policy_id, when) is None:
            problems.append(FieldError(field, "policy_not_in_force", ERR_NOT_IN_FORCE, params))
        elif district is not None:
            try:
                library.select(when, [policy_id], district)
            except PolicyNotInDistrictError:
                # The district by its name in each language, not its code.
                names = VALUE_LABELS["employer_district"][district]
                texts = {
                    lang: gettext(
                        lang, ERR_NOT_IN_DISTRICT, {**params, "district": names.get(lang)}
                    )
                    for lang in ("zh", "en")
                }
                problems.append(
                    FieldError(
                        field, "policy_not_in_district", texts["en"], params, localized=texts
                    )
                )
    if problems:
        raise ValidationFailed(field_errors=problems)
    checked_facts(raw, when)
    results = library.evaluate(raw, when, policy_ids=policy_ids, district=district, lang=lang)
    return when, [r.model_dump(mode="json") for r in results]


def list_policies(lang: str) -> list[dict[str, Any]]:
    out = []
    for info in load_library().policies():
        latest = info.versions[-1]
        out.append(
            {
                "policy_id": info.policy_id,
                "district": info.district,
                "title": info.title.get(lang),
                "current_version": latest.version,
                "valid_from": latest.valid_from.isoformat(),
                "valid_to": latest.valid_to.isoformat() if latest.valid_to else None,
                "version_status": latest.spec.status,
                "outputs": latest.outputs,
            }
        )
    return out


def get_policy(policy_id: str, lang: str) -> dict[str, Any]:
    """A policy with all its versions. ``lang`` ``zh`` or ``en`` gives every label, message,
    clause and document title in that language (ids, values and CEL expressions unchanged) plus
    each condition's requirement in words; ``all`` gives the file format with both languages."""
    library = load_library()
    try:
        info = library.get(policy_id)
    except UnknownPolicyError as exc:
        raise NotFound(ERR_UNKNOWN_POLICY) from exc
    data = info.model_dump(mode="json")
    if lang == "all":
        return data
    day = today()
    localized: dict[str, Any] = _localize(data, lang)
    for raw, version in zip(info.versions, localized["versions"], strict=True):
        # Requirements read the parameters in force today, or at the edge of an ended version.
        on = max(raw.valid_from, min(day, raw.valid_to or day))
        requirements = library.requirements(policy_id, raw.version, on, lang)
        version["requirements_as_of"] = on.isoformat()
        titles = {key: doc.title.get(lang) for key, doc in raw.spec.documents.items()}
        _annotate(version["spec"]["conditions"], requirements, titles)
        version["in_force"] = raw.valid_from <= day and (
            raw.valid_to is None or day <= raw.valid_to
        )
    return localized


def _localize(value: Any, lang: str) -> Any:
    if isinstance(value, dict):
        if set(value) == {"zh", "en"}:
            return value[lang]
        if "text_zh" in value and "text_en" in value:
            # A clause: the text in the reader's language, and always the quoted Chinese.
            out = {
                k: _localize(v, lang) for k, v in value.items() if k not in ("text_zh", "text_en")
            }
            out["text"] = localized(value, "text", lang)
            out["quote_zh"] = value["text_zh"]
            return out
        return {k: _localize(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [_localize(v, lang) for v in value]
    return value


def _annotate(
    node: dict[str, Any], requirements: Mapping[str, str], titles: Mapping[str, str]
) -> None:
    if "expr" in node:
        node["requirement"] = requirements.get(node["id"])
        node["clause"]["document_title"] = titles.get(node["clause"]["document"])
        return
    for key in ("all", "any"):
        for child in node.get(key) or ():
            _annotate(child, requirements, titles)
    if node.get("not"):
        _annotate(node["not"], requirements, titles)


def fact_vocabulary(lang: str) -> list[dict[str, Any]]:
    return [
        {
            "name": spec.name,
            "type": spec.type,
            "label": spec.label.get(lang),
            # How a questionnaire asks for it; none for a derived fact, which is never asked.
            "question": spec.question.get(lang) if spec.question else None,
            "help": spec.help.get(lang),
            "category": spec.category,
            "values": [{"code": v.code, "label": v.label.get(lang)} for v in spec.values],
            "derived": spec.derived,
        }
        for spec in FACTS.values()
    ]
