"""The vectorised path: fact columns for many profiles (or one profile at many dates) and the
evaluation of compiled policies over them.

Validation matches :func:`app.rules.facts.validate_facts` value for value: a fast type check per
column, and on any surprise the scalar converter decides row by row, so a profile the single path
refuses is refused here too (with its index).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from app.rules import cel, vector
from app.rules.compiled import CompiledPolicy, TreeNode
from app.rules.countries import ISO_3166_ALPHA2
from app.rules.facts import (
    FACTS,
    HUKOU_HOLDERS,
    ORDERED,
    FactError,
    FactSpec,
    FactValue,
    _convert,
    validate_facts,
)
from app.rules.results import Status
from app.rules.scalar import UNKNOWN
from app.rules.timeutil import (
    exact_months_array,
    split_dates,
    term_months_array,
    whole_months_array,
    whole_years_array,
)
from app.rules.vector import BoolCol, Col, NumCol, SetCol, StrCol, StringTable, VCtx

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MISSING_ORDINAL = 0
Ymd = tuple[Any, Any, Any]
STATUS_NAMES: tuple[Status, Status, Status] = ("ineligible", "eligible", "unknown")


class BatchValidationError(ValueError):
    """Profiles the single path would refuse: ``errors`` maps profile index to its errors."""

    def __init__(self, errors: Mapping[int, tuple[FactError, ...]]) -> None:
        first = next(iter(errors.items()))
        super().__init__(
            f"{len(errors)} invalid profile(s); first #{first[0]}: {first[1][0].field}"
        )
        self.errors = dict(errors)


class _Columns(vector.FactSource):
    def __init__(self, n: int, as_of: Ymd) -> None:
        self.n = n
        self.as_of = as_of
        self.strings = StringTable()
        self._cache: dict[str, Col] = {}
        self._dates: dict[str, tuple[Ymd, Any]] = {}

    def column(self, name: str) -> Col:
        col = self._cache.get(name)
        if col is None:
            spec = FACTS[name]
            col = self._derived(spec) if spec.derived else self._entered(spec)
            self._cache[name] = col
        return col

    def _entered(self, spec: FactSpec) -> Col:  # pragma: no cover - overridden
        raise NotImplementedError

    def dates(self, name: str) -> tuple[Ymd, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _derived(self, spec: FactSpec) -> Col:
        ymd, mask = self.dates(spec.derived_from or spec.name)
        start, end = ymd, self.as_of
        if spec.derivation == "between":
            end, second_mask = self.dates(spec.derived_to or spec.name)
            mask = mask & second_mask
        elif spec.derivation == "until":
            start, end = self.as_of, ymd
        values = _MEASURE_ARRAYS[spec.measure or "whole_months"](start, end)
        return NumCol(np.asarray(values, dtype=np.float64), mask)


_MEASURE_ARRAYS: Mapping[str, Callable[[Ymd, Ymd], npt.NDArray[Any]]] = {
    "whole_years": whole_years_array,
    "whole_months": whole_months_array,
    "exact_months": exact_months_array,
    "term_months": term_months_array,
}
"""The vectorised twin of :data:`app.rules.facts.MEASURES`, key by key."""


def _date_key(ymd: Ymd) -> Any:
    year, month, day = ymd
    return year * 10000 + month * 100 + day


def _ymd_of(day: date) -> Ymd:
    return (np.int64(day.year), np.int64(day.month), np.int64(day.day))


class ProfileColumns(_Columns):
    """Columns for many profiles evaluated at one date."""

    def __init__(self, profiles: Sequence[Mapping[str, Any]], as_of: date) -> None:
        super().__init__(len(profiles), _ymd_of(as_of))
        self.profiles = profiles
        errors: dict[int, tuple[FactError, ...]] = {}
        names: set[str] = set()
        for profile in profiles:
            names.update(profile)
        bad_names = [name for name in names if name not in FACTS or FACTS[name].derived]
        if bad_names:
            for index, profile in enumerate(profiles):
                if any(name in profile for name in bad_names):
                    errors[index] = validate_facts(profile).errors
            raise BatchValidationError(errors)
        self._raw: dict[str, list[Any]] = {}
        for name in sorted(names):
            # Build every present column now so that bad values fail the batch as a whole, like
            # validate_facts would for each profile, whichever policies are asked for.
            self.column(name) if FACTS[name].type != "date" else self.dates(name)
        self._check_consistency(names, as_of)

    def _check_consistency(self, names: set[str], as_of: date) -> None:
        """Refuse the rows ``validate_facts(profile, as_of)`` refuses for facts that cannot all be
        true; the comparisons find them column-wise, the scalar check names their errors."""
        bad = np.zeros(self.n, dtype=bool)
        for name in names:
            spec = FACTS[name]
            if spec.type == "date" and spec.future == "refused":
                key, known = self._comparable(name)
                bad |= known & (key > _date_key(_ymd_of(as_of)))
        for low, high, _ in ORDERED:
            if low in names and high in names:
                (first, first_known), (second, second_known) = map(self._comparable, (low, high))
                bad |= first_known & second_known & (first > second)
        if "nationality" in names and "hukou" in names:
            nationality, hukou = self.column("nationality"), self.column("hukou")
            assert isinstance(nationality, StrCol) and isinstance(hukou, StrCol)
            holders = [self.strings.code(code) for code in HUKOU_HOLDERS]
            foreign = nationality.k & (nationality.codes != self.strings.code("CN"))
            bad |= foreign & hukou.k & np.isin(hukou.codes, holders)
        if bad.any():
            rows = np.flatnonzero(bad).tolist()
            raise BatchValidationError(
                {i: validate_facts(self.profiles[i], as_of).errors for i in rows}
            )

    def _comparable(self, name: str) -> tuple[Any, Any]:
        """Values that order as the facts do (dates as yyyymmdd keys), and the known mask."""
        if FACTS[name].type == "date":
            ymd, known = self.dates(name)
            return _date_key(ymd), known
        col = self.column(name)
        assert isinstance(col, NumCol)
        return col.v, col.k

    def _values(self, spec: FactSpec, allowed: tuple[type, ...]) -> list[Any]:
        raw = self._raw.get(spec.name)
        if raw is None:
            name = spec.name
            raw = [profile.get(name) for profile in self.profiles]
            if not set(map(type, raw)) <= {type(None), *allowed}:
                raw = self._convert_slowly(spec, raw)
            self._raw[spec.name] = raw
        return raw

    def _convert_slowly(self, spec: FactSpec, raw: list[Any]) -> list[Any]:
        converted: list[Any] = []
        errors: dict[int, tuple[FactError, ...]] = {}
        for index, value in enumerate(raw):
            result = None if value is None else _convert(spec, value)
            if isinstance(result, FactError):
                errors[index] = (result,)
            converted.append(result)
        if errors:
            raise BatchValidationError(errors)
        return converted

    def _check(self, spec: FactSpec, raw: list[Any], bad: npt.NDArray[np.bool_]) -> None:
        if bad.any():
            self._convert_slowly(spec, raw)  # raises, naming the rows

    def _entered(self, spec: FactSpec) -> Col:
        n = self.n
        if spec.type == "bool":
            raw = self._values(spec, (bool,))
            return BoolCol(
                np.fromiter((v is True for v in raw), bool, n),
                np.fromiter((v is False for v in raw), bool, n),
            )
        if spec.type in ("int", "number"):
            allowed: tuple[type, ...] = (int,) if spec.type == "int" else (int, float)
            raw = self._values(spec, allowed)
            try:
                values = np.array([np.nan if v is None else v for v in raw], dtype=np.float64)
            except OverflowError:
                # An integer beyond any float (JSON numbers have no size limit).
                self._convert_slowly(spec, raw)
                raise

            mask = ~np.isnan(values)
            # A NaN given as a value would pass for unknown: count the Nones to tell them apart.
            bad = ~np.isfinite(values) & mask
            if int(np.count_nonzero(~mask)) != raw.count(None):
                bad |= ~mask
            if spec.minimum is not None:
                bad |= mask & (values < spec.minimum)
            if spec.maximum is not None:
                bad |= mask & (values > spec.maximum)
            self._check(spec, raw, bad)
            return NumCol(values, mask)
        if spec.type == "list":
            raw = self._values(spec, (list, tuple))
            index = {code: 1 << i for i, code in enumerate(spec.codes)}
            if not {c for v in raw if v is not None for c in v} <= set(index):
                self._convert_slowly(spec, raw)
            bits = np.fromiter(
                (0 if v is None else sum(index[c] for c in set(v)) for v in raw), np.int64, n
            )
            mask = np.fromiter((v is not None for v in raw), bool, n)
            return SetCol(bits, mask, spec.codes)
        raw = self._values(spec, (str,))
        distinct = {v for v in raw if v is not None}
        if spec.type == "country":
            normal = {v: v.upper() for v in distinct}
            if not set(normal.values()) <= ISO_3166_ALPHA2:
                self._convert_slowly(spec, raw)
        elif spec.type == "enum":
            normal = {v: v for v in distinct}
            if not distinct <= set(spec.codes):
                self._convert_slowly(spec, raw)
        else:
            normal = {v: v for v in distinct}
        code_of: dict[str | None, int] = {v: self.strings.code(t) for v, t in normal.items()}
        code_of[None] = -1
        codes = np.fromiter(map(code_of.__getitem__, raw), np.int64, n)
        return StrCol(codes, codes >= 0)

    def dates(self, name: str) -> tuple[Ymd, Any]:
        hit = self._dates.get(name)
        if hit is None:
            spec = FACTS[name]
            raw = self._values(spec, (date, str))
            # Parse each distinct value once: profiles share dates far more than rows.
            try:
                ordinal_of: dict[Any, int] = {
                    v: (date.fromisoformat(v) if type(v) is str else v).toordinal()
                    for v in set(raw)
                    if v is not None
                }
            except ValueError:
                self._convert_slowly(spec, raw)  # raises, naming the rows
                raise
            # 0 is no date's ordinal (date.min is 1), so it can mark a missing value; the day
            # before the epoch, used before, is a real birth date (1969-12-31).
            ordinal_of[None] = _MISSING_ORDINAL
            ordinals = np.fromiter(map(ordinal_of.__getitem__, raw), np.int64, self.n)
            mask = ordinals != _MISSING_ORDINAL
            days = (np.where(mask, ordinals, _EPOCH_ORDINAL) - _EPOCH_ORDINAL).astype(
                "datetime64[D]"
            )
            hit = (split_dates(days), mask)
            self._dates[name] = hit
        return hit


class TimelineColumns(_Columns):
    """One profile at many dates: counters advanced by the whole months elapsed."""

    def __init__(
        self,
        entered: Mapping[str, FactValue],
        dates: npt.NDArray[np.datetime64],
        months: npt.NDArray[np.int64],
    ) -> None:
        super().__init__(len(dates), split_dates(dates.astype("datetime64[D]")))
        self.entered = entered
        self.months = np.asarray(months, dtype=np.float64)

    def _entered(self, spec: FactSpec) -> Col:
        value = self.entered.get(spec.name)
        if value is None:
            return _unknown_column(spec)
        if isinstance(value, bool):
            return BoolCol(value, not value)
        if isinstance(value, int | float):
            # Counters stop at their vocabulary maximum, as facts.advance does.
            top = spec.maximum if spec.maximum is not None else np.inf
            if spec.advances == "months":
                return NumCol(np.minimum(float(value) + self.months, top), True)
            if spec.advances == "years":
                return NumCol(np.minimum(float(value) + self.months / 12, top), True)
            return NumCol(float(value), True)
        if isinstance(value, tuple):
            bits = sum(1 << spec.codes.index(code) for code in value)
            return SetCol(np.int64(bits), True, spec.codes)
        return StrCol(self.strings.code(str(value)), True)

    def dates(self, name: str) -> tuple[Ymd, Any]:
        value = self.entered.get(name)
        if isinstance(value, date):
            return _ymd_of(value), True
        return _ymd_of(date(1970, 1, 1)), False


def _unknown_column(spec: FactSpec) -> Col:
    if spec.type == "bool":
        return BoolCol(False, False)
    if spec.type == "list":
        return SetCol(np.int64(0), False, spec.codes)
    if spec.type in ("int", "number"):
        return NumCol(np.nan, False)
    return StrCol(np.int64(-1), False)


def _tree(node: TreeNode, leaves: Sequence[BoolCol]) -> BoolCol:
    if node.op == "leaf":
        return leaves[node.leaf]
    return vector.combine(node.op, [_tree(child, leaves) for child in node.children])


def run(
    policy: CompiledPolicy,
    source: vector.FactSource,
    params: Mapping[str, Any],
    fixed: Mapping[str, Any] | None = None,
) -> tuple[BoolCol, VCtx]:
    """Root condition column and the context (whose memo holds conditions and formulas).

    ``fixed`` gives scalar results (``True``/``False``/``UNKNOWN`` or values) by memo key
    (``conditions.<id>``, ``calc.<name>``) for what cannot differ between the rows, so the date
    search computes only what depends on time.
    """
    plan = policy.vector_plan
    if plan is None:
        raise vector.VectorUnsupported(policy.vector_error or "not vectorisable")
    conditions = {leaf.atomic.id: fn for leaf, fn in zip(policy.leaves, plan.leaves, strict=True)}
    conditions.update(plan.groups)
    ctx = VCtx(source, params, plan.formulas, conditions)
    for key, value in (fixed or {}).items():
        ctx.memo[key] = _fixed_column(value, source.strings)
    with np.errstate(all="ignore"):
        leaves = [
            _bool(ctx.resolve("conditions." + leaf.atomic.id, fn))
            for leaf, fn in zip(policy.leaves, plan.leaves, strict=True)
        ]
        return _tree(policy.tree, leaves), ctx


def _fixed_column(value: Any, strings: StringTable) -> Col:
    if value is UNKNOWN:
        # Only conditions are fixed while unknown (formulas are fixed only when known).
        return BoolCol(False, False)
    return vector.constant(value, strings)


def _bool(col: Col) -> BoolCol:
    assert isinstance(col, BoolCol)
    return col


@dataclass(frozen=True)
class OutputColumn:
    """One output over the batch: ``values`` is an array (``(n, k)`` for lists, a dict of arrays
    for maps) and ``known`` says which rows have a value."""

    kind: str
    values: Any
    known: npt.NDArray[np.bool_]

    def value(self, index: int) -> Any:
        if not self.known[index]:
            return None
        if isinstance(self.values, dict):
            return {key: _plain(column[index], self.kind) for key, column in self.values.items()}
        return _plain(self.values[index], self.kind)


def _plain(value: Any, kind: str) -> Any:
    if isinstance(value, np.ndarray):
        element = cel.element_of(kind) or kind
        return [_plain(v, element) for v in value]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer) or kind == cel.INT or kind.endswith(",int>"):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def evaluate(
    policy: CompiledPolicy, source: vector.FactSource, as_of: date
) -> tuple[npt.NDArray[np.int8], dict[str, OutputColumn]]:
    """Statuses and outputs of one version over every row of ``source``."""
    root, ctx = run(policy, source, policy.params_at(as_of))
    n = source.n
    codes = vector.statuses(root, n)
    outputs: dict[str, OutputColumn] = {}
    with np.errstate(all="ignore"):
        for name in policy.outputs:
            formula = policy.formulas[name]
            col = ctx.resolve("calc." + name, ctx.calc[name])
            values, mask = vector.materialise(col, formula.kind, n, source.strings)
            if formula.spec.when == "not_ineligible":
                mask = mask & (codes != 0)
            elif formula.spec.when == "eligible":
                mask = mask & (codes == 1)
            outputs[name] = OutputColumn(formula.kind, values, mask)
    return codes, outputs
