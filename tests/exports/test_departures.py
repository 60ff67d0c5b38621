"""Whole-family departures and empty houses, as the round's own B2 records them, in the district profile
and in the round report's section per province: the sums of what the counted assessments answered."""

import datetime as dt
import html
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bma.assessments import models as am
from bma.exports.models import ReferenceFigure
from bma.exports.profile import district_profile
from bma.exports.report import round_figures
from tests import factories

pytestmark = pytest.mark.django_db


def yearly(block):
    return [(y["year"], y["households"], y["abroad"], y["another_district"], y["unknown"]) for y in block["yearly"]]


def destinations(block):
    return {d["code"]: d["households"] for d in block["destinations"]}


ASHT_YEARLY = [(2020, 0, 0, 0, 0), (2021, 3, 0, 0, 3), (2022, 19, 19, 0, 0), (2023, 51, 0, 31, 20)]


def test_the_profile_sums_the_districts_departures_by_year_and_destination(departures, personas):
    profile = district_profile(departures, personas.geo.asht)
    d = profile["departures"]
    assert d["villages_asked"] == 2  # Buston is not approved; Panj is another district
    assert yearly(d) == ASHT_YEARLY
    assert d["households_left"] == 73
    assert destinations(d) == {"abroad": 19, "another_district": 31, "unknown": 23}
    assert (d["houses_empty"], d["houses_looked_after"], d["share_looked_after"]) == (58, 34, 59.0)  # 34/58
    assert (d["villages_elderly_alone"], d["villages_answered_elderly"]) == (1, 2)
    assert profile["villages_most_departures"] == [
        {"code": "V-ASH-0001", "village": "Oshoba", "households_left": 45, "houses_empty": 48},
        {"code": "V-ASH-0002", "village": "Shaydon", "households_left": 28, "houses_empty": 10},
    ]

    with_unapproved = district_profile(departures, personas.geo.asht, include_unapproved=True)
    assert with_unapproved["departures"]["households_left"] == 73 + 45  # Buston as Oshoba
    assert [v["village"] for v in with_unapproved["villages_most_departures"]] == ["Buston", "Oshoba", "Shaydon"]


def test_an_assessment_that_is_not_current_or_is_rejected_is_not_counted(departures, personas):
    am.VillageAssessment.objects.filter(village__code="V-ASH-0002").update(is_current=False)
    am.VillageAssessment.objects.filter(village__code="V-ASH-0003").update(review_state=am.ReviewState.REJECTED)
    d = district_profile(departures, personas.geo.asht, include_unapproved=True)["departures"]
    assert (d["villages_asked"], d["households_left"], d["houses_empty"]) == (1, 45, 48)


def test_a_district_never_asked_has_no_departures_rather_than_zeros(two_villages, personas):
    profile = district_profile(two_villages, personas.geo.asht)  # the shared B2 does not ask
    assert profile["departures"] is None and profile["villages_most_departures"] == []


def test_only_the_districts_own_villages_are_in_its_profile(client, departures, personas):
    khatlon_supervisor = factories.make_user("khatlon-supervisor", "supervisor")
    factories.assign(khatlon_supervisor, personas.geo.khatlon, personas.round, "supervisor")
    panj = f"/api/rounds/{departures.number}/districts/TJ-KT-PAN/profile/"
    asht = f"/api/rounds/{departures.number}/districts/TJ-SU-ASH/profile/"

    client.force_login(khatlon_supervisor)
    profile = client.get(panj).json()
    assert yearly(profile["departures"]) == [
        (2020, 0, 0, 0, 0),
        (2021, 0, 0, 0, 0),
        (2022, 7, 7, 0, 0),
        (2023, 0, 0, 0, 0),
    ]
    assert [v["village"] for v in profile["villages_most_departures"]] == ["Panj"]
    assert client.get(asht).status_code == 403
    assert client.get(reverse("district-profile", args=[departures.number, "TJ-SU-ASH"])).status_code == 403

    client.force_login(personas.supervisor)  # Sughd
    assert client.get(asht).json()["departures"]["households_left"] == 73
    assert client.get(panj).status_code == 403


def test_the_profile_page_shows_departures_empty_houses_and_the_villages_most_left(client, departures, personas):
    client.force_login(personas.supervisor)
    page = html.unescape(
        client.get(reverse("district-profile", args=[departures.number, "TJ-SU-ASH"])).content.decode()
    )
    assert "Families who left entirely" in page
    assert "73 households left entirely over the period" in page
    assert "<tr><td>2023</td><td>51</td><td>0</td><td>31</td><td>20</td></tr>" in page
    assert "<td>34 (59%)</td>" in page
    assert "<td>1 of 2</td>" in page
    assert "<tr><td>Oshoba</td><td>45</td><td>48</td></tr>" in page
    section = page[page.index('<section id="departures">') :]
    section = section[: section.index("</section>")]
    assert "<svg" in section and 'aria-label="no data"' not in section  # the yearly chart, with its bars


def test_a_reference_figure_for_a_jamoat_stands_beside_the_jamoats_estimate(departures, personas):
    for area, value in ((personas.geo.asht, 48), (personas.geo.oshoba, 24)):
        ReferenceFigure.objects.create(
            area=area, population="imw", source="Migration Service", as_of=dt.date(2024, 7, 1), value=value
        )
    profile = district_profile(departures, personas.geo.asht)
    by_area = {r["area"]: r for r in profile["reference_figures"]}
    assert (by_area["Asht"]["estimate"], by_area["Asht"]["ratio"]) == (24, 0.5)  # Oshoba's 12 and Shaydon's 12
    assert (by_area["Oshoba"]["estimate"], by_area["Oshoba"]["ratio"]) == (12, 0.5)  # the jamoat: Oshoba only
    assert (profile["round"]["reference_start"], profile["round"]["reference_end"]) == ("2020-01-01", "2023-12-31")


def test_the_report_has_departures_per_province_and_the_round_total(departures):
    section = round_figures(departures)["departures"]
    sughd, khatlon = section["provinces"]  # most departures first
    assert (sughd["province"], sughd["villages_asked"], sughd["households_left"]) == ("Sughd", 2, 73)
    assert yearly(sughd) == ASHT_YEARLY
    assert (sughd["houses_empty"], sughd["houses_looked_after"], sughd["share_looked_after"]) == (58, 34, 59.0)
    assert (khatlon["province"], khatlon["households_left"], destinations(khatlon)["abroad"]) == ("Khatlon", 7, 7)
    assert (khatlon["houses_empty"], khatlon["houses_looked_after"], khatlon["share_looked_after"]) == (3, 0, 0.0)
    total = section["total"]
    assert (total["villages_asked"], total["households_left"]) == (3, 80)
    assert destinations(total) == {"abroad": 26, "another_district": 31, "unknown": 23}
    assert (total["houses_empty"], total["houses_looked_after"], total["share_looked_after"]) == (61, 34, 56.0)
    assert (total["villages_elderly_alone"], total["villages_answered_elderly"]) == (2, 3)


def test_a_round_without_the_question_reports_no_province(two_villages):
    section = round_figures(two_villages)["departures"]
    assert section["provinces"] == [] and section["total"]["households_left"] == 0


def test_the_report_page_and_workbook_show_the_departures(client, departures, personas):
    client.force_login(personas.coordinator)
    page = html.unescape(client.get(f"/reports/rounds/{departures.number}/").content.decode())
    assert "Families who left entirely, by province" in page
    assert "<tr><td>Sughd</td><td>2</td><td>73</td><td>19 (26%)</td><td>31 (42%)</td><td>23 (32%)</td></tr>" in page
    assert "<tr><td>Sughd</td><td>58</td><td>34 (59%)</td><td>1 of 2</td></tr>" in page
    assert "<tr><th>All provinces</th><th>0</th><th>3</th><th>26</th><th>51</th></tr>" in page

    book = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{departures.number}/xlsx/").content))
    rows = [list(r) for r in book["Families who left entirely"].iter_rows(values_only=True)]
    assert rows[1][:3] == ["Sughd", 2, 73] and rows[-1][:3] == ["All provinces", 3, 80]
    yearly_rows = [list(r) for r in book["Households that left, by year"].iter_rows(values_only=True)]
    assert ["Sughd", 2023, 51, 0, 31, 20] in yearly_rows


def test_a_replay_of_the_round_leaves_the_departures_byte_for_byte(
    client, departures, personas, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    client.force_login(personas.coordinator)
    report = f"/api/rounds/{departures.number}/report/"
    profile = f"/api/rounds/{departures.number}/districts/TJ-SU-ASH/profile/"
    before = client.get(report).content, client.get(profile).content
    assert b'"households_left":80' in before[0].replace(b" ", b"")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_submissions", "--round", str(departures.number))
    assert (client.get(report).content, client.get(profile).content) == before
