"""A FaceLib of its own for the API benchmarks: gunicorn + Celery workers on a scratch database, loopback only.

It runs the same commands ``services.py run`` runs (gunicorn with FACELIB_WEB_WORKERS x FACELIB_WEB_THREADS, 2 x 4
unless set, ``celery worker``), but quieter: no access log, Celery and the app at level warning, no gossip, mingle or
heartbeat (measured against the product's flags on 2026-12-02, two rounds each of cpu_share.py: every figure within the
run's own noise), and on the ``facelib_bench_api`` database, a Redis database and queue of its own (so no other
FaceLib's worker takes its jobs, nor it theirs) and port 8078, with the number of worker processes under the benchmark's
control. PostgreSQL and Redis themselves are FaceLib's (``make start``); nothing else on the machine is touched.
"""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from common import CACHE, REPO, ensure_database, log, setup_django

DATABASE = "facelib_bench_api"
PORT = int(os.environ.get("FACELIB_BENCH_PORT", "8078"))
REDIS_DB = int(os.environ.get("FACELIB_BENCH_REDIS_DB", "7"))
QUEUE = "facelib-bench"


def stack_env() -> dict[str, str]:
    """Environment of the benchmark's web server, workers and management commands."""
    redis_port = os.environ.get("FACELIB_REDIS_PORT", "63790")
    broker = os.environ.get("FACELIB_BENCH_BROKER", f"redis://127.0.0.1:{redis_port}/{REDIS_DB}")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=ensure_database(DATABASE),
        CELERY_BROKER_URL=broker,
        CELERY_RESULT_BACKEND=broker,
        FACELIB_QUEUE=QUEUE,
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        # One var/ (secrets, model cache) for this checkout and any other one served for a before/after.
        FACELIB_VAR_DIR=str(REPO / "var"),
    )
    return env


def web_shape() -> tuple[int, int]:
    """gunicorn's processes and threads each: FACELIB_WEB_WORKERS x FACELIB_WEB_THREADS, as services.py run reads
    them, with its defaults (2 x 4)."""
    return int(os.environ.get("FACELIB_WEB_WORKERS", "2")), int(os.environ.get("FACELIB_WEB_THREADS", "4"))


def api_setup() -> list[bytes]:
    """The API benchmarks' start: this process on the benchmark's database, broker and queue, the bench project with
    room for large sets, and the benchmark photos (bytes, bench_photos order)."""
    os.environ.update({k: v for k, v in stack_env().items() if k in ("CELERY_BROKER_URL", "FACELIB_QUEUE")})
    setup_django(DATABASE)
    from facesets.models import Project

    Project.objects.get_or_create(name="bench")
    Project.objects.filter(name="bench").update(max_face_sets=100, max_face_set_capacity=10_000_000)
    return [path.read_bytes() for path in bench_photos()]


def manage(*args: str, capture: bool = True) -> str:
    """Run a management command against the benchmark database; returns its stdout."""
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=stack_env(),
        capture_output=capture,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {result.stderr[-2000:] if capture else ''}")
    return result.stdout if capture else ""


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class Stack:
    """``with Stack(workers=2) as stack:`` — web server and workers up, torn down (by their own pids) on exit."""

    def __init__(self, *, workers: int = 2, repo: str | os.PathLike[str] | None = None, pool: str = "prefork") -> None:
        self.workers = workers
        self.pool = pool  # "prefork": one worker with N processes (as `make run`); "solo": N single-process workers
        self.repo = Path(repo) if repo else REPO  # another checkout (a before/after on the same database)
        self.url = f"http://127.0.0.1:{PORT}"
        self.processes: list[subprocess.Popen] = []
        self.logs = CACHE / "stack"

    def __enter__(self) -> Stack:
        import signal

        # SIGTERM (a timeout, a stopped make) must still stop the processes started here: unwind through __exit__.
        signal.signal(signal.SIGTERM, _interrupt)
        self.logs.mkdir(parents=True, exist_ok=True)
        if self.repo == REPO:
            manage("migrate", "--noinput")
        for number in range(self.workers if self.pool == "solo" else 1):
            pool = ["--pool", "solo"] if self.pool == "solo" else ["--concurrency", str(self.workers)]
            self._spawn(
                "worker",
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-l",
                    "warning",
                    *pool,
                    "-Q",
                    QUEUE,
                    "-n",
                    f"bench-{os.getpid()}-{number}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
            )
        self._spawn(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                str(web_shape()[0]),
                "--threads",
                str(web_shape()[1]),
                "--timeout",
                "120",
            ],
        )
        self._wait()
        return self

    def _spawn(self, name: str, args: list[str]) -> None:
        handle = open(self.logs / f"{name}.log", "ab")
        env = stack_env()
        self.processes.append(
            subprocess.Popen(
                args,
                cwd=self.repo,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def _wait(self, timeout: float = 180) -> None:
        """Until /healthz says the database, the broker and a worker with its model loaded are up (the stack runs no
        liveness or reviews worker: those two checks may be down)."""
        import json

        deadline = time.monotonic() + timeout
        while True:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a benchmark process exited ({process.args[2:4]}); see {self.logs}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=10) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                with contextlib.suppress(ValueError):
                    if set(json.loads(error.read()).get("down", [])) <= {"liveness_worker", "reviews_worker"}:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the benchmark FaceLib did not become healthy; see {self.logs}")
            time.sleep(1)

    def __exit__(self, *_: object) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def credential(project: str = "bench") -> dict[str, str]:
    """A fresh AK/SK of the benchmark project (created if missing)."""
    import json

    return json.loads(manage("create_credential", project).strip().splitlines()[-1])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def bench_photos(count: int = 20) -> list[Path]:
    """640x480 JPEGs of about 200 KB (the size of Huawei's QPS figures), made once from single-person labelled photos
    into var/bench/photos640/ (never into the repo): a 4:3 crop around the detected face, quality chosen to land
    nearest 200 KB."""
    import io

    from PIL import Image

    folder = CACHE / "photos640"
    existing = sorted(folder.glob("*.jpg"))
    if existing and (folder / "done").is_file():
        return existing[:count]
    for stale in existing:
        stale.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    from faces_data import ALL_FORMATS, labelled

    from recognition.engine import FaceEngine
    from recognition.imageio import decode_image

    data, rows = labelled()
    engine = FaceEngine(pack="")
    made = []
    seen = set()
    for name, identity in rows:
        if identity in seen or not name.startswith("people/") or len(made) >= count:
            continue
        pixels = decode_image((data / name).read_bytes(), formats=ALL_FORMATS).pixels
        faces = engine.detect(pixels, max_faces=2, embed=False)
        if len(faces) != 1:
            continue
        seen.add(identity)
        height, width = pixels.shape[:2]
        x, y, w, h = faces[0].box
        crop_w = min(width, int(height * 4 / 3), max(int(w * 3.2), 640))
        crop_h = int(crop_w * 3 / 4)
        left = min(max(0, x + w // 2 - crop_w // 2), width - crop_w)
        top = min(max(0, y + h // 2 - crop_h // 2), height - crop_h)
        rgb = Image.fromarray(pixels[top : top + crop_h, left : left + crop_w, ::-1]).resize((640, 480), Image.LANCZOS)
        best = None
        for quality in range(80, 101):
            buffer = io.BytesIO()
            rgb.save(buffer, "JPEG", quality=quality, subsampling=0 if quality > 90 else 2)
            if best is None or abs(buffer.tell() - 200_000) < abs(len(best) - 200_000):
                best = buffer.getvalue()
        path = folder / f"{len(made):02d}_{identity.replace('/', '_')}.jpg"
        path.write_bytes(best)
        made.append(path)
    (folder / "done").write_text(f"{len(made)}\n")
    log(f"made {len(made)} 640x480 photos in {folder}")
    return made
