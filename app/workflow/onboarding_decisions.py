"""初到杨浦 / 虹桥 (issue 18, points 2 and 3): the district's further decisions on an onboarding
bundle, as vocabulary. Two letters a talent-office approver issues (the R-visa invitation for
class A talent, the recommendation for permanent residence for eligible high-level talent),
each optionally reviewed first by a colleague who may not then approve it (四眼原则), and the
fast track for urgently needed talent (Changning: 紧缺急需人才工作许可审批便利): the employer
nominates, the district endorses or declines. Pure: no clock, no database."""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_


class LetterKind(StrEnum):
    R_VISA_INVITATION = "r_visa_invitation"  # 邀请函 (R字签证)
    PR_RECOMMENDATION = "pr_recommendation"  # 永久居留推荐


LETTER_LABELS: dict[LetterKind, str] = {
    LetterKind.R_VISA_INVITATION: N_("Invitation letter for a talent (R) visa"),
    LetterKind.PR_RECOMMENDATION: N_("Recommendation for permanent residence"),
}
# Letters an approver issues only after a reviewer recommended them (四眼原则): the
# recommendation for permanent residence goes to the national immigration authority on the
# district's word about the person's standing. The visa invitation of class A talent, whose
# class the points rule has already decided, stays one officer's decision (the fast route).
NEEDS_REVIEW: frozenset[LetterKind] = frozenset({LetterKind.PR_RECOMMENDATION})
# The case timeline's words for each decision (the timeline reason is one bilingual line).
LETTER_TIMELINE: dict[LetterKind, str] = {
    LetterKind.R_VISA_INVITATION: (
        "签发人才签证（R字）邀请函 / Invitation letter for an R visa issued"
    ),
    LetterKind.PR_RECOMMENDATION: (
        "出具永久居留推荐函 / Recommendation for permanent residence issued"
    ),
}

# The policy of the recommendation, one per district (``<district>.permanent_residence``).
PR_POLICY = "permanent_residence"


def pr_policy_id(district: str) -> str:
    return f"{district}.{PR_POLICY}"


class LetterStep(StrEnum):
    """What a talent-office officer does on a letter: a reviewer recommends, an approver
    issues."""

    REVIEW = "review"
    ISSUE = "issue"


class LetterState(StrEnum):
    REVIEWED = "reviewed"  # a reviewer recommends issuing; an approver decides
    ISSUED = "issued"


# --- The fast track ------------------------------------------------------------------------------

# The measure is Changning's (虹桥海外人才一站式服务中心); Yangpu has published none.
FAST_TRACK_DISTRICTS: frozenset[str] = frozenset({"changning"})


class FastTrackStatus(StrEnum):
    NOMINATED = "nominated"
    ENDORSED = "endorsed"
    DECLINED = "declined"


FAST_TRACK_LABELS: dict[FastTrackStatus, str] = {
    FastTrackStatus.NOMINATED: N_("Nominated by the employer, awaiting the district"),
    FastTrackStatus.ENDORSED: N_("Endorsed by the district as urgently needed talent"),
    FastTrackStatus.DECLINED: N_("Not endorsed by the district"),
}
FAST_TRACK_TIMELINE: dict[FastTrackStatus, str] = {
    FastTrackStatus.NOMINATED: "用人单位推荐为紧缺急需人才 / Nominated as urgently needed talent",
    FastTrackStatus.ENDORSED: "区人才办认定为紧缺急需人才 / Endorsed as urgently needed talent",
    FastTrackStatus.DECLINED: (
        "区人才办未予认定紧缺急需人才 / Not endorsed as urgently needed talent"
    ),
}
# The district decides once, on a nomination.
FAST_TRACK_DECIDED: frozenset[FastTrackStatus] = frozenset(
    {FastTrackStatus.ENDORSED, FastTrackStatus.DECLINED}
)

# Shortage fields the employer names (assumed: no published Changning catalogue was found; the
# fields follow the district plan's key industries and leave "other" for the reason to explain).
SHORTAGE_FIELDS: dict[str, str] = {
    "artificial_intelligence": N_("Artificial intelligence"),
    "integrated_circuits": N_("Integrated circuits"),
    "biomedicine": N_("Biomedicine"),
    "digital_economy": N_("Digital economy and internet"),
    "aviation": N_("Aviation services"),
    "fashion_consumer": N_("Fashion and consumer industries"),
    "finance": N_("Finance"),
    "other": N_("Another field (explain in the reason)"),
}


def may_decide_fast_track(status: FastTrackStatus) -> bool:
    return status is FastTrackStatus.NOMINATED
