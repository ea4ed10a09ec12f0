"""The talent register (issue 16, points 3 and 5): verified programme memberships, awards and
the district's high-level talent classification, one register per person, read by the rules."""

from app.services.talent_register import awards, demo, expiry, register, views

__all__ = ["awards", "demo", "expiry", "register", "views"]
