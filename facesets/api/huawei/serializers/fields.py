"""The input checks the Huawei request bodies share: the FRS codes of failed checks, text, base64 and file fields,
JSON objects, sort and return_fields lists."""

from __future__ import annotations

import json
import math

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from facesets.exceptions import ImageInvalid

from ...common.images import image_from_base64, image_from_upload

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


def exactly_one(attrs: dict, names: list[str]) -> None:
    given = [name for name in names if attrs.get(name) not in (None, b"", "")]
    if len(given) > 1:
        raise serializers.ValidationError(
            f"{', '.join(given)} are mutually exclusive; give exactly one of {', '.join(names)}", code="exclusive"
        )
    if not given:
        raise serializers.ValidationError(f"one of {', '.join(names)} is required", code="required")
