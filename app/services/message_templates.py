"""The messages the portal sends, one template per event: a subject and a body, each an English
msgid with named placeholders, translated into the recipient's language at delivery (see
``notifications``)."""

from __future__ import annotations

import string
from dataclasses import dataclass

from app.i18n import N_


@dataclass(frozen=True)
class Template:
    subject: str  # msgid
    body: str  # msgid

    def placeholders(self) -> frozenset[str]:
        names = set()
        for text in (self.subject, self.body):
            names |= {
                field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field
            }
        return frozenset(names)


# Templates by event. Placeholders: case_number, service_name, deadline, reason, items,
# applicant_name, amount, period, basis (" (the clause)" after a refusal's reason),
# government (the district people's government, which hears administrative reconsideration),
# and for organisations organisation_name, count, uscc; an optional `url` adds a "Details"
# line to email and SMS.
TEMPLATES: dict[str, Template] = {
    "case.message": Template(
        N_("Message about your case {case_number}"),
        N_("The department handling {service_name} ({case_number}) writes: {reason}"),
    ),
    # 不见面: staff will see the originals of identity documents in a video call.
    "case.video_check": Template(
        N_("Video appointment for {case_number}"),
        N_(
            "The department handling {service_name} ({case_number}) will check the originals "
            "of your identity documents in a video call on {time}. Have them ready; the "
            "department tells you how to join."
        ),
    ),
    "case.reminder": Template(
        N_("Reminder: {case_number}"),
        N_(
            "A reminder about your application for {service_name} ({case_number}): "
            "please provide {items} by {deadline}."
        ),
    ),
    "case.submitted": Template(
        N_("Application received: {case_number}"),
        N_(
            "We have received your application for {service_name}. Your case number is "
            "{case_number}. We will let you know when it has been accepted."
        ),
    ),
    "case.accept": Template(
        N_("Application accepted: {case_number}"),
        N_(
            "Your application for {service_name} ({case_number}) has been accepted. "
            "We promise to complete it by {deadline}."
        ),
    ),
    "case.accept_with_pending_materials": Template(
        N_("Application accepted, materials to follow: {case_number}"),
        N_(
            "Your application for {service_name} ({case_number}) has been accepted before all "
            "materials were provided. Please provide the following by {deadline}: {items}."
        ),
    ),
    "case.not_accept": Template(
        N_("Application not accepted: {case_number}"),
        N_(
            "Your application for {service_name} ({case_number}) was not accepted. Reason: "
            "{reason}{basis}. "
            "If you disagree, you may apply for administrative reconsideration to the {government} "
            "within 60 days of receiving this decision (Administrative Reconsideration Law of the "
            "PRC, article 20), or bring an administrative lawsuit at the people's court with "
            "jurisdiction within 6 months (Administrative Litigation Law of the PRC, article 46). "
            "Your case page says what would change the outcome."
        ),
    ),
    "case.request_supplement": Template(
        N_("More materials needed: {case_number}"),
        N_(
            "To continue with your application for {service_name} ({case_number}), please "
            "provide the following by {deadline}: {items}."
        ),
    ),
    "case.receive_supplement": Template(
        N_("Materials received: {case_number}"),
        N_(
            "We have received the materials you provided for {service_name} ({case_number}). "
            "Processing continues."
        ),
    ),
    "case.start_review": Template(
        N_("Application under review: {case_number}"),
        N_("Your application for {service_name} ({case_number}) is now being reviewed."),
    ),
    "case.approve": Template(
        N_("Application approved: {case_number}"),
        N_(
            "Your application for {service_name} ({case_number}) has been approved. Your case "
            "page shows the amount, when it is paid, how you get the written decision and what "
            "to do next."
        ),
    ),
    "case.approve_on_commitment": Template(
        N_("Approved on your commitment: {case_number}"),
        N_(
            "Your application for {service_name} ({case_number}) has been approved on the basis "
            "of your written commitment. What you committed to may be checked later; if it is "
            "not true, the approval can be revoked."
        ),
    ),
    "case.reject": Template(
        N_("Application not approved: {case_number}"),
        N_(
            "Your application for {service_name} ({case_number}) was not approved. Reason: "
            "{reason}{basis}. "
            "If you disagree, you may apply for administrative reconsideration to the {government} "
            "within 60 days of receiving this decision (Administrative Reconsideration Law of the "
            "PRC, article 20), or bring an administrative lawsuit at the people's court with "
            "jurisdiction within 6 months (Administrative Litigation Law of the PRC, article 46). "
            "Your case page says what would change the outcome."
        ),
    ),
    "case.issue_result": Template(
        N_("Result issued: {case_number}"),
        N_(
            "The result of your application for {service_name} ({case_number}) has been "
            "issued. Sign in to see how to receive it."
        ),
    ),
    "case.close": Template(
        N_("Case closed: {case_number}"),
        N_("Your case for {service_name} ({case_number}) has been closed."),
    ),
    "case.withdraw": Template(
        N_("Application withdrawn: {case_number}"),
        N_("Your application for {service_name} ({case_number}) has been withdrawn as you asked."),
    ),
    "case.expire_pending_materials": Template(
        N_("Application ended, materials not received: {case_number}"),
        N_(
            "The materials for your application for {service_name} ({case_number}) were not "
            "received by {deadline}, so the application has ended. You are welcome to apply "
            "again."
        ),
    ),
    "case.revoke": Template(
        N_("Decision revoked: {case_number}"),
        N_(
            "The decision on your application for {service_name} ({case_number}) has been "
            "revoked. Reason: {reason}{basis}. "
            "If you disagree, you may apply for administrative reconsideration to the {government} "
            "within 60 days of receiving this decision (Administrative Reconsideration Law of the "
            "PRC, article 20), or bring an administrative lawsuit at the people's court with "
            "jurisdiction within 6 months (Administrative Litigation Law of the PRC, article 46). "
            "Your case page says what would change the outcome."
        ),
    ),
    # 人才落户一件事
    "case.wait_for_data": Template(
        N_("Waiting for records from another office: {case_number}"),
        N_(
            "We have received your application for {service_name} ({case_number}). We are "
            "still waiting for your records from another government system; we keep asking and "
            "will continue as soon as they arrive. You do not need to do anything."
        ),
    ),
    "case.receive_data": Template(
        N_("Records received: {case_number}"),
        N_(
            "The records we were waiting for have arrived. Your application for {service_name} "
            "({case_number}) now goes to the window for acceptance."
        ),
    ),
    "case.dispatch": Template(
        N_("Sent to the departments: {case_number}"),
        N_(
            "Your application for {service_name} ({case_number}) has been accepted and sent to "
            "every department involved. We expect to complete it by {deadline}."
        ),
    ),
    "case.release": Template(
        N_("Next step started: {case_number}"),
        N_("The step {service_name} ({case_number}) has started. It is due by {deadline}."),
    ),
    "case.cancel": Template(
        N_("Step cancelled: {case_number}"),
        N_("The step {service_name} ({case_number}) has been cancelled. Reason: {reason}"),
    ),
    "case.complete_parts": Template(
        N_("Ready to collect: {case_number}"),
        N_(
            "Every department has finished your application for {service_name} ({case_number}). "
            "The result is ready to be handed over at the window, or sent to you by post."
        ),
    ),
    "case.fail_part": Template(
        N_("Application not approved: {case_number}"),
        N_(
            "A key step of your application for {service_name} ({case_number}) was not "
            "approved, so the steps after it have been stopped. Reason: {reason}. You may ask "
            "for an administrative reconsideration within 60 days, or apply again under another "
            "route if the route finder shows one open to you."
        ),
    ),
    "case.request_employer_confirmation": Template(
        N_("Please confirm an employee's application: {case_number}"),
        N_(
            "{applicant_name} has applied for {service_name} ({case_number}) and named your "
            "organisation as employer. Please sign in to the portal and confirm the employment "
            "details by {deadline}."
        ),
    ),
    "case.employer_reminder": Template(
        N_("Reminder: please confirm an employee's application by {deadline}"),
        N_(
            "{applicant_name} is waiting for your organisation to confirm the employment "
            "details for their application for {service_name} ({case_number}). Please sign in "
            "to the portal and confirm or deny them by {deadline}; the application cannot go "
            "ahead until you answer."
        ),
    ),
    "case.employer_confirmation_requested": Template(
        N_("Employer asked to confirm: {case_number}"),
        N_(
            "We have asked your employer to confirm your employment for your application for "
            "{service_name} ({case_number}). We will let you know when they answer."
        ),
    ),
    "case.confirm_employment": Template(
        N_("Employer confirmed: {case_number}"),
        N_(
            "Your employer has confirmed your employment for your application for "
            "{service_name} ({case_number})."
        ),
    ),
    "case.deny_employment": Template(
        N_("Employer did not confirm: {case_number}"),
        N_(
            "Your employer did not confirm your employment for your application for "
            "{service_name} ({case_number}). Reason: {reason}"
        ),
    ),
    "case.receive_pending_materials": Template(
        N_("Materials received: {case_number}"),
        N_(
            "We have received the materials still to follow for your application for "
            "{service_name} ({case_number})."
        ),
    ),
    "rating.follow_up": Template(
        N_("How did we do? {case_number}"),
        N_(
            "Your case for {service_name} ({case_number}) is complete. Please take a minute to "
            "rate our service."
        ),
    ),
    # Issue 17, point 6: sent only to people who asked for it (consent), once per version.
    "eligibility.newly_qualifying": Template(
        N_("You may now qualify: {services}"),
        N_(
            "With the facts in your profile you now meet the conditions of {policy} for "
            "{services}. This is not a decision: apply to have it checked. You asked to be told "
            "when you newly qualify; you can turn these notices off under My data, Consents."
        ),
    ),
    # 初到杨浦 / 虹桥 (issue 18): the employer opened its new hire's onboarding form.
    "onboarding.started_by_employer": Template(
        N_("{organisation_name} started your onboarding in Shanghai"),
        N_(
            "{organisation_name} has started your onboarding for foreign professionals on the "
            "talent services portal. Please sign in and complete the one form under My "
            "applications: after it, you and your employer follow the same steps."
        ),
    ),
    # Its progress, to the person and to the employer's users (the same progress).
    "onboarding.handoff_recorded": Template(
        N_("Work-permit application recorded ({case_number})"),
        N_(
            "The employer recorded its application in the national work-permit system for "
            "{applicant_name} ({case_number}): number {application_number}, {outcome}. Sign in "
            "to see the next onboarding steps."
        ),
    ),
    "onboarding.step_done": Template(
        N_("Onboarding step done: {step}"),
        N_(
            'The step "{step}" of the onboarding of {applicant_name} ({case_number}) is done. '
            "Sign in to see the next steps."
        ),
    ),
    "onboarding.confirmation_letter_issued": Template(
        N_("Talent confirmation letter issued ({case_number})"),
        N_(
            "The district has issued the talent confirmation letter of {applicant_name} "
            "({case_number}). Download it from the onboarding steps; anyone can check it "
            "through its QR code."
        ),
    ),
    "onboarding.completed": Template(
        N_("Onboarding complete ({case_number})"),
        N_(
            "Every step of the onboarding of {applicant_name} ({case_number}) is done. "
            "Welcome to Shanghai!"
        ),
    ),
    # 初到杨浦 / 虹桥 (issue 18, points 2 and 3): the talent office's further decisions.
    # letter_name is the letter's name in the reader's language ({zh, en}).
    "onboarding.letter_issued": Template(
        N_("{letter_name} issued: {case_number}"),
        N_(
            "The district's talent office has issued the {letter_name} on your onboarding "
            "({case_number}). It is a bilingual PDF that anyone can check through its QR code; "
            "download it from your onboarding page."
        ),
    ),
    "onboarding.letter_issued_employer": Template(
        N_("{letter_name} issued for {applicant_name}"),
        N_(
            "The district's talent office has issued the {letter_name} for {applicant_name} "
            "({case_number}). Download it from the onboarding page to send it on; anyone can "
            "check it through its QR code."
        ),
    ),
    "onboarding.fast_track_nominated": Template(
        N_("Nominated as urgently needed talent: {case_number}"),
        N_(
            "{organisation_name} has nominated you for the fast track for urgently needed "
            "talent on your onboarding ({case_number}). The district's talent office decides "
            "and you will be told."
        ),
    ),
    "onboarding.fast_track_endorsed": Template(
        N_("Fast track endorsed: {case_number}"),
        N_(
            "The district's talent office has endorsed {applicant_name} as urgently needed "
            "talent ({case_number}): {reason}. The endorsement is shown on the onboarding page "
            "with the work-permit application, for the employer to cite in the national "
            "work-permit system."
        ),
    ),
    "onboarding.fast_track_declined": Template(
        N_("Fast track not endorsed: {case_number}"),
        N_(
            "The district's talent office has not endorsed {applicant_name} as urgently needed "
            "talent ({case_number}). Reason: {reason}. The onboarding goes on in the ordinary "
            "way. If you disagree, you may apply for administrative reconsideration to the "
            "{government} within 60 days of receiving this decision (Administrative "
            "Reconsideration Law of the PRC, article 20), or bring an administrative lawsuit at "
            "the people's court with jurisdiction within 6 months (Administrative Litigation Law "
            "of the PRC, article 46)."
        ),
    ),
    "appointment.booked": Template(
        N_("Appointment booked: {point_name}, {slot}"),
        N_(
            "Your appointment at {point_name} ({address}) is booked for {slot} (Shanghai time). "
            "Bring your ID document. You can change or cancel it before it starts."
        ),
    ),
    "appointment.rescheduled": Template(
        N_("Appointment moved: {point_name}, {slot}"),
        N_(
            "Your appointment at {point_name} ({address}) is now at {slot} (Shanghai time). "
            "The earlier time is free again."
        ),
    ),
    "appointment.cancelled": Template(
        N_("Appointment cancelled: {point_name}"),
        N_("Your appointment at {point_name} on {slot} (Shanghai time) is cancelled."),
    ),
    "appointment.reminder": Template(
        N_("Reminder: your appointment tomorrow at {point_name}"),
        N_(
            "A reminder: your appointment at {point_name} ({address}) is tomorrow, {slot} "
            "(Shanghai time). Bring your ID document. If you cannot come, please cancel it so "
            "someone else can have the time."
        ),
    ),
    "youth_stay.booked": Template(
        N_("Youth-station stay booked: {point_name}, from {first_night}"),
        N_(
            "Your stay at {point_name} ({address}) is booked: {days} days (nights) from "
            "{first_night}, leaving on the morning of {leave_on}. Check in at the station on "
            "{first_night} before {cutoff} (Shanghai time) or the bed is released."
        ),
    ),
    "youth_stay.cancelled": Template(
        N_("Youth-station stay cancelled: {point_name}"),
        N_("Your stay at {point_name} from {first_night} is cancelled; no days are counted."),
    ),
    "youth_stay.released": Template(
        N_("Youth-station bed released: {point_name}"),
        N_(
            "You did not check in at {point_name} on {first_night} by {cutoff} (Shanghai "
            "time), so the bed has been released. No days are counted for this stay."
        ),
    ),
    # District programme rounds (issue 16): the nominee hears of the committee's decision.
    "programme.proposed": Template(
        N_("Proposed for {programme_name}"),
        N_(
            "The committee proposes you for {programme_name}. Your name (masked) stands in the "
            "public notice until {notice_until}; the award follows unless an objection is "
            "upheld."
        ),
    ),
    "programme.not_selected": Template(
        N_("Not selected for {programme_name}"),
        N_(
            "The committee did not select you for {programme_name} in this round. Reason: "
            "{decision_reason}. You may ask for an administrative review (行政复议) or bring an "
            "administrative lawsuit (行政诉讼)."
        ),
    ),
    "programme.withdrawn": Template(
        N_("Nomination for {programme_name} withdrawn"),
        N_(
            "An objection to your proposed award of {programme_name} was upheld, so the "
            "nomination is withdrawn. Reason: {decision_reason}. You may ask for an "
            "administrative review (行政复议) or bring an administrative lawsuit (行政诉讼)."
        ),
    ),
    "service_card.issued": Template(
        N_("Your Yangpu talent service card {card_number}"),
        N_(
            "Your Yangpu talent service card {card_number} has been issued and is valid until "
            "{valid_until}. Open it in the portal to show its QR code and to file housing, "
            "medical or schooling requests."
        ),
    ),
    "service_card.renewal_due": Template(
        N_("Your service card ends on {valid_until}"),
        N_(
            "Your Yangpu talent service card {card_number} is valid until {valid_until}. "
            "Contact the district talent office to renew it before then."
        ),
    ),
    "service_card.renewed": Template(
        N_("Service card renewed: {card_number}"),
        N_("Your Yangpu talent service card {card_number} is now valid until {valid_until}."),
    ),
    "service_card.revoked": Template(
        N_("Service card revoked: {card_number}"),
        N_(
            "Your Yangpu talent service card {card_number} has been revoked. Reason: {reason}. "
            "You may ask the district talent office to review this decision."
        ),
    ),
    "service_request.answered": Template(
        N_("Your request has been answered: {case_number}"),
        N_("The department has answered your request {service_name} ({case_number}): {reason}"),
    ),
    "lease.renewal": Template(
        N_("Your talent apartment lease ends on {deadline}"),
        N_(
            "Your talent apartment lease ends on {deadline}. If you still qualify you can renew "
            "it for another year; sign in to renew or to arrange moving out."
        ),
    ),
    "lease.renewal_terms": Template(
        N_("Renewal terms for your talent apartment"),
        N_(
            "The operator offers to renew your talent apartment lease, which ends on "
            "{deadline}, at {amount} yuan a month. Sign in to accept the renewal."
        ),
    ),
    "subsidy.suspended": Template(
        N_("Subsidy suspended: {case_number}"),
        N_("Payments of {service_name} ({case_number}) are suspended. Reason: {reason}"),
    ),
    "subsidy.resumed": Template(
        N_("Subsidy resumed: {case_number}"),
        N_("Payments of {service_name} ({case_number}) resume. Note: {reason}"),
    ),
    "subsidy.ended": Template(
        N_("Subsidy ended: {case_number}"),
        N_(
            "Payments of {service_name} ({case_number}) have ended because a condition is no "
            "longer met: {reason}. Contact the department if this is wrong."
        ),
    ),
    # The talent register: awards, the end of a membership's benefits, and a classification
    # an organisation applied for (app/services/talent_register/).
    "talent_register.awarded": Template(
        N_("Recorded in the talent register: {programme}"),
        N_(
            "The district has awarded you {programme} on {granted} and recorded it in its "
            "talent register, valid until {valid_until}. Services that require this membership "
            "now read it from the register."
        ),
    ),
    "talent_register.awarded_grant": Template(
        N_("Recorded in the talent register: {programme}"),
        N_(
            "The district has awarded you {programme} on {granted} and recorded it in its "
            "talent register, valid until {valid_until}. The award's grant of {amount} yuan is "
            "paid through the district's finance office in {count} instalment(s), while the "
            "membership lasts. Give the bank account to pay into under Payments on the portal; "
            "the payment waits for it."
        ),
    ),
    # An award without a last valid day (the round set no period of validity).
    "talent_register.awarded_no_end": Template(
        N_("Recorded in the talent register: {programme}"),
        N_(
            "The district has awarded you {programme} on {granted} and recorded it in its "
            "talent register, with no end date. Services that require this membership now "
            "read it from the register."
        ),
    ),
    "talent_register.awarded_grant_no_end": Template(
        N_("Recorded in the talent register: {programme}"),
        N_(
            "The district has awarded you {programme} on {granted} and recorded it in its "
            "talent register, with no end date. The award's grant of {amount} yuan is paid "
            "through the district's finance office in {count} instalment(s). Give the bank "
            "account to pay into under Payments on the portal; the payment waits for it."
        ),
    ),
    "talent_register.expiring": Template(
        N_("Your {programme} membership ends on {valid_until}"),
        N_(
            "Your {programme} membership recorded in the district talent register is valid "
            "until {valid_until}. The benefits that rest on it (services that require it, grant "
            "instalments falling due later) end with it. Contact the district talent office if "
            "it is being renewed."
        ),
    ),
    "talent_register.expired": Template(
        N_("Your {programme} membership has ended"),
        N_(
            "Your {programme} membership recorded in the district talent register ended on "
            "{valid_until}. Services that require it no longer count it. Contact the district "
            "talent office if this is wrong; you may apply for administrative reconsideration "
            "or bring an administrative lawsuit."
        ),
    ),
    "talent_register.expired_instalments": Template(
        N_("Your {programme} membership has ended"),
        N_(
            "Your {programme} membership recorded in the district talent register ended on "
            "{valid_until}. Services that require it no longer count it, and {count} grant "
            "instalment(s) falling due after that day will not be paid. Contact the district "
            "talent office if this is wrong; you may apply for administrative reconsideration "
            "or bring an administrative lawsuit."
        ),
    ),
    "talent_register.certification_filed": Template(
        N_("{organisation_name} applied for your high-level talent classification"),
        N_(
            "{organisation_name} has applied to the district for your high-level talent "
            "classification ({case_number}). You can follow the case under My applications."
        ),
    ),
    # One-off grants paid through finance (app/services/payments/grants.py).
    "grant.account_needed": Template(
        N_("Payment approved: {case_number}"),
        N_(
            "{amount} yuan of {service_name} ({case_number}) will be paid through finance. "
            "Give the bank account to pay into on the portal; the payment waits for it."
        ),
    ),
    "grant.paid": Template(
        N_("Paid: {case_number}"),
        N_("{amount} yuan of {service_name} has been paid to your bank account ({case_number})."),
    ),
    "grant.returned": Template(
        N_("Payment returned: {case_number}"),
        N_(
            "The bank could not pay {amount} yuan of {service_name} ({case_number}): {reason}. "
            "Check the bank account on the portal; the payment is made again once you give it."
        ),
    ),
    "subsidy.payment": Template(
        N_("Subsidy paid: {case_number}"),
        N_(
            "{amount} yuan of {service_name} for {period} has been paid to your bank account "
            "({case_number})."
        ),
    ),
    "account.password_reset": Template(
        N_("Reset your password"),
        N_(
            "Someone asked to reset the password of your Talent Services Portal account. To "
            "choose a new password, open the link below before {deadline}; it works once. "
            "If it was not you, ignore this message: your password stays as it is."
        ),
    ),
    "account.password_changed": Template(
        N_("Your password was changed"),
        N_(
            "The password of your Talent Services Portal account was changed and every "
            "sign-in was ended. If it was not you, reset your password at once and tell a "
            "service window."
        ),
    ),
    "account.deleted": Template(
        N_("Your account has been deleted"),
        N_(
            "Your Talent Services Portal account has been deleted: you can no longer sign in, "
            "and your profile, messages and documents not part of a decided case are erased. "
            "Records of decided cases that the law requires us to keep stay until their "
            "retention period ends. This address will be erased as soon as this message has "
            "been sent."
        ),
    ),
    "account.confirm_email": Template(
        N_("Confirm your email address"),
        N_(
            "To finish registering with the Talent Services Portal, open the link below "
            "before {deadline}; it works once. If you did not register, ignore this message."
        ),
    ),
    "account.registration_attempt_email": Template(
        N_("Someone tried to register with your email address"),
        N_(
            "Someone tried to register a new Talent Services Portal account with your email "
            "address, which already has an account, so no account was made. If it was you, "
            "sign in instead; if you forgot your password, you can reset it with the link "
            "below. If it was not you, you need not do anything."
        ),
    ),
    "account.registration_attempt_id": Template(
        N_("Someone tried to register with your ID number"),
        N_(
            "Someone tried to register a new Talent Services Portal account with the ID or "
            "passport number of your account, so no account was made. If it was you, sign in "
            "to your account instead; if you forgot your password, you can reset it with the "
            "link below. If it was not you, please tell a service window."
        ),
    ),
    # Organisations (issue 15): registration, verification, invitations, the paper route.
    "case.record_paper_confirmation": Template(
        N_("Employer's letter recorded: {case_number}"),
        N_(
            "The department has recorded your employer's signed letter for your application "
            "for {service_name} ({case_number}) in place of its online confirmation. Your "
            "application goes on to acceptance."
        ),
    ),
    "organisation.confirm_email": Template(
        N_("Confirm your email address and set up sign-in for your organisation"),
        N_(
            "To finish registering your organisation with the Talent Services Portal, open "
            "the link below before {deadline}: it confirms your email address and sets up your "
            "authenticator app. It works once. If you did not register, ignore this message."
        ),
    ),
    "organisation.approved": Template(
        N_("Your organisation has been verified"),
        N_(
            "The district talent office has verified {organisation_name}. Your organisation's "
            "users can now confirm employees' applications and receive payments."
        ),
    ),
    "organisation.rejected": Template(
        N_("Your organisation could not be verified"),
        N_(
            "The district talent office could not verify {organisation_name}. Reason: "
            "{reason}. Correct the details or upload a new business licence to ask again."
        ),
    ),
    "organisation.invitation": Template(
        N_("You are invited to join {organisation_name} on the Talent Services Portal"),
        N_(
            "{organisation_name} invites you to use the Talent Services Portal for it. Open "
            "the link below before {deadline} to set your password and authenticator; it "
            "works once. If you did not expect this, ignore this message."
        ),
    ),
    "organisation.register_invitation": Template(
        N_("An employee asks your organisation to register on the Talent Services Portal"),
        N_(
            "An employee of your organisation applied for {service_name} ({case_number}) and "
            "needs your organisation to confirm the employment. Please register your "
            "organisation (credit code {uscc}) with the link below; the application waits "
            "for you. You may instead send a signed letter to the district service window."
        ),
    ),
    "organisation.cases_waiting": Template(
        N_("Applications are waiting for your organisation"),
        N_(
            "Now that {organisation_name} is verified, {count} application(s) naming your "
            "organisation as employer are waiting for you to confirm the employment. Please "
            "sign in to answer."
        ),
    ),
}
