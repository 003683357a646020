"""Helpers for the Huawei FRS tests: SDK clients, photos, raw signed requests, error assertions."""

from __future__ import annotations

import base64
import csv
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, ServiceResponseException
from huaweicloudsdkcore.http.formdata import FormFile
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from huaweicloudsdkfrs.v2 import FrsClient

# A WebP under a .jpg name: Huawei accepts JPG/JPEG/PNG/BMP only.
WEBP_IN_DISGUISE = "people/person03/img47.jpg"


@dataclass
class FrsEnv:
    """The live server, the project and its AK/SK."""

    url: str
    project_id: str
    ak: str
    sk: str
    data: Path

    def client(self, *, ak: str | None = None, sk: str | None = None, project_id: str | None = None) -> FrsClient:
        credentials = BasicCredentials(ak or self.ak, sk or self.sk, project_id or self.project_id)
        return FrsClient.new_builder().with_credentials(credentials).with_endpoints([self.url]).build()

    def photo(self, name: str) -> Path:
        return self.data / name

    def signed(
        self,
        method: str,
        path: str,
        *,
        body: bytes | str = b"",
        headers: dict | None = None,
        query: list[tuple[str, str]] | None = None,
        ak: str | None = None,
        sk: str | None = None,
        content_type: str | None = "application/json",
    ) -> requests.Response:
        """A request signed by huaweicloudsdkcore's own Signer, sent as is (for inputs the SDK would never send)."""
        path = path.replace("{project_id}", self.project_id)
        header_params = {"Content-Type": content_type} if content_type else {}
        request = SdkRequest(
            method=method,
            schema="http",
            host=urlsplit(self.url).netloc,
            resource_path=path,
            query_params=list(query or []),
            header_params={**header_params, **(headers or {})},
            body=body.encode() if isinstance(body, str) else body,
        )
        Signer(BasicCredentials(ak or self.ak, sk or self.sk)).sign(request)
        return requests.request(
            method, self.url + request.uri, headers=request.header_params, data=request.body or None, timeout=120
        )


def people_photos(data: Path) -> dict[str, list[str]]:
    """person -> photo paths (relative to data) from labels.csv, without the disguised WebP."""
    people: dict[str, list[str]] = defaultdict(list)
    with open(data / "labels.csv") as handle:
        for row in csv.DictReader(handle):
            if row["file"] != WEBP_IN_DISGUISE:
                people[row["person"]].append(row["file"])
    return dict(people)


def b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def form_file(path: Path) -> FormFile:
    return FormFile(open(path, "rb"))  # noqa: SIM115 - the SDK closes it


@contextmanager
def frs_error(code: str, status: int = 400):
    """The SDK call inside raises ClientRequestException (ServerResponseException for 5xx) with this code."""
    with pytest.raises(ServiceResponseException) as caught:
        yield caught
    error = caught.value
    assert (error.error_code, error.status_code) == (code, status), str(error)
    if status < 500:
        assert isinstance(error, ClientRequestException)
    assert error.request_id, "every response carries X-Request-Id"


def raw_error(response: requests.Response, code: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_code", "error_msg"}
    assert body["error_code"] == code, body
    assert body["error_msg"]
    assert response.headers.get("X-Request-Id")


def as_dict(model) -> dict:
    """An SDK response model, as the SDK deserialized it, in plain data (attributes the answer did not fill are None;
    the x_request_id header attribute is left out)."""

    def plain(value):
        if hasattr(value, "openapi_types"):
            return {name: plain(getattr(value, name)) for name in value.openapi_types if name != "x_request_id"}
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, Decimal):
            return float(value)
        return value

    return plain(model)
