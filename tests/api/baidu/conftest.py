"""The Baidu package: one live server and one worker for all its tests, a project per module, and the official
client `baidu-aip` 1.6.6.0 pointed at the server. The client keeps its URLs in name-mangled class attributes
(`_AipBase__accessTokenUrl`, `_AipFace__detectUrl`, ...): a subclass overrides each of them, the real classes stay
untouched."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from aip import AipFace
from aip.base import AipBase

PREFIX = "baidu-"
BAIDU = "https://aip.baidubce.com"


def client_class(base_url: str) -> type[AipFace]:
    """AipFace with every URL moved from Baidu to `base_url`."""
    overrides = {
        name: base_url.rstrip("/") + value[len(BAIDU) :]
        for owner in (AipBase, AipFace)
        for name, value in vars(owner).items()
        if isinstance(value, str) and value.startswith(BAIDU)
    }
    assert len(overrides) == 13, overrides
    return type("FaceLibAipFace", (AipFace,), overrides)


@dataclass
class BaiduEnv:
    url: str
    data: Path

    def account(self, **quotas):
        """A new project with a credential: (client, api key, secret key, project)."""
        from facesets.models import Project
        from facesets.services import projects

        project = projects.project_get_or_create(name=f"{PREFIX}{uuid.uuid4().hex[:12]}")
        Project.objects.filter(pk=project.pk).update(rate_limit_requests=1_000_000, **quotas)
        credential, secret = projects.credential_create(project=project, description="baidu tests")
        client = client_class(self.url)("app-id", credential.access_key, secret)
        return client, credential.access_key, secret, project

    def photo(self, name: str) -> bytes:
        return (self.data / name).read_bytes()


@pytest.fixture(scope="package")
def baidu_env(django_db_setup, django_db_blocker, tmp_path_factory, shared_data):
    from facesets.models import Project
    from tests.support.live import live_server_and_worker

    with django_db_blocker.unblock():
        try:
            with live_server_and_worker(tmp_path_factory, "baidu") as url:
                yield BaiduEnv(url=url, data=shared_data)
        finally:
            Project.objects.filter(name__startswith=PREFIX).delete()


@pytest.fixture(scope="module")
def baidu(baidu_env):
    client, *_ = baidu_env.account()
    return client
