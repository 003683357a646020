"""The dialect in the OpenAPI schema (drf-spectacular), browsable at /api/docs/ without any CDN."""

from __future__ import annotations

import requests

OPERATIONS = {
    ("/v3/auth/tokens", "post"): "HuaweiTokenResponse",
    ("/v2/{project_id}/face-sets", "get"): "HuaweiFaceSetsInfoResponse",
    ("/v2/{project_id}/face-sets", "post"): "HuaweiFaceSetInfoResponse",
    ("/v2/{project_id}/face-sets/{face_set_name}", "get"): "HuaweiFaceSetInfoResponse",
    ("/v2/{project_id}/face-sets/{face_set_name}", "delete"): "HuaweiDeleteFaceSetResponse",
    ("/v2/{project_id}/face-sets/{face_set_name}/faces", "get"): "HuaweiFacesResponse",
    ("/v2/{project_id}/face-sets/{face_set_name}/faces", "post"): "HuaweiFacesResponse",
    ("/v2/{project_id}/face-sets/{face_set_name}/faces", "put"): "HuaweiFaceNumberResponse",
    ("/v2/{project_id}/face-sets/{face_set_name}/faces", "delete"): "HuaweiFaceNumberResponse",
    ("/v2/{project_id}/face-sets/{face_set_name}/faces/batch", "delete"): "HuaweiFaceNumberResponse",
    ("/v2/{project_id}/face-sets/{face_set_name}/search", "post"): "HuaweiSearchResponse",
    ("/v2/{project_id}/face-detect", "post"): "HuaweiDetectResponse",
    ("/v2/{project_id}/face-compare", "post"): "HuaweiCompareResponse",
    ("/v2/{project_id}/live-detect", "post"): "HuaweiLiveDetectResponse",
    ("/v1/{project_id}/live-detect", "post"): "HuaweiLiveDetectResponse",
}


def test_every_operation_is_documented_with_its_shapes(frs_env):
    response = requests.get(f"{frs_env.url}/api/schema/", params={"format": "json"}, timeout=60)
    assert response.status_code == 200
    schema = response.json()
    for (path, method), component in OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert operation["tags"] == ["Huawei FRS v2"]
        success = operation["responses"]["201" if path == "/v3/auth/tokens" else "200"]
        assert success["content"]["application/json"]["schema"]["$ref"] == f"#/components/schemas/{component}"
        assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/HuaweiError")
    components = schema["components"]["schemas"]
    assert set(components["HuaweiSearchFace"]["properties"]) == {
        "bounding_box",
        "similarity",
        "external_fields",
        "external_image_id",
        "face_id",
    }
    add = schema["paths"]["/v2/{project_id}/face-sets/{face_set_name}/faces"]["post"]["requestBody"]["content"]
    assert set(add) == {"application/json", "multipart/form-data"}
    assert {"image_base64", "image_url", "image_file", "external_image_id", "external_fields", "single"} <= set(
        components["HuaweiAddFacesRequest"]["properties"]
    )
    assert set(schema["components"]["securitySchemes"]) >= {"HuaweiToken", "HuaweiAKSK"}
    assert set(components["HuaweiLiveDetectResponse"]["properties"]) == {"video-result", "warning-list"}
    assert set(components["LiveDetectWarning"]["properties"]) == {"warningCode", "warningMsg"}
    # Passive single-image liveness has no model here: it is not an operation of the schema.
    assert not any("live-detect-face" in path for path in schema["paths"])


def test_swagger_ui_is_served_locally(frs_env):
    page = requests.get(f"{frs_env.url}/api/docs/", timeout=60)
    assert page.status_code == 200
    assert "swagger-ui" in page.text
    assert "cdn" not in page.text.lower()
