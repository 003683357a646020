"""Paths, environment and small helpers shared by the service commands."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
VAR = Path(os.environ.get("FACELIB_VAR_DIR") or ROOT / "var").resolve()
LOG_DIR = VAR / "log"
RUN_DIR = VAR / "run"
PGDATA = VAR / "pgdata"
REDIS_DIR = VAR / "redis"
SETUP_LOG = LOG_DIR / "setup.log"

PG_DATABASE = "facelib"
GIB = 1024**3


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def say(message: str) -> None:
    print(f"[facelib] {message}", flush=True)


class ServiceError(RuntimeError):
    """A backing service could not be started or stopped; the message says why and where to look."""


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def services_lock() -> Iterator[None]:
    """Serialise start/stop of the backing services between concurrent commands on one checkout."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    with open(RUN_DIR / "services.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("FACELIB_PG_PORT", str(env_int("FACELIB_PG_PORT", 54329)))
    env.setdefault("FACELIB_REDIS_PORT", str(env_int("FACELIB_REDIS_PORT", 63790)))
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env
