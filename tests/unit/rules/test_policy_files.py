"""Policy files: schema, validity periods, translations, provenance of every number."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.rules import PolicyLibrary, PolicyLoadError, load_library
from app.rules.loader import package_directory, read_directory, sha256

POLICIES = Path(str(package_directory()))
RETURNEE = [
    "shanghai.returnee_settlement@2020-11-13.yaml",
    "shanghai.returnee_settlement@2022-07-01.yaml",
    "shanghai.returnee_settlement@2023-07-01.yaml",
]
APARTMENT = "changning.returnee_apartment_subsidy@2022-02-25.yaml"


def _copy(tmp_path: Path, names: list[str], old: str = "", new: str = "") -> Path:
    for name in names:
        shutil.copy(POLICIES / name, tmp_path / name)
    if old:
        target = tmp_path / names[0]
        text = target.read_text(encoding="utf-8")
        assert old in text
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path


def _problems(directory: Path) -> str:
    with pytest.raises(PolicyLoadError) as error:
        PolicyLibrary.from_directory(directory)
    return "\n".join(error.value.problems)


def test_the_shipped_files_load_and_every_version_is_vectorised() -> None:
    library = load_library()
    versions = [v for info in library.policies() for v in info.versions]
    # 18, the organisations' services' nine (issue 15), the schooling consultation (17), both
    # districts' high-level talent classification and the three versions reading the talent
    # register and the three programme rounds' nomination rules (issue 16), overseas talent's
    # tax-difference subsidy and both districts' recommendation for permanent residence (18).
    assert len(versions) == 39
    assert [v.version for v in versions if not v.vectorised] == []


def test_versions_follow_each_other_without_gaps() -> None:
    library = load_library()
    returnee = library.get("shanghai.returnee_settlement").versions
    assert [(v.valid_from.isoformat(), str(v.valid_to)) for v in returnee] == [
        ("2020-11-13", "2022-06-30"),
        ("2022-07-01", "2023-06-30"),
        ("2023-07-01", "None"),
    ]
    talent = library.get("shanghai.talent_introduction").versions
    assert [str(v.valid_to) for v in talent] == ["2025-11-30", "None"]


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path, RETURNEE, "valid_to: 2022-06-30", "valid_to: 2022-07-15")
    assert "shanghai.returnee_settlement: 2020-11-13 overlaps 2022-07-01" in _problems(directory)


def test_gapped_versions_are_refused(tmp_path: Path) -> None:
    directory = _copy(tmp_path, RETURNEE, "valid_to: 2022-06-30", "valid_to: 2022-06-15")
    assert "gap between 2020-11-13 and 2022-07-01" in _problems(directory)


def test_an_open_ended_version_followed_by_another_is_an_overlap(tmp_path: Path) -> None:
    directory = _copy(tmp_path, RETURNEE, "valid_to: 2022-06-30", "valid_to: null")
    assert "overlaps" in _problems(directory)


# Hashes of versions decided cases already cite: their files must never change.
PUBLISHED = {
    (
        "yangpu.service_card",
        "2021-10-21",
    ): "ec05c077410cb52966a73091aa26fe254758585ae91470c096399b8becd34740",
    (
        "yangpu.rent_subsidy",
        "2021-10-21",
    ): "a1b5c2669fd9ea84bb84d0feac46a3f5e2cce80a33650ae4af929c6ebb8a6766",
    (
        "national.foreign_work_permit",
        "2017-04-01",
    ): "98ea8e5d2826ff0348b48f1eb01111467dc1bb2e4120c0d77c994ff831649337",
}


@pytest.mark.parametrize(("policy_id", "version"), sorted(PUBLISHED))
def test_a_superseded_version_keeps_its_published_hash_and_ends_the_day_before(
    policy_id: str, version: str
) -> None:
    versions = load_library().get(policy_id).versions
    assert [(v.version, str(v.valid_to)) for v in versions] == [
        (version, "2026-12-06"),
        ("2026-12-07", "None"),
    ]
    assert versions[0].content_sha256 == PUBLISHED[(policy_id, version)]
    assert versions[1].spec.supersedes == f"{policy_id}@{version}"


def _returnee_superseding(tmp_path: Path, supersedes: str, base_valid_to: str) -> Path:
    """The returnee files with the 2020 version's end changed and the 2022 one naming a version."""
    directory = _copy(tmp_path, RETURNEE, "valid_to: 2022-06-30", f"valid_to: {base_valid_to}")
    special = directory / RETURNEE[1]
    text = special.read_text(encoding="utf-8")
    special.write_text(text.replace("\npolicy_id:", f"\nsupersedes: {supersedes}\npolicy_id:", 1))
    return directory


def test_supersedes_ends_an_open_ended_version_without_touching_its_file(tmp_path: Path) -> None:
    directory = _returnee_superseding(tmp_path, "shanghai.returnee_settlement@2020-11-13", "null")
    library = PolicyLibrary.from_directory(directory)
    base = library.version("shanghai.returnee_settlement", "2020-11-13")
    assert str(base.spec.valid_to) == "2022-06-30"
    assert base.content_hash == sha256((directory / RETURNEE[0]).read_bytes())
    # Not inherited through extends: the 2023 version builds on 2020 but ends nothing.
    assert library.version("shanghai.returnee_settlement", "2023-07-01").spec.supersedes is None


@pytest.mark.parametrize(
    ("supersedes", "expected"),
    [
        ("shanghai.returnee_settlement@2019-01-01", "supersedes unknown version"),
        ("shanghai.talent_introduction@2020-12-01", "earlier version of the same policy"),
        ("shanghai.returnee_settlement@2023-07-01", "earlier version of the same policy"),
    ],
)
def test_supersedes_must_name_an_earlier_version_of_the_policy(
    tmp_path: Path, supersedes: str, expected: str
) -> None:
    directory = _returnee_superseding(tmp_path, supersedes, "2022-06-30")
    assert expected in _problems(directory)


def test_supersedes_refuses_a_version_that_already_ends_on_another_day(tmp_path: Path) -> None:
    directory = _returnee_superseding(
        tmp_path, "shanghai.returnee_settlement@2020-11-13", "2022-05-31"
    )
    assert "which already ends on 2022-05-31" in _problems(directory)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('fail: {zh: "本人或配偶在沪有自有住房"', 'fail: {zh: ""', "need both zh and en"),
        (
            ', en: "Neither the applicant nor the spouse owns a Shanghai home"}',
            "}",
            "pass.en\n  Field required",
        ),
        ("highest_degree in params.eligible_degrees", "highest_degre in [1]", "unknown fact"),
        (
            "months_since_return < params.return_window_months",
            "months_since_return < 12",
            "double < int",
        ),
        ('"回国{actual}个月', '"回国{months_abroad}个月', "unknown template field"),
        ("value: 45000}", "value: 45000.5}", "not a int"),
        (
            "status: sourced\n    source: {document: changning_returnee_support, clause: phase 2",
            "status: assumed\n    source: {document: changning_returnee_support, clause: phase 2",
            "assumed parameter has an assumption",
        ),
        ("valid_from: 2022-02-25\n", "valid_from: 2022-02-26\n", "version is the valid_from"),
        ("valid_to: null\n", "valid_to: null\nstatus: assumed\n", "assumed version gives"),
        ("valid_to: null\n", "valid_to: null\nstatus: unsure\n", "'sourced' or 'assumed'"),
        (
            "calc.first_rate <= params.monthly_cap",
            "size(calc.first_rate) <= params.monthly_cap",
            "no overload for size(int)",
        ),
    ],
)
def test_invalid_files_are_refused_with_a_reason(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    directory = _copy(tmp_path, [APARTMENT], old, new)
    assert expected in _problems(directory)


def test_a_file_must_be_named_after_its_policy_and_version(tmp_path: Path) -> None:
    shutil.copy(
        POLICIES / APARTMENT, tmp_path / "changning.returnee_apartment_subsidy@2022-01-01.yaml"
    )
    assert "file name must be" in _problems(tmp_path)


def test_every_parameter_is_sourced_or_marked_assumed() -> None:
    for info in load_library().policies():
        for version in info.versions:
            spec = version.spec
            for name, parameter in spec.parameters.items():
                if parameter.status == "sourced":
                    assert parameter.source is not None, (info.policy_id, name)
                    assert parameter.source.document in spec.documents
                else:
                    assert parameter.assumption is not None, (info.policy_id, name)
                    assert parameter.assumption.reason.zh and parameter.assumption.reason.en


def test_every_condition_cites_a_clause_in_both_languages() -> None:
    for info in load_library().policies():
        for version in info.versions:
            spec = version.spec
            assert spec.title.zh and spec.title.en and spec.summary.zh and spec.summary.en
            for atomic in spec.atomics():
                assert atomic.clause.document in spec.documents
                assert atomic.clause.text_zh and atomic.clause.text_en
                for text in (atomic.messages.passed, atomic.messages.failed):
                    assert text.zh.strip() and text.en.strip()


def test_assumed_talent_introduction_successor_says_so() -> None:
    earlier, later = load_library().get("shanghai.talent_introduction").versions
    assert later.spec.basis is not None
    assert "假定" in later.spec.basis.zh and "ssumed" in later.spec.basis.en
    # Machine-readable too, and not inherited through `extends` by either side.
    assert later.spec.status == "assumed" and later.spec.assumption is not None
    assert "2025" in later.spec.assumption.reason.zh and later.spec.assumption.reason.en
    assert (earlier.spec.status, earlier.spec.assumption) == ("sourced", None)


def test_content_hash_covers_the_file_and_its_base() -> None:
    files = {f.name: f.data for f in read_directory(package_directory())}
    library = load_library()
    base = library.version("shanghai.returnee_settlement", "2020-11-13")
    assert base.content_hash == sha256(files[RETURNEE[0]])
    later = library.version("shanghai.returnee_settlement", "2023-07-01")
    assert later.content_hash == sha256(files[RETURNEE[2]] + b"\0" + base.content_hash.encode())


def test_extends_merges_parameters_and_adds_routes() -> None:
    library = load_library()
    special = library.version("shanghai.returnee_settlement", "2022-07-01").spec
    base = library.version("shanghai.returnee_settlement", "2020-11-13").spec
    assert set(base.parameters) < set(special.parameters)
    ids = [a.id for a in special.atomics()]
    assert ids.index("top_50_university") < ids.index("direct_doctorate")
    assert "top_50_university" not in [a.id for a in base.atomics()]


def test_metadata_serialises_with_the_file_format_names() -> None:
    info = load_library().get("national.foreign_work_permit").model_dump(mode="json")
    spec = info["versions"][0]["spec"]
    wage = spec["parameters"]["average_monthly_wage_cny"]
    by_date = {entry["from"]: entry for entry in wage["values"]}
    assert by_date["2021-07-01"] == {
        "from": "2021-07-01",
        "value": 10338.0,
        "note": None,
        "source": None,
        "assumption": None,
    }
    # no citable page gives the 2023 figure (policy-facts-2 §6): an assumption, not a source
    assert by_date["2023-07-01"]["source"] is None
    assert by_date["2023-07-01"]["assumption"]["reason"]["en"].startswith("Several payroll")
    assert by_date["2017-04-01"]["assumption"]["date"] == "2026-12-06"
    first = spec["conditions"]["all"][0]
    assert set(first["messages"]) == {"pass", "fail"}
    assert info["title"] == {"zh": "外国人来华工作许可", "en": "Work permit for foreigners"}


def test_assumptions_command_lists_assumed_versions(capsys: pytest.CaptureFixture[str]) -> None:
    from app.rules.__main__ import main

    assert main(["assumptions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    whole = (
        "shanghai.talent_introduction@2025-12-01 (whole",
        "changning.overseas_tax_subsidy@2024-01-24 (whole",
    )
    assert [line for line in lines if "(whole version)" in line] == [
        line for line in lines if line.startswith(whole)
    ]
    for start in whole:
        assert any(line.startswith(start) for line in lines)


def test_district_plan_clauses_cite_the_section_that_holds_the_text() -> None:
    """Issue 13, citations: the Changning plan's housing text is 四(四)3 (not 四(三)3, which is
    about talent projects) and Yangpu's exam-fee reimbursement is item 5 of the annex project
    list (not 四(二), which is about platforms)."""
    library = load_library()
    for policy_id in ("changning.rent_subsidy", "changning.talent_apartment"):
        (version,) = library.get(policy_id).versions
        plan = {
            a.clause.article
            for a in version.spec.atomics()
            if a.clause.document == "changning_plan"
        }
        assert plan == {"四(四)3 夯实人才住房保障机制"}, policy_id
    (exam,) = library.get("yangpu.exam_fee_reimbursement").versions
    assert {a.clause.article for a in exam.spec.atomics()} == {
        "附件 项目清单 5 实施“杨浦工匠”培育工程"
    }
    rate = exam.spec.parameters["reimbursement_rate"].source
    assert rate is not None and rate.clause == "附件 项目清单 5 实施“杨浦工匠”培育工程"


class _UniqueKeys(yaml.SafeLoader):
    """A loader that refuses a key given twice in one mapping (YAML keeps the last silently)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        assert key not in seen, f"{key!r} twice at {key_node.start_mark}"
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.yaml")), ids=lambda p: p.name)
def test_no_policy_or_test_file_gives_a_key_twice(path: Path) -> None:
    # A case with two ``classes:`` lines silently lost the first one before this test.
    yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys)
