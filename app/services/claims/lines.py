"""The lines of a batch claim: reading them (CSV or JSON), checking each on its own (its
fields, the policy's rules per line, the portal's records, what was claimed before) and the
report of every line's problems."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.domain.enums import IdKind
from app.domain.identity import is_valid_resident_id, normalize_resident_id
from app.errors import FieldError, ValidationFailed
from app.i18n import N_, gettext
from app.models import Employer, Service
from app.models.base import utcnow
from app.repositories import claims as claims_repo
from app.repositories.unit_of_work import AsyncSession
from app.rules import FactsValidationError, load_library
from app.schemas.claims import LineReport, LineValue
from app.services import protection
from app.workflow.bundle import ROUTE_SERVICES
from app.workflow.states import CaseStatus
from app.workflow.values import local_date

EXAM_FEE_CLAIM = "employer_exam_fee_claim"
RECRUITMENT_REWARD = "recruitment_reward"
INTERNSHIP_SUBSIDY = "internship_subsidy_claim"
INTERNSHIP_BASE = "youth_internship_base"

# What each batch claim's lines carry, in the CSV's column order.
COLUMNS: dict[str, tuple[str, ...]] = {
    EXAM_FEE_CLAIM: (
        "id_number",
        "name",
        "certificate_number",
        "certificate_type",
        "certificate_level",
        "certificate_date",
        "exam_fee_cny",
        "employee_declared",
    ),
    RECRUITMENT_REWARD: ("id_number", "name"),
    INTERNSHIP_SUBSIDY: ("id_number", "name"),
}
# What a line may be paid for once, whoever claims it (the unique key of ``claim_line``).
KIND_OF: dict[str, str] = {
    EXAM_FEE_CLAIM: "certificate",
    RECRUITMENT_REWARD: "placement",
    INTERNSHIP_SUBSIDY: "intern_month",
}
# A placement is rewarded for talent the portal settled: the settlement bundle, its approval
# step and each route's own service, once granted.
SETTLEMENT_SERVICES = frozenset(
    {"settlement_bundle", "settlement_approval", *ROUTE_SERVICES.values()}
)
_YES = {"yes", "y", "true", "1", "是", "已声明"}
MAX_LINES = 500


def is_batch(code: str) -> bool:
    return code in COLUMNS


def certificate_key(number: str) -> str:
    return number.strip().replace(" ", "").upper()


@dataclass
class CheckedLine:
    line: int
    values: dict[str, Any]
    name: str = ""
    id_index: str | None = None
    id_masked: str | None = None
    key: str | None = None
    amount_cny: int | None = None
    errors: list[str] = field(default_factory=list)
    # The number of the case that already claims this line's certificate, person or month.
    claimed_in: str | None = None
    details: dict[str, object] = field(default_factory=dict)

    def report(self) -> LineReport:
        return LineReport(
            line=self.line,
            name=self.name,
            id_masked=self.id_masked,
            amount_cny=self.amount_cny,
            errors=self.errors,
        )


def read_csv(text: str, service_code: str) -> list[dict[str, LineValue]]:
    """The CSV's rows as line objects (the header names the columns); a missing column or
    too many lines refuse the file as a whole."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS.get(service_code, ()) if c not in header]
    if missing:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "file",
                    "missing_columns",
                    N_("The file lacks the columns: {columns}."),
                    {"columns": ", ".join(missing)},
                )
            ]
        )
    rows: list[dict[str, LineValue]] = []
    for raw in reader:
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if any(row.values()):
            rows.append(dict(row))
    return rows


def _text(values: Mapping[str, LineValue], name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value).strip()


def _int(values: Mapping[str, LineValue], name: str) -> int | None:
    text = _text(values, name)
    try:
        return int(float(text)) if text else None
    except ValueError:
        return None


def _person(line: CheckedLine, lang: str) -> None:
    number = normalize_resident_id(_text(line.values, "id_number"))
    line.name = _text(line.values, "name")[:100]
    if not line.name:
        line.errors.append(gettext(lang, N_("Enter the person's name.")))
    if not is_valid_resident_id(number):
        line.errors.append(gettext(lang, N_("The ID card number is not valid.")))
        return
    line.id_index = protection.id_index(IdKind.RESIDENT_ID, number)
    line.id_masked = protection.mask_id(IdKind.RESIDENT_ID, number)


def _exam_fee(line: CheckedLine, organisation: Employer, lang: str) -> None:
    values = line.values
    certificate = certificate_key(_text(values, "certificate_number"))
    if not certificate or len(certificate) > 60:
        line.errors.append(gettext(lang, N_("Enter the certificate number.")))
    else:
        line.key = certificate
    kind = _text(values, "certificate_type")[:100]
    if not kind:
        line.errors.append(gettext(lang, N_("Enter the certificate type.")))
    level = _int(values, "certificate_level")
    if level is None or not 1 <= level <= 5:
        line.errors.append(gettext(lang, N_("The certificate level is a number from 1 to 5.")))
    fee = _int(values, "exam_fee_cny")
    if fee is None:
        line.errors.append(gettext(lang, N_("Enter the exam fee paid, in whole yuan.")))
    if _text(values, "employee_declared").lower() not in _YES:
        line.errors.append(
            gettext(lang, N_("Declare that the person is your organisation's employee."))
        )
    try:
        obtained = date.fromisoformat(_text(values, "certificate_date"))
    except ValueError:
        line.errors.append(gettext(lang, N_("Enter the date obtained as YYYY-MM-DD.")))
        return
    line.details = {
        "certificate_number": certificate,
        "certificate_type": kind,
        "certificate_level": level,
        "certificate_date": obtained.isoformat(),
        "exam_fee_cny": fee,
    }
    if fee is None:
        return
    facts = {
        "employer_district": organisation.district,
        "certificate_date": obtained,
        "exam_fee_paid_cny": fee,
    }
    try:
        result = load_library().evaluate(
            facts, local_date(utcnow()), policy_ids=["yangpu.employer_exam_fee_claim"], lang=lang
        )[0]
    except FactsValidationError:
        line.errors.append(gettext(lang, N_("The date obtained or the fee is not valid.")))
        return
    line.errors += [c.message for c in result.criteria if c.result == "false"]
    amount = result.outputs.get("amount_cny")
    line.amount_cny = int(amount) if amount is not None else None


async def check_lines(
    session: AsyncSession,
    service: Service,
    organisation: Employer,
    rows: list[dict[str, LineValue]],
    lang: str,
    *,
    unit_amount: int,
    month: str | None = None,
) -> list[CheckedLine]:
    """Every line checked on its own; a line's errors are in ``lang``. ``unit_amount``: what
    a line is worth where the policy pays per person (rewards, interns)."""
    if len(rows) > MAX_LINES:
        raise ValidationFailed(
            field_errors=[
                FieldError(
                    "lines", "too_many", N_("At most {count} lines a claim."), {"count": MAX_LINES}
                )
            ]
        )
    lines = [CheckedLine(line=i, values=dict(row)) for i, row in enumerate(rows, start=1)]
    for line in lines:
        _person(line, lang)
        if service.code == EXAM_FEE_CLAIM:
            _exam_fee(line, organisation, lang)
        elif line.id_index is not None:
            line.key = line.id_index if month is None else f"{month}:{line.id_index}"
            line.amount_cny = unit_amount
        if service.code == RECRUITMENT_REWARD and line.id_index is not None:
            granted = await claims_repo.granted_person(
                session,
                line.id_index,
                organisation.district,
                SETTLEMENT_SERVICES,
                {s.value for s in CaseStatus.APPROVAL_STANDS},
            )
            if granted is None:
                line.errors.append(
                    gettext(
                        lang,
                        N_(
                            "The portal has no settlement or certification granted to this "
                            "person in the district."
                        ),
                    )
                )
            else:
                line.details = {"granted_case": granted}
    _refuse_repeats(lines, lang)
    kind = KIND_OF[service.code]
    earlier = await claims_repo.claimed(session, kind, [ln.key for ln in lines if ln.key])
    for line in lines:
        if line.key is not None and line.key in earlier:
            line.claimed_in = earlier[line.key]
            line.errors.append(gettext(lang, _ALREADY[kind], {"case": earlier[line.key]}))
    return lines


_ALREADY: dict[str, str] = {
    "certificate": N_("This certificate was already claimed (case {case})."),
    "placement": N_("A reward for this person was already claimed (case {case})."),
    "intern_month": N_("This intern is already in a claim for the month (case {case})."),
}


def _refuse_repeats(lines: list[CheckedLine], lang: str) -> None:
    first: dict[str, int] = {}
    for line in lines:
        if line.key is None:
            continue
        if line.key in first:
            line.errors.append(
                gettext(lang, N_("Same as line {line} of this claim."), {"line": first[line.key]})
            )
        else:
            first[line.key] = line.line


def decode_csv(data: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without the mark Excel writes), else GB 18030, the
    encoding Chinese spreadsheets save in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValidationFailed(
                field_errors=[
                    FieldError(
                        "file", "encoding", N_("Save the file as CSV (UTF-8) and try again.")
                    )
                ]
            ) from exc
