"""What a register entry looks like to its reader: programme, level, source and validity by
name in the reader's language, and the levels a district's classification may give."""

from __future__ import annotations

from datetime import date

from app.domain import labels
from app.domain.talent_register import SOURCE_LABELS, VALIDITY_LABELS, validity_on
from app.i18n import gettext
from app.models import Applicant, TalentRegisterEntry
from app.rules import VALUE_LABELS, load_library
from app.services.verified_facts import PROGRAMME_FACT

# The programmes the register records: the codes of the rules' verified fact, so an entry is
# always one the rules can read.
CERTIFICATION_PROGRAMME = "district_high_level"
CERTIFICATION_SERVICE = "high_level_certification"


def programme_codes() -> list[str]:
    return list(VALUE_LABELS[PROGRAMME_FACT])


def programme_name(code: str, lang: str) -> str:
    label = VALUE_LABELS[PROGRAMME_FACT].get(code)
    return label.get(lang) if label is not None else code


def programme_choices(lang: str) -> list[dict[str, str]]:
    return [{"value": c, "label": programme_name(c, lang)} for c in programme_codes()]


def certification_policy(district: str) -> str:
    return f"{district}.{CERTIFICATION_SERVICE}"


def level_choices(district: str, day: date, lang: str) -> list[dict[str, str]]:
    """The classes the district's classification policy defines on ``day`` (none when it has
    no version in force then)."""
    policy = load_library().version_at(certification_policy(district), day)
    if policy is None:
        return []
    names = policy.spec.formulas["levels"].values
    return [
        {"value": str(code), "label": names[code].get(lang) if code in names else str(code)}
        for code in policy.params_at(day)["levels"]
    ]


def level_name(district: str, level: str | None, day: date, lang: str) -> str | None:
    if level is None:
        return None
    found = {c["value"]: c["label"] for c in level_choices(district, day, lang)}
    return found.get(level, level)


def entry_view(
    entry: TalentRegisterEntry, lang: str, today: date, person: Applicant | None = None
) -> dict[str, object]:
    validity = validity_on(entry.granted_on, entry.valid_until, today)
    return {
        "id": entry.id,
        "applicant_id": entry.applicant_id,
        "person_name": person.full_name if person else None,
        "id_number_masked": person.id_number_masked if person else None,
        "district": entry.district,
        "district_name": gettext(lang, labels.DISTRICT.get(entry.district, entry.district)),
        "programme": entry.programme,
        "programme_name": programme_name(entry.programme, lang),
        "level": entry.level,
        "level_name": level_name(entry.district, entry.level, entry.granted_on, lang),
        "granted_on": entry.granted_on,
        "valid_until": entry.valid_until,
        "validity": validity.value,
        "validity_name": gettext(lang, VALIDITY_LABELS[validity]),
        "source": entry.source,
        "source_name": gettext(lang, SOURCE_LABELS.get(entry.source, entry.source)),
        "issuer": entry.issuer,
        "organisation_name": entry.organisation_name,
        "organisation_code": entry.organisation_code,
        "case_id": entry.case_id,
        "has_evidence": entry.evidence_document_id is not None,
        "reference": entry.reference,
    }
