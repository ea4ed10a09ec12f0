"""The service windows (一窗通办) of each district: where a walk-in was served and how to call.

The addresses and numbers are demo values (``assumed``): the plans name the administrative
service centres but not their street addresses or switchboard numbers. A deployment replaces
them; the receipt prints whatever is here.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.enums import District
from app.i18n import N_


@dataclass(frozen=True)
class ServiceWindow:
    name: str  # msgid
    address: str  # msgid
    phone: str


SERVICE_WINDOWS: dict[str, ServiceWindow] = {
    District.YANGPU: ServiceWindow(
        name=N_("Yangpu Administrative Service Centre, talent window"),
        # assumed: demo address and number
        address=N_("1 Demo Road (Yangpu), Shanghai"),
        phone="021-6500 0001",
    ),
    District.CHANGNING: ServiceWindow(
        name=N_("Changning Administrative Service Centre, talent window"),
        # assumed: demo address and number
        address=N_("2 Demo Road (Changning), Shanghai"),
        phone="021-6200 0002",
    ),
}
