"""Dependencies: every locked version is at or above its security floor, the locks are
hashed and agree with pyproject.toml, and pyproject.toml's lower bounds are the floors.

This is the check .ci/run falls back on when pip-audit cannot reach its vulnerability
service; the floors and their sources are in requirements/security-floors.txt.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCKS = {"base": ROOT / "requirements/base.lock", "test": ROOT / "requirements/test.lock"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def floors() -> dict[str, Requirement]:
    lines = (ROOT / "requirements/security-floors.txt").read_text().splitlines()
    reqs = (Requirement(line.split("#")[0]) for line in lines if line.split("#")[0].strip())
    return {canonicalize_name(r.name): r for r in reqs}


def locked(lock: str) -> dict[str, Version]:
    text = LOCKS[lock].read_text()
    return {canonicalize_name(name): Version(v) for name, v in PIN.findall(text)}


def project() -> dict[str, list[Requirement]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {
        "base": [Requirement(r) for r in data["dependencies"]],
        "test": [Requirement(r) for r in data["optional-dependencies"]["test"]],
    }


def lower_bound(requirement: Requirement) -> Version | None:
    bounds = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
    return max(bounds, default=None)


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_locked_version_is_at_or_above_its_floor(lock):
    pins = locked(lock)
    below = {
        name: f"{pins[name]} does not satisfy {floor}"
        for name, floor in floors().items()
        if name in pins and not floor.specifier.contains(pins[name], prereleases=True)
    }
    assert below == {}


def test_every_direct_dependency_has_a_floor():
    names = {canonicalize_name(r.name) for reqs in project().values() for r in reqs}
    runtime = {canonicalize_name(r.name) for r in project()["base"]}
    assert runtime - set(floors()) == set(), "add them to requirements/security-floors.txt"
    assert names  # pyproject was read


def test_pyproject_lower_bounds_are_at_least_the_floors():
    # Without the lock (a plain `pip install .`), no resolver may pick a vulnerable release.
    too_low = {}
    for requirement in project()["base"] + project()["test"]:
        floor = floors().get(canonicalize_name(requirement.name))
        bound = lower_bound(requirement)
        if floor and (bound is None or not floor.specifier.contains(bound, prereleases=True)):
            too_low[requirement.name] = f"{requirement.specifier} vs floor {floor.specifier}"
    assert too_low == {}


@pytest.mark.parametrize("lock, extras", [("base", ["base"]), ("test", ["base", "test"])])
def test_the_locks_satisfy_pyproject(lock, extras):
    pins = locked(lock)
    unmet = {
        r.name: str(pins.get(canonicalize_name(r.name), "missing"))
        for extra in extras
        for r in project()[extra]
        if pins.get(canonicalize_name(r.name)) not in r.specifier
    }
    assert unmet == {}, "regenerate the locks: make lock"


def test_both_locks_pin_the_same_versions():
    base, test = locked("base"), locked("test")
    assert {n: v for n, v in base.items() if test.get(n) != v} == {}


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_locked_package_is_hashed(lock):
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCKS[lock].read_text())
    pinned = [e for e in entries if PIN.match(e)]
    assert pinned and all("--hash=sha256:" in e for e in pinned)
