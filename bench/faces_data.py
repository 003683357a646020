"""The labelled photos of ``shared/data/faces`` and their FaceLib (SFace) embeddings, cached per model file.

Photos are read in place and never copied; the cache under ``var/bench/`` holds only vectors and names.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from calibrate import ALL_FORMATS, default_data_dir, labelled_photos  # noqa: F401  (re-exported for the benches)
from common import CACHE, log


def labelled(data: Path | None = None) -> tuple[Path, list[tuple[str, str]]]:
    """(data folder, [(relative file, identity)]) for labels.csv and more_people/ (100 photos, 33 identities)."""
    folder = data or default_data_dir()
    return folder, labelled_photos(folder)


def facelib_embeddings(data: Path | None = None) -> tuple[list[str], list[str], np.ndarray]:
    """(photo names, identities, L2-normalised SFace vectors) of the largest face of every labelled photo with one.

    Cached in var/bench/ keyed by the list of photos and the engine's model name (delete the file to recompute)."""
    folder, rows = labelled(data)
    from recognition.engine import FaceEngine
    from recognition.imageio import decode_image

    engine = FaceEngine(pack="")
    key = hashlib.sha256(("|".join(f"{n}:{i}" for n, i in rows) + engine.model_name).encode()).hexdigest()[:12]
    path = CACHE / f"embeddings-{engine.model_name}-{key}.npz"
    if path.is_file():
        cached = np.load(path, allow_pickle=False)
        return list(cached["names"]), list(cached["identities"]), cached["vectors"]
    log(f"embedding {len(rows)} labelled photos with {engine.model_name}")
    engine.load()
    names, identities, vectors = [], [], []
    for name, identity in rows:
        image = decode_image((folder / name).read_bytes(), formats=ALL_FORMATS)
        faces = engine.detect(image.pixels, max_faces=1)
        if faces:
            names.append(name)
            identities.append(identity)
            vectors.append(faces[0].embedding)
    matrix = np.stack(vectors).astype(np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, names=np.array(names), identities=np.array(identities), vectors=matrix)
    return names, identities, matrix
