"""Vector search primitives for pgvector, independent of what the vectors belong to: the hit, the query vector's
SQL literal, the HNSW candidate list for an index of a given size, the memory an HNSW build wants, and a small
set's vectors in memory for an exact scan (ExactMatrix).

The library's own searches (face sets, persons, groups: which rows, which filter, which index) are in
facesets.search, built on these.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings

HNSW_MAX_EF_SEARCH = 1000  # pgvector's upper bound
# ef_search by index size (rows up to, ef): the most candidates whose p99 stays under 20 ms on 2 cores
# (bench/REPORT.md, ef sweep): 100k faces at 150 -> recall@10 0.993, 15.1 ms p99; 1M at 120 -> 0.950, 18.0 ms.
EF_SEARCH_BY_SIZE = ((200_000, 150), (None, 120))
# The same for the in-process graphs (facesets.search; bench/REPORT.md, graph ef sweep): at 1M faces 800 is the
# smallest list with recall@10 >= 0.99 for two different query sets (0.9955 and 0.9905 at 11 ms p99; 600: 0.9935 and
# 0.984), and a 10 % filter's longer walk stays under 50 ms p99 (41-43 ms).
GRAPH_EF_SEARCH_BY_SIZE = ((200_000, 200), (None, 800))


@dataclass(frozen=True)
class Match:
    """One search hit: the face, its face-set membership row when searched in a set, and the raw cosine similarity."""

    face_pk: int
    cosine: float
    member_pk: int | None = None
    person_pk: int | None = None


def vector_literal(vector: Sequence[float]) -> str:
    """A vector as pgvector's text form, for a `%s::vector` parameter."""
    return "[" + ",".join(f"{float(value):.7g}" for value in vector) + "]"


def ef_search_for(rows: int) -> int:
    """The HNSW candidate list for an index of this many rows: FACELIB_HNSW_EF_SEARCH when set, else by
    EF_SEARCH_BY_SIZE."""
    if settings.FACELIB_HNSW_EF_SEARCH > 0:
        return int(settings.FACELIB_HNSW_EF_SEARCH)
    return next(ef for most, ef in EF_SEARCH_BY_SIZE if most is None or rows <= most)


def graph_ef_search_for(rows: int) -> int:
    """The candidate list of an in-process graph (recognition.graph) of this many rows: FACELIB_GRAPH_EF_SEARCH when
    set, else by GRAPH_EF_SEARCH_BY_SIZE."""
    if settings.FACELIB_GRAPH_EF_SEARCH > 0:
        return int(settings.FACELIB_GRAPH_EF_SEARCH)
    return next(ef for most, ef in GRAPH_EF_SEARCH_BY_SIZE if most is None or rows <= most)


def build_memory_mb(rows: int, dimensions: int) -> int:
    """Memory to build an HNSW graph in one piece: per row its vector (4 bytes a dimension), its neighbour list on the
    bottom layer (2m entries of 16 bytes) and ~200 bytes of bookkeeping, plus a quarter; at most
    FACELIB_HNSW_BUILD_MEMORY_MAX_MB (8 GB). 1M SFace faces at m=32: ~2.2 GB, where the server's 1 GB default made
    pgvector finish the graph on disk (bench/REPORT.md)."""
    per_row = 4 * dimensions + 2 * int(settings.FACELIB_HNSW_M) * 16 + 200
    wanted = int(rows * per_row * 1.25 / 2**20) + 1
    return min(wanted, int(settings.FACELIB_HNSW_BUILD_MEMORY_MAX_MB))


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (a zero row stays zero), so that cosines are dot products."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if not len(vectors):
        return vectors
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class ExactMatrix:
    """The vectors of a small face set held in memory for an exact scan: ``keys`` (row ids, ascending) and their
    vectors normalised, so the cosine with a query is one matrix-vector product (10,000 x 128 floats: a fraction of a
    millisecond, where PostgreSQL's scan of the same rows takes ~8 ms). ``watermark``: every row with an id up to it is
    held (the highest id held, or lower when given); the caller ranks the rows above it with the candidates. ``newest``:
    the highest id held; ``loaded``: when (time.monotonic) the vectors were read."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray, watermark: int | None = None) -> None:
        order = np.argsort(keys)
        self.keys = np.asarray(keys, dtype=np.int64)[order]
        self.vectors = unit_rows(np.asarray(vectors, dtype=np.float32)[order])
        self.newest = int(self.keys[-1]) if len(self.keys) else 0
        self.watermark = self.newest
        if watermark is not None:  # lower: rows above it may have been committed after these were read
            self.watermark = min(self.watermark, int(watermark))
        self.loaded = time.monotonic()

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.vectors.nbytes

    def nearest(self, vector: Sequence[float], count: int) -> list[int]:
        """The keys of the ``count`` rows nearest to ``vector`` by cosine, nearest first."""
        if not len(self.keys) or count <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        # einsum, not `@`: the BLAS product is 0.1 ms faster but its threads then spin for a while on both cores,
        # taking them from the engine's next photo (the search answer got 15 % slower end to end, bench/REPORT.md).
        scores = np.einsum("ij,j->i", self.vectors, query)
        count = min(count, len(scores))
        best = np.argpartition(-scores, count - 1)[:count]
        best = best[np.argsort(-scores[best])]
        return [int(key) for key in self.keys[best]]
