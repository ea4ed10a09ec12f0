"""Does every number and citation of a policy file stand on its source? (``python -m app.rules
check``; the staff policy review page shows the same evidence.)

Two kinds of report:

- **assumptions** (class ``assumptions_flagged``): a parameter or dated value with neither a
  source nor an assumption; a ``sourced`` one whose source gives no refs and no document text to
  check (nothing backs it: cite or mark it assumed); a dated value that overrides nothing; a
  condition whose clause calls it an assumption while it uses no assumed parameter (the reader
  is never told); a number in an expression that should be a parameter with a source.
- **citations** (class ``citations_and_dates``): a sourced value its cited rows do not contain;
  a value in force from before its source was issued; a ref no row of the facts files carries;
  a clause article or verbatim quote not found in the
  document's text, for the documents whose text is kept here (the two district plans).

The reference material lives in ``app/rules/sources/`` (see its README): the two facts files,
whose rows cite sources ``S1``.. and ``T1``.., and the two plans. Everything here is pure: files
are read once, nothing touches a database or the network.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from app.rules import cel
from app.rules.compiled import CompiledPolicy
from app.rules.engine import PolicyLibrary
from app.rules.facts import FACTS
from app.rules.schema import Atomic, Document, Parameter, ParamValue, PolicyFile, Source

Kind = Literal[
    "unsourced",
    "nothing_to_check",
    "redundant_value",
    "assumed_in_text_only",
    "literal_in_expression",
    "value_not_in_source",
    "dated_before_source",
    "unknown_ref",
    "text_missing",
    "article_not_found",
    "quote_not_found",
]
ASSUMPTION_KINDS: frozenset[Kind] = frozenset(
    {
        "unsourced",
        "nothing_to_check",
        "redundant_value",
        "assumed_in_text_only",
        "literal_in_expression",
    }
)
CITATION_KINDS: frozenset[Kind] = frozenset(
    {
        "value_not_in_source",
        "dated_before_source",
        "unknown_ref",
        "text_missing",
        "article_not_found",
        "quote_not_found",
    }
)
FACTS_FILES = ("policy-facts.md", "policy-facts-2.md")

_CN = "一二三四五六七八九十"
_REF = re.compile(r"(?<![A-Za-z0-9])([ST])(\d+)(?:\s*[–—-]\s*[ST]?(\d+))?(?![0-9])")
_SOURCE_REF = re.compile(r"^[ST]\d+$")
_URL = re.compile(r"https?://\S+")
# Digits not glued to a letter or digit before them (so "S26" is a ref, not 26), with thousands
# separators, decimals and a unit glued after: 600k, ¥1m, 1.1万, 90%, 1.5×.
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(k|m(?![²A-Za-z])|万|%|×)?")
_SCALE = {"k": 1e3, "m": 1e6, "万": 1e4, "%": 1e-2}
_ASSUMED_WORDS = re.compile(r"假定|假设|assum", re.IGNORECASE)
_COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
# Whole-number constants of the calendar: a monthly figure times 12 is a yearly one.
_UNIT_CONSTANTS = frozenset({12.0})

_L1 = re.compile(rf"^([{_CN}]+)、")
_L2 = re.compile(rf"^[(]([{_CN}]+)[)]")
_L3 = re.compile(r"^(\d+)\s*[.、]")
_L3_CN = re.compile(rf"^([{_CN}]+)是")
_ARTICLE = re.compile(rf"^(附件)?(?:项目清单)?([{_CN}]+)?、?(?:\(([{_CN}]+)\))?(\d+|[{_CN}]+)?")
_PUNCT = str.maketrans(
    {
        "（": "(",
        "）": ")",
        "，": ",",
        "。": ".",
        "；": ";",
        "：": ":",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "．": ".",
        "*": None,
        " ": None,
        "\t": None,
        "\n": None,
        "\u3000": None,
    }
)


def normalise(text: str) -> str:
    """Text compared loosely: no spaces or markdown emphasis, full-width punctuation halved."""
    return text.translate(_PUNCT)


def numbers_in(text: str) -> frozenset[float]:
    """Every number a line states, in each reading: ``¥3,000`` is 3000, ``90%`` is 90 and
    0.9, ``600k`` 600 and 600000; ``全额`` (in full) is 1."""
    found: set[float] = set()
    for whole, fraction, unit in _NUMBER.findall(_URL.sub("", text)):
        value = float(whole.replace(",", "") + fraction)
        found.add(round(value, 6))
        if unit in _SCALE:
            found.add(round(value * _SCALE[unit], 6))
    if "全额" in text:
        found.add(1.0)
    return frozenset(found)


def _refs_of(line: str) -> frozenset[str]:
    refs: set[str] = set()
    for letter, first, last in _REF.findall(line):
        start = int(first)
        end = int(last) if last and int(last) >= start else start
        refs.update(f"{letter}{n}" for n in range(start, min(end, start + 50) + 1))
    return frozenset(refs)


@dataclass(frozen=True)
class FactLine:
    """One row (or line) of a facts file that cites at least one source."""

    file: str
    line: int
    text: str
    refs: frozenset[str]
    numbers: frozenset[float]


def read_fact_lines(name: str, content: str) -> list[FactLine]:
    out = []
    for number, raw in enumerate(content.splitlines(), start=1):
        if raw.startswith("## Sources"):
            break  # the list of URLs: it names every source and proves nothing
        text = _URL.sub("", raw)
        refs = _refs_of(text)
        if refs:
            out.append(FactLine(name, number, raw.strip(), refs, numbers_in(text)))
    return out


@dataclass(frozen=True)
class ArticleRef:
    """A clause article as the plans number them: 四(四)3, 一(一)四, 附件四5 (the annex)."""

    key: str
    label: str


def parse_article(article: str) -> ArticleRef | None:
    text = normalise(article)
    match = _ARTICLE.match(text)
    if match is None or not (match.group(2) or match.group(1) and match.group(4)):
        return None
    annex, first, second, third = match.groups()
    key = (annex or "") + (first or "") + (f"({second})" if second else "") + (third or "")
    label = text[match.end() :].split("/", 1)[0].strip(" .、:")
    return ArticleRef(key, label)


class PlanText:
    """A plan's text by article: each heading (一、 / （一） / 1. or 一是) opens a section that
    runs to the next heading of its level or above; the annex (附件) numbers its own."""

    def __init__(self, name: str, content: str) -> None:
        self.name = name
        self.sections: dict[str, str] = {}
        self.whole = normalise(content)
        annex = ""
        first = second = third = ""
        for raw in content.splitlines():
            line = raw.strip().removeprefix("- ").replace("*", "").strip()
            if line == "附件":
                annex, first, second, third = "附件", "", "", ""
                continue
            line = line.translate({ord("（"): "(", ord("）"): ")", ord("．"): "."})
            if m := _L1.match(line):
                first, second, third = m.group(1), "", ""
            elif m := _L2.match(line):
                second, third = m.group(1), ""
            elif (m := _L3.match(line)) or ((m := _L3_CN.match(line)) and not third.isdigit()):
                # 1. items, or 一是/二是 paragraphs where a section has no numbered items
                third = m.group(1)
            if not first:
                continue
            # The heading's own number is not part of what the article says.
            line = _L3.sub("", line, count=1)
            keys = [annex + first]
            if second:
                keys.append(f"{annex}{first}({second})")
            if third:
                keys.append(keys[-1] + third)
                if annex:
                    keys.append(annex + third)
            for key in keys:
                self.sections[key] = self.sections.get(key, "") + normalise(line)

    def where(self, needle: str) -> list[str]:
        """The most specific articles whose text contains ``needle`` (normalised)."""
        if not needle:
            return []
        hits = [key for key, text in self.sections.items() if needle in text]
        return [k for k in hits if not any(o != k and o.startswith(k) for o in hits)][:3]


class References:
    """The facts files' cited rows and the document texts, read from ``<root>/sources``."""

    def __init__(self, root: Traversable | Path) -> None:
        self.root = root
        self.lines: list[FactLine] = []
        for name in FACTS_FILES:
            entry = root.joinpath("sources", name)
            if entry.is_file():
                self.lines += read_fact_lines(name, entry.read_text(encoding="utf-8"))
        self.known_refs = frozenset(ref for line in self.lines for ref in line.refs)
        self._texts: dict[str, PlanText | None] = {}

    def citing(self, refs: Iterable[str]) -> list[FactLine]:
        wanted = set(refs)
        return [line for line in self.lines if line.refs & wanted]

    def text(self, path: str) -> PlanText | None:
        if path not in self._texts:
            entry = self.root.joinpath(*path.split("/"))
            self._texts[path] = (
                PlanText(path, entry.read_text(encoding="utf-8")) if entry.is_file() else None
            )
        return self._texts[path]


@cache
def package_references() -> References:
    return References(resources.files("app.rules"))


@dataclass(frozen=True)
class Problem:
    kind: Kind
    policy_id: str
    versions: tuple[str, ...]
    subject: str  # "parameter x", "parameter x from 2023-07-01", "condition y", "formula z"
    detail: str

    @property
    def line(self) -> str:
        where = f"{self.policy_id}@{','.join(self.versions)}"
        return f"{self.kind}: {where} {self.subject}: {self.detail}"


@dataclass(frozen=True)
class Evidence:
    """What backs one dated value: its basis and, for a sourced value, the rows or article text
    that contain it (the review page quotes them)."""

    basis: Literal["sourced", "assumed", "none"]
    source: Source | None
    rows: tuple[FactLine, ...]
    article_text: str | None
    missing: tuple[float, ...]


def value_basis(parameter: Parameter, entry: ParamValue) -> Source | None | Literal["assumed"]:
    """The source a value stands on (its own, else the parameter's), or ``assumed``."""
    if entry.assumption is not None:
        return "assumed"
    if entry.source is not None:
        return entry.source
    if parameter.status == "assumed":
        return "assumed"
    return parameter.source


def _numbers_of(value: object) -> list[float] | None:
    items = value if isinstance(value, list) else [value]
    if not items or any(isinstance(v, bool) or not isinstance(v, int | float) for v in items):
        return None
    return [float(v) for v in items]  # type: ignore[arg-type]


def _readings(value: float, unit: str) -> set[float]:
    """The ways a source may state a value: 24 months as "2 y", 2 years as "24 months"."""
    out = {round(value, 6)}
    if "month" in unit and value >= 12 and value % 12 == 0:
        out.add(value / 12)
    if "year" in unit:
        out.add(round(value * 12, 6))
    return out


def evidence(
    references: References,
    spec: PolicyFile,
    parameter: Parameter,
    entry: ParamValue,
) -> Evidence:
    basis = value_basis(parameter, entry)
    if basis == "assumed":
        return Evidence("assumed", None, (), None, ())
    if basis is None:
        return Evidence("none", None, (), None, ())
    rows = tuple(references.citing(r for r in basis.refs if _SOURCE_REF.match(r)))
    article_text = _document_section(references, spec.documents.get(basis.document), basis.clause)
    numbers = _numbers_of(entry.value)
    missing: list[float] = []
    shown = rows
    if numbers is not None:
        stated = set().union(*(row.numbers for row in rows))
        if article_text is not None:
            stated |= numbers_in(article_text)
        unit = parameter.unit.en.lower()
        missing = [n for n in numbers if not _readings(n, unit) & stated]
        # Quote the rows that state one of the numbers, when some do.
        wanted = set().union(*(_readings(n, unit) for n in numbers))
        shown = tuple(row for row in rows if row.numbers & wanted) or rows
    return Evidence("sourced", basis, shown, article_text, tuple(missing))


def _document_section(references: References, document: Document | None, clause: str) -> str | None:
    if document is None or document.text is None:
        return None
    plan = references.text(document.text)
    if plan is None:
        return None
    article = parse_article(clause)
    if article is not None and article.key in plan.sections:
        return plan.sections[article.key]
    return plan.whole


def audit_library(library: PolicyLibrary, references: References | None = None) -> list[Problem]:
    """Every problem of every version, the same problem in several versions (a parameter an
    ``extends`` carries over) reported once with all its versions."""
    refs = references if references is not None else package_references()
    merged: dict[tuple[Kind, str, str, str], list[str]] = {}
    for info in library.policies():
        for version in info.versions:
            compiled = library.version(info.policy_id, version.version)
            for problem in audit_version(compiled, refs):
                key = (problem.kind, problem.policy_id, problem.subject, problem.detail)
                merged.setdefault(key, []).append(version.version)
    return [
        Problem(kind, policy_id, tuple(versions), subject, detail)
        for (kind, policy_id, subject, detail), versions in merged.items()
    ]


def audit_version(policy: CompiledPolicy, references: References) -> list[Problem]:
    spec = policy.spec
    found: list[tuple[Kind, str, str]] = []
    found += _parameter_problems(spec, references)
    found += _clause_problems(policy, references)
    found += _literal_problems(policy)
    return [Problem(k, spec.policy_id, (spec.version,), s, d) for k, s, d in found]


def _parameter_problems(
    spec: PolicyFile, references: References
) -> Iterator[tuple[Kind, str, str]]:
    for name, parameter in spec.parameters.items():
        subject = f"parameter {name}"
        if parameter.status == "sourced" and parameter.source is None:
            yield "unsourced", subject, "status sourced but no source: cite one or mark it assumed"
        if parameter.status == "assumed" and parameter.assumption is None:
            yield "unsourced", subject, "status assumed but no reason and date"
        previous: ParamValue | None = None
        for entry in parameter.values:
            yield from _value_problems(spec, references, name, parameter, entry, previous)
            previous = entry


def _value_problems(
    spec: PolicyFile,
    references: References,
    name: str,
    parameter: Parameter,
    entry: ParamValue,
    previous: ParamValue | None,
) -> Iterator[tuple[Kind, str, str]]:
    subject = f"parameter {name} from {entry.valid_from.isoformat()}"
    basis = value_basis(parameter, entry)
    if basis is None:
        yield "unsourced", subject, f"value {entry.value!r} has no source and is not assumed"
        return
    if entry.source is not None and entry.source == parameter.source:
        yield "redundant_value", subject, "its own source repeats the parameter's"
    if entry.assumption is not None and entry.assumption == parameter.assumption:
        yield "redundant_value", subject, "its own assumption repeats the parameter's"
    if (
        previous is not None
        and previous.value == entry.value
        and value_basis(parameter, previous) == basis
    ):
        yield "redundant_value", subject, f"repeats the value {entry.value!r} already in force"
    if basis == "assumed":
        return
    document = spec.documents.get(basis.document)
    has_text = document is not None and document.text is not None
    issued = document.issued if document is not None else None
    if issued is not None and entry.valid_from < issued and _numbers_of(entry.value) is not None:
        yield (
            "dated_before_source",
            subject,
            f"in force from {entry.valid_from.isoformat()} but {basis.document} was issued "
            f"{issued.isoformat()}: date it from then, or cite a source in force on that date",
        )
    cited = [r for r in basis.refs if _SOURCE_REF.match(r)]
    other = [r for r in basis.refs if not _SOURCE_REF.match(r)]
    if not cited and not has_text:
        yield (
            "nothing_to_check",
            subject,
            f"sourced ({basis.document}, {basis.clause}) but the source gives no refs and "
            "its document no text to check: cite the facts rows or mark the value assumed",
        )
        return
    unknown = [r for r in cited if r not in references.known_refs]
    if other and not has_text:
        unknown += other
    if unknown:
        yield "unknown_ref", subject, f"no row of the facts files cites {', '.join(unknown)}"
    if len(unknown) == len(basis.refs) and not has_text:
        return
    found = evidence(references, spec, parameter, entry)
    if found.missing:
        where = f"rows citing {', '.join(cited)}" if cited else ""
        if has_text and document is not None:
            where += (" or " if where else "") + f"{document.text} ({basis.clause})"
        shown = ", ".join(_plain(n) for n in found.missing)
        yield (
            "value_not_in_source",
            subject,
            f"value {_plain(entry.value)}: {shown} not found in {where}",
        )


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return str(value)


def _clause_problems(
    policy: CompiledPolicy, references: References
) -> Iterator[tuple[Kind, str, str]]:
    spec = policy.spec
    assumed = {n for n, p in spec.parameters.items() if p.status == "assumed"}
    assumed |= {n for n, p in spec.parameters.items() if any(e.assumption for e in p.values)}
    for leaf in policy.leaves:
        atomic = leaf.atomic
        subject = f"condition {atomic.id}"
        if _says_assumed(atomic) and not leaf.params & assumed:
            yield (
                "assumed_in_text_only",
                subject,
                "its clause calls it an assumption but it uses no assumed parameter, so "
                "criteria[].assumed stays empty: move the assumed value into a parameter marked "
                "assumed",
            )
        document = spec.documents.get(atomic.clause.document)
        if document is None or document.text is None:
            continue
        plan = references.text(document.text)
        if plan is None:
            yield (
                "text_missing",
                subject,
                f"{atomic.clause.document} names {document.text}, not found",
            )
            continue
        yield from _article_problems(plan, atomic, subject)


def _says_assumed(atomic: Atomic) -> bool:
    clause = atomic.clause
    return bool(_ASSUMED_WORDS.search(clause.text_zh) or _ASSUMED_WORDS.search(clause.text_en))


def _article_problems(
    plan: PlanText, atomic: Atomic, subject: str
) -> Iterator[tuple[Kind, str, str]]:
    clause = atomic.clause
    article = parse_article(clause.article)
    quote = normalise(clause.text_zh) if clause.verbatim else ""
    section: str | None = None
    if article is None:
        yield (
            "article_not_found",
            subject,
            f"article {clause.article!r} is not numbered as {plan.name} numbers its articles "
            "(四(四)3, 一(一)四, 附件四5)",
        )
    elif article.key not in plan.sections:
        hint = _hint(plan, article.label or quote)
        yield "article_not_found", subject, f"{plan.name} has no article {article.key}{hint}"
    else:
        section = plan.sections[article.key]
        label = normalise(article.label)
        if label and label not in section:
            hint = _hint(plan, label)
            yield (
                "article_not_found",
                subject,
                f"article {article.key} of {plan.name} does not mention {article.label!r}{hint}",
            )
    if quote and (quote not in (section if section is not None else plan.whole)):
        places = plan.where(quote)
        if places:
            detail = f"the verbatim quote is under {', '.join(places)}, not {clause.article!r}"
        else:
            detail = f"the verbatim quote {clause.text_zh!r} is not in {plan.name}"
        yield "quote_not_found", subject, detail


def _hint(plan: PlanText, needle: str) -> str:
    places = plan.where(normalise(needle))
    return f" (the text is under {', '.join(places)})" if places else ""


def _children(node: cel.Node) -> Iterator[cel.Node]:
    for item in dataclasses.fields(node):
        value = getattr(node, item.name)
        for child in value if isinstance(value, tuple) else (value,):
            if not isinstance(child, str | bool | int | float):
                yield child


def _is_level(node: cel.Node) -> bool:
    """A fact whose numbers are codes (skill level 2), not quantities."""
    if not isinstance(node, cel.Fact):
        return False
    spec = FACTS.get(node.name)
    return node.name.endswith("_level") or (spec is not None and bool(spec.values))


def literal_numbers(node: cel.Node, parent: cel.Node | None = None) -> Iterator[float]:
    """Numbers in an expression that should be parameters: not 0/±1, not a list index, not a
    level or code compared with a fact, not the 12 that turns months into years."""
    if isinstance(node, cel.Lit):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float) or abs(value) <= 1:
            return
        if isinstance(parent, cel.Index) and parent.index is node:
            return
        if isinstance(parent, cel.Binary):
            other = parent.right if parent.left is node else parent.left
            if parent.op in _COMPARISONS and _is_level(other):
                return
            if parent.op in ("*", "/") and float(value) in _UNIT_CONSTANTS:
                return
        yield float(value)
        return
    if isinstance(node, cel.In) and _is_level(node.item):
        return  # skill_level in [1, 2]: codes
    for child in _children(node):
        yield from literal_numbers(child, node)


def _literal_problems(policy: CompiledPolicy) -> Iterator[tuple[Kind, str, str]]:
    items: list[tuple[str, cel.Node]] = [
        ("condition " + leaf.atomic.id, leaf.node) for leaf in policy.leaves
    ]
    items += [("formula " + name, f.node) for name, f in policy.formulas.items()]
    for subject, node in items:
        numbers = sorted(set(literal_numbers(node)))
        if numbers:
            shown = ", ".join(_plain(n) for n in numbers)
            yield (
                "literal_in_expression",
                subject,
                f"the number(s) {shown} are written into the expression: make each a parameter "
                "with its source or assumption",
            )


def by_kind(problems: Sequence[Problem], kinds: Iterable[Kind]) -> list[Problem]:
    wanted = set(kinds)
    return [p for p in problems if p.kind in wanted]


def summary(problems: Sequence[Problem]) -> Mapping[str, Mapping[str, int]]:
    """Counts per kind and policy, for the report's closing lines."""
    out: dict[str, dict[str, int]] = {}
    for problem in problems:
        row = out.setdefault(problem.kind, {})
        row[problem.policy_id] = row.get(problem.policy_id, 0) + 1
    return out
