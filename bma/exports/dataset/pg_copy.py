"""PostgreSQL's COPY writing a table's CSV itself, its text columns made safe for spreadsheets."""

from __future__ import annotations

import psycopg
from django.db import DatabaseError, connection
from psycopg import pq

from bma.core.spreadsheet_text import spreadsheet_text_sql
from bma.exports.dataset.columns import SQL


def copy_csv(query: SQL, write) -> None:
    """The query's rows as CSV (no header), written by PostgreSQL: an order of magnitude faster than
    formatting rows in Python."""
    sql, params = query
    with connection.cursor() as cursor:
        statement = _neutralised_text_sql(cursor, psycopg.ClientCursor(cursor.connection).mogrify(sql, params))
        copy_out(cursor.connection, f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", write)


# PostgreSQL's text types (text, varchar, char, name): the columns COPY writes as typed text.
TEXT_TYPE_OIDS = frozenset({25, 1043, 1042, 19})


def _neutralised_text_sql(cursor, statement: str) -> str:
    """The query with each text column passed through spreadsheet_text_sql, so COPY's CSV carries no
    formula; number columns are left as the database writes them (a negative count stays a number).
    The column types come from running the query with no rows (planning only, no table read)."""
    cursor.execute(f"SELECT * FROM ({statement}) AS query LIMIT 0")
    types = [column.type_code for column in cursor.description]
    names = [f"c{index}" for index in range(len(types))]
    columns = ", ".join(
        spreadsheet_text_sql(name) if type_code in TEXT_TYPE_OIDS else name
        for name, type_code in zip(names, types, strict=True)
    )
    return f"SELECT {columns} FROM ({statement}) AS query({', '.join(names)})"


def copy_out(pg_connection, statement: str, write) -> None:
    """Run a COPY ... TO STDOUT and hand its output to write() in blocks of about a megabyte.

    libpq hands COPY data over one row at a time. psycopg's own cursor.copy() adds its per-row cost on
    top: the 100,000-village CSV zip took a median 16% longer with it, paired run by run
    (benchmarks/dataset_copy.py, figures in the README), more than the 10% that would have made it worth
    the simpler code. So this reads at the libpq level (psycopg.pq, psycopg's documented wrapper) and
    gathers rows so the compressor sees large blocks.
    """
    pgconn = pg_connection.pgconn
    pgconn.send_query(statement.encode())
    result = pgconn.get_result()
    if result.status != pq.ExecStatus.COPY_OUT:
        _drain(pgconn)
        raise DatabaseError(result.get_error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or b"COPY failed")
    buffer = bytearray()
    while True:
        size, data = pgconn.get_copy_data(0)  # 0: wait for the next row
        if size < 0:  # -1: done; -2: the connection failed
            break
        buffer += data
        if len(buffer) > 1 << 20:
            write(buffer)
            buffer.clear()
    result = pgconn.get_result()
    _drain(pgconn)
    if size == -2 or result is None or result.status != pq.ExecStatus.COMMAND_OK:
        message = result.get_error_field(pq.DiagnosticField.MESSAGE_PRIMARY) if result else None
        raise DatabaseError((message or pgconn.error_message or b"COPY failed").decode(errors="replace"))
    write(buffer)


def _drain(pgconn) -> None:
    while pgconn.get_result() is not None:
        pass
