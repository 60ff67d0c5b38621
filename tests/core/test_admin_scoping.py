"""Area scoping of admin lists: a supervisor's rows only, each once, without a DISTINCT over the list."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from bma.assessments.models import VillageAssessment
from bma.core.admin import lookup_crosses_many
from bma.geo.models import AdminArea, Settlement
from bma.rounds.scoping import AreaScopedAdminMixin

pytestmark = pytest.mark.django_db


def test_only_a_lookup_through_a_many_valued_relation_crosses_many():
    assert not lookup_crosses_many(VillageAssessment, "district")
    assert not lookup_crosses_many(Settlement, "district")
    assert not lookup_crosses_many(AdminArea, "")
    assert lookup_crosses_many(AdminArea, "assignments__area")  # an area has many assignments


def test_every_scoped_admin_names_a_real_path_to_an_area():
    scoped = [a for a in admin.site._registry.values() if isinstance(a, AreaScopedAdminMixin)]
    assert scoped
    for model_admin in scoped:
        lookup_crosses_many(model_admin.model, model_admin.scope_field)  # raises on a wrong name


@pytest.mark.parametrize("persona", ["supervisor", "coordinator"])
def test_the_desk_list_holds_each_assessment_once_and_asks_no_distinct(two_villages, personas, persona):
    request = RequestFactory().get("/")
    request.user = getattr(personas, persona)
    queryset = admin.site._registry[VillageAssessment].get_queryset(request)
    ids = list(queryset.values_list("pk", flat=True))
    assert ids and len(ids) == len(set(ids))
    assert not queryset.query.distinct
