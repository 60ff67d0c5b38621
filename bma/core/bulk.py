"""Inserting many rows whose ids nobody needs back (leaf tables), without building model instances.

Processing a batch of B2 submissions writes ~40 rows per submission, most of them leaves (yearly
figures, countries, reasons, services, referrals). bulk_create() builds a model instance per row and
prepares every value through the ORM; on the mapping benchmark that was over a third of the time.
On PostgreSQL the rows go through COPY (psycopg formats them in C); elsewhere bulk_create() is used.
Values are prepared by the fields (JSON, for instance), so what is stored is what save() stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def rows_insert(model: type[Model], names: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows of values for the named fields (a foreign key by its id, as ``figure_id``).

    Fields not named take their default, and auto_now / auto_now_add timestamps the current time,
    as save() would give them.
    """
    named = [model._meta.get_field(name) for name in names]
    rows = list(rows)
    if not rows:
        return 0
    others = [f for f in model._meta.concrete_fields if not f.primary_key and f not in named]
    now = timezone.now()
    filled = tuple(
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default() for f in others
    )
    fields = named + others
    if filled:
        rows = [(*row, *filled) for row in rows]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**{f.attname: value for f, value in zip(fields, row, strict=True)}) for row in rows]
        )
        return len(rows)
    prepare = [
        None if f.get_internal_type() in _PLAIN else (lambda value, f=f: f.get_db_prep_save(value, connection))
        for f in fields
    ]
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        if any(prepare):
            for row in rows:
                copy.write_row([value if p is None else p(value) for p, value in zip(prepare, row, strict=True)])
        else:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def instances_insert(objs: list[Model]) -> list[Model]:
    """Insert new model instances of one model, their ids set, as bulk_create() does (no signals, no
    save()), for rows whose ids the caller needs (their children refer to them).

    On PostgreSQL the ids are drawn from the table's sequence in one query and the rows go through
    COPY: bulk_create() would send every value as a parameter of an INSERT ... RETURNING. auto_now
    and auto_now_add fields take the current time, as bulk_create() gives them.
    """
    if not objs:
        return objs
    model = type(objs[0])
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs)
    meta = model._meta
    now = timezone.now()
    stamped = [f for f in meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        for f in stamped:
            setattr(obj, f.attname, now)
        obj._state.adding, obj._state.db = False, connection.alias
    rows_insert(
        model,
        [f.attname for f in meta.concrete_fields],
        ([getattr(obj, f.attname) for f in meta.concrete_fields] for obj in objs),
    )
    return objs


# Field types whose Python values psycopg writes as the column expects, with no preparation.
_PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)
