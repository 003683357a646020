"""No secret in the access log: the gunicorn logger `make run` uses redacts secret-bearing parameters and headers."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

from facesets.log_redaction import REDACTED, RedactingGunicornLogger, redact_query


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("api_id=AK1&api_secret=s3cr%2Ft", f"api_id=AK1&api_secret={REDACTED}"),
        (
            "/oauth/2.0/token?grant_type=client_credentials&client_id=K&client_secret=S",
            f"/oauth/2.0/token?grant_type=client_credentials&client_id={REDACTED}&client_secret={REDACTED}",
        ),
        ("/rest/2.0/face/v3/detect?access_token=24.abc.def", f"/rest/2.0/face/v3/detect?access_token={REDACTED}"),
        ("API_SECRET=x&top=3", f"API_SECRET={REDACTED}&top=3"),
        ("my_api_secret=x&secretive=1", "my_api_secret=x&secretive=1"),
        ("", ""),
    ],
)
def test_secret_parameters_are_redacted(raw, expected):
    assert redact_query(raw) == expected


def test_the_access_log_line_carries_no_secret():
    logger = RedactingGunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/face/detection?api_id=AK1&api_secret=TOPSECRET",
        "QUERY_STRING": "api_id=AK1&api_secret=TOPSECRET",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/face/detection",
        "REMOTE_ADDR": "127.0.0.1",
    }
    request = SimpleNamespace(headers=[("X-AUTH-TOKEN", "TOKENVALUE"), ("USER-AGENT", "client")])
    response = SimpleNamespace(status="200 OK", headers=[], sent=10, response_length=10)
    atoms = SafeAtoms(logger.atoms(response, request, environ, datetime.timedelta(milliseconds=5)))
    line = '%(r)s %(q)s %({x-auth-token}i)s "%(a)s"' % atoms  # noqa: UP031 (gunicorn's own format syntax)
    assert "/face/detection?api_id=AK1&api_secret=[redacted]" in line
    assert "TOPSECRET" not in line and "TOKENVALUE" not in line
