"""Background work: the notification outbox worker and its runners."""
