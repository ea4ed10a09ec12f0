"""审核意见: the reviewer records an opinion in review (the case stays in review, the applicant is
not told), with reasons and, for a recommended rejection, the clause; whoever gave it may not
decide."""

from __future__ import annotations

import pytest

from app.workflow import errors
from app.workflow.states import OPINIONS, ActorRole, CaseAction, CaseStatus
from app.workflow.transitions import allowed_actions, apply
from app.workflow.values import ActionPayload, Actor, NotifyApplicant
from tests.unit.workflow.conftest import FULL_SERVICE, NOW, make_case

REVIEWER = Actor("staff-reviewer", ActorRole.REVIEWER)
APPROVER = Actor("staff-approver", ActorRole.APPROVER)


class TestRecordingAnOpinion:
    @pytest.mark.parametrize("action", sorted(OPINIONS))
    def test_the_case_stays_in_review_and_the_applicant_is_not_told(
        self, action: CaseAction
    ) -> None:
        case = make_case(CaseStatus.IN_REVIEW)
        result = apply(
            case,
            action,
            REVIEWER,
            ActionPayload(reason="房租合同真实，社保满12个月", clause="第三条"),
            expected_version=case.version,
            now=NOW,
            service=FULL_SERVICE,
        )
        assert result.case.status is CaseStatus.IN_REVIEW
        assert result.event.reason == "房租合同真实，社保满12个月"
        assert result.event.clause == "第三条"
        assert not any(isinstance(e, NotifyApplicant) for e in result.effects)

    @pytest.mark.parametrize("action", sorted(OPINIONS))
    def test_reasons_are_required(self, action: CaseAction) -> None:
        case = make_case(CaseStatus.IN_REVIEW)
        with pytest.raises(errors.MissingReason):
            apply(
                case,
                action,
                REVIEWER,
                ActionPayload(reason="  ", clause="第三条"),
                expected_version=case.version,
                now=NOW,
                service=FULL_SERVICE,
            )

    def test_a_recommended_rejection_names_its_clause(self) -> None:
        case = make_case(CaseStatus.IN_REVIEW)
        with pytest.raises(errors.MissingClause):
            apply(
                case,
                CaseAction.RECOMMEND_REJECTION,
                REVIEWER,
                ActionPayload(reason="社保不足"),
                expected_version=case.version,
                now=NOW,
                service=FULL_SERVICE,
            )

    def test_a_recommended_approval_may_leave_the_clause_out(self) -> None:
        case = make_case(CaseStatus.IN_REVIEW)
        result = apply(
            case,
            CaseAction.RECOMMEND_APPROVAL,
            REVIEWER,
            ActionPayload(reason="符合条件"),
            expected_version=case.version,
            now=NOW,
            service=FULL_SERVICE,
        )
        assert result.event.clause is None

    @pytest.mark.parametrize("action", sorted(OPINIONS))
    def test_only_a_reviewer_gives_an_opinion(self, action: CaseAction) -> None:
        case = make_case(CaseStatus.IN_REVIEW)
        with pytest.raises(errors.NotAllowed):
            apply(
                case,
                action,
                APPROVER,
                ActionPayload(reason="r", clause="c"),
                expected_version=case.version,
                now=NOW,
                service=FULL_SERVICE,
            )

    @pytest.mark.parametrize("status", [s for s in CaseStatus if s is not CaseStatus.IN_REVIEW])
    def test_opinions_are_given_in_review_only(self, status: CaseStatus) -> None:
        offered = allowed_actions(make_case(status), REVIEWER, FULL_SERVICE)
        assert not OPINIONS & set(offered)


class TestFourEyes:
    def test_the_reviewer_who_gave_the_opinion_cannot_decide(self) -> None:
        case = make_case(CaseStatus.IN_REVIEW, reviewed_by=APPROVER.id)
        with pytest.raises(errors.ReviewerCannotDecide):
            apply(
                case,
                CaseAction.APPROVE,
                APPROVER,
                expected_version=case.version,
                now=NOW,
                service=FULL_SERVICE,
            )

    def test_another_approver_decides_after_the_opinion(self) -> None:
        case = make_case(CaseStatus.IN_REVIEW, reviewed_by=REVIEWER.id)
        offered = allowed_actions(case, APPROVER, FULL_SERVICE)
        assert CaseAction.APPROVE in offered and CaseAction.REJECT in offered
