"""The identity review (selectors.identities) on vectors whose answer is known: two persons made of one identity's
faces are proposed for merging, a face given to the wrong person is flagged with the person it belongs to, and the
scores are the ones the review promises (mean over pairs of persons' faces, median within a person; checked against
every pair computed directly)."""

from __future__ import annotations

import numpy as np
import pytest

from facesets.models import Face
from facesets.selectors.identities import identities_review
from facesets.services import library, projects
from recognition.models import Embedding

MODEL = "synthetic"
THRESHOLD = 0.5


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


@pytest.fixture
def project():
    return projects.project_get_or_create(name="identities")


def _faces(project, person, vectors) -> list[Face]:
    faces = []
    for vector in vectors:
        face = Face.objects.create(
            project=project, person=person, box_x=0, box_y=0, box_width=10, box_height=10, detection_score=1.0
        )
        Embedding.objects.create(face=face, model=MODEL, vector=vector.tolist())
        faces.append(face)
    return faces


@pytest.mark.django_db
def test_a_twice_entered_identity_and_a_stray_face_are_found(project):
    rng = np.random.default_rng(3)
    centres = _unit(rng.normal(size=(4, 128)))

    def samples(identity: int, count: int) -> np.ndarray:
        return _unit(centres[identity] + rng.normal(scale=0.07, size=(count, 128)))

    ann = library.person_create(project=project, name="Ann")
    ann_again = library.person_create(project=project, name="Ann again")
    bob = library.person_create(project=project, name="Bob")
    cy = library.person_create(project=project, name="Cy")
    alone = library.person_create(project=project, name="Alone")
    ann_faces = _faces(project, ann, samples(0, 4))
    ann_again_faces = _faces(project, ann_again, samples(0, 2))
    bob_faces = _faces(project, bob, samples(1, 3))
    stray = _faces(project, bob, samples(2, 1))[0]  # Cy's face given to Bob
    cy_faces = _faces(project, cy, samples(2, 3))
    _faces(project, alone, samples(3, 1))  # one face: nothing to compare it with, never flagged
    Face.objects.create(project=project, box_x=0, box_y=0, box_width=10, box_height=10, detection_score=1.0)

    review = identities_review(project=project, model=MODEL, min_cosine=THRESHOLD)

    assert (review.faces, review.persons) == (14, 5)
    assert [(pair.keep, pair.merge) for pair in review.pairs] == [(ann.pk, ann_again.pk)]  # more faces: kept
    assert [(s.face, s.person, s.closer) for s in review.strays] == [(stray.pk, bob.pk, cy.pk)]

    vectors = {
        face.pk: np.asarray(face.embeddings.get().vector, dtype=np.float64)
        for face in [*ann_faces, *ann_again_faces, *bob_faces, stray, *cy_faces]
    }

    def mean_pair(first: list[Face], second: list[Face]) -> float:
        return float(np.mean([vectors[a.pk] @ vectors[b.pk] for a in first for b in second if a.pk != b.pk]))

    assert review.pairs[0].cosine == pytest.approx(mean_pair(ann_faces, ann_again_faces), abs=1e-5)
    assert review.strays[0].own == pytest.approx(
        float(np.median([vectors[stray.pk] @ vectors[face.pk] for face in bob_faces])), abs=1e-5
    )
    assert review.strays[0].closer_cosine == pytest.approx(mean_pair([stray], cy_faces), abs=1e-5)
    # a stricter threshold than the twice-entered identity's score proposes nothing; a laxer one flags nothing
    assert identities_review(project=project, model=MODEL, min_cosine=review.pairs[0].cosine + 0.01).pairs == []
    assert identities_review(project=project, model=MODEL, min_cosine=review.strays[0].own - 0.01).strays == []
    # another project's persons are never read
    other = projects.project_get_or_create(name="identities-other")
    assert identities_review(project=other, model=MODEL, min_cosine=THRESHOLD).faces == 0


def test_each_faces_median_with_the_rest_of_its_person_is_exact_for_small_and_very_large_persons():
    """Pure computation (no database): the stacked small persons and the blocked very large one (more faces than the
    stack takes) give each face the median of its cosines with its person's other faces, itself left out."""
    from facesets.selectors.identities import _own_medians

    rng = np.random.default_rng(5)
    sizes = [1, 2, 3, 3, 10, 1100]
    labels = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(labels)
    vectors = _unit(rng.normal(size=(len(labels), 16))).astype(np.float32)
    medians = _own_medians(vectors, labels)
    for row in rng.choice(len(labels), size=60, replace=False).tolist() + [int(np.flatnonzero(labels == 0)[0])]:
        others = np.flatnonzero((labels == labels[row]) & (np.arange(len(labels)) != row))
        expected = np.median(vectors[others] @ vectors[row]) if len(others) else np.nan
        assert medians[row] == pytest.approx(expected, abs=1e-5, nan_ok=True)
