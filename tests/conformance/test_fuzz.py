"""Fuzzing every dialect through its OpenAPI schema (schemathesis): generated requests, valid by the schema and
not, must never get a 5xx, and an error must come in the dialect's envelope. Bounded for `make test`
(FACELIB_FUZZ_EXAMPLES, default 3 per operation); `make fuzz` runs the same with many more examples."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("FACELIB_FUZZ_EXAMPLES", "3"))
APP = WSGIHandler()  # not config.wsgi, which forbids the models in this (test) process
schema = schemathesis.openapi.from_wsgi("/api/schema/", APP)


@pytest.fixture(scope="module")
def fuzz_caller(world):
    """A project of its own for the fuzzer (whatever it creates or deletes stays there)."""
    from facesets.services import library
    from tests.conformance.conftest import new_caller

    project, token, credential, secret = new_caller("fuzz")
    library.face_set_create(project=project, name="fuzzed", field_schema={"age": "integer", "name": "string"})
    from facesets.api.baidu.auth import token_for

    return {
        "project_id": project.project_id,
        "token": token,
        "api_id": credential.access_key,
        "api_secret": secret,
        "access_token": token_for(credential)[0],
    }


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_gets_a_server_error(case, fuzz_caller):
    headers, params = {}, {}
    huawei_auth = case.path.startswith(("/v1/", "/v2/", "/api/facelib/"))  # FaceLib's own API signs as Huawei's
    if huawei_auth:
        case.path_parameters = {**(case.path_parameters or {}), "project_id": fuzz_caller["project_id"]}
        headers["X-Auth-Token"] = fuzz_caller["token"]
    elif case.path.startswith("/rest/"):
        params = {"access_token": fuzz_caller["access_token"]}
    elif case.path.startswith("/facepp/"):
        params = {"api_key": fuzz_caller["api_id"], "api_secret": fuzz_caller["api_secret"]}
    elif not case.path.startswith(("/v3/", "/api/", "/oauth/")):
        params = {"api_id": fuzz_caller["api_id"], "api_secret": fuzz_caller["api_secret"]}
    response = case.call(app=APP, headers=headers, params=params)
    assert response.status_code < 500, (case.as_curl_command(), response.status_code, response.text[:500])
    if response.status_code >= 400 and huawei_auth:
        assert set(response.json()) == {"error_code", "error_msg"}, response.text[:500]
    elif case.path.startswith("/rest/"):
        assert response.status_code == 200 and "log_id" in response.json(), response.text[:500]
    elif case.path.startswith("/facepp/"):
        if response.status_code == 413:
            assert response.text == "Request Entity Too Large", response.text[:500]
        else:
            assert ("error_message" in response.json()) == (response.status_code >= 400), response.text[:500]
    elif response.status_code >= 400 and not case.path.startswith(("/v3/", "/api/", "/oauth/")):
        assert response.json()["status"] not in ("OK", "INTERNAL_ERROR"), response.text[:500]
