"""image_url inputs: FaceLib fetches http(s) URLs itself, refuses non-public addresses unless the operator allows
them, and answers each failure with the spec's code (FRS.0021-0024, 0035, 0036)."""

from __future__ import annotations

import socket

import pytest
from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import as_dict, frs_error

ONE_FACE = "people/person02/img12.jpg"


def detect_url(client, url):
    return as_dict(client.detect_face_by_url(frs.DetectFaceByUrlRequest(body=frs.FaceDetectUrlReq(image_url=url))))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.jpg",
        "http://localhost/x.jpg",
        "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/x.jpg",
        "http://[::1]/x.jpg",
        "http://0.0.0.0/x.jpg",
    ],
)
def test_non_public_addresses_are_refused_by_default(client, url):
    with frs_error("FRS.0035"):
        detect_url(client, url)


def test_the_local_test_server_is_refused_without_the_setting(client, frs_env, image_server):
    url = image_server.serve("/refused.jpg", frs_env.photo(ONE_FACE).read_bytes())
    with frs_error("FRS.0035") as caught:
        detect_url(client, url)
    assert "127.0.0.1" in caught.value.error_msg


@pytest.mark.parametrize(("code", "url"), [("FRS.0021", "/BucketName/ObjectName"), ("FRS.0035", "ftp://x/y.jpg")])
def test_urls_facelib_cannot_fetch(client, code, url):
    with frs_error(code):
        detect_url(client, url)


@pytest.mark.usefixtures("private_urls_allowed")
def test_fetch_failures(client, frs_env, image_server, settings):
    photo = frs_env.photo(ONE_FACE).read_bytes()
    with frs_error("FRS.0024"):
        detect_url(client, image_server.url("/missing.jpg"))
    with frs_error("FRS.0022"):
        detect_url(client, image_server.serve("/secret.jpg", b"no", status=403))
    with frs_error("FRS.0036"):
        detect_url(client, image_server.serve("/broken.jpg", b"oops", status=500))
    with frs_error("FRS.0016"):
        detect_url(client, image_server.serve("/text.jpg", b"this is not an image"))
    settings.FACELIB_MAX_IMAGE_BYTES = len(photo) - 1
    with frs_error("FRS.0023"):
        detect_url(client, image_server.serve("/big.jpg", photo))
    with frs_error("FRS.0023"):
        # A server that does not say how long the file is: the download stops at the limit.
        detect_url(client, image_server.serve("/big-unannounced.jpg", photo, headers={"Content-Length": None}))


@pytest.mark.usefixtures("private_urls_allowed")
def test_a_closed_port_is_frs_0036(client):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with frs_error("FRS.0036"):
        detect_url(client, f"http://127.0.0.1:{port}/x.jpg")


@pytest.mark.usefixtures("private_urls_allowed")
def test_redirects_are_followed_a_few_times(client, frs_env, image_server):
    image_server.serve("/final.jpg", frs_env.photo(ONE_FACE).read_bytes())
    image_server.serve("/moved.jpg", status=302, headers={"Location": "/final.jpg"})
    assert len(detect_url(client, image_server.url("/moved.jpg"))["faces"]) == 1
    image_server.serve("/loop.jpg", status=302, headers={"Location": "/loop.jpg"})
    with frs_error("FRS.0036"):
        detect_url(client, image_server.url("/loop.jpg"))
