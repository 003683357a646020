"""In-process HNSW graphs of vectors, in files: built by usearch, saved atomically, memory-mapped by every process
that searches, and found again after a restart.

A graph here knows nothing of what its keys mean (facesets.search maps them to face-set members and keeps them in
step with PostgreSQL, the source of truth). A graph file is named ``<stem>-w<watermark>.usearch``: the watermark is
the caller's promise about what the file holds (for face sets: every member row with an id up to it that existed when
the file was written). Writers write a new file and rename it into place; readers take the file with the highest
watermark and map it read-only, so a search never sees a half-written file, and many processes share one copy of the
graph in the page cache.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

_NAME = re.compile(r"^(?P<stem>.+)-w(?P<watermark>\d+)\.usearch$")
RECHECK_SECONDS = 1.0  # how often a process looks for a newer file of a graph it has open


@dataclass
class Graph:
    """An opened graph file: the usearch index (memory-mapped), its watermark and size."""

    path: Path
    watermark: int
    index: object
    size: int  # keys that are not tombstones (rows removed since are left in the graph; searches skip them)
    checked: float

    lock: threading.Lock = field(default_factory=threading.Lock)

    def search(self, vector: np.ndarray, count: int, ef_search: int) -> np.ndarray:
        """Keys of the ``count`` vectors nearest to ``vector`` (approximately), nearest first. One search at a time
        per graph and process: the candidate list is a setting of the index, and a web process serves threads."""
        with self.lock:
            self.index.expansion_search = max(int(ef_search), int(count))
            return np.asarray(self.index.search(np.asarray(vector, dtype=np.float32), int(count), threads=1).keys)


def safe_stem(text: str) -> str:
    """A file-name-safe stem for a graph's identity (face set, model)."""
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text)


def _files(folder: Path):
    """(stem, watermark, path) of every finished graph file in the folder."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        match = _NAME.match(entry.name)
        if match:
            yield match["stem"], int(match["watermark"]), Path(entry.path)


def graph_stems(folder: Path, prefix: str) -> list[str]:
    """The graphs (stems) with finished files in the folder whose names start with ``prefix``."""
    return sorted({stem for stem, _, _ in _files(folder) if stem.startswith(prefix)})


def graph_files(folder: Path, stem: str) -> list[tuple[int, Path]]:
    """The finished files of one graph, newest (highest watermark) first."""
    return sorted(((watermark, path) for name, watermark, path in _files(folder) if name == stem), reverse=True)


def build(
    keys: np.ndarray, vectors: np.ndarray, *, m: int, ef_construction: int, dtype: str, threads: int = 0
) -> object:
    """A cosine HNSW graph over ``vectors`` under integer ``keys`` (usearch; ``dtype`` f32, f16 or i8 storage)."""
    from usearch.index import Index

    index = Index(
        ndim=int(vectors.shape[1]), metric="cos", dtype=dtype, connectivity=int(m), expansion_add=int(ef_construction)
    )
    if len(keys):
        index.add(np.asarray(keys, dtype=np.uint64), np.ascontiguousarray(vectors, dtype=np.float32), threads=threads)
    return index


def _restore(path: Path, *, view: bool) -> object | None:
    """The graph in a file, mapped (``view``) or copied into memory; None when the file is damaged (checked against
    its checksum first: usearch does not check a file, and a damaged one crashes the process)."""
    from usearch.index import Index

    if not intact(path):
        return None
    try:
        return Index.restore(str(path), view=view)
    except (RuntimeError, ValueError):
        return None


def load_copy(path: Path) -> object | None:
    """A writable in-memory copy of a graph file (to add to before saving a successor), or None when it is
    damaged."""
    return _restore(path, view=False)


def save(index, folder: Path, stem: str, watermark: int, *, live: int | None = None, keep: int = 1) -> Path:
    """Write ``index`` as the graph file of ``stem`` at ``watermark`` (write, flush to disk, rename into place), then
    delete older files of the same graph beyond the newest ``keep`` (processes that mapped them keep their mapping)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = folder / f"{stem}-w{int(watermark)}.usearch"
    partial = folder / f".{final.name}.{os.getpid()}.partial"
    index.save(str(partial))
    os.chmod(partial, 0o600)  # face vectors: readable by FaceLib's own user only, as its database is
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    # The checksum first: a reader maps only a file whose size and CRC its checksum file vouches for (usearch does
    # not check a file it maps, and a damaged one crashes the process).
    live = len(index) if live is None else int(live)
    _write_atomically(_sum_path(final), f"{partial.stat().st_size} {_crc32(partial)} {live}\n".encode())
    os.replace(partial, final)
    for _, older in graph_files(folder, stem)[keep:]:
        older.unlink(missing_ok=True)
        _sum_path(older).unlink(missing_ok=True)
    for leftover in folder.glob(f".{stem}-w*.partial"):  # what a writer killed mid-write left, an hour on
        try:
            if time.time() - leftover.stat().st_mtime > 3600:
                leftover.unlink(missing_ok=True)
        except OSError:  # renamed into place by another writer meanwhile
            pass
    return final


def _sum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sum")


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            crc = zlib.crc32(chunk, crc)
    return crc


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _live(path: Path, default: int) -> int:
    """The keys of a graph file that are not tombstones (its checksum file says; the writer counted them)."""
    try:
        fields = _sum_path(path).read_text().split()
        return int(fields[2]) if len(fields) > 2 else default
    except (OSError, ValueError):
        return default


def intact(path: Path) -> bool:
    """Whether the file is the one its checksum file describes (size and CRC-32)."""
    try:
        size, crc, *_ = _sum_path(path).read_text().split()
        return path.stat().st_size == int(size) and _crc32(path) == int(crc)
    except (OSError, ValueError):
        return False


def remove(folder: Path, prefix: str) -> None:
    """Delete every file of the graphs whose stem starts with ``prefix``."""
    for stem, _, path in _files(folder):
        if stem.startswith(prefix):
            path.unlink(missing_ok=True)
            _sum_path(path).unlink(missing_ok=True)
    with _LOCK:
        for key in [key for key in _CACHE if key[0] == str(folder) and key[1].startswith(prefix)]:
            _CACHE.pop(key, None)


_CACHE: dict[tuple[str, str], Graph] = {}
_DAMAGED: dict[Path, int] = {}  # files found damaged, with their modification time then
_LOCK = threading.Lock()


def open_latest(folder: Path, stem: str) -> Graph | None:
    """The newest file of a graph, memory-mapped (cached per process; looked for again every RECHECK_SECONDS), or
    None when there is none or it cannot be read (the caller then searches without it)."""
    key = (str(folder), stem)
    now = time.monotonic()
    graph = _CACHE.get(key)
    if graph is not None and now - graph.checked < RECHECK_SECONDS and graph.path.exists():
        return graph
    with _LOCK:
        files = graph_files(folder, stem)
        if not files:
            _CACHE.pop(key, None)
            return None
        watermark, path = files[0]
        if graph is not None and graph.path == path:
            graph.checked = now
            return graph
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:  # replaced meanwhile: the next search looks again
            return None
        if _DAMAGED.get(path) == mtime:
            return None  # known to be damaged (said once)
        index = _restore(path, view=True)
        if index is None:  # damaged or foreign: search without it (PostgreSQL answers) until a refresh replaces it
            logger.warning("graph file %s is damaged; searching without it", path.name)
            _CACHE.pop(key, None)
            _DAMAGED[path] = mtime
            return None
        graph = Graph(path=path, watermark=watermark, index=index, size=_live(path, len(index)), checked=now)
        _CACHE[key] = graph
        return graph


def forget() -> None:
    """Drop every graph this process has open (tests: a new process's view)."""
    with _LOCK:
        _CACHE.clear()
        _DAMAGED.clear()
