"""A live server and a real worker for the packages that drive a dialect through its official client."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def live_server_and_worker(tmp_path_factory, name: str) -> Iterator[str]:
    """Start a Celery worker on the test database and a live server (127.0.0.1 allowed, as pytest-django's
    live_server fixture does); yield the server's URL; stop both. The caller has unblocked the database."""
    from pytest_django.live_server_helper import LiveServer

    from tests.support.worker import WorkerProcess

    worker = server = None
    try:
        worker = WorkerProcess(tmp_path_factory.mktemp(f"{name}-worker"))
        worker.start()
        server = LiveServer("127.0.0.1")
        server._live_server_modified_settings.enable()
        yield server.url
    finally:
        if server is not None:
            server._live_server_modified_settings.disable()
            server.stop()
        if worker is not None:
            worker.stop()
