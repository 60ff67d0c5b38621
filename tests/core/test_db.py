"""Out-of-range integers are refused on PostgreSQL, never wrapped modulo 2**32 (server-side binding)."""

import datetime as dt

import psycopg
import pytest
from django.db import DataError, connection, transaction

from bma.core.bulk import rows_insert
from bma.rounds.models import Round

pytestmark = [pytest.mark.django_db, pytest.mark.services, pytest.mark.usefixtures("real_services")]

TOO_BIG = 4294967396  # wrapped modulo 2**32 this was stored as 100


def _round(number: int) -> Round:
    day = dt.date(2026, 1, 1)
    return Round(
        number=number,
        name=f"R{number}",
        collection_start=day,
        collection_end=day,
        reference_start=day,
        reference_end=day,
    )


def test_the_driver_refuses_an_int4_it_would_have_wrapped():
    from psycopg.types.numeric import Int2, Int4

    with connection.cursor() as cursor:
        for value in (Int4(TOO_BIG), Int4(-(2**31) - 1), Int2(70000)):
            with pytest.raises(psycopg.DataError, match="out of range"):
                cursor.cursor.execute("select %s::text", [value])
            with pytest.raises(psycopg.DataError, match="out of range"):
                cursor.cursor.execute("select %b::text", [value])
        cursor.cursor.execute("select %s::text", [Int4(2**31 - 1)])
        assert cursor.fetchone() == ("2147483647",)


def test_orm_save_update_and_filter_refuse_and_keep_what_is_stored():
    stored = _round(7)
    stored.save()
    stored.number = TOO_BIG
    with pytest.raises(DataError, match="out of range"), transaction.atomic():
        stored.save()
    with pytest.raises(DataError, match="out of range"), transaction.atomic():
        Round.objects.filter(pk=stored.pk).update(number=99999999999)
    assert list(Round.objects.values_list("number", flat=True)) == [7]


def test_filter_out_of_range_finds_nothing_rather_than_the_wrapped_row():
    _round(100).save()  # 4294967396 wrapped modulo 2**32 is 100
    assert not Round.objects.filter(number=TOO_BIG).exists()
    assert Round.objects.filter(number=100).exists()


def test_bulk_create_and_bulk_update_refuse_and_store_nothing_different():
    with pytest.raises(DataError, match="out of range"), transaction.atomic():
        Round.objects.bulk_create([_round(8), _round(TOO_BIG)])
    assert not Round.objects.exists()
    kept = _round(9)
    kept.save()
    kept.number = TOO_BIG
    with pytest.raises(DataError, match="out of range"), transaction.atomic():
        Round.objects.bulk_update([kept], ["number"])
    assert list(Round.objects.values_list("number", flat=True)) == [9]


def test_copy_rows_insert_refuses_out_of_range_text():
    """COPY sends text: PostgreSQL itself refuses '4294967396' for an integer column."""
    # rows_insert talks to psycopg's COPY directly, so the error is psycopg's own.
    with pytest.raises(psycopg.DataError, match="out of range"), transaction.atomic():
        rows_insert(
            Round,
            ["number", "name", "collection_start", "collection_end", "reference_start", "reference_end"],
            [(TOO_BIG, "R", dt.date(2026, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 1, 1), dt.date(2026, 1, 1))],
        )
    assert not Round.objects.exists()
