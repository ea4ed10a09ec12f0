"""The kinds of document the portal issues. Each kind brings its own builder of words (a module
of this room: ``decisions`` for a case's written decision; issue 18's talent confirmation
letter and R-visa invitation add theirs); issuing, storing, the wallet copy and verification
are shared. How the wallet lists each is in ``app.domain.documents.ISSUED_KIND_LABELS``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str  # msgid: what the verification page and the case page call it
    # An employer named on the person's case may download it too (a visa invitation is sent
    # by the employer); otherwise the decision is the person's alone.
    employer_reads: bool = False
