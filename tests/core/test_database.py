"""CI must really run on PostgreSQL: a silent fallback to SQLite would hide bugs."""

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_ci_runs_the_suite_on_postgresql():
    if os.environ.get("REQUIRE_SERVICES") != "1":
        pytest.skip("only asserted under REQUIRE_SERVICES=1 (.ci/run)")
    assert connection.vendor == "postgresql"
