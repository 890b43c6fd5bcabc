"""Schemathesis against a live gunicorn (2 processes x 4 threads), cases sent 8 at a time.

tests/api/test_schemathesis.py and tests/biomarkers/test_schemathesis_lab.py call the
application in-process, one request after another: errors that only appear when
requests overlap (database locks, races between a read and a write, state shared
between threads) cannot show there. Here the generated cases (valid and invalid ones)
go over HTTP to a real server as a clinician and a coordinator (session cookie + CSRF
token) and as a laboratory key, the three interleaved; any 5xx fails the test. Bounded:
a fixed number of cases per role (about a minute on a loaded two-core machine).
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, zip_longest

import pytest
import requests
import schemathesis
from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.api.live_server import gunicorn

CLIENTS = 8
CASES_PER_ROLE = 100
LAB_PATHS = r"^/api/v1/(lab-results/|fhir|hl7/)"
_local = threading.local()


def _browser_session(user) -> dict:
    """A person's session cookie and CSRF token, as a browser sends them."""
    client = Client()
    client.force_login(user)  # committed (transactional_db) before the server starts
    token = _get_new_csrf_string()
    return {
        "headers": {"X-CSRFToken": token},
        "cookies": {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: token,
        },
    }


@pytest.fixture
def people(transactional_db, clinician_a, coordinator) -> list[dict]:
    return [_browser_session(clinician_a), _browser_session(coordinator)]


@pytest.fixture
def lab(lab_key) -> dict:
    return {"headers": {"Authorization": f"Api-Key {lab_key}"}}


@pytest.fixture
def live_url(catalogues, people, lab, patient_a, patient_b, tmp_path):
    """The server starts once every row the test needs is committed."""
    with gunicorn(tmp_path) as url:
        yield url


def _cases(schema, count: int, study_ids: list[str]) -> list:
    """``count`` cases drawn across the schema's operations, valid and invalid; most of
    those that name a patient name one that exists."""
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategy = st.one_of([schema.as_strategy(generation_mode=mode) for mode in modes])
    cases = []

    @given(strategy, st.sampled_from([None, *study_ids]))
    @hypothesis_settings(
        max_examples=count, database=None, deadline=None, phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    def collect(case, study_id):
        if study_id and "study_id" in (case.path_parameters or {}):
            case.path_parameters["study_id"] = study_id
        cases.append(case)

    collect()
    return cases


def _send(job) -> tuple[str, int, str]:
    case, credentials = job
    if not hasattr(_local, "session"):
        _local.session = requests.Session()  # one connection pool per client thread
    response = case.call(session=_local.session, timeout=60, **credentials)
    label = f"{case.method} {case.formatted_path}"
    return label, response.status_code, response.text[:300]


def _run_concurrently(jobs: list) -> list[tuple[str, int, str]]:
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(_send, jobs))


def _server_errors(results) -> str:
    return "\n".join(
        f"{label} -> {status}: {body}" for label, status, body in results if status >= 500
    )


# Found by this test before the embedded database was configured for several users
# (WAL, IMMEDIATE transactions, a busy timeout): overlapping requests on SQLite failed with
# "database is locked" (a 500). Both engines are now held to 0 5xx.
def test_no_server_errors_under_concurrency(live_url, people, lab, patient_a, patient_b):
    schema = schemathesis.openapi.from_url(
        f"{live_url}/api/schema/", cookies=people[0]["cookies"], timeout=30
    )
    study_ids = [patient_a.study_id, patient_b.study_id]
    roles = [(schema.exclude(path_regex=LAB_PATHS), person) for person in people]
    roles.append((schema.include(path_regex=LAB_PATHS), lab))
    runs = [
        [(case, credentials) for case in _cases(operations, CASES_PER_ROLE, study_ids)]
        for operations, credentials in roles
    ]
    # Interleaved, so that people's reads and writes overlap the laboratory's posts.
    jobs = [job for job in chain.from_iterable(zip_longest(*runs)) if job is not None]
    results = _run_concurrently(jobs)

    assert len(results) > 2 * CASES_PER_ROLE
    assert not _server_errors(results), _server_errors(results)
    assert any(status < 300 for _, status, _ in results)  # the run reached real work
