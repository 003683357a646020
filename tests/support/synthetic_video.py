"""Synthetic liveness clips, made at test time from a photo of shared/data/faces (never committed): a still photo, a
photo slid and turned in the plane, a printed photo tilted (a planar warp), and a crude 3-D "avatar": the photo's face
mesh given the canonical face's depth, turned, nodded, its jaw opened or its eyelids closed, and drawn back triangle by
triangle. These prove the decision logic and the pipeline, not accuracy on real people: the renderer and the pose
solver share the canonical face, hair and background do not move, and real motion, blur and lighting are absent.

Clips are encoded with PyAV (dev lock; OpenCV cannot encode H.264 here) in any container and codec FFmpeg has.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np

# Upper-lid points and the lower-lid points below them (MediaPipe indices), image-left eye then image-right eye.
LIDS = [
    (246, 7), (161, 163), (160, 144), (159, 145), (158, 153), (157, 154), (173, 155),
    (398, 382), (384, 381), (385, 380), (386, 374), (387, 373), (388, 390), (466, 249),
]  # fmt: skip
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)


def load_photo(path: Path, longest: int = 640) -> np.ndarray:
    image = cv2.imread(str(path))
    scale = longest / max(image.shape[:2])
    size = (int(image.shape[1] * scale) // 2 * 2, int(image.shape[0] * scale) // 2 * 2)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def encode(
    frames: Iterable[np.ndarray], *, fps: int = 15, container: str = "mp4", codec: str = "libx264", **options
) -> bytes:
    """The frames (BGR, all one even size) as a clip."""
    import av

    buffer = io.BytesIO()
    output = av.open(buffer, mode="w", format=container)
    stream = None
    for frame in frames:
        if stream is None:
            stream = output.add_stream(codec, rate=fps, options={k: str(v) for k, v in options.items()})
            stream.width, stream.height = frame.shape[1], frame.shape[0]
            stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")):
            output.mux(packet)
    for packet in stream.encode():
        output.mux(packet)
    output.close()
    return buffer.getvalue()


def timeline(seconds: float, fps: int, render: Callable[[float], np.ndarray]) -> list[np.ndarray]:
    """render(t in ms) for every frame of the clip."""
    return [render(k * 1000.0 / fps) for k in range(int(round(seconds * fps)))]


def bump(t: float, start: float, end: float) -> float:
    """0 outside [start, end] ms, rising to 1 in the middle and back (a movement there and back)."""
    if not start <= t <= end:
        return 0.0
    return math.sin(math.pi * (t - start) / (end - start))


def in_plane(image: np.ndarray, t: float, seconds: float) -> np.ndarray:
    """The photo slid sideways and turned in the plane over the clip (a photo moved in front of a camera)."""
    phase = t / (seconds * 1000.0)
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 12.0 * math.sin(2 * math.pi * phase), 1.0)
    matrix[0, 2] += 40.0 * math.sin(2 * math.pi * phase)
    matrix[1, 2] += 15.0 * math.sin(4 * math.pi * phase)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)


def card_tilt(image: np.ndarray, degrees: float, axis: str = "vertical") -> np.ndarray:
    """The photo as a flat card turned `degrees` about its vertical (or horizontal) axis, seen by a pinhole camera:
    a printed photo being tilted."""
    height, width = image.shape[:2]
    focal = float(max(width, height))
    angle = math.radians(degrees)
    half_w, half_h = width / 2, height / 2
    corners = np.array([[-half_w, -half_h], [half_w, -half_h], [half_w, half_h], [-half_w, half_h]])
    projected = []
    for x, y in corners:
        if axis == "vertical":
            X, Y, Z = x * math.cos(angle), y, focal + x * math.sin(angle)
        else:
            X, Y, Z = x, y * math.cos(angle), focal + y * math.sin(angle)
        projected.append([X * focal / Z + width / 2, Y * focal / Z + height / 2])
    source = (corners + [width / 2, height / 2]).astype(np.float32)
    homography = cv2.getPerspectiveTransform(source, np.array(projected, dtype=np.float32))
    return cv2.warpPerspective(image, homography, (width, height), borderMode=cv2.BORDER_REPLICATE)


class FaceRig:
    """A photo's face as a rough 3-D mesh (its own 468 landmarks, the canonical face's depth), to render head turns,
    nods, a jaw opening and closed eyelids."""

    def __init__(self, image: np.ndarray) -> None:
        from recognition.analysis import canonical_geometry, get_analyzer
        from recognition.engine import get_engine

        self.image = image
        face = get_engine().detect(image, max_faces=1, embed=False)[0]
        mesh = get_analyzer().analyse(image, face.box, face.landmarks[:2]).mesh[:468].astype(np.float64)
        canonical, self.triangles = canonical_geometry()
        iod_pixels = np.linalg.norm(mesh[33, :2] - mesh[263, :2])
        iod_canonical = np.linalg.norm(canonical[33, :2] - canonical[263, :2])
        depth = canonical[:, 2] * iod_pixels / iod_canonical  # towards the viewer, in pixels
        self.source = mesh[:, :2]
        self.points = np.column_stack([mesh[:, 0], mesh[:, 1], depth])
        self.centre = self.points.mean(axis=0)
        self.mouth_width = float(np.linalg.norm(mesh[78, :2] - mesh[308, :2]))
        # Under the mesh the photo is painted over from its surroundings (hair, background), so that a turn uncovers
        # what is beside the head, not a second face outline.
        hull = cv2.convexHull(self.source.astype(np.int32))
        mask = np.zeros(image.shape[:2], dtype=np.uint8)
        cv2.fillConvexPoly(mask, hull, 255)
        mask = cv2.dilate(mask, np.ones((9, 9), np.uint8))
        small = cv2.resize(image, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
        small_mask = cv2.resize(mask, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST)
        filled = cv2.inpaint(small, small_mask, 5, cv2.INPAINT_TELEA)
        filled = cv2.GaussianBlur(cv2.resize(filled, (image.shape[1], image.shape[0])), (15, 15), 0)
        self.background = image.copy()
        self.background[mask > 0] = filled[mask > 0]

    def render(self, *, yaw: float = 0.0, pitch: float = 0.0, mouth: float = 0.0, blink: float = 0.0) -> np.ndarray:
        """The face turned `yaw` degrees (> 0: the nose to the image's right, the person's own left), `pitch` (> 0:
        looking up), the jaw opened by `mouth` x the mouth's width, the eyelids closed by `blink` (0..1)."""
        points = self.points.copy()
        if mouth:
            lip_line = (points[13, 1] + points[14, 1]) / 2
            below = points[:, 1] > lip_line
            points[below, 1] += mouth * self.mouth_width
        if blink:
            for upper, lower in LIDS:
                points[upper, :2] += blink * 0.95 * (points[lower, :2] - points[upper, :2])
        centred = points - self.centre
        a, b = math.radians(yaw), math.radians(pitch)
        turn = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
        nod = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
        moved = centred @ (nod @ turn).T + self.centre
        out = self.background.copy()
        order = np.argsort(moved[self.triangles, 2].mean(axis=1))  # far triangles first
        for index in order:
            triangle = self.triangles[index]
            self._warp(self.image, out, self.source[triangle], moved[triangle, :2])
        if mouth > 0.02:
            lips = moved[list(INNER_LIPS), :2].astype(np.int32)
            cv2.fillPoly(out, [lips], (35, 25, 30), lineType=cv2.LINE_AA)
        if blink > 0.5:  # the eye's opening painted over with the skin below it, a line of lashes on top
            from recognition.landmarks import EYE_L, EYE_R

            strength = min(1.0, (blink - 0.5) * 2)
            for eye in (EYE_L, EYE_R):
                contour = self.source[list(eye)]
                x, y, w, h = cv2.boundingRect(contour.astype(np.float32))
                skin = self.image[y + h : y + 2 * h, x : x + w].reshape(-1, 3).mean(axis=0)
                layer = out.copy()
                cv2.fillPoly(layer, [contour.astype(np.int32)], tuple(float(c) for c in skin), lineType=cv2.LINE_AA)
                cv2.addWeighted(layer, strength, out, 1 - strength, 0, out)
                lashes = np.vstack([contour[:1], contour[8:], contour[8:9]]).astype(np.int32)
                cv2.polylines(out, [lashes], False, (40, 35, 35), 2)
        return out

    @staticmethod
    def _warp(source: np.ndarray, target: np.ndarray, src: np.ndarray, dst: np.ndarray) -> None:
        x, y, w, h = cv2.boundingRect(dst.astype(np.float32))
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(target.shape[1], x + w), min(target.shape[0], y + h)
        if x1 <= x0 or y1 <= y0:
            return
        sx, sy, sw, sh = cv2.boundingRect(src.astype(np.float32))
        sx0, sy0 = max(0, sx - 1), max(0, sy - 1)
        patch = source[sy0 : min(source.shape[0], sy + sh + 1), sx0 : min(source.shape[1], sx + sw + 1)]
        if patch.size == 0:
            return
        matrix = cv2.getAffineTransform((src - [sx0, sy0]).astype(np.float32), (dst - [x0, y0]).astype(np.float32))
        size = (x1 - x0, y1 - y0)
        warped = cv2.warpAffine(patch, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
        cv2.fillConvexPoly(mask, (dst - [x0, y0]).astype(np.int32), 255, lineType=cv2.LINE_AA)
        region = target[y0:y1, x0:x1]
        region[mask > 0] = warped[mask > 0]
