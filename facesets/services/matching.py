"""Comparisons between stored faces: a face against another face or a person, a search among faces or in a face set,
the identification of a face among the persons of a group, and "training".

They read the vectors stored when the faces were detected and run no inference. The ones that scan many vectors
are queued as tasks (kinds face.verify, face.search, face.identify, face.training in facesets.services.operations), so
that a caller with a short synchronous budget can collect a slow one later by its task id. The `*_require_faces`
checks run before queueing (an immediate error) and again in the worker (the library may have changed meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from recognition.engine import configured_model_name, cosine_similarity
from recognition.models import Embedding
from recognition.search import Match

from ..exceptions import EmptyFaceSet, EmptyGroup, EmptyPerson, ModelMismatch
from ..models import Face, FaceSet, Group, Person, Project
from ..search import face_set_search, faces_search, group_identify


def current_model_name() -> str:
    """The configured recognition model's name, known from the settings without loading the model (web processes
    compare stored vectors and never need the model itself)."""
    return configured_model_name()


def face_vector(*, face: Face, field: str = "face_id"):
    """The face's vector from the current model; ModelMismatch (naming `field`) when it only has older ones."""
    embedding = Embedding.objects.filter(face=face, model=current_model_name()).only("vector").first()
    if embedding is None:
        raise ModelMismatch(
            f"face {face.face_id} has no vector from the current model {current_model_name()}; detect it again",
            field=field,
        )
    return embedding.vector


def face_compare(*, face: Face, other: Face) -> float:
    """Raw cosine similarity of two faces."""
    return cosine_similarity(face_vector(face=face), face_vector(face=other, field="face2_id"))


def person_require_faces(*, person: Person) -> None:
    """EmptyPerson when the person has no face with a vector of the current model."""
    if not Face.objects.filter(person=person, embeddings__model=current_model_name()).exists():
        raise EmptyPerson(f"person {person.person_id} has no face", field="person_id")


def face_person_compare(*, face: Face, person: Person) -> float:
    """Raw cosine similarity of a face and a person: that of the person's most similar face (as identification
    scores persons)."""
    person_require_faces(person=person)
    matches = faces_search(
        project_pk=person.project_id,
        vector=face_vector(face=face),
        model=current_model_name(),
        limit=1,
        person_pk=person.pk,
    )
    if not matches:
        raise EmptyPerson(f"person {person.person_id} has no face", field="person_id")
    return matches[0].cosine


def face_set_require_faces(*, face_set: FaceSet) -> None:
    """EmptyFaceSet when the face set holds no face."""
    if not FaceSet.objects.filter(pk=face_set.pk, face_count__gt=0).exists():
        raise EmptyFaceSet(f"face set {face_set.face_set_id} holds no face", field="faceset_id")


def face_search_among(
    *, face: Face, limit: int, face_set: FaceSet | None = None, faces: Iterable[Face] | None = None
) -> list[Match]:
    """The `limit` faces most similar to `face`, best first, in a face set or else among a list of faces (the face
    itself is found too when it is among them)."""
    vector = face_vector(face=face)
    if face_set is not None:
        face_set_require_faces(face_set=face_set)
        return face_set_search(face_set=face_set, vector=vector, model=current_model_name(), limit=limit)
    face_pks = [item.pk for item in faces or ()]
    if not face_pks:
        raise EmptyFaceSet("there are no faces to search among", field="face_ids")
    return faces_search(
        project_pk=face.project_id, vector=vector, model=current_model_name(), limit=limit, face_pks=face_pks
    )


def group_require_faces(*, group: Group) -> None:
    """EmptyGroup when the group has no person, or none of its persons has a face."""
    if not Face.objects.filter(person__groups=group, embeddings__model=current_model_name()).exists():
        raise EmptyGroup(f"group {group.group_id} has no person with a face", field="group_id")


def group_identify_face(*, face: Face, group: Group, limit: int) -> list[Match]:
    """The `limit` persons of the group most similar to the face (each scored by their most similar face)."""
    group_require_faces(group=group)
    return group_identify(group_pk=group.pk, vector=face_vector(face=face), model=current_model_name(), limit=limit)


def library_train(
    *,
    project: Project,
    faces: Iterable[Face] = (),
    persons: Iterable[Person] = (),
    face_sets: Iterable[FaceSet] = (),
    groups: Iterable[Group] = (),
) -> dict[str, int]:
    """SenseTime's "training": FaceLib embeds every face when it is detected, so nothing is left to extract. This
    counts the faces in scope (the faces, the persons' faces, the face sets' faces, the groups' persons' faces) and how
    many have a vector of the current model; one without it (from an earlier model) must be detected again."""
    scope = (
        Q(pk__in=[face.pk for face in faces])
        | Q(person__in=[person.pk for person in persons])
        | Q(memberships__face_set__in=[face_set.pk for face_set in face_sets])
        | Q(person__groups__in=[group.pk for group in groups])
    )
    face_pks = set(Face.objects.filter(scope, project=project).values_list("pk", flat=True))
    trained = Embedding.objects.filter(face__in=face_pks, model=current_model_name()).count()
    return {"faces": len(face_pks), "trained": trained}
