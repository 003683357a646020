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
INTEGER_TYPES = ("integer", "long")
FLOAT_TYPES = ("float", "double")
NUMERIC_TYPES = INTEGER_TYPES + FLOAT_TYPES
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
INTEGER_RANGES = {"integer": INT32, "long": INT64}
# A plain decimal number: no suffixes like 1.0f, 100L, 1.0d (refused by the spec), no hex, no inf/nan.
_INTEGER_TEXT_RE = re.compile(r"^[+-]?[0-9]+$")
_FLOAT_TEXT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def schema_problems(definitions: Any) -> tuple[dict[str, str], list[InvalidFieldSchema]]:
    """A field-schema definition normalised to `{name: type}` (in the order given), with every problem found in it,
    in the same order (the dashboard shows them all at once; `validate_schema` raises the first).

    Accepts Huawei's `{"name": {"type": "long"}}` form and the plain `{"name": "long"}` form.
    """
    if definitions in (None, ""):
        return {}, []
    if not isinstance(definitions, dict):
        problem = InvalidFieldSchema("external_fields must be an object of field definitions", field="external_fields")
        return {}, [problem]
    problems: list[InvalidFieldSchema] = []
    if len(definitions) > MAX_FIELDS:
        problems.append(InvalidFieldSchema(f"at most {MAX_FIELDS} custom fields are allowed", field="external_fields"))
    schema: dict[str, str] = {}
    for name, definition in definitions.items():
        if not isinstance(name, str) or not FIELD_KEY_RE.match(name):
            problem = f"field name {name!r} must be 1-36 letters, digits, '_' or '-'"
        elif name in RESERVED_FIELD_NAMES:
            problem = f"field name {name!r} is reserved"
        else:
            field_type = definition.get("type") if isinstance(definition, dict) else definition
            if isinstance(field_type, str) and field_type.lower() in FIELD_TYPES:
                schema[name] = field_type.lower()
                continue
            problem = f"field {name!r} has type {field_type!r}; allowed: {', '.join(FIELD_TYPES)}"
        problems.append(InvalidFieldSchema(problem, field="external_fields", key=name))
    return schema, problems


def validate_schema(definitions: Any) -> dict[str, str]:
    """A field-schema definition normalised to `{name: type}`, or InvalidFieldSchema for its first problem."""
    schema, problems = schema_problems(definitions)
    if problems:
        raise problems[0]
    return schema


def normalize_schema(schema: dict[str, Any] | None) -> dict[str, str]:
    """``{name: type}`` from a stored schema, either ``{name: "long"}`` or Huawei's ``{name: {"type": "long"}}``."""
    result = {}
    for name, spec in (schema or {}).items():
        field_type = spec.get("type") if isinstance(spec, dict) else spec
        field_type = field_type.lower() if isinstance(field_type, str) else field_type
        if field_type not in FIELD_TYPES:
            raise ValueError(f"field {name!r} has unknown type {field_type!r}")
        result[name] = field_type
    return result


# --- the typed expression of a custom field -------------------------------------------------------------------
# One definition serves the filter compiler (Django expressions and raw SQL), the vector search's filtered queries and
# the partial indexes built on each field of a large set: the planner uses an index only for the very same
# expression, so all of them must come from here. Integers compare as bigint, floats as double precision (numeric
# order), booleans as JSON (`-> 'name' = 'true'::jsonb`), strings as text.
_SQL_CASTS = {"integer": "bigint", "long": "bigint", "float": "double precision", "double": "double precision"}


def field_expression_sql(field_type: str, *, column: str = "external_fields", name: str = "%s") -> str:
    """The typed SQL expression of a custom field of `field_type` stored in the JSON `column`; `name` is the SQL
    that gives the field's name (a `%s` parameter by default)."""
    if field_type not in FIELD_TYPES:
        raise ValueError(f"unknown field type {field_type!r}")
    if field_type == "boolean":
        return f"({column} -> {name})"
    cast = _SQL_CASTS.get(field_type)
    return f"(({column} ->> {name}))::{cast}" if cast else f"({column} ->> {name})"


def field_expression(name: str, field_type: str, *, column: str = "external_fields"):
    """The same expression as a Django expression over a model's JSON `column` (it compiles to the SQL above)."""
    from django.db.models import BigIntegerField, FloatField
    from django.db.models.fields.json import KeyTextTransform, KeyTransform
    from django.db.models.functions import Cast

    if field_type not in FIELD_TYPES:
        raise ValueError(f"unknown field type {field_type!r}")
    if field_type == "boolean":
        return KeyTransform(name, column)
    text = KeyTextTransform(name, column)
    if field_type in INTEGER_TYPES:
        return Cast(text, BigIntegerField())
    return Cast(text, FloatField()) if field_type in FLOAT_TYPES else text


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
        low, high = INTEGER_RANGES[field_type]
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


def value_problems(schema: dict[str, str], values: Any) -> tuple[dict[str, Any], list[InvalidFieldValue]]:
    """A face's custom-field values converted by its face set's schema, with every problem found (unknown keys, wrong
    types), in the order the values were given."""
    if values in (None, ""):
        return {}, []
    if not isinstance(values, dict):
        problem = InvalidFieldValue("external_fields must be an object", field="external_fields", reason="not_object")
        return {}, [problem]
    cleaned: dict[str, Any] = {}
    problems: list[InvalidFieldValue] = []
    for name, value in values.items():
        if name not in schema:
            problems.append(
                InvalidFieldValue(
                    f"external_fields.{name} is not defined in the face set",
                    field="external_fields",
                    key=name,
                    reason="undefined",
                )
            )
            continue
        try:
            cleaned[name] = coerce_value(name, schema[name], value)
        except InvalidFieldValue as problem:
            problems.append(problem)
    return cleaned, problems


def validate_values(schema: dict[str, str], values: Any) -> dict[str, Any]:
    """A face's custom-field values checked against its face set's schema: unknown keys and wrong types refused (the
    first problem is raised)."""
    cleaned, problems = value_problems(schema, values)
    if problems:
        raise problems[0]
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
