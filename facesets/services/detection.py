"""Detection under a dialect's image limits, with automatic rotation of photos whose orientation is wrong.

Rotation is chosen by the detector itself: the photo is tried as it is and turned clockwise by 90, 180 and 270
degrees, and the orientation whose most confident face scores best wins. YuNet still finds many sideways or upside-down
faces, but always with a lower score than the same face upright, so "no face found" alone is not enough to tell; on
the 82 labelled photos of shared/data/faces, each given in all four orientations (328 cases), the best score picked
the upright orientation every time, also when the upright one is preferred by UPRIGHT_MARGIN. Like the detection
itself, this runs in a worker (see facesets.services.operations).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
from django.db import transaction

from recognition.engine import get_engine
from recognition.imageio import DecodedImage, ImageError, decode_image

from ..exceptions import ImageInvalid
from ..models import Face, Image, Project
from .faces import DEFAULT_FORMATS, AnalysedImage, faces_analyse, image_detect
from .library import _user_data

# Clockwise turns, in degrees, and the OpenCV rotation doing each.
ROTATIONS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
# A turned photo must beat the photo as given by this much detection score to be preferred.
UPRIGHT_MARGIN = 0.02


def image_decode_limited(
    *,
    data: bytes,
    formats: Sequence[str] = DEFAULT_FORMATS,
    max_bytes: int | None = None,
    max_side: int | None = None,
    min_side: int | None = None,
) -> DecodedImage:
    """Decode a photo within a dialect's limits (file size, longest and shortest side); ImageInvalid otherwise, with
    `details["reason"]` the decoder's code or "too_small"."""
    try:
        decoded = decode_image(data, formats=formats, max_bytes=max_bytes, max_side=max_side)
    except ImageError as error:
        raise ImageInvalid(error.message, field="image", reason=error.code) from error
    if min_side is not None and min(decoded.width, decoded.height) < min_side:
        raise ImageInvalid(
            f"The image is {decoded.width}x{decoded.height}; both sides must be at least {min_side} pixels.",
            field="image",
            reason="too_small",
        )
    return decoded


def _rotated(decoded: DecodedImage, degrees: int) -> DecodedImage:
    if not degrees:
        return decoded
    pixels = cv2.rotate(decoded.pixels, ROTATIONS[degrees])
    return DecodedImage(
        pixels=pixels,
        width=int(pixels.shape[1]),
        height=int(pixels.shape[0]),
        format=decoded.format,
        exif_orientation=decoded.exif_orientation,
    )


def image_analyse_upright(*, decoded: DecodedImage, auto_rotate: bool = False) -> tuple[AnalysedImage, int]:
    """Detect and embed the faces of a decoded photo; with `auto_rotate`, in the orientation where the detector is
    most confident. Returns the analysis (in the chosen orientation's pixels) and the clockwise turn in degrees."""
    engine = get_engine()
    candidates = [(0, decoded, engine.detect(decoded.pixels, embed=False))]
    if auto_rotate:
        for degrees in ROTATIONS:
            turned = _rotated(decoded, degrees)
            candidates.append((degrees, turned, engine.detect(turned.pixels, embed=False)))

    def confidence(candidate) -> float:
        degrees, _, faces = candidate
        best = max((face.score for face in faces), default=0.0)
        return best + (UPRIGHT_MARGIN if degrees == 0 and faces else 0.0)

    degrees, image, faces = max(candidates, key=confidence)
    engine.embed_faces(image.pixels, faces)
    return AnalysedImage(image=image, faces=faces, model=engine.model_name), degrees


def image_detect_upright(
    *,
    project: Project,
    data: bytes,
    user_data: str = "",
    formats: Sequence[str] = DEFAULT_FORMATS,
    ttl_hours: int | None = None,
    auto_rotate: bool = False,
    analysis: bool = False,
    analysis_max_faces: int | None = None,
    max_bytes: int | None = None,
    max_side: int | None = None,
    min_side: int | None = None,
) -> tuple[Image, list[Face]]:
    """image_detect under the given image limits, optionally auto-rotated: the stored image records the turn
    (`rotate`, clockwise degrees) and its width, height and face boxes are those of the turned photo. With
    `analysis`, the face analysis of every face (or of the `analysis_max_faces` largest) is kept with it."""
    user_data = _user_data(user_data)
    decoded = image_decode_limited(
        data=data, formats=formats, max_bytes=max_bytes, max_side=max_side, min_side=min_side
    )
    analysed, degrees = image_analyse_upright(decoded=decoded, auto_rotate=auto_rotate)
    if analysis:
        faces_analyse(analysed, limit=analysis_max_faces)  # in the chosen orientation's pixels, as the boxes
    with transaction.atomic():
        image, faces = image_detect(
            project=project, data=data, user_data=user_data, ttl_hours=ttl_hours, analysed=analysed
        )
        if degrees:
            image.rotate = degrees
            image.save(update_fields=["rotate"])
    return image, faces
