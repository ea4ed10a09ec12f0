"""an overseas person's optional Chinese name beside the Latin one; overseas phone numbers
stored as E.164 (issue 18, English first)

Revision ID: 3c5d0b2e7f41
Revises: 7d2c4b1e9a30
Create Date: 2026-12-07 11:00:00+00:00
"""

import re
from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "3c5d0b2e7f41"
down_revision: str | None = "7d2c4b1e9a30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPLICANT = sa.table(
    "applicant",
    sa.column("id", sa.Uuid()),
    sa.column("applicant_type", sa.String()),
    sa.column("nationality", sa.String()),
    sa.column("mobile", sa.String()),
)


def _e164(mobile: str, nationality: str) -> str | None:
    """As app.domain.phones read it on this day, kept here so the revision never changes."""
    text = mobile.strip()
    compact = text.replace(" ", "").replace("-", "")
    if re.fullmatch(r"1[3-9]\d{9}", compact):
        return compact  # a mainland mobile keeps its 11 digits
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else nationality)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def upgrade() -> None:
    # Plain ALTERs, never a batch: SQLite's table copy would lose the expression index on
    # lower(full_name) (ix_applicant_name_prefix), which reflection cannot see.
    op.add_column("applicant", sa.Column("chinese_name", sa.String(length=50), nullable=True))
    # Numbers typed before were kept as typed; those that parse become E.164, read in the
    # nationality's country when no + was given. What does not parse stays as it was.
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_APPLICANT.c.id, _APPLICANT.c.nationality, _APPLICANT.c.mobile).where(
            _APPLICANT.c.applicant_type == "overseas", _APPLICANT.c.mobile.is_not(None)
        )
    ).all()
    for ident, nationality, mobile in rows:
        stored = _e164(mobile, nationality)
        if stored is not None and stored != mobile:
            bind.execute(
                sa.update(_APPLICANT).where(_APPLICANT.c.id == ident).values(mobile=stored)
            )


def downgrade() -> None:
    op.drop_column("applicant", "chinese_name")
