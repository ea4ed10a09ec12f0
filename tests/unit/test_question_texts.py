"""Every fact a form asks for reads as a question in both languages, and forms ask it that way
while summaries and errors keep the short label (issue 21, item 9: "English questions read as
questions", "labels in sentence case")."""

from __future__ import annotations

import pytest

from app.domain.fields import EXTRA_FIELDS
from app.i18n import gettext
from app.models import Service
from app.rules import FACTS
from app.services.applications.questions import questions_for, unanswered_error
from app.services.eligibility import calculator

ASKED = [name for name, spec in FACTS.items() if spec.askable]


def _english_question(text: str) -> None:
    assert text == text.strip(), repr(text)
    assert text[:1].isupper(), f"starts in lower case: {text!r}"
    assert text.endswith("?"), f"not a question: {text!r}"


def _chinese_question(text: str) -> None:
    assert text and text.endswith("？"), f"not a question: {text!r}"


@pytest.mark.parametrize("name", ASKED)
def test_every_asked_fact_has_a_question_in_both_languages(name: str) -> None:
    question = FACTS[name].question
    assert question is not None, f"{name} has no question"
    _english_question(question.en)
    _chinese_question(question.zh)
    # The question is not the label with a question mark: "highest education?" asks nothing.
    assert question.en.rstrip("?").lower() != FACTS[name].label.en.lower()


@pytest.mark.parametrize("name", [n for n in FACTS if not FACTS[n].askable])
def test_derived_and_verified_facts_are_never_asked(name: str) -> None:
    assert FACTS[name].question is None
    with pytest.raises(ValueError):
        FACTS[name].asked("en")


@pytest.mark.parametrize("name", sorted(EXTRA_FIELDS))
def test_every_extra_field_has_a_question_and_a_sentence_case_label(name: str) -> None:
    field = EXTRA_FIELDS[name]
    _english_question(field.question)
    _chinese_question(gettext("zh", field.question))
    assert field.label[:1].isupper() and not field.label.endswith("?"), field.label
    assert gettext("zh", field.label) != field.label, f"{field.label!r} has no translation"


def _service(*entries: dict[str, object]) -> Service:
    return Service(code="test", form=list(entries), materials=[])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_question_pages_ask_while_summaries_and_errors_name(lang: str) -> None:
    service = _service({"fact": "highest_degree"}, {"field": "settlement_route"})
    degree, route = questions_for(service, {}, lang)
    assert degree.question == FACTS["highest_degree"].asked(lang)
    assert route.question == gettext(lang, EXTRA_FIELDS["settlement_route"].question)
    if lang == "en":
        assert degree.question == "What is your highest level of education?"
        assert degree.label == "Highest education"  # sentence case for summaries
        assert route.label == "Settlement route"
        # Options stand alone too: "Master's", not "master's".
        assert {"value": "master", "label": "Master's"} in degree.values
        assert degree.help == "Associate = dazhuan (a diploma, not a degree)"
    else:
        assert degree.question == "您的最高学历是什么？"
        assert degree.label == "最高学历"
    # The error names the question by its short label, not by the whole question.
    error = unanswered_error("highest_degree")
    assert error.localized == {"zh": "请回答“最高学历”", "en": "Answer ‘Highest education’"}
    error = unanswered_error("settlement_route")
    assert error.localized is not None and error.localized["en"] == "Answer ‘Settlement route’"


def test_calculator_asks_questions_and_summarises_by_label() -> None:
    view = calculator.step({"nationality": "CN"}, None, "en", ask=["highest_degree"])
    (question,) = view.questions
    assert question.question == "What is your highest level of education?"
    assert question.label == "Highest education"
    assert {"value": "doctorate", "label": "Doctorate"} in question.values
    assert {"label": "Nationality", "value": "China"} in view.answered
    view = calculator.step({"marital_status": "single"}, None, "en", ask=["nationality"])
    assert {"label": "Marital status", "value": "Single"} in view.answered
