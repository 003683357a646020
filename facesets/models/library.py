"""The face library: face sets with their typed field schema, persons, groups, images and faces."""

from __future__ import annotations

import secrets
import string

from django.db import models
from pgvector.django import VectorField

from .projects import Project, new_hex_id

LETTERS = string.ascii_letters


def new_face_id() -> str:
    """Eight random upper- and lower-case letters (Huawei's face_id format)."""
    return "".join(secrets.choice(LETTERS) for _ in range(8))


def new_face_set_id() -> str:
    """Eight random characters (Huawei's face_set_id format)."""
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(8))


class FieldSchemaField(models.JSONField):
    """A face set's field schema `{name: type}` that keeps the order the fields were defined in.

    PostgreSQL's jsonb stores an object's keys sorted (shortest first), so a schema typed as name, age, city came back
    as age, city, name on every form and listing. Stored as a list of `[name, type]` pairs, whose order jsonb keeps;
    read back as a dict in that order. A schema stored as an object (before this field) still reads."""

    def get_prep_value(self, value):
        if isinstance(value, dict):
            value = [[name, field_type] for name, field_type in value.items()]
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, list):
            return {pair[0]: pair[1] for pair in value if isinstance(pair, list) and len(pair) == 2}
        return value


class FaceSet(models.Model):
    """A searchable collection of faces with a typed custom-field schema.

    `field_schema` maps each custom field's name to its type (string, integer, long, float, double, boolean); the
    values of a face live in FaceSetMember.external_fields and are validated against it on every write.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="face_sets")
    face_set_id = models.CharField(max_length=8, unique=True, default=new_face_set_id, editable=False)
    # Face++'s id of the set (32 lowercase hex) and the client's own id, display name and tags for it.
    faceset_token = models.CharField(max_length=32, unique=True, default=new_hex_id, editable=False)
    outer_id = models.CharField(max_length=255, null=True, blank=True)
    display_name = models.CharField(max_length=256, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    name = models.CharField(max_length=64)
    capacity = models.PositiveIntegerField(default=100_000)
    field_schema = FieldSchemaField(default=dict, blank=True)
    user_data = models.TextField(blank=True, default="")
    # Faces in the set, kept by the services so listing and capacity checks need no count(*).
    face_count = models.PositiveIntegerField(default=0)
    # Name of the partial HNSW index built for this set once it outgrew an exact scan ("" = exact scan).
    vector_index = models.CharField(max_length=63, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="unique_face_set_name"),
            models.UniqueConstraint(fields=["project", "outer_id"], name="unique_face_set_outer_id"),
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A person: faces that belong to one identity. `uid` is an id chosen by the client (Baidu's uid)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="persons")
    person_id = models.CharField(max_length=32, unique=True, default=new_hex_id, editable=False)
    uid = models.CharField(max_length=128, null=True, blank=True)
    name = models.CharField(max_length=256, blank=True, default="")
    user_data = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "uid"], name="unique_person_uid")]
        indexes = [models.Index(fields=["project", "name"])]

    def __str__(self) -> str:
        return self.name or self.uid or self.person_id


class Group(models.Model):
    """A named set of persons (SenseTime group, Baidu group). `outer_id` is an id chosen by the client."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="groups")
    group_id = models.CharField(max_length=32, unique=True, default=new_hex_id, editable=False)
    outer_id = models.CharField(max_length=128, null=True, blank=True)
    name = models.CharField(max_length=256, blank=True, default="")
    user_data = models.TextField(blank=True, default="")
    persons = models.ManyToManyField(Person, related_name="groups", blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "outer_id"], name="unique_group_outer_id")]

    def __str__(self) -> str:
        return self.name or self.outer_id or self.group_id


class Image(models.Model):
    """An analysed photo: its size, orientation, user data and the faces found in it.

    The photo itself is kept only when the operator enables FACELIB_KEEP_PHOTOS.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="images")
    image_id = models.CharField(max_length=32, unique=True, default=new_hex_id, editable=False)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=16, blank=True, default="")
    exif_orientation = models.PositiveSmallIntegerField(null=True, blank=True)
    rotate = models.SmallIntegerField(default=0)
    user_data = models.TextField(blank=True, default="")
    photo = models.BinaryField(null=True, blank=True, editable=False)
    # SHA-256 of the uploaded bytes: tells "this photo was already added" (Baidu's 216616) without keeping it.
    content_sha256 = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.image_id


class Face(models.Model):
    """One detected face: where it is, how good it is, whose it is, and (through Embedding) what it looks like.

    A face that was only detected and never added to a face set or a person has `expires` set; the periodic purge
    removes it then. Adding it anywhere clears `expires`.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="faces")
    face_id = models.CharField(max_length=8, unique=True, default=new_face_id, editable=False)
    # Face++'s id of the face (32 lowercase hex) and the client's label for it (Face++ `user_id`).
    face_token = models.CharField(max_length=32, unique=True, default=new_hex_id, editable=False)
    user_id = models.CharField(max_length=255, blank=True, default="", db_default="")
    image = models.ForeignKey(Image, on_delete=models.SET_NULL, null=True, blank=True, related_name="faces")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="faces")
    external_image_id = models.CharField(max_length=36, blank=True, default="", db_index=True)
    # Bounding box in the (orientation-corrected) image, pixels.
    box_x = models.IntegerField()
    box_y = models.IntegerField()
    box_width = models.PositiveIntegerField()
    box_height = models.PositiveIntegerField()
    # Five points: left eye, right eye, nose tip, left mouth corner, right mouth corner, as [[x, y], ...].
    landmarks = models.JSONField(default=list)
    detection_score = models.FloatField()
    # Measured quality: blur, illumination, size and head pose (yaw, pitch, roll) — see recognition.engine.
    quality = models.JSONField(default=dict)
    # The face analysis (dense mesh, head pose, eyes, mouth; recognition.analysis), kept when a caller asked for it.
    analysis = models.JSONField(null=True, blank=True)
    crop_jpeg = models.BinaryField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["project", "external_image_id"])]

    def __str__(self) -> str:
        return self.face_id

    @property
    def bounding_box(self) -> dict[str, int]:
        return {
            "top_left_x": self.box_x,
            "top_left_y": self.box_y,
            "width": self.box_width,
            "height": self.box_height,
        }


class FaceSetMember(models.Model):
    """A face's membership in a face set, with its typed custom-field values.

    A face may join several sets (Face++, SenseTime). The member row carries a copy of the face's vector so that a
    face-set search is scope + field filter + order by distance + limit over one table, which a per-set partial
    HNSW index can serve.
    """

    face_set = models.ForeignKey(FaceSet, on_delete=models.CASCADE, related_name="members")
    face = models.ForeignKey(Face, on_delete=models.CASCADE, related_name="memberships")
    external_fields = models.JSONField(default=dict, blank=True)
    model = models.CharField(max_length=64)
    vector = VectorField()
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["face_set", "face"], name="unique_face_set_member")]
        # The rows a set's graph file does not hold yet are those above its watermark (facesets.search).
        indexes = [models.Index(fields=["face_set", "id"], name="fsm_set_id")]

    def __str__(self) -> str:
        return f"{self.face_id} in {self.face_set_id}"
