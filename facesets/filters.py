"""Huawei FRS filter and sort language (spec sections 5.4 and 5.5) over FaceSetMember.

Filter: a Lucene query over a face set's typed custom fields and the built-ins ``face_id`` and ``external_image_id``
(alias ``externalImageID``) — ``age:[1 TO *] && (title:"quick brown" || (!male:true))``. Supported: single values,
quoted phrases, ranges with ``[]`` (inclusive), ``{}`` (exclusive) or mixed bounds and ``*`` as an open bound,
``age:>=5``-style open ranges, ``field:(a || b)`` field groups, ``&&``/``AND``, ``||``/``OR``, ``!``/``NOT`` (with or
without the parentheses the spec asks for) and parentheses; AND binds tighter than OR. Refused: terms without a
field, implicit operators (``a:1 b:2``), ``+``/``-`` clause modifiers (a signed value ``age:-5`` is fine), wildcards
other than open range bounds, fuzzy, proximity, boost, regex, empty strings, unquoted ``null``, and ranges on
string/boolean fields (PostgreSQL text order depends on the collation, so Lucene's byte order could not be promised).

Parsing is luqum's. Its lexer does not know ``&&``, ``||`` and ``!`` (it reads them as part of terms), so
:func:`_translate_operators` first rewrites them to `` AND ``, `` OR ``, `` NOT `` in one left-to-right scan that
copies quoted phrases and backslash escapes (``\\&``, ``\\!``, ``\\"``) untouched — exactly the strings luqum's
lexer treats as literal text — and keeps a map back to the caller's character positions for error messages.

Semantics: values compare typed — integer/long as ``((external_fields->>'name')::bigint)``, float/double as
``::double precision`` (numeric order; an expression index on the same expression serves it), booleans as JSON
(``external_fields->'name' = 'true'::jsonb``), strings exactly (``external_fields->>'name' = value``). The stored
values are assumed to match the set's schema (the write path validates them), since a cast of a non-numeric value
fails. Negation is two-valued like Lucene: ``!x`` matches every face for which ``x`` does not hold, including faces
without the field (``NOT COALESCE(x, false)``); at top level a missing field simply does not match.

Sort: a JSON array of one-key objects ``[{"age": "desc"}]`` on numeric fields; faces without the field sort last.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, F, JSONField, Q, Value
from django.db.models.expressions import OrderBy
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual
from luqum import tree as lq
from luqum.exceptions import ParseError
from luqum.thread import parse as luqum_parse

from .exceptions import FilterInvalid, SortInvalid
from .fields import (
    FLOAT_TYPES,
    INTEGER_RANGES,
    NUMERIC_TYPES,
    field_expression,
    field_expression_sql,
    normalize_schema,
)

# Built-in fields (filter name -> Face column); they take precedence over custom fields of the same name.
BUILTIN_FIELDS = {
    "face_id": "face_id",
    "external_image_id": "external_image_id",
    "externalImageID": "external_image_id",
}
MAX_FILTER_LENGTH = 16_384
MAX_DEPTH = 200  # syntax tree depth (parentheses included)
MAX_LEVELS = 32  # nested &&, ||, ! (each costs Django many stack frames)
_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ALIAS_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (("&&", " AND "), ("||", " OR "), ("!", " NOT "))
_SQL_OPS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_LOOKUPS = {"eq": Exact, "gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}


class FilterError(FilterInvalid):
    """An invalid filter. ``reason``: syntax, unknown_field, type_mismatch or unsupported."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, field="filter", reason=reason)
        self.reason = reason


class SortError(SortInvalid):
    """An invalid sort. ``reason``: syntax, unknown_field or not_numeric."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, field="sort", reason=reason)
        self.reason = reason


@dataclass(frozen=True)
class Condition:
    """``field op value``; op is eq, gt, gte, lt, lte or exists (``[* TO *]``, value None)."""

    field: str
    type: str
    op: str
    value: Any = None
    builtin: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[FilterExpression, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[FilterExpression, ...]


@dataclass(frozen=True)
class Not:
    item: FilterExpression


FilterExpression = Condition | And | Or | Not


def _translate_operators(text: str) -> tuple[str, list[int]]:
    """Rewrite ``&&``/``||``/``!`` outside phrases and escapes to luqum's keywords; also map new -> old positions."""
    out: list[str] = []
    origin: list[int] = []
    i, in_phrase = 0, False
    while i < len(text):
        chunk = text[i : i + 2] if text[i] == "\\" else text[i]
        if chunk == '"':
            in_phrase = not in_phrase
        elif not in_phrase and (op := next((o for o in _OPERATORS if text.startswith(o[0], i)), None)):
            out.append(op[1])
            origin.extend([i] * len(op[1]))
            i += len(op[0])
            continue
        out.append(chunk)
        origin.extend(range(i, i + len(chunk)))
        i += len(chunk)
    origin.append(len(text))
    return "".join(out), origin


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.S)


def _parse_value(text: str, ftype: str) -> Any:
    """``text`` as a value of ``ftype``; ValueError when it is not one (``1.0f``, ``100L``, out of range, inf)."""
    if ftype in INTEGER_RANGES:
        low, high = INTEGER_RANGES[ftype]
        if not _INT_RE.fullmatch(text) or not low <= int(text) <= high:
            raise ValueError(text)
        return int(text)
    if ftype in FLOAT_TYPES:
        if not _FLOAT_RE.fullmatch(text) or not math.isfinite(float(text)):
            raise ValueError(text)
        return float(text)
    if ftype == "boolean":
        if text.lower() not in ("true", "false"):
            raise ValueError(text)
        return text.lower() == "true"
    return text


class _Converter:
    """Turns a luqum tree into a FilterExpression, checking fields and values against the schema."""

    def __init__(self, schema: dict[str, str], origin: list[int]) -> None:
        self.schema = schema
        self.origin = origin

    def fail(self, code: str, node: lq.Item, message: str) -> FilterError:
        pos = getattr(node, "pos", None)
        where = f" at position {self.origin[min(pos, len(self.origin) - 1)]}" if pos is not None else ""
        return FilterError(code, message + where)

    def convert(
        self, node: lq.Item, field: tuple[str, str, bool] | None, depth: int, levels: int = 0
    ) -> FilterExpression:
        if depth > MAX_DEPTH or levels > MAX_LEVELS:
            raise self.fail("unsupported", node, "the filter is nested too deeply")
        if isinstance(node, (lq.AndOperation, lq.OrOperation)):
            items = tuple(self.convert(child, field, depth + 1, levels + 1) for child in node.children)
            return And(items) if isinstance(node, lq.AndOperation) else Or(items)
        if isinstance(node, lq.Not):
            return Not(self.convert(node.a, field, depth + 1, levels + 1))
        if isinstance(node, lq.BaseGroup):
            return self.convert(node.expr, field, depth + 1, levels)
        if isinstance(node, lq.UnknownOperation):
            raise self.fail("syntax", node.children[1], "missing operator (&&, ||, AND, OR)")
        if isinstance(node, lq.SearchField):
            if field is not None:
                raise self.fail("syntax", node, f"field {node.name!r} inside the value of field {field[0]!r}")
            return self.convert(node.expr, self.resolve(node), depth + 1, levels)
        if field is None:
            if isinstance(node, (lq.Plus, lq.Prohibit)):
                raise self.fail("unsupported", node, "+/- modifiers are not supported; use ! or NOT")
            raise self.fail("syntax", node, "a value needs a field name (field:value)")
        if isinstance(node, lq.Range):
            return self.range(node, field, node.low, node.high, node.include_low, node.include_high)
        if isinstance(node, lq.From):
            return self.range(node, field, node.a, None, node.include, True)
        if isinstance(node, lq.To):
            return self.range(node, field, None, node.a, True, node.include)
        return Condition(field[0], field[1], "eq", self.value(node, field), field[2])

    def resolve(self, node: lq.SearchField) -> tuple[str, str, bool]:
        name = _unescape(node.name)
        if name in BUILTIN_FIELDS:
            return BUILTIN_FIELDS[name], "string", True
        if name not in self.schema:
            raise self.fail("unknown_field", node, f"unknown field {name!r}")
        return name, self.schema[name], False

    def range(
        self,
        node: lq.Item,
        field: tuple[str, str, bool],
        low: lq.Item | None,
        high: lq.Item | None,
        include_low: bool,
        include_high: bool,
    ) -> FilterExpression:
        name, ftype, _ = field
        if ftype not in NUMERIC_TYPES:
            raise self.fail("unsupported", node, f"range queries on {ftype} field {name!r} are not supported")
        parts = []
        for bound, op in ((low, "gte" if include_low else "gt"), (high, "lte" if include_high else "lt")):
            if bound is not None and not (isinstance(bound, lq.Word) and bound.value == "*"):
                parts.append(Condition(name, ftype, op, self.value(bound, field)))
        if not parts:
            return Condition(name, ftype, "exists")
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def value(self, node: lq.Item, field: tuple[str, str, bool]) -> Any:
        name, ftype, _ = field
        text, quoted = self.literal(node)
        if text == "":
            raise self.fail("unsupported", node, f"empty string searches are not supported (field {name!r})")
        if text == "null" and not quoted:
            raise self.fail("unsupported", node, f"null searches are not supported (field {name!r})")
        try:
            return _parse_value(text, ftype)
        except ValueError:
            raise self.fail("type_mismatch", node, f"{text!r} is not a valid {ftype} for field {name!r}") from None

    def literal(self, node: lq.Item) -> tuple[str, bool]:
        """The text of a value and whether it was quoted; luqum reads the sign of ``-5``/``+5`` as a modifier."""
        if isinstance(node, (lq.Plus, lq.Prohibit)) and isinstance(node.a, (lq.Word, lq.Phrase)):
            text, quoted = self.literal(node.a)
            return ("-" if isinstance(node, lq.Prohibit) else "+") + text, quoted
        if isinstance(node, lq.Phrase):
            return _unescape(node.value[1:-1]), True
        if isinstance(node, lq.Word):
            if re.search(r"(?:^|[^\\])(?:\\\\)*[*?]", node.value):
                raise self.fail("unsupported", node, "wildcards are not supported (only * as an open range bound)")
            return _unescape(node.value), False
        if isinstance(node, (lq.Plus, lq.Prohibit)):
            raise self.fail("unsupported", node, "+/- modifiers are not supported; use ! or NOT")
        kind = type(node).__name__.lower()
        raise self.fail("unsupported", node, f"{kind} queries are not supported")


def parse_filter(text: str, schema: dict[str, Any]) -> FilterExpression:
    """Parse and validate a filter against a face set's schema; raises FilterError."""
    if not isinstance(text, str) or not text.strip():
        raise FilterError("syntax", "the filter is empty")
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError("unsupported", f"the filter is longer than {MAX_FILTER_LENGTH} characters")
    if "\x00" in text:
        raise FilterError("syntax", f"NUL character at position {text.index(chr(0))}")
    translated, origin = _translate_operators(text)
    try:
        tree = luqum_parse(translated)
    except ParseError as exc:
        found = re.search(r"position (\d+)", str(exc))
        if found is None:
            raise FilterError("syntax", "invalid filter: unexpected end (unbalanced brackets or quotes?)") from None
        pos = origin[min(int(found[1]), len(origin) - 1)]
        raise FilterError("syntax", f"invalid filter syntax at position {pos} near {text[pos : pos + 20]!r}") from None
    return _Converter(normalize_schema(schema), origin).convert(tree, None, 0)


def filter_q(expr: FilterExpression) -> Q:
    """A Q object for FaceSetMember querysets (joins the member's face for built-in fields)."""
    if isinstance(expr, (And, Or)):
        return Q(*(filter_q(item) for item in expr.items), _connector=Q.AND if isinstance(expr, And) else Q.OR)
    if isinstance(expr, Not):
        return ~Q(Coalesce(filter_q(expr.item), Value(False), output_field=BooleanField()))
    if expr.op == "exists":
        return Q(IsNull(KeyTextTransform(expr.field, "external_fields"), False))
    lhs = F(f"face__{expr.field}") if expr.builtin else field_expression(expr.field, expr.type)
    rhs = Value(expr.value, JSONField()) if expr.type == "boolean" and not expr.builtin else expr.value
    return Q(_LOOKUPS[expr.op](lhs, rhs))


def _check_alias(alias: str) -> str:
    if not _ALIAS_RE.fullmatch(alias):
        raise ValueError(f"invalid SQL alias {alias!r}")
    return alias


def _sql_lhs(field: str, ftype: str, alias: str) -> str:
    return field_expression_sql(ftype, column=f"{alias}.external_fields")


def compile_filter_sql(expr: FilterExpression, *, alias: str = "m", face_alias: str = "f") -> tuple[str, list]:
    """The filter as a parenthesised SQL condition with ``%s`` parameters (field names included).

    It refers to ``{alias}.external_fields`` and ``{face_alias}.face_id`` / ``{face_alias}.external_image_id``; the
    caller joins the face table. Semantics are those of :func:`filter_q`.
    """
    _check_alias(alias)
    _check_alias(face_alias)
    if isinstance(expr, (And, Or)):
        parts = [compile_filter_sql(item, alias=alias, face_alias=face_alias) for item in expr.items]
        joiner = " AND " if isinstance(expr, And) else " OR "
        return "(" + joiner.join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]
    if isinstance(expr, Not):
        sql, params = compile_filter_sql(expr.item, alias=alias, face_alias=face_alias)
        return f"NOT COALESCE({sql}, false)", params
    if expr.builtin:
        if expr.field not in BUILTIN_FIELDS.values():
            raise ValueError(f"unknown built-in field {expr.field!r}")
        return f"{face_alias}.{expr.field} {_SQL_OPS[expr.op]} %s", [expr.value]
    if expr.op == "exists":
        return f"({alias}.external_fields ->> %s) IS NOT NULL", [expr.field]
    if expr.type == "boolean":
        return f"{_sql_lhs(expr.field, expr.type, alias)} {_SQL_OPS[expr.op]} %s::jsonb", [
            expr.field,
            json.dumps(expr.value),
        ]
    return f"{_sql_lhs(expr.field, expr.type, alias)} {_SQL_OPS[expr.op]} %s", [expr.field, expr.value]


def parse_sort(sort: list | dict | str | None, schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``[(field, type, "asc"|"desc")]`` from the spec's JSON array (or its text); a repeated field keeps its first
    place and takes its last direction. Raises SortError."""
    if sort is None or sort == "":
        return []
    if isinstance(sort, str):
        try:
            sort = json.loads(sort)
        except ValueError:
            raise SortError("syntax", 'sort must be a JSON array of {"field": "asc"|"desc"} objects') from None
    if isinstance(sort, dict):
        sort = [sort]
    if not isinstance(sort, list) or not all(isinstance(item, dict) and item for item in sort):
        raise SortError("syntax", 'sort must be a JSON array of {"field": "asc"|"desc"} objects')
    fields = normalize_schema(schema)
    chosen: dict[str, tuple[str, str, str]] = {}
    for item in sort:
        for name, direction in item.items():
            if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
                raise SortError("syntax", f"sort direction of field {name!r} must be asc or desc")
            ftype = "string" if name in BUILTIN_FIELDS else fields.get(name)
            if ftype is None:
                raise SortError("unknown_field", f"unknown sort field {name!r}")
            if ftype not in NUMERIC_TYPES:
                raise SortError("not_numeric", f"sort field {name!r} is {ftype}; only numeric fields can be sorted on")
            chosen[name] = (name, ftype, direction.lower())
    return list(chosen.values())


def sort_order_by(sort: list[tuple[str, str, str]]) -> list[OrderBy]:
    """order_by() arguments for FaceSetMember querysets; faces without the field come last."""
    return [
        OrderBy(field_expression(name, ftype), descending=direction == "desc", nulls_last=True)
        for name, ftype, direction in sort
    ]
