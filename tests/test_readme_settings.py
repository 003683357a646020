"""The README's configuration table names every environment variable the server reads: a setting added to the code
without a row there fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("config", "facesets", "recognition", "scripts")
READERS = {"env_str", "env_int", "env_bool", "env_float", "env_list"}  # config/settings.py's helpers

# Read by the code but not the operator's to set: each with where it comes from.
INTERNAL = {
    "DJANGO_SETTINGS_MODULE": "Django's own",
    "PATH": "the shell's",
    "CELERY_TASK_ALWAYS_EAGER": "the test suite runs some jobs in its own process",
    "FACELIB_TEST_DB_NAME": "the test suite's database",
    "FACELIB_TEST_REDIS_DB": "the test suite's Redis database",
    "FACELIB_KEEP_SERVICES": "the test runner leaves PostgreSQL and Redis running",
    "FACELIB_CHROMIUM_PATH": "the browser tests' Chromium",
    "FACELIB_WORKER_ROLE": "set by services.py for the queue a worker consumes",
}


def _environment_reads(path: Path) -> set[str]:
    """Names read by env_*("NAME"), os.environ.get / setdefault / getenv("NAME") or os.environ["NAME"]."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        target, key = None, None
        if isinstance(node, ast.Call) and node.args:
            target, key = node.func, node.args[0]
        elif isinstance(node, ast.Subscript):
            target, key = node.value, node.slice
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            continue
        if isinstance(target, ast.Name) and target.id in READERS:
            names.add(key.value)
        elif isinstance(target, ast.Attribute) and (
            target.attr == "getenv" or (target.attr in ("get", "setdefault") and _is_environ(target.value))
        ):
            names.add(key.value)
        elif isinstance(node, ast.Subscript) and _is_environ(target):
            names.add(key.value)
    return names


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def _read_names() -> set[str]:
    return {name for folder in FOLDERS for path in (ROOT / folder).rglob("*.py") for name in _environment_reads(path)}


def _configuration_section() -> str:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Configuration")
    return readme[start : readme.index("\n## ", start + 1)]


def test_every_setting_read_has_a_row_in_the_readme():
    section = _configuration_section()
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    read = _read_names()
    assert {"FACELIB_WEB_WORKERS", "DATABASE_URL", "FACELIB_PG_PORT", "ALLOWED_HOSTS"} <= read  # the scan finds them
    assert sorted(read - documented - set(INTERNAL)) == []


def test_the_internal_names_are_still_read():
    assert sorted(set(INTERNAL) - _read_names()) == []
