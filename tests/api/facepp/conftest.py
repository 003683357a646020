"""The Face++ package: one live server and one worker for all its tests, and the official client `python-facepp`
0.1.0a5 (`facepplib.FacePP`) pointed at the server with a new project's credential (base URL without a trailing
slash: the client appends the paths)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from facepplib import FacePP

PREFIX = "facepp-"


@dataclass
class FaceppEnv:
    url: str
    data: Path

    def account(self, **quotas):
        """A new project with a credential: (client, api key, secret, project)."""
        from facesets.models import Project
        from facesets.services import projects

        project = projects.project_get_or_create(name=f"{PREFIX}{uuid.uuid4().hex[:12]}")
        Project.objects.filter(pk=project.pk).update(**{"rate_limit_requests": 1_000_000, **quotas})
        project.refresh_from_db()
        credential, secret = projects.credential_create(project=project, description="facepp tests")
        client = FacePP(api_key=credential.access_key, api_secret=secret, url=self.url.rstrip("/"))
        return client, credential.access_key, secret, project

    def path(self, name: str) -> str:
        return str(self.data / name)

    def photo(self, name: str) -> bytes:
        return (self.data / name).read_bytes()


@pytest.fixture(scope="package")
def facepp_env(django_db_setup, django_db_blocker, tmp_path_factory, shared_data):
    from facesets.models import Project
    from tests.support.live import live_server_and_worker

    with django_db_blocker.unblock():
        try:
            with live_server_and_worker(tmp_path_factory, "facepp") as url:
                yield FaceppEnv(url=url, data=shared_data)
        finally:
            Project.objects.filter(name__startswith=PREFIX).delete()
