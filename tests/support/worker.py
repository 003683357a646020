"""A real Celery worker process for tests, on the test database and a queue of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """Start, stop and kill a `celery worker` bound to the test database."""

    def __init__(self, log_dir: Path, concurrency: int = 1) -> None:
        self.log_dir = log_dir
        self.concurrency = concurrency
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def _env(self) -> dict[str, str]:
        db = connection.settings_dict
        url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        env = dict(os.environ)
        env.update(
            DATABASE_URL=url,
            CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
            CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND,
            FACELIB_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
            CELERY_TASK_ALWAYS_EAGER="false",
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self, timeout: float = 120) -> None:
        self.starts += 1
        log = open(self.log_dir / f"worker-{self.starts}.log", "wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-l",
                "info",
                "--concurrency",
                str(self.concurrency),
                "-Q",
                f"{settings.CELERY_TASK_DEFAULT_QUEUE},{settings.FACELIB_LIVENESS_QUEUE},{settings.FACELIB_REVIEW_QUEUE}",
                "-n",
                f"test{self.starts}-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=REPO,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        from recognition.tasks import health_check

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}; see {log.name}")
            try:
                health_check.apply_async().get(timeout=5)
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and its pool), as a crash or OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
