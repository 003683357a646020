"""Each dialect, declared once for the conformance suite: how to call it as an authenticated client, how its
documented errors look, and a few of its endpoints with the parameters that carry text. A new dialect plugs in by
adding a Dialect here; every case in this package then runs against it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.test import Client


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: its method and path (with `{text}` where a path parameter goes), its valid arguments, and the
    argument that carries free text (the one a case corrupts)."""

    method: str
    path: str
    arguments: dict = field(default_factory=dict)
    text_argument: str | None = None
    body: str = "json"  # how arguments travel: json, form or query


@dataclass
class Dialect:
    name: str
    endpoints: list[Endpoint]
    auth_query: dict = field(default_factory=dict)
    auth_headers: dict = field(default_factory=dict)
    path_values: dict = field(default_factory=dict)
    # The documented errors: (HTTP status, the envelope's code) for a bad parameter, an unreadable body, a body too
    # large, and a bad credential.
    bad_parameter: tuple[int, str] = (400, "")
    unparseable: tuple[int, str] = (400, "")
    too_large: tuple[int, str] = (413, "")
    unauthorized: tuple[int, str] = (401, "")
    missing_parameter: tuple[int, str] = (400, "")
    bad_auth: dict = field(default_factory=dict)  # {"query": {...}} or {"headers": {...}}: a credential refused
    code_of: Callable[[dict], str] = lambda body: ""

    def call(
        self,
        endpoint: Endpoint,
        arguments: dict | None = None,
        *,
        path_text: str = "x",
        raw: bytes | None = None,
        content_type: str | None = None,
        query: dict | None = None,
        auth: bool = True,
    ):
        arguments = endpoint.arguments if arguments is None else arguments
        path = endpoint.path.format(text=quote(path_text, safe=""), **self.path_values)
        query = {**(self.auth_query if auth else {}), **(query or {})}
        headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in self.auth_headers.items()}
        if endpoint.body == "query":
            query.update(arguments)
        url = path + ("?" + urlencode(query, doseq=True) if query else "")
        client = Client()
        method = getattr(client, endpoint.method.lower())
        if raw is not None:
            return method(url, data=raw, content_type=content_type or "application/json", **headers)
        if endpoint.body == "query":
            return method(url, **headers)
        if endpoint.body == "form":
            return method(
                url, data=urlencode(arguments, doseq=True), content_type="application/x-www-form-urlencoded", **headers
            )
        return method(url, data=json.dumps(arguments), content_type="application/json", **headers)

    @staticmethod
    def body_of(response) -> dict:
        """The answer's JSON, or {"text": ...} for the plain-text answers a dialect documents (Face++'s 413)."""
        if response.get("Content-Type", "").startswith("text/plain"):
            return {"text": response.content.decode()}
        return response.json()

    def assert_refused(self, response) -> None:
        """Some documented client error of the dialect (which one depends on the parameter), in its envelope."""
        body = self.body_of(response)
        assert response.status_code < 500 and self.code_of(body) not in ("", "OK", None), body

    def assert_error(self, response, expected: tuple[int, str]) -> None:
        status, code = expected
        body = self.body_of(response)
        assert (response.status_code, self.code_of(body)) == (status, code), body


def huawei(project, token: str) -> Dialect:
    return Dialect(
        name="huawei",
        endpoints=[
            Endpoint("GET", "/v2/{project_id}/face-sets/{text}", body="query"),
            Endpoint("POST", "/v2/{project_id}/face-sets", {"face_set_name": "fine"}, "face_set_name"),
            Endpoint(
                "POST",
                "/v2/{project_id}/face-sets/{face_set}/search",
                {"face_id": "abcdefgh", "filter": "age:1"},
                "filter",
            ),
            Endpoint(
                "DELETE",
                "/v2/{project_id}/face-sets/{face_set}/faces",
                {"external_image_id": "fine"},
                "external_image_id",
                body="query",
            ),
            Endpoint(
                "POST",
                "/v2/{project_id}/face-sets/{face_set}/faces",
                {"image_url": "http://example.invalid/a.jpg", "external_fields": {"age": "1"}},
                "image_url",
            ),
        ],
        auth_headers={"X-Auth-Token": token},
        path_values={"project_id": project.project_id, "face_set": "conformance"},
        bad_parameter=(400, "FRS.0012"),
        unparseable=(400, "FRS.0014"),
        too_large=(413, "APIG.0201"),
        unauthorized=(403, "FRS.0002"),
        bad_auth={"headers": {"X-Auth-Token": "not-a-token"}},
        missing_parameter=(400, "FRS.0011"),
        code_of=lambda body: body.get("error_code", ""),
    )


def sensetime(access_key: str, secret: str) -> Dialect:
    return Dialect(
        name="sensetime",
        endpoints=[
            Endpoint("GET", "/info/person", {"person_id": "fine"}, "person_id", body="query"),
            Endpoint("POST", "/person/create", {"name": "fine", "user_data": "u"}, "name"),
            Endpoint("POST", "/faceset/create", {"name": "fine"}, "name", body="form"),
            Endpoint("POST", "/face/search", {"face_id": "fine", "faceset_id": "fine"}, "faceset_id"),
            Endpoint("POST", "/group/change", {"group_id": "fine", "user_data": "u"}, "user_data"),
        ],
        auth_query={"api_id": access_key, "api_secret": secret},
        bad_parameter=(400, "INVALID_ARGUMENT"),
        unparseable=(400, "INVALID_ARGUMENT"),
        too_large=(413, "REQUEST_ENTITY_TOO_LARGE"),
        unauthorized=(401, "UNAUTHORIZED"),
        missing_parameter=(400, "INVALID_ARGUMENT"),
        bad_auth={"query": {"api_id": "a\x00b", "api_secret": "x"}},
        code_of=lambda body: body.get("status", ""),
    )


def baidu(token: str) -> Dialect:
    """Baidu answers every error with HTTP 200 and an integer error_code."""
    face = "/rest/2.0/face/v2/faceset"
    return Dialect(
        name="baidu",
        endpoints=[
            Endpoint("POST", f"{face}/group/getlist", {"start": "0"}, None, body="form"),
            Endpoint("POST", f"{face}/user/add", {"uid": "fine", "user_info": "fine", "group_id": "g"}, "user_info"),
            Endpoint("POST", f"{face}/group/getusers", {"group_id": "fine"}, "group_id", body="form"),
            Endpoint("POST", f"{face}/user/get", {"uid": "fine", "group_id": "g"}, "group_id", body="form"),
            Endpoint("POST", "/rest/2.0/face/v2/identify", {"group_id": "g", "image": "AAAA"}, None),
        ],
        auth_query={"access_token": token},
        bad_parameter=(200, 216100),
        unparseable=(200, 216100),
        too_large=(200, 216202),
        unauthorized=(200, 110),
        missing_parameter=(200, 216100),
        bad_auth={"query": {"access_token": "not-a-token"}},
        code_of=lambda body: body.get("error_code", ""),
    )


def facepp_reason(body: dict) -> str:
    """The reason of a Face++ error_message ("BAD_ARGUMENTS: name" -> BAD_ARGUMENTS), or the plain-text answer."""
    if "text" in body:
        return body["text"]
    return str(body.get("error_message", "")).split(":")[0].strip()


def facepp(access_key: str, secret: str) -> Dialect:
    """Face++ errors: `error_message` = REASON[: details] with the guide's status; 413 is plain text."""
    v3 = "/facepp/v3"
    return Dialect(
        name="facepp",
        endpoints=[
            Endpoint("POST", f"{v3}/faceset/getfacesets", {}, None, body="form"),
            Endpoint("POST", f"{v3}/faceset/create", {"outer_id": "fine", "display_name": "d"}, "display_name", "form"),
            Endpoint("POST", f"{v3}/faceset/getdetail", {"outer_id": "conformance"}, "outer_id", body="form"),
            Endpoint("POST", f"{v3}/face/setuserid", {"face_token": "0" * 32, "user_id": "u"}, "user_id", "form"),
            Endpoint("POST", f"{v3}/search", {"outer_id": "conformance", "image_base64": "AAAA"}, None, "form"),
        ],
        auth_query={"api_key": access_key, "api_secret": secret},
        bad_parameter=(400, "BAD_ARGUMENTS"),
        unparseable=(400, "BAD_ARGUMENTS"),
        too_large=(413, "Request Entity Too Large"),
        unauthorized=(401, "AUTHENTICATION_ERROR"),
        missing_parameter=(400, "MISSING_ARGUMENTS"),
        bad_auth={"query": {"api_key": "a\x00b", "api_secret": "x"}},
        code_of=facepp_reason,
    )
