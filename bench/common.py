"""Shared helpers of the benchmarks: paths, statistics, machine conditions, result files, the scratch database.

Every benchmark script writes its figures as JSON under ``bench/results/`` (one file per part, overwritten by each
run); ``bench/report.py`` turns them into ``bench/REPORT.md`` and the plots under ``bench/plots/``. Timings are
always summarised as medians / p99 over many repetitions, never single runs.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
PLOTS = BENCH / "plots"
CACHE = REPO / "var" / "bench"
for _path in (str(REPO), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)


def summary(values: Iterable[float]) -> dict[str, float]:
    """n, median, p90, p99, mean, min and max of a list of timings (ms) or rates."""
    array = np.asarray(list(values), dtype=np.float64)
    if array.size == 0:
        return {"n": 0}
    return {
        "n": int(array.size),
        "p50": float(np.median(array)),
        "p90": float(np.percentile(array, 90)),
        "p99": float(np.percentile(array, 99)),
        "mean": float(array.mean()),
        "min": float(array.min()),
        "max": float(array.max()),
    }


def conditions() -> dict[str, Any]:
    """What the machine was doing: load averages, cores, memory, CPU model, time (timings are only as quiet as
    the machine was)."""
    try:
        load = os.getloadavg()
    except OSError:
        load = (float("nan"),) * 3
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "time": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "loadavg_1m": round(load[0], 2),
        "loadavg_5m": round(load[1], 2),
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "cpu": cpu,
        "python": platform.python_version(),
    }


def save_result(name: str, data: dict[str, Any]) -> Path:
    """Write one part's figures to bench/results/<name>.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=False, default=_jsonable) + "\n")
    return path


def load_result(name: str) -> dict[str, Any] | None:
    """One part's figures from bench/results/<name>.json, or None when that part has not run."""
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def database_url(database: str) -> str:
    """URL of a scratch database on the server FaceLib uses (DATABASE_URL's server, else the embedded one)."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        base = f"postgres://postgres@127.0.0.1:{os.environ.get('FACELIB_PG_PORT', '54329')}/facelib"
    return base.rsplit("/", 1)[0] + "/" + database


def ensure_database(database: str) -> str:
    """Create the scratch database if missing (never touches `facelib` or the test database); returns its URL."""
    if database in ("facelib", "test_facelib") or not database.startswith("facelib_bench"):
        raise SystemExit(f"refusing to benchmark in {database!r}: use a scratch database named facelib_bench*")
    import psycopg

    url = database_url(database)
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            connection.execute(f'CREATE DATABASE "{database}"')
    return url


def setup_django(database: str) -> None:
    """Point Django at the scratch database, set it up and migrate it."""
    os.environ["DATABASE_URL"] = ensure_database(database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Stopwatch:
    """``with Stopwatch() as watch: ...`` then ``watch.ms``."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.ms = (time.perf_counter() - self.started) * 1000.0


def log(message: str) -> None:
    """Progress on stderr (stdout carries the markdown)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
