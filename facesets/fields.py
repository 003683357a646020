"""Typed custom fields of a face set (Huawei's `external_fields`): schema and value validation.

Shaped like NetBox's custom fields: a per-face-set definition with a type, the values of a face in one JSON column,
validated by the definition on every write. Rules from the Huawei FRS spec, section 5.3.
"""

from __future__ import annotations

import math
import re
from typing import Any

from .exceptions import InvalidExternalImageId, InvalidFieldSchema, InvalidFieldValue

FIELD_TYPES = ("string", "integer", "long", "float", "double", "boolean")
NUMERIC_TYPES = ("integer", "long", "float", "double")
MAX_FIELDS = 10
FIELD_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
STRING_VALUE_MAX = 256
EXTERNAL_IMAGE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
RESERVED_FIELD_NAMES = frozenset(
    {
        "vector",
        "bounding_box",
        "external_image_id",
        "face_id",
        "create_time",
        "similarity",
        "_id",
        "_all",
        "_source",
    }
)
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
# A plain decimal number: no suffixes like 1.0f, 100L, 1.0d (refused by the spec), no hex, no inf/nan.
_INTEGER_TEXT_RE = re.compile(r"^[+-]?[0-9]+$")
_FLOAT_TEXT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def validate_schema(definitions: Any) -> dict[str, str]:
    """Normalise a field-schema definition to `{name: type}`.

    Accepts Huawei's `{"name": {"type": "long"}}` form and the plain `{"name": "long"}` form.
    """
    if definitions in (None, ""):
        return {}
    if not isinstance(definitions, dict):
        raise InvalidFieldSchema("external_fields must be an object of field definitions", field="external_fields")
    if len(definitions) > MAX_FIELDS:
        raise InvalidFieldSchema(f"at most {MAX_FIELDS} custom fields are allowed", field="external_fields")
    schema: dict[str, str] = {}
    for name, definition in definitions.items():
        if not isinstance(name, str) or not FIELD_KEY_RE.match(name):
            raise InvalidFieldSchema(
                f"field name {name!r} must be 1-36 letters, digits, '_' or '-'", field="external_fields"
            )
        if name in RESERVED_FIELD_NAMES:
            raise InvalidFieldSchema(f"field name {name!r} is reserved", field="external_fields")
        field_type = definition.get("type") if isinstance(definition, dict) else definition
        if not isinstance(field_type, str) or field_type.lower() not in FIELD_TYPES:
            raise InvalidFieldSchema(
                f"field {name!r} has type {field_type!r}; allowed: {', '.join(FIELD_TYPES)}", field="external_fields"
            )
        schema[name] = field_type.lower()
    return schema


def schema_as_definitions(schema: dict[str, str]) -> dict[str, dict[str, str]]:
    """The schema in Huawei's wire form `{"name": {"type": "long"}}`."""
    return {name: {"type": field_type} for name, field_type in schema.items()}


def coerce_value(name: str, field_type: str, value: Any) -> Any:
    """One value converted to its field's type, or InvalidFieldValue."""

    def bad(reason: str) -> InvalidFieldValue:
        return InvalidFieldValue(f"external_fields.{name}: {reason}", field="external_fields", key=name, reason="type")

    if field_type == "string":
        if not isinstance(value, str):
            raise bad("must be a string")
        if not 1 <= len(value) <= STRING_VALUE_MAX:
            raise bad(f"string length must be 1-{STRING_VALUE_MAX}")
        return value
    if field_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad("must be a boolean")
    if isinstance(value, bool):
        raise bad(f"must be a {field_type}, not a boolean")
    if field_type in ("integer", "long"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str):
            if not _INTEGER_TEXT_RE.match(value.strip()):
                raise bad(f"{value!r} is not a plain {field_type}")
            value = int(value.strip())
        if not isinstance(value, int):
            raise bad(f"must be an {field_type}")
        low, high = INT32 if field_type == "integer" else INT64
        if not low <= value <= high:
            raise bad(f"out of range for {field_type}")
        return value
    # float / double
    if isinstance(value, str):
        if not _FLOAT_TEXT_RE.match(value.strip()):
            raise bad(f"{value!r} is not a plain {field_type}")
        value = float(value.strip())
    if not isinstance(value, (int, float)):
        raise bad(f"must be a {field_type}")
    value = float(value)
    if not math.isfinite(value):
        raise bad("must be finite")
    return value


def validate_values(schema: dict[str, str], values: Any) -> dict[str, Any]:
    """A face's custom-field values checked against its face set's schema: unknown keys and wrong types refused."""
    if values in (None, ""):
        return {}
    if not isinstance(values, dict):
        raise InvalidFieldValue("external_fields must be an object", field="external_fields", reason="not_object")
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name not in schema:
            raise InvalidFieldValue(
                f"external_fields.{name} is not defined in the face set",
                field="external_fields",
                key=name,
                reason="undefined",
            )
        cleaned[name] = coerce_value(name, schema[name], value)
    return cleaned


def validate_external_image_id(value: Any) -> str:
    if not isinstance(value, str) or not EXTERNAL_IMAGE_ID_RE.match(value):
        raise InvalidExternalImageId(
            "external_image_id must be 1-36 letters, digits, '_' or '-'", field="external_image_id"
        )
    return value


_EXTERNAL_IMAGE_ID_BAD_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


def external_image_id_from_filename(filename: str, *, prefix: str = "") -> str:
    """An external_image_id (1-36 of [A-Za-z0-9_-]) made from a file name: the name without its folder and extension,
    other characters replaced by '_', prefixed (e.g. with a person's folder) and cut to 36 characters. A name with
    nothing usable left gives "" (the enrolment then generates an id). Over-long names keep their start and end a
    short hash of the whole name, so two long names differing only at the end still get different ids."""
    import hashlib
    import posixpath

    base = posixpath.basename(filename.replace("\\", "/"))
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    parts = [_EXTERNAL_IMAGE_ID_BAD_CHARS.sub("_", part).strip("_") for part in (prefix, stem)]
    value = "_".join(part for part in parts if part)
    if len(value) > 36:
        digest = hashlib.sha1(f"{prefix}/{base}".encode()).hexdigest()[:8]
        value = value[:27] + "-" + digest
    return value
