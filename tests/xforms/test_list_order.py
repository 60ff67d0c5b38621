"""The location lists a device gets come sorted in its reader's alphabet, "Not on the list" last, and
the round's B2 asks the village as a searchable drop-down."""

import pytest

from bma.xforms import codelists as cl
from bma.xforms.distribution import _csv_rows_kept, reader_sort_key

STORED = (
    "name,label,district,label_ru,label_tg\n"
    "other,Not on the list,,Нет в списке,Дар рӯйхат нест\n"
    "V-1,Yangiobod,D,Янгиобод,Янгиобод\n"
    "V-2,Ghalaba,D,Галаба,Ғалаба\n"
    "V-3,Khoja,D,Ходжа,Ҳоҷа\n"
    "V-4,Buston,D,Бустон,Бӯстон\n"
    "V-5,Zarkamar,D,,\n"
)


def labels(content: bytes) -> list[str]:
    return [line.split(",")[1] for line in content.decode().splitlines()[1:]]


def test_tajik_order_puts_tajik_letters_in_their_place_and_latin_after():
    assert labels(_csv_rows_kept(STORED.encode(), None, "tg")) == [
        "Бӯстон",
        "Ғалаба",  # Ғ after Г, not after Я
        "Ҳоҷа",  # Ҳ after Х
        "Янгиобод",
        "Zarkamar",  # no Tajik name yet: its English one, after the Cyrillic ones
        "Дар рӯйхат нест",
    ]


def test_russian_and_english_orders():
    assert labels(_csv_rows_kept(STORED.encode(), None, "ru")) == [
        "Бустон",
        "Галаба",
        "Ходжа",
        "Янгиобод",
        "Zarkamar",
        "Нет в списке",
    ]
    assert labels(_csv_rows_kept(STORED.encode(), None, "en")) == [
        "Buston",
        "Ghalaba",
        "Khoja",
        "Yangiobod",
        "Zarkamar",
        "Not on the list",
    ]


def test_the_cut_to_an_assignment_keeps_the_order():
    assert labels(_csv_rows_kept(STORED.encode(), {"V-3", "V-2", cl.OTHER_VILLAGE}, "tg")) == [
        "Ғалаба",
        "Ҳоҷа",
        "Дар рӯйхат нест",
    ]


def test_sort_key_follows_the_alphabet_not_code_points():
    assert sorted(["Ҷ", "Ч", "Я", "Ӯ", "У"], key=lambda s: reader_sort_key(s, "tg")) == ["У", "Ӯ", "Ч", "Ҷ", "Я"]


@pytest.mark.django_db
def test_the_round_b2_asks_the_village_as_a_searchable_drop_down(open_round, geo):
    from bma.xforms.services import b2_publish_for_round

    version, _ = b2_publish_for_round(open_round)
    village = version.xml.split('ref="/data/village"')[1][:200]
    assert 'appearance="minimal autocomplete"' in village


@pytest.mark.django_db
def test_the_round_b2_preselects_a_single_assigned_province_and_district(open_round, geo):
    from bma.xforms.services import b2_publish_for_round

    version, _ = b2_publish_for_round(open_round)
    assert "odk-instance-first-load" in version.xml
    assert "instance('assigned_districts')/root/item" in version.xml
