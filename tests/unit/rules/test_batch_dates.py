"""The batch path reads every real date as a date: the day before the Unix epoch once stood for
a missing value there, so a person born on 1969-12-31 was 'unknown' in a batch and 'ineligible'
one by one (found by the differential property test)."""

from __future__ import annotations

from datetime import date

import pytest

from app.rules import load_library
from app.rules.batch import STATUS_NAMES

AS_OF = date(2026, 11, 22)
POLICY = "shanghai.returnee_settlement"


@pytest.mark.parametrize("birth_date", ["1969-12-31", "1970-01-01", "1969-12-30", "0001-01-02"])
def test_a_birth_date_near_the_epoch_is_decided_alike_in_a_batch(birth_date: str) -> None:
    library = load_library()
    single = library.evaluate({"birth_date": birth_date}, AS_OF, policy_ids=[POLICY])[0]
    batch = library.evaluate_batch([{"birth_date": birth_date}, {}], AS_OF, policy_ids=[POLICY])
    codes = batch.statuses[POLICY]
    assert single.status == "ineligible"
    assert STATUS_NAMES[int(codes[0])] == single.status
    assert STATUS_NAMES[int(codes[1])] == "unknown"
