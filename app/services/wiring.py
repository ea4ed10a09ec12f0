"""Which service types have behaviour of their own: the one place that names them all.

Called once per process (the web app's start-up, the worker, the CLI) before any case is
handled. A new service type is one more ``register`` line here (docs/architecture.md)."""

from __future__ import annotations

from app.services import award_payments, service_types
from app.services.claims.service_type import OrganisationClaim, PersonExamFee
from app.services.housing.service_type import TalentApartment
from app.services.issued_documents.service_type import ResultDocuments
from app.services.onboarding.service_type import BundleConsultation, OnboardingBundle
from app.services.payments.award_grants import AwardGrants
from app.services.payments.service_type import OneOffPayment
from app.services.schooling.service_type import SchoolingConsultation
from app.services.service_cards.priority_window import PriorityWindow
from app.services.service_cards.service_type import CardRequestType, ServiceCardType
from app.services.settlement.service_type import SettlementBundle
from app.services.talent_register.service_type import HighLevelCertification
from app.services.tax_subsidy.service_type import OverseasTaxSubsidy
from app.services.youth_stations.service_type import YouthStation


def install() -> None:
    service_types.register(SettlementBundle())
    service_types.register(OnboardingBundle())
    service_types.register(TalentApartment())
    service_types.register(OneOffPayment())
    service_types.register(OrganisationClaim())
    service_types.register(PersonExamFee())
    service_types.register(SchoolingConsultation())
    service_types.register(BundleConsultation())
    service_types.register(YouthStation())
    service_types.register(ServiceCardType())
    service_types.register(CardRequestType())
    service_types.register(PriorityWindow())
    service_types.register(ResultDocuments())
    service_types.register(HighLevelCertification())
    service_types.register(OverseasTaxSubsidy())
    service_types.mark_installed()
    # A programme award's grant is paid by the payments room (issue 16, point 4).
    award_payments.install(AwardGrants())
