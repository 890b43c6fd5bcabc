"""Eight people on the embedded SQLite database at once: no request answers 5xx.

A real development server (the README's `make run`: runserver, threaded) on a migrated
SQLite FILE, 8 clients each alternating a patient page (which writes an access-log row)
and a visit creation through the API, for 15 s. Before WAL, IMMEDIATE transactions and a
busy timeout most requests answered 500 "database is locked" (issue 18.5: 548 of 590).
"""

import pytest

from bench.sqlite_users import run_load, sqlite_server

CLIENTS = 8
SECONDS = 15


@pytest.mark.services
def test_eight_concurrent_users_on_sqlite_get_no_server_error(tmp_path):
    with sqlite_server(tmp_path, CLIENTS) as server:
        tally = run_load(server, SECONDS)
    statuses = dict(tally.statuses)
    assert tally.server_errors == 0, (statuses, tally.errors)
    assert set(statuses) == {200, 201}, (statuses, tally.errors)  # no 4xx, no lost answer
    assert statuses[200] >= CLIENTS and statuses[201] >= CLIENTS
