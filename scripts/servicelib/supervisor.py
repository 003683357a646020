"""`services.py run`: the app processes as our children, stopped in order on Ctrl-C."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from .backing import Backing
from .common import LOG_DIR, PGDATA, REDIS_DIR, ROOT, SETUP_LOG, VAR, ServiceError, child_env, log_tail, say

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1
# Where to look when a /healthz check stays down (the others: the main worker's log).
HEALTH_LOGS = {
    "database": "postgres.log",
    "broker": "redis.log",
    "liveness_worker": "liveness.log",
    "reviews_worker": "reviews.log",
}


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the supervisor dies, even by SIGKILL, so nothing is orphaned."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Supervisor:
    """Starts the app processes, watches them, and on a signal or a crash stops them and what it started."""

    def __init__(self) -> None:
        self.backing = Backing()
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = threading.Event()
        self.force = False
        self.exit_code = 0
        self.python = sys.executable

    def _on_signal(self, signum: int, _frame) -> None:
        if self.stopping.is_set():
            self.force = True
            return
        say(f"{signal.Signals(signum).name}: stopping (again to force)")
        self.stopping.set()

    def _manage(self, *args: str, capture: bool = False) -> str:
        """One management command, its output in var/log/setup.log (or returned when capture)."""
        with open(SETUP_LOG, "ab") as log:
            log.write(f"\n=== manage.py {' '.join(args)} at {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
            log.flush()
            result = subprocess.run(
                [self.python, str(ROOT / "manage.py"), *args],
                cwd=ROOT,
                env=child_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if capture else log,
                stderr=log,
            )
        if result.returncode != 0:
            raise ServiceError(
                f"manage.py {' '.join(args)} failed ({result.returncode}); {SETUP_LOG}:\n{log_tail(SETUP_LOG)}"
            )
        return result.stdout.decode() if capture else ""

    def _spawn_queue_worker(self, role: str, concurrency: str) -> None:
        """A Celery worker that consumes one queue of its own (config/celery.py picks it by FACELIB_WORKER_ROLE)."""
        command = [self.python, "-m", "celery", "-A", "config", "worker", "-l", "info"]
        self._spawn(
            role,
            [*command, "--concurrency", concurrency, "-n", f"{role}@%h"],
            env={"FACELIB_WORKER_ROLE": role},
        )

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        log_path = LOG_DIR / f"{name}.log"
        with open(log_path, "ab") as log:
            log.write(f"\n=== {name} started at {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
            log.flush()
            # Own session: the terminal's Ctrl-C reaches only us, and we stop the children in order.
            self.children[name] = subprocess.Popen(
                args,
                cwd=ROOT,
                env={**child_env(), **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def _wait_for_web(self, url: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not self.stopping.is_set():
            web = self.children["web"]
            if web.poll() is not None:
                raise ServiceError(
                    f"gunicorn exited ({web.returncode}); see {LOG_DIR / 'web.log'}:\n{log_tail(LOG_DIR / 'web.log')}"
                )
            try:
                urllib.request.urlopen(url + "healthz", timeout=10).close()
                return
            except urllib.error.HTTPError:
                return  # 503 while the worker warms up: the web server itself answers
            except OSError:
                if time.monotonic() > deadline:
                    raise ServiceError(f"gunicorn does not answer on {url}; see {LOG_DIR / 'web.log'}") from None
                time.sleep(0.5)

    def _watch_health(self, url: str) -> None:
        """Say once when /healthz turns green, or what is still down after two minutes."""
        started = time.monotonic()
        warned = False
        while not self.stopping.wait(2):
            try:
                urllib.request.urlopen(url + "healthz", timeout=15).close()
                say("health: ok (database, broker, the workers and the model are up)")
                return
            except urllib.error.HTTPError as exc:
                down: list[str] = []
                with contextlib.suppress(Exception):
                    import json

                    down = list(json.loads(exc.read()).get("down", []))
                if not warned and time.monotonic() - started > 120:
                    # Each check's process log: the liveness and reviews workers have their own.
                    logs = sorted({HEALTH_LOGS.get(name, "worker.log") for name in down} or {"worker.log"})
                    where = ", ".join(str(LOG_DIR / log) for log in logs)
                    say(f"health: still degraded ({', '.join(down)}); see {where}")
                    warned = True
            except OSError:
                pass

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)
        try:
            self._start()
            if not self.stopping.is_set():
                self._watch()
        except ServiceError as exc:
            if not self.stopping.is_set():  # a step interrupted by Ctrl-C is no error
                say(f"error: {exc}")
                self.exit_code = 1
        finally:
            self._shutdown()
        return self.exit_code

    def _start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.backing.start()
        steps = [
            ("applying migrations", ("migrate", "--noinput")),
            ("collecting static files", ("collectstatic", "--noinput")),
        ]
        say(steps[0][0])
        self._manage(*steps[0][1])
        admin = self._manage("ensure_admin", capture=True).strip()
        say(steps[1][0])
        self._manage(*steps[1][1])
        if self.stopping.is_set():
            return
        workers = os.environ.get("FACELIB_WORKERS", "2")
        self._spawn(
            "worker",
            [
                self.python,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--beat",
                "-l",
                "info",
                "--concurrency",
                workers,
                "--schedule",
                str(VAR / "celerybeat-schedule"),
            ],
        )
        # Video liveness in a worker of its own (one clip at a time: ~2 s of a core per 5 s of video), so that it and
        # enrolment cannot starve each other.
        self._spawn_queue_worker("liveness", os.environ.get("FACELIB_LIVENESS_WORKERS", "1"))
        # The reviews of the stored vectors (identity review, thresholds, suggested persons: minutes for a large
        # library) in a worker of their own too, so that one does not hold a worker of the API's calls that long.
        self._spawn_queue_worker("reviews", "1")
        host = os.environ.get("FACELIB_HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        self._spawn(
            "web",
            [
                self.python,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                os.environ.get("FACELIB_WEB_WORKERS", "2"),
                "--threads",
                os.environ.get("FACELIB_WEB_THREADS", "4"),
                "--timeout",
                "120",
                "--graceful-timeout",
                "30",
                "--access-logfile",
                "-",
                # Secret-bearing query parameters (SenseTime's api_secret, ...) never reach the access log.
                "--logger-class",
                "facesets.log_redaction.RedactingGunicornLogger",
                # gunicorn's most: a SenseTime GET with many ids in its query string must reach the application,
                # which answers in the dialect's envelope (not gunicorn's HTML 414 page).
                "--limit-request-line",
                "8190",
                "--error-logfile",
                "-",
            ],
        )
        local = "127.0.0.1" if host in ("0.0.0.0", "", "127.0.0.1") else host
        url = f"http://{local}:{port}/"
        self._wait_for_web(url)
        if self.stopping.is_set():
            return
        self._banner(url, admin)
        threading.Thread(target=self._watch_health, args=(url,), daemon=True).start()

    def _banner(self, url: str, admin: str) -> None:
        db = self.backing.database_url
        broker = self.backing.broker_url
        lines = [
            "",
            "  FaceLib is running",
            f"    URL       {url}   (API docs {url}api/docs/, health {url}healthz)",
            f"    Admin     {url}admin/",
        ]
        lines += [f"              {line}" for line in admin.splitlines() if line.strip()]
        lines += [
            f"    Database  {db}" + ("" if self.backing.external_db else f"  (data in {PGDATA})"),
            f"    Broker    {broker}" + ("" if self.backing.external_broker else f"  (data in {REDIS_DIR})"),
            f"    Logs      {LOG_DIR}/{{web,worker,liveness,reviews,postgres,redis,setup}}.log",
            "  Ctrl-C stops everything.",
            "",
        ]
        print("\n".join(lines), flush=True)

    def _watch(self) -> None:
        while not self.stopping.wait(0.5):
            for name, child in self.children.items():
                if child.poll() is not None:
                    say(f"{name} exited with code {child.returncode}; see {LOG_DIR / (name + '.log')}. Stopping.")
                    self.exit_code = 1
                    self.stopping.set()
                    break

    def _stop_child(self, name: str, timeout: float) -> None:
        child = self.children[name]
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)  # gunicorn: graceful; celery: warm shutdown
        deadline = time.monotonic() + timeout
        while child.poll() is None and time.monotonic() < deadline and not self.force:
            time.sleep(0.1)
        if child.poll() is None:
            say(f"{name} did not stop in time: killing it")
        # Whatever is left in its session (pool processes included) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()

    def _shutdown(self) -> None:
        self.stopping.set()
        timeout = float(os.environ.get("FACELIB_STOP_TIMEOUT", "60"))
        if self.children:
            say("stopping " + " and ".join(reversed(list(self.children))))
        # Web first so no new work arrives, then the worker finishes what it holds (warm shutdown).
        for name in ("web", "worker", "liveness", "reviews"):
            if name in self.children:
                self._stop_child(name, timeout)
        try:
            self.backing.stop_started()
        except ServiceError as exc:
            say(f"error: {exc}")
            self.exit_code = 1
        say("stopped")
