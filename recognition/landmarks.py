"""The vendors' landmark sets, mapped from the 478-point face mesh (recognition.analysis) by one documented table per
scheme: Baidu `landmark` (4) and `landmark72`, Face++ 83 and 106 named points, SenseTime `landmarks21` and
`landmarks106`.

The vendors name or number the points; which mesh point each one becomes is FaceLib's mapping, listed below. Every
point is a mesh point, the mean of a few, or a point of the face outline (`contour`): the mesh's outline from the
temple at eye height down to the chin on one side, resampled at equal arc lengths (the vendors space their contour
points evenly; the mesh's are not). No point is invented beyond that.

Sides: "left" and "right" are the **image's**, as in the vendors' own examples (Face++'s `left_eye_center` has the
smaller x). Numbered contours run from the temple down to the chin on each side; Baidu's and SenseTime's numbered
contours run from the image-left temple over the chin to the image-right temple.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# --- mesh regions (MediaPipe Face Mesh indices); L = the image's left ---------------------------------------------

OUTLINE_L = (127, 234, 93, 132, 58, 172, 136, 150, 149, 176, 148, 152)  # temple at eye height -> chin
OUTLINE_R = (356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152)
EYE_L = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)  # outer corner, upper, inner
EYE_R = (362, 398, 384, 385, 386, 387, 388, 466, 263, 249, 390, 373, 374, 380, 381, 382)  # inner corner, upper, outer
IRIS_L, IRIS_R = 468, 473
BROW_L = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)  # upper edge outer -> inner, lower edge inner -> outer
BROW_R = (336, 296, 334, 293, 300, 276, 283, 282, 295, 285)  # upper edge inner -> outer, lower edge outer -> inner
NOSE = (168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 196, 198, 102, 98, 64, 97, 419, 420, 331, 327, 294, 326, 131, 360)
LIPS_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
LIPS_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)

REGIONS = {
    "contour": OUTLINE_L + OUTLINE_R,
    "left_eye": EYE_L + (IRIS_L,),
    "right_eye": EYE_R + (IRIS_R,),
    "left_eyebrow": BROW_L,
    "right_eyebrow": BROW_R,
    "nose": NOSE,
    "mouth": LIPS_OUTER + LIPS_INNER,
}


def contour(side: str, position: int, count: int) -> tuple:
    """The `position`-th (1-based) of `count` points spaced evenly along one side's outline, chin excluded."""
    return ("contour", side, position, count)


def mean(*indices: int) -> tuple:
    return ("mean", *indices)


# --- the tables: (name, region, mesh point / mean / contour point) ------------------------------------------------


def _eye(prefix: str, side: str) -> list[tuple]:
    """The ten named points of an eye, as Face++ names them."""
    if side == "left":  # image-left: outer corner 33 on the left, inner corner 133 on the right
        left, upper_left, top, upper_right, right, lower_right, bottom, lower_left, pupil = (
            33, 160, 159, 158, 133, 153, 145, 144, IRIS_L,
        )  # fmt: skip
    else:
        left, upper_left, top, upper_right, right, lower_right, bottom, lower_left, pupil = (
            362, 385, 386, 387, 263, 373, 374, 380, IRIS_R,
        )  # fmt: skip
    region = f"{side}_eye"
    return [
        (f"{prefix}_left_corner", region, left),
        (f"{prefix}_upper_left_quarter", region, upper_left),
        (f"{prefix}_top", region, top),
        (f"{prefix}_upper_right_quarter", region, upper_right),
        (f"{prefix}_right_corner", region, right),
        (f"{prefix}_lower_right_quarter", region, lower_right),
        (f"{prefix}_bottom", region, bottom),
        (f"{prefix}_lower_left_quarter", region, lower_left),
        (f"{prefix}_pupil", region, pupil),
        (f"{prefix}_center", region, mean(left, right, top, bottom)),
    ]


def _brow83(prefix: str, side: str) -> list[tuple]:
    region = f"{side}_eyebrow"
    if side == "left":  # outer end on the image's left
        corner_l, corner_r = mean(70, 46), mean(107, 55)
        upper, lower = (63, 105, 66), (53, 52, 65)
    else:
        corner_l, corner_r = mean(336, 285), mean(300, 276)
        upper, lower = (296, 334, 293), (295, 282, 283)
    return [
        (f"{prefix}_left_corner", region, corner_l),
        (f"{prefix}_upper_left_quarter", region, upper[0]),
        (f"{prefix}_upper_middle", region, upper[1]),
        (f"{prefix}_upper_right_quarter", region, upper[2]),
        (f"{prefix}_right_corner", region, corner_r),
        (f"{prefix}_lower_left_quarter", region, lower[0]),
        (f"{prefix}_lower_middle", region, lower[1]),
        (f"{prefix}_lower_right_quarter", region, lower[2]),
    ]


FACEPP_83: list[tuple] = [
    ("contour_chin", "contour", 152),
    *[(f"contour_left{k}", "contour", contour("left", k, 9)) for k in range(1, 10)],
    *[(f"contour_right{k}", "contour", contour("right", k, 9)) for k in range(1, 10)],
    *_eye("left_eye", "left"),
    *_eye("right_eye", "right"),
    *_brow83("left_eyebrow", "left"),
    *_brow83("right_eyebrow", "right"),
    ("mouth_left_corner", "mouth", 61),
    ("mouth_right_corner", "mouth", 291),
    ("mouth_upper_lip_top", "mouth", 0),
    ("mouth_upper_lip_bottom", "mouth", 13),
    ("mouth_lower_lip_top", "mouth", 14),
    ("mouth_lower_lip_bottom", "mouth", 17),
    # Lip contours counted from the corner towards the middle, on the outer edge of the lip.
    *[(f"mouth_upper_lip_left_contour{k}", "mouth", index) for k, index in enumerate((185, 40, 37), 1)],
    *[(f"mouth_upper_lip_right_contour{k}", "mouth", index) for k, index in enumerate((409, 270, 267), 1)],
    *[(f"mouth_lower_lip_left_contour{k}", "mouth", index) for k, index in enumerate((146, 181, 84), 1)],
    *[(f"mouth_lower_lip_right_contour{k}", "mouth", index) for k, index in enumerate((375, 405, 314), 1)],
    *[(f"nose_contour_left{k}", "nose", index) for k, index in enumerate((196, 198, 98), 1)],
    *[(f"nose_contour_right{k}", "nose", index) for k, index in enumerate((419, 420, 327), 1)],
    ("nose_contour_lower_middle", "nose", 2),
    ("nose_left", "nose", 102),
    ("nose_right", "nose", 331),
    ("nose_tip", "nose", 1),
]

FACEPP_106: list[tuple] = [
    *[(f"contour_left{k}", "contour", contour("left", k, 16)) for k in range(1, 17)],
    ("contour_chin", "contour", 152),
    *[(f"contour_right{k}", "contour", contour("right", k, 16)) for k in range(1, 17)],
    ("left_eyebrow_left_corner", "left_eyebrow", mean(70, 46)),
    ("left_eyebrow_upper_left_quarter", "left_eyebrow", 63),
    ("left_eyebrow_upper_middle", "left_eyebrow", 105),
    ("left_eyebrow_upper_right_quarter", "left_eyebrow", 66),
    ("left_eyebrow_upper_right_corner", "left_eyebrow", 107),
    ("left_eyebrow_lower_left_quarter", "left_eyebrow", 53),
    ("left_eyebrow_lower_middle", "left_eyebrow", 52),
    ("left_eyebrow_lower_right_quarter", "left_eyebrow", 65),
    ("left_eyebrow_lower_right_corner", "left_eyebrow", 55),
    ("right_eyebrow_upper_left_corner", "right_eyebrow", 336),
    ("right_eyebrow_upper_left_quarter", "right_eyebrow", 296),
    ("right_eyebrow_upper_middle", "right_eyebrow", 334),
    ("right_eyebrow_upper_right_quarter", "right_eyebrow", 293),
    ("right_eyebrow_right_corner", "right_eyebrow", mean(300, 276)),
    ("right_eyebrow_lower_left_corner", "right_eyebrow", 285),
    ("right_eyebrow_lower_left_quarter", "right_eyebrow", 295),
    ("right_eyebrow_lower_middle", "right_eyebrow", 282),
    ("right_eyebrow_lower_right_quarter", "right_eyebrow", 283),
    *[(f"nose_bridge{k}", "nose", index) for k, index in enumerate((6, 197, 195), 1)],
    ("nose_tip", "nose", 1),
    *[(f"nose_left_contour{k}", "nose", index) for k, index in enumerate((196, 198, 131, 102, 98), 1)],
    ("nose_middle_contour", "nose", 2),
    *[(f"nose_right_contour{k}", "nose", index) for k, index in enumerate((419, 420, 360, 331, 327), 1)],
    *_eye("left_eye", "left"),
    *_eye("right_eye", "right"),
    ("mouth_left_corner", "mouth", 61),
    *[(f"mouth_upper_lip_left_contour{k}", "mouth", index) for k, index in enumerate((185, 40, 39, 37), 1)],
    ("mouth_right_corner", "mouth", 291),
    *[(f"mouth_upper_lip_right_contour{k}", "mouth", index) for k, index in enumerate((409, 270, 269, 267), 1)],
    ("mouth_upper_lip_top", "mouth", 0),
    ("mouth_upper_lip_bottom", "mouth", 13),
    *[(f"mouth_lower_lip_right_contour{k}", "mouth", index) for k, index in enumerate((375, 405, 314), 1)],
    *[(f"mouth_lower_lip_left_contour{k}", "mouth", index) for k, index in enumerate((146, 181, 84), 1)],
    ("mouth_lower_lip_top", "mouth", 14),
    ("mouth_lower_lip_bottom", "mouth", 17),
]


def _numbered(points: Sequence[tuple]) -> list[tuple]:
    return [(str(number), region, spec) for number, (region, spec) in enumerate(points)]


def _outline(per_side: int) -> list[tuple]:
    """A numbered outline: image-left temple -> chin -> image-right temple."""
    left = [("contour", contour("left", k, per_side)) for k in range(1, per_side + 1)]
    right = [("contour", contour("right", k, per_side)) for k in range(per_side, 0, -1)]
    return [*left, ("contour", 152), *right]


# Baidu landmark72: 0-12 outline, 13-21 image-left eye (clockwise from its left corner, then the pupil), 22-29
# image-left eyebrow (clockwise from its left end), 30-38 image-right eye, 39-46 image-right eyebrow, 47-57 nose
# (bridge top, down the left side, nostrils, up the right side, tip), 58-71 mouth (corners, outer lips, inner lips).
BAIDU_72: list[tuple] = _numbered(
    [
        *_outline(6),
        *[("left_eye", spec) for spec in (33, 160, 159, 158, 133, 153, 145, 144, IRIS_L)],
        *[("left_eyebrow", spec) for spec in (mean(70, 46), 63, 105, 66, mean(107, 55), 65, 52, 53)],
        *[("right_eye", spec) for spec in (362, 385, 386, 387, 263, 373, 374, 380, IRIS_R)],
        *[("right_eyebrow", spec) for spec in (mean(336, 285), 296, 334, 293, mean(300, 276), 283, 282, 295)],
        *[("nose", spec) for spec in (6, 196, 198, 102, 98, 2, 327, 331, 420, 419, 1)],
        *[("mouth", spec) for spec in (61, 40, 0, 270, 291, 321, 17, 91, 81, 13, 311, 317, 14, 87)],
    ]
)

# Baidu landmark (4): the eye centres (image-left first), the nose tip, the mouth centre.
BAIDU_4: list[tuple] = _numbered(
    [
        ("left_eye", mean(33, 133, 159, 145)),
        ("right_eye", mean(362, 263, 386, 374)),
        ("nose", 1),
        ("mouth", mean(61, 291, 13, 14)),
    ]
)

# SenseTime landmarks21: eyebrows (each: image-left end, middle, image-right end), eyes (each: left corner, pupil,
# right corner), nose (left wing, tip, right wing), mouth (left corner, upper lip top and bottom, lower lip top and
# bottom, right corner).
SENSETIME_21: list[tuple] = _numbered(
    [
        *[("left_eyebrow", spec) for spec in (mean(70, 46), mean(105, 52), mean(107, 55))],
        *[("right_eyebrow", spec) for spec in (mean(336, 285), mean(334, 282), mean(300, 276))],
        *[("left_eye", spec) for spec in (33, IRIS_L, 133)],
        *[("right_eye", spec) for spec in (362, IRIS_R, 263)],
        *[("nose", spec) for spec in (102, 1, 331)],
        *[("mouth", spec) for spec in (61, 0, 13, 14, 17, 291)],
    ]
)

# SenseTime landmarks106, in the common 106-point order: 0-32 outline, 33-37 / 38-42 upper eyebrow edges (left to
# right), 43-46 nose bridge down to the tip, 47-51 nose base (left to right), 52-57 / 58-63 eyes (left corner,
# upper lid x2, right corner, lower lid x2), 64-67 / 68-71 lower eyebrow edges, 72-74 image-left eye (top, bottom,
# pupil), 75-77 image-right eye, 78-83 nose sides and wings, 84-95 outer lips (from the left corner over the top),
# 96-103 inner lips, 104 / 105 pupils.
SENSETIME_106: list[tuple] = _numbered(
    [
        *_outline(16),
        *[("left_eyebrow", spec) for spec in (mean(70, 46), 63, 105, 66, 107)],
        *[("right_eyebrow", spec) for spec in (336, 296, 334, 293, mean(300, 276))],
        *[("nose", spec) for spec in (168, 197, 5, 1)],
        *[("nose", spec) for spec in (98, 97, 2, 326, 327)],
        *[("left_eye", spec) for spec in (33, 160, 158, 133, 153, 144)],
        *[("right_eye", spec) for spec in (362, 385, 387, 263, 373, 380)],
        *[("left_eyebrow", spec) for spec in (53, 52, 65, 55)],
        *[("right_eyebrow", spec) for spec in (285, 295, 282, 283)],
        *[("left_eye", spec) for spec in (159, 145, IRIS_L)],
        *[("right_eye", spec) for spec in (386, 374, IRIS_R)],
        *[("nose", spec) for spec in (196, 419, 102, 331, 64, 294)],
        *[("mouth", spec) for spec in (61, 185, 40, 37, 0, 267, 270, 409, 291, 321, 17, 91)],
        *[("mouth", spec) for spec in (78, 81, 13, 311, 308, 317, 14, 87)],
        *[("left_eye", IRIS_L), ("right_eye", IRIS_R)],
    ]
)

SCHEMES: dict[str, list[tuple]] = {
    "baidu4": BAIDU_4,
    "baidu72": BAIDU_72,
    "facepp83": FACEPP_83,
    "facepp106": FACEPP_106,
    "sensetime21": SENSETIME_21,
    "sensetime106": SENSETIME_106,
}


# --- evaluation -------------------------------------------------------------------------------------------------


def _resampled(points: np.ndarray, count: int) -> np.ndarray:
    """`count` points spaced evenly along a polyline from its first point, its last point (the chin) excluded."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    along = np.concatenate([[0.0], np.cumsum(steps)])
    targets = np.linspace(0.0, along[-1], count + 1)[:-1]
    return np.stack([np.interp(targets, along, points[:, axis]) for axis in range(2)], axis=1)


def vendor_landmarks(mesh: np.ndarray, scheme: str) -> list[tuple[str, str, float, float]]:
    """The scheme's points as (name, region, x, y) in image pixels, in the scheme's order."""
    mesh = np.asarray(mesh, dtype=np.float64)[:, :2]
    outlines = {}
    points = []
    for name, region, spec in SCHEMES[scheme]:
        if isinstance(spec, int):
            x, y = mesh[spec]
        elif spec[0] == "mean":
            x, y = mesh[list(spec[1:])].mean(axis=0)
        else:
            _, side, position, count = spec
            key = (side, count)
            if key not in outlines:
                outlines[key] = _resampled(mesh[list(OUTLINE_L if side == "left" else OUTLINE_R)], count)
            x, y = outlines[key][position - 1]
        points.append((name, region, float(x), float(y)))
    return points
