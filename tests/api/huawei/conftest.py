"""One live server, one Celery worker and one enrolled face set for the whole Huawei FRS package.

pytest-django's `live_server` fixture would make every test transactional (a flush of every table after each
test), and the `worker` fixture starts a worker per test: with model loading that is seconds per test. So this
package runs pytest-django's LiveServer and tests/support's WorkerProcess once, package-scoped, on the test
database, with data committed for real:

- the package fixture unblocks database access for the whole package (the live server's request threads share the
  process-wide blocker), creates its own project, credential and users, and deletes them (with everything they own,
  by cascade) when the package is done, so later tests find the database as they expect it;
- the tests carry no django_db mark, so pytest-django runs them after the database tests and never flushes or
  rolls back under them; each test makes its own uniquely named face sets (or reads the shared enrolled set without
  changing it), so tests do not depend on each other's order.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import FrsEnv, b64, people_photos

PEOPLE_SCHEMA = {
    "person": {"type": "string"},
    "age": {"type": "integer"},
    "score": {"type": "double"},
    "vip": {"type": "boolean"},
    "timestamp": {"type": "long"},
}


@pytest.fixture(scope="package")
def frs_env(django_db_setup, django_db_blocker, tmp_path_factory, shared_data):
    from django.contrib.auth import get_user_model

    from facesets.models import Project
    from facesets.services import projects
    from tests.support.live import live_server_and_worker

    with django_db_blocker.unblock():
        try:
            project = projects.project_get_or_create(name=f"huawei-{uuid.uuid4().hex[:8]}")
            Project.objects.filter(pk=project.pk).update(max_face_sets=1000, rate_limit_requests=1_000_000)
            credential, secret = projects.credential_create(project=project, description="huawei tests")
            with live_server_and_worker(tmp_path_factory, "huawei") as url:
                yield FrsEnv(
                    url=url,
                    project_id=project.project_id,
                    ak=credential.access_key,
                    sk=secret,
                    data=shared_data,
                )
        finally:
            # Everything the package made, by cascade: face sets, faces, images, tasks, credentials; and its users.
            Project.objects.filter(name__startswith="huawei-").delete()
            get_user_model().objects.filter(username__startswith="huawei-").delete()


@pytest.fixture(scope="package")
def client(frs_env):
    return frs_env.client()


@pytest.fixture
def face_set(client):
    """A fresh face set with the people schema, deleted afterwards."""
    name = f"set-{uuid.uuid4().hex[:12]}"
    client.create_face_set(
        frs.CreateFaceSetRequest(
            body=frs.CreateFaceSetReq(
                face_set_name=name,
                external_fields={key: frs.TypeInfo(type=value["type"]) for key, value in PEOPLE_SCHEMA.items()},
            )
        )
    )
    yield name
    try:
        client.delete_face_set(frs.DeleteFaceSetRequest(face_set_name=name))
    except Exception:  # deleted by the test itself
        pass


@dataclass
class People:
    """The shared enrolled face set: one photo per person of labels.csv, external_image_id = person."""

    name: str
    enrolled: dict[str, str]  # person -> enrolled photo
    queries: dict[str, str]  # person -> another photo of the same person
    face_ids: dict[str, str]  # person -> face_id
    fields: dict[str, dict]  # person -> external_fields


@pytest.fixture(scope="package")
def people(frs_env, client):
    """Every person of labels.csv enrolled once (first photo) with typed fields; read-only for the tests."""
    photos = people_photos(frs_env.data)
    name = f"people-{uuid.uuid4().hex[:8]}"
    client.create_face_set(
        frs.CreateFaceSetRequest(
            body=frs.CreateFaceSetReq(
                face_set_name=name,
                external_fields={key: frs.TypeInfo(type=value["type"]) for key, value in PEOPLE_SCHEMA.items()},
            )
        )
    )
    enrolled, queries, face_ids, fields = {}, {}, {}, {}
    for number, (person, files) in enumerate(sorted(photos.items())):
        values = {
            "person": person,
            "age": 20 + number,
            "score": number / 10,
            "vip": number % 2 == 0,
            "timestamp": 1_700_000_000_000 + number,
        }
        response = client.add_faces_by_base64(
            frs.AddFacesByBase64Request(
                face_set_name=name,
                body=frs.AddFacesBase64Req(
                    image_base64=b64(frs_env.photo(files[0])),
                    external_image_id=person,
                    external_fields=values,
                    single=True,
                ),
            )
        )
        enrolled[person], queries[person] = files[0], files[1]
        face_ids[person] = response.faces[0].face_id
        fields[person] = values
    return People(name=name, enrolled=enrolled, queries=queries, face_ids=face_ids, fields=fields)


@dataclass
class ImageServer:
    """A local HTTP server for image_url tests: `serve(path, body, status)` then fetch `url(path)`."""

    base: str
    routes: dict = field(default_factory=dict)

    def serve(self, path: str, body: bytes = b"", status: int = 200, headers: dict | None = None) -> str:
        self.routes[path] = (status, body, headers or {})
        return self.base + path

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture(scope="package")
def image_server():
    routes: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            status, body, headers = routes.get(self.path, (404, b"not found", {}))
            self.send_response(status)
            for key, value in headers.items():
                if value is not None:  # None: leave the header out (HTTP/1.0: the body runs to the close)
                    self.send_header(key, value)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ImageServer(base=f"http://127.0.0.1:{server.server_address[1]}", routes=routes)
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_urls_allowed(settings):
    """The operator setting that lets image_url reach the local test server."""
    settings.FACELIB_ALLOW_PRIVATE_URLS = True
