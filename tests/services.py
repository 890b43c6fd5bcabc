"""Real services started as subprocesses by the tests: one place for what they share.

A Celery worker, gunicorn or redis-server started by a test needs the test database's
address, a free loopback port, a wait until it listens, and a clean stop; a test that
publishes tasks to such a worker points this process's Celery app at its broker and
queue. Used by tests/biomarkers/test_celery_worker.py, tests/api/live_server.py and
tests/faults/.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from conftest import need_service

PROJECT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def need_postgresql(reason: str = "this test needs PostgreSQL (set DATABASE_URL)") -> None:
    if connection.vendor != "postgresql":
        need_service(reason)


def need_redis(url: str = REDIS_URL) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        need_service(f"Redis is not reachable at {url} ({exc})")


def database_url(sqlite_copy_folder: Path | None = None) -> str:
    """The test database, for a server or worker started as a subprocess.

    PostgreSQL serves the test database itself. The in-memory SQLite test database is
    copied to a file in ``sqlite_copy_folder`` first (writes made there stay there).
    """
    if connection.vendor == "sqlite":
        if sqlite_copy_folder is None:
            raise ValueError("an in-memory SQLite test database must be copied to a file")
        path = sqlite_copy_folder / "live.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        return f"sqlite:///{path}"
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}:{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def stop(process: subprocess.Popen) -> None:
    """Terminate, then kill after 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _reconfigure(app, *, broker_url, queue: str, eager: bool) -> None:
    app.conf.task_always_eager = eager
    app.conf.broker_url = broker_url
    app.conf.task_default_queue = queue
    # Queues, router and broker pools are cached on first use: rebuild them from the conf,
    # or a task would go to the broker and queue of an earlier test.
    for name in ("queues", "router"):
        app.amqp.__dict__.pop(name, None)
    app.amqp._rtable = None
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def publishing_to(broker_url: str, queue: str):
    """This process's tasks go to ``broker_url``/``queue`` instead of running eagerly."""
    from config.celery_app import app

    saved = (app.conf.broker_url, app.conf.task_default_queue, app.conf.task_always_eager)
    _reconfigure(app, broker_url=broker_url, queue=queue, eager=False)
    try:
        yield
    finally:
        _reconfigure(app, broker_url=saved[0], queue=saved[1], eager=saved[2])
