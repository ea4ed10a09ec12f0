"""Input hygiene for names and free text: no control characters, no bidirectional overrides.

A NUL byte reaches PostgreSQL as an error (text columns cannot hold it), other C0 and C1
controls corrupt what staff read and export, and the bidi overrides (U+202A-U+202E,
U+2066-U+2069) make a name or note display other than it is stored ("Trojan Source"). Free
text may span lines (tab and line breaks kept); names and other one-line values may not.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, field_validator
from pydantic_core import PydanticCustomError

from app.i18n import N_

ERR_CONTROL = N_(
    "Remove the control or text-direction characters (often pasted in unseen) from this text."
)
ERR_LINE_BREAK = N_("Enter this on one line, without line breaks or tabs.")

# C0 but tab, line feed and carriage return; DEL and C1; the bidi embeddings, overrides and
# isolates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029\x85]")


def has_control_characters(value: str) -> bool:
    """For a form field read outside a schema (the sign-in page's email)."""
    return _CONTROL.search(value) is not None


def clean_text(value: str) -> str:
    """Multi-line free text: refused if it holds a control or bidi override character."""
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", ERR_CONTROL)
    return value


def clean_line(value: str) -> str:
    """A one-line value (a name, an email, a code): free text with no line breaks or tabs."""
    clean_text(value)
    if _LINE_BREAK.search(value):
        raise PydanticCustomError("line_break", ERR_LINE_BREAK)
    return value


def _clean_nested(value: Any) -> Any:
    if isinstance(value, str):
        clean_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _clean_nested(key)
            _clean_nested(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _clean_nested(item)
    return value


Text = Annotated[str, AfterValidator(clean_text)]
Line = Annotated[str, AfterValidator(clean_line)]


class CleanInput(BaseModel):
    """Base of input schemas: every string the model holds, nested in lists and objects too,
    is free of control and bidi override characters (``Line`` fields also of line breaks),
    so no field a schema adds later can let one through."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        return _clean_nested(value)
