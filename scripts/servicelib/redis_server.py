"""Debian's redis-server as our own daemon, data in var/redis."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .common import LOG_DIR, REDIS_DIR, RUN_DIR, ServiceError, env_int, log_tail, pid_alive, port_open, say


class Redis:
    """Debian's redis-server on 127.0.0.1:FACELIB_REDIS_PORT, data in var/redis with an append-only file."""

    def __init__(self) -> None:
        self.port = env_int("FACELIB_REDIS_PORT", 63790)
        self.log = LOG_DIR / "redis.log"
        self.pidfile = RUN_DIR / "redis.pid"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=3, socket_connect_timeout=3)

    def _pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def _ours_answering(self) -> bool:
        """Something answers on our port: True if it is our Redis (same data dir), an error if it is not."""
        import redis

        try:
            directory = self._client().config_get("dir").get("dir")
        except redis.exceptions.BusyLoadingError:
            return True
        except redis.exceptions.RedisError as exc:
            raise ServiceError(
                f"port {self.port} is taken by something that is not our Redis: set FACELIB_REDIS_PORT"
            ) from exc
        if directory and Path(directory).resolve() == REDIS_DIR.resolve():
            return True
        raise ServiceError(f"port {self.port} is taken by another Redis (dir {directory}): set FACELIB_REDIS_PORT")

    def running(self) -> bool:
        return self._pid() is not None or (port_open(self.port) and self._ours_answering())

    def wait_ready(self, timeout: float = 120) -> None:
        import redis

        deadline = time.monotonic() + timeout
        while True:
            try:
                if self._client().ping():
                    return
            except redis.exceptions.RedisError as exc:  # LOADING while it replays a large append-only file
                if time.monotonic() > deadline:
                    raise ServiceError(f"Redis is not ready: {exc}\n{self.log}:\n{log_tail(self.log)}") from exc
            time.sleep(0.2)

    def start(self) -> bool:
        """Start the server unless it already runs; True when this call started it."""
        if self.running():
            self.wait_ready()
            return False
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServiceError("redis-server is not installed: `apt-get install -y redis-server` (the Makefile does)")
        for directory in (LOG_DIR, RUN_DIR, REDIS_DIR):
            directory.mkdir(parents=True, exist_ok=True)
        say(f"starting Redis on 127.0.0.1:{self.port} (data {REDIS_DIR}, log {self.log})")
        result = subprocess.run(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--protected-mode",
                "yes",
                "--dir",
                str(REDIS_DIR),
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pidfile),
                "--logfile",
                str(self.log),
                "--maxmemory-policy",
                "noeviction",
                "--supervised",
                "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REDIS_DIR,
        )
        if result.returncode != 0:
            raise ServiceError(f"redis-server failed ({result.returncode}); {self.log}:\n{log_tail(self.log)}")
        self.wait_ready()
        return True

    def stop(self, timeout: float = 60) -> None:
        pid = self._pid()
        if pid is None:
            if port_open(self.port) and self._ours_answering():
                with contextlib.suppress(Exception):
                    self._client().shutdown()
            return
        say("stopping Redis")
        os.kill(pid, signal.SIGTERM)  # saves, syncs the append-only file and exits
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
