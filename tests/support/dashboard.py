"""Users, projects and memberships for dashboard tests, and a face in a face set made without the engine."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from facesets.models import Face, FaceSet, FaceSetMember, Project
from facesets.services.projects import project_get_or_create, project_member_set

PASSWORD = "correct horse battery staple"


@dataclass
class Team:
    project: Project
    admin: object
    viewer: object


def make_team(name: str = "acme") -> Team:
    """A project with an admin and a viewer (passwords: PASSWORD)."""
    users = get_user_model()
    project = project_get_or_create(name=name)
    admin = users.objects.create_user(f"{name}-admin", password=PASSWORD)
    viewer = users.objects.create_user(f"{name}-viewer", password=PASSWORD)
    project_member_set(project=project, user=admin, role="admin")
    project_member_set(project=project, user=viewer, role="viewer")
    return Team(project=project, admin=admin, viewer=viewer)


def face_in_set(project, face_set, *, external_image_id="photo", fields=None, person=None):
    """A face with a member row, without running the engine (a tiny crop and a unit vector are enough here)."""
    face = Face.objects.create(
        project=project,
        external_image_id=external_image_id,
        box_x=1,
        box_y=2,
        box_width=30,
        box_height=40,
        landmarks=[[0, 0]] * 5,
        detection_score=0.9,
        crop_jpeg=b"\xff\xd8\xff fake jpeg",
        person=person,
    )
    FaceSetMember.objects.create(
        face_set=face_set, face=face, external_fields=fields or {}, model="test", vector=[1.0] + [0.0] * 127
    )
    FaceSet.objects.filter(pk=face_set.pk).update(face_count=face_set.members.count())
    face_set.refresh_from_db()
    return face
