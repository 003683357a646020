"""Fixtures shared by the whole suite.

The suite runs against the real PostgreSQL + pgvector and Redis that `make test` (scripts/services.py test)
starts; pytest-django creates the database `test_facelib` from template1, which already has the vector extension.
`make test` points Celery at Redis database 1 (FACELIB_TEST_REDIS_DB) so that a `make run` worker on the same
Redis never takes the tests' tasks. CELERY_TASK_ALWAYS_EAGER stays False: tests that need tasks run a real worker.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_root() -> Path:
    """shared/ beside the checkout (../shared), or FACELIB_SHARED_DIR."""
    override = os.environ.get("FACELIB_SHARED_DIR", "").strip()
    return Path(override).expanduser().resolve() if override else REPO_ROOT.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # WhiteNoise warns about a missing STATIC_ROOT at every request until collectstatic ran once.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, also when no selected test carries a django_db mark: pytest-django sets up only the
    databases that marked tests name, and the live-server packages (tests/api/*, tests/conformance) reach the
    database through their own fixtures, so run alone they would otherwise use the operator's database."""
    from django.db import connection

    if connection.settings_dict["NAME"].startswith("test_"):
        yield
        return
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    from django.db import connection as default
    from django.db import connections

    with django_db_blocker.unblock():
        # Connections the live servers' threads and the workers left behind keep the database from being dropped.
        with default.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connections.close_all()
        try:
            teardown_databases(config, verbosity=0)
        except Exception as error:  # noqa: BLE001 - a worker's connection may outlive it a moment, as pytest-django
            warnings.warn(f"the test database was not dropped: {error!r}", stacklevel=1)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The labeled face photos: <shared>/data/faces. Missing data fails the test; it never skips it."""
    faces = shared_root() / "data" / "faces"
    if not faces.is_dir():
        pytest.fail(
            f"face data not found at {faces}: the suite expects the project's shared/ folder beside the checkout "
            f"(../shared, i.e. {REPO_ROOT.parent / 'shared'}) or FACELIB_SHARED_DIR=/path/to/shared",
            pytrace=False,
        )
    return faces


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Debian's Chromium for browser tests (Playwright: launch(executable_path=...)); `make test` installs it."""
    path = os.environ.get("FACELIB_CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.access(path, os.X_OK) or shutil.which(path)):
        pytest.fail(f"Chromium not found at {path}: `make test` installs Debian's chromium package", pytrace=False)
    return path


@pytest.fixture(scope="session")
def graph_dir(tmp_path_factory) -> Path:
    """The suite's own folder of face-set graph files (never the checkout's var/graphs), also for the workers the
    tests start (they inherit the environment)."""
    path = tmp_path_factory.mktemp("graphs")
    os.environ["FACELIB_GRAPH_DIR"] = str(path)
    return path


@pytest.fixture(autouse=True)
def _test_settings(settings, graph_dir) -> None:
    """Settings every test gets: fast password hashing, tasks really queued (never run inline), graphs in a temporary
    folder."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.FACELIB_GRAPH_DIR = graph_dir


# ---------------------------------------------------------------------------------------------------------------
# Fixtures of the other areas (workers, projects, API clients, browsers...) go below this line.
# ---------------------------------------------------------------------------------------------------------------


@pytest.fixture
def worker(transactional_db, tmp_path_factory):
    """A real Celery worker process on the test database (tests using it need committed data: transactional_db)."""
    from tests.support.worker import WorkerProcess

    process = WorkerProcess(tmp_path_factory.mktemp("worker"))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session", autouse=True)
def no_secret_reaches_a_log(tmp_path_factory):
    """After the whole suite, no API secret issued during it appears in any log: var/log/ (PostgreSQL, Redis) and the
    logs of every worker the tests started. Secrets are recorded as they are issued (a spy on credential_create)."""
    from facesets.services import projects

    issued: list[str] = []
    original = projects.credential_create

    def recording(**kwargs):
        credential, secret = original(**kwargs)
        issued.append(secret)
        return credential, secret

    projects.credential_create = recording
    yield
    projects.credential_create = original
    roots = [REPO_ROOT / "var" / "log", tmp_path_factory.getbasetemp()]
    leaks = [
        f"{path}: secret {secret[:4]}…"
        for root in roots
        if root.is_dir()
        for path in root.rglob("*.log")
        for text in [path.read_text(errors="replace")]
        for secret in issued
        if secret in text
    ]
    assert not leaks, f"secrets found in logs: {leaks}"
