"""The database connection killed in the middle of 1,000-item lab batches (issue 18.1).

PostgreSQL only, in a database of its own (<DATABASE_URL's name>_dbkill, dropped and
re-created). gunicorn (production settings) on 127.0.0.1; each round posts a batch of
1,000 new results while another connection terminates the server's connection, after a
random delay within the first 60 % of a batch's usual duration, as soon as it is inside
the request's transaction. Each answer is classified (503 + Retry-After, 200 with every
item created, 200 with items "rejected", HTML 500, ...), the round's stored rows are
counted (0 or 1,000, never part), and the batch is sent again: it must end with each
result stored exactly once.

    DATABASE_URL=postgres://registry:registry@127.0.0.1:5432/registry \\
        .venv/bin/python bench/db_kill.py --rounds 20
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit, urlunsplit

from common import recreate_database, setup_django, start_gunicorn

APP_NAME = "bench-dbkill-web"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("bench/db_kill.py needs DATABASE_URL=postgres://... (PostgreSQL only).")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_dbkill"))


def seed() -> tuple[str, str]:
    from biomarkers.models import LabClient
    from biomarkers.services import analyte_catalogue_sync
    from registry.models import Patient, Site
    from registry.services import study_id_for

    analyte_catalogue_sync()
    site = Site.objects.create(code="A", name="Bench site")
    patient = Patient.objects.create(site=site, mrn="A1", given_name="Bench", family_name="P",
                                     date_of_birth="1940-01-01", sex="female",
                                     enrolled_on="2024-01-01")  # fmt: skip
    patient.study_id = study_id_for(patient.pk)
    patient.save(update_fields=["study_id"])
    _, key = LabClient.objects.create_key(name="Bench LIS")
    return patient.study_id, key


def batch(study_id: str, round_no: int, size: int = 1000) -> bytes:
    return json.dumps({"results": [
        {"patient": {"study_id": study_id}, "analyte": "IL6", "value": 1 + n % 40,
         "unit": "pg/mL", "collected_at": "2025-03-01T08:00:00+00:00",
         "external_id": f"R{round_no}-{n}", "status": "final"}
        for n in range(size)
    ]}).encode()  # fmt: skip


def post(port: int, body: bytes, key: str) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("POST", "/api/v1/lab-results/", body=body, headers={
        "Content-Type": "application/json", "Authorization": f"Api-Key {key}"})  # fmt: skip
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def kill_busy_backend(url: str, delay: float, done: threading.Event, killed: list) -> None:
    """After ``delay``, terminate the server's connection as soon as it is in a transaction."""
    import psycopg

    time.sleep(delay)
    with psycopg.connect(url, autocommit=True, application_name="bench-dbkill") as conn:
        while not done.is_set():
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s "
                "AND state <> 'idle'", [APP_NAME],
            ).fetchall()  # fmt: skip
            if rows:
                killed.append(len(rows))
                return
            time.sleep(0.005)


def classify(status: int, headers: dict, data: bytes) -> str:
    if status == 503:
        retry = headers.get("Retry-After")
        shape = "JSON" if data.startswith(b"{") else "other"
        return f"503 {shape}" + (" + Retry-After" if retry else " without Retry-After")
    if status == 200:
        outcomes = Counter(r["outcome"] for r in json.loads(data)["results"])
        if outcomes.get("rejected"):
            return "200 with items rejected"
        return "200, every item created" if outcomes.get("created") == 1000 else "200, other"
    kind = "HTML" if b"<html" in data[:200].lower() else "JSON"
    return f"{status} {kind}"


def stored(round_no: int) -> int:
    from biomarkers.models import LabResult

    return LabResult.objects.filter(external_id__startswith=f"R{round_no}-").count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    url = database_url()
    recreate_database(url)
    setup_django(url)
    study_id, key = seed()
    os.environ["PGAPPNAME"] = APP_NAME  # the server's connections, for the killer
    server, port = start_gunicorn(url, workers=2)
    os.environ.pop("PGAPPNAME")
    rng = random.Random(args.seed)
    answers, rows_after, resend_ok = Counter(), Counter(), 0
    try:
        post(port, batch(study_id, -1), key)  # warm-up (first request of a worker)
        started = time.monotonic()
        post(port, batch(study_id, 0), key)  # the usual duration of a batch
        usual = time.monotonic() - started
        for round_no in range(1, args.rounds + 1):
            killed: list[int] = []
            done = threading.Event()
            delay = rng.uniform(0.0, 0.6) * usual
            killer = threading.Thread(target=kill_busy_backend, args=(url, delay, done, killed))
            killer.start()
            answer = classify(*post(port, batch(study_id, round_no), key))
            done.set()
            killer.join()
            if not killed:
                answer += " (the kill found no busy connection)"
            answers[answer] += 1
            count = stored(round_no)
            rows_after["0" if count == 0 else "1000" if count == 1000 else "part"] += 1
            status, _, data = post(port, batch(study_id, round_no), key)
            resend_ok += status == 200 and stored(round_no) == 1000
    finally:
        server.terminate()
        server.wait()
    print(f"{args.rounds} kills during 1,000-item batches (a batch takes {usual:.2f} s):")
    for answer, n in answers.most_common():
        print(f"  {n:3d}  {answer}")
    print(f"  rows of the killed batch stored: {dict(rows_after)}")
    print(f"  resends ending with each result stored exactly once: {resend_ok}/{args.rounds}")


if __name__ == "__main__":
    main()
