"""District programme rounds (issue 16, points 1, 2 and 6): setup, nominations checked by the
round's rules, independent review, ranking, the committee's decision, the public notice with
its objections, and the award that writes the talent register."""

from app.services.programmes import (
    nominations,
    public_notice,
    reviews,
    rounds,
    selection,
    views,
)

__all__ = ["nominations", "public_notice", "reviews", "rounds", "selection", "views"]
