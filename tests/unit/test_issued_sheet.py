"""The written decision's pure parts: the masked name the public page shows, two languages
merged into one document, and the renderer (the CJK font subset into the PDF, the text
extractable, the QR code holding the verification address)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.config import get_settings
from app.domain.identity import mask_name
from app.services.issued_documents.sheet import (
    Font,
    FontMissing,
    Row,
    Section,
    Sheet,
    Wording,
    merge,
    render,
)


def test_a_chinese_name_keeps_the_family_name_and_a_latin_one_the_initials() -> None:
    assert mask_name("王小明") == "王**"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳 娜娜") == "欧***"
    assert mask_name("Lucía  Martín") == "L*** M***"
    assert mask_name("  ") == ""


def _words(lang: str) -> Wording:
    zh = lang == "zh"
    return Wording(
        issuer="上海市杨浦区人民政府" if zh else "Yangpu District People's Government",
        title="不予批准决定书" if zh else "Decision not to approve",
        rows=(Row("案件编号" if zh else "Case number", "YP-2026-000123"),),
        sections=(
            Section("理由" if zh else "Reasons", ("材料不全",)),
            Section("救济" if zh else "Remedies", ("可申请行政复议" if zh else "Reconsideration",)),
        ),
        footer="核验" if zh else "Verify",
    )


def test_merging_labels_both_languages_and_keeps_a_shared_paragraph_once() -> None:
    both = merge(_words("zh"), _words("en"))
    assert both.title == "不予批准决定书 / Decision not to approve"
    assert both.rows[0] == Row("案件编号\nCase number", "YP-2026-000123")
    assert both.sections[0].paragraphs == ("材料不全",)
    assert both.sections[1].paragraphs == ("可申请行政复议", "Reconsideration")
    assert Wording.from_json(both.to_json()) == both


def test_the_pdf_embeds_the_font_and_its_chinese_text_extracts() -> None:
    settings = get_settings()
    font = Font(settings.document_font_path, settings.document_font_face)
    if not font.path.is_file():
        pytest.fail(f"the document font is missing: {font.path} (make document-font)")
    sheet = Sheet(merge(_words("zh"), _words("en")), "http://x/verify/tok", datetime.now(UTC))
    pdf = render(sheet, font)
    reader = PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())
    assert "不予批准决定书/Decisionnottoapprove" in text
    assert "可申请行政复议" in text and "YP-2026-000123" in text
    [font_dict] = reader.pages[0]["/Resources"]["/Font"].values()
    descendant = font_dict.get_object()["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
    assert len(pdf) < 100_000  # a subset: the font file itself is megabytes


def test_a_missing_font_is_said_plainly() -> None:
    with pytest.raises(FontMissing):
        render(
            Sheet(_words("zh"), "http://x/verify/tok", datetime.now(UTC)),
            Font(Path("/nonexistent/font.ttc")),
        )
