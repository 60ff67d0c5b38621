"""Loading the gazetteer from files: the shipped Tajikistan areas, coordinators' CSV/XLSX uploads."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from bma.core.errors import BmaError
from bma.geo.models import AdminArea, AreaLevel, Settlement
from bma.geo.services import DEFAULT_AREAS_FILE, DEMO_VILLAGES_FILE, gazetteer_import, gazetteer_import_path

pytestmark = pytest.mark.django_db

AREAS_HEADER = "code,parent_code,kind,name_en,name_tg,name_ru,pcode,aliases\n"
VILLAGES_HEADER = "code,area_code,name_en,name_tg,name_ru,latitude,longitude,aliases\n"


def csv_bytes(header, *rows):
    return (header + "".join(r + "\n" for r in rows)).encode("utf-8")


def test_shipped_file_holds_every_province_and_district_of_tajikistan():
    report = gazetteer_import_path(DEFAULT_AREAS_FILE)

    provinces = AdminArea.objects.filter(level=AreaLevel.PROVINCE)
    assert sorted(provinces.values_list("code", flat=True)) == ["TJ-DU", "TJ-GB", "TJ-KT", "TJ-RA", "TJ-SU"]
    # 47 districts + 17 cities of regional subordination + 4 Dushanbe city districts.
    assert AdminArea.objects.filter(level=AreaLevel.DISTRICT).count() == 68
    asht = AdminArea.objects.get(code="TJ-SU-ASH")
    assert (asht.name_tg, asht.name_ru, asht.path) == ("Ноҳияи Ашт", "Аштский район", "TJ/TJ-SU/TJ-SU-ASH/")
    assert asht.children.count() == 9  # Shaydon town and eight jamoats
    assert AdminArea.objects.get(code="TJ-KT-BOK").aliases.filter(name="Qurghonteppa").exists()
    assert report.created == AdminArea.objects.count()


def test_importing_the_same_file_again_changes_nothing():
    gazetteer_import_path(DEFAULT_AREAS_FILE)
    gazetteer_import_path(DEMO_VILLAGES_FILE)
    stamps = dict(AdminArea.objects.values_list("code", "updated_at"))

    again = gazetteer_import_path(DEFAULT_AREAS_FILE)
    villages_again = gazetteer_import_path(DEMO_VILLAGES_FILE)

    assert (again.created, again.updated, again.aliases_added) == (0, 0, 0)
    assert (villages_again.created, villages_again.updated) == (0, 0)
    assert dict(AdminArea.objects.values_list("code", "updated_at")) == stamps


def test_a_file_with_bad_rows_is_refused_whole_and_every_bad_row_is_named():
    gazetteer_import_path(DEFAULT_AREAS_FILE)
    before = AdminArea.objects.count()
    data = csv_bytes(
        AREAS_HEADER,
        "TJ-SU-NEW,TJ-SU,district,New district,,,,",  # fine on its own
        "TJ-SU-ASH-XYZ,TJ-SU-ASH,village,Xyz,,,,",  # kind unknown
        "TJ-SU-NEW,TJ-SU,district,Duplicate,,,,",  # code repeated
        "TJ-XX-ONE,TJ-XX,district,Orphan,,,,",  # parent nowhere
        "TJ-SU-ASH-J1,TJ-SU,jamoat,Jamoat under a province,,,,",  # wrong level
        ",TJ-SU,district,,,,,",  # missing code and name
    )

    with pytest.raises(BmaError) as caught:
        gazetteer_import("areas.csv", data)

    rows = {e["row"]: e["message"] for e in caught.value.extra["errors"]}
    assert set(rows) == {3, 4, 5, 6, 7}
    assert "kind 'village' is not one of" in rows[3]
    assert "already used on row 2" in rows[4]
    assert "TJ-XX is neither in the file nor stored" in rows[5]
    assert "cannot sit under TJ-SU" in rows[6]
    assert "missing code, name_en" in rows[7]
    assert "nothing was changed" in caught.value.message
    assert AdminArea.objects.count() == before


def test_xlsx_upload_with_tajik_names_and_aliases():
    gazetteer_import_path(DEFAULT_AREAS_FILE)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "area_code", "name_en", "name_tg", "name_ru", "latitude", "longitude", "aliases"])
    sheet.append(
        [
            "V-ASH-0100",
            "TJ-SU-ASH-PON",
            "Kamishqurghon",
            "Камишқӯрғон",
            "Камышкурган",
            40.76,
            70.95,
            "Kamyshkurgan; Qamishqurghon",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = gazetteer_import("villages.xlsx", buffer.getvalue())

    village = Settlement.objects.get(code="V-ASH-0100")
    assert report.created == 1
    assert village.district.code == "TJ-SU-ASH"
    assert village.name_tg == "Камишқӯрғон"
    assert sorted(village.aliases.values_list("name", flat=True)) == ["Kamyshkurgan", "Qamishqurghon"]


def test_villages_under_unknown_areas_or_off_the_map_are_refused():
    gazetteer_import_path(DEFAULT_AREAS_FILE)
    data = csv_bytes(
        VILLAGES_HEADER,
        "V-1,TJ-SU-NOPE,Somewhere,,,,,",
        "V-2,TJ-SU,Too high,,,,,",
        "V-3,TJ-SU-ASH,Bad latitude,,,123,70,",
    )
    with pytest.raises(BmaError) as caught:
        gazetteer_import("villages.csv", data)
    messages = [e["message"] for e in caught.value.extra["errors"]]
    assert messages == [
        "area_code TJ-SU-NOPE is not in the gazetteer",
        "area_code TJ-SU is above district level",
        "latitude 123 is outside -90..90",
    ]
    assert not Settlement.objects.exists()


@pytest.mark.parametrize(
    "filename, data, expected",
    [
        ("areas.csv", b"code;name\nTJ;Tajikistan\n", "matches neither layout"),
        ("areas.csv", "code,parent_code,kind\nTJ,,country\n".encode("utf-16"), "not UTF-8"),
        ("areas.pdf", b"%PDF", "upload a .csv or .xlsx"),
        ("areas.xlsx", b"not a workbook", "not a readable Excel workbook"),
        ("areas.csv", b"", "is empty"),
    ],
)
def test_unreadable_files_get_a_plain_message(filename, data, expected):
    with pytest.raises(BmaError) as caught:
        gazetteer_import(filename, data)
    assert expected in caught.value.message


def test_moving_an_area_moves_its_descendants_paths():
    gazetteer_import_path(DEFAULT_AREAS_FILE)
    gazetteer_import("fix.csv", csv_bytes(AREAS_HEADER, "TJ-SU-ASH,TJ-KT,district,Asht,,,,"))
    assert AdminArea.objects.get(code="TJ-SU-ASH-OSH").path == "TJ/TJ-KT/TJ-SU-ASH/TJ-SU-ASH-OSH/"


def test_load_gazetteer_command(capsys):
    call_command("load_gazetteer", "--demo-villages")
    assert Settlement.objects.filter(district__code="TJ-SU-ASH").count() >= 10
    with pytest.raises(CommandError, match="no such file"):
        call_command("load_gazetteer", "--file", "/nonexistent/areas.csv")


def test_loading_at_every_start_adds_missing_rows_and_keeps_what_an_administrator_edited():
    """docker-compose.yml runs `load_gazetteer --missing-only` at each start: the first loads it all, later
    ones add only new codes and never undo a correction made in the admin since."""
    call_command("load_gazetteer", "--demo-villages", "--missing-only")
    assert AdminArea.objects.filter(level=AreaLevel.DISTRICT).count() == 68
    AdminArea.objects.filter(code="TJ-SU-ASH").update(name_en="Asht district (corrected)")
    Settlement.objects.filter(code="V-ASH-0002").update(name_en="Shaydon town", latitude=40.6)
    AdminArea.objects.get(code="TJ-KT-BOK").aliases.filter(name="Qurghonteppa").delete()

    call_command("load_gazetteer", "--demo-villages", "--missing-only")
    report = gazetteer_import(
        "areas.csv",
        csv_bytes(
            AREAS_HEADER,
            "TJ-SU-ASH,TJ-SU,district,Asht,,,,",
            "TJ-SU-ASH-NEW,TJ-SU-ASH,jamoat,Navobod,,,,",
        ),
        missing_only=True,
    )

    assert AdminArea.objects.get(code="TJ-SU-ASH").name_en == "Asht district (corrected)"
    village = Settlement.objects.get(code="V-ASH-0002")
    assert (village.name_en, float(village.latitude)) == ("Shaydon town", 40.6)
    assert not AdminArea.objects.get(code="TJ-KT-BOK").aliases.filter(name="Qurghonteppa").exists()
    assert AdminArea.objects.get(code="TJ-SU-ASH-NEW").path == "TJ/TJ-SU/TJ-SU-ASH/TJ-SU-ASH-NEW/"
    assert (report.created, report.updated, report.kept) == (1, 0, 1)
    # Without --missing-only the file wins again: that is what an upload of a corrected file is for.
    call_command("load_gazetteer")
    assert AdminArea.objects.get(code="TJ-SU-ASH").name_en == "Asht"


def test_load_gazetteer_command_reports_bad_rows(tmp_path):
    bad = tmp_path / "areas.csv"
    bad.write_text(AREAS_HEADER + "TJ-ZZ,TJ-NOPE,province,Nowhere,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="row 2: parent_code TJ-NOPE"):
        call_command("load_gazetteer", "--file", str(bad))


def test_village_list_round_trips_through_django_import_export():
    import tablib

    from bma.geo.resources import SettlementResource

    gazetteer_import_path(DEFAULT_AREAS_FILE)
    gazetteer_import_path(DEMO_VILLAGES_FILE)
    exported = SettlementResource().export()
    assert "area_code" in exported.headers and "V-ASH-0001" in exported.csv
    data = tablib.Dataset(headers=exported.headers)
    data.append(["V-ASH-0500", "TJ-SU-ASH-PUN", "Sarichashma", "Сарича́шма", "", "", "", "provisional", "import"])
    result = SettlementResource().import_data(data, raise_errors=True)
    assert not result.has_errors()
    village = Settlement.objects.get(code="V-ASH-0500")
    assert (village.district.code, village.area.code) == ("TJ-SU-ASH", "TJ-SU-ASH-PUN")


def test_a_russian_coordinator_reads_the_refused_rows_in_russian():
    gazetteer_import_path(DEFAULT_AREAS_FILE)
    data = csv_bytes(AREAS_HEADER, "TJ-SU-ASH-J1,TJ-SU,jamoat,Jamoat under a province,,,,", ",TJ-SU,district,,,,,")
    with pytest.raises(BmaError) as caught:
        gazetteer_import("areas.csv", data)
    with translation.override("ru"):
        message = str(caught.value.message)
    assert message.startswith("Файл areas.csv не импортирован; ничего не изменено.")
    assert "строка 2: тип «джамоат» не может входить в TJ-SU (уровень 1)" in message
    assert "строка 3: не заполнено: code, name_en" in message
    assert "row 2: a jamoat cannot sit under TJ-SU (level 1)" in str(caught.value.message)  # English by default
