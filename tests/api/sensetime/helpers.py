"""Helpers for the SenseTime tests: a client that sends arguments in each form the document names, photos."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from django.test import Client

# A WebP under a .jpg name: not among SenseTime's JPG/BMP/PNG/GIF/TIFF.
WEBP_IN_DISGUISE = "people/person03/img47.jpg"
# 4352 x 2903 px: over SenseTime's 4000 px.
TOO_WIDE = "people/person03/img49.jpg"


@dataclass
class Answer:
    """An HTTP answer: status code, headers and the JSON body."""

    status_code: int
    headers: Any
    body: dict

    @property
    def status(self) -> str:
        return self.body.get("status", "")


@dataclass
class SenseTime:
    """A SenseTime caller with one credential pair. `form` says how arguments travel: "query" (all in the query
    string), "json", "form" (x-www-form-urlencoded) or "multipart"; api_id/api_secret go in the query string, as the
    document's examples have them, unless `auth_in_body`."""

    api_id: str
    api_secret: str
    data: Path
    base_url: str | None = None  # None: Django's test client; else a live server, called with requests

    def call(
        self,
        path: str,
        args: dict | None = None,
        *,
        method: str = "POST",
        form: str = "json",
        files: dict[str, bytes] | None = None,
        auth: bool = True,
        auth_in_body: bool = False,
    ) -> Answer:
        args = dict(args or {})
        credentials = {"api_id": self.api_id, "api_secret": self.api_secret} if auth else {}
        query: dict = {}
        if auth_in_body:
            args = {**credentials, **args}
        else:
            query.update(credentials)
        if form == "query":
            query.update(args)
            args = {}
        if files:
            form = "multipart"
        url = path + ("?" + urlencode(query, doseq=True) if query else "")
        if self.base_url is not None:
            return self._requests(method, url, args, form, files)
        return self._django(method, url, args, form, files)

    def _django(self, method, url, args, form, files) -> Answer:
        client = Client()
        if method == "GET" and not args:
            response = client.get(url)
        elif form == "multipart":
            payload = {key: _multipart_value(value) for key, value in args.items()}
            for name, content in (files or {}).items():
                payload[name] = _upload(name, content)
            response = client.generic(method, url, *_encode_multipart(payload))
        elif form == "form":
            response = client.generic(
                method, url, urlencode(args, doseq=True), content_type="application/x-www-form-urlencoded"
            )
        else:
            response = client.generic(method, url, json.dumps(args), content_type="application/json")
        return Answer(response.status_code, response.headers, _json(response.content))

    def _requests(self, method, url, args, form, files) -> Answer:
        full = self.base_url + url
        if form == "multipart":
            parts = {name: (f"{name}.jpg", content) for name, content in (files or {}).items()}
            data = {key: _multipart_value(value) for key, value in args.items()}
            response = requests.request(method, full, data=data, files=parts or None, timeout=120)
        elif form == "form":
            response = requests.request(method, full, data=args, timeout=120)
        elif args or method != "GET":
            response = requests.request(method, full, json=args, timeout=120)
        else:
            response = requests.request(method, full, timeout=120)
        return Answer(response.status_code, response.headers, _json(response.content))

    def photo(self, name: str) -> bytes:
        return (self.data / name).read_bytes()

    def detect(self, name: str, **args) -> Answer:
        """POST /face/detection with a photo of shared/data/faces, as the document's curl -F file=@... does."""
        return self.call("/face/detection", args, files={"file": self.photo(name)})

    def detect_face(self, name: str) -> str:
        """The id of the largest face found in a photo."""
        answer = self.detect(name)
        assert answer.status_code == 200, answer.body
        assert answer.body["faces"], f"no face found in {name}"
        return answer.body["faces"][0]["face_id"]


def _json(content: bytes) -> dict:
    try:
        return json.loads(content) if content else {}
    except ValueError:
        return {"_raw": content.decode(errors="replace")}


def _multipart_value(value):
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value)


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{name}.jpg", content, content_type="application/octet-stream")


def _encode_multipart(payload: dict) -> tuple[bytes, str]:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return encode_multipart(BOUNDARY, payload), MULTIPART_CONTENT


def error_of(answer: Answer, http_status: int, status: str) -> str:
    """Assert an error envelope; returns its reason."""
    assert answer.status_code == http_status, (answer.status_code, answer.body)
    assert answer.body["status"] == status, answer.body
    assert set(answer.body) <= {"status", "reason"}, answer.body
    return answer.body.get("reason", "")


def task_outcome(st: SenseTime, task_id: str, *, patience: float = 120.0) -> dict:
    """Poll /info/task (as a client would) until the task is done or failed; its last answer."""
    import time

    deadline = time.monotonic() + patience
    while True:
        answer = st.call("/info/task", {"task_id": task_id}, method="GET", form="query")
        assert answer.status_code == 200, answer.body
        if answer.body["task_status"] in ("done", "failed") or time.monotonic() > deadline:
            return answer.body
        time.sleep(0.1)
