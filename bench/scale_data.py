"""Synthetic face-set data that looks like real SFace embeddings, and a fast COPY loader for it.

The generator is fitted on the real embeddings of the labelled photos (bench/faces_data.py):

* ``mean`` — the average embedding. SFace vectors share a common direction, which is why two different people
  score ~0.12 on average rather than 0;
* ``between`` — covariance of the identity centres around that mean, and ``within`` — covariance of the photos of
  one identity around its centre; both estimated from 33 identities / 100 photos in 128 dimensions, so each is
  shrunk half-way towards a multiple of the identity (Ledoit-Wolf style) to stay full-rank;
* two scale factors, solved so that the synthetic genuine (same identity) and impostor (different identities)
  mean cosines match the real ones.

An identity is ``centre = mean + a * L_between @ g``; each of its photos ``normalise(centre + s * L_within @ e)``,
with g, e standard normal. Identities get 2 to 9 photos (uniform, like ``people/``). ``fit_report`` compares the
synthetic and real pair statistics; the report prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DIMENSIONS = 128
SAMPLES_RANGE = (2, 9)
SPREAD_SIGMA = 0.2  # log-sd of the per-identity spread factor (fits the real genuine-cosine sd)
BUCKETS = 1000  # external_fields.bucket is uniform on 0..999: bucket:[0 TO 99] keeps 10 %, bucket:7 keeps 0.1 %


def unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (float32)."""
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def _shrunk_factor(samples: np.ndarray) -> np.ndarray:
    """A square root (Cholesky factor) of the sample covariance shrunk half-way to (trace / d) * I."""
    covariance = np.cov(samples, rowvar=False)
    target = np.trace(covariance) / covariance.shape[0] * np.eye(covariance.shape[0])
    return np.linalg.cholesky(0.5 * covariance + 0.5 * target + 1e-9 * np.eye(covariance.shape[0]))


def pair_stats(vectors: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Mean / sd of genuine and impostor cosines over all pairs (vectors unit length), impostor p99.9."""
    sims = vectors @ vectors.T
    upper = np.triu_indices(len(vectors), 1)
    same = labels[upper[0]] == labels[upper[1]]
    genuine, impostor = sims[upper][same], sims[upper][~same]
    return {
        "genuine_mean": float(genuine.mean()),
        "genuine_sd": float(genuine.std()),
        "impostor_mean": float(impostor.mean()),
        "impostor_sd": float(impostor.std()),
        "impostor_p999": float(np.quantile(impostor, 0.999)),
        "genuine_pairs": int(same.sum()),
        "impostor_pairs": int((~same).sum()),
    }


@dataclass
class FaceModel:
    """A fitted generator of face-like embeddings."""

    mean: np.ndarray
    between: np.ndarray  # Cholesky factor
    within: np.ndarray  # Cholesky factor
    between_scale: float = 1.0
    within_scale: float = 1.0

    @classmethod
    def fit(cls, vectors: np.ndarray, identities: list[str], seed: int = 1) -> FaceModel:
        labels = np.array(identities)
        mean = vectors.mean(axis=0)
        names = sorted(set(identities))
        centres = np.stack([vectors[labels == name].mean(axis=0) for name in names])
        residuals = []
        for name in names:
            rows = vectors[labels == name]
            if len(rows) >= 2:  # the spread around a mean of n photos underestimates the true one by (n-1)/n
                residuals.append((rows - rows.mean(axis=0)) * np.sqrt(len(rows) / (len(rows) - 1)))
        model = cls(mean=mean, between=_shrunk_factor(centres), within=_shrunk_factor(np.concatenate(residuals)))
        model._calibrate(pair_stats(vectors, labels), np.random.default_rng(seed))
        return model

    def _calibrate(self, real: dict[str, float], rng: np.random.Generator) -> None:
        """Solve the two scales so the synthetic genuine and impostor mean cosines match the real ones."""
        for _ in range(6):
            self.within_scale = _bisect(
                lambda s: self._sample_stats(rng, within=s)["genuine_mean"],
                real["genuine_mean"],
                0.05,
                5.0,
                decreasing=True,
            )
            self.between_scale = _bisect(
                lambda a: self._sample_stats(rng, between=a)["impostor_mean"],
                real["impostor_mean"],
                0.05,
                5.0,
                decreasing=True,
            )

    def _sample_stats(self, rng, *, within: float | None = None, between: float | None = None) -> dict[str, float]:
        saved = (self.within_scale, self.between_scale)
        self.within_scale = within if within is not None else self.within_scale
        self.between_scale = between if between is not None else self.between_scale
        vectors, labels = self.sample(rng.spawn(1)[0], identities=400, per_identity=3)
        self.within_scale, self.between_scale = saved
        return pair_stats(vectors, labels)

    def centres(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Identity centres (not normalised)."""
        return self.mean + self.between_scale * rng.standard_normal((count, DIMENSIONS)) @ self.between.T

    def spreads(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Per-identity spread factors: some people vary more between photos than others (real genuine cosines
        have twice the spread a common factor gives)."""
        return np.exp(SPREAD_SIGMA * rng.standard_normal(count))

    def photos(self, rng: np.random.Generator, centres: np.ndarray, spreads: np.ndarray) -> np.ndarray:
        """One unit vector per given centre and spread factor (rows may repeat a centre)."""
        noise = self.within_scale * rng.standard_normal((len(centres), DIMENSIONS)) @ self.within.T
        return unit(centres + noise * spreads[:, None])

    def sample(self, rng, *, identities: int, per_identity: int) -> tuple[np.ndarray, np.ndarray]:
        centres, spreads = self.centres(rng, identities), self.spreads(rng, identities)
        labels = np.repeat(np.arange(identities), per_identity)
        return self.photos(rng, centres[labels], spreads[labels]), labels


def _bisect(function, target: float, low: float, high: float, *, decreasing: bool) -> float:
    for _ in range(18):
        middle = (low + high) / 2
        value = function(middle)
        if (value > target) == decreasing:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def identity_layout(size: int, rng: np.random.Generator) -> np.ndarray:
    """Identity label of each of `size` faces: identities with 2..9 photos each, in runs."""
    counts = rng.integers(SAMPLES_RANGE[0], SAMPLES_RANGE[1] + 1, size=size // 2 + 1)
    labels = np.repeat(np.arange(len(counts)), counts)[:size]
    return labels


def load_face_set(
    face_set,
    model: FaceModel,
    size: int,
    rng: np.random.Generator,
    *,
    chunk: int = 20_000,
    model_name: str = "synthetic",
    keep_count: bool = False,
):
    """COPY `size` synthetic faces into the face set (faces + members with vector and external_fields.bucket).

    ``model_name`` tags the vectors (the engine's name makes them searchable by photo); ``keep_count`` adds to the
    set's face count instead of setting it. Returns (identity centres, spreads, label per face in insertion order,
    first face pk, buckets per face)."""
    from django.db import connection
    from pgvector.psycopg import register_vector
    from psycopg.types.json import Jsonb

    labels = identity_layout(size, rng)
    centres = model.centres(rng, int(labels.max()) + 1)
    spreads = model.spreads(rng, len(centres))
    buckets = rng.integers(0, BUCKETS, size=size)
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM facesets_face")
        first_pk = cursor.fetchone()[0] + 1
        raw = cursor.connection
        register_vector(raw)
        with (
            raw.cursor() as pg,
            pg.copy(
                "COPY facesets_face (id, project_id, face_id, external_image_id, box_x, box_y, box_width, box_height,"
                " landmarks, detection_score, quality, created) FROM STDIN"
            ) as copy,
        ):
            for offset in range(size):
                face_pk = first_pk + offset
                copy.write_row(
                    [
                        face_pk,
                        face_set.project_id,
                        f"{face_pk:08d}"[-8:],
                        f"id{labels[offset]}",
                        0,
                        0,
                        10,
                        10,
                        "[]",
                        1.0,
                        "{}",
                        "2026-01-01T00:00:00Z",
                    ]
                )
        with (
            raw.cursor() as pg,
            pg.copy(
                "COPY facesets_facesetmember (face_set_id, face_id, external_fields, model, vector, added)"
                " FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["bigint", "bigint", "jsonb", "varchar", "vector", "timestamptz"])
            import datetime

            added = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
            for start in range(0, size, chunk):
                stop = min(size, start + chunk)
                vectors = model.photos(rng, centres[labels[start:stop]], spreads[labels[start:stop]])
                for offset, vector in enumerate(vectors):
                    position = start + offset
                    copy.write_row(
                        [
                            face_set.pk,
                            first_pk + position,
                            Jsonb({"bucket": int(buckets[position])}),
                            model_name,
                            vector,
                            added,
                        ]
                    )
        cursor.execute("SELECT setval('facesets_face_id_seq', (SELECT max(id) FROM facesets_face))")
        cursor.execute("ANALYZE facesets_facesetmember")
        cursor.execute("ANALYZE facesets_face")
    face_set.refresh_from_db(fields=["face_count"])
    face_set.face_count = face_set.face_count + size if keep_count else size
    face_set.save(update_fields=["face_count"])
    return centres, spreads, labels, first_pk, buckets
