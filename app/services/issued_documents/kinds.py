"""The kinds of document the portal issues. Each kind brings its own builder of words (a module
of this room: ``decisions`` for a case's written decision; issue 18's talent confirmation
letter and R-visa invitation add theirs); issuing, storing, the wallet copy and verification
are shared."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str  # msgid: what the verification page calls it
    wallet_label: str  # msgid: how the wallet lists it
