"""Revision 0376 (issue 18): overseas numbers typed before are stored as E.164 when they parse
(read in the nationality's country without a +); a mainland mobile and what does not parse
stay as they were; a resident ID holder's number is never touched."""

from __future__ import annotations

import uuid

from alembic import command
from sqlalchemy import Uuid, bindparam, create_engine, text

from app.migrate import alembic_config
from tests.dbutil import fresh_database, requested_url, sync_url

BEFORE = "7d2c4b1e9a30"
ROWS = [
    # (applicant_type, nationality, mobile as typed, mobile after)
    ("overseas", "GB", "07911 123456", "+447911123456"),
    ("overseas", "US", "+1 650 253 0000", "+16502530000"),
    ("overseas", "IT", "13800138000", "13800138000"),
    ("overseas", "DE", "12", "12"),
    ("domestic", "CN", "13900139000", "13900139000"),
]


def test_overseas_numbers_become_e164() -> None:
    with fresh_database(requested_url()) as url:
        cfg = alembic_config(sync_url(url))
        command.upgrade(cfg, BEFORE)
        engine = create_engine(sync_url(url))
        try:
            ids = []
            with engine.begin() as conn:
                for n, (kind, nationality, mobile, _) in enumerate(ROWS):
                    user_id, applicant_id = uuid.uuid4(), uuid.uuid4()
                    conn.execute(
                        text(
                            'INSERT INTO "user" (id, email, password_hash, kind, language, '
                            "is_active, created_at, updated_at) VALUES (:id, :email, 'x', "
                            "'applicant', 'en', :active, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                        ).bindparams(bindparam("id", type_=Uuid())),
                        {"id": user_id, "email": f"m{n}@example.com", "active": True},
                    )
                    conn.execute(
                        text(
                            "INSERT INTO applicant (id, user_id, applicant_type, full_name, "
                            "id_kind, id_number_enc, id_number_index, id_number_masked, "
                            "nationality, mobile, profile_facts, created_at, updated_at) VALUES "
                            "(:id, :user_id, :kind, 'A B', 'passport', :enc, :index, 'X***1', "
                            ":nationality, :mobile, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                        ).bindparams(
                            bindparam("id", type_=Uuid()), bindparam("user_id", type_=Uuid())
                        ),
                        {
                            "id": applicant_id,
                            "user_id": user_id,
                            "kind": kind,
                            "enc": b"x",
                            "index": f"i{n}",
                            "nationality": nationality,
                            "mobile": mobile,
                        },
                    )
                    ids.append(applicant_id)
            command.upgrade(cfg, "head")
            with engine.connect() as conn:
                for applicant_id, (*_, after) in zip(ids, ROWS, strict=True):
                    found = conn.execute(
                        text(
                            "SELECT mobile, chinese_name FROM applicant WHERE id = :id"
                        ).bindparams(bindparam("id", type_=Uuid())),
                        {"id": applicant_id},
                    ).one()
                    assert tuple(found) == (after, None)
        finally:
            engine.dispose()
