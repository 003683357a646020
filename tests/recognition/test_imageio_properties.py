"""Property-based tests of the image decoder (hypothesis): whatever bytes arrive — random, or a real photo with bytes
flipped, cut or spliced — decoding either returns an image within the limits or raises ImageError with one of its
codes; nothing else escapes (FACELIB_FUZZ_EXAMPLES sets the examples, `make fuzz` runs many)."""

from __future__ import annotations

import io
import os
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from recognition.imageio import ImageError, decode_image

EXAMPLES = int(os.environ.get("FACELIB_FUZZ_EXAMPLES", "60"))
FORMATS = ("JPEG", "PNG", "BMP", "GIF", "TIFF", "WEBP")
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))


@cache
def seeds() -> list[bytes]:
    """Small valid images of each format, for the mutations to start from."""
    images = []
    for fmt in FORMATS:
        out = io.BytesIO()
        Image.new("RGB", (37, 23), (200, 120, 40)).save(out, format=fmt)
        images.append(out.getvalue())
    return images


def _check(data: bytes) -> None:
    try:
        decoded = decode_image(data, formats=FORMATS, max_pixels=1_000_000, max_side=2000)
    except ImageError as error:
        assert error.code in ImageError.CODES
    else:
        height, width = decoded.pixels.shape[:2]
        assert (width, height) == (decoded.width, decoded.height)
        assert width * height <= 1_000_000 and max(width, height) <= 2000


@SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    _check(data)


@SETTINGS
@given(
    st.integers(min_value=0, max_value=len(FORMATS) - 1),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=8),
    st.integers(min_value=0),
    st.binary(max_size=64),
)
def test_real_images_flipped_cut_and_spliced(which, flips, cut, splice):
    data = bytearray(seeds()[which])
    for position, value in flips:
        data[position % len(data)] = value
    data = bytes(data[: cut % (len(data) + 1)]) + splice
    _check(data)
