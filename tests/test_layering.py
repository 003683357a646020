"""The shape the code keeps: the engine knows nothing of the library, SQL names its tables through the models, and
the web process never holds the models."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_recognition_imports_nothing_of_the_library():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in _imports(path) if name.split(".")[0] == "facesets")
        for path in (ROOT / "recognition").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_raw_sql_takes_table_names_from_the_models():
    table = re.compile(r"""["'][^"'\n]*\b(facesets|recognition)_[a-z_]+\b""")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("facesets", "recognition")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if table.search(line) and "db_table" not in line
    ]
    assert offenders == []


def test_the_web_server_refuses_to_load_the_models():
    code = "import config.wsgi\nfrom recognition.engine import get_engine\nget_engine()\n"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "EngineNotAllowed" in result.stderr and "web process" in result.stderr
