"""The recognition engine: models, decoding, vectors, search primitives, calibration (it imports nothing of facesets).

OpenCV's thread pool busy-waits after each parallel job by default. On cores shared with the other worker, the web
server and PostgreSQL that spinning burns CPU, and a spinning thread counts as running in /proc/loadavg, which
engine.threads_now reads to decide how many threads the next model call gets. OpenCV reads these settings when it is
loaded, so they are set here, before anything of the engine imports cv2 (config/__init__.py imports this package
first for the same reason); an operator's own values win."""

import os

for _name in ("OPENCV_THREAD_POOL_ACTIVE_WAIT_WORKER", "OPENCV_THREAD_POOL_ACTIVE_WAIT_MAIN"):
    os.environ.setdefault(_name, "0")
