"""JSON API v1 (mobile apps and integrations). Errors are problem+json."""
