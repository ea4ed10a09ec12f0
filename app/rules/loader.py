"""Reading policy files: YAML, ``extends``, content hashes, schema and cross-file checks.

File names are ``<policy_id>@<version>.yaml`` (the version is the ``valid_from`` date);
``<policy_id>.tests.yaml`` beside them holds the policy's test cases and is not loaded here.

``extends: <policy_id>@<version>`` lets a version restate only what changed: mappings
(``documents``, ``parameters``, ``formulas``) are merged by key, any other key is replaced, and
``add_to_groups: {<group id>: [conditions]}`` puts new conditions first in a named group of the
base's condition tree (a new route among the alternatives). The
content hash of such a file covers its own bytes and its base's hash, so editing the base changes
the hash of every version built on it.

A published file is never edited, since stored receipts cite its hash: a successor of an
open-ended version names it in ``supersedes``, and the named version is read as ending the day
before the successor begins.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from app.rules import cel, diskcache
from app.rules.compiled import CompiledPolicy, compile_policy
from app.rules.schema import PolicyFile

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAML_CACHE_STAMP = "1"
MERGED_KEYS = ("documents", "parameters", "formulas")
# Never inherited through ``extends``: a version's own standing, and which version it ends.
VERSION_OWN = ("status", "assumption", "supersedes")


class PolicyLoadError(ValueError):
    """Every problem found in a set of policy files, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid policy files:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RawFile:
    name: str
    data: bytes


def read_directory(directory: Traversable | Path) -> list[RawFile]:
    files = [
        RawFile(entry.name, entry.read_bytes())
        for entry in directory.iterdir()
        if entry.name.endswith(".yaml") and not entry.name.endswith(".tests.yaml")
    ]
    return sorted(files, key=lambda f: f.name)


def package_directory() -> Traversable:
    return resources.files("app.rules").joinpath("policies")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _merge(base: Mapping[str, Any], child: Mapping[str, Any]) -> dict[str, Any]:
    # A version's own standing is never inherited: extending an assumed version does not make
    # the new one assumed, nor the reverse.
    merged = {k: v for k, v in base.items() if k not in VERSION_OWN}
    for key, value in child.items():
        if key in ("extends", "add_to_groups"):
            continue
        if key in MERGED_KEYS and isinstance(value, dict):
            merged[key] = {**base.get(key, {}), **value}
        else:
            merged[key] = value
    additions = child.get("add_to_groups") or {}
    if additions:
        merged["conditions"] = _add_to_groups(merged["conditions"], additions, set())
        missing = set(additions) - _group_ids(merged["conditions"])
        if missing:
            raise ValueError(f"add_to_groups names unknown groups: {sorted(missing)}")
    return merged


def _group_ids(node: Any) -> set[str]:
    if not isinstance(node, dict):
        return set()
    found = {node["id"]} if "id" in node and "expr" not in node else set()
    for key in ("all", "any"):
        for child in node.get(key) or ():
            found |= _group_ids(child)
    return found | _group_ids(node.get("not"))


def _add_to_groups(node: Any, additions: Mapping[str, list[Any]], seen: set[str]) -> Any:
    """A copy of a condition tree with extra children put first in the named groups."""
    if not isinstance(node, dict) or "expr" in node:
        return node
    copy = dict(node)
    for key in ("all", "any"):
        if key in copy:
            children = [_add_to_groups(child, additions, seen) for child in copy[key]]
            copy[key] = [*additions.get(str(node.get("id")), []), *children]
    if "not" in copy:
        copy["not"] = _add_to_groups(copy["not"], additions, seen)
    return copy


def _resolve(
    stem: str,
    raw: Mapping[str, dict[str, Any]],
    data: Mapping[str, bytes],
    done: dict[str, tuple[dict[str, Any], str]],
    chain: tuple[str, ...] = (),
) -> tuple[dict[str, Any], str]:
    if stem in done:
        return done[stem]
    if stem in chain:
        raise ValueError(f"extends cycle: {' -> '.join([*chain, stem])}")
    document = raw[stem]
    base_name = document.get("extends")
    if base_name is None:
        result = (dict(document), sha256(data[stem]))
    else:
        if base_name not in raw:
            raise ValueError(f"extends unknown file {base_name}")
        base, base_hash = _resolve(base_name, raw, data, done, (*chain, stem))
        result = (_merge(base, document), sha256(data[stem] + b"\0" + base_hash.encode()))
    done[stem] = result
    return result


def load_policies(files: Iterable[RawFile]) -> dict[str, list[CompiledPolicy]]:
    """Validate and compile policy files; raise :class:`PolicyLoadError` listing every problem."""
    problems: list[str] = []
    raw: dict[str, dict[str, Any]] = {}
    data: dict[str, bytes] = {}
    # Building YAML objects in Python is most of a cold start; the parsed data of each file is
    # cached as JSON by content hash (dates become ISO strings, which the schema accepts).
    parsed_cache = diskcache.read("policy-yaml", YAML_CACHE_STAMP)
    fresh = False
    for file in files:
        stem = file.name.removesuffix(".yaml")
        digest = sha256(file.data)
        parsed = parsed_cache.get(digest)
        if parsed is None:
            try:
                parsed = yaml.load(file.data, Loader=_Loader)
            except yaml.YAMLError as error:
                problems.append(f"{file.name}: YAML error: {error}")
                continue
            parsed = json.loads(json.dumps(parsed, default=str))
            parsed_cache[digest] = parsed
            fresh = True
        if not isinstance(parsed, dict):
            problems.append(f"{file.name}: not a mapping")
            continue
        raw[stem], data[stem] = parsed, file.data
    if fresh:
        diskcache.write("policy-yaml", YAML_CACHE_STAMP, parsed_cache)
    specs: dict[str, tuple[PolicyFile, str]] = {}
    done: dict[str, tuple[dict[str, Any], str]] = {}
    for stem in raw:
        try:
            merged, digest = _resolve(stem, raw, data, done)
            spec = PolicyFile.model_validate(merged)
        except (ValueError, ValidationError) as error:
            problems.append(f"{stem}.yaml: {error}")
            continue
        expected = f"{spec.policy_id}@{spec.version}"
        if stem != expected:
            problems.append(f"{stem}.yaml: file name must be {expected}.yaml")
        specs[stem] = (spec, digest)
    problems.extend(_apply_supersedes(specs))
    where: dict[str, str] = {}
    for stem, (spec, _) in specs.items():
        for atomic in spec.atomics():
            where.setdefault(atomic.expr, f"{stem}.yaml: condition {atomic.id}")
        for name, formula in spec.formulas.items():
            where.setdefault(formula.expr, f"{stem}.yaml: formula {name}")
    asts: dict[str, cel.Node] = {}
    try:
        asts = cel.parse_many(where)
    except cel.CelError:
        # One bad expression must not hide the others: parse one by one to report them all.
        for text, place in where.items():
            try:
                asts[text] = cel.parse_many([text])[text]
            except cel.CelError as error:
                problems.append(f"{place}: {error}")
    compiled: dict[str, list[CompiledPolicy]] = {}
    for stem, (spec, digest) in specs.items():
        try:
            policy = compile_policy(spec, digest, asts)
        except (cel.CelError, KeyError) as error:
            problems.append(f"{stem}.yaml: {error}")
            continue
        compiled.setdefault(spec.policy_id, []).append(policy)
    for policy_id, versions in compiled.items():
        versions.sort(key=lambda p: p.spec.valid_from)
        problems.extend(period_problems(policy_id, versions))
    if problems:
        raise PolicyLoadError(problems)
    return compiled


def _apply_supersedes(specs: dict[str, tuple[PolicyFile, str]]) -> list[str]:
    """End each superseded version the day before its successor; its file and hash stay."""
    problems = []
    for stem, (spec, _) in list(specs.items()):
        if spec.supersedes is None:
            continue
        if spec.supersedes not in specs:
            problems.append(f"{stem}.yaml: supersedes unknown version {spec.supersedes}")
            continue
        earlier, digest = specs[spec.supersedes]
        end = spec.valid_from - timedelta(days=1)
        if earlier.valid_to is not None and earlier.valid_to != end:
            said = f"{stem}.yaml: supersedes {spec.supersedes}"
            problems.append(f"{said}, which already ends on {earlier.valid_to}")
            continue
        specs[spec.supersedes] = (earlier.model_copy(update={"valid_to": end}), digest)
    return problems


def period_problems(policy_id: str, versions: list[CompiledPolicy]) -> list[str]:
    """Validity periods of one policy must follow each other with no overlap and no gap."""
    problems = []
    for earlier, later in zip(versions, versions[1:], strict=False):
        end = earlier.spec.valid_to
        start = later.spec.valid_from
        if end is None or end >= start:
            problems.append(f"{policy_id}: {earlier.version} overlaps {later.version}")
        elif end + timedelta(days=1) != start:
            problems.append(f"{policy_id}: gap between {earlier.version} and {later.version}")
    return problems
