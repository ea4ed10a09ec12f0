"""Countries as registration checks them: the ISO 3166-1 list the rules hold."""

from __future__ import annotations

from app.rules.countries import ISO_3166_ALPHA2

__all__ = ["ISO_3166_ALPHA2", "is_iso_country"]


def is_iso_country(code: str) -> bool:
    return code in ISO_3166_ALPHA2
