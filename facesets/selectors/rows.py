"""Model instances from SQL written once per process, for the reads on the hot path of every API call (the
credential, the face set, the search hits).

On this project's 2-core machine Django's ORM spends ~1 ms compiling and unpacking a one-row query whose execution
takes ~0.4 ms (bench/REPORT.md, issue 16). These helpers write the column list from the model's own fields once,
and build the instances as the ORM does: Model.from_db with each field's database converters (a JSON column is
decoded by its field, a deferred column left to load on access). What is read stays the ORM's: the same instances,
equal field by field (tests/facesets/test_rows.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connection


@dataclass(frozen=True)
class ModelColumns:
    """One model's part of a row: its columns under a table alias, their attribute names and converters."""

    model: type
    select: tuple[str, ...]
    names: tuple[str, ...]
    converters: tuple[tuple[object, tuple], ...]  # (column expression, its converters) per column

    def build(self, values: Sequence):
        """The instance of these column values (in `select` order)."""
        converted = []
        for value, (expression, converters) in zip(values, self.converters, strict=True):
            for converter in converters:
                value = converter(value, expression, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.names, converted)


@cache
def model_columns(model: type, alias: str, skip: tuple[str, ...] = ()) -> ModelColumns:
    """The columns of a model's concrete fields but those in `skip` (attribute names: deferred), under `alias`."""
    fields = [field for field in model._meta.concrete_fields if field.attname not in skip]
    if not fields or fields[0] is not model._meta.pk:  # row_instances reads a part's absence from its first column
        raise ValueError(f"{model.__name__}: the primary key must be read, and first")
    quote = connection.ops.quote_name
    converters = []
    for field in fields:
        expression = field.get_col(alias)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        converters.append((expression, tuple(found)))
    return ModelColumns(
        model=model,
        select=tuple(f"{alias}.{quote(field.column)}" for field in fields),
        names=tuple(field.attname for field in fields),
        converters=tuple(converters),
    )


def select_list(parts: Sequence[ModelColumns]) -> str:
    """The SELECT list of several models' columns, in order (a joined row: split it by each part's length)."""
    return ", ".join(column for part in parts for column in part.select)


def row_instances(row: Sequence, parts: Sequence[ModelColumns]) -> list:
    """A joined row split into its parts' instances, in order; None for a part an outer join found no row for (its
    first column, the primary key, is NULL)."""
    instances, start = [], 0
    for part in parts:
        values = row[start : start + len(part.names)]
        start += len(part.names)
        instances.append(part.build(values) if values[0] is not None else None)
    return instances


def column(model: type, field: str) -> str:
    """A field's column name, quoted."""
    return connection.ops.quote_name(model._meta.get_field(field).column)


def table(model: type) -> str:
    """The model's table name, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def rows_fetch(sql: str, params: Sequence) -> list[tuple]:
    """The rows of a query, on Django's connection (its transaction, its converters' connection)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()
