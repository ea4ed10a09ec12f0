"""Outbound channels of the notification outbox: SMTP email, an SMS gateway, JSON files.

Clients know nothing of the database: the outbox worker (``app.tasks.outbox``) hands them one
rendered message and its outbox id, which each passes on so the far side can recognise a
redelivery.
"""

from __future__ import annotations


class ChannelError(Exception):
    """A channel failed to take a message. ``permanent`` means retrying cannot help (the address
    was refused); otherwise the worker retries with backoff."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
