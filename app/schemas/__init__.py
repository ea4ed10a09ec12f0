"""Pydantic request and response shapes, one module per domain."""

# Discriminator values that pydantic inserts into error locations of tagged unions
# (``body.domestic.id_number``); error rendering drops them so the field is named plainly.
UNION_TAGS: frozenset[str] = frozenset({"domestic", "overseas"})
