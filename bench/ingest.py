"""Laboratory result ingestion benchmark (issue 4): `make bench-ingest`.

On PostgreSQL only, in a database of its own (<DATABASE_URL's name>_bench, dropped and
re-created each run), with a synthetic cohort:

  (a) raw COPY into the lab-result table with its real indexes and constraints: the
      physical ceiling;
  (b) the JSON batch API (POST /api/v1/lab-results/) through gunicorn on 127.0.0.1,
      1,000 results per request;
  (c) FHIR transaction Bundles (POST /api/v1/fhir) of 100 Observations.

Each path reports rows/s and its ratio to (a). Every loop is bounded (--copy-rows,
--json-batches, --fhir-bundles). At the end the run checks correctness: the expected
number of rows per path, no duplicate (source, external_id), one history row per API
result, and a resent batch answering "unchanged" for every item.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from common import PROJECT, recreate_database, setup_django, start_gunicorn  # noqa: E402


def plausible(rng: random.Random, median: float) -> float:
    """Log-normal around the median, clipped well inside the plausibility bounds."""
    return round(min(max(rng.lognormvariate(0, 0.4), 0.2), 4.0) * median, 3)


ANALYTES = [("IL6", "pg/mL", 2.5), ("TNFA", "pg/mL", 1.6), ("CRP", "mg/L", 3.0),
            ("FIB", "mg/dL", 350.0), ("DDIMER_FEU", "ng/mL", 600.0)]  # fmt: skip
LOINC = {"IL6": "26881-3", "TNFA": "3074-2", "CRP": "1988-5", "FIB": "3255-7",
         "DDIMER_FEU": "48065-7"}  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--copy-rows", type=int, default=100_000)
    parser.add_argument("--json-batches", type=int, default=60, help="1,000 results each")
    parser.add_argument("--fhir-bundles", type=int, default=150, help="100 Observations each")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "out")
    return parser.parse_args()


# --- database set-up -----------------------------------------------------------------------


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/ingest.py needs DATABASE_URL=postgres://... (PostgreSQL only).")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_bench"))


def seed_cohort(patients: int) -> tuple[list[str], str, int]:
    """Sites, patients (bulk) and a laboratory key; (study ids, key, COPY source id)."""
    from biomarkers import services
    from biomarkers.models import LabClient
    from registry.models import Patient, Site
    from registry.services import study_id_for

    site = Site.objects.create(code="A", name="Bench site")
    rows = [
        Patient(site=site, mrn=f"A{n:06d}", given_name="Bench", family_name=f"P{n}",
                date_of_birth=date(1940 + n % 25, 1 + n % 12, 1), sex="female",
                enrolled_on=date(2024, 1, 1))
        for n in range(patients)
    ]  # fmt: skip
    Patient.objects.bulk_create(rows, batch_size=1000)
    patients_qs = list(Patient.objects.all())
    for patient in patients_qs:
        patient.study_id = study_id_for(patient.pk)
    Patient.objects.bulk_update(patients_qs, ["study_id"], batch_size=1000)
    client, key = LabClient.objects.create_key(name="Bench LIS")
    client.sites.set([site])  # a key reaches only the patients of the sites it serves
    copy_source = services.lab_source_for_file(name="bench COPY baseline", owner=None)
    return [p.study_id for p in patients_qs], key, copy_source.pk


# --- (a) COPY ------------------------------------------------------------------------------


def run_copy(url: str, study_ids: list[str], source_id: int, rows: int) -> float:
    """COPY ``rows`` results into biomarkers_labresult (real indexes and constraints)."""
    import psycopg

    with psycopg.connect(url) as conn:
        patient_ids = [r[0] for r in conn.execute("SELECT id FROM registry_patient").fetchall()]
        rng = random.Random(1)
        now = datetime.now(UTC)
        columns = ("patient_id, analyte_id, value, unit, comparator, reported_value, "
                   "reported_unit, loinc, collected_at, status, reference_range, "
                   "interpretation, method, device, specimen, flags, source_id, external_id, "
                   "external_id_system, created_at, modified_at")  # fmt: skip
        data = []
        for n in range(rows):  # generated before the clock starts: COPY alone is timed
            code, unit, median = ANALYTES[n % len(ANALYTES)]
            value = plausible(rng, median)
            collected = now - timedelta(days=rng.randint(1, 700))
            data.append((
                rng.choice(patient_ids), code, value, unit, "", str(value), unit, LOINC[code],
                collected, "final", "", "", "", "", "", "[]", source_id, f"COPY-{n}", "",
                now, now,
            ))  # fmt: skip
        copy_sql = f"COPY biomarkers_labresult ({columns}) FROM STDIN"
        start = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in data:
                copy.write_row(row)
        conn.commit()
        return time.perf_counter() - start


# --- HTTP paths ----------------------------------------------------------------------------


def post(port: int, path: str, body: bytes, content_type: str, key: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": content_type, "Authorization": f"Api-Key {key}"}
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def json_batches(study_ids: list[str], batches: int, size: int = 1000) -> list[bytes]:
    rng = random.Random(2)
    bodies = []
    for b in range(batches):
        results = []
        for n in range(size):
            code, unit, median = ANALYTES[n % len(ANALYTES)]
            collected = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(
                minutes=rng.randint(0, 500_000)
            )
            results.append({
                "patient": {"study_id": rng.choice(study_ids)}, "analyte": code,
                "value": plausible(rng, median), "unit": unit,
                "collected_at": collected.isoformat(), "external_id": f"JSON-{b}-{n}",
                "status": "final", "specimen": "serum",
            })  # fmt: skip
        bodies.append(json.dumps({"results": results}).encode())
    return bodies


def fhir_bundles(study_ids: list[str], bundles: int, size: int = 100) -> list[bytes]:
    rng = random.Random(3)
    bodies = []
    for b in range(bundles):
        entries = []
        for n in range(size):
            code, unit, median = ANALYTES[n % len(ANALYTES)]
            collected = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(
                minutes=rng.randint(0, 500_000)
            )
            identifier = f"FHIR-{b}-{n}"
            observation = {
                "resourceType": "Observation",
                "identifier": [{"system": "https://bench.example/obs", "value": identifier}],
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": LOINC[code]}]},
                "subject": {"identifier": {"system": "urn:frailty-registry:study-id",
                                           "value": rng.choice(study_ids)}},
                "effectiveDateTime": collected.isoformat(),
                "valueQuantity": {"value": plausible(rng, median),
                                  "system": "http://unitsofmeasure.org", "code": unit},
            }  # fmt: skip
            entries.append({
                "fullUrl": f"urn:uuid:00000000-0000-4000-8000-{b:06d}{n:06d}",
                "resource": observation,
                "request": {"method": "POST", "url": "Observation",
                            "ifNoneExist": f"Observation?identifier=https://bench.example/obs|{identifier}"},
            })  # fmt: skip
        bodies.append(json.dumps({"resourceType": "Bundle", "type": "transaction",
                                  "entry": entries}).encode())  # fmt: skip
    return bodies


def run_http(port, key, path, bodies, content_type, clients) -> tuple[float, list[tuple]]:
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(lambda b: post(port, path, b, content_type, key), bodies))
    return time.perf_counter() - start, answers


# --- checks and report ---------------------------------------------------------------------


def check(url: str, expected: dict[str, int], resend: tuple[int, bytes]) -> list[str]:
    import psycopg

    problems = []
    with psycopg.connect(url) as conn:
        for prefix, count in expected.items():
            found = conn.execute(
                "SELECT count(*) FROM biomarkers_labresult WHERE external_id LIKE %s",
                (f"{prefix}-%",),
            ).fetchone()[0]
            if found != count:
                problems.append(f"{prefix}: {found} rows, expected {count}")
        duplicates = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM biomarkers_labresult GROUP BY source_id, "
            "external_id HAVING count(*) > 1) d"
        ).fetchone()[0]
        if duplicates:
            problems.append(f"{duplicates} duplicate (source, external_id)")
        api_rows = expected["JSON"] + expected["FHIR"]
        history = conn.execute("SELECT count(*) FROM biomarkers_historicallabresult").fetchone()[0]
        if history != api_rows:
            problems.append(f"{history} history rows, expected {api_rows}")
    status, body = resend
    outcomes = {r["outcome"] for r in json.loads(body)["results"]} if status == 200 else set()
    if outcomes != {"unchanged"}:
        problems.append(f"resent batch answered {status} {outcomes}")
    return problems


def main() -> None:
    args = parse_args()
    url = bench_database_url()
    recreate_database(url)
    setup_django(url)
    study_ids, key, copy_source = seed_cohort(args.patients)
    json_bodies = json_batches(study_ids, args.json_batches)
    fhir_bodies = fhir_bundles(study_ids, args.fhir_bundles)

    copy_seconds = run_copy(url, study_ids, copy_source, args.copy_rows)
    server, port = start_gunicorn(url, args.workers)
    try:
        # Warm-up: every worker imports, connects and loads the catalogue once.
        for _ in range(args.workers * 2):
            post(port, "/api/v1/lab-results/", b'{"results": []}', "application/json", key)
        json_seconds, json_answers = run_http(
            port, key, "/api/v1/lab-results/", json_bodies, "application/json", args.clients
        )
        fhir_seconds, fhir_answers = run_http(
            port, key, "/api/v1/fhir", fhir_bodies, "application/fhir+json", args.clients
        )
        resend = post(port, "/api/v1/lab-results/", json_bodies[0], "application/json", key)
    finally:
        server.terminate()
        server.wait(timeout=30)

    bad = [s for s, _ in json_answers + fhir_answers if s != 200]
    expected = {"COPY": args.copy_rows, "JSON": args.json_batches * 1000,
                "FHIR": args.fhir_bundles * 100}  # fmt: skip
    problems = check(url, expected, resend) + ([f"{len(bad)} non-200 answers"] if bad else [])
    copy_rate = args.copy_rows / copy_seconds
    rows = [
        ("(a) COPY, real indexes and constraints", args.copy_rows, copy_seconds),
        ("(b) JSON API via gunicorn, 1,000/batch", expected["JSON"], json_seconds),
        ("(c) FHIR transaction Bundles of 100", expected["FHIR"], fhir_seconds),
    ]
    out = io.StringIO()
    out.write(f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
              f"({os.cpu_count()} cores, Python {platform.python_version()}); "
              f"{args.workers} gunicorn workers, {args.clients} concurrent clients, "
              f"{args.patients} patients.\n\n")  # fmt: skip
    out.write("| path | results | seconds | rows/s | × COPY |\n|---|---:|---:|---:|---:|\n")
    for name, count, seconds in rows:
        rate = count / seconds
        out.write(
            f"| {name} | {count:,} | {seconds:.2f} | {rate:,.0f} | {rate / copy_rate:.3f} |\n"
        )
    out.write("\nCorrectness: " + ("; ".join(problems) if problems else
              "all counts as expected, no duplicate (source, external_id), one history row "
              "per API result, resent batch all `unchanged`.") + "\n")  # fmt: skip
    report = out.getvalue()
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%S}.md").write_text(report)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
