"""Form questions that are not talent facts: they name a party (the employer) or shape a bundle
(the settlement route, who moves with the applicant). Labels are msgids, translated on display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.identity import (
    is_valid_passport,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_passport,
)
from app.i18n import N_
from app.workflow.bundle import ROUTE_LABELS, SettlementRoute


@dataclass(frozen=True, slots=True)
class ExtraField:
    # ``label`` names the field in summaries and errors; ``question`` is what the form asks.
    label: str
    question: str
    help: str
    # "uscc" | "enum" | "bool" | "int" | "person_id" | "certificate" | "date": the question
    # pages render by type (a certificate number is plain text)
    type: str
    values: tuple[tuple[str, str], ...] = ()  # (code, label msgid) for enums
    # Only the children count is numeric; its message names these bounds.
    minimum: int | None = None
    maximum: int | None = None
    # Asked, but an empty answer does not block submission.
    optional: bool = False


SPOUSE_FIELD = "spouse_id_number"
CHILD_BIRTH_FIELD = "child_birth_date"
# Schooling help runs from nursery to the end of senior high school: a child of 0 to 18.
CHILD_MAX_AGE = 18

# Shanghai's sixteen districts (上海市行政区划), for the district a child would go to school in.
SHANGHAI_DISTRICTS: tuple[tuple[str, str], ...] = (
    ("huangpu", N_("Huangpu")),
    ("xuhui", N_("Xuhui")),
    ("changning", N_("Changning")),
    ("jingan", N_("Jing'an")),
    ("putuo", N_("Putuo")),
    ("hongkou", N_("Hongkou")),
    ("yangpu", N_("Yangpu")),
    ("minhang", N_("Minhang")),
    ("baoshan", N_("Baoshan")),
    ("jiading", N_("Jiading")),
    ("pudong", N_("Pudong New Area")),
    ("jinshan", N_("Jinshan")),
    ("songjiang", N_("Songjiang")),
    ("qingpu", N_("Qingpu")),
    ("fengxian", N_("Fengxian")),
    ("chongming", N_("Chongming")),
)

EXTRA_FIELDS: dict[str, ExtraField] = {
    "employer_uscc": ExtraField(
        label=N_("Employer's unified social credit code"),
        question=N_("What is your employer's unified social credit code?"),
        help=N_(
            "18 characters, on your employer's business licence. "
            "Your employer confirms your employment."
        ),
        type="uscc",
    ),
    "settlement_route": ExtraField(
        label=N_("Settlement route"),
        question=N_("Which settlement route do you apply under?"),
        help=N_("The route finder shows which routes are open to you and why."),
        type="enum",
        values=tuple((r.value, ROUTE_LABELS[r]) for r in SettlementRoute),
    ),
    "spouse_moves": ExtraField(
        label=N_("Spouse moves their hukou with you"),
        question=N_("Does your spouse move their hukou with you?"),
        help=N_("Answer no if you are not married."),
        type="bool",
    ),
    "children_moving": ExtraField(
        label=N_("Children under 18 moving their hukou with you"),
        question=N_("How many children under 18 move their hukou with you?"),
        help=N_("Enter 0 if none. Each child is registered for school in the district."),
        type="int",
        minimum=0,
        maximum=6,
    ),
    # 初到杨浦 / 虹桥 (issue 18): the onboarding bundle's household, asked once on its form.
    "children_count": ExtraField(
        label=N_("Children coming with you"),
        question=N_("How many children under 18 come to Shanghai with you?"),
        help=N_("Enter 0 if none. The district offers a schooling consultation for them."),
        type="int",
        minimum=0,
        maximum=6,
    ),
    "wants_housing_help": ExtraField(
        label=N_("Help with housing"),
        question=N_("Would you like a talent apartment or a rent subsidy, where you qualify?"),
        help=N_("The housing office looks at it after your residence permit."),
        type="bool",
    ),
    # The exam-fee reimbursement's certificate: reimbursed once, whoever claims it (the person
    # or their employer's batch claim).
    "certificate_number": ExtraField(
        label=N_("Certificate number"),
        question=N_("What is the number of your certificate?"),
        help=N_(
            "As printed on the certificate. A certificate's exam fee is reimbursed once, "
            "whether you or your employer claims it."
        ),
        type="certificate",
    ),
    # The schooling consultation (Yangpu): whose schooling it is about, and where.
    CHILD_BIRTH_FIELD: ExtraField(
        label=N_("Child's date of birth"),
        question=N_("What is your child's date of birth?"),
        help=N_(
            "For a child aged 0 to 18. If you have several children, give the one the "
            "consultation is about and tell the officer about the others."
        ),
        type="date",
    ),
    "school_district": ExtraField(
        label=N_("District for school"),
        question=N_("In which Shanghai district would your child go to school?"),
        help=N_("Usually the district where you live; the consultation covers schools there."),
        type="enum",
        values=SHANGHAI_DISTRICTS,
    ),
    SPOUSE_FIELD: ExtraField(
        label=N_("Spouse's ID card or passport number"),
        question=N_("If you are married, what is your spouse's ID card or passport number?"),
        help=N_(
            "Leave empty if you are not married. One household holds one talent apartment or "
            "subsidy; the number is stored encrypted and used only for that check."
        ),
        type="person_id",
        optional=True,
    ),
}


def person_id_kind(raw: str) -> str | None:
    """``resident_id`` for a valid 身份证 number (GB 11643 check digit), ``passport`` for a
    passport number, None otherwise. Eighteen characters shaped like an ID card number are
    judged as one, so a mistyped check digit is not waved through as a passport."""
    number = normalize_passport(raw)
    if len(number) == 18 and number[:17].isdigit():
        return "resident_id" if is_valid_resident_id(number) else None
    return "passport" if is_valid_passport(number) else None


def child_age(birth: date, today: date) -> int:
    """Whole years on ``today`` (a birthday on 29 February counts on 1 March in other years)."""
    had_birthday = (today.month, today.day) >= (birth.month, birth.day)
    return today.year - birth.year - (0 if had_birthday else 1)


def field_error(name: str, value: Any, today: date | None = None) -> str | None:
    """The msgid explaining why ``value`` is not a valid answer to ``name``, or None. A date
    field is judged on ``today`` (Shanghai), which its caller gives."""
    spec = EXTRA_FIELDS[name]
    if spec.type == "date":
        return _child_birth_error(value, today)
    if spec.type == "uscc":
        if not (isinstance(value, str) and is_valid_uscc(value)):
            return N_("Enter a valid 18-character unified social credit code.")
    elif spec.type == "enum":
        if value not in {code for code, _ in spec.values}:
            return N_("Choose one of the options.")
    elif spec.type == "bool":
        if not isinstance(value, bool):
            return N_("Answer yes or no.")
    elif spec.type == "person_id":
        if not (isinstance(value, str) and person_id_kind(value)):
            return N_(
                "Enter a valid 18-character ID card number (check the last character) "
                "or a passport number of 5 to 20 letters and digits."
            )
    elif spec.type == "certificate":
        if not (isinstance(value, str) and 1 <= len(value.strip()) <= 60):
            return N_("Enter the certificate number.")
    elif spec.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return N_("Enter a whole number.")
        if (spec.minimum is not None and value < spec.minimum) or (
            spec.maximum is not None and value > spec.maximum
        ):
            return N_("Enter a number from 0 to 6.")
    return None


def _child_birth_error(value: Any, today: date | None) -> str | None:
    try:
        birth = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        birth = None
    if birth is None:
        return N_("Enter a real date, for example 2018-09-01.")
    assert today is not None, "a date answer is judged on a given day"
    if birth > today:
        return N_("The date of birth cannot be in the future.")
    if child_age(birth, today) > CHILD_MAX_AGE:
        return N_("This consultation is for children aged 0 to 18.")
    return None
