"""The run/test infrastructure: scripts/services.py helpers, the real database, `manage.py ensure_admin`."""

from __future__ import annotations

import importlib.util
import io
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.fixture(scope="module")
def services():
    """scripts/services.py as a module (its helpers live in scripts/servicelib/)."""
    sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location("facelib_services_script", SCRIPTS / "services.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.path.remove(str(SCRIPTS))


@pytest.fixture(scope="module")
def postgres(services):
    import servicelib.postgres

    return servicelib.postgres


def test_no_tests_collected_counts_as_failure(services):
    assert [services.pytest_exit_code(code) for code in (0, 1, 2, 5)] == [0, 1, 2, 1]


def test_shared_buffers_quarter_of_memory_capped(postgres, monkeypatch):
    monkeypatch.delenv("FACELIB_PG_SHARED_BUFFERS", raising=False)
    monkeypatch.setattr(postgres, "memory_bytes", lambda: 24 * 1024**3)
    assert postgres.shared_buffers() == "4096MB"
    monkeypatch.setattr(postgres, "memory_bytes", lambda: 2 * 1024**3)
    assert postgres.shared_buffers() == "512MB"
    monkeypatch.setenv("FACELIB_PG_SHARED_BUFFERS", "256MB")
    assert postgres.shared_buffers() == "256MB"


def test_postgres_conf_listens_on_loopback_only(postgres, monkeypatch):
    monkeypatch.setenv("FACELIB_PG_SETTINGS", "synchronous_commit=off, work_mem=64MB")
    conf = postgres.postgres_conf(55555)

    assert "listen_addresses = '127.0.0.1'\n" in conf
    assert "port = 55555\n" in conf
    assert "maintenance_work_mem = '1GB'\n" in conf
    assert "synchronous_commit = 'off'\n" in conf
    assert "work_mem = '64MB'\n" in conf
    rules = [line for line in postgres.PG_HBA.splitlines() if line and not line.startswith("#")]
    assert rules == ["host all all 127.0.0.1/32 trust", "host all all ::1/128 trust"]


def test_env_command_leaves_database_url_unset(services, monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setenv("FACELIB_PG_PORT", "50001")
    monkeypatch.setenv("FACELIB_REDIS_PORT", "50002")

    assert services.main(["env"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert "export PGPORT=50001" in lines
    assert "export FACELIB_REDIS_PORT=50002" in lines
    assert not [line for line in lines if line.startswith("export DATABASE_URL")]


@pytest.mark.django_db
def test_database_is_postgresql_with_pgvector():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        assert cursor.fetchone() is not None
        cursor.execute("SELECT '[1,0]'::vector <=> '[0,1]'::vector")
        assert cursor.fetchone()[0] == pytest.approx(1.0)


def ensure_admin() -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_ensure_admin_shows_a_generated_password_once(monkeypatch):
    monkeypatch.delenv("FACELIB_ADMIN_USER", raising=False)
    monkeypatch.delenv("FACELIB_ADMIN_PASSWORD", raising=False)

    first = ensure_admin()
    second = ensure_admin()

    password = first.split("password ", 1)[1].split()[0]
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    assert user.check_password(password)
    assert password not in second
    assert user.password != password  # only the hash is stored


@pytest.mark.django_db
def test_ensure_admin_takes_the_password_from_the_environment(monkeypatch):
    monkeypatch.setenv("FACELIB_ADMIN_USER", "boss")
    monkeypatch.setenv("FACELIB_ADMIN_PASSWORD", "first-secret-1")
    output = ensure_admin()
    assert "first-secret-1" not in output

    monkeypatch.setenv("FACELIB_ADMIN_PASSWORD", "second-secret-2")
    ensure_admin()

    user = get_user_model().objects.get(username="boss")
    assert user.check_password("second-secret-2")
    assert user.is_superuser
