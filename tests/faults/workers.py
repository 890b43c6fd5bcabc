"""Real Celery worker processes for the fault tests, and pointing this process's Celery
app (the publisher: the web request under test) at the same broker and queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.services import PROJECT, database_url, stop


class Worker:
    """`celery worker` (tests.faults.slow_worker) on the test database and one queue."""

    def __init__(
        self, broker_url: str, *, media: Path, pause: float = 0.0, queue: str = "", **env
    ) -> None:
        self.queue = queue or f"faults-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker_url,
            "CONN_MAX_AGE": "0", "MEDIA_ROOT": str(media), "FAULTS_STEP_SECONDS": str(pause),
            **{k: str(v) for k, v in env.items()},
        }  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self, pool: str = "solo") -> None:
        command = [
            sys.executable, "-m", "tests.faults.slow_worker", "worker", f"--pool={pool}",
            "--concurrency", "1", "--queues", self.queue, "--without-heartbeat",
            "--without-mingle", "--without-gossip", "--loglevel", "WARNING",
        ]  # fmt: skip
        # The banner goes to stdout; warnings and tracebacks (stderr) stay in the test log.
        self.process = subprocess.Popen(
            command, cwd=PROJECT, env=self.env, stdout=subprocess.DEVNULL
        )

    def kill(self) -> None:
        """SIGKILL the worker's main process: no shutdown, no acknowledgement."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def kill_child(self) -> None:
        """SIGKILL the pool process running the task (prefork); the main process lives."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert children, "the worker has no pool process"
        os.kill(int(children[0]), signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def wait_until(check, *, seconds: float = 60, every: float = 0.1, what: str = "a condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")
