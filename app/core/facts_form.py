"""Turning page form fields (always text) into typed fact values, per the fact vocabulary."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from app.domain.fields import EXTRA_FIELDS
from app.rules import FACTS


def fact_values(form: FormData, names: list[str]) -> dict[str, Any]:
    """Values for the named questions present on the page; an empty field clears the answer.

    Types are converted only where it is unambiguous; anything else is passed on as text so the
    rules' validation names the field and the problem in the page's error summary.
    """
    out: dict[str, Any] = {}
    for name in names:
        spec = FACTS.get(name)
        if spec is not None and spec.type == "list":
            # Unticked checkboxes send nothing; the marker field says the question was on the
            # page, so no box ticked means "none of these" rather than "not answered".
            if f"{name}__present" in form:
                out[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
            continue
        if name not in form:
            continue
        raw = form.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            out[name] = None
            continue
        kind: str | None = spec.type if spec is not None else None
        extra = EXTRA_FIELDS.get(name)
        if extra is not None:
            kind = extra.type
        if kind is None:
            out[name] = text
        elif kind == "int":
            # int() refuses some digits isdigit() accepts ("²") and more than 4,300 of them.
            try:
                out[name] = int(text) if text.lstrip("-").isdigit() else text
            except ValueError:
                out[name] = text
        elif kind == "number":
            try:
                out[name] = float(text) if "." in text else int(text)
            except ValueError:
                out[name] = text
        elif kind == "bool":
            out[name] = {"yes": True, "no": False}.get(text, text)
        elif kind == "country":
            out[name] = text.upper()
        else:
            out[name] = text
    return out
