"""Face embeddings, tagged with the model that made them so that a model change can re-embed."""

from __future__ import annotations

from django.db import models
from pgvector.django import VectorField


class Embedding(models.Model):
    """A face's vector from one recognition model (L2-normalised, compared by cosine distance).

    Person, group and face-list searches read these; face-set searches read the copy on FaceSetMember.
    """

    face = models.ForeignKey("facesets.Face", on_delete=models.CASCADE, related_name="embeddings")
    model = models.CharField(max_length=64)
    vector = VectorField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["face", "model"], name="unique_face_model_embedding")]
        indexes = [models.Index(fields=["model"])]

    def __str__(self) -> str:
        return f"{self.face_id}/{self.model}"
