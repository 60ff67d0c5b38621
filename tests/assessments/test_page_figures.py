"""The desk's figures in the reader's language: a total of 12345 reads 12,345 in English and 12 345 in
Russian and Tajik, while the years labelling the population table, ids and form values stay as stored."""

import re

import pytest
from django.urls import reverse

from bma.assessments import models as m
from bma.core.languages import user_language_set

pytestmark = pytest.mark.django_db
NBSP = "\xa0"


@pytest.fixture
def big_village(receive):
    receive("b2_2026112202.xml")
    assessment = m.VillageAssessment.objects.get()
    figure = assessment.populations.filter(total__isnull=False).order_by("pk").first()
    figure.total = 12345
    figure.save(update_fields=["total"])
    yearly = figure.yearly.order_by("year").first()
    yearly.count = 4321
    yearly.save(update_fields=["count"])
    return assessment, yearly.year


@pytest.mark.parametrize(
    "language, total, count",
    [("en", "12,345", "4,321"), ("ru", f"12{NBSP}345", f"4{NBSP}321"), ("tg", f"12{NBSP}345", f"4{NBSP}321")],
)
def test_population_figures_are_grouped_and_years_are_not(client, personas, big_village, language, total, count):
    assessment, year = big_village
    user_language_set(personas.supervisor, language)
    client.force_login(personas.supervisor)
    page = client.get(reverse("admin:assessments_villageassessment_change", args=[assessment.pk])).content.decode()
    table = page[page.index('<table id="populations"') :]
    table = table[: table.index("</table>")]
    assert f"<td>{total}</td>" in table and f"<td>{count}</td>" in table
    assert f"<th>{year}</th>" in table  # the row's year: 2024, never 2,024 or 2 024
    # Form values and ids are never grouped: every number in a value or an href is plain digits.
    for attribute in re.findall(r'(?:value|href)="([^"]*)"', page):
        assert not re.search(r"\d[,\xa0]\d{3}", attribute), attribute


@pytest.mark.parametrize("language, shown", [("en", "22 Nov 2026"), ("ru", "22 ноября 2026"), ("tg", "22 ноябри 2026")])
def test_the_list_shows_the_visit_date_day_first_with_the_month_named(client, personas, big_village, language, shown):
    user_language_set(personas.supervisor, language)
    client.force_login(personas.supervisor)
    page = client.get(reverse("admin:assessments_villageassessment_changelist")).content.decode()
    assert shown in page
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", page)  # never 11/22/2026, the American order
    assert "2026 г." not in page or language == "ru"  # "г." is Russian, not Tajik
