"""The bound tables cover every cut-off each scoring module declares (issue 16)."""

import importlib
import pkgutil

import pytest

import assessments.scoring

from . import test_bounds_performance, test_bounds_scores
from .bounds import declared_cutoffs

FRAMEWORK = {"base", "exact"}
MODULES = [m.name for m in pkgutil.iter_modules(assessments.scoring.__path__)
           if m.name not in FRAMEWORK]
TESTED = {(b.module, b.cutoff) for b in test_bounds_scores.BOUNDS + test_bounds_performance.BOUNDS}


@pytest.mark.parametrize("name", MODULES)
def test_every_declared_cutoff_has_a_row_in_the_bound_tables(name):
    module = importlib.import_module(f"assessments.scoring.{name}")
    untested = {c for c in declared_cutoffs(module) if (name, c) not in TESTED}
    assert not untested, f"{name}: no exact-landing test for {sorted(untested)}"


def test_the_tables_only_name_cutoffs_a_module_declares_or_a_per_patient_lln():
    for module, cutoff in TESTED:
        declared = declared_cutoffs(importlib.import_module(f"assessments.scoring.{module}"))
        assert cutoff in declared or module == "six_minute_walk", (module, cutoff)
