"""Coordinators import enumerators with their assignments from a CSV/XLSX sheet in the admin:
preview first (django-import-export's dry run), then confirm; a file with a bad row stores nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from bma.core.languages import user_language
from bma.core.roles import Role, user_roles
from bma.rounds.models import Assignment, Enumerator
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()

IMPORT_URL = "/admin/rounds/enumerator/import/"
CONFIRM_URL = "/admin/rounds/enumerator/process_import/"
CSV, XLSX = "0", "1"  # positions of the formats on the import form

GOOD_CSV = (
    "username,full_name,language,round,area_codes,password\n"
    "farrukh,Farrukh Rahimov,tg,2,TJ-SU-ASH,\n"
    "zarina,Zarina  Karimova,ru,2,TJ-SU-ASH; TJ-SU-KHU,a-long-enough-pass-17\n"
)


def _preview(client, data: bytes, fmt=CSV, name="enumerators.csv"):
    return client.post(IMPORT_URL, {"format": fmt, "import_file": SimpleUploadedFile(name, data)})


def _confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(CONFIRM_URL, {**form.initial, **{k: v for k, v in form.data.items()}})


def _row_errors(response) -> dict[int, dict[str, list[str]]]:
    result = response.context["result"]
    return {row.number: row.error_dict for row in result.invalid_rows}


def test_preview_stores_nothing_and_confirming_stores_the_people_and_their_assignments(client, personas):
    client.force_login(personas.coordinator)
    preview = _preview(client, GOOD_CSV.encode())
    assert preview.status_code == 200
    assert preview.context["confirm_form"] is not None
    assert not User.objects.filter(username__in=["farrukh", "zarina"]).exists()  # the preview is a dry run
    page = preview.content.decode()
    assert "farrukh" in page and "TJ-SU-ASH; TJ-SU-KHU" in page
    assert "a-long-enough-pass-17" not in page  # a password is never shown back

    done = _confirm(client, preview)
    assert done.status_code == 302

    farrukh, zarina = User.objects.get(username="farrukh"), User.objects.get(username="zarina")
    assert user_roles(farrukh) == {Role.ENUMERATOR} and user_roles(zarina) == {Role.ENUMERATOR}
    assert not farrukh.is_staff
    assert farrukh.get_full_name() == "Farrukh Rahimov" and zarina.get_full_name() == "Zarina Karimova"
    assert not farrukh.has_usable_password()  # no password given: the tablet gets a QR code instead
    assert zarina.check_password("a-long-enough-pass-17")
    assert hasattr(zarina, "digest_credential")  # Collect's Digest login works for a given password
    assert user_language(farrukh) == "tg" and user_language(zarina) == "ru"
    assert sorted(
        Assignment.objects.filter(user__in=[farrukh, zarina]).values_list("user__username", "area__code", "role")
    ) == [
        ("farrukh", "TJ-SU-ASH", "enumerator"),
        ("zarina", "TJ-SU-ASH", "enumerator"),
        ("zarina", "TJ-SU-KHU", "enumerator"),
    ]
    assert set(Assignment.objects.filter(user=zarina).values_list("round__number", flat=True)) == {2}


def test_xlsx_sheet_with_numeric_round_imports(client, personas):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["username", "full_name", "language", "round", "area_codes", "password"])
    sheet.append(["nodira", "Nodira Saidova", "en", 2, "TJ-KT-PAN", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(personas.coordinator)
    preview = _preview(client, buffer.getvalue(), fmt=XLSX, name="enumerators.xlsx")
    assert preview.context["confirm_form"] is not None, _row_errors(preview)
    _confirm(client, preview)
    assert Assignment.objects.filter(user__username="nodira", area__code="TJ-KT-PAN", round__number=2).exists()


def test_bad_rows_are_named_with_their_problem_and_nothing_is_stored(client, personas):
    factories.make_round(number=3)
    bad = (
        "username,full_name,language,round,area_codes\n"
        "good1,Good One,tg,2,TJ-SU-ASH\n"
        "unknownarea,Someone,tg,2,TJ-SU-ASH;TJ-XX-NOPE\n"
        "unknownround,Someone,tg,9,TJ-SU-ASH\n"
        "good1,Again,tg,3,TJ-SU-ASH\n"
        "coordinator,Taken,ru,2,TJ-SU-ASH\n"
        "badlang,Someone,de,2,TJ-SU-ASH\n"
    )
    client.force_login(personas.coordinator)
    preview = _preview(client, bad.encode())
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None  # nothing to confirm while a row is bad
    errors = _row_errors(preview)
    assert set(errors) == {2, 3, 4, 5, 6}
    assert "TJ-XX-NOPE" in errors[2]["area_codes"][0]
    assert "no round 9" in errors[3]["round"][0]
    assert "more than one row" in errors[4]["username"][0]
    assert "not an enumerator" in errors[5]["username"][0]
    assert "'de' is not a language" in errors[6]["language"][0]
    page = preview.content.decode()
    assert "TJ-XX-NOPE" in page and "more than one row" in page
    assert not User.objects.filter(username__in=["good1", "unknownarea", "unknownround", "badlang"]).exists()
    assert not Assignment.objects.filter(user__username="good1").exists()
    assert not user_roles(personas.coordinator) & {Role.ENUMERATOR}


def test_the_confirm_step_stores_nothing_if_a_row_went_bad_after_the_preview(client, personas):
    """The sheet is read again on confirm: a round deleted in between fails it whole, not by halves."""
    extra = factories.make_round(number=3)
    sheet = "username,full_name,language,round,area_codes\nfirst,First,,2,TJ-SU-ASH\nsecond,Second,,3,TJ-SU-ASH\n"
    client.force_login(personas.coordinator)
    preview = _preview(client, sheet.encode())
    assert preview.context["confirm_form"] is not None
    extra.delete()
    response = _confirm(client, preview)
    assert response.status_code == 302 and response.url == IMPORT_URL  # back to the upload, not "done"
    assert not User.objects.filter(username__in=["first", "second"]).exists()
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("Nothing was imported" in m and "no round 3" in m for m in shown), shown


def test_importing_again_adds_the_next_rounds_assignments_to_the_same_people(client, personas):
    factories.make_round(number=3)
    client.force_login(personas.coordinator)
    _confirm(
        client, _preview(client, b"username,full_name,language,round,area_codes\nali,Ali Nazarov,tg,2,TJ-SU-ASH\n")
    )
    again = _preview(client, b"username,full_name,language,round,area_codes\nali,Ali Nazarov,tg,3,TJ-SU-KHU\n")
    assert again.context["confirm_form"] is not None, _row_errors(again)
    _confirm(client, again)
    assert User.objects.filter(username="ali").count() == 1
    assert sorted(Assignment.objects.filter(user__username="ali").values_list("round__number", "area__code")) == [
        (2, "TJ-SU-ASH"),
        (3, "TJ-SU-KHU"),
    ]


@pytest.mark.parametrize("persona", ["enumerator", "supervisor", "outsider"])
def test_only_coordinators_and_administrators_import_or_list_enumerators(client, personas, persona):
    client.force_login(getattr(personas, persona))
    for url in (IMPORT_URL, "/admin/rounds/enumerator/"):
        response = client.get(url)
        assert response.status_code in (302, 403), (url, response.status_code)
    response = _preview(client, GOOD_CSV.encode())
    assert response.status_code in (302, 403)
    assert not User.objects.filter(username="farrukh").exists()


def test_the_enumerator_list_shows_enumerators_only_with_their_set_up_sheet(client, personas):
    client.force_login(personas.coordinator)
    page = client.get("/admin/rounds/enumerator/").content.decode()
    assert f"/admin/submissions/collecttoken/setup/{personas.enumerator.pk}/" in page
    assert "TJ-SU-ASH (R2)" in page
    assert list(Enumerator.objects.values_list("username", flat=True)) == ["enumerator"]
    client.force_login(personas.administrator)
    assert client.get(IMPORT_URL).status_code == 200
