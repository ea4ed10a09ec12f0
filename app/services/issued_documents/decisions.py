"""The written decision (决定书) of a case, as an issued document: what was decided, on which
clause, for which case, and for a refusal the reasons and the right to 行政复议 or 行政诉讼, in
Chinese and, for an applicant who reads English, in English too. The party is a person or an
organisation (its own claim, grant or nomination); an organisation's document is addressed to
its registered name and lists the persons of its claim masked."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.times import local_text
from app.domain import documents
from app.domain.identity import mask_name
from app.i18n import N_, gettext, localized
from app.models import Case, CaseEvent, Service
from app.services.cases.outcome import district_government, in_language, outcome_view
from app.services.issued_documents.kinds import DocumentKind
from app.services.issued_documents.sheet import Row, Section, Wording, merge
from app.workflow.states import CaseAction, CaseStatus, status_label

RESULT_DECISION = DocumentKind(code=documents.RESULT_DECISION, label=N_("Written decision"))

# The actions whose event is a decision that gets a written decision of its own. A bundle
# (人才落户一件事) is decided by the system once its parts are done or a key part failed; that is
# its one decision, and its parts get none.
DECIDING = frozenset(
    {
        CaseAction.APPROVE,
        CaseAction.APPROVE_ON_COMMITMENT,
        CaseAction.REJECT,
        CaseAction.NOT_ACCEPT,
        CaseAction.REVOKE,
        CaseAction.COMPLETE_PARTS,
        CaseAction.FAIL_PART,
    }
)

_TITLES: dict[CaseStatus, str] = {
    CaseStatus.APPROVED: N_("Decision to approve"),
    CaseStatus.REJECTED: N_("Decision not to approve"),
    CaseStatus.NOT_ACCEPTED: N_("Decision not to accept the application"),
    CaseStatus.REVOKED: N_("Decision to revoke the approval"),
}


@dataclass(frozen=True)
class DecisionFacts:
    """What one decision's document is made of, read in the decision's transaction."""

    case: Case
    service: Service
    events: list[CaseEvent]  # the case's events up to and including the decision
    decision: CaseEvent
    applicant_name: str  # the person's full name, or the organisation's registered name
    applicant_language: str
    organisation: bool = False
    # An organisation's claim: one line per person, already masked (``masked_line``).
    persons: tuple[str, ...] = ()


def languages_for(applicant_language: str) -> list[str]:
    """Chinese always (the decision's authentic language); English beside it for a reader of
    English."""
    return ["zh"] if applicant_language == "zh" else ["zh", "en"]


def organisation_language(member_languages: list[str]) -> str:
    """An organisation reads English when any of its active users chose English: the
    document is for all of them, and Chinese is on it anyway."""
    return "en" if any(lang != "zh" for lang in member_languages) else "zh"


def masked_line(line_no: int, name: str, id_masked: str | None, amount_cny: int) -> str:
    """A person of an organisation's claim as the written decision lists them: masked name
    and ID number, since the file travels beyond the people who filed it."""
    parts = [f"{line_no}.", mask_name(name) or "–", id_masked or "–"]
    if amount_cny:
        parts.append(f"{amount_cny} CNY")
    return " ".join(parts)


def subject_ref(decision: CaseEvent) -> str:
    return f"case_event:{decision.id}"


def public_facts(facts: DecisionFacts) -> dict[str, object]:
    """What the public verification page shows: no name beyond the masked one, no ID number,
    no reasons (they may describe the person)."""
    detail = facts.decision.detail if isinstance(facts.decision.detail, dict) else {}
    clause = detail.get("clause")
    return {
        "case_number": facts.case.number,
        "decision": facts.decision.to_status,
        "clause": str(clause) if clause else None,
        "service_name_zh": localized(facts.service, "name", "zh"),
        "service_name_en": localized(facts.service, "name", "en"),
        "district": facts.case.district,
        # An organisation's name is public (its licence is); a person's shows masked only.
        "masked_name": "" if facts.organisation else mask_name(facts.applicant_name),
        "organisation_name": facts.applicant_name if facts.organisation else None,
        "decided_at": facts.decision.occurred_at.isoformat(),
    }


def wording(facts: DecisionFacts, token: str, verify_url: str) -> Wording:
    parts = [
        _wording(facts, lang, token, verify_url) for lang in languages_for(facts.applicant_language)
    ]
    return parts[0] if len(parts) == 1 else merge(parts[0], parts[1])


def _wording(facts: DecisionFacts, lang: str, token: str, verify_url: str) -> Wording:
    case, decision = facts.case, facts.decision
    status = CaseStatus(decision.to_status)
    outcome = outcome_view(
        case,
        facts.service,
        facts.events,
        # Each language's part tells the rules' reasons in its own words.
        in_language(case.eligibility_result, lang),
        lang,
        as_decided=status,
    )
    detail = decision.detail if isinstance(decision.detail, dict) else {}
    clause = str(detail.get("clause") or "") or None
    rows = [
        Row(gettext(lang, N_("Case number")), case.number),
        Row(
            gettext(lang, N_("Organisation") if facts.organisation else N_("Applicant")),
            facts.applicant_name,
        ),
        Row(gettext(lang, N_("Service")), localized(facts.service, "name", lang)),
        Row(gettext(lang, N_("Decision")), gettext(lang, status_label(status))),
        Row(gettext(lang, N_("Decided on")), local_text(decision.occurred_at)),
        Row(gettext(lang, N_("Clause applied")), clause or gettext(lang, N_("Not stated"))),
    ]
    sections: list[Section] = []
    if outcome is not None and not outcome.approved:
        reasons = tuple(outcome.reasons) or (gettext(lang, N_("No reason was recorded.")),)
        sections.append(Section(gettext(lang, N_("Reasons")), reasons))
        sections.append(
            Section(
                gettext(lang, N_("Your right to challenge this decision")),
                tuple(r.text for r in outcome.remedies),
            )
        )
        sections.append(
            Section(gettext(lang, N_("What would change the outcome")), tuple(outcome.would_change))
        )
    else:
        granted = tuple(
            p
            for p in (
                outcome.amount if outcome else None,
                outcome.schedule if outcome else None,
                decision.reason,
            )
            if p
        )
        sections.append(
            Section(
                gettext(lang, N_("What was granted")),
                granted or (gettext(lang, N_("Your application was approved")),),
            )
        )
        if outcome is not None and outcome.basis:
            sections.append(
                Section(gettext(lang, N_("How the amount was worked out")), tuple(outcome.basis))
            )
    if facts.persons:
        sections.append(
            Section(gettext(lang, N_("Persons named in the application")), facts.persons)
        )
    footer = gettext(
        lang,
        N_(
            "Check that this document is authentic by scanning the QR code or at {url} "
            "(document reference {token}). The page shows the document's SHA-256 fingerprint "
            "and compares a copy you upload."
        ),
        {"url": verify_url, "token": token},
    )
    return Wording(
        issuer=f"{district_government(case.district, lang)} · "
        + gettext(lang, N_("Talent services portal")),
        title=gettext(lang, _TITLES.get(status, N_("Written decision"))),
        rows=tuple(rows),
        sections=tuple(sections),
        footer=footer,
    )
