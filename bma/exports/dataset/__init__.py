"""The round dataset: one wide row per village plus long tables, as XLSX or a zip of CSV files.

Tables are defined once (name, columns with their codebook text and HXL tag, one values_list query
over the round's counted assessments), and written by either writer. Rows stream from a database
cursor: into our streaming XLSX writer, or on PostgreSQL as COPY's own CSV straight into the zip, so
memory stays flat and a 100,000-village round exports within the benchmark's targets.

The parts: ``columns`` (what a table is), ``wide`` (the one-row-per-village table), ``tables`` (the
long tables and the round's list), ``codebook``, ``pg_copy`` (PostgreSQL's COPY into a CSV file) and
``writers`` (XLSX and the CSV zip). Callers import from here.
"""

from bma.exports.dataset.codebook import codebook_rows
from bma.exports.dataset.columns import Column, Table
from bma.exports.dataset.tables import tables
from bma.exports.dataset.wide import wide_columns, wide_query
from bma.exports.dataset.writers import query_rows, write_csv_zip, write_xlsx

__all__ = [
    "Column",
    "Table",
    "codebook_rows",
    "query_rows",
    "tables",
    "wide_columns",
    "wide_query",
    "write_csv_zip",
    "write_xlsx",
]
