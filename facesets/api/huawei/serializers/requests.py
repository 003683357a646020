"""Huawei FRS v2 request bodies (JSON or multipart), one serializer per operation."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers

from facesets import fields as field_rules
from facesets.exceptions import ImageInvalid

from ...common.images import image_from_base64, image_from_upload
from .fields import (
    KNOWN_ATTRIBUTES,
    MAX_OFFSET_PLUS_LIMIT,
    Base64ImageField,
    FastText,
    FiniteFloatField,
    ImageFileField,
    JSONObjectField,
    ReturnFieldsField,
    SortField,
    TextField,
    exactly_one,
)


class HuaweiTypeInfoSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=field_rules.FIELD_TYPES)


class HuaweiCreateFaceSetRequestSerializer(serializers.Serializer):
    face_set_name = TextField(trim_whitespace=False, allow_blank=True)
    face_set_capacity = serializers.IntegerField(required=False)
    external_fields = serializers.DictField(
        child=HuaweiTypeInfoSerializer(),
        required=False,
        help_text='custom field definitions, e.g. {"age": {"type": "integer"}}: at most 10; types string, integer, '
        "long, float, double, boolean",
    )

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)
        # The schema is the service's to check (reserved names, key syntax, types); only the shape is checked here.
        values = super().to_internal_value({key: value for key, value in data.items() if key != "external_fields"})
        if "external_fields" in data:
            values["external_fields"] = data["external_fields"]
        return values


class ImageInputSerializer(serializers.Serializer):
    """image_base64 / image_url / image_file: exactly one."""

    image_base64 = Base64ImageField(required=False)
    image_url = TextField(required=False, trim_whitespace=False)
    image_file = ImageFileField(required=False)
    image_fields = ["image_base64", "image_url", "image_file"]

    def validate(self, attrs):
        exactly_one(attrs, self.image_fields)
        return attrs


class HuaweiAddFacesRequestSerializer(ImageInputSerializer):
    external_image_id = TextField(required=False, trim_whitespace=False, allow_blank=True)
    external_fields = JSONObjectField(required=False, help_text="values of the face set's custom fields")
    single = serializers.BooleanField(required=False, default=False)


class HuaweiShowFacesQuerySerializer(serializers.Serializer):
    offset = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, default=5)
    face_id = TextField(required=False, trim_whitespace=False)

    def validate(self, attrs):
        if "face_id" in self.initial_data and ("offset" in self.initial_data or "limit" in self.initial_data):
            raise serializers.ValidationError("face_id and offset/limit are mutually exclusive", code="exclusive")
        if attrs["offset"] + attrs["limit"] > MAX_OFFSET_PLUS_LIMIT:
            raise serializers.ValidationError(f"offset + limit must not exceed {MAX_OFFSET_PLUS_LIMIT}", code="range")
        return attrs


class HuaweiUpdateFaceRequestSerializer(serializers.Serializer):
    face_id = TextField(trim_whitespace=False)
    external_image_id = TextField(required=False, trim_whitespace=False, allow_blank=True)
    external_fields = JSONObjectField(required=False)

    def validate(self, attrs):
        if "external_image_id" not in attrs and "external_fields" not in attrs:
            raise serializers.ValidationError("give external_image_id and/or external_fields", code="required")
        return attrs


class HuaweiBatchDeleteRequestSerializer(serializers.Serializer):
    filter = TextField(trim_whitespace=False, help_text="a filter in the syntax of spec section 5.5")


class HuaweiSearchRequestSerializer(ImageInputSerializer):
    face_id = TextField(required=False, trim_whitespace=False)
    top_n = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=10)
    threshold = FiniteFloatField(required=False, min_value=0.0, max_value=1.0, default=0.0)
    sort = SortField(required=False, help_text='[{"field": "asc"|"desc"}] on numeric custom fields')
    filter = TextField(required=False, trim_whitespace=False, allow_blank=True)
    return_fields = ReturnFieldsField(required=False, help_text="custom fields to return (all when absent)")
    image_fields = ["image_base64", "image_url", "image_file", "face_id"]


class HuaweiDetectRequestSerializer(ImageInputSerializer):
    attributes = TextField(
        required=False,
        allow_blank=True,
        help_text="comma-separated attribute codes; FaceLib answers 12 (quality: blur, pose, illumination) and "
        "leaves the others out",
    )

    def validate_attributes(self, value: str) -> set[str]:
        codes = {code.strip() for code in value.split(",") if code.strip()}
        unknown = sorted(codes - KNOWN_ATTRIBUTES)
        if unknown:
            raise serializers.ValidationError(f"unknown attribute {unknown[0]!r}", code="invalid")
        return codes


class HuaweiCompareRequestSerializer(serializers.Serializer):
    image1_base64 = Base64ImageField(required=False)
    image1_url = TextField(required=False, trim_whitespace=False)
    image1_file = ImageFileField(required=False)
    image2_base64 = Base64ImageField(required=False)
    image2_url = TextField(required=False, trim_whitespace=False)
    image2_file = ImageFileField(required=False)

    def validate(self, attrs):
        for prefix in ("image1", "image2"):
            exactly_one(attrs, [f"{prefix}_base64", f"{prefix}_url", f"{prefix}_file"])
        return attrs


VIDEO_MAX_BYTES = 8 * 1024 * 1024  # the spec: at most 8 MB, as a file or as base64 text


class Base64VideoField(FastText):
    """A clip as base64 text (at most 8 MB of text) -> bytes."""

    default_error_messages = {"base64": "is not valid base64", "too_large": "the video is larger than 8 MB"}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> bytes:
        if not isinstance(data, str):
            self.fail("invalid")
        if len(data) > VIDEO_MAX_BYTES:
            self.fail("too_large")
        try:
            return image_from_base64(data, field=self.field_name, max_bytes=VIDEO_MAX_BYTES)
        except ImageInvalid as error:
            self.fail(error.details["reason"])

    def to_representation(self, value):
        return value


class VideoFileField(serializers.FileField):
    """An uploaded clip (multipart) -> bytes, at most 8 MB."""

    default_error_messages = {"too_large": "the video file is larger than 8 MB"}

    def to_internal_value(self, data) -> bytes:
        try:
            return image_from_upload(super().to_internal_value(data), field=self.field_name, max_bytes=VIDEO_MAX_BYTES)
        except ImageInvalid as error:
            self.fail(error.details["reason"])

    def to_representation(self, value):
        return None


class HuaweiLiveDetectRequestSerializer(serializers.Serializer):
    video_base64 = Base64VideoField(required=False, help_text="the clip as base64 (at most 8 MB)")
    video_url = TextField(required=False, trim_whitespace=False, help_text="http(s) address of the clip")
    video_file = VideoFileField(required=False, help_text="the clip (multipart)")
    actions = TextField(help_text="comma-separated: 1 turn left, 2 turn right, 3 nod, 4 mouth, 5 blink (at most 10)")
    action_time = TextField(required=False, allow_blank=True, help_text='one "start-end" (ms) per action')
    nod_threshold = serializers.FloatField(required=False, min_value=1, max_value=90, help_text="degrees, 1-90")

    def validate(self, attrs):
        exactly_one(attrs, ["video_base64", "video_url", "video_file"])
        return attrs


class LiveDetectWarningSerializer(serializers.Serializer):
    warningCode = serializers.IntegerField()  # noqa: N815 - the wire's own name
    warningMsg = serializers.CharField()  # noqa: N815


class LiveDetectActionSerializer(serializers.Serializer):
    action = serializers.IntegerField()
    confidence = serializers.FloatField()


class LiveDetectVideoResultSerializer(serializers.Serializer):
    alive = serializers.BooleanField()
    actions = LiveDetectActionSerializer(many=True)
    picture = serializers.CharField(help_text="JPEG (base64) of the largest face from the best frame; may be empty")


class HuaweiLiveDetectResponseSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "video-result": LiveDetectVideoResultSerializer(),
            "warning-list": LiveDetectWarningSerializer(many=True),
        }


class HuaweiTokenRequestSerializer(serializers.Serializer):
    """The IAM password body: {"auth": {"identity": {"methods": ["password"], "password": {"user": {"name",
    "password", "domain": {"name"}}}}, "scope": {"project": {"name" | "id"}}}}."""

    auth = serializers.DictField()

    def validate_auth(self, auth: dict) -> dict:
        identity = auth.get("identity")
        scope = auth.get("scope")
        if not isinstance(identity, dict) or not isinstance(scope, dict):
            raise serializers.ValidationError("auth.identity and auth.scope are required", code="required")
        if "password" not in (identity.get("methods") or []):
            raise serializers.ValidationError("only the password method is supported", code="invalid")
        user = (identity.get("password") or {}).get("user")
        if not isinstance(user, dict) or not isinstance(user.get("name"), str) or not user["name"]:
            raise serializers.ValidationError("auth.identity.password.user needs name and password", code="required")
        if not isinstance(user.get("password"), str):
            raise serializers.ValidationError("auth.identity.password.user needs name and password", code="required")
        project = scope.get("project")
        if not isinstance(project, dict) or not (project.get("name") or project.get("id")):
            raise serializers.ValidationError("a project scope (name or id) is required", code="required")
        if any(not isinstance(project.get(key), str | None) for key in ("name", "id")):
            raise serializers.ValidationError("the project's name and id are strings", code="invalid")
        return {
            "username": user["name"],
            "password": user["password"],
            "project_name": project.get("name"),
            "project_id": project.get("id"),
        }
