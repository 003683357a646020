"""Huawei FRS v2 wire formats: request bodies in (JSON or multipart), response bodies out.

Input serializers check shapes only (types, ranges, exclusive inputs); the rules of the library (names, capacities,
field schemas and values, filters) are the services'. A failed input check carries a code that views turn into the
FRS error: required/null/blank -> FRS.0011, not_json -> FRS.0014, base64 -> FRS.0015, empty -> FRS.0016,
too_large -> FRS.0017, anything else -> FRS.0012.

Output serializers render model rows and the workers' results in the field names and scales of the spec (section
5.2) and of huaweicloudsdkfrs' model classes; similarities are calibrated (recognition.calibration.huawei_similarity:
0.93 = same person).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from facesets import fields as field_rules
from facesets.exceptions import ImageInvalid

from ..common.images import image_from_base64, image_from_upload

VALIDATION_CODES = {
    "required": "FRS.0011",
    "null": "FRS.0011",
    "blank": "FRS.0011",
    "not_json": "FRS.0014",
    "base64": "FRS.0015",
    "empty": "FRS.0016",
    "too_large": "FRS.0017",
}
MAX_OFFSET_PLUS_LIMIT = 10_000
# Attribute codes of the spec (1 gender, 2 age, 4 dress, 6 mask, 7 hair, 8 beard, 11 photo type, 12 quality,
# 13 expression, 21 face angle). FaceLib measures quality (blur, illumination, head pose) and estimates none of the
# others, so those are accepted and left out of the answer. Face angle (the photo's quarter-turn rotation) included:
# the detector reads an upside-down face with upright landmarks (roll ~0), so no rotation can honestly be derived.
KNOWN_ATTRIBUTES = frozenset({"1", "2", "4", "6", "7", "8", "11", "12", "13", "21"})
QUALITY = "12"


def first_error(errors) -> tuple[str, str]:
    """(code, "field: message") of the first error in a DRF errors structure."""
    path: list[str] = []
    while isinstance(errors, (dict, list)) and errors:
        if isinstance(errors, dict):
            key = next(iter(errors))
            if key != "non_field_errors":
                path.append(str(key))
            errors = errors[key]
        else:
            errors = errors[0]
    code = getattr(errors, "code", "invalid")
    message = str(errors)
    return code, f"{'.'.join(path)}: {message}" if path else message


# --- input fields ----------------------------------------------------------------------------------------------


def _no_surrogates(value) -> None:
    """DRF's CharField checks every character in Python (ProhibitNull/SurrogateCharactersValidator: ~0.2 s of a
    core per megabyte of base64); encoding does the same check in C. NULs never get here: the base view refuses them
    in any parameter. A base64 field's value is the decoded bytes (its text was checked as base64, ASCII only): there
    is nothing to check, and str() of a photo's bytes cost a millisecond a request."""
    if not isinstance(value, str):
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise serializers.ValidationError("Surrogate characters are not allowed.", code="invalid") from None


class FastText(serializers.CharField):
    """A CharField whose character checks run at C speed (large base64 bodies)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators = [
            validator
            for validator in self.validators
            if type(validator).__name__
            not in ("ProhibitNullCharactersValidator", "ProhibitSurrogateCharactersValidator")
        ] + [_no_surrogates]


class TextField(FastText):
    """A string, as the spec types it: a number or a boolean is refused, not turned into text."""

    default_error_messages = {"invalid": "must be a string"}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Base64ImageField(FastText):
    """An image as base64 text (no line breaks, as the spec asks; missing padding tolerated) -> bytes."""

    default_error_messages = {
        "base64": "is not valid base64",
        "too_large": "the image is larger than the size limit",
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> bytes:
        try:
            return image_from_base64(data, field=self.field_name)
        except ImageInvalid as error:
            self.fail(error.details["reason"])

    def to_representation(self, value):
        return value


class ImageFileField(serializers.FileField):
    """An uploaded image file (multipart) -> bytes, within FACELIB_MAX_IMAGE_BYTES."""

    default_error_messages = {"too_large": "the image file is larger than the size limit"}

    def to_internal_value(self, data) -> bytes:
        try:
            return image_from_upload(super().to_internal_value(data), field=self.field_name)
        except ImageInvalid as error:
            self.fail(error.details["reason"])

    def to_representation(self, value):
        return None


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.Field):
    """A JSON object, given as an object (JSON bodies) or as JSON text (multipart forms)."""

    default_error_messages = {"not_json": "is not valid JSON", "invalid": "must be a JSON object"}

    def to_internal_value(self, data) -> dict:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("not_json")
        if not isinstance(data, dict):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "object", "additionalProperties": {"type": "string", "enum": ["asc", "desc"]}},
    }
)
class SortField(serializers.Field):
    """A 5.4 sort: `[{"field": "asc"|"desc"}, ...]`, or its JSON text (multipart); checked against the face set's
    schema by the selectors."""

    # Braces doubled: DRF formats these messages with str.format.
    default_error_messages = {"invalid": 'must be a JSON array of {{"field": "asc"|"desc"}} objects'}

    def to_internal_value(self, data) -> list:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                self.fail("invalid")
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class ReturnFieldsField(serializers.Field):
    """Names of custom fields: a JSON array, or (multipart) its JSON text or a comma-separated list."""

    default_error_messages = {"invalid": "must be an array of field names"}

    def to_internal_value(self, data) -> list[str]:
        if isinstance(data, str):
            text = data.strip()
            if text.startswith("["):
                try:
                    data = json.loads(text)
                except ValueError:
                    self.fail("invalid")
            else:
                data = [name.strip() for name in text.split(",") if name.strip()]
        if not isinstance(data, list) or not all(isinstance(name, str) for name in data):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class FiniteFloatField(serializers.FloatField):
    def to_internal_value(self, data) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value


def _exactly_one(attrs: dict, names: list[str]) -> None:
    given = [name for name in names if attrs.get(name) not in (None, b"", "")]
    if len(given) > 1:
        raise serializers.ValidationError(
            f"{', '.join(given)} are mutually exclusive; give exactly one of {', '.join(names)}", code="exclusive"
        )
    if not given:
        raise serializers.ValidationError(f"one of {', '.join(names)} is required", code="required")


# --- requests --------------------------------------------------------------------------------------------------


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
        _exactly_one(attrs, self.image_fields)
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
            _exactly_one(attrs, [f"{prefix}_base64", f"{prefix}_url", f"{prefix}_file"])
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
        _exactly_one(attrs, ["video_base64", "video_url", "video_file"])
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


# --- responses -------------------------------------------------------------------------------------------------


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
