"""Writing many rows of one model at once: COPY on PostgreSQL, `bulk_create` elsewhere.

COPY takes the rows as they are generated (psycopg sends them from a thread of its own while
Python builds the next), so no model instances are made; for a million rows it is several
times faster than INSERTs. Either way the rows are written in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connections, models, router

BULK_CREATE_CHUNK = 5_000


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert the rows (values in the order of `columns`, attribute names such as
    `report_id`); returns how many. Columns left out take the database's defaults on
    PostgreSQL and the model's on other databases, so give every column whose model
    default is computed per row."""
    database = router.db_for_write(model)
    connection = connections[database]
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        fields = {field.attname: field for field in model._meta.concrete_fields}
        column_list = ", ".join(quote(fields[name].column) for name in columns)
        # JSON values go through the field (psycopg's Jsonb); COPY would take a list for an
        # array.
        json_columns = [
            (index, fields[name])
            for index, name in enumerate(columns)
            if isinstance(fields[name], models.JSONField)
        ]
        count = 0
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {quote(model._meta.db_table)} ({column_list}) FROM STDIN") as copy,
        ):
            for row in rows:
                if json_columns:
                    row = list(row)
                    for index, field in json_columns:
                        row[index] = field.get_db_prep_value(row[index], connection)
                copy.write_row(row)
                count += 1
        return count
    count = 0
    for chunk in _chunks(rows, BULK_CREATE_CHUNK):
        model._default_manager.using(database).bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in chunk]
        )
        count += len(chunk)
    return count


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
