"""Templates never rely on what the content security policy refuses.

The policy (app/core/middleware.py) allows styles and scripts from the portal's own files only:
a ``style`` attribute or an inline ``<script>`` is silently ignored by the browser, so a
progress bar drawn with ``style="width: 87%"`` showed every indicator as complete.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.middleware import _CSP

TEMPLATES = sorted((Path(__file__).parents[2] / "templates").rglob("*.html"))


def test_the_policy_refuses_inline_styles_and_scripts() -> None:
    assert "style-src 'self';" in _CSP and "script-src 'self';" in _CSP


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_no_template_uses_inline_styles_or_scripts(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\sstyle\s*=", text), "a style attribute the CSP would ignore"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "an inline script"
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']", text), "an inline event handler"
