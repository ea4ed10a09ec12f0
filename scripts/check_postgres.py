"""Exit 0 when the PostgreSQL server in the given SQLAlchemy URL answers, 1 otherwise."""

from __future__ import annotations

import sys

import psycopg
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
try:
    psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        dbname="postgres",
        password=url.password,
        connect_timeout=3,
    ).close()
except psycopg.OperationalError as exc:
    sys.stderr.write(f"PostgreSQL check failed: {exc}\n")
    sys.exit(1)
