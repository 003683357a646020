"""Decoding and validating uploaded photos before they reach the face engine.

Everything a client uploads passes through :func:`decode_image`. It refuses what is not a usable photo with an
:class:`ImageError` whose ``code`` the API layers translate into each vendor dialect's error, and returns BGR pixels
(OpenCV's order, which the detector and recognizer expect) with the EXIF orientation already applied, so a phone
photo taken sideways is seen upright.

Limits are checked from the header *before* the pixels are decoded, so a small file that claims to be 100 000 x
100 000 pixels (a decompression bomb) costs nothing.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# The formats Pillow is ever asked to parse. Restricting Image.open to these keeps Pillow's rarer, less-hardened
# plugins (PSD, PCX, EPS via Ghostscript, ...) away from untrusted uploads.
KNOWN_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "BMP", "GIF", "TIFF", "WEBP")

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_SIDE = 10_000

_EXIF_ORIENTATION_TAG = 0x0112

# Leading bytes of image formats. A file that starts like one of ours but that Pillow cannot parse is "corrupt";
# one that is a known image type we do not accept is "unsupported_format"; anything else is "not_an_image".
_OUR_SIGNATURES: tuple[bytes, ...] = (
    b"\xff\xd8\xff",  # JPEG
    b"\x89PNG\r\n\x1a\n",  # PNG
    b"BM",  # BMP
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF little-endian
    b"MM\x00*",  # TIFF big-endian
)
_OTHER_IMAGE_SIGNATURES: tuple[bytes, ...] = (
    b"\x00\x00\x01\x00",  # ICO
    b"8BPS",  # Photoshop
    b"\x00\x00\x00\x0cjP  ",  # JPEG 2000
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
    b"qoif",  # QOI
    b"\x76\x2f\x31\x01",  # OpenEXR
    b"\xff\x0a",  # JPEG XL codestream
)


class ImageError(Exception):
    """An upload that cannot be used as a photo.

    ``code`` is one of ``empty``, ``not_an_image``, ``corrupt``, ``too_large``, ``too_many_pixels``,
    ``unsupported_format``; ``message`` is a sentence a person can act on.
    """

    CODES = frozenset({"empty", "not_an_image", "corrupt", "too_large", "too_many_pixels", "unsupported_format"})

    def __init__(self, code: str, message: str):
        if code not in self.CODES:
            raise ValueError(f"unknown ImageError code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"ImageError({self.code!r}, {self.message!r})"


@dataclass
class DecodedImage:
    """A decoded photo: BGR uint8 pixels, upright (EXIF orientation applied)."""

    pixels: np.ndarray
    width: int
    height: int
    format: str
    exif_orientation: int | None


def _setting(name: str, default: Any) -> Any:
    """Read a Django setting lazily, falling back to ``default`` when Django is absent or not configured."""
    try:
        from django.conf import settings

        return getattr(settings, name, default)
    except Exception:  # ImportError, ImproperlyConfigured: used outside the server (scripts, bare pytest)
        return default


def _sniff(data: bytes) -> str:
    """Classify bytes Pillow could not identify: ``corrupt``, ``unsupported_format`` or ``not_an_image``."""
    head = data[:32]
    if any(head.startswith(sig) for sig in _OUR_SIGNATURES):
        return "corrupt"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "corrupt"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif", b"ftypheim", b"ftyphevc"):
        return "unsupported_format"
    if any(head.startswith(sig) for sig in _OTHER_IMAGE_SIGNATURES):
        return "unsupported_format"
    stripped = head.lstrip()
    if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in data[:1024]):
        return "unsupported_format"
    return "not_an_image"


def _to_bgr(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to a contiguous BGR uint8 array.

    Transparent images are flattened onto white (how a viewer shows them); 16-bit and 32-bit integer grayscale is
    rescaled rather than clipped, because clipping would turn most 16-bit photos white.
    """
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        array = np.asarray(image).astype(np.float32)
        if mode.startswith("I;16") or (mode == "I" and array.size and float(array.max()) > 255.0):
            array = array / 257.0
        gray = np.clip(np.rint(array), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))
    if mode == "P":
        # Palette images may carry transparency in the palette; go through RGBA so it is honoured.
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    elif mode != "RGB":
        image = image.convert("RGB")
    rgb = np.asarray(image, dtype=np.uint8)
    # OpenCV's vectorised swap: numpy's reversed-axis copy took longer than decoding the JPEG (640x480: 2.6 ms).
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def decode_image(
    data: bytes,
    *,
    formats: Iterable[str] = ("JPEG", "PNG", "BMP"),
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    max_side: int | None = None,
) -> DecodedImage:
    """Decode an uploaded photo, or raise :class:`ImageError`.

    ``formats`` lists the accepted Pillow format names (any of ``JPEG PNG BMP GIF TIFF WEBP``). Limits default to
    the settings ``FACELIB_MAX_IMAGE_BYTES`` (8 MB), ``FACELIB_MAX_IMAGE_PIXELS`` (40 M) and
    ``FACELIB_MAX_IMAGE_SIDE`` (10000 px); pixel and side limits are checked from the header before decoding.
    GIF and multi-page TIFF use their first frame.
    """
    if max_bytes is None:
        max_bytes = int(_setting("FACELIB_MAX_IMAGE_BYTES", DEFAULT_MAX_BYTES))
    if max_pixels is None:
        max_pixels = int(_setting("FACELIB_MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))
    if max_side is None:
        max_side = int(_setting("FACELIB_MAX_IMAGE_SIDE", DEFAULT_MAX_SIDE))
    accepted = {str(f).upper() for f in formats}
    accepted = {"JPEG" if f == "JPG" else f for f in accepted}

    if not data:
        raise ImageError("empty", "The image file is empty.")
    if len(data) > max_bytes:
        raise ImageError("too_large", f"The image is {len(data)} bytes; at most {max_bytes} bytes are accepted.")

    with warnings.catch_warnings():
        # Pillow warns (rather than raises) between MAX_IMAGE_PIXELS and twice that; a warning must refuse too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=KNOWN_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError("too_many_pixels", "The image has too many pixels.") from None
        except UnidentifiedImageError:
            code = _sniff(data)
            messages = {
                "corrupt": "The image data is corrupt and cannot be decoded.",
                "unsupported_format": "This image format is not supported.",
                "not_an_image": "The file is not an image.",
            }
            raise ImageError(code, messages[code]) from None
        except Exception as exc:  # plugins raise SyntaxError, ValueError, struct.error ... on malformed headers
            raise ImageError("corrupt", f"The image header is corrupt: {exc}") from None

        try:
            fmt = (image.format or "").upper()
            if fmt not in accepted:
                allowed = ", ".join(sorted(accepted)) or "none"
                message = f"{fmt or 'This'} images are not accepted (accepted: {allowed})."
                raise ImageError("unsupported_format", message)
            width, height = image.size
            if width <= 0 or height <= 0:
                raise ImageError("corrupt", "The image has no pixels.")
            if width > max_side or height > max_side:
                raise ImageError(
                    "too_many_pixels", f"The image is {width}x{height}; no side may exceed {max_side} pixels."
                )
            # Pillow's own bomb limit applies too (checked here as well: warnings.catch_warnings is process-wide,
            # so a concurrent decode in another thread could reset the "error" filter above).
            pillow_limit = Image.MAX_IMAGE_PIXELS or width * height
            if width * height > min(max_pixels, pillow_limit):
                raise ImageError(
                    "too_many_pixels",
                    f"The image has {width * height} pixels; at most {min(max_pixels, pillow_limit)} are accepted.",
                )
            orientation = _read_orientation(image)
            try:
                if getattr(image, "n_frames", 1) > 1:
                    image.seek(0)  # animated GIF / multi-page TIFF: the first frame is the photo
                image.load()
                upright = image
                if orientation in (2, 3, 4, 5, 6, 7, 8):
                    upright = ImageOps.exif_transpose(image)
                pixels = _to_bgr(upright)
            except ImageError:
                raise
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise ImageError("too_many_pixels", "The image has too many pixels.") from None
            except MemoryError:
                raise ImageError("too_many_pixels", "The image is too large to decode.") from None
            except Exception as exc:  # truncated files raise OSError, broken streams zlib/struct/EOF errors
                raise ImageError("corrupt", f"The image data is corrupt or truncated: {exc}") from None
        finally:
            image.close()

    return DecodedImage(
        pixels=pixels,
        width=int(pixels.shape[1]),
        height=int(pixels.shape[0]),
        format=fmt,
        exif_orientation=orientation,
    )


def _read_orientation(image: Image.Image) -> int | None:
    """The EXIF orientation tag when the photo has one (any integer value), else None; malformed EXIF is ignored."""
    try:
        value = image.getexif().get(_EXIF_ORIENTATION_TAG)
    except Exception:  # a broken EXIF block should not make an otherwise fine photo unusable
        return None
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
