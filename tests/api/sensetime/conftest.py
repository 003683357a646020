"""One Celery worker for the whole SenseTime package, and projects with committed data.

Verification, search, identification, training and detection run in a worker, which must see committed rows; the
`worker` fixture of tests/conftest.py is per test (and makes each test transactional). As in tests/api/huawei, this
package unblocks database access once, package-scoped, and starts one WorkerProcess. Each module (or test) makes its
own project with the `account` factory, so tests never see each other's persons, groups or face sets; every project
made here is deleted (with all it owns, by cascade) when the package is done. The tests carry no django_db mark, so
pytest-django runs them after the database tests and never flushes or rolls back under them.
"""

from __future__ import annotations

import uuid

import pytest

from tests.api.sensetime.helpers import SenseTime

PREFIX = "sensetime-"


@pytest.fixture(scope="package")
def st_database(django_db_setup, django_db_blocker):
    """Database access for the package; its projects are deleted at the end."""
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            from facesets.models import Project

            Project.objects.filter(name__startswith=PREFIX).delete()


@pytest.fixture(scope="package")
def st_worker(st_database, tmp_path_factory):
    from tests.support.worker import WorkerProcess

    worker = WorkerProcess(tmp_path_factory.mktemp("sensetime-worker"))
    worker.start()
    yield worker
    worker.stop()


def make_account(shared_data, base_url: str | None = None, **quotas) -> SenseTime:
    """A new project (with `quotas` set on it) and a credential, as a SenseTime caller."""
    from facesets.models import Project
    from facesets.services import projects

    project = projects.project_get_or_create(name=f"{PREFIX}{uuid.uuid4().hex[:12]}")
    if quotas:
        Project.objects.filter(pk=project.pk).update(**quotas)
    credential, secret = projects.credential_create(project=project, description="sensetime tests")
    return SenseTime(api_id=credential.access_key, api_secret=secret, data=shared_data, base_url=base_url)


@pytest.fixture(scope="package")
def account_factory(st_database, shared_data):
    """Make a project of its own: account_factory(max_persons=2, ...)."""

    def factory(**quotas) -> SenseTime:
        return make_account(shared_data, **quotas)

    return factory


@pytest.fixture(scope="module")
def st(st_worker, account_factory) -> SenseTime:
    """The module's own project (default quotas, a generous rate limit), with the package's worker running."""
    return account_factory(rate_limit_requests=100_000, max_face_sets=1000)


def project_of(caller: SenseTime):
    from facesets.models import Credential

    return Credential.objects.select_related("project").get(access_key=caller.api_id).project


EIGHT_FACES = "groups/compreface__016_8.jpg"


@pytest.fixture(scope="module")
def face_pool(st) -> list[str]:
    """Detected face ids of the module's project not handed out yet (refilled eight at a time)."""
    return []


@pytest.fixture
def fresh_faces(st, face_pool) -> list[str]:
    """Four face ids of the module's project that no other test got."""
    if len(face_pool) < 4:
        faces = st.detect(EIGHT_FACES).body["faces"]
        assert len(faces) == 8, faces
        face_pool.extend(face["face_id"] for face in faces)
    taken = face_pool[:4]
    del face_pool[:4]
    return taken
