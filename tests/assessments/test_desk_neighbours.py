"""Previous and next on the assessment page walk the list exactly as the reader filtered, searched and
sorted it: ties on the sorted column, visit dates and villages that are missing (nulls, which SQLite
and PostgreSQL sort at opposite ends), the first and the last of the list, and an assessment that has
left the filter."""

import datetime
import hashlib
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from bma.assessments import models as m
from bma.geo.models import SettlementAlias
from bma.review.desk import changelist_neighbours, ordering_keys
from bma.submissions.models import Submission
from bma.xforms.models import Form

pytestmark = pytest.mark.django_db
LIST = "admin:assessments_villageassessment_changelist"

# The list's columns, as its ``o=`` parameter counts them (0 is the selection box): 1 review state,
# 2 open issues (an annotation), 3 village (village__name_en), 4 district (a foreign key: sorted by the
# district's path), 5 visit date.
ORDERINGS = ["", "o=5", "o=-5", "o=3", "o=-3.5", "o=4.-5", "o=2", "o=-2.3", "o=1.3"]


@pytest.fixture
def desk_list(personas):
    """Nine B2 assessments: visit dates with ties and blanks, villages listed and typed, three districts,
    two review states. Buston has two aliases a search for "buston" also finds (a row per alias)."""
    geo = personas.geo
    for alias in ("Buston-1", "Bustoni Kalon"):
        SettlementAlias.objects.create(settlement=geo.buston_asht, name=alias)
    form = Form.objects.create(xml_form_id="bma_b2", title="B2")
    nov = datetime.date(2026, 11, 1)
    rows = [
        # (village, typed name, district, visit date, review state)
        (geo.oshoba_village, "", geo.asht, nov.replace(day=20), "received"),
        (geo.shaydon, "", geo.asht, nov.replace(day=20), "received"),
        (geo.buston_asht, "", geo.asht, None, "received"),
        (None, "Buston-bolo", geo.asht, nov.replace(day=21), "received"),
        (None, "Buston-poyon", geo.khujand, None, "received"),
        (geo.buston_asht, "", geo.asht, nov.replace(day=20), "approved"),
        (geo.panj_centre, "", geo.panj, nov.replace(day=19), "received"),
        (None, "Zarkamar", None, None, "received"),
        (geo.shaydon, "", geo.asht, nov.replace(day=22), "received"),
    ]
    made, seen = [], set()
    for i, (village, typed, district, visit_date, state) in enumerate(rows):
        instance = f"uuid:desk-{i}"
        submission = Submission.objects.create(
            form=form,
            round=personas.round,
            instance_id=instance,
            root_instance_id=instance,
            payload=b"<data/>",
            payload_sha256=hashlib.sha256(b"<data/>").hexdigest(),
        )
        made.append(
            m.VillageAssessment.objects.create(
                submission=submission,
                root_instance_id=instance,
                form_version="2026112202",
                round=personas.round,
                province=district.parent if district else None,
                district=district,
                village=village,
                village_name_typed=typed,
                visit_date=visit_date,
                review_state=state,
                is_current=village is None or village.pk not in seen,  # one current per village
            )
        )
        seen.add(village.pk if village else None)
    return made


def shown(client, list_query: str) -> list[int]:
    """The assessments the list page shows for this query string, top to bottom."""
    page = client.get(f"{reverse(LIST)}?{list_query}")
    assert page.status_code == 200
    return [a.pk for a in page.context["cl"].result_list]


def neighbours(user, assessment, list_query: str):
    request = RequestFactory().get("/")
    request.user = user
    return changelist_neighbours(admin.site._registry[m.VillageAssessment], request, assessment, list_query)


@pytest.mark.parametrize("list_query", ORDERINGS + [f"review_state__exact=received&q=buston&{o}" for o in ORDERINGS])
def test_previous_and_next_follow_the_list_as_sorted_filtered_and_searched(client, personas, desk_list, list_query):
    client.force_login(personas.coordinator)
    order = shown(client, list_query)
    assert len(order) >= 3
    for at, pk in enumerate(order):
        expected = (order[at - 1] if at else None, order[at + 1] if at + 1 < len(order) else None)
        assert neighbours(personas.coordinator, m.VillageAssessment.objects.get(pk=pk), list_query) == expected, (
            f"row {at} of {order}"
        )


def test_first_and_last_of_the_list_have_one_neighbour_each_on_the_page(client, personas, desk_list):
    client.force_login(personas.coordinator)
    list_query = "review_state__exact=received&q=buston&o=5"
    order = shown(client, list_query)
    first, second, last = order[0], order[1], order[-1]
    change = "admin:assessments_villageassessment_change"
    page = client.get(f"{reverse(change, args=[first])}?_changelist_filters={quote(list_query)}")
    assert page.context["previous_url"] == ""
    assert page.context["next_url"].startswith(reverse(change, args=[second]) + "?")
    page = client.get(f"{reverse(change, args=[last])}?_changelist_filters={quote(list_query)}")
    assert page.context["next_url"] == "" and page.context["previous_url"].startswith(
        reverse(change, args=[order[-2]]) + "?"
    )


def test_an_assessment_no_longer_in_the_filter_has_no_neighbours(personas, desk_list):
    approved = next(a for a in desk_list if a.review_state == "approved")
    assert neighbours(personas.coordinator, approved, "review_state__exact=received&o=5") == (None, None)
    # Outside the reader's areas is outside the list too: a Sughd supervisor's list holds no Panj.
    panj = next(a for a in desk_list if a.district == personas.geo.panj)
    assert neighbours(personas.supervisor, panj, "") == (None, None)


def test_the_keys_are_the_databases_own_sort_keys():
    """A foreign key sorts by its model's own ordering (a district by its path, a village by its
    district's path then its name), as Django's SQL does; what a keyset cannot follow is left to the
    id list (random order, a key across a relation to many rows)."""

    def names(ordering):
        keys = ordering_keys(m.VillageAssessment, ordering)
        return keys and [("-" if k.descending else "") + k.expression.name for k in keys]

    assert names(["-district", "pk"]) == ["-district__path", "pk"]
    assert names(["village", "-pk"]) == ["village__district__path", "village__name_en", "-pk"]
    assert names(["-village"]) == ["-village__district__path", "-village__name_en"]
    assert names(["open_issue_count", "visit_date__year", "district_id"]) == [
        "open_issue_count",
        "visit_date__year",
        "district_id",
    ]
    assert names(["?"]) is None and names(["village__aliases__name"]) is None
