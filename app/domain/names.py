"""Names of passport holders (issue 18, English first): the name is the one in the passport,
in Latin letters; a Chinese name the person also uses is kept beside it, never instead."""

from __future__ import annotations

import unicodedata

CHINESE_NAME_MAX = 20
_MARKS = " -'’.,"
_DOTS = {"•": "·", "・": "·", "．": "·"}


def is_latin_name(name: str) -> bool:
    """Latin letters (accents too: José, Müller), spaces and the marks names carry."""
    return bool(name.strip()) and all(
        ch in _MARKS or (ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"))
        for ch in name
    )


def chinese_name(raw: str | None) -> str | None:
    """A Chinese name as written in Chinese: CJK characters and the middle dot of transcribed
    names (玛丽亚·罗西); None when left empty. ValueError when it is not one."""
    if raw is None or not raw.strip():
        return None
    name = "".join(_DOTS.get(ch, ch) for ch in raw.strip())
    if len(name) > CHINESE_NAME_MAX or not all(
        ch == "·" or "\u3400" <= ch <= "\u9fff" for ch in name
    ):
        raise ValueError(name)
    return name
