"""The backing services as the environment asks: embedded ones, or none when URLs name real servers.

A command that starts a server owns it and stops it when it ends; it records its pid in var/run/<name>.owner.
A server found running is left alone, unless its recorded owner died without stopping it (a supervisor killed
with SIGKILL): then the new command adopts it, so a crash leaves no server running for good. Servers started
with `services.py start` have no owner and run until `services.py stop`.
"""

from __future__ import annotations

import os

from .common import LOG_DIR, RUN_DIR, pid_alive, services_lock
from .postgres import Postgres, ensure_external_database
from .redis_server import Redis


def _owner_file(name: str):
    return RUN_DIR / f"{name}.owner"


def _orphaned(name: str) -> bool:
    try:
        owner = int(_owner_file(name).read_text().strip())
    except (OSError, ValueError):
        return False
    return owner != os.getpid() and not pid_alive(owner)


def forget_owner(name: str) -> None:
    _owner_file(name).unlink(missing_ok=True)


class Backing:
    """PostgreSQL and Redis as the environment asks: embedded ones, or nothing when URLs name real servers."""

    def __init__(self) -> None:
        self.external_db = os.environ.get("DATABASE_URL", "").strip()
        self.external_broker = os.environ.get("CELERY_BROKER_URL", "").strip()
        self.postgres = None if self.external_db else Postgres()
        self.redis = None if self.external_broker else Redis()
        self.started: list[str] = []

    def _own(self, name: str) -> None:
        _owner_file(name).write_text(str(os.getpid()))
        self.started.append(name)

    def start(self, *, owned: bool = True) -> None:
        """Start what is not running; with owned=False (services.py start) nothing is stopped on exit."""
        for directory in (LOG_DIR, RUN_DIR):
            directory.mkdir(parents=True, exist_ok=True)
        with services_lock():
            if self.postgres is None:
                ensure_external_database(self.external_db)
            else:
                was_running = self.postgres.running_port() is not None
                adopt = was_running and _orphaned("db")
                try:
                    self.postgres.start()
                finally:  # also when interrupted half-way: a server we launched is ours to stop
                    if owned and (adopt or (not was_running and self.postgres.running_port() is not None)):
                        self._own("db")
            if self.redis is not None:
                was_running = self.redis.running()
                adopt = was_running and _orphaned("redis")
                try:
                    self.redis.start()
                finally:
                    if owned and (adopt or (not was_running and self.redis.running())):
                        self._own("redis")

    def stop_started(self) -> None:
        with services_lock():
            if "redis" in self.started and self.redis is not None:
                self.redis.stop()
                forget_owner("redis")
            if "db" in self.started and self.postgres is not None:
                self.postgres.stop()
                forget_owner("db")
        self.started.clear()

    @property
    def database_url(self) -> str:
        return self.external_db or (self.postgres.url if self.postgres else "")

    @property
    def broker_url(self) -> str:
        return self.external_broker or (self.redis.url if self.redis else "")
