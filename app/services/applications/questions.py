"""What a service asks: its questions in the reader's language (none an outside system
answered), the materials the answers make apply, and the rules' verdict so far."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.domain.fields import EXTRA_FIELDS
from app.errors import FieldError
from app.i18n import N_, gettext, localized, sentence_case
from app.models import (
    Application,
    Service,
)
from app.rules import FACTS, load_library
from app.rules.explain import country_name
from app.schemas.cases import (
    MaterialStatus,
    QuestionView,
)
from app.services import service_types


def material_needed(
    material: Mapping[str, Any],
    answers: Mapping[str, Any],
    covered: frozenset[str] = frozenset(),
) -> bool:
    """Conditional materials (``when``) are asked only when the answers make them apply.

    The conditions are simple comparisons on one fact (``fact != 'value'``/``==``); an
    unanswered fact keeps the material on the list, so nothing is skipped by mistake. A bundle's
    material tagged with routes is asked only on those routes; a material an outside system
    stands for (``verified_by``, 免提交) is not asked while that system's answer holds.
    """
    routes = material.get("routes")
    if routes is not None and answers.get("settlement_route") not in routes:
        return False
    if material.get("verified_by") in covered:
        return False
    return condition_holds(material.get("when"), answers)


def condition_holds(when: object, answers: Mapping[str, Any]) -> bool:
    """A ``when`` of the catalog or the vocabulary (``fact != 'value'``/``==``); none holds, and
    so does one on a fact not answered yet (nothing is skipped by mistake)."""
    if not when:
        return True
    for op in ("!=", "=="):
        if op in str(when):
            fact, value = (part.strip() for part in str(when).split(op, 1))
            answer = answers.get(fact)
            if answer is None:
                return True
            expected = value.strip("'\"").lower()
            given = str(answer).lower()
            return (given != expected) if op == "!=" else (given == expected)
    return True


def asked_fields(service: Service) -> list[str]:
    return [
        str(q.get("fact") or q.get("field"))
        for q in service.form
        if q.get("fact") or q.get("field")
    ]


def questions_for(
    service: Service,
    answers: Mapping[str, Any],
    lang: str,
    hidden: frozenset[str] = frozenset(),
) -> list[QuestionView]:
    """The questions to show: on a bundle only the chosen route's, and never a fact an outside
    system has confirmed or is still expected to provide (``hidden``)."""
    out = []
    for entry in service.form:
        if entry.get("field") in EXTRA_FIELDS:
            name = str(entry["field"])
            extra = EXTRA_FIELDS[name]
            out.append(
                QuestionView(
                    fact=name,
                    label=gettext(lang, extra.label),
                    question=gettext(lang, extra.question),
                    help=gettext(lang, extra.help),
                    type=extra.type,
                    values=[
                        {"value": code, "label": gettext(lang, label)}
                        for code, label in extra.values
                    ],
                    answer=answers.get(name),
                )
            )
            continue
        fact = str(entry.get("fact", ""))
        spec = FACTS.get(fact)
        if spec is None or fact in hidden or not spec.askable:
            continue
        if answers.get(fact) is None and not condition_holds(spec.asked_when, answers):
            continue  # does not apply (a return date of someone who studied in China)
        routes = entry.get("routes")
        if isinstance(routes, list) and answers.get("settlement_route") not in routes:
            continue
        out.append(
            QuestionView(
                fact=fact,
                label=sentence_case(spec.label.get(lang), lang),
                question=spec.asked(lang),
                help=sentence_case(spec.help.get(lang), lang),
                type=spec.type,
                # Options and answers stand alone, so they read in sentence case too.
                values=[
                    {"value": v.code, "label": sentence_case(v.label.get(lang), lang)}
                    for v in spec.values
                ],
                answer=answers.get(fact),
            )
        )
    return out


def still_needed(
    questions: list[QuestionView], answers: Mapping[str, Any], result: Mapping[str, Any] | None
) -> list[str]:
    """The questions an application cannot be submitted without: unanswered ones the rules still
    need to decide (all of them for a service without a policy) and the party fields that are
    not optional. A question the rules no longer need (decided either way) may stay empty."""
    decisive = set(result["missing_facts"]) if result else {q.fact for q in questions}
    return [
        q.fact
        for q in questions
        if answers.get(q.fact) is None
        and (q.fact in decisive or (q.fact in EXTRA_FIELDS and not EXTRA_FIELDS[q.fact].optional))
    ]


def material_statuses(
    service: Service, app: Application, lang: str, covered: frozenset[str] = frozenset()
) -> list[MaterialStatus]:
    out = []
    for m in service.materials:
        code = str(m["code"])
        doc = app.documents.get(code)
        out.append(
            MaterialStatus(
                code=code,
                kind=str(m.get("kind") or "other"),
                name=str(localized(m, "name", lang)),
                key=bool(m.get("key")),
                needed=material_needed(m, app.answers, covered),
                document_id=uuid.UUID(doc) if doc else None,
            )
        )
    return out


def evaluate(
    service: Service, answers: Mapping[str, Any], as_of: date, lang: str
) -> dict[str, Any] | None:
    """The rules' verdict on the answers so far, or None for services without a policy. A
    bundle is decided by the policy of the route the applicant chose."""
    policy_id = service_types.for_service(service).policy_for(service, answers)
    if not policy_id:
        return None
    results = load_library().evaluate(
        fact_answers(answers), as_of, policy_ids=[policy_id], lang=lang
    )
    return results[0].model_dump(mode="json") if results else None


def fact_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The talent facts among the answers (party and household fields left out)."""
    return {k: v for k, v in answers.items() if k not in EXTRA_FIELDS}


def display_answers(
    service: Service, answers: Mapping[str, Any], lang: str
) -> list[dict[str, str]]:
    """Question labels and readable answers, for staff pages and receipts."""
    yes, no = gettext(lang, "Yes"), gettext(lang, "No")
    out = []
    for q in questions_for(service, answers, lang):
        value = q.answer
        labels = {v["value"]: v["label"] for v in q.values}
        if value is None:
            text = "–"
        elif isinstance(value, bool):
            text = yes if value else no
        elif isinstance(value, list):
            text = ", ".join(labels.get(str(v), str(v)) for v in value) or "–"
        elif q.type == "country":
            text = country_name(str(value), lang)
        else:
            text = labels.get(str(value), str(value))
        out.append({"label": q.label, "value": text})
    return out


def unanswered_error(fact: str) -> FieldError:
    """The error of a question left unanswered names it: "Answer ‘Highest education’"."""
    if fact in EXTRA_FIELDS:
        zh, en = (gettext(lang, EXTRA_FIELDS[fact].label) for lang in ("zh", "en"))
    elif fact in FACTS:
        zh, en = FACTS[fact].label.get("zh"), sentence_case(FACTS[fact].label.get("en"), "en")
    else:
        return FieldError(fact, "required", N_("Answer this question."))
    return FieldError(
        fact,
        "required",
        N_("Answer this question."),
        localized={"zh": f"请回答“{zh}”", "en": f"Answer ‘{en}’"},
    )


def missing_material_error(material: Mapping[str, Any]) -> FieldError:
    """The error of a document not added names it: "Add your degree certificate"."""
    zh, en = str(material.get("name_zh", "")), str(material.get("name_en", ""))
    return FieldError(
        str(material["code"]),
        "material_missing",
        N_("Add this document."),
        localized={"zh": f"请添加{zh}", "en": f"Add your {_mid_sentence(en)}"},
    )


def _mid_sentence(name: str) -> str:
    # "Degree certificate" reads "degree certificate" inside a sentence; "ID card" stays.
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]
