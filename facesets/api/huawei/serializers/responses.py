"""Huawei FRS v2 response bodies, in the field names and scales of the spec and the SDK's model classes."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from facesets import fields as field_rules

from .fields import (
    QUALITY,
)


class HuaweiErrorSerializer(serializers.Serializer):
    error_code = serializers.CharField()
    error_msg = serializers.CharField()


class HuaweiBoundingBoxSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    top_left_y = serializers.IntegerField()
    top_left_x = serializers.IntegerField()
    height = serializers.IntegerField()


def box_dict(box) -> dict[str, int]:
    """[x, y, width, height] -> the spec's BoundingBox."""
    x, y, width, height = (int(value) for value in box)
    return {"width": width, "top_left_y": y, "top_left_x": x, "height": height}


class HuaweiFaceSetInfoSerializer(serializers.Serializer):
    face_number = serializers.IntegerField(source="face_count")
    external_fields = serializers.SerializerMethodField()
    face_set_id = serializers.CharField()
    face_set_name = serializers.CharField(source="name")
    create_date = serializers.SerializerMethodField()
    face_set_capacity = serializers.IntegerField(source="capacity")

    def get_external_fields(self, face_set) -> dict[str, dict[str, str]]:
        return field_rules.schema_as_definitions(face_set.field_schema or {})

    def get_create_date(self, face_set) -> str:
        return timezone.localtime(face_set.created).strftime("%Y-%m-%d %H:%M:%S")


class HuaweiFaceSetInfoResponseSerializer(serializers.Serializer):
    face_set_info = HuaweiFaceSetInfoSerializer()


class HuaweiFaceSetsInfoResponseSerializer(serializers.Serializer):
    face_sets_info = HuaweiFaceSetInfoSerializer(many=True)


class HuaweiDeleteFaceSetResponseSerializer(serializers.Serializer):
    face_set_name = serializers.CharField()


class HuaweiFaceSetFaceSerializer(serializers.Serializer):
    """A FaceSetMember as the spec's FaceSetFace."""

    bounding_box = HuaweiBoundingBoxSerializer(source="face.bounding_box")
    external_fields = serializers.DictField()
    external_image_id = serializers.CharField(source="face.external_image_id")
    face_id = serializers.CharField(source="face.face_id")


class HuaweiFacesResponseSerializer(serializers.Serializer):
    """{"face_set_id", "face_set_name", "faces"} (add faces, show faces)."""

    face_set_id = serializers.CharField(source="face_set.face_set_id")
    face_set_name = serializers.CharField(source="face_set.name")
    faces = HuaweiFaceSetFaceSerializer(many=True, source="members")


class HuaweiFaceNumberResponseSerializer(serializers.Serializer):
    """{"face_number", "face_set_id", "face_set_name"} (update, delete, batch delete)."""

    face_number = serializers.IntegerField()
    face_set_id = serializers.CharField(source="face_set.face_set_id")
    face_set_name = serializers.CharField(source="face_set.name")


class HuaweiSearchFaceSerializer(serializers.Serializer):
    """A search hit {"member", "similarity", "fields"} as the spec's SearchFace."""

    bounding_box = HuaweiBoundingBoxSerializer(source="member.face.bounding_box")
    similarity = serializers.FloatField()
    external_fields = serializers.DictField(source="fields")
    external_image_id = serializers.CharField(source="member.face.external_image_id")
    face_id = serializers.CharField(source="member.face.face_id")


class HuaweiSearchResponseSerializer(serializers.Serializer):
    faces = HuaweiSearchFaceSerializer(many=True)


class _WithoutAbsent(serializers.Serializer):
    """Leaves out the keys whose value is absent (attributes not asked for, measures FaceLib does not make)."""

    def to_representation(self, instance):
        return {key: value for key, value in super().to_representation(instance).items() if value is not None}


class HuaweiFaceQualitySerializer(_WithoutAbsent):
    """Quality problems 0..1 (larger = worse): blur, pose, illumination. FaceLib estimates no occlusion and gives
    no total score, so those are left out."""

    blur = serializers.FloatField(required=False)
    pose = serializers.FloatField(required=False)
    illumination = serializers.FloatField(required=False)


class HuaweiAttributesSerializer(_WithoutAbsent):
    """The spec's Attributes with only what FaceLib measures: quality."""

    quality = HuaweiFaceQualitySerializer(required=False, allow_null=True)


class HuaweiDetectFaceSerializer(_WithoutAbsent):
    bounding_box = HuaweiBoundingBoxSerializer()
    attributes = HuaweiAttributesSerializer(required=False, allow_null=True)


class HuaweiDetectResponseSerializer(serializers.Serializer):
    faces = HuaweiDetectFaceSerializer(many=True)


class HuaweiCompareFaceSerializer(serializers.Serializer):
    bounding_box = HuaweiBoundingBoxSerializer()


class HuaweiCompareResponseSerializer(serializers.Serializer):
    image1_face = HuaweiCompareFaceSerializer()
    image2_face = HuaweiCompareFaceSerializer()
    similarity = serializers.FloatField(help_text="0..1; above 0.93 the two faces are taken as the same person")


class HuaweiTokenResponseSerializer(serializers.Serializer):
    token = serializers.DictField(help_text="expires_at, issued_at, methods, user, project, roles (IAM's shape)")


def detected_face(summary: dict, attributes: set[str]) -> dict:
    """A face of the image.analyse operation (box, quality with blur/illumination 0..1 good, yaw/pitch/roll degrees)
    as a DetectFace with the attributes asked for that FaceLib measures."""
    face: dict = {"bounding_box": box_dict(summary["box"]), "attributes": None}
    quality = summary.get("quality") or {}
    if QUALITY in attributes:
        angles = (summary.get("analysis") or {}).get("pose") or quality  # the mesh's pose solver, else 5 points
        pose = max(abs(float(angles.get("yaw", 0.0))), abs(float(angles.get("pitch", 0.0))))
        face["attributes"] = {
            "quality": {
                # The engine scores sharpness and good light (1 = best); the spec scores the problems (1 = worst).
                "blur": round(1.0 - float(quality["blur"]), 3) if "blur" in quality else None,
                "illumination": round(1.0 - float(quality["illumination"]), 3) if "illumination" in quality else None,
                # Head turned sideways or up/down: 0 frontal, 1 at 90 degrees or more.
                "pose": round(min(pose / 90.0, 1.0), 3) if "yaw" in quality or "pitch" in quality else None,
            }
        }
    return face
