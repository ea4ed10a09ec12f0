"""Talent apartments: inventory, the waitlist from approved cases, allocation rounds, offers and
leases. A unit is never offered or leased twice: row locks serialise the decisions and partial
unique indexes make a second open offer or active lease impossible even if code goes wrong."""

from app.services.housing.inventory import (
    create_project,
    import_units,
    list_projects,
    list_units,
    staff_unit,
    update_unit,
)
from app.services.housing.leases import (
    district_leases,
    move_out,
    my_housing,
    propose_renewal,
    remind_renewals,
    renew_lease,
    request_move_out,
    staff_lease,
)
from app.services.housing.offers import (
    accept_offer,
    decline_offer,
    expire_offers,
)
from app.services.housing.policy import (
    lease_rules,
    require_housing_staff,
)
from app.services.housing.waitlist import (
    allocation_round,
    join_waitlist,
    leave_waitlist,
    my_preferences,
    offer_to_household,
    set_preferences,
    waitlist,
)

__all__ = [
    "accept_offer",
    "allocation_round",
    "create_project",
    "decline_offer",
    "district_leases",
    "expire_offers",
    "import_units",
    "join_waitlist",
    "lease_rules",
    "leave_waitlist",
    "list_projects",
    "list_units",
    "move_out",
    "my_housing",
    "my_preferences",
    "offer_to_household",
    "propose_renewal",
    "remind_renewals",
    "renew_lease",
    "request_move_out",
    "require_housing_staff",
    "set_preferences",
    "staff_lease",
    "staff_unit",
    "update_unit",
    "waitlist",
]
