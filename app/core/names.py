"""Names shown as they are written: a proper name in Chinese on an English page is marked so
screen readers voice it in Chinese (and the crawl judges it as Chinese)."""

from __future__ import annotations

from markupsafe import Markup


def name_lang(name: str | None) -> Markup:
    """` lang="zh"` for a name written in Chinese (an organisation's, a person's); nothing
    otherwise."""
    if name and any("\u4e00" <= ch <= "\u9fff" for ch in name):
        return Markup(' lang="zh"')
    return Markup("")
