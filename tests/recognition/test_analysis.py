"""The face analysis stage (recognition.analysis) and the vendor landmark tables (recognition.landmarks), on real
photos of shared/data/faces: the model file is verified, head pose reads turned faces with opposite signs, a mouth
that is open reads more open than the same person's closed one, and every vendor point lands in its region."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest

from recognition.analysis import BUNDLE_SHA256, AnalysisModelError, FaceAnalyzer, bundle_path, verify_bundle
from recognition.engine import get_engine
from recognition.imageio import decode_image
from recognition.landmarks import SCHEMES, vendor_landmarks

# Picked by measurement (yaw of every labelled photo): the two most turned faces, to the image's left and right.
TURNED_LEFT = "people/person05/img59.jpg"  # yaw -16
TURNED_RIGHT = "people/person04/img58.jpg"  # yaw +20, mouth open
CLOSED_MOUTH = "people/person04/img14.jpg"  # the same person, mouth closed
MIRRORED = ("people/person01/img11.jpg", "people/person01/img11_reflection.jpg")
FRONTAL = ["people/person01/img4.jpg", "people/person03/img49.jpg", "people/person11/img30.jpg", TURNED_RIGHT]


@pytest.fixture(scope="module")
def analyse(shared_data):
    analyzer = FaceAnalyzer().load()
    engine = get_engine()

    def run(name: str, *, flip: bool = False):
        pixels = decode_image((shared_data / name).read_bytes()).pixels
        if flip:
            pixels = np.ascontiguousarray(cv2.flip(pixels, 1))
        face = engine.detect(pixels, max_faces=1, embed=False)[0]
        return face, analyzer.analyse(pixels, face.box, face.landmarks[:2])

    return run


def test_the_model_file_is_verified_before_loading(tmp_path):
    assert hashlib.sha256(bundle_path().read_bytes()).hexdigest() == BUNDLE_SHA256
    impostor = tmp_path / "face_landmarker.task"
    tampered = bytearray(bundle_path().read_bytes())
    tampered[1000] ^= 0xFF
    impostor.write_bytes(bytes(tampered))
    with pytest.raises(AnalysisModelError, match="refusing to load it") as refused:
        verify_bundle(impostor)
    assert BUNDLE_SHA256 in str(refused.value)
    with pytest.raises(AnalysisModelError, match="cannot read"):
        verify_bundle(tmp_path / "missing.task")


def test_turned_faces_read_yaw_of_opposite_signs(analyse):
    _, left = analyse(TURNED_LEFT)
    _, right = analyse(TURNED_RIGHT)
    assert left.yaw < -10 < 10 < right.yaw
    for analysis in (left, right):
        assert analysis.presence > 0.9 and analysis.mesh.shape == (478, 3)


def test_a_photo_and_its_mirror_read_opposite_yaw_of_similar_size(analyse):
    for (_, first), (_, second) in (
        (analyse(MIRRORED[0]), analyse(MIRRORED[1])),
        (analyse(TURNED_RIGHT), analyse(TURNED_RIGHT, flip=True)),
    ):
        assert first.yaw * second.yaw < 0
        assert abs(abs(first.yaw) - abs(second.yaw)) < 3
        assert first.roll * second.roll <= 0 and abs(abs(first.roll) - abs(second.roll)) < 3


def test_an_open_mouth_reads_more_open_than_a_closed_one(analyse):
    _, open_mouth = analyse(TURNED_RIGHT)
    _, closed = analyse(CLOSED_MOUTH)
    assert open_mouth.mouth_openness > closed.mouth_openness + 0.15
    assert open_mouth.jaw_open > closed.jaw_open + 0.1
    for analysis in (open_mouth, closed):  # both people have their eyes open
        assert min(analysis.eye_openness.values()) > 0.15 and max(analysis.eye_blink.values()) < 0.5


@pytest.mark.parametrize("photo", FRONTAL)
def test_every_vendor_landmark_lands_in_its_region(analyse, photo):
    """Checked against the detector's own five points, which the mesh does not use: eye points around the
    detector's eye, mouth points around its mouth corners, nose points between the eyes and the mouth, eyebrows
    above the eyes, the outline around all of it, running down each side to the chin."""
    face, analysis = analyse(photo)
    eye_l, eye_r, nose, mouth_l, mouth_r = (np.array(point) for point in face.landmarks)
    iod = float(np.linalg.norm(eye_r - eye_l))
    mouth_y = (mouth_l[1] + mouth_r[1]) / 2
    features = np.array([eye_l, eye_r, mouth_r, mouth_l], dtype=np.float32)
    for scheme in SCHEMES:
        points = vendor_landmarks(analysis.mesh, scheme)
        assert len({name for name, *_ in points}) == len(points)
        for name, region, x, y in points:
            where = f"{scheme} {name} ({region}) at {x:.0f},{y:.0f} in {photo}"
            if region in ("left_eye", "right_eye"):
                eye = eye_l if region == "left_eye" else eye_r
                assert abs(x - eye[0]) < 0.35 * iod and abs(y - eye[1]) < 0.2 * iod, where
            elif region in ("left_eyebrow", "right_eyebrow"):
                eye = eye_l if region == "left_eyebrow" else eye_r
                assert abs(x - eye[0]) < 0.55 * iod and eye[1] - 0.7 * iod < y < eye[1], where
            elif region == "nose":
                assert eye_l[0] - 0.1 * iod < x < eye_r[0] + 0.1 * iod, where
                assert min(eye_l[1], eye_r[1]) - 0.2 * iod < y < mouth_y, where
            elif region == "mouth":
                assert mouth_l[0] - 0.2 * iod < x < mouth_r[0] + 0.2 * iod, where
                assert abs(y - mouth_y) < 0.45 * iod, where
            else:
                assert region == "contour", where
                # Outside the eyes-and-mouth polygon of the detector's points.
                assert cv2.pointPolygonTest(features, (x, y), True) < -0.05 * iod, where
        outline = [(name, x, y) for name, region, x, y in points if region == "contour"]
        if len(outline) > 1:
            chin_y = max(y for _, _, y in outline)
            for side in ("left", "right"):
                ordered = sorted(
                    (
                        (name, x, y)
                        for name, x, y in outline
                        if (x < nose[0]) == (side == "left") and y < chin_y - 0.05 * iod
                    ),
                    key=lambda point: point[2],
                )
                xs = [x for _, x, _ in ordered]
                # Down the outline the points move towards the chin: inwards, after the widest point.
                widest = int(np.argmin(xs)) if side == "left" else int(np.argmax(xs))
                tail = xs[widest:]
                assert tail == sorted(tail, reverse=side == "right"), (scheme, side, ordered)
