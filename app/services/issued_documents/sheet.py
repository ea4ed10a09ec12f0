"""The renderer every issued document shares: a ``Sheet`` (already worded, in one or two
languages) becomes PDF bytes with the CJK font subset into the file and a verification QR code
drawn as vectors. Pure: no database, no clock, no settings; the kind's builder decides the
words, the caller where the font is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

_FAMILY = "cjk"
_MARGIN = 18.0
_QR_SIZE = 32.0
_LABEL_WIDTH = 48.0
_INK = (20, 20, 20)
_MUTED = (80, 80, 80)


class FontMissing(RuntimeError):
    """The CJK font file is not where the settings say; nothing can be rendered without it."""


@dataclass(frozen=True)
class Font:
    """A TrueType/OpenType file or collection and the face to use in it (a .ttc holds several;
    WenQuanYi Micro Hei's first face is the proportional one)."""

    path: Path
    face: int = 0


@dataclass(frozen=True)
class Row:
    label: str
    value: str


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Wording:
    """A document's words in one language, or two merged (``merge``)."""

    issuer: str
    title: str
    rows: tuple[Row, ...]
    sections: tuple[Section, ...]
    footer: str

    def to_json(self) -> dict[str, object]:
        return {
            "issuer": self.issuer,
            "title": self.title,
            "rows": [[r.label, r.value] for r in self.rows],
            "sections": [[s.heading, list(s.paragraphs)] for s in self.sections],
            "footer": self.footer,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Wording:
        return cls(
            issuer=str(data["issuer"]),
            title=str(data["title"]),
            rows=tuple(Row(str(label), str(value)) for label, value in data["rows"]),
            sections=tuple(
                Section(str(heading), tuple(str(p) for p in paragraphs))
                for heading, paragraphs in data["sections"]
            ),
            footer=str(data["footer"]),
        )


def merge(first: Wording, second: Wording) -> Wording:
    """One bilingual document: each label and heading in both languages, each value and
    paragraph in the first then (where it differs) the second. The two wordings must come from
    the same builder, so their rows and sections line up."""

    def both(a: str, b: str, sep: str = " / ") -> str:
        return a if a == b else f"{a}{sep}{b}"

    return Wording(
        issuer=both(first.issuer, second.issuer, "\n"),
        title=both(first.title, second.title),
        rows=tuple(
            Row(both(a.label, b.label, "\n"), both(a.value, b.value, "\n"))
            for a, b in zip(first.rows, second.rows, strict=True)
        ),
        sections=tuple(
            Section(
                both(a.heading, b.heading),
                a.paragraphs + tuple(p for p in b.paragraphs if p not in a.paragraphs),
            )
            for a, b in zip(first.sections, second.sections, strict=True)
        ),
        footer=both(first.footer, second.footer, "\n"),
    )


@dataclass(frozen=True)
class Sheet:
    wording: Wording
    verify_url: str
    issued_at: datetime
    # PDF metadata (the document information dictionary).
    keywords: tuple[str, ...] = field(default_factory=tuple)


def render(sheet: Sheet, font: Font) -> bytes:
    """The PDF of ``sheet``. Only the glyphs used are embedded (fontTools subsetting), so a
    page is tens of kilobytes although the font file is tens of megabytes."""
    if not font.path.is_file():
        raise FontMissing(str(font.path))
    pdf = FPDF(format="A4")
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=_MARGIN + 6)
    pdf.add_font(_FAMILY, fname=str(font.path), collection_font_number=font.face)
    pdf.set_creation_date(sheet.issued_at)
    words = sheet.wording
    pdf.set_title(words.title)
    pdf.set_author(words.issuer)
    if sheet.keywords:
        pdf.set_keywords(" ".join(sheet.keywords))
    pdf.set_creator("talent-portal")
    pdf.add_page()
    _qr(pdf, sheet.verify_url)
    text_width = pdf.epw - _QR_SIZE - 6
    pdf.set_text_color(*_MUTED)
    pdf.set_font(_FAMILY, size=10)
    pdf.multi_cell(text_width, 5.5, words.issuer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_text_color(*_INK)
    pdf.set_font(_FAMILY, size=17)
    pdf.multi_cell(text_width, 9, words.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), _MARGIN + _QR_SIZE + 8))
    pdf.set_font(_FAMILY, size=10.5)
    for row in words.rows:
        _row(pdf, row)
    for section in words.sections:
        pdf.ln(3)
        pdf.set_font(_FAMILY, size=12.5)
        pdf.multi_cell(0, 7, section.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(_FAMILY, size=10.5)
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 5.6, paragraph, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.2)
    pdf.ln(4)
    pdf.set_text_color(*_MUTED)
    pdf.set_font(_FAMILY, size=9)
    pdf.multi_cell(0, 4.8, words.footer, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _row(pdf: FPDF, row: Row) -> None:
    """A label beside its value; the row ends below whichever of the two is taller."""
    top = pdf.get_y()
    pdf.set_text_color(*_MUTED)
    pdf.multi_cell(_LABEL_WIDTH - 2, 6, row.label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    label_bottom = pdf.get_y()
    pdf.set_xy(_MARGIN + _LABEL_WIDTH, top)
    pdf.set_text_color(*_INK)
    pdf.multi_cell(0, 6, row.value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), label_bottom) + 1.5)


def _qr(pdf: FPDF, url: str) -> None:
    """The QR code as filled squares: sharp at any zoom and no image library involved."""
    code = segno.make(url, error="m", micro=False)
    matrix = [list(row) for row in code.matrix_iter(border=2)]
    cell = _QR_SIZE / len(matrix)
    left = pdf.w - _MARGIN - _QR_SIZE
    pdf.set_fill_color(*_INK)
    for y, line in enumerate(matrix):
        x = 0
        # One rectangle per run of dark modules keeps the page small.
        while x < len(line):
            if not line[x]:
                x += 1
                continue
            start = x
            while x < len(line) and line[x]:
                x += 1
            pdf.rect(left + start * cell, _MARGIN + y * cell, (x - start) * cell, cell, style="F")
