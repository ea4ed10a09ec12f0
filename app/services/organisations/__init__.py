"""Organisation accounts: registration and enrolment, verification by district staff, users,
roles and invitations, and the ways out of ``awaiting_employer`` for an unregistered employer."""
