"""Decoding and refusing uploads (no database, no model)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from recognition.imageio import DecodedImage, ImageError, decode_image


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def _code(data: bytes, **kwargs) -> str:
    with pytest.raises(ImageError) as caught:
        decode_image(data, **kwargs)
    assert caught.value.message and str(caught.value) == caught.value.message
    return caught.value.code


def test_invalid_folder(shared_data: Path) -> None:
    folder = shared_data / "invalid"
    # empty.png is not zero bytes: it holds the text "test\n", so it is refused as not an image.
    assert _code((folder / "empty.png").read_bytes()) == "not_an_image"
    assert _code((folder / "corrupted.png").read_bytes()) == "corrupt"
    assert _code((folder / "truncated.jpg").read_bytes()) == "corrupt"


def test_empty_and_non_images() -> None:
    assert _code(b"") == "empty"
    assert _code(b"name,person\nalice,1\n") == "not_an_image"
    assert _code(b"%PDF-1.7\n...") == "not_an_image"
    assert _code(b"\x00\x00\x01\x00" + b"\x00" * 40) == "unsupported_format"  # an ICO header
    assert _code(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40) == "unsupported_format"
    assert _code(b"\xff\xd8\xff\xe0" + b"\x00" * 10) == "corrupt"  # starts like a JPEG, is not one


def test_image_error_codes_are_checked() -> None:
    with pytest.raises(ValueError):
        ImageError("weird", "no such code")
    error = ImageError("corrupt", "broken")
    assert (error.code, error.message) == ("corrupt", "broken")


def test_size_limits() -> None:
    photo = _encode(Image.new("RGB", (64, 48), (10, 20, 30)), "PNG")
    assert _code(photo, max_bytes=len(photo) - 1) == "too_large"
    assert decode_image(photo, max_bytes=len(photo)).width == 64
    assert _code(photo, max_pixels=64 * 48 - 1) == "too_many_pixels"
    assert _code(photo, max_side=63) == "too_many_pixels"


def test_decompression_bombs_are_refused_from_the_header() -> None:
    # Far beyond Pillow's own limit: Pillow raises DecompressionBombError while opening.
    assert _code(_png_header_only(100_000, 100_000), max_side=1_000_000, max_pixels=10**12) == "too_many_pixels"
    # Between Pillow's limit and twice it: Pillow only warns; that must refuse too.
    assert _code(_png_header_only(9_999, 9_000), max_pixels=10**9) == "too_many_pixels"
    # Under Pillow's limit but over ours (default 40 M pixels, 10000 px a side): refused before decoding.
    assert _code(_png_header_only(8_000, 6_000)) == "too_many_pixels"
    assert _code(_png_header_only(12_000, 10)) == "too_many_pixels"


def test_pixels_are_bgr_uint8() -> None:
    decoded = decode_image(_encode(Image.new("RGB", (5, 4), (255, 0, 0)), "PNG"))
    assert isinstance(decoded, DecodedImage)
    assert decoded.pixels.shape == (4, 5, 3) and decoded.pixels.dtype == np.uint8
    assert decoded.pixels[0, 0].tolist() == [0, 0, 255]
    assert (decoded.width, decoded.height, decoded.format, decoded.exif_orientation) == (5, 4, "PNG", None)
    assert decoded.pixels.flags["C_CONTIGUOUS"]


def test_modes_convert_to_bgr() -> None:
    rgba = Image.new("RGBA", (4, 4), (0, 0, 255, 0))  # fully transparent blue: shown on white
    rgba.putpixel((0, 0), (0, 255, 0, 255))
    pixels = decode_image(_encode(rgba, "PNG")).pixels
    assert pixels[1, 1].tolist() == [255, 255, 255] and pixels[0, 0].tolist() == [0, 255, 0]

    gray16 = Image.fromarray(np.array([[0, 32896, 65535]], dtype=np.uint16))
    data16 = _encode(gray16, "PNG")
    assert Image.open(io.BytesIO(data16)).mode.startswith("I")
    assert decode_image(data16).pixels[0, :, 0].tolist() == [0, 128, 255]

    gray = decode_image(_encode(Image.new("L", (3, 3), 77), "JPEG")).pixels
    assert gray.shape == (3, 3, 3) and abs(int(gray[1, 1, 0]) - 77) <= 2

    palette = Image.new("P", (3, 3))
    palette.putpalette([0, 0, 0, 200, 100, 50] + [0] * 762)
    palette.putpixel((1, 1), 1)
    assert decode_image(_encode(palette, "BMP")).pixels[1, 1].tolist() == [50, 100, 200]

    cmyk = decode_image(_encode(Image.new("CMYK", (3, 3), (0, 0, 0, 0)), "JPEG")).pixels
    assert cmyk.shape == (3, 3, 3) and cmyk.min() > 240


def test_gif_uses_first_frame_and_formats_are_opt_in() -> None:
    frames = [Image.new("RGB", (8, 8), (255, 0, 0)), Image.new("RGB", (8, 8), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    gif = buffer.getvalue()
    assert _code(gif) == "unsupported_format"
    decoded = decode_image(gif, formats=("GIF",))
    assert decoded.format == "GIF" and decoded.pixels[4, 4].tolist() == [0, 0, 255]  # red, in BGR order

    tiff = _encode(Image.new("RGB", (6, 2), (1, 2, 3)), "TIFF")
    assert _code(tiff) == "unsupported_format"
    assert decode_image(tiff, formats=["tiff"]).format == "TIFF"


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_exif_orientation(orientation: int) -> None:
    stored = Image.new("RGB", (20, 10), (0, 0, 0))
    stored.putpixel((0, 0), (255, 255, 255))  # a marker in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = orientation
    decoded = decode_image(_encode(stored, "JPEG", exif=exif, quality=100))
    assert decoded.exif_orientation == orientation
    expected_size = (10, 20) if orientation in (6, 8) else (20, 10)
    assert (decoded.width, decoded.height) == expected_size
    assert decoded.pixels.shape[:2] == (expected_size[1], expected_size[0])
    # Where the marker lands: orientation 6 = rotate 90 clockwise to view, so top-left goes to top-right.
    corner = {1: (0, 0), 3: (9, 19), 6: (0, 9), 8: (19, 0)}[orientation]
    assert decoded.pixels[corner].min() > 100


def test_formats_folder(shared_data: Path) -> None:
    folder = shared_data / "formats"
    webp = (folder / "formats" / "albert_einstein" / "einstein.webp").read_bytes()
    assert _code(webp) == "unsupported_format"
    assert decode_image(webp, formats=("JPEG", "PNG", "BMP", "WEBP")).format == "WEBP"
    sizes = set()
    for ext, fmt in (("bmp", "BMP"), ("jpeg", "JPEG"), ("png", "PNG")):
        decoded = decode_image((folder / "formats" / "albert_einstein" / f"einstein.{ext}").read_bytes())
        assert decoded.format == fmt
        sizes.add((decoded.width, decoded.height))
    assert len(sizes) == 1
    rgba = decode_image((folder / "obama_variants" / "barack_obama" / "32bit.png").read_bytes())
    assert rgba.pixels.shape[2] == 3
    for name, size in (("obama-240p.jpg", (427, 240)), ("obama-1080p.jpg", (1920, 1080))):
        decoded = decode_image((folder / "obama_variants" / "barack_obama" / name).read_bytes())
        assert (decoded.width, decoded.height) == size
