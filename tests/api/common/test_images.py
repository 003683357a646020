"""The one image input of every dialect (facesets.api.common.images)."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from facesets.api.common.images import image_from_base64, image_from_upload, image_input
from facesets.exceptions import ImageFetchFailed, ImageInvalid, MissingArgument

PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4


def test_base64_with_or_without_a_data_prefix_and_padding():
    text = base64.b64encode(PHOTO).decode()
    assert image_from_base64(text) == PHOTO
    assert image_from_base64("data:image/jpeg;base64," + text) == PHOTO
    assert image_from_base64(text.rstrip("=")) == PHOTO


def test_base64_of_a_photo_sized_text_decodes_as_the_standard_library_does():
    # Long enough for the vectorised decoder's wide loops and every tail length after them.
    photo = bytes(range(256)) * 800 + b"\xff\xd9"
    for cut in range(4):
        data = photo[: len(photo) - cut]
        text = base64.b64encode(data).decode()
        assert image_from_base64(text) == base64.b64decode(text, validate=True) == data


@pytest.mark.parametrize(
    "text", ["not base64!", "abc\x00", 12, "ab\ncd", "ab=c", "a", "\u00e9t\u00e9", "YWJj" * 4096 + "*"]
)
def test_base64_that_is_not(text):
    with pytest.raises(ImageInvalid) as error:
        image_from_base64(text, field="image1_base64")
    assert (error.value.details["reason"], error.value.field) == ("base64", "image1_base64")


def test_size_limit_for_every_input(settings):
    settings.FACELIB_MAX_IMAGE_BYTES = 100
    with pytest.raises(ImageInvalid) as encoded:
        image_from_base64(base64.b64encode(PHOTO).decode())
    with pytest.raises(ImageInvalid) as uploaded:
        image_from_upload(SimpleUploadedFile("p.jpg", PHOTO))
    assert encoded.value.details["reason"] == uploaded.value.details["reason"] == "too_large"
    assert image_from_upload(SimpleUploadedFile("p.jpg", PHOTO[:50])) == PHOTO[:50]
    with pytest.raises(ImageInvalid, match="at most 40 bytes"):
        image_input(upload=SimpleUploadedFile("p.jpg", PHOTO[:50]), max_bytes=40)


def test_one_input_chosen_and_none_is_a_missing_argument():
    upload = SimpleUploadedFile("p.jpg", PHOTO)
    assert image_input(base64_text=base64.b64encode(b"first").decode(), upload=upload) == b"first"
    assert image_input(upload=upload) == PHOTO
    with pytest.raises(MissingArgument) as missing:
        image_input(names=("", "file", "url"))
    assert missing.value.message == "must specify 'file' or 'url' argument"


def test_a_url_goes_through_the_guarded_fetch():
    with pytest.raises(ImageFetchFailed) as refused:
        image_input(url="http://127.0.0.1:9/photo.jpg")
    assert refused.value.details["reason"] == "forbidden_address"
