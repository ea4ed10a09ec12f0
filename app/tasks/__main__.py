"""``python -m app.tasks``: the outbox worker, as ``talent-portal worker`` runs it."""

from app.tasks.outbox import run_worker

run_worker()
