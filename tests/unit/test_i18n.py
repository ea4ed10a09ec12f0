"""Every user-facing string has a Chinese translation; language negotiation works."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.domain import labels
from app.i18n import gettext, negotiate
from app.workflow.payments import EntitlementStatus, PaymentCycleStatus

ROOT = Path(__file__).resolve().parents[2]


def _extracted() -> set[str]:
    method_map = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "N_": None}
    found = set()
    for _filename, _lineno, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def _catalog(lang: str) -> dict[str, tuple[str, bool]]:
    path = ROOT / "app" / "i18n" / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    return {str(m.id): (str(m.string or ""), m.fuzzy) for m in catalog if m.id}


class TestCatalogs:
    def test_every_extracted_string_has_a_chinese_translation(self) -> None:
        zh = _catalog("zh")
        extracted = _extracted()
        assert len(extracted) > 100
        missing = sorted(m for m in extracted if not zh.get(m, ("", False))[0])
        fuzzy = sorted(m for m in extracted if zh.get(m, ("", False))[1])
        assert missing == [], f"untranslated (run `make i18n`, then translate): {missing}"
        assert fuzzy == []

    def test_english_catalog_lists_every_string(self) -> None:
        assert _extracted() <= set(_catalog("en"))

    def test_placeholders_survive_translation(self) -> None:
        zh = _catalog("zh")
        for msgid, (text, _fuzzy) in zh.items():
            for token in msgid.split("{")[1:]:
                name = token.split("}")[0]
                assert "{" + name + "}" in text, f"placeholder {name} lost in {msgid!r}"

    def test_error_classes_are_translated(self) -> None:
        import app.errors as errors

        for obj in vars(errors).values():
            if isinstance(obj, type) and issubclass(obj, errors.AppError):
                assert gettext("zh", obj.title) != obj.title or obj.title == ""
                if obj.default_detail:
                    assert gettext("zh", obj.default_detail) != obj.default_detail

    def test_every_payment_run_and_line_status_has_a_name(self) -> None:
        # The finance pages name each status; a status without one would break the page.
        assert set(labels.PAYMENT_CYCLE_STATUS) == {s.value for s in PaymentCycleStatus}
        assert set(labels.PAYMENT_LINE_STATUS) == {s.value for s in EntitlementStatus}
        for name in [*labels.PAYMENT_CYCLE_STATUS.values(), *labels.PAYMENT_LINE_STATUS.values()]:
            assert gettext("zh", name) != name


class TestNegotiation:
    def test_accept_language(self) -> None:
        assert negotiate("en-GB,en;q=0.9") == "en"
        assert negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
        assert negotiate("fr-FR, en;q=0.5, zh;q=0.7") == "zh"
        assert negotiate("de-DE") == "zh"
        assert negotiate(None) == "zh"
        assert negotiate("en;q=abc") == "en" or negotiate("en;q=abc") == "zh"
