"""The district profile: what was assessed and what is still planned, the populations, and other
sources' figures beside the round's estimate; scoped like the review desk."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.urls import reverse

from bma.exports.models import ReferenceFigure
from bma.referrals.models import PlanReason
from bma.referrals.services import plan_add
from tests import factories

pytestmark = pytest.mark.django_db


def profile_url(round_, code="TJ-SU-ASH"):
    return f"/api/rounds/{round_.number}/districts/{code}/profile/"


@pytest.fixture
def asht_with_reference(two_villages, personas):
    plan_add(two_villages.pk, personas.geo.buston_asht, PlanReason.CARRIED_OVER)  # planned, not yet visited
    ReferenceFigure.objects.create(
        area=personas.geo.asht,
        population="imw",
        source="Migration Service",
        as_of=dt.date(2024, 7, 1),
        value=16,
        note="Residents of Asht in labour migration",
        recorded_by=personas.coordinator,
    )
    return two_villages


def test_a_reference_figure_stands_beside_the_estimate_with_its_ratio(client, asht_with_reference, personas):
    client.force_login(personas.supervisor)  # Sughd: Asht is theirs
    profile = client.get(profile_url(asht_with_reference)).json()
    imw = next(p for p in profile["populations"] if p["code"] == "imw")
    assert imw["total"] == 12  # Oshoba's 12; Shaydon has none
    [reference] = profile["reference_figures"]
    assert (reference["source"], reference["as_of"], reference["value"]) == ("Migration Service", "2024-07-01", 16)
    assert (reference["estimate"], reference["ratio"]) == (12, 0.75)
    assert profile["communities"]["assessed"] == 2
    assert profile["communities"]["not_yet_assessed"] == 1
    assert [v["village"] for v in profile["communities"]["waiting"]] == ["Buston"]

    page = client.get(reverse("district-profile", args=[asht_with_reference.number, "TJ-SU-ASH"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Migration Service" in text and "0.75" in text and "Buston" in text
    assert "1 Jul 2024" in text and "2024-07-01" not in text  # dates in words, never ISO on a page


def test_the_profile_reads_its_numbers_and_dates_in_the_readers_locale(client, asht_with_reference, personas):
    import re

    ReferenceFigure.objects.update(value=17500)
    client.force_login(personas.supervisor)
    client.post("/language/", {"language": "tg", "next": "/"})
    text = client.get(reverse("district-profile", args=[asht_with_reference.number, "TJ-SU-ASH"])).content.decode()
    assert "<td>17\xa0500</td>" in text and "1 июли 2024" in text
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text)  # no ISO date anywhere on the page


def test_only_people_whose_areas_hold_the_district_see_its_profile(client, asht_with_reference, personas):
    khatlon_supervisor = factories.make_user("khatlon-supervisor", "supervisor")
    factories.assign(khatlon_supervisor, personas.geo.khatlon, personas.round, "supervisor")
    page = reverse("district-profile", args=[asht_with_reference.number, "TJ-SU-ASH"])
    for user, allowed in (
        (personas.supervisor, True),
        (personas.coordinator, True),
        (personas.administrator, True),
        (khatlon_supervisor, False),
        (personas.enumerator, False),
        (personas.outsider, False),
    ):
        client.force_login(user)
        api = client.get(profile_url(asht_with_reference))
        assert api.status_code == (200 if allowed else 403), user
        assert ("Migration Service" in api.content.decode()) is allowed
        assert client.get(page).status_code == (200 if allowed else 403), user
    client.logout()
    assert client.get(profile_url(asht_with_reference)).status_code in (401, 403)


def test_an_unknown_district_or_round_is_not_found(client, asht_with_reference, personas):
    client.force_login(personas.coordinator)
    assert client.get(profile_url(asht_with_reference, "TJ-SU-NOPE")).status_code == 404
    assert client.get("/api/rounds/99/districts/TJ-SU-ASH/profile/").status_code == 404
    assert client.get(profile_url(asht_with_reference, "TJ-SU")).status_code == 404  # a province


def test_a_coordinator_records_a_reference_figure_in_the_admin_and_a_supervisor_only_reads(client, personas):
    add = reverse("admin:exports_referencefigure_add")
    form = {
        "area": personas.geo.asht.pk,
        "population": "imw",
        "value": "24000",
        "as_of": "2024-07-01",
        "source": "Migration Service",
        "note": "",
    }
    client.force_login(personas.supervisor)
    assert client.get(add).status_code == 403
    client.force_login(personas.coordinator)
    response = client.post(add, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    figure = ReferenceFigure.objects.get()
    assert (figure.value, figure.recorded_by) == (24000, personas.coordinator)
    refused = client.post(add, {**form, "value": "99999999999"})
    assert refused.status_code == 200 and "Ensure this value is less than or equal to" in refused.content.decode()
    assert ReferenceFigure.objects.count() == 1
    client.force_login(personas.supervisor)
    assert client.get(reverse("admin:exports_referencefigure_changelist")).status_code == 200


def test_the_database_refuses_a_reference_value_out_of_bounds(personas):
    with pytest.raises(IntegrityError):
        ReferenceFigure.objects.create(
            area=personas.geo.asht, population="imw", source="x", as_of=dt.date(2024, 1, 1), value=10_000_001
        )


def test_the_round_report_links_each_district_to_its_profile(client, two_villages, personas):
    client.force_login(personas.coordinator)
    page = client.get(reverse("round-report", args=[two_villages.number])).content.decode()
    assert 'href="districts/TJ-SU-ASH/"' in page


def test_the_profiles_yearly_trends_follow_the_rounds_reference_period(client, two_villages, personas):
    two_villages.reference_start = two_villages.reference_start.replace(year=2022)
    two_villages.reference_end = two_villages.reference_end.replace(year=2025)
    two_villages.save()
    client.force_login(personas.supervisor)
    imw = next(p for p in client.get(profile_url(two_villages)).json()["populations"] if p["code"] == "imw")
    assert [(y["year"], y["total"]) for y in imw["yearly"]] == [(2022, 8), (2023, 12), (2024, 0), (2025, 0)]


def test_a_tajik_reader_sees_the_profiles_places_in_tajik_and_the_json_keeps_english(
    client, asht_with_reference, personas
):
    from bma.core.languages import user_language_set

    user_language_set(personas.supervisor, "tg")
    client.force_login(personas.supervisor)
    page = client.get(reverse("district-profile", args=[asht_with_reference.number, "TJ-SU-ASH"])).content.decode()
    assert "<h1>Ноҳияи Ашт, Вилояти Суғд</h1>" in page
    assert "<td>Бӯстон</td><td>V-ASH-0003</td>" in page  # still to visit
    assert "<td>Ноҳияи Ашт</td>" in page  # the reference figure's area
    assert "Buston" not in page and "Sughd" not in page and "Oshoba" not in page and "Shaydon" not in page
    profile = client.get(profile_url(asht_with_reference)).json()
    assert profile["district"] == {
        "code": "TJ-SU-ASH",
        "name": "Asht",
        "name_tg": "Ноҳияи Ашт",
        "name_ru": "Аштский район",
        "province": "Sughd",
    }
    assert [v["village"] for v in profile["communities"]["waiting"]] == ["Buston"]
    assert profile["reference_figures"][0]["area"] == "Asht"


def test_a_russian_reader_sees_the_profiles_labels_in_russian_and_the_json_keeps_english(
    client, asht_with_reference, personas
):
    """Population names, reasons, countries, why a village is planned and the figures' basis come from
    the code lists (as in the report), in the reader's language; the JSON stays English for everyone."""
    from bma.core.languages import user_language_set
    from bma.xforms import codelists as cl

    user_language_set(personas.supervisor, "ru")
    client.force_login(personas.supervisor)
    profile = client.get(profile_url(asht_with_reference)).json()
    page = client.get(reverse("district-profile", args=[asht_with_reference.number, "TJ-SU-ASH"])).content.decode()
    imw = next(p for p in profile["populations"] if p["code"] == "imw")
    assert imw["label"] == "International migrant workers"  # the JSON: English, whoever asks
    assert "<h2>Иностранные трудовые мигранты: 12</h2>" in page
    for pop in profile["populations"]:
        english, russian, _ = cl.POPULATIONS[pop["code"]]
        assert f"<h2>{russian}: " in page and f"<h2>{english}: " not in page
    assert imw["reasons"] and imw["top_countries"]
    for row in imw["reasons"]:
        assert f"<td>{cl.REASONS[row['code']][1]}</td>" in page and f"<td>{row['reason']}</td>" not in page
    for row in imw["top_countries"]:
        assert f"<td>{cl.COUNTRIES[row['code']][1]}</td>" in page and f"<td>{row['country']}</td>" not in page
    assert "<td>Бустон</td><td>V-ASH-0003</td><td>Перенесено из предыдущего раунда</td>" in page
    assert "<tr><td>Иностранные трудовые мигранты</td><td>Migration Service</td>" in page  # reference figure
    assert "Цифры по: утверждённые оценки." in page
    assert "approved assessments" not in page and "carried_over" not in page
