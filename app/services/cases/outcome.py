"""What a decision means for the applicant, in their language: after an approval the amount,
when it is paid, how the result is collected and the next step; after a refusal (不予受理,
不予批准, 撤销) the reasons, the clause, the right to administrative reconsideration (行政复议) or
litigation (行政诉讼) with the body and the time limit, as an administrative decision must
state, and what would change the outcome."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.i18n import N_, gettext
from app.models import Case, CaseEvent, Service
from app.rules import format_value, load_library
from app.rules.facts import require_valid
from app.schemas.outcomes import NextStep, OutcomeView, Remedy
from app.workflow.states import CaseStatus, ResultDelivery

# Decisions that refuse the person something and may be challenged.
REFUSALS: frozenset[CaseStatus] = frozenset(
    {CaseStatus.NOT_ACCEPTED, CaseStatus.REJECTED, CaseStatus.REVOKED}
)
# The benefit whose payments need the applicant's bank account, added on the housing page.
HOUSING_ALLOWANCE = "housing_allowance"

# The district people's government hears reconsideration of its departments' decisions
# (行政复议法 2023 art. 24); the people's court hears the lawsuit (行政诉讼法 art. 46).
DISTRICT_GOVERNMENT: dict[str, dict[str, str]] = {
    "yangpu": {"zh": "上海市杨浦区人民政府", "en": "Yangpu District People's Government, Shanghai"},
    "changning": {
        "zh": "上海市长宁区人民政府",
        "en": "Changning District People's Government, Shanghai",
    },
}
RECONSIDERATION_DAYS = 60
LITIGATION_MONTHS = 6

_HEADLINES: dict[CaseStatus, str] = {
    CaseStatus.NOT_ACCEPTED: N_("Your application was not accepted"),
    CaseStatus.REJECTED: N_("Your application was not approved"),
    CaseStatus.REVOKED: N_("The approval was revoked"),
}
_REFUSAL_ACTIONS = {"not_accept", "reject", "revoke", "fail_part"}


def district_government(district: str, lang: str) -> str:
    names = DISTRICT_GOVERNMENT.get(district) or DISTRICT_GOVERNMENT["yangpu"]
    return names["zh" if lang == "zh" else "en"]


def remedies(district: str, lang: str) -> list[Remedy]:
    """The two ways to challenge an administrative decision, with their bodies and limits."""
    government = district_government(district, lang)
    court = gettext(lang, N_("the people's court with jurisdiction"))
    return [
        Remedy(
            kind="reconsideration",
            title=gettext(lang, N_("Administrative reconsideration (行政复议)")),
            body=government,
            time_limit=gettext(lang, N_("{n} days"), {"n": RECONSIDERATION_DAYS}),
            law=gettext(lang, N_("Administrative Reconsideration Law of the PRC, article 20")),
            text=gettext(
                lang,
                N_(
                    "If you disagree with this decision you may apply for administrative "
                    "reconsideration to the {body} within {days} days of receiving it "
                    "(Administrative Reconsideration Law of the PRC, article 20)."
                ),
                {"body": government, "days": RECONSIDERATION_DAYS},
            ),
        ),
        Remedy(
            kind="litigation",
            title=gettext(lang, N_("Administrative litigation (行政诉讼)")),
            body=court,
            time_limit=gettext(lang, N_("{n} months"), {"n": LITIGATION_MONTHS}),
            law=gettext(lang, N_("Administrative Litigation Law of the PRC, article 46")),
            text=gettext(
                lang,
                N_(
                    "You may instead bring an administrative lawsuit at {court} within {months} "
                    "months of learning of the decision (Administrative Litigation Law of the "
                    "PRC, article 46)."
                ),
                {"court": court, "months": LITIGATION_MONTHS},
            ),
        ),
    ]


def in_language(result: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """A stored eligibility result told again in ``lang``: the same policy version, facts and
    day give the same verdict, worded for the reader. The stored text is kept if that fails."""
    if not result:
        return result
    receipt = result.get("receipt")
    if not isinstance(receipt, dict):
        return result
    try:
        library = load_library()
        policy = library.version(str(receipt["policy_id"]), str(receipt["policy_version"]))
        entered = require_valid(receipt["facts"])
        as_of = date.fromisoformat(str(receipt["as_of"]))
        again = library.evaluate_version(policy, entered, as_of, lang)
    except Exception:
        return result
    if again.status != result.get("status"):
        return result
    return again.model_dump(mode="json")


def _last_refusal(events: list[CaseEvent]) -> CaseEvent | None:
    return next((e for e in reversed(events) if e.action in _REFUSAL_ACTIONS), None)


def _amount(case: Case, outputs: dict[str, Any], lang: str) -> tuple[str | None, str | None]:
    """The amount granted and its schedule, from the decision or the rules' outputs."""
    monthly = outputs.get("monthly_amount_cny")
    months = outputs.get("max_months")
    if isinstance(monthly, int | float) and monthly > 0:
        amount = gettext(lang, N_("{amount} yuan a month"), {"amount": format_value(monthly, lang)})
        if isinstance(months, int | float) and months > 0:
            schedule = gettext(
                lang,
                N_("Paid monthly into your bank account, for up to {months} months."),
                {"months": int(months)},
            )
        else:
            schedule = gettext(lang, N_("Paid monthly into your bank account."))
        return amount, schedule
    once = case.decided_amount_cny or outputs.get("amount_cny")
    if isinstance(once, int | float) and once > 0:
        amount = gettext(lang, N_("{amount} yuan"), {"amount": format_value(once, lang)})
        return amount, gettext(lang, N_("Paid once into your bank account."))
    return None, None


def _basis(case: Case, eligibility: dict[str, Any] | None, outputs: dict[str, Any]) -> list[str]:
    """The rules' account of an amount they computed (a tax difference, say): each criterion as
    it held. Not shown for an amount the approver set below the rules' own."""
    computed = outputs.get("amount_cny")
    if not isinstance(computed, int | float) or computed <= 0:
        return []
    if case.decided_amount_cny is not None and case.decided_amount_cny != int(computed):
        return []
    return [
        str(c["message"])
        for c in (eligibility or {}).get("criteria", [])
        if c.get("result") == "true" and c.get("message")
    ]


def _collection(case: Case, status: CaseStatus, lang: str) -> str:
    if case.result_channel == ResultDelivery.POST:
        return gettext(lang, N_("The written decision is sent to you by post."))
    if case.result_channel == ResultDelivery.ONLINE:
        return gettext(
            lang,
            N_("Download the written decision from this page; a copy is in your document wallet."),
        )
    if case.result_channel == ResultDelivery.WINDOW or status in CaseStatus.RESULT_HANDED_OVER:
        return gettext(
            lang,
            N_("Collect the written decision at the service window; bring your ID document."),
        )
    return gettext(
        lang,
        N_("We will tell you by message when the written decision is ready and how to get it."),
    )


def outcome_view(
    case: Case,
    service: Service,
    events: list[CaseEvent],
    eligibility: dict[str, Any] | None,
    lang: str,
    *,
    as_decided: CaseStatus | None = None,
) -> OutcomeView | None:
    """The decision's consequences, or None while there is no decision to act on.
    ``as_decided``: told as of a decision (its status, and ``events`` up to it), for a written
    decision issued after the case has moved on."""
    status = as_decided or CaseStatus(case.status)
    if status in REFUSALS:
        event = _last_refusal(events)
        detail = event.detail if event is not None else {}
        clause = detail.get("clause") if isinstance(detail, dict) else None
        reasons = [event.reason] if event is not None and event.reason else []
        told = eligibility or {}
        hints = [str(h["message"]) for h in told.get("hints", []) if h.get("message")]
        unmet = [
            str(c["message"])
            for c in told.get("criteria", [])
            if c.get("result") == "false" and c.get("message")
        ]
        # The rules' own account only where the rules said no; a refusal for another reason
        # (a document, a check) is not explained by criteria the applicant met another way.
        verdict = told.get("status")
        would_change = (hints or unmet) if verdict == "ineligible" else []
        if not would_change:
            would_change = [
                gettext(
                    lang,
                    N_(
                        "If your circumstances change or you can provide what was missing, you "
                        "may apply again."
                    ),
                )
            ]
        return OutcomeView(
            approved=False,
            headline=gettext(lang, _HEADLINES[status]),
            reasons=reasons,
            clause=str(clause) if clause else None,
            remedies=remedies(case.district, lang),
            would_change=would_change,
        )
    if status not in CaseStatus.APPROVAL_STANDS:
        return None
    outputs = (eligibility or {}).get("outputs") or {}
    amount, schedule = _amount(case, outputs, lang)
    steps: list[NextStep] = []
    if service.benefit == HOUSING_ALLOWANCE:
        steps.append(
            NextStep(
                text=gettext(
                    lang,
                    N_("Add the bank account the subsidy is paid into on your housing page."),
                ),
                href="/housing",
            )
        )
    if status not in CaseStatus.RESULT_HANDED_OVER:
        steps.append(
            NextStep(
                text=gettext(lang, N_("Wait for the message that your written decision is ready."))
            )
        )
    return OutcomeView(
        approved=True,
        headline=gettext(lang, N_("Your application was approved")),
        amount=amount,
        schedule=schedule,
        basis=_basis(case, eligibility, outputs),
        collection=_collection(case, status, lang),
        next_steps=steps,
    )
