"""Bad, stale, revoked and foreign credentials on every dialect: the documented refusal, and nothing changed."""

from __future__ import annotations

import pytest

from tests.conformance.conftest import project_state
from tests.conformance.dialects import Endpoint, huawei, sensetime


@pytest.fixture
def unchanged(world):
    before = project_state(world["own"].project)
    yield
    assert project_state(world["own"].project) == before


def test_sensetime_credentials(world, unchanged):
    from facesets.services import projects

    own, foreign = world["own"], world["foreign"]
    create = Endpoint("POST", "/group/create", {"name": "never"})
    cases = [
        ({"api_id": own.access_key, "api_secret": own.secret + "x"}, (401, "UNAUTHORIZED")),
        ({"api_id": own.access_key}, (401, "UNAUTHORIZED")),
        ({"api_id": own.access_key, "api_secret": foreign.secret}, (401, "UNAUTHORIZED")),
        ({"api_id": "", "api_secret": ""}, (401, "UNAUTHORIZED")),
    ]
    for query, expected in cases:
        dialect = sensetime(own.access_key, own.secret)
        dialect.auth_query = query
        dialect.assert_error(dialect.call(create), expected)
    credential, secret = projects.credential_create(project=own.project)
    projects.credential_revoke(credential=credential)
    dialect = sensetime(credential.access_key, secret)
    dialect.assert_error(dialect.call(create), (401, "KEY_EXPIRED"))


def test_huawei_tokens(world, unchanged, settings):
    own = world["own"]
    create = Endpoint("POST", "/v2/{project_id}/face-sets", {"face_set_name": "never"})
    for token, expected in (("garbage", (403, "FRS.0002")), (own.huawei_token[:-3] + "abc", (403, "FRS.0002"))):
        huawei(own.project, token).assert_error(huawei(own.project, token).call(create), expected)
    settings.FACELIB_HUAWEI_TOKEN_TTL_HOURS = -1  # every token issued so far is now stale
    dialect = huawei(own.project, own.huawei_token)
    dialect.assert_error(dialect.call(create), (401, "APIG.0307"))
