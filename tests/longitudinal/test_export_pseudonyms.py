"""De-identified exports: keyed pseudonyms instead of study ids, per recipient label, and
export keys that are secrets of their own (never SECRET_KEY) in production."""

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from longitudinal.exports import pseudonyms, writers
from tests.core.test_settings import PROD_ENV
from tests.longitudinal.test_export_writer import cohort, study  # noqa: F401 (fixtures)

PSEUDONYM = re.compile(r"P-[A-Z2-7]{16}")


def _rows(user, kind="tidy", recipient="", date_mode="shifted") -> tuple[list[dict], str]:
    out = io.StringIO()
    writers.export_write(kind=kind, user=user, form_or_filters={}, deidentified=True,
                         date_mode=date_mode, out=out, recipient=recipient)
    return list(csv.DictReader(io.StringIO(out.getvalue()))), out.getvalue()


def _by_pseudonym(rows) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(row["pseudonym"], []).append(row["date"])
    return found


# --- The files ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["tidy", "wide"])
def test_a_deidentified_file_has_pseudonyms_and_no_study_ids(
    coordinator, patient_a, patient_b, cohort, kind  # noqa: F811
):
    rows, text = _rows(coordinator, kind=kind)
    assert next(iter(csv.reader(io.StringIO(text))))[0] == "pseudonym"
    assert "study_id" not in rows[0]
    for patient in (patient_a, patient_b, cohort["old"]):
        assert patient.study_id not in text
    assert "FR-" not in text
    assert all(PSEUDONYM.fullmatch(r["pseudonym"]) for r in rows)
    written = {r["pseudonym"] for r in rows}
    assert writers.pseudonym(patient_pk=patient_a.pk) in written
    everyone = (patient_a, patient_b, cohort["old"])
    assert written <= {writers.pseudonym(patient_pk=p.pk) for p in everyone}


@pytest.mark.django_db
def test_the_same_recipient_label_lines_up_and_another_does_not(
    coordinator, cohort  # noqa: F811
):
    first, _ = _rows(coordinator, recipient="MSC-DF statistics team")
    again, _ = _rows(coordinator, recipient="  msc-df   Statistics TEAM ")
    other, _ = _rows(coordinator, recipient="Ageing consortium")
    assert _by_pseudonym(first) == _by_pseudonym(again)  # same pseudonyms, same shifted dates
    assert not set(_by_pseudonym(first)) & set(_by_pseudonym(other))
    assert sorted(map(sorted, _by_pseudonym(first).values())) != sorted(
        map(sorted, _by_pseudonym(other).values())
    )  # the date shifts differ too, so the two files cannot be joined on dates


@pytest.mark.django_db
def test_the_pseudonym_key_comes_from_its_own_setting(settings, coordinator, patient_a, cohort):  # noqa: F811
    rows, _ = _rows(coordinator)
    settings.EXPORT_PSEUDONYM_KEY = "another-pseudonym-key-of-32-characters!"
    rotated, _ = _rows(coordinator)
    assert not {r["pseudonym"] for r in rows} & {r["pseudonym"] for r in rotated}
    settings.SECRET_KEY = "a-changed-signing-key-changes-no-pseudonym-at-all"
    assert {r["pseudonym"] for r in _rows(coordinator)[0]} == {r["pseudonym"] for r in rotated}


def test_pseudonyms_are_keyed_stable_and_distinct():
    made = [pseudonyms.pseudonym(key="k1", patient_pk=pk) for pk in range(5000)]
    assert len(set(made)) == 5000 and all(PSEUDONYM.fullmatch(p) for p in made)
    assert made == [pseudonyms.pseudonym(key="k1", patient_pk=pk) for pk in range(5000)]
    assert not set(made) & {pseudonyms.pseudonym(key="k2", patient_pk=pk) for pk in range(5000)}
    labelled = pseudonyms.pseudonym(key="k1", patient_pk=1, recipient="Team X")
    assert labelled == pseudonyms.pseudonym(key="k1", patient_pk=1, recipient=" team  x")
    assert labelled != made[1]


def test_without_a_label_the_date_shift_is_that_of_earlier_exports():
    import hashlib
    import hmac

    digest = hmac.new(b"k1", b"patient:7", hashlib.sha256).digest()
    n = int.from_bytes(digest[:8], "big") % 360
    assert pseudonyms.date_offset(key="k1", patient_pk=7) == (n - 180 if n < 180 else n - 179)


# --- The request: the label is recorded and checked -----------------------------------------


@pytest.mark.django_db
def test_the_api_records_the_recipient(client, coordinator, settings, tmp_path,
                                       django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(coordinator)
    body = {"kind": "tidy", "recipient": "  MSC-DF   statistics team ", "filters": {}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/exports/", body, content_type="application/json")
    assert response.status_code == 202, response.json()
    assert response.json()["recipient"] == "MSC-DF statistics team"


@pytest.mark.django_db
@pytest.mark.parametrize("recipient", ["x" * 101, "team\x1bx"])
def test_a_bad_recipient_label_is_a_400(client, coordinator, recipient):
    client.force_login(coordinator)
    response = client.post("/api/v1/exports/", {"kind": "tidy", "recipient": recipient},
                           content_type="application/json")
    assert response.status_code == 400 and "recipient" in response.json()["errors"]


# --- Production settings --------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _check(env: dict) -> subprocess.CompletedProcess:
    """`manage.py check` with exactly these settings variables (none inherited)."""
    # The production settings module, not the suite's (tests/settings.py supplies keys).
    names = ("DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "EXPORT_DATE_SHIFT_KEY",
             "EXPORT_PSEUDONYM_KEY")
    clean = {k: v for k, v in os.environ.items() if k not in names}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=120, check=False,
    )



@pytest.mark.parametrize("change, named", [
    ({"EXPORT_DATE_SHIFT_KEY": None}, "EXPORT_DATE_SHIFT_KEY"),
    ({"EXPORT_PSEUDONYM_KEY": None}, "EXPORT_PSEUDONYM_KEY"),
    ({"EXPORT_DATE_SHIFT_KEY": PROD_ENV["SECRET_KEY"]}, "EXPORT_DATE_SHIFT_KEY"),
    ({"EXPORT_PSEUDONYM_KEY": "short"}, "EXPORT_PSEUDONYM_KEY"),
    ({"EXPORT_PSEUDONYM_KEY": PROD_ENV["EXPORT_DATE_SHIFT_KEY"]}, "must differ"),
])
def test_production_refuses_to_start_without_export_keys_of_their_own(change, named):
    result = _check({k: v for k, v in {**PROD_ENV, **change}.items() if v is not None})
    assert result.returncode != 0
    assert named in result.stderr


def test_production_starts_with_both_export_keys():
    result = _check(PROD_ENV)
    assert result.returncode == 0, result.stderr
